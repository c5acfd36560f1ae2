/*  stictl progress: how far each indicator has come towards its target in a
    year at an org unit (progress.report on sti.indicators).

    The service computes everything (docs/data-path.md, "Progress"); this
    command only lays it out. The table's columns are sized by display
    width, so the Chinese names line up on a terminal; a name wider than
    S_NAME_COLUMNS is cut with "…". Cells are rendered twice (once to size
    the columns, once to print) rather than kept, so memory does not grow
    with the reply.

    With -o FILE.xlsx the same rows go to a workbook instead (sti_xlsx_writer):
    one row per indicator with the fields --json prints, under Chinese
    titles, numbers as numbers and completions as percentages, so that the
    figures can be worked with in Excel; a sheet 说明 says the year, the org
    unit and what each column is. An existing FILE is written over: a
    report holds nothing that cannot be made again.
*/
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "sti_catalog.h"
#include "sti_xlsx_writer.h"
#include "stictl.h"

const char stictl_progress_usage[] =
    "usage: stictl progress [--year Y] [--org ORG] [--approved] [--json] [-o FILE.xlsx]\n"
    "\n"
    "Prints, for year Y (default: this year, at most the plan's last) at org\n"
    "unit ORG (default: the root, the district), one line per indicator: code,\n"
    "name, unit, baseline, the latest value with its period, the final target\n"
    "with its year, completion and expected completion in %, and the status in\n"
    "Chinese (已完成 achieved, 正常 on_track, 滞后 lagging, 有风险 at_risk, 无数据\n"
    "no_data, 无目标 no_target). A latest value marked ! is more than 10 times (the\n"
    "service's warn_factor) above or below the one before it; a line under the\n"
    "table says so. FORECAST is where the indicator is headed at the plan's end\n"
    "(stictl forecast, docs/forecast.md): 预计达标 expected_to_meet, 需加快\n"
    "needs_acceleration, 停滞或倒退 stagnation_or_regression, 数据不足\n"
    "insufficient_data. APPROVAL says whether ORG's figures of the latest value's\n"
    "period are signed off (stictl approve, docs/signoff.md): 已审核 approved,\n"
    "未审核 not approved. --approved counts approved figures only (progress and\n"
    "forecast from the latest approved period); by default every figure counts.\n"
    "--json prints {\"year\": Y, \"approved_only\", \"org\": \"...\", \"org_name_zh\",\n"
    "\"indicators\": [{\"code\", \"name_zh\", \"name_en\", \"unit\", \"baseline\",\n"
    "\"baseline_period\", \"latest\", \"latest_period\", \"approved\", \"target\",\n"
    "\"target_year\", \"completion\", \"expected_completion\", \"status\", \"flag\",\n"
    "\"forecast_year\", \"forecast_class\",\n"
    "\"projection\", \"score\", \"method\", \"rate\", \"required_rate\"}]}, with status\n"
    "and class codes in English,\n"
    "missing values as null and completions as fractions (0.645, not 64.5).\n"
    "-o FILE.xlsx writes the rows to an Excel workbook instead, one per indicator,\n"
    "with the fields of --json under the titles 指标代码, 指标名称, 英文名称, 单位,\n"
    "基期值, 最新值, 最新期间, 目标值, 目标年份, 完成度, 应完成度, 状态 (the status\n"
    "in Chinese: 正常, 滞后, ...), 状态代码 (its code: on_track, ...) (completions\n"
    "as percentages, missing values as empty cells), and a sheet 说明; prints\n"
    "`wrote N indicators to FILE`.\n"
    "Exit 4 when there is no org unit ORG.\n";

#define S_NAME_COLUMNS 24 // widest name cell, in display columns
#define S_COLUMNS 11      // columns of the table

static const char *const s_heads[S_COLUMNS] = {"CODE",   "NAME",     "UNIT",    "BASELINE",
                                               "LATEST", "TARGET",   "DONE",    "EXPECTED",
                                               "STATUS", "FORECAST", "APPROVAL"};

//  The fields of a row --json keeps, in this order.
static const char *const s_json_fields[] = {"code",
                                            "name_zh",
                                            "name_en",
                                            "unit",
                                            "baseline",
                                            "baseline_period",
                                            "latest",
                                            "latest_period",
                                            "approved",
                                            "target",
                                            "target_year",
                                            "completion",
                                            "expected_completion",
                                            "status",
                                            "flag",
                                            "forecast_year",
                                            "forecast_class",
                                            "projection",
                                            "score",
                                            "method",
                                            "rate",
                                            "required_rate",
                                            NULL};

//  A completion as a percentage with one decimal, or "-".
static const char *s_percent(sti_node_t node, char *buf, size_t cap)
{
    double value = 0;
    sti_field_error_t err;
    if (sti_node_double(node, &value, &err) != 0) {
        snprintf(buf, cap, "-");
    } else {
        snprintf(buf, cap, "%.1f%%", 100 * value);
    }
    return buf;
}

//  Renders cell `column` of a row into buf. Returns buf.
static const char *s_cell(const void *ctx, sti_node_t row, int column, char *buf, size_t cap)
{
    (void)ctx;
    switch (column) {
    case 0:
        return stictl_map_text(row, "code", buf, cap);
    case 1:
        stictl_map_text(row, "name_zh", buf, cap);
        return stictl_text_fit(buf, S_NAME_COLUMNS);
    case 2:
        return stictl_map_text(row, "unit", buf, cap);
    case 3:
        return stictl_map_text(row, "baseline", buf, cap);
    case 4:
        stictl_map_with(row, "latest", "latest_period", buf, cap);
        if (sti_node_type(sti_node_get(row, "flag")) == STI_TYPE_STR && strlen(buf) + 3 < cap) {
            strcat(buf, " !"); // explained under the table
        }
        return buf;
    case 5:
        return stictl_map_with(row, "target", "target_year", buf, cap);
    case 6:
        return s_percent(sti_node_get(row, "completion"), buf, cap);
    case 7:
        return s_percent(sti_node_get(row, "expected_completion"), buf, cap);
    case 10: {
        bool approved = false;
        sti_field_error_t err;
        if (sti_node_bool(sti_node_get(row, "approved"), &approved, &err) != 0) {
            snprintf(buf, cap, "-");
        } else {
            snprintf(buf, cap, "%s", approved ? "已审核" : "未审核");
        }
        return buf;
    }
    default: {
        char status[32];
        snprintf(buf, cap, "%s",
                 sti_status_zh(stictl_map_text(row, column == 8 ? "status" : "forecast_class",
                                               status, sizeof status)));
        return buf;
    }
    }
}

//  Prints a progress.report reply as the table.
static void s_print_table(sti_node_t body)
{
    char year[16], org[STI_CODE_MAX], name[STI_NAME_MAX], cell[STI_NAME_MAX];
    stictl_map_text(body, "org_name_zh", name, sizeof name);
    printf("progress in %s at %s%s%s\n", stictl_map_text(body, "year", year, sizeof year),
           stictl_map_text(body, "org", org, sizeof org), strcmp(name, "-") && *name ? " " : "",
           strcmp(name, "-") && *name ? name : "");
    sti_node_t rows = sti_node_get(body, "indicators");
    size_t count = sti_node_size(rows);
    stictl_print_grid(s_heads, S_COLUMNS, rows, s_cell, NULL);
    for (size_t i = 0; i < count; i++) {
        sti_node_t row = sti_node_at(rows, i);
        if (sti_node_type(sti_node_get(row, "flag")) == STI_TYPE_STR) {
            printf("! %s: %s\n", stictl_map_text(row, "code", year, sizeof year),
                   stictl_map_text(row, "flag", cell, sizeof cell));
        }
    }
}

//  Prints a progress.report reply as one JSON object, keeping s_json_fields.
static void s_print_json(sti_node_t body)
{
    cJSON *json = cJSON_CreateObject();
    cJSON_AddItemToObject(json, "year", stictl_json_from_node(sti_node_get(body, "year")));
    cJSON_AddItemToObject(json, "approved_only",
                          stictl_json_from_node(sti_node_get(body, "approved_only")));
    cJSON_AddItemToObject(json, "org", stictl_json_from_node(sti_node_get(body, "org")));
    cJSON_AddItemToObject(json, "org_name_zh",
                          stictl_json_from_node(sti_node_get(body, "org_name_zh")));
    cJSON *list = cJSON_AddArrayToObject(json, "indicators");
    sti_node_t rows = sti_node_get(body, "indicators");
    for (size_t i = 0; i < sti_node_size(rows); i++) {
        cJSON *item = cJSON_CreateObject();
        for (const char *const *field = s_json_fields; *field; field++) {
            cJSON_AddItemToObject(
                item, *field, stictl_json_from_node(sti_node_get(sti_node_at(rows, i), *field)));
        }
        cJSON_AddItemToArray(list, item);
    }
    stictl_json_print(&json);
}

//  --- the workbook ---

//  The workbook's columns: a title and the field of a row it shows.
static const struct {
    const char *title; // the column's title
    const char *field; // the row's field
    char kind;         // 't' text, 'n' number, 'p' percentage, 's' a status (in Chinese)
} s_xlsx_columns[] = {{"指标代码", "code", 't'},
                      {"指标名称", "name_zh", 't'},
                      {"英文名称", "name_en", 't'},
                      {"单位", "unit", 't'},
                      {"基期值", "baseline", 'n'},
                      {"最新值", "latest", 'n'},
                      {"最新期间", "latest_period", 't'},
                      {"目标值", "target", 'n'},
                      {"目标年份", "target_year", 'n'},
                      {"完成度", "completion", 'p'},
                      {"应完成度", "expected_completion", 'p'},
                      {"状态", "status", 's'},
                      {"状态代码", "status", 't'},
                      {NULL, NULL, 0}};

//  Writes one field of a row into the next cell.
static void s_xlsx_cell(sti_xlsx_writer_t *w, sti_node_t row, int column)
{
    sti_node_t node = sti_node_get(row, s_xlsx_columns[column].field);
    sti_field_error_t err;
    double value;
    char text[STI_NAME_MAX];
    if (s_xlsx_columns[column].kind == 't' || s_xlsx_columns[column].kind == 's') {
        const char *shown =
            sti_node_type(node) == STI_TYPE_STR ? stictl_node_text(node, text, sizeof text) : NULL;
        sti_xlsx_writer_text(w, shown && s_xlsx_columns[column].kind == 's' ? sti_status_zh(shown)
                                                                            : shown);
    } else if (sti_node_double(node, &value, &err) != 0) {
        sti_xlsx_writer_blank(w);
    } else if (s_xlsx_columns[column].kind == 'p') {
        sti_xlsx_writer_percent(w, value);
    } else {
        sti_xlsx_writer_number(w, value);
    }
}

//  Writes a progress.report reply to path. Returns an exit code.
static int s_write_xlsx(sti_node_t body, const char *path, bool json)
{
    char err[512], year[16], org[STI_CODE_MAX], line[256], when[32];
    sti_xlsx_writer_t *w = sti_xlsx_writer_new(path, err, sizeof err);
    sti_node_t rows = sti_node_get(body, "indicators");
    const char *titles[sizeof s_xlsx_columns / sizeof *s_xlsx_columns];
    for (int c = 0; s_xlsx_columns[c].title; c++) {
        titles[c] = s_xlsx_columns[c].title;
        titles[c + 1] = NULL;
    }
    if (w) {
        sti_xlsx_writer_sheet(w, "进度");
        sti_xlsx_writer_header(w, titles);
        for (size_t i = 0; i < sti_node_size(rows); i++) {
            for (int c = 0; s_xlsx_columns[c].title; c++) {
                s_xlsx_cell(w, sti_node_at(rows, i), c);
            }
            sti_xlsx_writer_end_row(w);
        }
        time_t now = time(NULL);
        struct tm tm;
        strftime(when, sizeof when, "%Y-%m-%d %H:%M UTC", gmtime_r(&now, &tm));
        snprintf(line, sizeof line, "%s 年 %s 的规划进度 (progress in %s at %s), %s",
                 stictl_map_text(body, "year", year, sizeof year),
                 stictl_map_text(body, "org", org, sizeof org), year, org, when);
        sti_xlsx_writer_sheet(w, "说明");
        sti_xlsx_writer_text(w, line);
        sti_xlsx_writer_end_row(w);
        sti_xlsx_writer_text(
            w, "完成度 = (最新值 − 基期值) / (目标值 − 基期值)；应完成度：按计划本年应"
               "达到的完成度。");
        sti_xlsx_writer_end_row(w);
        sti_xlsx_writer_text(w, "状态 (状态代码): 已完成 (achieved), 正常 (on_track), 滞后 "
                                "(lagging), 有风险 (at_risk), 无数据 (no_data), 无目标 "
                                "(no_target)");
        sti_xlsx_writer_end_row(w);
    }
    if (!w || sti_xlsx_writer_close(&w, err, sizeof err) != 0) {
        fprintf(stderr, "stictl progress: cannot write %s: %s\n", path, err);
        return STICTL_FAILED;
    }
    if (json) {
        cJSON *out = cJSON_CreateObject();
        cJSON_AddStringToObject(out, "file", path);
        cJSON_AddNumberToObject(out, "indicators", (double)sti_node_size(rows));
        stictl_json_print(&out);
    } else {
        printf("wrote %zu indicators to %s\n", sti_node_size(rows), path);
    }
    return STICTL_OK;
}

int stictl_progress(stictl_t *ctl, int argc, char **argv)
{
    stictl_table_flags_t flags = {0};
    bool approved = false;
    for (int i = 1; i < argc; i++) {
        int rc = stictl_table_flag(argc, argv, &i, &flags);
        if (rc > 0) {
            return rc;
        }
        if (rc < 0 && strcmp(argv[i], "--approved") != 0) {
            return stictl_usage_error(argv[0], "unexpected argument '%s'", argv[i]);
        }
        approved = approved || rc < 0;
    }
    const char *org = flags.org, *path = flags.path;
    long long year = flags.year;
    sti_writer_t *request = stictl_request("progress.report", NULL, 0);
    sti_writer_map(request, (year ? 1 : 0) + (org ? 1 : 0) + (approved ? 1 : 0));
    if (approved) {
        sti_writer_kv_bool(request, "approved", true);
    }
    if (year) {
        sti_writer_kv_int(request, "year", year);
    }
    if (org) {
        sti_writer_kv_str(request, "org", org);
    }
    sti_reply_t reply;
    int rc = stictl_call_ok(ctl, "sti.indicators", &request, &reply);
    if (rc != 0) {
        return rc;
    }
    if (sti_node_type(sti_node_get(reply.body, "indicators")) != STI_TYPE_ARRAY) {
        fprintf(stderr, "stictl progress: sti.indicators answered without an indicators array\n");
        rc = STICTL_FAILED;
    } else if (path) {
        rc = s_write_xlsx(reply.body, path, ctl->json);
    } else if (ctl->json) {
        s_print_json(reply.body);
    } else {
        s_print_table(reply.body);
    }
    sti_reply_release(&reply);
    return rc;
}
