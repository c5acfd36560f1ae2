/*  Unit tests of indicators_apply against a throw-away redis-server: a
    batch of intake entries is applied in one Lua call (values, revisions,
    events in the log, entries acknowledged); applying the same entries again
    through the apply function changes nothing; an entry that does not
    decode is acknowledged and counted, and the entries after it applied.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "indicators_apply.h"
#include "redis_server.h"
#include "sti_catalog_store.h"
#include "sti_intake.h"

static test_redis_t s_server;
static char s_plan_dir[4096];

//  Everything one test needs, torn down in reverse.
typedef struct {
    sti_redis_t *redis;         // the connection
    sti_catalog_store_t *store; // the catalog
    sti_events_pub_t *pub;      // publisher on "ind"
    sti_http_t *http;           // metrics
    indicators_apply_config_t config;  // consumer settings
    indicators_apply_t *apply;         // the applier
} s_fixture_t;

static int s_setup(void **state)
{
    static s_fixture_t fx;
    memset(&fx, 0, sizeof fx);
    test_redis_start(&s_server, NULL);
    char err[512] = "";
    fx.redis = sti_redis_new(s_server.url, "ut", err, sizeof err);
    assert_non_null(fx.redis);
    assert_int_equal(sti_redis_wait(fx.redis, 5000), 0);
    fx.store = sti_catalog_store_new(fx.redis);
    const char *here = __FILE__;
    const char *tail = strstr(here, "tests/unit/");
    snprintf(s_plan_dir, sizeof s_plan_dir, "%.*sdata/plans/linping-2021-2025", (int)(tail - here),
             here);
    sti_catalog_t *plan = sti_catalog_load_dir(s_plan_dir, err, sizeof err);
    assert_non_null(plan);
    bool changed;
    assert_int_equal(sti_catalog_store_put_plan(fx.store, plan, &changed, err, sizeof err),
                     STI_ERR_NONE);
    sti_catalog_destroy(&plan);
    fx.pub = sti_events_pub_new(fx.redis, "ind", "inproc://ind-apply-test", "sti-indicators");
    assert_non_null(fx.pub);
    fx.http = sti_http_new("127.0.0.1:0", NULL, NULL, err, sizeof err);
    assert_non_null(fx.http);
    fx.config = (indicators_apply_config_t){.group = "indicators",
                                     .consumer = "unit-1",
                                     .intake_key = "intake",
                                     .batch_entries = 16,
                                     .batch_rows = 5,
                                     .claim_idle_ms = 30000,
                                     .claim_every_ms = 5000,
                                     .forget_idle_ms = 3600000,
                                     .tick_budget_ms = 50,
                                     .tick_ms = 10,
                                     .events_maxlen = 1000000,
                                     .tolerance = 0.10};
    fx.apply = indicators_apply_new(fx.redis, fx.store, fx.pub, fx.http, &fx.config);
    *state = &fx;
    return 0;
}

static int s_teardown(void **state)
{
    s_fixture_t *fx = (s_fixture_t *)*state;
    indicators_apply_destroy(&fx->apply);
    indicators_apply_destroy(&fx->apply);
    sti_http_destroy(&fx->http);
    sti_events_pub_destroy(&fx->pub);
    sti_catalog_store_destroy(&fx->store);
    sti_redis_destroy(&fx->redis);
    test_redis_stop(&s_server);
    return 0;
}

//  Appends an intake entry (sti_intake) whose rows field holds rows_bytes.
static void s_intake(s_fixture_t *fx, const char *rows_bytes, size_t rows_len)
{
    sti_intake_entry_t entry = {.request = "r", .submitter = "clerk", .source = "s",
                                .time = 1700000000000, .rows = rows_bytes, .rows_size = rows_len};
    sti_intake_args_t args;
    sti_intake_entry_args(&entry, &args);
    const char *argv[3 + STI_INTAKE_ARGS] = {"XADD", "ut:intake", "*"};
    size_t lens[3 + STI_INTAKE_ARGS] = {4, 9, 1};
    memcpy(argv + 3, args.argv, sizeof args.argv);
    memcpy(lens + 3, args.lens, sizeof args.lens);
    redisReply *reply = sti_redis_argv(fx->redis, 3 + STI_INTAKE_ARGS, argv, lens);
    assert_non_null(reply);
    assert_int_equal(reply->type, REDIS_REPLY_STRING);
    freeReplyObject(reply);
}

//  Appends an entry of the rows (indicator, orgs[i], periods[i], values[i]).
static void s_intake_write(s_fixture_t *fx, const char *indicator, const char *const *orgs,
                           const char *const *periods, const double *values, size_t count)
{
    sti_writer_t *rows = sti_writer_new(), *blob = sti_writer_new();
    for (size_t i = 0; i < count; i++) {
        sti_intake_row_t row = {.value = values[i], .source = "src"};
        snprintf(row.indicator, sizeof row.indicator, "%s", indicator);
        snprintf(row.org, sizeof row.org, "%s", orgs[i]);
        snprintf(row.period, sizeof row.period, "%s", periods[i]);
        sti_intake_row_write(rows, &row);
    }
    size_t size;
    const void *data = sti_writer_data(rows, &size);
    sti_intake_rows_write(blob, count, data, size);
    data = sti_writer_data(blob, &size);
    s_intake(fx, (const char *)data, size);
    sti_writer_destroy(&rows);
    sti_writer_destroy(&blob);
}

//  Appends an entry of count rows [indicator, linping, <period>-MM, from + i].
static void s_intake_rows(s_fixture_t *fx, const char *indicator, const char *period, int from,
                          int count)
{
    const char *orgs[12];
    char periods[12][STI_PERIOD_TEXT_MAX];
    const char *period_of[12];
    double values[12];
    assert_true(count <= 12);
    for (int i = 0; i < count; i++) {
        orgs[i] = "linping";
        snprintf(periods[i], sizeof periods[i], "%s-%02d", period, i + 1);
        period_of[i] = periods[i];
        values[i] = from + i;
    }
    s_intake_write(fx, indicator, orgs, period_of, values, (size_t)count);
}

static long long s_integer(s_fixture_t *fx, const char *command)
{
    redisReply *reply = sti_redis_command(fx->redis, command);
    assert_non_null(reply);
    long long value = reply->type == REDIS_REPLY_INTEGER  ? reply->integer
                      : reply->type == REDIS_REPLY_STRING ? atoll(reply->str)
                                                          : 0;
    freeReplyObject(reply);
    return value;
}

//  XRANGE of the whole intake (the caller frees).
static redisReply *s_entries(s_fixture_t *fx)
{
    redisReply *reply = sti_redis_command(fx->redis, "XRANGE ut:intake - +");
    assert_non_null(reply);
    assert_int_equal(reply->type, REDIS_REPLY_ARRAY);
    return reply;
}

static void test_apply_once(void **state)
{
    s_fixture_t *fx = (s_fixture_t *)*state;
    indicators_apply_tick(fx->apply); // creates the group
    s_intake_rows(fx, "tech_smes", "2023", 100, 12);
    s_intake_rows(fx, "incubators", "2022", 5, 3);
    redisReply *entries = s_entries(fx);
    redisReply *read = sti_redis_command(
        fx->redis, "XREADGROUP GROUP indicators unit-1 COUNT 10 STREAMS ut:intake >");
    assert_non_null(read);
    freeReplyObject(read);
    assert_int_equal(indicators_apply_entries(fx->apply, entries), 2);
    assert_int_equal(s_integer(fx, "GET ut:events:ind:seq"), 15);
    assert_int_equal(s_integer(fx, "XLEN ut:events:ind"), 15);
    assert_int_equal(s_integer(fx, "HLEN ut:val:tech_smes:linping"), 12);
    assert_int_equal(s_integer(fx, "LLEN ut:rev:tech_smes:linping:2023-05"), 1);
    redisReply *pending = sti_redis_command(fx->redis, "XPENDING ut:intake indicators");
    assert_int_equal(pending->element[0]->integer, 0);
    freeReplyObject(pending);
    //  The same entries again: nothing changes.
    assert_int_equal(indicators_apply_entries(fx->apply, entries), 2);
    assert_int_equal(s_integer(fx, "GET ut:events:ind:seq"), 15);
    assert_int_equal(s_integer(fx, "LLEN ut:rev:tech_smes:linping:2023-05"), 1);
    freeReplyObject(entries);
}

//  Checks that the revision list key holds revisions 1..count with values
//  want[0..count-1], in this order.
static void s_check_revisions(s_fixture_t *fx, const char *key, const double *want, size_t count)
{
    redisReply *reply = sti_redis_command(fx->redis, "LRANGE %s 0 -1", key);
    assert_non_null(reply);
    assert_int_equal(reply->type, REDIS_REPLY_ARRAY);
    assert_int_equal(reply->elements, count);
    for (size_t i = 0; i < count; i++) {
        char err[256];
        sti_reader_t *reader = sti_reader_new(reply->element[i]->str, reply->element[i]->len,
                                              NULL, err, sizeof err);
        assert_non_null(reader);
        int64_t rev;
        double v;
        assert_int_equal(sti_map_int(sti_reader_root(reader), "rev", &rev, NULL), 0);
        assert_int_equal(sti_map_double(sti_reader_root(reader), "v", &v, NULL), 0);
        assert_int_equal(rev, (int64_t)i + 1);
        assert_true(v == want[i]);
        sti_reader_destroy(&reader);
    }
    freeReplyObject(reply);
}

//  Revisions of several values interleave in one window (two towns and
//  their district's sum): each value's list gets its own in order.
static void test_revisions_in_order(void **state)
{
    s_fixture_t *fx = (s_fixture_t *)*state;
    char err[256];
    bool changed;
    assert_int_equal(sti_catalog_store_add_org(fx->store, "town0", "linping", "t0", "t0", &changed,
                                               err, sizeof err),
                     STI_ERR_NONE);
    assert_int_equal(sti_catalog_store_add_org(fx->store, "town1", "linping", "t1", "t1", &changed,
                                               err, sizeof err),
                     STI_ERR_NONE);
    indicators_apply_tick(fx->apply); // creates the group
    const char *orgs1[] = {"town0", "town1", "town0"}, *orgs2[] = {"town1", "town0"};
    const char *periods1[] = {"2023-01", "2023-01", "2023-02"}, *periods2[] = {"2023-01", "2023-01"};
    const double values1[] = {1, 2, 3}, values2[] = {5, 4};
    s_intake_write(fx, "tech_smes", orgs1, periods1, values1, 3);
    s_intake_write(fx, "tech_smes", orgs2, periods2, values2, 2);
    redisReply *entries = s_entries(fx);
    freeReplyObject(sti_redis_command(
        fx->redis, "XREADGROUP GROUP indicators unit-1 COUNT 10 STREAMS ut:intake >"));
    assert_int_equal(indicators_apply_entries(fx->apply, entries), 2); // one window of 5 rows
    freeReplyObject(entries);
    const double sum[] = {1, 3, 6, 9}, town0[] = {1, 4}, town1[] = {2, 5}, feb[] = {3};
    s_check_revisions(fx, "ut:rev:tech_smes:linping:2023-01", sum, 4);
    s_check_revisions(fx, "ut:rev:tech_smes:town0:2023-01", town0, 2);
    s_check_revisions(fx, "ut:rev:tech_smes:town1:2023-01", town1, 2);
    s_check_revisions(fx, "ut:rev:tech_smes:linping:2023-02", feb, 1);
    //  Every change logged an event, gap-free, with its value's topic and
    //  subject: town0's row first, then the sum it changed.
    assert_int_equal(s_integer(fx, "GET ut:events:ind:seq"), 10);
    assert_int_equal(s_integer(fx, "XLEN ut:events:ind"), 10);
    const char *want[][2] = {{"ind.tech_smes.town0", "tech_smes/town0/2023-01"},
                             {"ind.tech_smes.linping", "tech_smes/linping/2023-01"}};
    redisReply *log = sti_redis_command(fx->redis, "XRANGE ut:events:ind 0-1 0-2");
    assert_non_null(log);
    assert_int_equal(log->elements, 2);
    for (size_t e = 0; e < 2; e++) {
        const redisReply *fields = log->element[e]->element[1];
        size_t found = 0;
        for (size_t f = 0; f + 1 < fields->elements; f += 2) {
            if (strcmp(fields->element[f]->str, "topic") == 0) {
                assert_string_equal(fields->element[f + 1]->str, want[e][0]);
                found++;
            } else if (strcmp(fields->element[f]->str, "subject") == 0) {
                assert_string_equal(fields->element[f + 1]->str, want[e][1]);
                found++;
            } else if (strcmp(fields->element[f]->str, "time") == 0) {
                assert_int_equal(fields->element[f + 1]->len, 24);
                found++;
            }
        }
        assert_int_equal(found, 3);
    }
    freeReplyObject(log);
}

static void test_bad_entry_acknowledged(void **state)
{
    s_fixture_t *fx = (s_fixture_t *)*state;
    indicators_apply_tick(fx->apply);
    s_intake(fx, "\xc1\xc1", 2);                  // not MessagePack
    s_intake(fx, "\x91\x01", 2);                  // [1]: a row that is not a row
    s_intake_rows(fx, "tech_smes", "2024", 1, 1); // a good one after them
    for (int i = 0; i < 5; i++) {
        indicators_apply_tick(fx->apply);
    }
    assert_int_equal(s_integer(fx, "GET ut:events:ind:seq"), 1);
    redisReply *pending = sti_redis_command(fx->redis, "XPENDING ut:intake indicators");
    assert_int_equal(pending->element[0]->integer, 0);
    freeReplyObject(pending);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_apply_once, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_bad_entry_acknowledged, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_revisions_in_order, s_setup, s_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
