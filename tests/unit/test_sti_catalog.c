/*  Unit tests of sti_catalog: the Linping plan loads as it should, every
    kind of bad plan is refused with the file, record and field named, the
    org-unit tree, targets, dependents, and the MessagePack round trip.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "sti_catalog.h"
#include "sti_catalog_io.h"

static char s_plan_dir[4096];

//  The repository's copy of the plan, found from this file's path.
static const char *s_linping(void)
{
    const char *here = __FILE__;
    const char *tail = strstr(here, "tests/unit/test_sti_catalog.c");
    assert_non_null(tail);
    snprintf(s_plan_dir, sizeof s_plan_dir, "%.*sdata/plans/linping-2021-2025", (int)(tail - here),
             here);
    return s_plan_dir;
}

static sti_catalog_t *s_load_linping(void)
{
    char err[512] = "";
    sti_catalog_t *cat = sti_catalog_load_dir(s_linping(), err, sizeof err);
    if (!cat) {
        fail_msg("%s", err);
    }
    return cat;
}

static void test_linping_plan(void **state)
{
    (void)state;
    sti_catalog_t *cat = s_load_linping();
    const sti_plan_t *plan = sti_catalog_plan(cat);
    assert_string_equal(plan->code, "linping-2021-2025");
    assert_int_equal(plan->start_year, 2021);
    assert_int_equal(plan->end_year, 2025);
    assert_int_equal(plan->baseline_year, 2020);
    assert_int_equal(sti_catalog_indicator_count(cat), 25);
    assert_int_equal(sti_catalog_tag_count(cat), 13);
    assert_int_equal(sti_units_size(sti_catalog_units(cat)), 10);
    assert_int_equal(sti_catalog_org_count(cat), 1);
    assert_string_equal(sti_catalog_org_root(cat)->code, "linping");
    assert_string_equal(sti_catalog_org_root(cat)->name_zh, "临平区");

    const sti_indicator_t *hitech = sti_catalog_indicator_find(cat, "hitech_enterprises");
    assert_non_null(hitech);
    assert_true(hitech->has_baseline && hitech->baseline_value == 578);
    //  The talent registry's counts: no figure in the plan, so no baseline.
    const sti_indicator_t *talents = sti_catalog_indicator_find(cat, "registered_talents");
    assert_non_null(talents);
    assert_false(talents->has_baseline);
    assert_non_null(sti_catalog_indicator_find(cat, "registered_overseas_talents"));
    assert_int_equal(hitech->baseline_period.year, 2020);
    assert_string_equal(hitech->unit, "家");
    assert_string_equal(hitech->baseline_source, "2020年,高新技术企业达到578家");
    assert_int_equal(hitech->kind, STI_KIND_STOCK);
    assert_int_equal(hitech->aggregation, STI_AGGREGATION_SUM);
    assert_null(hitech->formula);
    assert_int_equal(hitech->target_count, 0);

    const sti_indicator_t *ratio = sti_catalog_indicator_find(cat, "rd_gdp_ratio");
    assert_non_null(ratio->formula);
    assert_string_equal(ratio->formula_text, "100 * rd_expenditure / gdp");
    assert_int_equal(ratio->baseline_period.year, 2019);
    assert_true(ratio->baseline_value == 3.5);
    assert_int_equal(ratio->aggregation, STI_AGGREGATION_NONE);
    const sti_indicator_t *patents = sti_catalog_indicator_find(cat, "invention_patents_per_10k");
    assert_string_equal(patents->formula_text, "valid_invention_patents / population");
    assert_true(patents->baseline_value == 15.34);
    assert_int_equal(sti_catalog_indicator_find(cat, "rd_expenditure")->kind, STI_KIND_FLOW);
    assert_int_equal(sti_catalog_indicator_find(cat, "edz_national_rank")->direction,
                     STI_DIRECTION_DOWN);
    const sti_indicator_t *gdp = sti_catalog_indicator_find(cat, "gdp");
    assert_false(gdp->has_baseline);
    assert_true(strlen(gdp->baseline_note) > 0);
    assert_int_equal(gdp->kind, STI_KIND_FLOW);
    assert_string_equal(sti_catalog_indicator_find(cat, "population")->unit, "万人");
    //  Every indicator with a baseline carries its sentence.
    size_t with_baseline = 0;
    for (size_t i = 0; i < sti_catalog_indicator_count(cat); i++) {
        const sti_indicator_t *ind = sti_catalog_indicator_at(cat, i);
        if (ind->has_baseline) {
            with_baseline++;
            assert_true(strlen(ind->baseline_source) > 0);
        }
    }
    assert_int_equal(with_baseline, 20);
    assert_string_equal(sti_catalog_tag_find(cat, "fashion")->name_zh, "时尚智造");
    assert_string_equal(sti_catalog_tag_find(cat, "common_prosperity")->kind, "project");
    assert_null(sti_catalog_indicator_find(cat, "nope"));
    sti_catalog_destroy(&cat);
    assert_null(cat);
    sti_catalog_destroy(&cat);
}

static void test_dependents(void **state)
{
    (void)state;
    sti_catalog_t *cat = s_load_linping();
    const sti_indicator_t *out[8];
    assert_int_equal(sti_catalog_dependents(cat, "gdp", out, 8), 1);
    assert_string_equal(out[0]->code, "rd_gdp_ratio");
    assert_int_equal(sti_catalog_dependents(cat, "rd_expenditure", out, 8), 1);
    assert_int_equal(sti_catalog_dependents(cat, "population", out, 8), 1);
    assert_string_equal(out[0]->code, "invention_patents_per_10k");
    assert_int_equal(sti_catalog_dependents(cat, "hitech_enterprises", out, 8), 0);
    sti_catalog_destroy(&cat);
}

//  --- a small plan written to a temporary directory, one file changed ---

static const char *s_plan_json = "{\"code\":\"p\",\"name_en\":\"P\",\"start_year\":2021,\"end_"
                                 "year\":2025,\"baseline_year\":2020}";
static const char *s_units_json =
    "{\"units\":[{\"code\":\"家\",\"family\":\"count_jia\",\"factor\":1,\"allow_negative\":false},"
    "{\"code\":\"亿元\",\"family\":\"money\",\"factor\":100000000,\"allow_negative\":false},"
    "{\"code\":\"%\",\"family\":\"percentage\",\"factor\":1,\"allow_negative\":false,\"min\":0,"
    "\"max\":100}]}";
static const char *s_tags_json =
    "{\"tags\":[{\"code\":\"fashion\",\"kind\":\"field\",\"name_zh\":\"时尚智造\"}]}";
static const char *s_orgs_json =
    "{\"org_units\":[{\"code\":\"d\",\"parent\":null,\"name_en\":\"D\"},"
    "{\"code\":\"t1\",\"parent\":\"d\",\"name_en\":\"T1\"}]}";
//  Indicator text with %s slots: extra fields of the first one, and more indicators.
#define S_INDICATORS_FORMAT                                                                        \
    "{\"indicators\":[{\"code\":\"firms\",\"name_en\":\"Firms\",\"unit\":\"家\","                 \
    "\"direction\":\"up\",\"category\":\"enterprises\",\"kind\":\"stock\","                        \
    "\"aggregation\":\"sum\",\"tags\":[\"fashion\"],\"baseline\":{\"period\":\"2020\","            \
    "\"value\":5,\"source_line\":\"five firms\"}%s},"                                              \
    "{\"code\":\"spend\",\"name_en\":\"Spend\",\"unit\":\"亿元\",\"direction\":\"up\","          \
    "\"category\":\"input\",\"kind\":\"flow\",\"aggregation\":\"sum\",\"baseline\":null,"          \
    "\"baseline_note\":\"not quoted\"}%s]}"

static void s_write(const char *dir, const char *name, const char *text)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *file = fopen(path, "wb");
    assert_non_null(file);
    fputs(text, file);
    fclose(file);
}

//  Writes the small plan into a new directory, replacing file `name` by
//  `text` when name is not NULL; extra and more go into the indicators.
static void s_make_plan(char *dir, const char *name, const char *text, const char *extra,
                        const char *more)
{
    strcpy(dir, "/tmp/sti_catalog_XXXXXX");
    assert_non_null(mkdtemp(dir));
    char indicators[8192];
    snprintf(indicators, sizeof indicators, S_INDICATORS_FORMAT, extra ? extra : "",
             more ? more : "");
    const char *names[] = {"plan.json", "units.json", "tags.json", "org_units.json",
                           "indicators.json"};
    const char *texts[] = {s_plan_json, s_units_json, s_tags_json, s_orgs_json, indicators};
    for (size_t i = 0; i < 5; i++) {
        if (name && strcmp(name, names[i]) == 0) {
            if (text) {
                s_write(dir, names[i], text);
            }
        } else {
            s_write(dir, names[i], texts[i]);
        }
    }
}

static void s_remove_plan(const char *dir)
{
    const char *names[] = {"plan.json",       "units.json",  "tags.json",    "org_units.json",
                           "indicators.json", "talent.json", "projects.json"};
    char path[4200];
    for (size_t i = 0; i < 7; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        unlink(path);
    }
    rmdir(dir);
}

//  Loads the small plan with one change; returns the error ("" if it loaded).
static const char *s_try(const char *name, const char *text, const char *extra, const char *more)
{
    static char err[512];
    char dir[64];
    err[0] = 0;
    s_make_plan(dir, name, text, extra, more);
    sti_catalog_t *cat = sti_catalog_load_dir(dir, err, sizeof err);
    sti_catalog_destroy(&cat);
    s_remove_plan(dir);
    return err;
}

static void test_small_plan_loads(void **state)
{
    (void)state;
    assert_string_equal(s_try(NULL, NULL, NULL, NULL), "");
    //  A byte order mark is skipped.
    char with_bom[512];
    snprintf(with_bom, sizeof with_bom, "\xef\xbb\xbf%s", s_plan_json);
    assert_string_equal(s_try("plan.json", with_bom, NULL, NULL), "");
    //  A derived indicator over a derived indicator, and targets in the file.
    assert_string_equal(
        s_try(NULL, NULL, ",\"targets\":[{\"year\":2023,\"value\":7},{\"year\":2025,\"value\":9}]",
              ",{\"code\":\"per_firm\",\"name_en\":\"x\",\"unit\":\"亿元\",\"direction\":\"up\","
              "\"category\":\"input\",\"kind\":\"flow\",\"aggregation\":\"none\","
              "\"formula\":\"spend / firms\",\"baseline\":null,\"baseline_note\":\"n\"},"
              "{\"code\":\"double_per_firm\",\"name_en\":\"x\",\"unit\":\"亿元\","
              "\"direction\":\"up\",\"category\":\"input\",\"kind\":\"flow\","
              "\"aggregation\":\"none\",\"formula\":\"2 * per_firm\",\"baseline\":null,"
              "\"baseline_note\":\"n\"}"),
        "");
}

static void test_bad_plans(void **state)
{
    (void)state;
    assert_string_equal(s_try("units.json", NULL, NULL, NULL),
                        "units.json: cannot open: No such file or directory");
    assert_string_equal(s_try("plan.json", "{\"code\":\n\"p\",,}", NULL, NULL),
                        "plan.json: not valid JSON (line 2)");
    assert_string_equal(s_try("plan.json",
                              "{\"code\":\"p\",\"start_year\":2021,\"end_year\":2025,"
                              "\"baseline_year\":2020,\"name_en\":\"P\",\"x\":1}",
                              NULL, NULL),
                        "plan.json: plan: x: unknown key");
    assert_string_equal(s_try("plan.json",
                              "{\"code\":\"p\",\"name_en\":\"P\",\"start_year\":2026,"
                              "\"end_year\":2025,\"baseline_year\":2020}",
                              NULL, NULL),
                        "plan.json: plan: start_year, end_year: must be years within 2000–2100, "
                        "start <= end");
    assert_string_equal(s_try("plan.json", "[]", NULL, NULL), "plan.json: plan: must be a map");
    assert_string_equal(s_try("plan.json", "{} {}", NULL, NULL),
                        "plan.json: not valid JSON (line 1)");
    assert_string_equal(s_try("units.json", "{\"unitz\":[]}", NULL, NULL),
                        "units.json: unitz: unknown key");
    assert_string_equal(s_try("tags.json",
                              "{\"tags\":[{\"code\":\"Bad\",\"kind\":\"field\","
                              "\"name_en\":\"x\"}]}",
                              NULL, NULL),
                        "tags.json: tag: code must be 1 to 64 of a-z, 0-9 and '_', from a letter");
    assert_string_equal(s_try("org_units.json",
                              "{\"org_units\":[{\"code\":\"t1\",\"parent\":\"d\"},"
                              "{\"code\":\"d\"}]}",
                              NULL, NULL),
                        "org_units.json: org unit 't1': parent: 'd' is not an org unit listed "
                        "before it");
    assert_string_equal(s_try("org_units.json", "{\"org_units\":[]}", NULL, NULL),
                        "org_units.json: org_units: the root org unit is missing");
    assert_string_equal(
        s_try("org_units.json", "{\"org_units\":[{\"code\":\"a\"},{\"code\":\"b\"}]}", NULL, NULL),
        "org_units.json: org unit 'b': parent: needed (the root is 'a')");
    assert_string_equal(s_try(NULL, NULL, ",\"colour\":\"red\"", NULL),
                        "indicators.json: indicator 'firms': colour: unknown key");
    assert_string_equal(s_try(NULL, NULL, ",\"formula\":\"spend * 2\"", NULL), "");
    assert_string_equal(s_try(NULL, NULL, ",\"formula\":\"spend +\"", NULL),
                        "indicators.json: indicator 'firms': formula: at position 8: expected an "
                        "indicator code, a number or '(', found the end");
    assert_string_equal(s_try(NULL, NULL, ",\"formula\":\"spend / gdp\"", NULL),
                        "indicators.json: indicator 'firms': formula: input 'gdp' is not an "
                        "indicator");
    assert_string_equal(s_try(NULL, NULL, ",\"formula\":\"firms + 1\"", NULL),
                        "indicators.json: indicator 'firms': formula: a cycle of formulas passes "
                        "through it");
    assert_string_equal(
        s_try(NULL, NULL, ",\"formula\":\"loop\"",
              ",{\"code\":\"loop\",\"name_en\":\"x\",\"unit\":\"家\",\"direction\":\"up\","
              "\"category\":\"c\",\"kind\":\"stock\",\"aggregation\":\"sum\","
              "\"formula\":\"firms\",\"baseline\":null,\"baseline_note\":\"n\"}"),
        "indicators.json: indicator 'firms': formula: a cycle of formulas passes through it");
    assert_string_equal(
        s_try(NULL, NULL, NULL,
              ",{\"code\":\"firms\",\"name_en\":\"x\",\"unit\":\"家\",\"direction\":\"up\","
              "\"category\":\"c\",\"kind\":\"stock\",\"aggregation\":\"sum\","
              "\"baseline\":null,\"baseline_note\":\"n\"}"),
        "indicators.json: indicator 'firms' is defined twice");
    assert_string_equal(
        s_try(NULL, NULL, NULL,
              ",{\"code\":\"x\",\"name_en\":\"x\",\"unit\":\"吨\",\"direction\":\"up\","
              "\"category\":\"c\",\"kind\":\"stock\",\"aggregation\":\"sum\","
              "\"baseline\":null,\"baseline_note\":\"n\"}"),
        "indicators.json: indicator 'x': unit: '吨' is not a unit of this plan");
    assert_string_equal(
        s_try(NULL, NULL, NULL,
              ",{\"code\":\"x\",\"name_en\":\"x\",\"unit\":\"家\",\"direction\":\"sideways\","
              "\"category\":\"c\",\"kind\":\"stock\",\"aggregation\":\"sum\","
              "\"baseline\":null,\"baseline_note\":\"n\"}"),
        "indicators.json: indicator 'x': direction: must be \"up\" or \"down\"");
    assert_string_equal(
        s_try(NULL, NULL, NULL,
              ",{\"code\":\"x\",\"name_en\":\"x\",\"unit\":\"家\",\"direction\":\"up\","
              "\"category\":\"c\",\"kind\":\"level\",\"aggregation\":\"sum\","
              "\"baseline\":null,\"baseline_note\":\"n\"}"),
        "indicators.json: indicator 'x': kind: must be \"stock\" or \"flow\"");
    assert_string_equal(
        s_try(NULL, NULL, NULL,
              ",{\"code\":\"x\",\"name_en\":\"x\",\"unit\":\"家\",\"direction\":\"up\","
              "\"category\":\"c\",\"kind\":\"stock\",\"aggregation\":\"avg\","
              "\"baseline\":null,\"baseline_note\":\"n\"}"),
        "indicators.json: indicator 'x': aggregation: must be \"sum\" or \"none\"");
    assert_string_equal(
        s_try(NULL, NULL, NULL,
              ",{\"code\":\"x\",\"name_en\":\"x\",\"unit\":\"家\",\"direction\":\"up\","
              "\"category\":\"c\",\"kind\":\"stock\",\"aggregation\":\"sum\","
              "\"baseline\":null}"),
        "indicators.json: indicator 'x': baseline_note: needed when baseline is null: say why");
    assert_string_equal(
        s_try(NULL, NULL, NULL,
              ",{\"code\":\"x\",\"name_en\":\"x\",\"unit\":\"家\",\"direction\":\"up\","
              "\"category\":\"c\",\"kind\":\"stock\",\"aggregation\":\"sum\"}"),
        "indicators.json: indicator 'x': baseline: missing (null when the plan quotes none)");
    assert_string_equal(
        s_try(NULL, NULL, NULL,
              ",{\"code\":\"x\",\"name_en\":\"x\",\"unit\":\"%\",\"direction\":\"up\","
              "\"category\":\"c\",\"kind\":\"stock\",\"aggregation\":\"none\","
              "\"baseline\":{\"period\":\"2020\",\"value\":120,\"source_line\":\"s\"}}"),
        "indicators.json: indicator 'x': baseline: value: a percentage must be within 0–100");
    assert_string_equal(
        s_try(NULL, NULL, NULL,
              ",{\"code\":\"x\",\"name_en\":\"x\",\"unit\":\"%\",\"direction\":\"up\","
              "\"category\":\"c\",\"kind\":\"stock\",\"aggregation\":\"none\","
              "\"baseline\":{\"period\":\"1999\",\"value\":1,\"source_line\":\"s\"}}"),
        "indicators.json: indicator 'x': baseline.period: year 1999 is outside 2000–2100");
    assert_string_equal(
        s_try(NULL, NULL, NULL,
              ",{\"code\":\"x\",\"name_en\":\"x\",\"unit\":\"%\",\"direction\":\"up\","
              "\"category\":\"c\",\"kind\":\"stock\",\"aggregation\":\"none\","
              "\"baseline\":{\"period\":\"2020\",\"value\":\"1\",\"source_line\":\"s\"}}"),
        "indicators.json: indicator 'x': baseline.value: must be a number, got string");
    //  The first indicator already has "tags": a second one is a duplicate key.
    assert_string_equal(s_try(NULL, NULL, ",\"tags\":[]", NULL),
                        "indicators.json: indicator 'firms': tags: duplicate key");
#define S_TAGGED(tags)                                                                             \
    ",{\"code\":\"x\",\"name_en\":\"x\",\"unit\":\"家\",\"direction\":\"up\",\"category\":\"c\"," \
    "\"kind\":\"stock\",\"aggregation\":\"sum\",\"baseline\":null,\"baseline_note\":\"n\","        \
    "\"tags\":" tags "}"
    assert_string_equal(s_try(NULL, NULL, NULL, S_TAGGED("[\"fashion\",\"fashion\"]")),
                        "indicators.json: indicator 'x': tags: 'fashion' is given twice");
    assert_string_equal(s_try(NULL, NULL, NULL, S_TAGGED("[\"sports\"]")),
                        "indicators.json: indicator 'x': tags: 'sports' is not a tag of this plan");
    assert_string_equal(s_try(NULL, NULL, NULL, S_TAGGED("\"fashion\"")),
                        "indicators.json: indicator 'x': tags: must be an array of tag codes");
    assert_string_equal(s_try(NULL, NULL, NULL, S_TAGGED("[7]")),
                        "indicators.json: indicator 'x': tags: must be a string, got integer");
    assert_string_equal(s_try(NULL, NULL, ",\"targets\":[{\"year\":2025,\"value\":-1}]", NULL),
                        "indicators.json: indicator 'firms': targets: must not be negative (家)");
    assert_string_equal(s_try(NULL, NULL,
                              ",\"targets\":[{\"year\":2025,\"value\":1},{\"year\":2023,"
                              "\"value\":1}]",
                              NULL),
                        "indicators.json: indicator 'firms': targets: years must be within "
                        "2000–2100, each once, in order");
}

static void test_file_too_large(void **state)
{
    (void)state;
    char *big = malloc(STI_PLAN_FILE_MAX + 16);
    assert_non_null(big);
    memset(big, ' ', STI_PLAN_FILE_MAX + 15);
    big[0] = '{';
    big[STI_PLAN_FILE_MAX + 14] = '}';
    big[STI_PLAN_FILE_MAX + 15] = 0;
    assert_string_equal(s_try("tags.json", big, NULL, NULL), "tags.json: larger than 1 MiB");
    free(big);
    //  Nesting deeper than the reader allows is refused, not followed.
    char deep[200] = "{\"tags\":";
    for (int i = 0; i < 40; i++) {
        strcat(deep, "[");
    }
    for (int i = 0; i < 40; i++) {
        strcat(deep, "]");
    }
    strcat(deep, "}");
    const char *err = s_try("tags.json", deep, NULL, NULL);
    assert_non_null(strstr(err, "tags.json: "));
    assert_null(strstr(err, "tags.json: tags: must"));
}

static void test_org_tree(void **state)
{
    (void)state;
    sti_catalog_t *cat = s_load_linping();
    char err[256] = "";
    assert_int_equal(
        sti_catalog_org_add(cat, "nanyuan", "linping", "南苑街道", "Nanyuan", err, sizeof err), 0);
    assert_int_equal(
        sti_catalog_org_add(cat, "linping-street", "linping", "临平街道", NULL, err, sizeof err),
        0);
    assert_int_equal(
        sti_catalog_org_add(cat, "edz_1", "nanyuan", NULL, "Platform", err, sizeof err), 0);
    //  The same again changes nothing.
    assert_int_equal(
        sti_catalog_org_add(cat, "nanyuan", "linping", "南苑街道", "Nanyuan", err, sizeof err), 0);
    assert_int_equal(sti_catalog_org_count(cat), 4);
    const sti_org_unit_t *children[4];
    assert_int_equal(sti_catalog_org_children(cat, "linping", children, 4), 2);
    assert_string_equal(children[0]->code, "nanyuan");
    assert_string_equal(children[1]->code, "linping-street");
    assert_int_equal(sti_catalog_org_children(cat, "linping", children, 1), 2);
    assert_int_equal(sti_catalog_org_children(cat, "edz_1", children, 4), 0);
    assert_int_equal(sti_catalog_org_children(cat, "nanyuan", children, 4), 1);
    assert_string_equal(children[0]->code, "edz_1");
    assert_int_equal(sti_catalog_org_children(cat, "nowhere", children, 4), 0);
    assert_string_equal(sti_catalog_org_parent(cat, "edz_1")->code, "nanyuan");
    assert_null(sti_catalog_org_parent(cat, "linping"));
    assert_null(sti_catalog_org_parent(cat, "nowhere"));
    assert_string_equal(sti_catalog_org_find(cat, "edz_1")->name_en, "Platform");

    assert_int_equal(sti_catalog_org_add(cat, "Bad", "linping", NULL, NULL, err, sizeof err), -1);
    assert_string_equal(err, "org unit: code must be 1 to 64 of a-z, 0-9, '_' and '-'");
    char long_code[80];
    memset(long_code, 'a', 65);
    long_code[65] = 0;
    assert_int_equal(sti_catalog_org_add(cat, long_code, "linping", NULL, NULL, err, sizeof err),
                     -1);
    assert_int_equal(sti_catalog_org_add(cat, "", "linping", NULL, NULL, err, sizeof err), -1);
    assert_int_equal(sti_catalog_org_add(cat, "x", "nowhere", NULL, NULL, err, sizeof err), -1);
    assert_string_equal(err, "org unit 'x': parent: 'nowhere' is not an org unit");
    assert_int_equal(sti_catalog_org_add(cat, "x", NULL, NULL, NULL, err, sizeof err), -1);
    assert_string_equal(err, "org unit 'x': parent: needed (the root is 'linping')");
    //  Moving a unit (which could make a cycle) is a conflict, not a change.
    assert_int_equal(sti_catalog_org_add(cat, "nanyuan", "edz_1", NULL, NULL, err, sizeof err), -1);
    assert_string_equal(err, "org unit 'nanyuan' already exists under linping");
    assert_int_equal(sti_catalog_org_add(cat, "linping", "nanyuan", NULL, NULL, err, sizeof err),
                     -1);
    assert_string_equal(err, "org unit 'linping' already exists as the root");
    assert_int_equal(sti_catalog_org_add(cat, "y", "linping", "a\nb", NULL, err, sizeof err), -1);
    assert_string_equal(err, "org unit 'y': names must be at most 256 bytes of text");
    assert_int_equal(sti_catalog_org_count(cat), 4);
    sti_catalog_destroy(&cat);
}

//  An org unit record of a test.
#define S_ORG(c, p, zh, en)                                                                        \
    {                                                                                              \
        .code = c, .parent = p, .name_zh = zh, .name_en = en                                       \
    }

static void test_org_add_all(void **state)
{
    (void)state;
    sti_catalog_t *cat = s_load_linping();
    char err[256] = "";
    //  Children before parents, as a Redis hash may list them.
    sti_org_unit_t units[4] = {
        S_ORG("edz_1", "nanyuan", "", "Platform"),
        S_ORG("nanyuan", "linping", "南苑街道", ""),
        S_ORG("linping", "", "临平区", "Linping District"),
        S_ORG("lab", "edz_1", "", ""),
    };
    assert_int_equal(sti_catalog_org_add_all(cat, units, 4, err, sizeof err), 0);
    assert_int_equal(sti_catalog_org_count(cat), 4);
    assert_string_equal(sti_catalog_org_parent(cat, "lab")->code, "edz_1");
    assert_int_equal(sti_catalog_org_add_all(cat, units, 4, err, sizeof err), 0);
    assert_int_equal(sti_catalog_org_count(cat), 4);

    sti_org_unit_t cycle[3] = {
        S_ORG("a", "c", "", ""),
        S_ORG("b", "a", "", ""),
        S_ORG("c", "b", "", ""),
    };
    assert_int_equal(sti_catalog_org_add_all(cat, cycle, 3, err, sizeof err), -1);
    assert_string_equal(err, "org unit 'b': parent: 'a' makes a cycle");
    sti_org_unit_t self_parent[1] = {S_ORG("s", "s", "", "")};
    assert_int_equal(sti_catalog_org_add_all(cat, self_parent, 1, err, sizeof err), -1);
    assert_string_equal(err, "org unit 's': parent: 's' makes a cycle");
    sti_org_unit_t orphan[1] = {S_ORG("o", "ghost", "", "")};
    assert_int_equal(sti_catalog_org_add_all(cat, orphan, 1, err, sizeof err), -1);
    assert_string_equal(err, "org unit 'o': parent: 'ghost' is not an org unit");
    sti_org_unit_t twice[2] = {S_ORG("t", "linping", "", ""), S_ORG("t", "linping", "", "")};
    assert_int_equal(sti_catalog_org_add_all(cat, twice, 2, err, sizeof err), -1);
    assert_string_equal(err, "org unit 't' is given twice");
    assert_int_equal(sti_catalog_org_count(cat), 4);
    sti_catalog_destroy(&cat);
}

static void test_targets_and_progress(void **state)
{
    (void)state;
    sti_catalog_t *cat = s_load_linping();
    char err[256] = "";
    assert_int_equal(sti_catalog_target_set(cat, "hitech_enterprises", 2025, 900, err, sizeof err),
                     0);
    assert_int_equal(sti_catalog_target_set(cat, "hitech_enterprises", 2025, 1000, err, sizeof err),
                     0);
    assert_int_equal(sti_catalog_target_set(cat, "hitech_enterprises", 2022, 700, err, sizeof err),
                     0);
    const sti_indicator_t *hitech = sti_catalog_indicator_find(cat, "hitech_enterprises");
    assert_int_equal(hitech->target_count, 2);
    assert_int_equal(hitech->targets[0].year, 2022);
    assert_int_equal(sti_indicator_final_target(hitech)->year, 2025);
    assert_true(sti_indicator_final_target(hitech)->value == 1000);
    assert_true(sti_indicator_target(hitech, 2022)->value == 700);
    assert_null(sti_indicator_target(hitech, 2023));

    //  The worked example, through the catalog.
    sti_progress_input_t in;
    sti_progress_t out;
    double values[] = {850, 800, 700, 1000};
    const char *statuses[] = {"on_track", "lagging", "at_risk", "achieved"};
    for (size_t i = 0; i < 4; i++) {
        sti_indicator_progress_input(hitech, 2023, true, values[i], STI_PROGRESS_TOLERANCE, &in);
        sti_progress_compute(&in, &out);
        assert_string_equal(sti_status_name(out.status), statuses[i]);
    }
    sti_indicator_progress_input(hitech, 2023, false, 0, STI_PROGRESS_TOLERANCE, &in);
    sti_progress_compute(&in, &out);
    assert_int_equal(out.status, STI_STATUS_NO_DATA);
    assert_int_equal(sti_catalog_target_set(cat, "edz_national_rank", 2025, 30, err, sizeof err),
                     0);
    sti_indicator_progress_input(sti_catalog_indicator_find(cat, "edz_national_rank"), 2023, true,
                                 28, STI_PROGRESS_TOLERANCE, &in);
    sti_progress_compute(&in, &out);
    assert_int_equal(out.status, STI_STATUS_ACHIEVED);
    sti_indicator_progress_input(sti_catalog_indicator_find(cat, "tech_smes"), 2023, true, 700,
                                 STI_PROGRESS_TOLERANCE, &in);
    sti_progress_compute(&in, &out);
    assert_int_equal(out.status, STI_STATUS_NO_TARGET);

    assert_int_equal(sti_catalog_target_clear(cat, "hitech_enterprises", 2022), 0);
    assert_int_equal(sti_catalog_target_clear(cat, "hitech_enterprises", 2022), -1);
    assert_int_equal(hitech->target_count, 1);

    assert_int_equal(sti_catalog_target_set(cat, "nope", 2025, 1, err, sizeof err), -1);
    assert_string_equal(err, "indicator: 'nope' is not an indicator");
    assert_int_equal(sti_catalog_target_set(cat, "tech_smes", 1999, 1, err, sizeof err), -1);
    assert_string_equal(err, "year: 1999 is outside 2000–2100");
    assert_int_equal(sti_catalog_target_set(cat, "tech_smes", 2025, -1, err, sizeof err), -1);
    assert_string_equal(err, "value: must not be negative (家)");
    assert_int_equal(sti_catalog_target_set(cat, "rd_gdp_ratio", 2025, 120, err, sizeof err), -1);
    assert_string_equal(err, "value: a percentage must be within 0–100");
    assert_int_equal(sti_catalog_target_set(cat, "edz_national_rank", 2025, 0, err, sizeof err),
                     -1);
    assert_string_equal(err, "value: must be at least 1 (位)");
    assert_int_equal(sti_catalog_target_set(cat, "tech_smes", 2025, NAN, err, sizeof err), -1);
    assert_string_equal(err, "value: must be a finite number");
    for (int year = 2000; year < 2000 + STI_INDICATOR_TARGETS; year++) {
        assert_int_equal(sti_catalog_target_set(cat, "tech_smes", year, 1, err, sizeof err), 0);
    }
    assert_int_equal(sti_catalog_target_set(cat, "tech_smes", 2099, 1, err, sizeof err), -1);
    assert_string_equal(err, "year: indicator 'tech_smes' has 32 targets already");
    sti_catalog_destroy(&cat);
}

static void test_msgpack_round_trip(void **state)
{
    (void)state;
    sti_catalog_t *cat = s_load_linping();
    char err[512] = "";
    assert_int_equal(
        sti_catalog_org_add(cat, "nanyuan", "linping", "南苑街道", NULL, err, sizeof err), 0);
    assert_int_equal(sti_catalog_target_set(cat, "hitech_enterprises", 2025, 1000, err, sizeof err),
                     0);
    sti_writer_t *first = sti_writer_new();
    sti_catalog_write(cat, first);
    size_t size1;
    const void *data1 = sti_writer_data(first, &size1);
    sti_catalog_t *copy = sti_catalog_decode(data1, size1, err, sizeof err);
    if (!copy) {
        fail_msg("%s", err);
    }
    assert_int_equal(sti_catalog_indicator_count(copy), 25);
    assert_int_equal(sti_catalog_org_count(copy), 2);
    assert_string_equal(sti_catalog_org_parent(copy, "nanyuan")->code, "linping");
    const sti_indicator_t *hitech = sti_catalog_indicator_find(copy, "hitech_enterprises");
    assert_true(sti_indicator_final_target(hitech)->value == 1000);
    assert_string_equal(hitech->baseline_source, "2020年,高新技术企业达到578家");
    assert_non_null(sti_catalog_indicator_find(copy, "rd_gdp_ratio")->formula);
    const sti_indicator_t *out[4];
    assert_int_equal(sti_catalog_dependents(copy, "gdp", out, 4), 1);
    assert_true(sti_units_find(sti_catalog_units(copy), "%")->max == 100);
    assert_string_equal(sti_catalog_plan(copy)->name_zh, sti_catalog_plan(cat)->name_zh);
    //  Writing the copy gives the same bytes.
    sti_writer_t *second = sti_writer_new();
    sti_catalog_write(copy, second);
    size_t size2;
    const void *data2 = sti_writer_data(second, &size2);
    assert_int_equal(size1, size2);
    assert_memory_equal(data1, data2, size1);
    sti_writer_destroy(&first);
    sti_writer_destroy(&second);
    sti_catalog_destroy(&copy);
    sti_catalog_destroy(&cat);
}

//  A part only one service reads (the talent codes, the project feeds), as
//  the catalog carries it: the getter, its file, a key of the Linping
//  plan's with the count of its entries, a map that loads, and the error of
//  one that is not a map.
typedef struct {
    const void *(*get)(const sti_catalog_t *catalog, size_t *size);
    const char *file;  // "talent.json"
    const char *key;   // a list of the Linping plan's part
    size_t entries;    // its length
    const char *good;  // a small part that loads
    const char *error; // what a part that is not a map is refused with
} s_part_t;

//  The part travels with the catalog as the map it is; a plan without it
//  has none; one that is not a map is refused naming the file.
static void s_check_part(const s_part_t *part)
{
    sti_catalog_t *cat = s_load_linping();
    size_t size = 0;
    const void *data = part->get(cat, &size);
    assert_non_null(data);
    char err[512] = "";
    sti_reader_t *reader = sti_reader_new(data, size, NULL, err, sizeof err);
    assert_non_null(reader);
    assert_int_equal(sti_node_size(sti_node_get(sti_reader_root(reader), part->key)),
                     part->entries);
    sti_reader_destroy(&reader);
    sti_writer_t *writer = sti_writer_new();
    sti_catalog_write(cat, writer);
    size_t bytes;
    const void *written = sti_writer_data(writer, &bytes);
    sti_catalog_t *copy = sti_catalog_decode(written, bytes, err, sizeof err);
    assert_non_null(copy);
    size_t copy_size = 0;
    const void *copied = part->get(copy, &copy_size);
    assert_int_equal(copy_size, size);
    assert_memory_equal(copied, data, size);
    sti_catalog_destroy(&copy);
    sti_writer_destroy(&writer);
    sti_catalog_destroy(&cat);

    char dir[64];
    s_make_plan(dir, NULL, NULL, NULL, NULL);
    cat = sti_catalog_load_dir(dir, err, sizeof err);
    assert_non_null(cat);
    assert_null(part->get(cat, &size));
    sti_catalog_destroy(&cat);
    s_write(dir, part->file, part->good);
    cat = sti_catalog_load_dir(dir, err, sizeof err);
    assert_non_null(cat);
    assert_non_null(part->get(cat, &size));
    sti_catalog_destroy(&cat);
    s_write(dir, part->file, "[1, 2]");
    assert_null(sti_catalog_load_dir(dir, err, sizeof err));
    assert_string_equal(err, part->error);
    s_remove_plan(dir);
}

//  The talent codes (talent.json).
static void test_talent_part(void **state)
{
    (void)state;
    s_part_t part = {sti_catalog_talent,
                     "talent.json",
                     "levels",
                     6,
                     "{\"levels\": [{\"code\": \"top\"}]}",
                     "talent.json: talent: must be a map (the talent codes)"};
    s_check_part(&part);
}

//  The indicators the projects feed (projects.json).
static void test_projects_part(void **state)
{
    (void)state;
    s_part_t part = {sti_catalog_projects,
                     "projects.json",
                     "feeds",
                     2,
                     "{\"feeds\": []}",
                     "projects.json: projects: must be a map (the project feeds)"};
    s_check_part(&part);
}

//  Writes indicator code in form and reads it back (the caller destroys it).
static sti_reader_t *s_indicator(const sti_catalog_t *cat, const char *code,
                                 sti_indicator_form_t form, sti_writer_t *writer)
{
    char err[256];
    sti_writer_reset(writer);
    sti_catalog_write_indicator(sti_catalog_indicator_find(cat, code), form, writer);
    size_t size;
    const void *data = sti_writer_data(writer, &size);
    sti_reader_t *reader = sti_reader_new(data, size, NULL, err, sizeof err);
    assert_non_null(reader);
    return reader;
}

//  The ops' form of an indicator: formula nil when none, the inputs, no
//  baseline_note; the plan's form: formula and baseline_note only when set; both
//  with the reporting calendar (frequency, due).
static void test_indicator_forms(void **state)
{
    (void)state;
    sti_catalog_t *cat = s_load_linping();
    sti_writer_t *writer = sti_writer_new();
    sti_reader_t *reader = s_indicator(cat, "rd_gdp_ratio", STI_INDICATOR_AS_SHOWN, writer);
    sti_node_t root = sti_reader_root(reader);
    assert_int_equal(sti_node_size(root), 15);
    assert_int_equal(sti_node_type(sti_node_get(root, "formula")), STI_TYPE_STR);
    sti_node_t inputs = sti_node_get(root, "inputs");
    assert_int_equal(sti_node_size(inputs), 2);
    char code[STI_CODE_MAX];
    assert_int_equal(sti_node_str_copy(sti_node_at(inputs, 0), code, sizeof code, NULL), 0);
    assert_string_equal(code, "rd_expenditure");
    sti_reader_destroy(&reader);
    reader = s_indicator(cat, "gdp", STI_INDICATOR_AS_SHOWN, writer);
    root = sti_reader_root(reader);
    assert_int_equal(sti_node_size(root), 15);
    assert_int_equal(sti_node_type(sti_node_get(root, "formula")), STI_TYPE_NIL);
    assert_int_equal(sti_node_size(sti_node_get(root, "inputs")), 0);
    assert_true(sti_node_is_missing(sti_node_get(root, "baseline_note")));
    sti_reader_destroy(&reader);
    reader = s_indicator(cat, "gdp", STI_INDICATOR_AS_PLAN, writer);
    root = sti_reader_root(reader);
    assert_true(sti_node_is_missing(sti_node_get(root, "formula")));
    assert_true(sti_node_is_missing(sti_node_get(root, "inputs")));
    assert_int_equal(sti_node_type(sti_node_get(root, "baseline_note")), STI_TYPE_STR);
    sti_reader_destroy(&reader);
    sti_writer_destroy(&writer);
    sti_catalog_destroy(&cat);
}

static void test_hostile_msgpack(void **state)
{
    (void)state;
    char err[512] = "";
    const unsigned char garbage[] = {0xdd, 0xff, 0xff, 0xff, 0xff};
    assert_null(sti_catalog_decode(garbage, sizeof garbage, err, sizeof err));
    assert_non_null(strstr(err, "catalog: "));
    sti_writer_t *w = sti_writer_new();
    sti_writer_map(w, 1);
    sti_writer_kv_int(w, "format", 2);
    size_t size;
    const void *data = sti_writer_data(w, &size);
    assert_null(sti_catalog_decode(data, size, err, sizeof err));
    assert_string_equal(err, "catalog: format: must be 1");
    sti_writer_reset(w);
    sti_writer_map(w, 1);
    sti_writer_kv_str(w, "plan", "x");
    data = sti_writer_data(w, &size);
    assert_null(sti_catalog_decode(data, size, err, sizeof err));
    assert_string_equal(err, "plan: must be a map");
    sti_writer_reset(w);
    sti_writer_array(w, 0);
    data = sti_writer_data(w, &size);
    assert_null(sti_catalog_decode(data, size, err, sizeof err));
    assert_string_equal(err, "catalog: must be a map, got array");
    sti_writer_reset(w);
    sti_writer_map(w, 0);
    data = sti_writer_data(w, &size);
    assert_null(sti_catalog_decode(data, size, err, sizeof err));
    assert_string_equal(err, "catalog: plan: missing");
    sti_writer_destroy(&w);
}

//  Catalog bytes with random bytes changed either decode or are refused;
//  nothing crashes or leaks (the sanitizer build checks).
static void test_mutated_msgpack(void **state)
{
    (void)state;
    sti_catalog_t *cat = s_load_linping();
    sti_writer_t *w = sti_writer_new();
    sti_catalog_write(cat, w);
    size_t size;
    const unsigned char *data = sti_writer_data(w, &size);
    unsigned char *copy = malloc(size);
    assert_non_null(copy);
    srand(7);
    size_t refused = 0;
    for (int round = 0; round < 300; round++) {
        memcpy(copy, data, size);
        for (int k = 0; k < 1 + round % 4; k++) {
            copy[(size_t)rand() % size] = (unsigned char)rand();
        }
        char err[512] = "";
        sti_catalog_t *decoded = sti_catalog_decode(copy, size, err, sizeof err);
        if (!decoded) {
            refused++;
            assert_true(strlen(err) > 0);
        }
        sti_catalog_destroy(&decoded);
    }
    assert_true(refused > 0);
    free(copy);
    sti_writer_destroy(&w);
    sti_catalog_destroy(&cat);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_linping_plan),       cmocka_unit_test(test_dependents),
        cmocka_unit_test(test_small_plan_loads),   cmocka_unit_test(test_bad_plans),
        cmocka_unit_test(test_file_too_large),     cmocka_unit_test(test_org_add_all),
        cmocka_unit_test(test_org_tree),           cmocka_unit_test(test_targets_and_progress),
        cmocka_unit_test(test_msgpack_round_trip), cmocka_unit_test(test_hostile_msgpack),
        cmocka_unit_test(test_mutated_msgpack),    cmocka_unit_test(test_talent_part),
        cmocka_unit_test(test_projects_part),      cmocka_unit_test(test_indicator_forms),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
