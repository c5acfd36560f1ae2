/*  sti_report_book: the report's workbook: the sheets in order, their
    names, and the charts of the main indicators against their trajectory.
    See sti_report_book.h.

    Sheet names follow Excel's rules: at most 31 characters, none of
    []:*?/\, no apostrophe at either end, unique without regard to case;
    an org unit's name is cut and made unique ("~2") to fit.
    libxlsxwriter writes the file on close; an error of any call before is
    kept by the workbook and reported then, and the file is removed.
*/
#include "sti_report_book.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sti_report_sheets.h"
#include "sti_text.h"

#define S_SHEET_NAME_MAX 31 // characters of a sheet name (Excel's limit)
#define S_CHARTS_MAX 12     // charts at most (the main indicators)
#define S_CHART_ROWS 18     // rows a chart takes on its sheet

//  Copies name into out (cap at least 4 * S_SHEET_NAME_MAX + 8) as a sheet
//  name: forbidden characters as '_', at most 31 characters (UTF-8), no
//  apostrophe at either end, unique in book ("~2", "~3", ...).
static void s_sheet_name(lxw_workbook *book, const char *name, char *out, size_t cap)
{
    char base[4 * S_SHEET_NAME_MAX + 1];
    size_t len = 0, chars = 0;
    for (const char *p = name; *p && len + 4 < sizeof base; p++) {
        unsigned char c = (unsigned char)*p;
        if ((c & 0xC0) != 0x80 && ++chars > S_SHEET_NAME_MAX - 3) {
            break; // room left for "~NN"
        }
        base[len++] = strchr("[]:*?/\\", c) || c < 0x20 ? '_' : (char)c;
    }
    base[len] = 0;
    while (len && base[len - 1] == '\'') {
        base[--len] = 0;
    }
    const char *start = base;
    while (*start == '\'') {
        start++;
    }
    snprintf(out, cap, "%s", *start ? start : "_");
    for (int n = 2; workbook_validate_sheet_name(book, out) != LXW_NO_ERROR && n < 100; n++) {
        snprintf(out, cap, "%s~%d", *start ? start : "_", n);
    }
}

static lxw_worksheet *s_sheet(lxw_workbook *book, const char *name)
{
    char fitted[4 * S_SHEET_NAME_MAX + 8];
    s_sheet_name(book, name, fitted, sizeof fitted);
    return workbook_add_worksheet(book, fitted);
}

static void s_formats(lxw_workbook *book, sti_report_formats_t *f)
{
    f->book = book;
    f->head = workbook_add_format(book);
    format_set_bold(f->head);
    format_set_bg_color(f->head, 0xDDEBF7);
    format_set_bottom(f->head, LXW_BORDER_THIN);
    format_set_text_wrap(f->head);
    f->title = workbook_add_format(book);
    format_set_bold(f->title);
    format_set_font_size(f->title, 13);
    f->number = workbook_add_format(book);
    format_set_num_format(f->number, "#,##0.####");
    f->percent = workbook_add_format(book);
    format_set_num_format(f->percent, "0.0%");
    f->good = workbook_add_format(book);
    format_set_bg_color(f->good, 0xC6EFCE);
    format_set_font_color(f->good, 0x006100);
    f->warn = workbook_add_format(book);
    format_set_bg_color(f->warn, 0xFFEB9C);
    format_set_font_color(f->warn, 0x9C5700);
    f->bad = workbook_add_format(book);
    format_set_bg_color(f->bad, 0xFFC7CE);
    format_set_font_color(f->bad, 0x9C0006);
}

const char *sti_report_book_name(const sti_report_t *report, char *buf, size_t cap)
{
    char kind[16], year[16];
    sti_map_text(report->data, "kind", kind, sizeof kind);
    sti_map_text(report->data, "year", year, sizeof year);
    bool annual = strcmp(kind, "annual") == 0, midterm = strcmp(kind, "midterm") == 0;
    if (report->en) {
        snprintf(buf, cap, "%s %s",
                 annual    ? "Annual monitoring report"
                 : midterm ? "Midterm evaluation report"
                           : "Final evaluation report",
                 year);
    } else {
        snprintf(buf, cap, "%s 年%s", year,
                 annual    ? "度监测报告"
                 : midterm ? "中期评估报告"
                           : "总结评估报告");
    }
    return buf;
}

//  Whether a root row is a main indicator: a target and a value of a year.
static bool s_main(sti_node_t ind)
{
    sti_node_t years = sti_node_get(ind, "years");
    if (sti_node_type(sti_node_get(ind, "target")) == STI_TYPE_NIL) {
        return false;
    }
    for (size_t y = 0; y < sti_node_size(years); y++) {
        if (sti_node_type(sti_node_get(sti_node_at(years, y), "value")) == STI_TYPE_FLOAT) {
            return true;
        }
    }
    return false;
}

//  One chart of ind whose series are at rows first..last of columns B (year),
//  C (value), D (trajectory) of sheet name, inserted at (at, 5).
static void s_chart(const sti_report_t *report, lxw_workbook *book, lxw_worksheet *sheet,
                    const char *name, sti_node_t ind, lxw_row_t first, lxw_row_t last, lxw_row_t at)
{
    char title[512], indicator[300], unit[64];
    sti_map_text(ind, report->en ? "name_en" : "name_zh", indicator, sizeof indicator);
    snprintf(title, sizeof title, "%s (%s)", indicator,
             sti_map_text(ind, "unit", unit, sizeof unit));
    lxw_chart *chart = workbook_add_chart(book, LXW_CHART_LINE);
    chart_title_set_name(chart, title);
    lxw_chart_series *actual = chart_add_series(chart, NULL, NULL);
    chart_series_set_categories(actual, name, first, 1, last, 1);
    chart_series_set_values(actual, name, first, 2, last, 2);
    chart_series_set_name(actual, sti_report_text(report, "实际值", "actual"));
    chart_series_set_marker_type(actual, LXW_CHART_MARKER_CIRCLE);
    lxw_chart_series *line = chart_add_series(chart, NULL, NULL);
    chart_series_set_categories(line, name, first, 1, last, 1);
    chart_series_set_values(line, name, first, 3, last, 3);
    chart_series_set_name(line, sti_report_text(report, "目标轨迹", "trajectory"));
    lxw_chart_line dash = {.color = 0x808080, .dash_type = LXW_CHART_LINE_DASH_DASH};
    chart_series_set_line(line, &dash);
    chart_show_blanks_as(chart, LXW_CHART_BLANKS_AS_GAP);
    worksheet_insert_chart(sheet, at, 5, chart);
}

//  Writes the baseline as the series' first point (value and trajectory
//  start there) when it is of a whole year. Returns the next row.
static lxw_row_t s_baseline_row(lxw_worksheet *sheet, const sti_report_formats_t *formats,
                                sti_node_t ind, lxw_row_t row)
{
    char period[32], *end;
    sti_node_t baseline = sti_node_get(ind, "baseline");
    sti_map_text(ind, "baseline_period", period, sizeof period);
    long long year = strtoll(period, &end, 10);
    if (sti_node_type(baseline) != STI_TYPE_FLOAT || end == period || *end || year < 2000 ||
        year > 2100) {
        return row; // not of a whole year (2020Q4, 2020-12, -)
    }
    sti_report_cell(sheet, row, 0, sti_node_get(ind, "code"), NULL);
    worksheet_write_number(sheet, row, 1, (double)year, NULL);
    sti_report_cell(sheet, row, 2, baseline, formats->number);
    sti_report_cell(sheet, row, 3, baseline, formats->number);
    return row + 1;
}

//  The charts' sheet: each main indicator's years (value and trajectory)
//  as a table in columns A to D, and its chart beside it.
static void s_charts_sheet(const sti_report_t *report, const sti_report_formats_t *formats,
                           lxw_worksheet *sheet, const char *name)
{
    sti_node_t rows = sti_node_get(report->data, "indicators");
    static const char *const heads[][2] = {
        {"指标代码", "code"}, {"年份", "year"}, {"实际值", "actual"}, {"目标轨迹", "trajectory"}};
    worksheet_write_string(
        sheet, 0, 0,
        sti_report_text(report, "主要指标与目标轨迹", "Main indicators against their trajectory"),
        formats->title);
    lxw_row_t row = 2;
    size_t charts = 0;
    for (size_t i = 0; i < sti_node_size(rows) && charts < S_CHARTS_MAX; i++) {
        sti_node_t ind = sti_node_at(rows, i), years = sti_node_get(ind, "years");
        if (!s_main(ind)) {
            continue;
        }
        lxw_row_t top = row;
        for (size_t c = 0; c < 4; c++) {
            worksheet_write_string(sheet, row, (lxw_col_t)c,
                                   sti_report_text(report, heads[c][0], heads[c][1]),
                                   formats->head);
        }
        row++;
        row = s_baseline_row(sheet, formats, ind, row);
        for (size_t y = 0; y < sti_node_size(years); y++, row++) {
            sti_node_t year = sti_node_at(years, y);
            sti_report_cell(sheet, row, 0, sti_node_get(ind, "code"), NULL);
            sti_report_cell(sheet, row, 1, sti_node_get(year, "year"), NULL);
            sti_report_cell(sheet, row, 2, sti_node_get(year, "value"), formats->number);
            sti_report_cell(sheet, row, 3, sti_node_get(year, "expected"), formats->number);
        }
        s_chart(report, formats->book, sheet, name, ind, top + 1, row - 1, top);
        charts++;
        row = top + S_CHART_ROWS > row + 1 ? top + S_CHART_ROWS : row + 1;
    }
    if (charts == 0) {
        worksheet_write_string(
            sheet, 2, 0,
            sti_report_text(report, "没有同时具有目标和年度值的指标。",
                            "No indicator has both a target and a yearly value."),
            NULL);
    }
    worksheet_set_column(sheet, 0, 0, 24, NULL);
}

//  The sheet that says what the report is.
static void s_about_sheet(const sti_report_t *report, const sti_report_formats_t *formats,
                          lxw_worksheet *sheet)
{
    char name[256], text[300];
    sti_node_t plan = sti_node_get(report->data, "plan");
    sti_report_book_name(report, name, sizeof name);
    worksheet_write_string(sheet, 0, 0, name, formats->title);
    static const char *const keys[][3] = {{"规划", "plan", NULL},
                                          {"报告类别", "kind", "kind"},
                                          {"报告年份", "year", "year"},
                                          {"修订起算", "revisions since", "since"},
                                          {"生成时间 (UTC)", "made (UTC)", "made"}};
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
        worksheet_write_string(sheet, (lxw_row_t)(2 + k), 0,
                               sti_report_text(report, keys[k][0], keys[k][1]), formats->head);
        if (keys[k][2]) {
            sti_report_cell(sheet, (lxw_row_t)(2 + k), 1, sti_node_get(report->data, keys[k][2]),
                            NULL);
        } else {
            sti_map_text(plan, report->en ? "name_en" : "name_zh", text, sizeof text);
            worksheet_write_string(sheet, (lxw_row_t)(2 + k), 1, text, NULL);
        }
    }
    worksheet_write_string(
        sheet, 8, 0,
        sti_report_text(
            report,
            "完成度 = (最新值 − 基期值) / (目标值 − 基期值)；预测按联合国统计司的预期进展法"
            "（docs/forecast.md）。",
            "completion = (latest − baseline) / (target − baseline); the forecast "
            "follows the UN Statistics Division's anticipated-progress method "
            "(docs/forecast.md)."),
        NULL);
    worksheet_set_column(sheet, 0, 0, 22, NULL);
    worksheet_set_column(sheet, 1, 1, 48, NULL);
}

//  The sheets of every org unit but the root.
static void s_org_sheets(const sti_report_t *report, const sti_report_formats_t *formats)
{
    sti_node_t orgs = sti_node_get(report->data, "orgs");
    char name[300], code[80], title[512];
    for (size_t o = 0; o < sti_node_size(orgs); o++) {
        sti_node_t org = sti_node_at(orgs, o);
        sti_map_text(org, report->en ? "name_en" : "name_zh", name, sizeof name);
        sti_map_text(org, "org", code, sizeof code);
        if (!name[0] || strcmp(name, "-") == 0) {
            snprintf(name, sizeof name, "%s", code);
        }
        snprintf(title, sizeof title, "%s (%s)", name, code);
        lxw_worksheet *sheet = s_sheet(formats->book, name);
        sti_report_rows_sheet(report, formats, sheet, title, sti_node_get(org, "indicators"));
    }
}

int sti_report_book_write(const sti_report_t *report, const char *path, const char *tmpdir,
                          char *err, size_t errlen)
{
    lxw_workbook_options options = {.use_zip64 = LXW_FALSE, .tmpdir = (char *)tmpdir};
    lxw_workbook *book = workbook_new_opt(path, &options);
    if (!book) {
        snprintf(err, errlen, "libxlsxwriter cannot start a workbook");
        return -1;
    }
    sti_report_formats_t formats;
    s_formats(book, &formats);
    char name[256];
    sti_report_book_name(report, name, sizeof name);
    const char *summary = sti_report_text(report, "汇总", "Summary");
    const char *charts = sti_report_text(report, "图表", "Charts");
    sti_report_rows_sheet(report, &formats, s_sheet(book, summary), name,
                          sti_node_get(report->data, "indicators"));
    lxw_worksheet *chart_sheet = s_sheet(book, charts);
    s_charts_sheet(report, &formats, chart_sheet, chart_sheet->name);
    sti_report_completeness_sheet(
        report, &formats, s_sheet(book, sti_report_text(report, "完整性与及时性", "Completeness")));
    sti_report_projects_sheet(report, &formats,
                              s_sheet(book, sti_report_text(report, "项目", "Projects")));
    sti_report_milestones_sheet(report, &formats,
                                s_sheet(book, sti_report_text(report, "里程碑", "Milestones")));
    sti_report_revisions_sheet(report, &formats,
                               s_sheet(book, sti_report_text(report, "数据修订", "Revisions")));
    s_org_sheets(report, &formats);
    s_about_sheet(report, &formats, s_sheet(book, sti_report_text(report, "说明", "About")));
    lxw_error rc = workbook_close(book);
    if (rc != LXW_NO_ERROR) {
        snprintf(err, errlen, "%s", lxw_strerror(rc));
        unlink(path);
        return -1;
    }
    return 0;
}
