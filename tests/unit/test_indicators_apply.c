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

//  Appends an intake entry whose rows are [indicator, org, period, value].
static void s_intake(s_fixture_t *fx, const char *rows_bytes, size_t rows_len)
{
    redisReply *reply = sti_redis_command(fx->redis,
                                          "XADD ut:intake * request r submitter clerk source s "
                                          "time 1700000000000 rows %b",
                                          rows_bytes, rows_len);
    assert_non_null(reply);
    assert_int_equal(reply->type, REDIS_REPLY_STRING);
    freeReplyObject(reply);
}

static void s_intake_rows(s_fixture_t *fx, const char *indicator, const char *period, int from,
                          int count)
{
    sti_writer_t *w = sti_writer_new();
    sti_writer_array(w, (size_t)count);
    for (int i = 0; i < count; i++) {
        sti_writer_array(w, 6);
        sti_writer_str(w, indicator);
        sti_writer_str(w, "linping");
        char period_text[16];
        snprintf(period_text, sizeof period_text, "%s-%02d", period, i + 1);
        sti_writer_str(w, period_text);
        sti_writer_double(w, from + i);
        sti_writer_str(w, "src");
        sti_writer_str(w, "");
    }
    size_t size;
    const char *data = (const char *)sti_writer_data(w, &size);
    s_intake(fx, data, size);
    sti_writer_destroy(&w);
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

//  Appends an entry of rows [tech_smes, org, period, value] (count of them).
static void s_intake_towns(s_fixture_t *fx, const char *const *orgs, const char *const *periods,
                           const double *values, size_t count)
{
    sti_writer_t *w = sti_writer_new();
    sti_writer_array(w, count);
    for (size_t i = 0; i < count; i++) {
        sti_writer_array(w, 6);
        sti_writer_str(w, "tech_smes");
        sti_writer_str(w, orgs[i]);
        sti_writer_str(w, periods[i]);
        sti_writer_double(w, values[i]);
        sti_writer_str(w, "src");
        sti_writer_str(w, "");
    }
    size_t size;
    const char *data = (const char *)sti_writer_data(w, &size);
    s_intake(fx, data, size);
    sti_writer_destroy(&w);
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
    s_intake_towns(fx, orgs1, periods1, values1, 3);
    s_intake_towns(fx, orgs2, periods2, values2, 2);
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
