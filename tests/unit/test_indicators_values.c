/*  Unit tests of indicators_values: the stored record round trip and its
    refusals, entry id order, the batch table (lookups, growth, hash
    groups), and progress over a hash as the worked example of issue 3
    has it.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "indicators_values.h"
#include "sti_catalog_io.h"
#include "plan_dir.h"

static sti_catalog_t *s_linping(void)
{
    char err[512] = "";
    sti_catalog_t *cat = sti_catalog_load_dir(test_plan_dir(), err, sizeof err);
    if (!cat) {
        fail_msg("%s", err);
    }
    assert_int_equal(sti_catalog_org_add(cat, "town_a", "linping", "", "", err, sizeof err), 0);
    return cat;
}

static sti_period_t s_period(const char *text)
{
    sti_period_t period;
    char err[128];
    assert_int_equal(sti_period_parse(text, strlen(text), &period, err, sizeof err), 0);
    return period;
}

static void test_record_round_trip(void **state)
{
    (void)state;
    indicators_record_t in = {.has_v = true,
                              .v = 850,
                              .has_r = true,
                              .r = 850,
                              .rev = 3,
                              .src = "1700000000000-7",
                              .t = 1700000000123,
                              .by = "clerk",
                              .source = "stats bureau"};
    sti_writer_t *w = sti_writer_new();
    indicators_record_encode(&in, w);
    size_t size;
    const void *data = sti_writer_data(w, &size);
    indicators_record_t out;
    char err[256];
    assert_int_equal(indicators_record_decode(data, size, &out, err, sizeof err), 0);
    assert_true(out.has_v && out.v == 850 && out.has_r && !out.has_a);
    assert_int_equal(out.rev, 3);
    assert_string_equal(out.src, "1700000000000-7");
    assert_int_equal(out.t, 1700000000123);
    assert_string_equal(out.by, "clerk");
    assert_string_equal(out.source, "stats bureau");
    sti_writer_destroy(&w);
}

//  A record keeping its only revision: o and e read back, and a kept
//  origin out of range, one without its entry, or one in a record of a
//  later revision, refused.
static void test_record_first(void **state)
{
    (void)state;
    indicators_record_t in = {.has_v = true,
                              .v = 9,
                              .rev = 1,
                              .t = 1700000000123,
                              .has_first = true,
                              .first_origin = INDICATORS_ORIGIN_AGGREGATED,
                              .first_entry = "1700000000000-7"};
    sti_writer_t *w = sti_writer_new();
    indicators_record_encode(&in, w);
    size_t size;
    const void *data = sti_writer_data(w, &size);
    indicators_record_t out;
    char err[256];
    assert_int_equal(indicators_record_decode(data, size, &out, err, sizeof err), 0);
    assert_true(out.has_first);
    assert_int_equal(out.first_origin, INDICATORS_ORIGIN_AGGREGATED);
    assert_string_equal(out.first_entry, "1700000000000-7");
    indicators_revision_t first;
    indicators_record_first(&out, &first);
    assert_int_equal(first.rev, 1);
    assert_string_equal(first.origin, "aggregated");
    assert_string_equal(first.entry, "1700000000000-7");
    assert_true(first.has_v && first.v == 9);
    assert_int_equal(first.t, 1700000000123);
    for (int bad = 0; bad < 3; bad++) {
        sti_writer_reset(w);
        sti_writer_map(w, bad == 1 ? 9 : 10);
        for (const char *const *key = (const char *const[]){"v", "r", "a", NULL}; *key; key++) {
            sti_writer_str(w, *key);
            sti_writer_nil(w);
        }
        sti_writer_kv_int(w, "rev", bad == 2 ? 2 : 1); // 2: a list holds its revisions
        sti_writer_kv_str(w, "src", "");
        sti_writer_kv_int(w, "t", 1);
        sti_writer_kv_str(w, "by", "");
        sti_writer_kv_str(w, "source", "");
        sti_writer_kv_int(w, "o", bad ? 0 : 3); // withdrawn is never kept
        if (bad != 1) {
            sti_writer_kv_str(w, "e", "1-0");
        }
        data = sti_writer_data(w, &size);
        assert_int_equal(indicators_record_decode(data, size, &out, err, sizeof err), -1);
        assert_non_null(strstr(err, bad == 1 ? ": e:" : ": o:"));
    }
    sti_writer_destroy(&w);
}

static void test_record_refusals(void **state)
{
    (void)state;
    indicators_record_t out;
    char err[256];
    assert_int_equal(indicators_record_decode("\xc1", 1, &out, err, sizeof err), -1);
    sti_writer_t *w = sti_writer_new();
    sti_writer_map(w, 1);
    sti_writer_kv_str(w, "v", "850"); // a string where a number belongs
    size_t size;
    const void *data = sti_writer_data(w, &size);
    assert_int_equal(indicators_record_decode(data, size, &out, err, sizeof err), -1);
    assert_non_null(strstr(err, "v"));
    sti_writer_reset(w);
    sti_writer_array(w, 1);
    sti_writer_int(w, 1);
    data = sti_writer_data(w, &size);
    assert_int_equal(indicators_record_decode(data, size, &out, err, sizeof err), -1);
    sti_writer_destroy(&w);
}

//  A revision reads back as written; what is missing or ill-typed keeps its
//  default, and what is not a map is all defaults.
static void test_revision_round_trip(void **state)
{
    (void)state;
    indicators_revision_t in = {.rev = 4, .has_v = true, .v = 1000, .t = 1700000000123};
    snprintf(in.origin, sizeof in.origin, "aggregated");
    snprintf(in.by, sizeof in.by, "clerk");
    snprintf(in.source, sizeof in.source, "town report");
    snprintf(in.entry, sizeof in.entry, "1700000000000-7");
    sti_writer_t *w = sti_writer_new();
    indicators_revision_encode(&in, w);
    size_t size;
    const void *data = sti_writer_data(w, &size);
    indicators_revision_t out;
    assert_int_equal(indicators_revision_decode(data, size, &out), 0);
    assert_int_equal(out.rev, 4);
    assert_true(out.has_v && out.v == 1000);
    assert_string_equal(out.origin, "aggregated");
    assert_int_equal(out.t, 1700000000123);
    assert_string_equal(out.by, "clerk");
    assert_string_equal(out.source, "town report");
    assert_string_equal(out.entry, "1700000000000-7");
    sti_writer_reset(w);
    sti_writer_map(w, 2);
    sti_writer_kv_str(w, "rev", "4"); // ill-typed
    sti_writer_str(w, "v");
    sti_writer_nil(w);
    data = sti_writer_data(w, &size);
    assert_int_equal(indicators_revision_decode(data, size, &out), 0);
    assert_int_equal(out.rev, 0);
    assert_false(out.has_v);
    assert_int_equal(out.t, -1);
    assert_string_equal(out.origin, "");
    assert_int_equal(indicators_revision_decode("\xc1", 1, &out), -1);
    assert_int_equal(out.t, -1);
    assert_int_equal(indicators_revision_decode(NULL, 0, &out), -1);
    sti_writer_destroy(&w);
}

//  A value's event topic and subject.
static void test_topic_and_subject(void **state)
{
    (void)state;
    sti_catalog_t *cat = s_linping();
    indicators_table_t *table = indicators_table_new();
    sti_period_t period = s_period("2023Q2");
    int at = indicators_table_value(table, sti_catalog_indicator_find(cat, "gdp"),
                                    sti_catalog_org_find(cat, "town_a"), &period);
    char text[128];
    const indicators_value_t *value = indicators_table_value_at(table, at);
    assert_string_equal(indicators_value_topic(value, text, sizeof text), "ind.gdp.town_a");
    assert_string_equal(indicators_value_subject(value, text, sizeof text), "gdp/town_a/2023Q2");
    indicators_table_destroy(&table);
    sti_catalog_destroy(&cat);
}

static void test_entry_id_order(void **state)
{
    (void)state;
    assert_true(indicators_entry_id_compare("1-0", "1-1") < 0);
    assert_true(indicators_entry_id_compare("2-0", "1-9") > 0);
    assert_true(indicators_entry_id_compare("10-0", "9-0") > 0); // numeric, not text order
    assert_true(indicators_entry_id_compare("5-5", "5-5") == 0);
    assert_true(indicators_entry_id_compare("", "1-0") < 0);
    assert_true(indicators_entry_id_compare("1-0", "") > 0);
}

static void test_table_lookup_and_growth(void **state)
{
    (void)state;
    sti_catalog_t *cat = s_linping();
    const sti_indicator_t *gdp = sti_catalog_indicator_find(cat, "gdp");
    const sti_org_unit_t *root = sti_catalog_org_find(cat, "linping");
    indicators_table_t *table = indicators_table_new();
    for (int round = 0; round < 2; round++) {
        for (int year = 2000; year <= 2100; year++) {
            for (int month = 1; month <= 12; month++) {
                sti_period_t p = {year, STI_PERIOD_MONTH, month};
                int at = indicators_table_value(table, gdp, root, &p);
                assert_int_equal(indicators_table_value(table, gdp, root, &p), at);
            }
        }
        assert_int_equal(indicators_table_value_count(table), 101 * 12);
        assert_int_equal(indicators_table_group_count(table), 1);
        size_t in_hash = 0;
        for (int i = indicators_table_group_at(table, 0)->head; i >= 0;
             i = indicators_table_value_at(table, i)->next_in_hash) {
            in_hash++;
        }
        assert_int_equal(in_hash, 101 * 12);
        sti_period_t year = s_period("2023");
        assert_int_equal(indicators_table_find(table, gdp, root, &year), -1);
        indicators_table_reset(table);
        assert_int_equal(indicators_table_value_count(table), 0);
    }
    indicators_table_destroy(&table);
    indicators_table_destroy(&table);
    sti_catalog_destroy(&cat);
}

//  Loads value v for period text into the table.
static void s_put(indicators_table_t *table, const sti_indicator_t *ind, const sti_org_unit_t *org,
                  const char *period, double v)
{
    sti_period_t p = s_period(period);
    indicators_record_t record = {
        .has_v = true, .v = v, .has_r = true, .r = v, .rev = 1, .src = "1-0"};
    sti_writer_t *w = sti_writer_new();
    indicators_record_encode(&record, w);
    size_t size;
    const void *data = sti_writer_data(w, &size);
    char err[128];
    assert_int_equal(indicators_table_load(table, indicators_table_value(table, ind, org, &p), data,
                                           size, err, sizeof err),
                     0);
    sti_writer_destroy(&w);
}

static void test_progress_worked_example(void **state)
{
    (void)state;
    sti_catalog_t *cat = s_linping();
    char err[256];
    assert_int_equal(sti_catalog_target_set(cat, "hitech_enterprises", 2025, 1000, err, sizeof err),
                     0);
    assert_int_equal(sti_catalog_target_set(cat, "edz_national_rank", 2025, 30, err, sizeof err),
                     0);
    const sti_indicator_t *hitech = sti_catalog_indicator_find(cat, "hitech_enterprises");
    const sti_org_unit_t *root = sti_catalog_org_find(cat, "linping");
    indicators_table_t *table = indicators_table_new();
    const struct {
        double value;
        sti_status_t status;
    } cases[] = {{850, STI_STATUS_ON_TRACK},
                 {800, STI_STATUS_LAGGING},
                 {700, STI_STATUS_AT_RISK},
                 {1000, STI_STATUS_ACHIEVED}};
    for (size_t i = 0; i < 4; i++) {
        indicators_table_reset(table);
        s_put(table, hitech, root, "2023", cases[i].value);
        s_put(table, hitech, root, "2022Q4", 1); // superseded by the year (ends later)
        s_put(table, hitech, root, "2024", 2);   // after the year asked for
        sti_progress_t progress;
        int latest;
        indicators_table_progress(table, cat, indicators_table_group_at(table, 0), 2023, 0.10,
                                  &progress, &latest);
        assert_int_equal(progress.status, cases[i].status);
        assert_string_equal(indicators_table_value_at(table, latest)->period_text, "2023");
        if (i == 0) {
            assert_true(fabs(progress.completion - 0.645) < 0.0005);
            assert_true(fabs(progress.expected_completion - 0.6) < 1e-9);
        }
    }
    indicators_table_reset(table);
    s_put(table, sti_catalog_indicator_find(cat, "edz_national_rank"), root, "2023", 28);
    sti_progress_t progress;
    int latest;
    indicators_table_progress(table, cat, indicators_table_group_at(table, 0), 2023, 0.10,
                              &progress, &latest);
    assert_int_equal(progress.status, STI_STATUS_ACHIEVED);
    //  Below the root: no target of its own, no_target.
    const sti_org_unit_t *town = sti_catalog_org_find(cat, "town_a");
    indicators_table_reset(table);
    s_put(table, hitech, town, "2023", 850);
    indicators_table_progress(table, cat, indicators_table_group_at(table, 0), 2023, 0.10,
                              &progress, &latest);
    assert_int_equal(progress.status, STI_STATUS_NO_TARGET);
    //  Its own target, but no value of the baseline period to measure from.
    assert_int_equal(
        sti_catalog_org_target_set(cat, "hitech_enterprises", "town_a", 2025, 300, err, sizeof err),
        0);
    indicators_table_progress(table, cat, indicators_table_group_at(table, 0), 2023, 0.10,
                              &progress, &latest);
    assert_int_equal(progress.status, STI_STATUS_NO_TARGET);
    //  With its 2020 value (100): (250 - 100) / (300 - 100) = 0.75 against 0.6 expected.
    indicators_table_reset(table);
    s_put(table, hitech, town, "2023", 250);
    s_put(table, hitech, town, "2020", 100);
    indicators_table_progress(table, cat, indicators_table_group_at(table, 0), 2023, 0.10,
                              &progress, &latest);
    assert_int_equal(progress.status, STI_STATUS_ON_TRACK);
    assert_true(fabs(progress.completion - 0.75) < 1e-9);
    assert_true(fabs(progress.expected_completion - 0.6) < 1e-9);
    //  The district's progress does not use the town's target.
    assert_true(sti_catalog_final_target(cat, hitech, root)->value == 1000);
    assert_true(sti_catalog_final_target(cat, hitech, town)->value == 300);
    assert_int_equal(sti_catalog_org_target_clear(cat, "hitech_enterprises", "town_a", 2025), 0);
    assert_null(sti_catalog_final_target(cat, hitech, town));
    indicators_table_destroy(&table);
    sti_catalog_destroy(&cat);
}

//  The table remembers each group's records per catalog (indicators_table_records):
//  a target changed in place, another catalog, and the first one again are
//  each followed, without a reset between.
static void test_progress_follows_the_catalog(void **state)
{
    (void)state;
    sti_catalog_t *a = s_linping(), *b = s_linping();
    char err[256];
    assert_int_equal(sti_catalog_target_set(a, "hitech_enterprises", 2025, 1000, err, sizeof err),
                     0);
    assert_int_equal(sti_catalog_target_set(b, "hitech_enterprises", 2025, 1000, err, sizeof err),
                     0);
    const sti_indicator_t *hitech = sti_catalog_indicator_find(a, "hitech_enterprises");
    indicators_table_t *table = indicators_table_new();
    s_put(table, hitech, sti_catalog_org_find(a, "linping"), "2023", 850);
    s_put(table, hitech, sti_catalog_org_find(a, "town_a"), "2023", 250);
    s_put(table, hitech, sti_catalog_org_find(a, "town_a"), "2020", 100);
    const indicators_group_t *root = indicators_table_group_at(table, 0);
    const indicators_group_t *town = indicators_table_group_at(table, 1);
    sti_progress_t progress;
    int latest;
    indicators_table_progress(table, a, root, 2023, 0.10, &progress, &latest);
    assert_true(fabs(progress.completion - 0.645) < 0.0005);
    indicators_table_progress(table, a, town, 2023, 0.10, &progress, &latest);
    assert_int_equal(progress.status, STI_STATUS_NO_TARGET);
    //  Targets changed in place: the root's moves, the town's first list is found.
    assert_int_equal(sti_catalog_target_set(a, "hitech_enterprises", 2025, 2000, err, sizeof err),
                     0);
    assert_int_equal(
        sti_catalog_org_target_set(a, "hitech_enterprises", "town_a", 2025, 300, err, sizeof err),
        0);
    indicators_table_progress(table, a, root, 2023, 0.10, &progress, &latest);
    assert_true(progress.completion < 0.6);
    indicators_table_progress(table, a, town, 2023, 0.10, &progress, &latest);
    assert_int_equal(progress.status, STI_STATUS_ON_TRACK);
    assert_true(fabs(progress.completion - 0.75) < 1e-9);
    //  Another catalog: its records and targets (no town target there).
    const sti_indicator_t *indicator;
    const sti_org_unit_t *org;
    indicators_table_progress(table, b, root, 2023, 0.10, &progress, &latest);
    assert_true(fabs(progress.completion - 0.645) < 0.0005);
    indicators_table_records(table, b, town, &indicator, &org);
    assert_ptr_equal(indicator, sti_catalog_indicator_find(b, "hitech_enterprises"));
    assert_ptr_equal(org, sti_catalog_org_find(b, "town_a"));
    indicators_table_progress(table, b, town, 2023, 0.10, &progress, &latest);
    assert_int_equal(progress.status, STI_STATUS_NO_TARGET);
    //  And the first again.
    indicators_table_records(table, a, town, &indicator, &org);
    assert_ptr_equal(indicator, hitech);
    assert_ptr_equal(org, sti_catalog_org_find(a, "town_a"));
    indicators_table_progress(table, a, town, 2023, 0.10, &progress, &latest);
    assert_int_equal(progress.status, STI_STATUS_ON_TRACK);
    indicators_table_destroy(&table);
    sti_catalog_destroy(&b);
    sti_catalog_destroy(&a);
}

static void test_progress_flow_counts_whole_years(void **state)
{
    (void)state;
    sti_catalog_t *cat = s_linping();
    char err[256];
    assert_int_equal(sti_catalog_target_set(cat, "rd_expenditure", 2025, 50, err, sizeof err), 0);
    const sti_indicator_t *rd = sti_catalog_indicator_find(cat, "rd_expenditure");
    assert_int_equal(rd->kind, STI_KIND_FLOW);
    indicators_table_t *table = indicators_table_new();
    s_put(table, rd, sti_catalog_org_find(cat, "linping"), "2023Q2", 5);
    sti_progress_t progress;
    int latest;
    indicators_table_progress(table, cat, indicators_table_group_at(table, 0), 2023, 0.10,
                              &progress, &latest);
    assert_int_equal(progress.status, STI_STATUS_NO_DATA);
    assert_int_equal(latest, -1);
    s_put(table, rd, sti_catalog_org_find(cat, "linping"), "2022", 40);
    indicators_table_progress(table, cat, indicators_table_group_at(table, 0), 2023, 0.10,
                              &progress, &latest);
    assert_string_equal(indicators_table_value_at(table, latest)->period_text, "2022");
    indicators_table_destroy(&table);
    sti_catalog_destroy(&cat);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_record_round_trip),
        cmocka_unit_test(test_record_first),
        cmocka_unit_test(test_record_refusals),
        cmocka_unit_test(test_revision_round_trip),
        cmocka_unit_test(test_topic_and_subject),
        cmocka_unit_test(test_entry_id_order),
        cmocka_unit_test(test_table_lookup_and_growth),
        cmocka_unit_test(test_progress_worked_example),
        cmocka_unit_test(test_progress_follows_the_catalog),
        cmocka_unit_test(test_progress_flow_counts_whole_years),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
