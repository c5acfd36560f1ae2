/*  Unit tests of indicators_store against a throw-away redis-server: the
    hashes of values are read into a table (a field that is not a period
    skipped, a record that does not decode read as absent), revisions come
    back oldest first (one that does not decode with its defaults), and the
    same asked by period across several asks in one round trip, a
    snapshot pages through every hash with the event seq read first, and a
    batch is read and written in one call, refused when another writer
    changed a value in between; a value's only revision is kept in its
    record and moved to its list by the second, and a value whose list was
    written before records kept one goes on in that list.
*/
#include "indicators_fixture.h"

static int s_setup(void **state)
{
    static test_indicators_t fx;
    test_indicators_start(&fx);
    *state = &fx;
    return 0;
}

static int s_teardown(void **state)
{
    test_indicators_stop((test_indicators_t *)*state);
    return 0;
}

static const sti_catalog_t *s_catalog(test_indicators_t *fx)
{
    sti_errcode_t code;
    char err[256];
    const sti_catalog_t *catalog = sti_catalog_store_get(fx->catalog, &code, err, sizeof err);
    assert_non_null(catalog);
    return catalog;
}

//  HSETs field of key to a record of value v, revision rev.
static void s_put(test_indicators_t *fx, const char *key, const char *field, double v, int rev)
{
    indicators_record_t record = {.has_v = true, .v = v, .has_r = true, .r = v, .rev = rev};
    sti_writer_t *writer = sti_writer_new();
    indicators_record_encode(&record, writer);
    size_t size;
    const char *data = (const char *)sti_writer_data(writer, &size);
    redisReply *reply = sti_redis_command(fx->redis, "HSET %s %s %b", key, field, data, size);
    assert_non_null(reply);
    freeReplyObject(reply);
    sti_writer_destroy(&writer);
}

static void test_read_hashes(void **state)
{
    test_indicators_t *fx = (test_indicators_t *)*state;
    const sti_catalog_t *catalog = s_catalog(fx);
    s_put(fx, "ut:val:gdp:linping", "2023", 1000, 1);
    s_put(fx, "ut:val:gdp:linping", "2022", 900, 2);
    s_put(fx, "ut:val:gdp:linping", "someday", 1, 1); // not a period: skipped
    freeReplyObject(sti_redis_command(fx->redis, "HSET ut:val:gdp:linping 2021 garbage"));
    s_put(fx, "ut:val:tech_smes:linping", "2023-05", 7, 1);
    const sti_indicator_t *indicators[] = {sti_catalog_indicator_find(catalog, "gdp"),
                                           sti_catalog_indicator_find(catalog, "tech_smes"),
                                           sti_catalog_indicator_find(catalog, "incubators")};
    const sti_org_unit_t *root = sti_catalog_org_root(catalog);
    indicators_table_t *table = indicators_table_new();
    assert_int_equal(indicators_store_read_hashes(fx->store, table, indicators, 3, root), 0);
    assert_int_equal(indicators_table_group_count(table), 3);
    assert_int_equal(indicators_table_value_count(table), 4); // 2023, 2022, 2021, 2023-05
    sti_period_t period;
    char err[128];
    assert_int_equal(sti_period_parse("2022", 4, &period, err, sizeof err), 0);
    int at = indicators_table_find(table, indicators[0], root, &period);
    assert_true(at >= 0);
    assert_true(indicators_table_value_at(table, at)->record.v == 900);
    assert_int_equal(indicators_table_value_at(table, at)->record.rev, 2);
    assert_int_equal(sti_period_parse("2021", 4, &period, err, sizeof err), 0);
    at = indicators_table_find(table, indicators[0], root, &period);
    assert_false(indicators_table_value_at(table, at)->record.has_v); // did not decode
    indicators_table_destroy(&table);
}

//  Collects what read_revisions hands over.
typedef struct {
    size_t points;   // calls
    size_t count[4]; // revisions of each point
    int64_t rev[4];  // the first revision's number of each point
    char origin[16]; // the second point's last revision's origin
} s_seen_t;

static void s_on_revisions(void *arg, size_t point, const indicators_revision_t *revisions,
                           size_t count)
{
    s_seen_t *seen = (s_seen_t *)arg;
    assert_int_equal(point, seen->points);
    seen->count[point] = count;
    seen->rev[point] = count ? revisions[0].rev : -1;
    if (point == 1 && count) {
        snprintf(seen->origin, sizeof seen->origin, "%s", revisions[count - 1].origin);
    }
    seen->points++;
}

static void test_read_revisions(void **state)
{
    test_indicators_t *fx = (test_indicators_t *)*state;
    const sti_catalog_t *catalog = s_catalog(fx);
    sti_writer_t *writer = sti_writer_new();
    for (int rev = 1; rev <= 3; rev++) {
        indicators_revision_t revision = {.rev = rev, .has_v = true, .v = rev * 10, .t = 1};
        snprintf(revision.origin, sizeof revision.origin, "%s", rev == 3 ? "derived" : "reported");
        sti_writer_reset(writer);
        indicators_revision_encode(&revision, writer);
        size_t size;
        const char *data = (const char *)sti_writer_data(writer, &size);
        freeReplyObject(
            sti_redis_command(fx->redis, "RPUSH ut:rev:gdp:linping:2023 %b", data, size));
    }
    freeReplyObject(sti_redis_command(fx->redis, "RPUSH ut:rev:gdp:linping:2022 garbage"));
    sti_writer_destroy(&writer);
    const sti_indicator_t *gdp = sti_catalog_indicator_find(catalog, "gdp");
    const sti_org_unit_t *root = sti_catalog_org_root(catalog);
    indicators_table_t *table = indicators_table_new();
    indicators_store_history_t *history = indicators_store_history_new(fx->store);
    sti_period_t y2022, y2023, y2024;
    char err[128];
    sti_period_parse("2022", 4, &y2022, err, sizeof err);
    sti_period_parse("2023", 4, &y2023, err, sizeof err);
    sti_period_parse("2024", 4, &y2024, err, sizeof err);
    int values[] = {indicators_table_value(table, gdp, root, &y2022),
                    indicators_table_value(table, gdp, root, &y2023),
                    indicators_table_value(table, gdp, root, &y2024)};
    s_seen_t seen = {0};
    assert_int_equal(
        indicators_store_history_values(history, table, values, 3, s_on_revisions, &seen), 0);
    assert_int_equal(seen.points, 3);
    assert_int_equal(seen.count[0], 1);
    assert_int_equal(seen.rev[0], 0); // did not decode: the defaults
    assert_int_equal(seen.count[1], 3);
    assert_int_equal(seen.rev[1], 1); // oldest first
    assert_string_equal(seen.origin, "derived");
    assert_int_equal(seen.count[2], 0);
    indicators_table_destroy(&table);
    //  The same values asked by period, across two asks: the same revisions.
    sti_period_t two[] = {y2022, y2023};
    indicators_store_ask_t asks[] = {{gdp, root, two, 2}, {gdp, root, &y2024, 1}};
    memset(&seen, 0, sizeof seen);
    assert_int_equal(indicators_store_history_asks(history, asks, 2, s_on_revisions, &seen), 0);
    assert_int_equal(seen.points, 3);
    assert_int_equal(seen.rev[0], 0);
    assert_int_equal(seen.count[1], 3);
    assert_int_equal(seen.rev[1], 1);
    assert_string_equal(seen.origin, "derived");
    assert_int_equal(seen.count[2], 0);
    indicators_store_history_destroy(&history);
}

static void test_snapshot_pages(void **state)
{
    test_indicators_t *fx = (test_indicators_t *)*state;
    s_put(fx, "ut:val:gdp:linping", "2023", 1000, 1);
    s_put(fx, "ut:val:gdp:linping", "2022", 900, 1);
    s_put(fx, "ut:val:tech_smes:linping", "2023-05", 7, 3);
    freeReplyObject(sti_redis_command(fx->redis, "ZADD ut:vals 0 gdp:linping 0 tech_smes:linping"));
    freeReplyObject(sti_redis_command(fx->redis, "SET ut:events:ind:seq 42"));
    indicators_snapshot_page_t page;
    assert_int_equal(indicators_store_snapshot(fx->store, "", 1, &page), 0);
    assert_int_equal(page.seq, 42);
    assert_int_equal(page.count, 2);
    assert_int_equal(page.values[0].indicator_len, 3);
    assert_memory_equal(page.values[0].indicator, "gdp", 3);
    assert_memory_equal(page.values[0].org, "linping", 7);
    assert_non_null(page.next);
    char after[64];
    snprintf(after, sizeof after, "%.*s", (int)page.next_len, page.next);
    assert_string_equal(after, "gdp:linping");
    assert_int_equal(indicators_store_snapshot(fx->store, after, 1, &page), 0);
    assert_int_equal(page.count, 1);
    assert_memory_equal(page.values[0].period, "2023-05", 7);
    assert_int_equal(page.values[0].record.rev, 3);
    assert_non_null(page.next); // a full page: there may be more
    snprintf(after, sizeof after, "%.*s", (int)page.next_len, page.next);
    assert_int_equal(indicators_store_snapshot(fx->store, after, 1, &page), 0);
    assert_int_equal(page.count, 0);
    assert_null(page.next);
    assert_int_equal(indicators_store_snapshot(fx->store, "", 10, &page), 0);
    assert_int_equal(page.count, 3);
    assert_null(page.next);
}

//  A batch of one entry with one row: tech_smes at linping, 2023-05 = value.
static void s_batch(test_indicators_t *fx, indicators_batch_t *batch, const char *id, double value)
{
    const sti_catalog_t *catalog = s_catalog(fx);
    indicators_batch_reset(batch, catalog, 0.10);
    indicators_entry_t entry = {.time = 1700000000000};
    snprintf(entry.id, sizeof entry.id, "%s", id);
    indicators_batch_add_entry(batch, &entry);
    indicators_row_t row = {.indicator = sti_catalog_indicator_find(catalog, "tech_smes"),
                            .org = sti_catalog_org_root(catalog),
                            .value = value};
    char err[128];
    assert_int_equal(sti_period_parse("2023-05", 7, &row.period, err, sizeof err), 0);
    indicators_batch_add_row(batch, &row);
    indicators_batch_plan(batch);
}

static void test_write_batch(void **state)
{
    test_indicators_t *fx = (test_indicators_t *)*state;
    indicators_batch_t *batch = indicators_batch_new();
    s_batch(fx, batch, "1700000000000-0", 12);
    assert_int_equal(indicators_store_read_batch(fx->store, batch, NULL, 0), 0);
    size_t skipped;
    assert_int_equal(indicators_batch_compute(batch, &skipped), 1);
    indicators_written_t written;
    indicators_store_write(fx->store, batch, 0, 1, fx->pub, "2026-01-01T00:00:00.000Z", &written);
    assert_int_equal(written.outcome, INDICATORS_WRITE_DONE);
    assert_int_equal(written.first, 1);
    assert_int_equal(written.last, 1);
    assert_non_null(written.prevs);
    assert_int_equal(written.prevs[0], 0);
    assert_int_equal(test_indicators_integer(fx, "HLEN ut:val:tech_smes:linping"), 1);
    test_indicators_history_t history;
    assert_int_equal(test_indicators_revisions(fx, "tech_smes", "linping", "2023-05", &history), 1);
    assert_int_equal(test_indicators_integer(fx, "ZCARD ut:vals"), 1);
    assert_int_equal(test_indicators_integer(fx, "XLEN ut:events:ind"), 1);
    //  Another writer changes the value between the read and the write.
    s_batch(fx, batch, "1700000000001-0", 13);
    assert_int_equal(indicators_store_read_batch(fx->store, batch, NULL, 0), 0);
    assert_int_equal(indicators_batch_compute(batch, &skipped), 1);
    s_put(fx, "ut:val:tech_smes:linping", "2023-05", 99, 5);
    indicators_store_write(fx->store, batch, 0, 1, fx->pub, "2026-01-01T00:00:00.000Z", &written);
    assert_int_equal(written.outcome, INDICATORS_WRITE_CONFLICT);
    assert_int_equal(test_indicators_integer(fx, "XLEN ut:events:ind"), 1);
    indicators_batch_destroy(&batch);
}

//  Applies one row of value to tech_smes/linping/2023-05 from entry id and
//  checks that it was written; returns the revision bytes the batch made
//  for it (caller frees).
static char *s_write_one(test_indicators_t *fx, const char *id, double value, size_t *size)
{
    indicators_batch_t *batch = indicators_batch_new();
    s_batch(fx, batch, id, value);
    assert_int_equal(indicators_store_read_batch(fx->store, batch, NULL, 0), 0);
    size_t skipped;
    assert_int_equal(indicators_batch_compute(batch, &skipped), 1);
    indicators_written_t written;
    indicators_store_write(fx->store, batch, 0, 1, fx->pub, "2026-01-01T00:00:00.000Z", &written);
    assert_int_equal(written.outcome, INDICATORS_WRITE_DONE);
    const indicators_change_t *change = indicators_batch_change_at(batch, 0);
    *size = change->revision_len;
    char *bytes = (char *)malloc(*size);
    assert_non_null(bytes);
    memcpy(bytes, indicators_batch_bytes(batch) + change->revision_off, *size);
    indicators_batch_destroy(&batch);
    return bytes;
}

//  Whether element i of the value's revision list is exactly bytes.
static bool s_list_holds(test_indicators_t *fx, int i, const char *bytes, size_t size)
{
    redisReply *reply =
        sti_redis_command(fx->redis, "LINDEX ut:rev:tech_smes:linping:2023-05 %d", i);
    assert_non_null(reply);
    bool same = reply->type == REDIS_REPLY_STRING && reply->len == size &&
                memcmp(reply->str, bytes, size) == 0;
    freeReplyObject(reply);
    return same;
}

//  A value's only revision is kept in its record (no list); the second
//  moves it to the list, byte for byte as the batch made it, before its own.
static void test_first_revision_kept(void **state)
{
    test_indicators_t *fx = (test_indicators_t *)*state;
    size_t first_size, second_size;
    char *first = s_write_one(fx, "1700000000000-0", 12, &first_size);
    assert_int_equal(test_indicators_integer(fx, "EXISTS ut:rev:tech_smes:linping:2023-05"), 0);
    test_indicators_history_t history;
    assert_int_equal(test_indicators_revisions(fx, "tech_smes", "linping", "2023-05", &history), 1);
    const indicators_revision_t *kept = &history.revisions[0];
    assert_int_equal(kept->rev, 1);
    assert_true(kept->has_v && kept->v == 12);
    assert_string_equal(kept->origin, "reported");
    assert_string_equal(kept->entry, "1700000000000-0");
    assert_int_equal(kept->t, 1700000000000);
    //  Encoded again, it is the revision the batch made.
    sti_writer_t *w = sti_writer_new();
    indicators_revision_encode(kept, w);
    size_t size;
    const void *data = sti_writer_data(w, &size);
    assert_true(size == first_size && memcmp(data, first, size) == 0);
    sti_writer_destroy(&w);

    char *second = s_write_one(fx, "1700000000001-0", 13, &second_size);
    assert_int_equal(test_indicators_integer(fx, "LLEN ut:rev:tech_smes:linping:2023-05"), 2);
    assert_true(s_list_holds(fx, 0, first, first_size));
    assert_true(s_list_holds(fx, 1, second, second_size));
    assert_int_equal(test_indicators_revisions(fx, "tech_smes", "linping", "2023-05", &history), 2);
    assert_int_equal(history.revisions[1].rev, 2);
    //  The record keeps no revision now.
    redisReply *reply = sti_redis_command(fx->redis, "HGET ut:val:tech_smes:linping 2023-05");
    assert_non_null(reply);
    indicators_record_t record;
    char err[128];
    assert_int_equal(indicators_record_decode(reply->str, reply->len, &record, err, sizeof err), 0);
    assert_false(record.has_first);
    assert_int_equal(record.rev, 2);
    freeReplyObject(reply);
    free(first);
    free(second);
}

//  A value written before records kept a revision (its list holds revision
//  1, its record none) gets its second revision appended to that list.
static void test_list_of_before(void **state)
{
    test_indicators_t *fx = (test_indicators_t *)*state;
    size_t first_size, second_size;
    char *first = s_write_one(fx, "1700000000000-0", 12, &first_size);
    //  Made into the layout of before: the revision in the list, the record plain.
    redisReply *reply = sti_redis_command(fx->redis, "RPUSH ut:rev:tech_smes:linping:2023-05 %b",
                                          first, first_size);
    freeReplyObject(reply);
    reply = sti_redis_command(fx->redis, "HGET ut:val:tech_smes:linping 2023-05");
    indicators_record_t record;
    char err[128];
    assert_int_equal(indicators_record_decode(reply->str, reply->len, &record, err, sizeof err), 0);
    freeReplyObject(reply);
    assert_true(record.has_first);
    record.has_first = false;
    sti_writer_t *w = sti_writer_new();
    indicators_record_encode(&record, w);
    size_t size;
    const void *data = sti_writer_data(w, &size);
    freeReplyObject(
        sti_redis_command(fx->redis, "HSET ut:val:tech_smes:linping 2023-05 %b", data, size));
    sti_writer_destroy(&w);
    test_indicators_history_t history;
    assert_int_equal(test_indicators_revisions(fx, "tech_smes", "linping", "2023-05", &history), 1);

    char *second = s_write_one(fx, "1700000000001-0", 13, &second_size);
    assert_int_equal(test_indicators_integer(fx, "LLEN ut:rev:tech_smes:linping:2023-05"), 2);
    assert_true(s_list_holds(fx, 0, first, first_size));
    assert_true(s_list_holds(fx, 1, second, second_size));
    free(first);
    free(second);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_read_hashes, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_read_revisions, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_snapshot_pages, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_write_batch, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_first_revision_kept, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_list_of_before, s_setup, s_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
