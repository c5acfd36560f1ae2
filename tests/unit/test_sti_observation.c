/*  Unit tests of sti_observation: good rows (with unit conversion), every
    kind of bad row with its field and reason, hostile input, and the same
    key twice in a batch.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "sti_catalog_io.h"
#include "sti_observation.h"

static char s_plan_dir[4096];

static int s_setup(void **state)
{
    const char *here = __FILE__;
    const char *tail = strstr(here, "tests/unit/test_sti_observation.c");
    assert_non_null(tail);
    snprintf(s_plan_dir, sizeof s_plan_dir, "%.*sdata/plans/linping-2021-2025", (int)(tail - here),
             here);
    char err[512] = "";
    sti_catalog_t *cat = sti_catalog_load_dir(s_plan_dir, err, sizeof err);
    assert_non_null(cat);
    assert_int_equal(
        sti_catalog_org_add(cat, "nanyuan", "linping", "南苑街道", NULL, err, sizeof err), 0);
    *state = cat;
    return 0;
}

static int s_teardown(void **state)
{
    sti_catalog_t *cat = *state;
    sti_catalog_destroy(&cat);
    return 0;
}

//  The result of checking one row.
typedef struct {
    int rc;                                           // what check returned
    sti_observation_t obs;                            // the decoded row
    sti_field_error_t errors[STI_OBSERVATION_ERRORS]; // its problems
    size_t count;                                     // how many
} s_result_t;

static s_result_t s_result;

//  Checks the row the writer holds.
static s_result_t *s_check(const sti_catalog_t *cat, sti_writer_t *w)
{
    size_t size;
    const void *data = sti_writer_data(w, &size);
    char err[256];
    sti_reader_t *reader = sti_reader_new(data, size, NULL, err, sizeof err);
    assert_non_null(reader);
    memset(&s_result, 0, sizeof s_result);
    s_result.rc = sti_observation_check(sti_reader_root(reader), cat, &s_result.obs,
                                        s_result.errors, STI_OBSERVATION_ERRORS, &s_result.count);
    sti_reader_destroy(&reader);
    sti_writer_destroy(&w);
    return &s_result;
}

//  A row {indicator, org, period, value} with optional unit (NULL: none).
static s_result_t *s_row(const sti_catalog_t *cat, const char *indicator, const char *org,
                         const char *period, double value, const char *unit)
{
    sti_writer_t *w = sti_writer_new();
    sti_writer_map(w, unit ? 5 : 4);
    sti_writer_kv_str(w, "indicator", indicator);
    sti_writer_kv_str(w, "org", org);
    sti_writer_kv_str(w, "period", period);
    sti_writer_kv_double(w, "value", value);
    if (unit) {
        sti_writer_kv_str(w, "unit", unit);
    }
    return s_check(cat, w);
}

static void s_one_error(const s_result_t *r, const char *field, const char *reason)
{
    assert_int_equal(r->rc, -1);
    assert_int_equal(r->count, 1);
    assert_string_equal(r->errors[0].field, field);
    assert_string_equal(r->errors[0].reason, reason);
}

static void test_good_rows(void **state)
{
    const sti_catalog_t *cat = *state;
    s_result_t *r = s_row(cat, "hitech_enterprises", "linping", "2023", 850, NULL);
    assert_int_equal(r->rc, 0);
    assert_int_equal(r->count, 0);
    assert_string_equal(r->obs.indicator, "hitech_enterprises");
    assert_string_equal(r->obs.period_text, "2023");
    assert_true(r->obs.value == 850);
    r = s_row(cat, "rd_expenditure", "nanyuan", "2023Q2", 12345, "万元");
    assert_int_equal(r->rc, 0);
    assert_true(r->obs.value == 1.2345);
    assert_true(r->obs.submitted_value == 12345);
    assert_string_equal(r->obs.unit, "万元");
    r = s_row(cat, "talent_total", "linping", "2023-05", 215000, "人");
    assert_int_equal(r->rc, 0);
    assert_true(r->obs.value == 21.5);
    r = s_row(cat, "hitech_enterprises", "linping", "2023", 850, "家");
    assert_int_equal(r->rc, 0);
    r = s_row(cat, "edz_national_rank", "linping", "2023", 28, NULL);
    assert_int_equal(r->rc, 0);
    r = s_row(cat, "hitech_value_added_share", "linping", "2023", 100, NULL);
    assert_int_equal(r->rc, 0);

    //  With source and note, and nil for the unit.
    sti_writer_t *w = sti_writer_new();
    sti_writer_map(w, 7);
    sti_writer_kv_str(w, "indicator", "gdp");
    sti_writer_kv_str(w, "org", "linping");
    sti_writer_kv_str(w, "period", "2023");
    sti_writer_kv_int(w, "value", 900);
    sti_writer_kv_str(w, "unit", NULL);
    sti_writer_kv_str(w, "source", "统计局");
    sti_writer_kv_str(w, "note", "初步核算");
    r = s_check(cat, w);
    assert_int_equal(r->rc, 0);
    assert_false(r->obs.has_unit);
    assert_string_equal(r->obs.source, "统计局");
    assert_string_equal(r->obs.note, "初步核算");
}

static void test_catalog_refusals(void **state)
{
    const sti_catalog_t *cat = *state;
    s_one_error(s_row(cat, "unicorns", "linping", "2023", 1, NULL), "indicator",
                "unknown indicator 'unicorns'");
    s_one_error(s_row(cat, "tech_smes", "atlantis", "2023", 1, NULL), "org",
                "unknown org unit 'atlantis'");
    s_one_error(s_row(cat, "rd_gdp_ratio", "linping", "2023", 3.6, NULL), "indicator",
                "'rd_gdp_ratio' is derived from rd_expenditure, gdp: submit those instead");
    s_one_error(s_row(cat, "invention_patents_per_10k", "linping", "2023", 20, NULL), "indicator",
                "'invention_patents_per_10k' is derived from valid_invention_patents, "
                "population: submit those instead");
    s_one_error(s_row(cat, "tech_smes", "linping", "2023", -1, NULL), "value",
                "must not be negative (家)");
    s_one_error(s_row(cat, "rd_expenditure", "linping", "2023", -5, "万元"), "value",
                "must not be negative (亿元)");
    s_one_error(s_row(cat, "hitech_value_added_share", "linping", "2023", 100.1, NULL), "value",
                "a percentage must be within 0–100");
    s_one_error(s_row(cat, "hitech_value_added_share", "linping", "2023", -0.5, NULL), "value",
                "a percentage must be within 0–100");
    s_one_error(s_row(cat, "edz_national_rank", "linping", "2023", 0, NULL), "value",
                "must be at least 1 (位)");
    s_one_error(s_row(cat, "rd_expenditure", "linping", "2023", 5, "家"), "unit",
                "unit '家' does not convert to '亿元'");
    s_one_error(s_row(cat, "tech_smes", "linping", "2023", 5, "件"), "unit",
                "unit '件' does not convert to '家'");
    s_one_error(s_row(cat, "rd_expenditure", "linping", "2023", 5, "USD"), "unit",
                "unit 'USD' is not known; the indicator's unit is '亿元'");
    //  Large but finite values in the catalog's unit are kept as they are.
    assert_int_equal(s_row(cat, "rd_expenditure", "linping", "2023", 1e305, "亿元")->rc, 0);
}

//  Plausibility: fractions of counts, retired units, periods not begun.
static void test_plausible(void **state)
{
    sti_catalog_t *cat = *state;
    s_one_error(s_row(cat, "tech_smes", "linping", "2023", 1000.5, NULL), "value",
                "1000.5 家 is not a whole number: 家 counts whole organisations");
    s_one_error(s_row(cat, "registered_talents", "linping", "2023", 1.5, NULL), "value",
                "1.5 人 is not a whole number: 人 counts whole persons");
    //  0.5 万人 is 5000 人: the unit given is not a count of whole things.
    assert_int_equal(s_row(cat, "registered_talents", "linping", "2023", 0.5, "万人")->rc, 0);
    //  A fraction of a unit that is not a count is fine, and so is a whole count.
    assert_int_equal(s_row(cat, "talent_total", "linping", "2023", 21.5, "万人")->rc, 0);
    assert_int_equal(s_row(cat, "tech_smes", "linping", "2023", 1000, NULL)->rc, 0);
    //  A retired unit is named, with when and why.
    sti_org_unit_t state_ = *sti_catalog_org_find(cat, "nanyuan");
    state_.retired = true;
    state_.retired_at = 1796500000000; // 2026-12-05, UTC
    snprintf(state_.retired_reason, sizeof state_.retired_reason, "merged");
    char err[256];
    assert_int_equal(sti_catalog_org_update(cat, &state_, err, sizeof err), 0);
    s_one_error(s_row(cat, "tech_smes", "nanyuan", "2023", 5, NULL), "org",
                "org unit 'nanyuan' (南苑街道) was retired on 2026-12-05: it takes no new "
                "values (merged)");
    state_.retired = false;
    assert_int_equal(sti_catalog_org_update(cat, &state_, err, sizeof err), 0);
    assert_int_equal(s_row(cat, "tech_smes", "nanyuan", "2023", 5, NULL)->rc, 0);
    //  Periods: begun (the year, its first quarter and month) or not.
    int64_t now = 1796500000000; // 2026-12-05
    const struct {
        const char *period;
        int64_t ahead;
        int rc;
    } cases[] = {{"2026", 0, 0},    {"2026Q4", 0, 0},   {"2026-12", 0, 0}, {"2027", 0, -1},
                 {"2027Q1", 0, -1}, {"2027-01", 0, -1}, {"2027", 1, 0},    {"2028", 1, -1}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        s_result_t *r = s_row(cat, "tech_smes", "linping", cases[i].period, 1, NULL);
        assert_int_equal(r->rc, 0);
        size_t count = 0;
        sti_field_error_t errors[2];
        assert_int_equal(
            sti_observation_plausible_period(&r->obs, now, cases[i].ahead, errors, 2, &count),
            cases[i].rc);
        assert_int_equal(count, cases[i].rc ? 1 : 0);
        if (cases[i].rc) {
            assert_string_equal(errors[0].field, "period");
            assert_non_null(strstr(errors[0].reason, "has not begun (today is 2026-12-05"));
        }
    }
    //  Against timegm: each month's first day from 1999 to 2101, at now a
    //  millisecond before, at and after midnight.
    s_result_t *r = s_row(cat, "tech_smes", "linping", "2023-05", 1, NULL);
    for (int year = 1999; year <= 2101; year++) {
        for (int month = 1; month <= 12; month++) {
            struct tm first = {.tm_year = year - 1900, .tm_mon = month - 1, .tm_mday = 1};
            int64_t midnight = (int64_t)timegm(&first) * 1000;
            for (int64_t at = midnight - 1; at <= midnight + 1; at++) {
                for (int64_t ahead = 0; ahead <= 2; ahead++) {
                    struct tm start = {
                        .tm_year = 2023 - 1900 - (int)ahead, .tm_mon = 4, .tm_mday = 1};
                    int want = (int64_t)timegm(&start) * 1000 <= at ? 0 : -1;
                    size_t count = 0;
                    sti_field_error_t errors[2];
                    assert_int_equal(
                        sti_observation_plausible_period(&r->obs, at, ahead, errors, 2, &count),
                        want);
                }
            }
        }
    }
}

static void test_decode_refusals(void **state)
{
    const sti_catalog_t *cat = *state;
    s_one_error(s_row(cat, "tech_smes", "linping", "2023-13", 1, NULL), "period",
                "'2023-13': month 13 is outside 1–12");
    s_one_error(s_row(cat, "tech_smes", "linping", "1999", 1, NULL), "period",
                "'1999': year 1999 is outside 2000–2100");
    s_one_error(s_row(cat, "tech_smes", "linping", "2023/05", 1, NULL), "period",
                "'2023/05' is not a period: write 2023, 2023Q2 or 2023-05");
    s_one_error(s_row(cat, "tech_smes", "linping", "2023-05-01", 1, NULL), "period",
                "'2023-05-01' is not a period: write 2023, 2023Q2 or 2023-05");
    s_one_error(s_row(cat, "tech_smes", "linping", "2023Q5", 1, NULL), "period",
                "'2023Q5': quarter 5 is outside 1–4");
    s_one_error(s_row(cat, "tech_smes", "linping", "2023", 0.0 / 0.0, NULL), "value",
                "not a finite number");
    s_one_error(s_row(cat, "tech_smes", "linping", "2023", 1.0 / 0.0, NULL), "value",
                "not a finite number");

    sti_writer_t *w = sti_writer_new();
    sti_writer_map(w, 4);
    sti_writer_kv_str(w, "indicator", "tech_smes");
    sti_writer_kv_str(w, "org", "linping");
    sti_writer_kv_str(w, "period", "2023");
    sti_writer_kv_str(w, "value", "many");
    s_one_error(s_check(cat, w), "value", "'many' is not a number");

    w = sti_writer_new();
    sti_writer_map(w, 3);
    sti_writer_kv_str(w, "indicator", "tech_smes");
    sti_writer_kv_str(w, "org", "linping");
    sti_writer_kv_str(w, "period", "2023");
    s_one_error(s_check(cat, w), "value", "missing");

    w = sti_writer_new();
    sti_writer_map(w, 5);
    sti_writer_kv_str(w, "indicator", "tech_smes");
    sti_writer_kv_str(w, "org", "linping");
    sti_writer_kv_str(w, "period", "2023");
    sti_writer_kv_int(w, "value", 3);
    sti_writer_kv_str(w, "colour", "red");
    s_one_error(s_check(cat, w), "colour", "unknown key");

    //  A key refused before the fields: they are still read, the first of a
    //  repeated key taken.
    w = sti_writer_new();
    sti_writer_map(w, 5);
    sti_writer_kv_str(w, "colour", "red");
    sti_writer_kv_str(w, "indicator", "tech_smes");
    sti_writer_kv_str(w, "org", "linping");
    sti_writer_kv_str(w, "period", "2023");
    sti_writer_kv_int(w, "value", 3);
    s_result_t *r = s_check(cat, w);
    s_one_error(r, "colour", "unknown key");
    assert_string_equal(r->obs.indicator, "tech_smes");
    assert_string_equal(r->obs.period_text, "2023");
    w = sti_writer_new();
    sti_writer_map(w, 5);
    sti_writer_kv_str(w, "indicator", "tech_smes");
    sti_writer_kv_int(w, "value", 3);
    sti_writer_kv_str(w, "org", "linping");
    sti_writer_kv_int(w, "value", 4);
    sti_writer_kv_str(w, "period", "2023Q2");
    r = s_check(cat, w);
    s_one_error(r, "value", "duplicate key");
    assert_true(r->obs.value == 3);
    assert_string_equal(r->obs.period_text, "2023Q2");

    w = sti_writer_new();
    sti_writer_array(w, 1);
    sti_writer_int(w, 1);
    s_one_error(s_check(cat, w), "", "a row must be a map, got array");
}

static void test_every_problem_of_a_row(void **state)
{
    const sti_catalog_t *cat = *state;
    //  Everything wrong at once: each field is named.
    sti_writer_t *w = sti_writer_new();
    sti_writer_map(w, 4);
    sti_writer_kv_int(w, "indicator", 7);
    sti_writer_kv_str(w, "org", "nowhere");
    sti_writer_kv_str(w, "period", "20x3");
    sti_writer_kv_bool(w, "value", true);
    s_result_t *r = s_check(cat, w);
    assert_int_equal(r->rc, -1);
    assert_int_equal(r->count, 4);
    assert_string_equal(r->errors[0].field, "indicator");
    assert_string_equal(r->errors[0].reason, "must be a string, got integer");
    assert_string_equal(r->errors[1].field, "period");
    assert_string_equal(r->errors[2].field, "value");
    assert_string_equal(r->errors[3].field, "org");
    assert_string_equal(r->errors[3].reason, "unknown org unit 'nowhere'");
    //  A cap of one keeps the first problem and still refuses the row.
    w = sti_writer_new();
    sti_writer_map(w, 2);
    sti_writer_kv_str(w, "indicator", "x");
    sti_writer_kv_str(w, "org", "y");
    size_t size;
    const void *data = sti_writer_data(w, &size);
    char err[128];
    sti_reader_t *reader = sti_reader_new(data, size, NULL, err, sizeof err);
    sti_observation_t obs;
    sti_field_error_t one[1];
    size_t count = 0;
    assert_int_equal(sti_observation_check(sti_reader_root(reader), cat, &obs, one, 1, &count), -1);
    assert_int_equal(count, 1);
    sti_reader_destroy(&reader);
    sti_writer_destroy(&w);
}

//  A good row whose field key holds a string of n bytes.
static s_result_t *s_long(const sti_catalog_t *cat, const char *key, size_t n)
{
    static char text[2100];
    memset(text, 'a', n);
    text[n] = 0;
    sti_writer_t *w = sti_writer_new();
    sti_writer_map(w, 5);
    sti_writer_kv_str(w, "indicator", strcmp(key, "indicator") == 0 ? text : "tech_smes");
    sti_writer_kv_str(w, "org", strcmp(key, "org") == 0 ? text : "linping");
    sti_writer_kv_str(w, "period", strcmp(key, "period") == 0 ? text : "2023");
    sti_writer_kv_int(w, "value", 1);
    sti_writer_kv_str(w, key[0] == 'i' || key[0] == 'o' || key[0] == 'p' ? "note" : key, text);
    return s_check(cat, w);
}

static void test_bounded_strings(void **state)
{
    const sti_catalog_t *cat = *state;
    assert_int_equal(s_long(cat, "note", 1000)->rc, 0);
    s_one_error(s_long(cat, "note", 1001), "note", "longer than 1000 bytes");
    assert_int_equal(s_long(cat, "source", 128)->rc, 0);
    s_one_error(s_long(cat, "source", 129), "source", "longer than 128 bytes");
    s_one_error(s_long(cat, "unit", 16), "unit", "longer than 15 bytes");
    s_result_t *r = s_long(cat, "indicator", 65);
    assert_int_equal(r->rc, -1);
    assert_string_equal(r->errors[0].field, "indicator");
    assert_string_equal(r->errors[0].reason, "longer than 64 bytes");
    r = s_long(cat, "org", 65);
    assert_string_equal(r->errors[0].field, "org");
    assert_string_equal(r->errors[0].reason, "longer than 64 bytes");
    r = s_long(cat, "period", 33);
    assert_string_equal(r->errors[0].field, "period");
    assert_string_equal(r->errors[0].reason, "longer than 32 bytes");
    //  Invalid UTF-8 and embedded NUL bytes are refused.
    sti_writer_t *w = sti_writer_new();
    sti_writer_map(w, 5);
    sti_writer_kv_str(w, "indicator", "tech_smes");
    sti_writer_kv_str(w, "org", "linping");
    sti_writer_kv_str(w, "period", "2023");
    sti_writer_kv_int(w, "value", 1);
    sti_writer_str(w, "note");
    sti_writer_strn(w, "a\0b", 3);
    s_one_error(s_check(cat, w), "note", "contains a NUL byte");
    w = sti_writer_new();
    sti_writer_map(w, 5);
    sti_writer_kv_str(w, "indicator", "tech_smes");
    sti_writer_kv_str(w, "org", "linping");
    sti_writer_kv_str(w, "period", "2023");
    sti_writer_kv_int(w, "value", 1);
    sti_writer_str(w, "source");
    sti_writer_strn(w, "\xff\xfe", 2);
    s_one_error(s_check(cat, w), "source", "not valid UTF-8");
}

static void test_same_key_twice(void **state)
{
    const sti_catalog_t *cat = *state;
    sti_observation_keys_t *keys = sti_observation_keys_new(3);
    size_t earlier = 99;
    sti_observation_t a = s_row(cat, "tech_smes", "linping", "2023", 1, NULL)->obs;
    sti_observation_t b = s_row(cat, "tech_smes", "nanyuan", "2023", 1, NULL)->obs;
    sti_observation_t c = s_row(cat, "tech_smes", "linping", "2023Q1", 1, NULL)->obs;
    sti_observation_t d = s_row(cat, "gdp", "linping", "2023", 1, NULL)->obs;
    assert_int_equal(sti_observation_keys_add(keys, &a, 0, &earlier), 0);
    assert_int_equal(sti_observation_keys_add(keys, &b, 1, &earlier), 0);
    assert_int_equal(sti_observation_keys_add(keys, &c, 2, &earlier), 0);
    assert_int_equal(sti_observation_keys_add(keys, &a, 3, &earlier), 1);
    assert_int_equal(earlier, 0);
    assert_int_equal(sti_observation_keys_add(keys, &c, 4, &earlier), 1);
    assert_int_equal(earlier, 2);
    assert_int_equal(sti_observation_keys_add(keys, &d, 5, &earlier), -1);
    sti_observation_keys_reset(keys);
    assert_int_equal(sti_observation_keys_add(keys, &a, 0, &earlier), 0);
    sti_observation_keys_destroy(&keys);
    assert_null(keys);
    sti_observation_keys_destroy(&keys);

    //  10,000 distinct keys, then each again.
    keys = sti_observation_keys_new(10000);
    sti_observation_t row = a;
    for (size_t i = 0; i < 20000; i++) {
        snprintf(row.org, sizeof row.org, "org%zu", i % 10000);
        assert_int_equal(sti_observation_keys_add(keys, &row, i, &earlier), i < 10000 ? 0 : 1);
        if (i >= 10000) {
            assert_int_equal(earlier, i - 10000);
        }
    }
    sti_observation_keys_destroy(&keys);
}

//  A row whose value (and period) is given as text.
static s_result_t *s_text_row(const sti_catalog_t *cat, const char *indicator, const char *value,
                              const char *unit)
{
    sti_writer_t *w = sti_writer_new();
    sti_writer_map(w, unit ? 5 : 4);
    sti_writer_kv_str(w, "indicator", indicator);
    sti_writer_kv_str(w, "org", "linping");
    sti_writer_kv_str(w, "period", "2023");
    sti_writer_kv_str(w, "value", value);
    if (unit) {
        sti_writer_kv_str(w, "unit", unit);
    }
    return s_check(cat, w);
}

static void s_parsed(const char *text, double expect, bool percent)
{
    double value = -12345;
    bool is_percent = !percent;
    if (sti_observation_parse_value(text, strlen(text), &value, &is_percent) != 0) {
        fail_msg("'%s' was not read", text);
    }
    assert_true(value == expect);
    assert_true(is_percent == percent);
}

static void s_not_parsed(const char *text)
{
    double value;
    bool percent;
    if (sti_observation_parse_value(text, strlen(text), &value, &percent) == 0) {
        fail_msg("'%s' was read as %g", text, value);
    }
}

static void test_clerk_numbers(void **state)
{
    (void)state;
    s_parsed("2134", 2134, false);
    s_parsed("2,134", 2134, false);
    s_parsed(" 1,234,567.25 ", 1234567.25, false);
    s_parsed("-1,000", -1000, false);
    s_parsed("+0.5", 0.5, false);
    s_parsed(".5", 0.5, false);
    s_parsed("12.", 12, false);
    s_parsed("1.2E+05", 120000, false);
    s_parsed("3.5%", 3.5, true);
    s_parsed("3.5 %", 3.5, true);
    s_parsed("\xE3\x80\x80"
             "42"
             "\xE3\x80\x80",
             42, false); // ideographic spaces
    const char *bad[] = {"",       " ",     "many",  "2,13",      "21,34", "1234,567",
                         "1,,234", ",123",  "1,",    "1.2.3",     "1e",    "1,234e5",
                         "%",      "--1",   "0x10",  "1 2",       "12abc", "inf",
                         "nan",    "1e999", "3.5%%", "2,134.5.6", "１２３"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        s_not_parsed(bad[i]);
    }
}

static void test_text_values(void **state)
{
    const sti_catalog_t *cat = *state;
    s_result_t *r = s_text_row(cat, "hitech_enterprises", "2,134", NULL);
    assert_int_equal(r->rc, 0);
    assert_true(r->obs.value == 2134);
    r = s_text_row(cat, "hitech_value_added_share", "75.5%", NULL);
    assert_int_equal(r->rc, 0);
    assert_true(r->obs.value == 75.5);
    assert_string_equal(r->obs.unit, "%");
    r = s_text_row(cat, "hitech_value_added_share", "75.5%", "%");
    assert_int_equal(r->rc, 0);
    s_one_error(s_text_row(cat, "hitech_enterprises", "75%", NULL), "unit",
                "unit '%' does not convert to '家'");
    s_one_error(s_text_row(cat, "rd_expenditure", "7%", "万元"), "unit",
                "the value is a percentage, the unit '万元' is not: leave the unit empty or drop "
                "the %");
    s_one_error(s_text_row(cat, "hitech_enterprises", "2,13", NULL), "value",
                "'2,13' is not a number");
    s_one_error(
        s_text_row(cat, "hitech_enterprises", "一二三四五六七八九十一二三四五六七八九十", NULL),
        "value", "'一二三四五六七八九十一二三…' is not a number"); // cut at 40 bytes
    s_one_error(s_text_row(cat, "hitech_enterprises", "a\nb", NULL), "value",
                "'a?b' is not a number");

    //  A period given as a number is a year.
    sti_writer_t *w = sti_writer_new();
    sti_writer_map(w, 4);
    sti_writer_kv_str(w, "indicator", "gdp");
    sti_writer_kv_str(w, "org", "linping");
    sti_writer_kv_int(w, "period", 2023);
    sti_writer_kv_int(w, "value", 900);
    r = s_check(cat, w);
    assert_int_equal(r->rc, 0);
    assert_string_equal(r->obs.period_text, "2023");
    w = sti_writer_new();
    sti_writer_map(w, 4);
    sti_writer_kv_str(w, "indicator", "gdp");
    sti_writer_kv_str(w, "org", "linping");
    sti_writer_kv_int(w, "period", 23);
    sti_writer_kv_int(w, "value", 900);
    s_one_error(s_check(cat, w), "period", "'23' is not a period: write 2023, 2023Q2 or 2023-05");
}

//  Rows with random bytes changed are decoded or refused, never crash.
static void test_mutated_rows(void **state)
{
    const sti_catalog_t *cat = *state;
    sti_writer_t *w = sti_writer_new();
    sti_writer_map(w, 7);
    sti_writer_kv_str(w, "indicator", "rd_expenditure");
    sti_writer_kv_str(w, "org", "linping");
    sti_writer_kv_str(w, "period", "2023-05");
    sti_writer_kv_double(w, "value", 12.5);
    sti_writer_kv_str(w, "unit", "万元");
    sti_writer_kv_str(w, "source", "统计局");
    sti_writer_kv_str(w, "note", "初步核算");
    size_t size;
    const unsigned char *data = sti_writer_data(w, &size);
    unsigned char copy[256];
    assert_true(size <= sizeof copy);
    srand(11);
    for (int round = 0; round < 3000; round++) {
        memcpy(copy, data, size);
        for (int k = 0; k < 1 + round % 3; k++) {
            copy[(size_t)rand() % size] = (unsigned char)rand();
        }
        char err[256];
        sti_reader_t *reader = sti_reader_new(copy, size, NULL, err, sizeof err);
        if (!reader) {
            continue;
        }
        sti_observation_t obs;
        sti_field_error_t errors[STI_OBSERVATION_ERRORS];
        size_t count = 0;
        int rc = sti_observation_check(sti_reader_root(reader), cat, &obs, errors,
                                       STI_OBSERVATION_ERRORS, &count);
        assert_true(rc == 0 ? count == 0 : count > 0);
        sti_reader_destroy(&reader);
    }
    sti_writer_destroy(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_rows),       cmocka_unit_test(test_catalog_refusals),
        cmocka_unit_test(test_decode_refusals), cmocka_unit_test(test_every_problem_of_a_row),
        cmocka_unit_test(test_bounded_strings), cmocka_unit_test(test_same_key_twice),
        cmocka_unit_test(test_mutated_rows),    cmocka_unit_test(test_clerk_numbers),
        cmocka_unit_test(test_text_values),     cmocka_unit_test(test_plausible),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
