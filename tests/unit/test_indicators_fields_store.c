/*  Unit tests of indicators_fields_store against a throw-away
    redis-server: the periods asked of several hashes come back in the
    order asked, each value with its record (an absent field, a record that
    does not decode and a hash that does not exist read as absent); the
    same read into a table makes every ask's group and a value of each
    period; HKEYS gives the periods a hash holds (a field that is not a
    period skipped, none for a hash that does not exist); a read on a
    broken connection fails and still hands over every value as absent.
*/
#include "indicators_fields_store.h"
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

//  HSETs field of key to a record of value v, revision rev, time t.
static void s_put(test_indicators_t *fx, const char *key, const char *field, double v, int rev)
{
    indicators_record_t record = {
        .has_v = true, .v = v, .has_r = true, .r = v, .rev = rev, .t = 1000 + rev};
    sti_writer_t *writer = sti_writer_new();
    indicators_record_encode(&record, writer);
    size_t size;
    const char *data = (const char *)sti_writer_data(writer, &size);
    redisReply *reply = sti_redis_command(fx->redis, "HSET %s %s %b", key, field, data, size);
    assert_non_null(reply);
    freeReplyObject(reply);
    sti_writer_destroy(&writer);
}

static sti_period_t s_period(const char *text)
{
    sti_period_t period;
    char err[128];
    assert_int_equal(sti_period_parse(text, strlen(text), &period, err, sizeof err), 0);
    return period;
}

//  What the values read hand over, in order.
typedef struct {
    size_t calls;    // values handed over
    size_t ask[8];   // the ask of each
    size_t point[8]; // its point
    double v[8];     // its value, -1 when absent
} s_seen_t;

static void s_on_value(void *arg, size_t ask, size_t point, const indicators_record_t *record)
{
    s_seen_t *seen = (s_seen_t *)arg;
    assert_true(seen->calls < 8);
    seen->ask[seen->calls] = ask;
    seen->point[seen->calls] = point;
    seen->v[seen->calls++] = record ? record->v : -1;
}

static void test_values(void **state)
{
    test_indicators_t *fx = (test_indicators_t *)*state;
    const sti_catalog_t *catalog = s_catalog(fx);
    s_put(fx, "ut:val:gdp:linping", "2023", 1000, 1);
    s_put(fx, "ut:val:gdp:linping", "2022", 900, 2);
    freeReplyObject(sti_redis_command(fx->redis, "HSET ut:val:gdp:linping 2021 garbage"));
    s_put(fx, "ut:val:tech_smes:linping", "2023-05", 7, 1);
    const sti_org_unit_t *root = sti_catalog_org_root(catalog);
    const sti_indicator_t *gdp = sti_catalog_indicator_find(catalog, "gdp");
    const sti_indicator_t *smes = sti_catalog_indicator_find(catalog, "tech_smes");
    const sti_indicator_t *incubators = sti_catalog_indicator_find(catalog, "incubators");
    sti_period_t gdp_periods[] = {s_period("2022"), s_period("2021"), s_period("2024"),
                                  s_period("2023")};
    sti_period_t smes_periods[] = {s_period("2023-05")};
    sti_period_t none[] = {s_period("2023")};
    indicators_store_ask_t asks[] = {{gdp, root, gdp_periods, 4},
                                     {incubators, root, NULL, 0}, // no period: nothing sent
                                     {smes, root, smes_periods, 1},
                                     {incubators, root, none, 1}}; // no such hash
    indicators_fields_store_t *reads = indicators_fields_store_new(fx->store);
    s_seen_t seen = {0};
    assert_int_equal(indicators_fields_store_values(reads, asks, 4, s_on_value, &seen), 0);
    assert_int_equal(seen.calls, 6);
    double want[] = {900, -1, -1, 1000, 7, -1}; // 2021 does not decode, 2024 is absent
    size_t want_ask[] = {0, 0, 0, 0, 2, 3}, want_point[] = {0, 1, 2, 3, 0, 0};
    for (size_t i = 0; i < 6; i++) {
        assert_true(seen.v[i] == want[i]);
        assert_int_equal(seen.ask[i], want_ask[i]);
        assert_int_equal(seen.point[i], want_point[i]);
    }

    //  Into a table: a group per ask, a value per period asked.
    indicators_table_t *table = indicators_table_new();
    assert_int_equal(indicators_fields_store_table(reads, table, asks, 4), 0);
    assert_int_equal(indicators_table_group_count(table), 3);
    assert_int_equal(indicators_table_value_count(table), 6);
    int at = indicators_table_find(table, gdp, root, &gdp_periods[3]);
    assert_true(at >= 0);
    const indicators_value_t *value = indicators_table_value_at(table, at);
    assert_true(value->loaded && value->exists && value->record.v == 1000);
    assert_int_equal(value->record.t, 1001);
    at = indicators_table_find(table, gdp, root, &gdp_periods[2]);
    assert_true(at >= 0);
    value = indicators_table_value_at(table, at);
    assert_true(value->loaded && !value->exists && !value->record.has_v);
    indicators_table_destroy(&table);
    indicators_fields_store_destroy(&reads);
}

//  What the periods read hand over.
typedef struct {
    size_t calls;     // hashes handed over
    size_t count[4];  // periods of each
    bool has_2023[4]; // whether 2023 is among them
} s_periods_seen_t;

static void s_on_periods(void *arg, size_t ask, const sti_period_t *periods, size_t count)
{
    s_periods_seen_t *seen = (s_periods_seen_t *)arg;
    assert_int_equal(ask, seen->calls);
    sti_period_t y2023 = s_period("2023");
    seen->count[ask] = count;
    for (size_t k = 0; k < count; k++) {
        seen->has_2023[ask] = seen->has_2023[ask] || sti_period_compare(&periods[k], &y2023) == 0;
    }
    seen->calls++;
}

static void test_periods(void **state)
{
    test_indicators_t *fx = (test_indicators_t *)*state;
    const sti_catalog_t *catalog = s_catalog(fx);
    s_put(fx, "ut:val:gdp:linping", "2023", 1000, 1);
    s_put(fx, "ut:val:gdp:linping", "2022-04", 900, 1);
    s_put(fx, "ut:val:gdp:linping", "someday", 1, 1); // not a period: skipped
    const sti_org_unit_t *root = sti_catalog_org_root(catalog);
    indicators_store_ask_t asks[] = {
        {sti_catalog_indicator_find(catalog, "gdp"), root, NULL, 0},
        {sti_catalog_indicator_find(catalog, "incubators"), root, NULL, 0}};
    indicators_fields_store_t *reads = indicators_fields_store_new(fx->store);
    s_periods_seen_t seen = {0};
    assert_int_equal(indicators_fields_store_periods(reads, asks, 2, s_on_periods, &seen), 0);
    assert_int_equal(seen.calls, 2);
    assert_int_equal(seen.count[0], 2);
    assert_true(seen.has_2023[0]);
    assert_int_equal(seen.count[1], 0);

    //  Redis gone: the read fails, every value is still handed over, absent.
    test_redis_stop(&fx->server);
    sti_period_t y2023 = s_period("2023");
    indicators_store_ask_t values[] = {{asks[0].indicator, root, &y2023, 1}};
    s_seen_t gone = {0};
    assert_int_equal(indicators_fields_store_values(reads, values, 1, s_on_value, &gone), -1);
    assert_int_equal(gone.calls, 1);
    assert_true(gone.v[0] == -1);
    memset(&seen, 0, sizeof seen);
    assert_int_equal(indicators_fields_store_periods(reads, asks, 2, s_on_periods, &seen), -1);
    assert_int_equal(seen.calls, 2);
    assert_int_equal(seen.count[0], 0);
    indicators_fields_store_destroy(&reads);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_values, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_periods, s_setup, s_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
