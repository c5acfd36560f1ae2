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
    ind_apply_config_t config;  // consumer settings
    ind_apply_t *apply;         // the applier
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
    fx.config = (ind_apply_config_t){.group = "indicators",
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
    fx.apply = ind_apply_new(fx.redis, fx.store, fx.pub, fx.http, &fx.config);
    *state = &fx;
    return 0;
}

static int s_teardown(void **state)
{
    s_fixture_t *fx = (s_fixture_t *)*state;
    ind_apply_destroy(&fx->apply);
    ind_apply_destroy(&fx->apply);
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
    ind_apply_tick(fx->apply); // creates the group
    s_intake_rows(fx, "tech_smes", "2023", 100, 12);
    s_intake_rows(fx, "incubators", "2022", 5, 3);
    redisReply *entries = s_entries(fx);
    redisReply *read = sti_redis_command(
        fx->redis, "XREADGROUP GROUP indicators unit-1 COUNT 10 STREAMS ut:intake >");
    assert_non_null(read);
    freeReplyObject(read);
    assert_int_equal(ind_apply_entries(fx->apply, entries), 2);
    assert_int_equal(s_integer(fx, "GET ut:events:ind:seq"), 15);
    assert_int_equal(s_integer(fx, "XLEN ut:events:ind"), 15);
    assert_int_equal(s_integer(fx, "HLEN ut:val:tech_smes:linping"), 12);
    assert_int_equal(s_integer(fx, "LLEN ut:rev:tech_smes:linping:2023-05"), 1);
    redisReply *pending = sti_redis_command(fx->redis, "XPENDING ut:intake indicators");
    assert_int_equal(pending->element[0]->integer, 0);
    freeReplyObject(pending);
    //  The same entries again: nothing changes.
    assert_int_equal(ind_apply_entries(fx->apply, entries), 2);
    assert_int_equal(s_integer(fx, "GET ut:events:ind:seq"), 15);
    assert_int_equal(s_integer(fx, "LLEN ut:rev:tech_smes:linping:2023-05"), 1);
    freeReplyObject(entries);
}

static void test_bad_entry_acknowledged(void **state)
{
    s_fixture_t *fx = (s_fixture_t *)*state;
    ind_apply_tick(fx->apply);
    s_intake(fx, "\xc1\xc1", 2);                  // not MessagePack
    s_intake(fx, "\x91\x01", 2);                  // [1]: a row that is not a row
    s_intake_rows(fx, "tech_smes", "2024", 1, 1); // a good one after them
    for (int i = 0; i < 5; i++) {
        ind_apply_tick(fx->apply);
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
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
