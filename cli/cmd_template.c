/*  stictl template: writes an .xlsx form for a clerk to fill in with one
    year's values of one org unit, which `stictl ingest` then takes back.

    The first sheet, 填报, has the header ingest reads (指标, 指标名称, 组织,
    期间, 数值, 单位, 来源, 备注) and one row for every indicator a clerk
    reports (not the derived ones, which are computed), with the code, the
    name, the org unit, the year and the indicator's unit filled in; the
    clerk types the values, and the rows left without one are skipped on
    ingest. Excel's data validation offers drop-downs of the codes, the org
    units and, per row, the units the value may be given in (those of the
    same family: 亿元, 万元, 元), takes only numbers the unit allows in 数值,
    and keeps 期间 a text column, so 2025-05 stays a month and is not
    turned into a date. The sheets 指标, 组织 and 单位 list the catalog
    (the drop-downs point at them) and 说明 says how to fill the form in.

    The catalog comes from sti.indicators (catalog.list, org.list), so the
    form matches the plan loaded. An existing file is not overwritten
    without --force: it may hold a clerk's typing.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "sti_catalog.h"
#include "sti_xlsx_writer.h"
#include "stictl.h"

const char stictl_template_usage[] =
    "usage: stictl template [--year Y] [--org ORG] [-o FILE.xlsx] [--force] [--json]\n"
    "\n"
    "Writes an .xlsx form to fill in with year Y's values (default: this year,\n"
    "within the plan's years) of org unit ORG (default: the root, the district).\n"
    "Its first sheet, 填报, has the header stictl ingest reads (指标, 指标名称, 组织,\n"
    "期间, 数值, 单位, 来源, 备注) and a row for every indicator that is reported\n"
    "(derived ones are computed), with the code, name, org unit, year and unit\n"
    "filled in: type the values in 数值 (rows left empty are skipped), then\n"
    "`stictl ingest FILE.xlsx`. Drop-downs offer the codes, the org units and the\n"
    "units a value may be given in; 期间 is text, so 2025Q2 and 2025-05 stay as\n"
    "typed. The sheets 指标, 组织, 单位 list the catalog and 说明 explains.\n"
    "FILE defaults to 填报模板-ORG-Y.xlsx; an existing FILE is kept unless --force.\n"
    "Prints `wrote N indicators to FILE`; --json {\"file\", \"year\", \"org\",\n"
    "\"indicators\"}. Exit 4 when there is no org unit ORG.\n";

#define S_FORM_ROWS 1000 // rows of 填报 that get the drop-downs (the header is row 0)
#define S_UNITS 64       // units of a catalog, at most (STI_UNITS_MAX)

//  A unit of the catalog.
typedef struct {
    char code[STI_UNIT_CODE_MAX];     // its symbol
    char name_en[STI_UNIT_NAME_MAX];  // English name
    char family[STI_UNIT_FAMILY_MAX]; // units convert within a family
    double factor;                    // to the family's base unit
    bool allow_negative;              // a value below 0 is allowed
    bool has_min, has_max;            // whether min, max apply
    double min, max;                  // the allowed range
} s_unit_t;

//  What the form is made from.
typedef struct {
    sti_node_t indicators;   // catalog.list's indicators
    sti_node_t orgs;         // org.list's orgs
    s_unit_t units[S_UNITS]; // catalog.list's units
    size_t unit_count;       // entries of units
    char org[STI_CODE_MAX];  // the org unit of the form
    long long year;          // the year of the form
    size_t reported;         // indicators that are reported (not derived)
} s_form_t;

//  A string field of a map, "" when it is not one.
static const char *s_str(sti_node_t map, const char *key, char *buf, size_t cap)
{
    sti_field_error_t err;
    if (sti_map_str_copy(map, key, buf, cap, &err) != 0) {
        buf[0] = 0;
    }
    return buf;
}

static bool s_derived(sti_node_t indicator)
{
    return sti_node_type(sti_node_get(indicator, "formula")) == STI_TYPE_STR;
}

static void s_read_units(s_form_t *form, sti_node_t units)
{
    sti_field_error_t err;
    for (size_t i = 0; i < sti_node_size(units) && form->unit_count < S_UNITS; i++) {
        sti_node_t node = sti_node_at(units, i);
        s_unit_t *unit = &form->units[form->unit_count++];
        memset(unit, 0, sizeof *unit);
        s_str(node, "code", unit->code, sizeof unit->code);
        s_str(node, "name_en", unit->name_en, sizeof unit->name_en);
        s_str(node, "family", unit->family, sizeof unit->family);
        sti_map_double(node, "factor", &unit->factor, &err);
        sti_map_bool(node, "allow_negative", &unit->allow_negative, &err);
        unit->has_min = sti_map_double(node, "min", &unit->min, &err) == 0;
        unit->has_max = sti_map_double(node, "max", &unit->max, &err) == 0;
    }
}

static const s_unit_t *s_unit(const s_form_t *form, const char *code)
{
    for (size_t i = 0; i < form->unit_count; i++) {
        if (strcmp(form->units[i].code, code) == 0) {
            return &form->units[i];
        }
    }
    return NULL;
}

//  --- the sheets ---

//  The units a value of unit may be given in (NULL-terminated, borrowed),
//  or false when they do not fit a drop-down written out (255 characters).
static bool s_family(const s_form_t *form, const s_unit_t *unit, const char **choices)
{
    size_t n = 0, length = 0;
    for (size_t i = 0; unit && i < form->unit_count; i++) {
        if (strcmp(form->units[i].family, unit->family) == 0) {
            choices[n++] = form->units[i].code;
            length += strlen(form->units[i].code) + 1;
        }
    }
    choices[n] = NULL;
    return n > 0 && length <= 255;
}

//  One row of 填报 for indicator, at row `row`.
static void s_entry_row(sti_xlsx_writer_t *w, const s_form_t *form, sti_node_t indicator,
                        size_t row)
{
    char code[STI_CODE_MAX], name[STI_NAME_MAX], unit_code[STI_UNIT_CODE_MAX], year[16];
    const s_unit_t *unit = s_unit(form, s_str(indicator, "unit", unit_code, sizeof unit_code));
    snprintf(year, sizeof year, "%lld", form->year);
    sti_xlsx_writer_text(w, s_str(indicator, "code", code, sizeof code));
    sti_xlsx_writer_text(w, s_str(indicator, "name_zh", name, sizeof name));
    sti_xlsx_writer_text(w, form->org);
    sti_xlsx_writer_text(w, year);
    sti_xlsx_writer_blank(w);
    sti_xlsx_writer_text(w, unit_code);
    sti_xlsx_writer_end_row(w);
    const char *choices[S_UNITS + 1];
    if (s_family(form, unit, choices)) {
        sti_xlsx_writer_choices(w, 5, row, row, choices, "数值的单位：可改为同类单位，自动换算");
    } else {
        sti_xlsx_writer_choices_from(w, 5, row, row, "单位", 0, 1, form->unit_count, NULL);
    }
    if (unit) {
        bool has_min = unit->has_min || !unit->allow_negative;
        double min = unit->has_min ? unit->min : 0;
        char prompt[128];
        snprintf(prompt, sizeof prompt, "%s 的数值%s", unit_code,
                 unit->has_max ? "（在范围之内）"
                 : has_min     ? "（不小于最小值）"
                               : "");
        sti_xlsx_writer_numbers(w, 4, row, row, has_min, min, unit->has_max, unit->max, prompt);
    }
}

static void s_entry_sheet(sti_xlsx_writer_t *w, s_form_t *form)
{
    static const char *const titles[] = {"指标", "指标名称", "组织", "期间", "数值",
                                         "单位", "来源",     "备注", NULL};
    sti_xlsx_writer_sheet(w, "填报");
    for (size_t column = 0; column < 8; column++) {
        if (column != 4) {
            sti_xlsx_writer_column_text(w, column); // 2025-05 stays text, codes stay codes
        }
    }
    sti_xlsx_writer_header(w, titles);
    for (size_t i = 0; i < sti_node_size(form->indicators); i++) {
        sti_node_t indicator = sti_node_at(form->indicators, i);
        if (!s_derived(indicator)) {
            s_entry_row(w, form, indicator, ++form->reported);
        }
    }
    size_t first = form->reported + 1, orgs = sti_node_size(form->orgs);
    sti_xlsx_writer_choices_from(w, 0, 1, S_FORM_ROWS, "指标", 0, 1, form->reported,
                                 "指标代码：见“指标”表");
    sti_xlsx_writer_choices_from(w, 2, 1, S_FORM_ROWS, "组织", 0, 1, orgs ? orgs : 1,
                                 "组织代码：见“组织”表");
    if (first <= S_FORM_ROWS) {
        sti_xlsx_writer_choices_from(w, 5, first, S_FORM_ROWS, "单位", 0, 1, form->unit_count,
                                     NULL);
        sti_xlsx_writer_numbers(w, 4, first, S_FORM_ROWS, false, 0, false, 0, "只填数字");
    }
    sti_xlsx_writer_prompt(w, 3, 1, S_FORM_ROWS, "年 2025、季度 2025Q2 或 月 2025-05");
}

//  A number, or a blank cell for nil.
static void s_number(sti_xlsx_writer_t *w, sti_node_t node)
{
    double value;
    sti_field_error_t err;
    if (sti_node_double(node, &value, &err) == 0) {
        sti_xlsx_writer_number(w, value);
    } else {
        sti_xlsx_writer_blank(w);
    }
}

//  The indicators a clerk reports first (the drop-down's range), then the derived ones.
static void s_indicator_sheet(sti_xlsx_writer_t *w, const s_form_t *form)
{
    static const char *const titles[] = {"指标代码", "指标名称", "英文名称", "单位", "方向", "基期",
                                         "基期值",   "目标",     "目标年份", "公式", NULL};
    sti_xlsx_writer_sheet(w, "指标");
    sti_xlsx_writer_header(w, titles);
    for (int derived = 0; derived < 2; derived++) {
        for (size_t i = 0; i < sti_node_size(form->indicators); i++) {
            sti_node_t ind = sti_node_at(form->indicators, i);
            if (s_derived(ind) != (derived == 1)) {
                continue;
            }
            char text[STI_NAME_MAX];
            sti_xlsx_writer_text(w, s_str(ind, "code", text, sizeof text));
            sti_xlsx_writer_text(w, s_str(ind, "name_zh", text, sizeof text));
            sti_xlsx_writer_text(w, s_str(ind, "name_en", text, sizeof text));
            sti_xlsx_writer_text(w, s_str(ind, "unit", text, sizeof text));
            s_str(ind, "direction", text, sizeof text);
            sti_xlsx_writer_text(w, strcmp(text, "down") == 0 ? "越低越好" : "越高越好");
            sti_node_t baseline = sti_node_get(ind, "baseline");
            sti_xlsx_writer_text(w, s_str(baseline, "period", text, sizeof text));
            s_number(w, sti_node_get(baseline, "value"));
            sti_node_t targets = sti_node_get(ind, "targets");
            size_t last = sti_node_size(targets);
            if (last) { // the final target: the plan's last year
                s_number(w, sti_node_get(sti_node_at(targets, last - 1), "value"));
                s_number(w, sti_node_get(sti_node_at(targets, last - 1), "year"));
            } else {
                sti_xlsx_writer_blank(w);
                sti_xlsx_writer_blank(w);
            }
            sti_xlsx_writer_text(w, derived ? s_str(ind, "formula", text, sizeof text) : "");
            sti_xlsx_writer_end_row(w);
        }
    }
}

static void s_org_sheet(sti_xlsx_writer_t *w, const s_form_t *form)
{
    static const char *const titles[] = {"组织代码", "名称", "英文名称", "上级", NULL};
    static const char *const keys[] = {"code", "name_zh", "name_en", "parent"};
    sti_xlsx_writer_sheet(w, "组织");
    sti_xlsx_writer_header(w, titles);
    for (size_t i = 0; i < sti_node_size(form->orgs); i++) {
        char text[STI_NAME_MAX];
        for (int k = 0; k < 4; k++) {
            sti_xlsx_writer_text(w, s_str(sti_node_at(form->orgs, i), keys[k], text, sizeof text));
        }
        sti_xlsx_writer_end_row(w);
    }
}

static void s_unit_sheet(sti_xlsx_writer_t *w, const s_form_t *form)
{
    static const char *const titles[] = {"单位", "英文名称", "类别", "换算", NULL};
    sti_xlsx_writer_sheet(w, "单位");
    sti_xlsx_writer_header(w, titles);
    for (size_t i = 0; i < form->unit_count; i++) {
        sti_xlsx_writer_text(w, form->units[i].code);
        sti_xlsx_writer_text(w, form->units[i].name_en);
        sti_xlsx_writer_text(w, form->units[i].family);
        sti_xlsx_writer_number(w, form->units[i].factor);
        sti_xlsx_writer_end_row(w);
    }
}

static void s_help_sheet(sti_xlsx_writer_t *w, const s_form_t *form)
{
    char title[256];
    snprintf(title, sizeof title, "%lld 年 %s 填报表 (values of %lld for %s)", form->year,
             form->org, form->year, form->org);
    const char *const lines[] = {
        title,
        "1. 在“填报”表中，每个指标一行：在“数值”一列填写数字，其余各列可保留。",
        "2. 期间：年份写 2025，季度写 2025Q2，月份写 2025-05。",
        "3. 数值：只写数字，可带千位分隔符（1,234.5）；百分比可写 3.5%。",
        "4. 单位：默认是指标的计量单位，可改为同类单位（如 万元 / 亿元），系统自动换算。",
        "5. 没有填写数值的行不会提交；可以增加行，填写其他组织或期间。",
        "6. 派生指标（由公式计算）不需填报，见“指标”表的“公式”一列。",
        "7. 提交：stictl ingest 文件名.xlsx（可先加 --dry-run 只检查不保存）。",
        "Fill in 数值 (value); rows without one are skipped. Periods: 2025, 2025Q2, 2025-05.",
        "Submit with: stictl ingest FILE.xlsx (--dry-run checks without keeping).",
        NULL};
    sti_xlsx_writer_sheet(w, "说明");
    for (size_t i = 0; lines[i]; i++) {
        sti_xlsx_writer_text(w, lines[i]);
        sti_xlsx_writer_end_row(w);
    }
}

//  --- the command ---

//  Asks sti.indicators for op. Returns 0 with the reply, or an exit code.
static int s_ask(stictl_t *ctl, const char *op, sti_reply_t *reply)
{
    sti_writer_t *request = stictl_request(op, NULL, 0);
    sti_writer_map(request, 0);
    return stictl_call_ok(ctl, "sti.indicators", &request, reply);
}

//  Checks ORG (or finds the root) and the year. Returns 0, or an exit code.
static int s_settle(s_form_t *form, sti_node_t plan, const char *org, const char *command)
{
    char code[STI_CODE_MAX], parent[STI_CODE_MAX];
    bool found = false;
    for (size_t i = 0; i < sti_node_size(form->orgs) && !found; i++) {
        sti_node_t node = sti_node_at(form->orgs, i);
        s_str(node, "code", code, sizeof code);
        found = org ? strcmp(code, org) == 0 : !s_str(node, "parent", parent, sizeof parent)[0];
    }
    if (!found) {
        fprintf(stderr, "stictl %s: there is no org unit '%s' (stictl org list)\n", command,
                org ? org : "(root)");
        return STICTL_NOT_FOUND;
    }
    snprintf(form->org, sizeof form->org, "%s", code);
    if (!form->year) {
        int64_t start = 0, end = 0;
        sti_field_error_t err;
        time_t now = time(NULL);
        struct tm tm;
        gmtime_r(&now, &tm);
        form->year = tm.tm_year + 1900;
        if (sti_map_int(plan, "start_year", &start, &err) == 0 && form->year < start) {
            form->year = start;
        }
        if (sti_map_int(plan, "end_year", &end, &err) == 0 && end && form->year > end) {
            form->year = end;
        }
    }
    return 0;
}

//  Writes the workbook. Returns 0, or an exit code.
static int s_write(s_form_t *form, const char *path)
{
    char err[512];
    sti_xlsx_writer_t *w = sti_xlsx_writer_new(path, err, sizeof err);
    if (w) {
        s_entry_sheet(w, form);
        s_indicator_sheet(w, form);
        s_org_sheet(w, form);
        s_unit_sheet(w, form);
        s_help_sheet(w, form);
    }
    if (!w || sti_xlsx_writer_close(&w, err, sizeof err) != 0) {
        fprintf(stderr, "stictl template: cannot write %s: %s\n", path, err);
        return STICTL_FAILED;
    }
    return 0;
}

int stictl_template(stictl_t *ctl, int argc, char **argv)
{
    stictl_table_flags_t flags = {0};
    bool force = false;
    for (int i = 1; i < argc; i++) {
        int rc = stictl_table_flag(argc, argv, &i, &flags);
        if (rc > 0) {
            return rc;
        }
        if (rc < 0 && strcmp(argv[i], "--force") != 0) {
            return stictl_usage_error(argv[0], "unexpected argument '%s'", argv[i]);
        }
        force = force || rc < 0;
    }
    const char *org = flags.org, *path = flags.path;
    s_form_t form = {.year = flags.year};
    sti_reply_t catalog, orgs;
    int rc = s_ask(ctl, "catalog.list", &catalog);
    if (rc) {
        return rc;
    }
    if ((rc = s_ask(ctl, "org.list", &orgs)) != 0) {
        sti_reply_release(&catalog);
        return rc;
    }
    form.indicators = sti_node_get(catalog.body, "indicators");
    form.orgs = sti_node_get(orgs.body, "orgs");
    s_read_units(&form, sti_node_get(catalog.body, "units"));
    rc = s_settle(&form, sti_node_get(catalog.body, "plan"), org, argv[0]);
    char fallback[256];
    if (rc == 0 && !path) {
        snprintf(fallback, sizeof fallback, "填报模板-%s-%lld.xlsx", form.org, form.year);
        path = fallback;
    }
    struct stat st;
    if (rc == 0 && !force && stat(path, &st) == 0) {
        fprintf(stderr,
                "stictl template: %s exists (it may hold values typed in): --force "
                "writes over it\n",
                path);
        rc = STICTL_USAGE;
    }
    if (rc == 0 && (rc = s_write(&form, path)) == 0) {
        if (ctl->json) {
            cJSON *json = cJSON_CreateObject();
            cJSON_AddStringToObject(json, "file", path);
            cJSON_AddNumberToObject(json, "year", (double)form.year);
            cJSON_AddStringToObject(json, "org", form.org);
            cJSON_AddNumberToObject(json, "indicators", (double)form.reported);
            stictl_json_print(&json);
        } else {
            printf("wrote %zu indicators to %s (%lld, %s)\n", form.reported, path, form.year,
                   form.org);
        }
    }
    sti_reply_release(&orgs);
    sti_reply_release(&catalog);
    return rc;
}
