/*  sti_report_sheets: the tables of the report's workbook: indicator
    rows (the summary and each org unit), revisions, projects, milestones
    and completeness. See sti_report_book.h.

    Each sheet has its title in row 1, its header in row 3, its rows from
    row 4. Cells hold what the document holds: numbers as numbers,
    completions as percentages, nil as an empty cell.
*/
#include "sti_report_sheets.h"

#include <stdio.h>
#include <string.h>

#include "sti_text.h"
#include "sti_xlsx_writer.h"

#define S_HEAD_ROW 2  // the header's row (Excel's row 3)
#define S_FIRST_ROW 3 // the first data row

//  A status or class: its code, Chinese and English names, and its colour
//  ('g' good, 'w' warning, 'b' bad, 0 none).
static const struct {
    const char *code, *zh, *en;
    char colour;
} s_statuses[] = {
    {"achieved", "已完成", "achieved", 'g'},
    {"on_track", "正常", "on track", 'g'},
    {"lagging", "滞后", "lagging", 'w'},
    {"at_risk", "有风险", "at risk", 'b'},
    {"no_data", "无数据", "no data", 0},
    {"no_target", "无目标", "no target", 0},
    {"expected_to_meet", "预计达标", "expected to meet", 'g'},
    {"needs_acceleration", "需加快", "needs acceleration", 'w'},
    {"stagnation_or_regression", "停滞或倒退", "stagnation or regression", 'b'},
    {"insufficient_data", "数据不足", "insufficient data", 0},
};

#define S_STATUSES (sizeof s_statuses / sizeof s_statuses[0])

const char *sti_report_text(const sti_report_t *report, const char *zh, const char *en)
{
    return report->en ? en : zh;
}

const char *sti_report_status(const sti_report_t *report, const char *code)
{
    for (size_t i = 0; i < S_STATUSES; i++) {
        if (strcmp(s_statuses[i].code, code) == 0) {
            return report->en ? s_statuses[i].en : s_statuses[i].zh;
        }
    }
    return code;
}

void sti_report_cell(lxw_worksheet *sheet, lxw_row_t row, lxw_col_t col, sti_node_t node,
                     lxw_format *format)
{
    char text[4096];
    double value;
    sti_field_error_t err;
    switch (sti_node_type(node)) {
    case STI_TYPE_STR:
        worksheet_write_string(sheet, row, col, sti_node_text(node, text, sizeof text), NULL);
        break;
    case STI_TYPE_BOOL:
    case STI_TYPE_INT:
    case STI_TYPE_UINT:
    case STI_TYPE_FLOAT:
        if (sti_node_type(node) == STI_TYPE_BOOL) {
            worksheet_write_string(sheet, row, col, sti_node_text(node, text, sizeof text), NULL);
        } else if (sti_node_double(node, &value, &err) == 0) {
            worksheet_write_number(sheet, row, col, value, format);
        }
        break;
    default:
        break; // nil or missing: an empty cell
    }
}

//  Writes the title in row 1 and the header in row 3, with column widths.
static void s_head(const sti_report_t *report, const sti_report_formats_t *formats,
                   lxw_worksheet *sheet, const char *title, const char *const (*heads)[2],
                   size_t count)
{
    worksheet_write_string(sheet, 0, 0, title, formats->title);
    for (size_t c = 0; c < count; c++) {
        const char *head = sti_report_text(report, heads[c][0], heads[c][1]);
        worksheet_write_string(sheet, S_HEAD_ROW, (lxw_col_t)c, head, formats->head);
        double width = (double)sti_xlsx_text_width(head) + 2;
        worksheet_set_column(sheet, (lxw_col_t)c, (lxw_col_t)c, width < 10 ? 10 : width, NULL);
    }
    worksheet_freeze_panes(sheet, S_FIRST_ROW, 0);
}

//  The columns of an indicator row: zh, en titles.
static const char *const s_row_heads[][2] = {
    {"指标代码", "code"},
    {"指标名称", "indicator"},
    {"单位", "unit"},
    {"基期值", "baseline"},
    {"基期", "baseline period"},
    {"最新值", "latest"},
    {"最新期间", "latest period"},
    {"目标值", "target"},
    {"目标年份", "target year"},
    {"完成度", "completion"},
    {"应完成度", "expected"},
    {"状态", "status"},
    {"规划期末预测值", "projection"},
    {"预测", "forecast"},
    {"预测得分", "score"},
    {"状态代码", "status code"},
    {"预测代码", "forecast code"},
};

#define S_ROW_COLUMNS (sizeof s_row_heads / sizeof s_row_heads[0])
#define S_STATUS_COLUMN 11   // the status, in words
#define S_FORECAST_COLUMN 13 // the forecast class, in words

//  Colours the status and forecast columns of rows first..last by status.
static void s_colours(const sti_report_t *report, const sti_report_formats_t *formats,
                      lxw_worksheet *sheet, lxw_row_t first, lxw_row_t last)
{
    char quoted[64];
    for (size_t i = 0; i < S_STATUSES; i++) {
        if (!s_statuses[i].colour) {
            continue;
        }
        snprintf(quoted, sizeof quoted, "\"%s\"", sti_report_status(report, s_statuses[i].code));
        lxw_conditional_format rule = {
            .type = LXW_CONDITIONAL_TYPE_CELL,
            .criteria = LXW_CONDITIONAL_CRITERIA_EQUAL_TO,
            .value_string = quoted,
            .format = s_statuses[i].colour == 'g'   ? formats->good
                      : s_statuses[i].colour == 'w' ? formats->warn
                                                    : formats->bad,
        };
        lxw_col_t col = i < 6 ? S_STATUS_COLUMN : S_FORECAST_COLUMN;
        worksheet_conditional_format_range(sheet, first, col, last, col, &rule);
    }
}

//  Writes one indicator row at row.
static void s_indicator_row(const sti_report_t *report, const sti_report_formats_t *formats,
                            lxw_worksheet *sheet, lxw_row_t row, sti_node_t ind)
{
    static const char *const fields[S_ROW_COLUMNS] = {"code",
                                                      "name_zh",
                                                      "unit",
                                                      "baseline",
                                                      "baseline_period",
                                                      "latest",
                                                      "latest_period",
                                                      "target",
                                                      "target_year",
                                                      "completion",
                                                      "expected_completion",
                                                      "status",
                                                      "projection",
                                                      "forecast_class",
                                                      "score",
                                                      "status",
                                                      "forecast_class"};
    char code[64];
    for (size_t c = 0; c < S_ROW_COLUMNS; c++) {
        const char *field = c == 1 && report->en ? "name_en" : fields[c];
        sti_node_t node = sti_node_get(ind, field);
        lxw_format *format = c == 9 || c == 10 ? formats->percent : formats->number;
        if ((c == S_STATUS_COLUMN || c == S_FORECAST_COLUMN) &&
            sti_node_type(node) == STI_TYPE_STR) {
            worksheet_write_string(
                sheet, row, (lxw_col_t)c,
                sti_report_status(report, sti_node_text(node, code, sizeof code)), NULL);
        } else {
            sti_report_cell(sheet, row, (lxw_col_t)c, node, format);
        }
    }
}

void sti_report_rows_sheet(const sti_report_t *report, const sti_report_formats_t *formats,
                           lxw_worksheet *sheet, const char *title, sti_node_t rows)
{
    s_head(report, formats, sheet, title, s_row_heads, S_ROW_COLUMNS);
    worksheet_set_column(sheet, 1, 1, 36, NULL);
    size_t count = sti_node_size(rows);
    for (size_t i = 0; i < count; i++) {
        s_indicator_row(report, formats, sheet, (lxw_row_t)(S_FIRST_ROW + i), sti_node_at(rows, i));
    }
    if (count) {
        s_colours(report, formats, sheet, S_FIRST_ROW, (lxw_row_t)(S_FIRST_ROW + count - 1));
    }
}

//  Writes the fields of each map of list as a row from row S_FIRST_ROW.
static void s_table(lxw_worksheet *sheet, sti_node_t list, const char *const *fields,
                    const sti_report_formats_t *formats)
{
    for (size_t i = 0; i < sti_node_size(list); i++) {
        for (size_t c = 0; fields[c]; c++) {
            sti_report_cell(sheet, (lxw_row_t)(S_FIRST_ROW + i), (lxw_col_t)c,
                            sti_node_get(sti_node_at(list, i), fields[c]), formats->number);
        }
    }
}

void sti_report_revisions_sheet(const sti_report_t *report, const sti_report_formats_t *formats,
                                lxw_worksheet *sheet)
{
    static const char *const heads[][2] = {{"指标代码", "indicator"}, {"单位代码", "org unit"},
                                           {"期间", "period"},        {"修订后的值", "value"},
                                           {"修订次数", "revision"},  {"时间 (UTC)", "time (UTC)"},
                                           {"提交人", "submitter"},   {"来源", "source"}};
    static const char *const fields[] = {"indicator", "org",       "period", "value", "revision",
                                         "time",      "submitter", "source", NULL};
    char title[256], since[40];
    sti_map_text(report->data, "since", since, sizeof since);
    snprintf(
        title, sizeof title, "%s %s",
        sti_report_text(report, "自上次报告以来修订的报送值，自", "Reported values revised since"),
        since);
    s_head(report, formats, sheet, title, heads, sizeof heads / sizeof heads[0]);
    sti_node_t list = sti_node_get(report->data, "revisions");
    s_table(sheet, list, fields, formats);
    bool more = false;
    sti_field_error_t err;
    if (sti_node_bool(sti_node_get(report->data, "revisions_more"), &more, &err) == 0 && more) {
        worksheet_write_string(
            sheet, (lxw_row_t)(S_FIRST_ROW + sti_node_size(list)), 0,
            sti_report_text(report, "（还有更多修订未列出）", "(more revisions are not listed)"),
            NULL);
    }
}

void sti_report_projects_sheet(const sti_report_t *report, const sti_report_formats_t *formats,
                               lxw_worksheet *sheet)
{
    static const char *const heads[][2] = {{"项目代码", "code"}, {"项目名称", "project"},
                                           {"类别", "kind"},     {"所属工程", "programme"},
                                           {"级别", "level"},    {"责任单位", "org unit"},
                                           {"牵头单位", "lead"}, {"开始", "start"},
                                           {"结束", "end"},      {"计划投资", "planned investment"},
                                           {"投资单位", "unit"}, {"累计完成投资", "invested"},
                                           {"状态", "status"},   {"里程碑数", "milestones"},
                                           {"已完成", "done"},   {"逾期", "late"}};
    s_head(report, formats, sheet,
           sti_report_text(report, "规划项目及其进展", "The plan's projects"), heads,
           sizeof heads / sizeof heads[0]);
    worksheet_set_column(sheet, 1, 1, 36, NULL);
    for (size_t i = 0; i < report->project_count; i++) {
        sti_node_t p = report->projects[i], milestones = sti_node_get(p, "milestones");
        sti_node_t investment = sti_node_get(p, "investment");
        static const char *const fields[] = {"code", "name_zh", "kind",  "programme", "level",
                                             "org",  "lead",    "start", "end"};
        lxw_row_t row = (lxw_row_t)(S_FIRST_ROW + i);
        for (size_t c = 0; c < 9; c++) {
            const char *field = c == 1 && report->en ? "name_en" : fields[c];
            sti_report_cell(sheet, row, (lxw_col_t)c, sti_node_get(p, field), NULL);
        }
        sti_report_cell(sheet, row, 9, sti_node_get(investment, "value"), formats->number);
        sti_report_cell(sheet, row, 10, sti_node_get(investment, "unit"), NULL);
        sti_report_cell(sheet, row, 11, sti_node_get(p, "invested_total"), formats->number);
        sti_report_cell(sheet, row, 12, sti_node_get(p, "status"), NULL);
        size_t done = 0, late = 0;
        for (size_t m = 0; m < sti_node_size(milestones); m++) {
            sti_node_t one = sti_node_at(milestones, m);
            done += sti_node_type(sti_node_get(one, "done")) == STI_TYPE_STR;
            bool is_late = false;
            sti_field_error_t err;
            late += sti_node_bool(sti_node_get(one, "late"), &is_late, &err) == 0 && is_late;
        }
        worksheet_write_number(sheet, row, 13, (double)sti_node_size(milestones), NULL);
        worksheet_write_number(sheet, row, 14, (double)done, NULL);
        worksheet_write_number(sheet, row, 15, (double)late, late ? formats->bad : NULL);
    }
}

void sti_report_milestones_sheet(const sti_report_t *report, const sti_report_formats_t *formats,
                                 lxw_worksheet *sheet)
{
    static const char *const heads[][2] = {{"项目代码", "project"}, {"序号", "id"},
                                           {"到期日", "due"},       {"内容", "description"},
                                           {"完成日", "done"},      {"逾期", "late"}};
    static const char *const fields[] = {"id", "due", "description", "done", "late"};
    s_head(report, formats, sheet, sti_report_text(report, "项目里程碑", "Project milestones"),
           heads, sizeof heads / sizeof heads[0]);
    worksheet_set_column(sheet, 3, 3, 40, NULL);
    lxw_row_t row = S_FIRST_ROW;
    for (size_t i = 0; i < report->project_count; i++) {
        sti_node_t milestones = sti_node_get(report->projects[i], "milestones");
        for (size_t m = 0; m < sti_node_size(milestones); m++, row++) {
            sti_report_cell(sheet, row, 0, sti_node_get(report->projects[i], "code"), NULL);
            for (size_t c = 0; c < 5; c++) {
                sti_report_cell(sheet, row, (lxw_col_t)(c + 1),
                                sti_node_get(sti_node_at(milestones, m), fields[c]), NULL);
            }
        }
    }
}

//  Writes a list of maps (or one map: one row) under its key, the first
//  map's keys as the header. Returns the next free row.
static lxw_row_t s_generic_table(const sti_report_formats_t *formats, lxw_worksheet *sheet,
                                 lxw_row_t row, const char *key, sti_node_t list)
{
    worksheet_write_string(sheet, row++, 0, key, formats->title);
    bool one = sti_node_type(list) == STI_TYPE_MAP;
    size_t count = one ? 1 : sti_node_size(list);
    sti_node_t first = one ? list : sti_node_at(list, 0);
    char name[128];
    size_t keys = sti_node_size(first);
    for (size_t c = 0; c < keys; c++) {
        worksheet_write_string(sheet, row, (lxw_col_t)c,
                               sti_node_text(sti_node_key_at(first, c), name, sizeof name),
                               formats->head);
    }
    row++;
    for (size_t i = 0; i < count; i++, row++) {
        sti_node_t each = one ? list : sti_node_at(list, i);
        for (size_t c = 0; c < keys; c++) {
            sti_node_text(sti_node_key_at(first, c), name, sizeof name);
            sti_report_cell(sheet, row, (lxw_col_t)c, sti_node_get(each, name), formats->number);
        }
    }
    return row + 1;
}

void sti_report_completeness_sheet(const sti_report_t *report, const sti_report_formats_t *formats,
                                   lxw_worksheet *sheet)
{
    sti_node_t completeness = sti_node_get(report->data, "completeness");
    worksheet_write_string(
        sheet, 0, 0,
        sti_report_text(report, "报送完整性与及时性", "Completeness and timeliness of reporting"),
        formats->title);
    if (sti_node_type(completeness) != STI_TYPE_MAP) {
        worksheet_write_string(
            sheet, 2, 0,
            sti_report_text(report, "暂无：报送职责无法读取（sti-indicators 的 completeness）。",
                            "Not available: the reporting duties could not be read "
                            "(sti-indicators' completeness)."),
            NULL);
        return;
    }
    //  Each map (the total: one row) and each list of maps the section holds
    //  is one table, under its key.
    lxw_row_t row = S_HEAD_ROW;
    char key[128];
    for (size_t k = 0; k < sti_node_size(completeness); k++) {
        sti_node_t value = sti_node_value_at(completeness, k);
        if (sti_node_type(value) == STI_TYPE_MAP ||
            (sti_node_type(value) == STI_TYPE_ARRAY && sti_node_size(value) &&
             sti_node_type(sti_node_at(value, 0)) == STI_TYPE_MAP)) {
            sti_node_text(sti_node_key_at(completeness, k), key, sizeof key);
            row = s_generic_table(formats, sheet, row, key, value);
        }
    }
}
