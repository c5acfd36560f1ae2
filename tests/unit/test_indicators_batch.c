/*  Unit tests of indicators_batch: the closure of affected values,
    aggregation and derivation computed over a fake store of values (no
    Redis), a reported value winning over the sum, the applied-once rule
    (the same entry twice changes nothing), an unchanged value making no
    revision, and the status before and after carried by events.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "indicators_batch.h"
#include "sti_catalog_io.h"
#include "plan_dir.h"

#define S_STORE_MAX 64

//  A fake store: what Redis would hold, as encoded records.
typedef struct {
    const sti_indicator_t *indicator; // which value
    const sti_org_unit_t *org;        // where
    char period[STI_PERIOD_TEXT_MAX]; // when
    char bytes[512];                  // the encoded record
    size_t size;                      // its length
} s_stored_t;

static s_stored_t s_store[S_STORE_MAX];
static size_t s_stored;
static sti_catalog_t *s_cat;

static int s_setup(void **state)
{
    (void)state;
    char err[512] = "";
    s_cat = sti_catalog_load_dir(test_plan_dir(), err, sizeof err);
    if (!s_cat) {
        fail_msg("%s", err);
    }
    assert_int_equal(sti_catalog_org_add(s_cat, "town_a", "linping", "", "", err, sizeof err), 0);
    assert_int_equal(sti_catalog_org_add(s_cat, "town_b", "linping", "", "", err, sizeof err), 0);
    assert_int_equal(
        sti_catalog_target_set(s_cat, "hitech_enterprises", 2025, 1000, err, sizeof err), 0);
    s_stored = 0;
    return 0;
}

static int s_teardown(void **state)
{
    (void)state;
    sti_catalog_destroy(&s_cat);
    return 0;
}

static const sti_indicator_t *s_ind(const char *code)
{
    const sti_indicator_t *ind = sti_catalog_indicator_find(s_cat, code);
    assert_non_null(ind);
    return ind;
}

static const sti_org_unit_t *s_org(const char *code)
{
    const sti_org_unit_t *org = sti_catalog_org_find(s_cat, code);
    assert_non_null(org);
    return org;
}

//  Puts a record into the fake store (replacing one of the same key).
static void s_store_put(const sti_indicator_t *ind, const sti_org_unit_t *org, const char *period,
                        const indicators_record_t *record)
{
    s_stored_t *slot = NULL;
    for (size_t i = 0; i < s_stored && !slot; i++) {
        if (s_store[i].indicator == ind && s_store[i].org == org &&
            strcmp(s_store[i].period, period) == 0) {
            slot = &s_store[i];
        }
    }
    if (!slot) {
        assert_true(s_stored < S_STORE_MAX);
        slot = &s_store[s_stored++];
    }
    slot->indicator = ind;
    slot->org = org;
    snprintf(slot->period, sizeof slot->period, "%s", period);
    sti_writer_t *w = sti_writer_new();
    indicators_record_encode(record, w);
    const void *data = sti_writer_data(w, &slot->size);
    assert_true(slot->size <= sizeof slot->bytes);
    memcpy(slot->bytes, data, slot->size);
    sti_writer_destroy(&w);
}

static void s_store_reported(const char *ind, const char *org, const char *period, double v)
{
    indicators_record_t record = {
        .has_v = true, .v = v, .has_r = true, .r = v, .rev = 1, .src = "1-0"};
    s_store_put(s_ind(ind), s_org(org), period, &record);
}

//  Loads every value of the planned table from the fake store.
static void s_load(indicators_batch_t *batch)
{
    indicators_table_t *table = indicators_batch_table(batch);
    for (size_t v = 0; v < indicators_table_value_count(table); v++) {
        indicators_value_t *value = indicators_table_value_at(table, (int)v);
        const s_stored_t *found = NULL;
        for (size_t i = 0; i < s_stored && !found; i++) {
            if (s_store[i].indicator == value->indicator && s_store[i].org == value->org &&
                strcmp(s_store[i].period, value->period_text) == 0) {
                found = &s_store[i];
            }
        }
        char err[128];
        assert_int_equal(indicators_table_load(table, (int)v, found ? found->bytes : NULL,
                                               found ? found->size : 0, err, sizeof err),
                         0);
    }
}

//  Writes the batch's changed records back to the fake store.
static void s_commit(indicators_batch_t *batch)
{
    indicators_table_t *table = indicators_batch_table(batch);
    for (size_t v = 0; v < indicators_table_value_count(table); v++) {
        indicators_value_t *value = indicators_table_value_at(table, (int)v);
        if (value->dirty) {
            s_store_put(value->indicator, value->org, value->period_text, &value->record);
        }
    }
}

//  Adds an entry holding the given rows to batch.
static void s_add_entry(indicators_batch_t *batch, const char *entry_id, const char *rows[][4],
                        size_t count)
{
    indicators_entry_t entry = {"", "clerk", "test", 1700000000000, 0};
    snprintf(entry.id, sizeof entry.id, "%s", entry_id);
    indicators_batch_add_entry(batch, &entry);
    for (size_t i = 0; i < count; i++) {
        //  A value "withdraw:REASON" withdraws the reported value.
        bool withdraw = strncmp(rows[i][3], "withdraw:", 9) == 0;
        indicators_row_t row = {.indicator = s_ind(rows[i][0]),
                                .org = s_org(rows[i][1]),
                                .value = withdraw ? 0 : atof(rows[i][3]),
                                .withdraw = withdraw};
        snprintf(row.reason, sizeof row.reason, "%s", withdraw ? rows[i][3] + 9 : "");
        char err[128];
        assert_int_equal(
            sti_period_parse(rows[i][2], strlen(rows[i][2]), &row.period, err, sizeof err), 0);
        indicators_batch_add_row(batch, &row);
    }
}

//  Starts a batch with one entry holding the given rows.
static indicators_batch_t *s_batch(const char *entry_id, const char *rows[][4], size_t count)
{
    indicators_batch_t *batch = indicators_batch_new();
    indicators_batch_reset(batch, s_cat, 0.10);
    s_add_entry(batch, entry_id, rows, count);
    return batch;
}

static bool s_affected(indicators_batch_t *batch, const char *ind, const char *org,
                       const char *period)
{
    indicators_table_t *table = indicators_batch_table(batch);
    sti_period_t p;
    char err[64];
    sti_period_parse(period, strlen(period), &p, err, sizeof err);
    int at = indicators_table_find(table, s_ind(ind), s_org(org), &p);
    return at >= 0 && indicators_table_value_at(table, at)->affected;
}

static bool s_in_table(indicators_batch_t *batch, const char *ind, const char *org,
                       const char *period)
{
    sti_period_t p;
    char err[64];
    sti_period_parse(period, strlen(period), &p, err, sizeof err);
    return indicators_table_find(indicators_batch_table(batch), s_ind(ind), s_org(org), &p) >= 0;
}

static void test_closure(void **state)
{
    (void)state;
    const char *rows[][4] = {{"gdp", "town_a", "2023", "1000"}};
    indicators_batch_t *batch = s_batch("5-0", rows, 1);
    indicators_batch_plan(batch);
    assert_true(s_affected(batch, "gdp", "town_a", "2023"));
    assert_true(s_affected(batch, "rd_gdp_ratio", "town_a", "2023"));
    assert_true(s_affected(batch, "gdp", "linping", "2023"));
    assert_true(s_affected(batch, "rd_gdp_ratio", "linping", "2023"));
    //  Read, not changed: the ratio's other input, the sibling in the sum.
    assert_true(s_in_table(batch, "rd_expenditure", "town_a", "2023"));
    assert_true(s_in_table(batch, "rd_expenditure", "linping", "2023"));
    assert_true(s_in_table(batch, "gdp", "town_b", "2023"));
    assert_false(s_affected(batch, "gdp", "town_b", "2023"));
    assert_false(s_affected(batch, "rd_expenditure", "linping", "2023"));
    assert_int_equal(indicators_table_value_count(indicators_batch_table(batch)), 7);
    indicators_batch_destroy(&batch);
    //  A non-summable indicator stays at its org unit.
    const char *rank[][4] = {{"edz_national_rank", "town_a", "2023", "5"}};
    batch = s_batch("6-0", rank, 1);
    indicators_batch_plan(batch);
    assert_int_equal(indicators_table_value_count(indicators_batch_table(batch)), 1);
    indicators_batch_destroy(&batch);
}

//  Decodes change i's event data.
static sti_reader_t *s_event(indicators_batch_t *batch, size_t i)
{
    const indicators_change_t *change = indicators_batch_change_at(batch, i);
    char err[128];
    sti_reader_t *reader = sti_reader_new(indicators_batch_bytes(batch) + change->event_off,
                                          change->event_len, NULL, err, sizeof err);
    assert_non_null(reader);
    return reader;
}

static void s_assert_event(indicators_batch_t *batch, size_t i, const char *subject_ind,
                           const char *org, bool has_old, double old, double new_value,
                           const char *origin)
{
    sti_reader_t *reader = s_event(batch, i);
    sti_node_t root = sti_reader_root(reader);
    sti_field_error_t err;
    char text[64];
    assert_int_equal(sti_map_str_copy(root, "indicator", text, sizeof text, &err), 0);
    assert_string_equal(text, subject_ind);
    assert_int_equal(sti_map_str_copy(root, "org", text, sizeof text, &err), 0);
    assert_string_equal(text, org);
    assert_int_equal(sti_map_str_copy(root, "origin", text, sizeof text, &err), 0);
    assert_string_equal(text, origin);
    double v;
    assert_int_equal(sti_node_type(sti_node_get(root, "old")) == STI_TYPE_NIL, !has_old);
    if (has_old) {
        assert_int_equal(sti_map_double(root, "old", &v, &err), 0);
        assert_true(fabs(v - old) < 1e-9);
    }
    assert_int_equal(sti_map_double(root, "new", &v, &err), 0);
    assert_true(fabs(v - new_value) < 1e-9);
    sti_reader_destroy(&reader);
}

static void test_aggregate_and_derive(void **state)
{
    (void)state;
    s_store_reported("rd_expenditure", "linping", "2023", 30);
    s_store_reported("gdp", "town_b", "2023", 500);
    const char *rows[][4] = {{"gdp", "town_a", "2023", "1000"}};
    indicators_batch_t *batch = s_batch("5-0", rows, 1);
    indicators_batch_plan(batch);
    s_load(batch);
    size_t skipped;
    assert_int_equal(indicators_batch_compute(batch, &skipped), 1);
    assert_int_equal(skipped, 0);
    //  gdp@town_a reported; the town's ratio has no rd_expenditure: no
    //  value, no change; the district's sum 1500 and its ratio 100*30/1500.
    assert_int_equal(indicators_batch_change_count(batch), 3);
    s_assert_event(batch, 0, "gdp", "town_a", false, 0, 1000, "reported");
    s_assert_event(batch, 1, "gdp", "linping", false, 0, 1500, "aggregated");
    s_assert_event(batch, 2, "rd_gdp_ratio", "linping", false, 0, 2.0, "derived");
    s_commit(batch);
    indicators_batch_destroy(&batch);

    //  The same entry again changes nothing (applied once) ...
    batch = s_batch("5-0", rows, 1);
    indicators_batch_plan(batch);
    s_load(batch);
    assert_int_equal(indicators_batch_compute(batch, &skipped), 0);
    assert_int_equal(skipped, 1);
    assert_int_equal(indicators_batch_change_count(batch), 0);
    indicators_batch_destroy(&batch);
    //  ... and a later entry with the same value makes no revision.
    batch = s_batch("7-0", rows, 1);
    indicators_batch_plan(batch);
    s_load(batch);
    assert_int_equal(indicators_batch_compute(batch, &skipped), 0);
    assert_int_equal(skipped, 0);
    assert_int_equal(indicators_batch_change_count(batch), 0);
    indicators_batch_destroy(&batch);

    //  The district reporting exactly its sum: the effective value stays,
    //  but the district now reports it: a revision and its event (old ==
    //  new), which the overdue list's kept receipts rely on.
    const char *same[][4] = {{"gdp", "linping", "2023", "1500"}};
    batch = s_batch("7-5", same, 1);
    indicators_batch_plan(batch);
    s_load(batch);
    assert_int_equal(indicators_batch_compute(batch, &skipped), 1);
    assert_int_equal(indicators_batch_change_count(batch), 1);
    s_assert_event(batch, 0, "gdp", "linping", true, 1500, 1500, "reported");
    indicators_batch_destroy(&batch);

    //  A value reported for the district wins over the sum.
    const char *district[][4] = {{"gdp", "linping", "2023", "3000"},
                                 {"gdp", "town_b", "2023", "600"}};
    batch = s_batch("8-0", district, 2);
    indicators_batch_plan(batch);
    s_load(batch);
    assert_int_equal(indicators_batch_compute(batch, &skipped), 2);
    assert_int_equal(indicators_batch_change_count(batch), 3);
    s_assert_event(batch, 0, "gdp", "linping", true, 1500, 3000, "reported");
    s_assert_event(batch, 1, "rd_gdp_ratio", "linping", true, 2.0, 1.0, "derived");
    s_assert_event(batch, 2, "gdp", "town_b", true, 500, 600, "reported");
    const indicators_change_t *first = indicators_batch_change_at(batch, 0);
    assert_int_equal(first->revision, 2);
    indicators_batch_destroy(&batch);
}

//  A withdrawal: the value goes, the sum and the ratio follow, history keeps it.
static void test_withdraw(void **state)
{
    (void)state;
    //  Made-up figures.
    s_store_reported("rd_expenditure", "linping", "2024", 30);
    const char *rows[][4] = {{"gdp", "town_a", "2024", "1000"}, {"gdp", "town_b", "2024", "500"}};
    indicators_batch_t *batch = s_batch("20-0", rows, 2);
    indicators_batch_plan(batch);
    s_load(batch);
    size_t skipped;
    assert_int_equal(indicators_batch_compute(batch, &skipped), 2);
    s_commit(batch);
    indicators_batch_destroy(&batch);

    const char *withdraw[][4] = {{"gdp", "town_a", "2024", "withdraw:typed in 万元"}};
    batch = s_batch("21-0", withdraw, 1);
    indicators_batch_plan(batch);
    s_load(batch);
    assert_int_equal(indicators_batch_compute(batch, &skipped), 1);
    assert_int_equal(indicators_batch_change_count(batch), 3);
    sti_reader_t *reader = s_event(batch, 0);
    sti_node_t root = sti_reader_root(reader);
    sti_field_error_t err;
    char text[64];
    double v;
    assert_int_equal(sti_map_str_copy(root, "origin", text, sizeof text, &err), 0);
    assert_string_equal(text, "withdrawn");
    assert_int_equal(sti_map_str_copy(root, "reason", text, sizeof text, &err), 0);
    assert_string_equal(text, "typed in 万元");
    assert_int_equal(sti_node_type(sti_node_get(root, "new")), STI_TYPE_NIL);
    assert_int_equal(sti_map_double(root, "old", &v, &err), 0);
    assert_true(v == 1000);
    sti_reader_destroy(&reader);
    s_assert_event(batch, 1, "gdp", "linping", true, 1500, 500, "aggregated");
    s_assert_event(batch, 2, "rd_gdp_ratio", "linping", true, 2.0, 6.0, "derived");
    //  Only the withdrawn value's event carries the reason.
    for (size_t i = 1; i < 3; i++) {
        reader = s_event(batch, i);
        assert_int_equal(sti_node_type(sti_node_get(sti_reader_root(reader), "reason")),
                         STI_TYPE_NIL);
        sti_reader_destroy(&reader);
    }
    //  The revision says withdrawn, with the reason.
    const indicators_change_t *change = indicators_batch_change_at(batch, 0);
    indicators_revision_t revision;
    assert_int_equal(
        indicators_revision_decode(indicators_batch_bytes(batch) + change->revision_off,
                                   change->revision_len, &revision),
        0);
    assert_string_equal(revision.origin, "withdrawn");
    assert_string_equal(revision.reason, "typed in 万元");
    assert_false(revision.has_v);
    assert_int_equal(revision.rev, 2);
    s_commit(batch);
    indicators_batch_destroy(&batch);

    //  Withdrawn again: nothing is reported, nothing changes.
    batch = s_batch("22-0", withdraw, 1);
    indicators_batch_plan(batch);
    s_load(batch);
    assert_int_equal(indicators_batch_compute(batch, &skipped), 0);
    assert_int_equal(indicators_batch_change_count(batch), 0);
    indicators_batch_destroy(&batch);
}

static void test_status_on_events(void **state)
{
    (void)state;
    const char *rows[][4] = {{"hitech_enterprises", "linping", "2023", "850"},
                             {"hitech_enterprises", "linping", "2023", "800"}};
    indicators_batch_t *batch = s_batch("9-0", rows, 1);
    indicators_batch_plan(batch);
    assert_true(indicators_table_group_at(indicators_batch_table(batch), 0)->full);
    s_load(batch);
    size_t skipped;
    indicators_batch_compute(batch, &skipped);
    s_commit(batch);
    indicators_batch_destroy(&batch);
    batch = s_batch("10-0", rows + 1, 1);
    indicators_batch_plan(batch);
    s_load(batch);
    indicators_batch_compute(batch, &skipped);
    assert_int_equal(indicators_batch_change_count(batch), 1);
    sti_reader_t *reader = s_event(batch, 0);
    sti_node_t root = sti_reader_root(reader);
    sti_field_error_t err;
    char text[32];
    int64_t revision, year;
    double completion, target;
    assert_int_equal(sti_map_str_copy(root, "status_before", text, sizeof text, &err), 0);
    assert_string_equal(text, "on_track");
    assert_int_equal(sti_map_str_copy(root, "status_after", text, sizeof text, &err), 0);
    assert_string_equal(text, "lagging");
    assert_int_equal(sti_map_int(root, "revision", &revision, &err), 0);
    assert_int_equal(revision, 2);
    assert_int_equal(sti_map_double(root, "completion", &completion, &err), 0);
    assert_true(fabs(completion - 222.0 / 422.0) < 1e-9);
    assert_int_equal(sti_map_double(root, "target", &target, &err), 0);
    assert_true(target == 1000);
    assert_int_equal(sti_map_int(root, "target_year", &year, &err), 0);
    assert_int_equal(year, 2025);
    sti_reader_destroy(&reader);
    indicators_batch_destroy(&batch);
    indicators_batch_destroy(&batch);
}

//  A sum changes once per entry: from what it was before the entry to what
//  it is after, the deepest org units first; a row on a sum its children
//  moved in the same entry sees the sum as it stands.
static void test_sum_once_per_entry(void **state)
{
    (void)state;
    char err[128];
    assert_int_equal(sti_catalog_org_add(s_cat, "village_a", "town_a", "", "", err, sizeof err), 0);
    //  Made-up figures.
    s_store_reported("rd_expenditure", "linping", "2024", 30);
    const char *rows[][4] = {{"gdp", "village_a", "2024", "1000"},
                             {"gdp", "town_b", "2024", "500"}};
    indicators_batch_t *batch = s_batch("40-0", rows, 2);
    indicators_batch_plan(batch);
    s_load(batch);
    size_t skipped;
    assert_int_equal(indicators_batch_compute(batch, &skipped), 2);
    //  The village, town_b, then town_a's sum and the district's once each
    //  (not 1000 then 1500, nor 500 then 1500), and the district's ratio.
    assert_int_equal(indicators_batch_change_count(batch), 5);
    s_assert_event(batch, 0, "gdp", "village_a", false, 0, 1000, "reported");
    s_assert_event(batch, 1, "gdp", "town_b", false, 0, 500, "reported");
    s_assert_event(batch, 2, "gdp", "town_a", false, 0, 1000, "aggregated");
    s_assert_event(batch, 3, "gdp", "linping", false, 0, 1500, "aggregated");
    s_assert_event(batch, 4, "rd_gdp_ratio", "linping", false, 0, 2.0, "derived");
    assert_int_equal(indicators_batch_change_at(batch, 3)->revision, 1);
    s_commit(batch);
    indicators_batch_destroy(&batch);

    //  Two entries in one batch: the sum changes once in each, after its rows.
    const char *first[][4] = {{"gdp", "town_b", "2024", "700"}};
    const char *second[][4] = {{"gdp", "town_b", "2024", "900"}};
    batch = s_batch("41-0", first, 1);
    s_add_entry(batch, "42-0", second, 1);
    indicators_batch_plan(batch);
    s_load(batch);
    assert_int_equal(indicators_batch_compute(batch, &skipped), 2);
    assert_int_equal(indicators_batch_change_count(batch), 6);
    s_assert_event(batch, 1, "gdp", "linping", true, 1500, 1700, "aggregated");
    assert_int_equal(indicators_batch_change_at(batch, 1)->entry, 0);
    s_assert_event(batch, 4, "gdp", "linping", true, 1700, 1900, "aggregated");
    assert_int_equal(indicators_batch_change_at(batch, 4)->entry, 1);
    s_commit(batch);
    indicators_batch_destroy(&batch);

    //  The district reports, then withdraws after a town moved in the same
    //  entry: the withdrawal falls back to the sum with the town's new value.
    const char *report[][4] = {{"gdp", "linping", "2024", "5000"}};
    batch = s_batch("43-0", report, 1);
    indicators_batch_plan(batch);
    s_load(batch);
    assert_int_equal(indicators_batch_compute(batch, &skipped), 1);
    s_commit(batch);
    indicators_batch_destroy(&batch);
    const char *moved[][4] = {{"gdp", "town_b", "2024", "2000"},
                              {"gdp", "linping", "2024", "withdraw:typed twice"}};
    batch = s_batch("44-0", moved, 2);
    indicators_batch_plan(batch);
    s_load(batch);
    assert_int_equal(indicators_batch_compute(batch, &skipped), 2);
    assert_int_equal(indicators_batch_change_count(batch), 3);
    s_assert_event(batch, 0, "gdp", "town_b", true, 900, 2000, "reported");
    s_assert_event(batch, 1, "gdp", "linping", true, 5000, 3000, "withdrawn");
    s_assert_event(batch, 2, "rd_gdp_ratio", "linping", true, 0.6, 1.0, "derived");
    indicators_batch_destroy(&batch);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_closure, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_aggregate_and_derive, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_withdraw, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_status_on_events, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_sum_once_per_entry, s_setup, s_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
