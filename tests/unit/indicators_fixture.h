/*  What the unit tests of sti-indicators' Redis modules share (header only):
    a throw-away redis-server with the Linping plan loaded under namespace
    "ut", the `ind` publisher, metrics, the service's default settings, and
    the intake log and the value store made as main.c makes them; and
    helpers that append intake entries (through sti_intake, as sti-ingest
    does) and read numbers back.
*/
#pragma once
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "indicators_apply.h"
#include "indicators_store_history.h"
#include "plan_dir.h"
#include "sti_catalog_io.h"
#include "redis_server.h"
#include "sti_catalog_store.h"
#include "sti_intake.h"

typedef struct {
    test_redis_t server;              // the redis-server
    sti_redis_t *redis;               // the connection
    sti_catalog_store_t *catalog;     // the catalog, the plan loaded
    sti_events_pub_t *pub;            // publisher on "ind"
    sti_http_t *http;                 // metrics
    indicators_apply_config_t config; // the settings (batch_rows 5)
    indicators_intake_t *intake;      // the intake log, consumer "unit-1"
    indicators_store_t *store;        // the values
} test_indicators_t;

static inline void test_indicators_start(test_indicators_t *fx)
{
    memset(fx, 0, sizeof *fx);
    test_redis_start(&fx->server, NULL);
    char err[512] = "";
    fx->redis = sti_redis_new(fx->server.url, "ut", err, sizeof err);
    assert_non_null(fx->redis);
    assert_int_equal(sti_redis_wait(fx->redis, 5000), 0);
    fx->catalog = sti_catalog_store_new(fx->redis);
    sti_catalog_t *plan = sti_catalog_load_dir(test_plan_dir(), err, sizeof err);
    assert_non_null(plan);
    bool changed;
    assert_int_equal(sti_catalog_store_put_plan(fx->catalog, plan, &changed, err, sizeof err),
                     STI_ERR_NONE);
    sti_catalog_destroy(&plan);
    fx->pub = sti_events_pub_new(fx->redis, "ind", "inproc://indicators-test", "sti-indicators");
    assert_non_null(fx->pub);
    fx->http = sti_http_new("127.0.0.1:0", NULL, NULL, err, sizeof err);
    assert_non_null(fx->http);
    fx->config = (indicators_apply_config_t){.group = "indicators",
                                             .consumer = "unit-1",
                                             .intake_key = "intake",
                                             .batch_entries = 16,
                                             .batch_rows = 5,
                                             .claim_idle_ms = 30000,
                                             .claim_every_ms = 5000,
                                             .forget_idle_ms = 3600000,
                                             .tick_budget_ms = 50,
                                             .tick_ms = 10,
                                             .block_ms = 0,
                                             .events_maxlen = 1000000,
                                             .tolerance = 0.10};
    fx->intake =
        indicators_intake_new(fx->redis, fx->config.intake_key, fx->config.group,
                              fx->config.consumer, fx->config.batch_entries, fx->config.block_ms);
    fx->store = indicators_store_new(fx->redis, indicators_intake_key(fx->intake), fx->config.group,
                                     fx->config.events_maxlen);
}

static inline void test_indicators_stop(test_indicators_t *fx)
{
    indicators_store_destroy(&fx->store);
    indicators_store_destroy(&fx->store);
    indicators_intake_destroy(&fx->intake);
    indicators_intake_destroy(&fx->intake);
    sti_http_destroy(&fx->http);
    sti_events_pub_destroy(&fx->pub);
    sti_catalog_store_destroy(&fx->catalog);
    sti_redis_destroy(&fx->redis);
    test_redis_stop(&fx->server);
}

//  Appends an intake entry whose rows field holds rows_bytes. Returns its
//  id into id (at least STI_INTAKE_ID_MAX bytes), when id is not NULL.
static inline void test_indicators_append(test_indicators_t *fx, const char *rows_bytes,
                                          size_t rows_len, char *id)
{
    sti_intake_entry_t entry = {.request = "r",
                                .submitter = "clerk",
                                .source = "s",
                                .time = 1700000000000,
                                .rows = rows_bytes,
                                .rows_size = rows_len};
    sti_intake_args_t args;
    sti_intake_entry_args(&entry, &args);
    const char *argv[3 + STI_INTAKE_ARGS] = {"XADD", "ut:intake", "*"};
    size_t lens[3 + STI_INTAKE_ARGS] = {4, 9, 1};
    memcpy(argv + 3, args.argv, sizeof args.argv);
    memcpy(lens + 3, args.lens, sizeof args.lens);
    redisReply *reply = sti_redis_argv(fx->redis, 3 + STI_INTAKE_ARGS, argv, lens);
    assert_non_null(reply);
    assert_int_equal(reply->type, REDIS_REPLY_STRING);
    if (id) {
        snprintf(id, STI_INTAKE_ID_MAX, "%s", reply->str);
    }
    freeReplyObject(reply);
}

//  Appends an entry of the rows (indicator, orgs[i], periods[i], values[i]).
static inline void test_indicators_append_rows(test_indicators_t *fx, const char *indicator,
                                               const char *const *orgs, const char *const *periods,
                                               const double *values, size_t count)
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
    test_indicators_append(fx, (const char *)data, size, NULL);
    sti_writer_destroy(&rows);
    sti_writer_destroy(&blob);
}

//  Appends an entry of count (at most 12) rows [indicator, linping,
//  <year>-MM, from + i].
static inline void test_indicators_append_months(test_indicators_t *fx, const char *indicator,
                                                 const char *year, int from, int count)
{
    const char *orgs[12], *periods[12];
    char texts[12][STI_PERIOD_TEXT_MAX + 16]; // room for any year text (cut to fit)
    double values[12];
    assert_true(count <= 12);
    for (int i = 0; i < count; i++) {
        orgs[i] = "linping";
        snprintf(texts[i], sizeof texts[i], "%s-%02d", year, i + 1);
        periods[i] = texts[i];
        values[i] = from + i;
    }
    test_indicators_append_rows(fx, indicator, orgs, periods, values, (size_t)count);
}

//  The integer a command answers (a string is read as a number; else 0).
static inline long long test_indicators_integer(test_indicators_t *fx, const char *command)
{
    redisReply *reply = sti_redis_command(fx->redis, command);
    assert_non_null(reply);
    long long value = reply->type == REDIS_REPLY_INTEGER  ? reply->integer
                      : reply->type == REDIS_REPLY_STRING ? atoll(reply->str)
                                                          : 0;
    freeReplyObject(reply);
    return value;
}

//  What test_indicators_revisions hands back.
typedef struct {
    indicators_revision_t revisions[8]; // the revisions read, oldest first
    size_t count;                       // how many (at most 8 kept)
} test_indicators_history_t;

static inline void test_indicators_history_fn(void *arg, size_t point,
                                              const indicators_revision_t *revisions, size_t count)
{
    test_indicators_history_t *history = (test_indicators_history_t *)arg;
    (void)point;
    history->count = count;
    for (size_t r = 0; r < count && r < 8; r++) {
        history->revisions[r] = revisions[r];
    }
}

//  Reads the revisions of one value through the store's own reader (the
//  list, or the one its record keeps). Returns how many.
static inline size_t test_indicators_revisions(test_indicators_t *fx, const char *indicator,
                                               const char *org, const char *period,
                                               test_indicators_history_t *history)
{
    const sti_catalog_t *catalog = sti_catalog_store_held(fx->catalog);
    sti_period_t parsed;
    char err[128];
    assert_int_equal(sti_period_parse(period, strlen(period), &parsed, err, sizeof err), 0);
    indicators_store_ask_t ask = {sti_catalog_indicator_find(catalog, indicator),
                                  sti_catalog_org_find(catalog, org), &parsed, 1};
    assert_non_null(ask.indicator);
    assert_non_null(ask.org);
    memset(history, 0, sizeof *history);
    indicators_store_history_t *reads = indicators_store_history_new(fx->store);
    assert_int_equal(
        indicators_store_history_asks(reads, &ask, 1, test_indicators_history_fn, history), 0);
    indicators_store_history_destroy(&reads);
    return history->count;
}
