/*  test_indicators_progress: the progress.changed events of a target change
    (indicators_progress), appended with the change in one call of the
    catalog store (sti_catalog_store_put_target), and the org units'
    states (sti_catalog_store_put_org_state), against a real redis-server.
    The values are made up; hitech_enterprises' baseline 578 is the plan's. */
#include "events_log_read.h"
#include "indicators_fixture.h"
#include "indicators_progress.h"
#include "indicators_values.h"
#include "sti_time.h"

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

//  HSETs a reported value (revision 1) of hitech_enterprises at org for period.
static void s_value(test_indicators_t *fx, const char *org, const char *period, double v)
{
    indicators_record_t record = {.has_v = true, .v = v, .has_r = true, .r = v, .rev = 1};
    sti_writer_t *writer = sti_writer_new();
    indicators_record_encode(&record, writer);
    size_t size;
    const char *data = (const char *)sti_writer_data(writer, &size);
    redisReply *reply = sti_redis_command(fx->redis, "HSET ut:val:hitech_enterprises:%s %s %b", org,
                                          period, data, size);
    assert_non_null(reply);
    freeReplyObject(reply);
    sti_writer_destroy(&writer);
}

//  Sets or removes (value NULL) a target the way target.set does. Returns
//  the events sent; *changed says whether the catalog changed.
static size_t s_target(test_indicators_t *fx, indicators_progress_t *progress, const char *org,
                       int year, const double *value, bool *changed)
{
    sti_errcode_t code;
    char err[512] = "", time[40];
    sti_catalog_t *catalog = sti_catalog_store_edit(fx->catalog, &code, err, sizeof err);
    assert_non_null(catalog);
    const sti_indicator_t *ind = sti_catalog_indicator_find(catalog, "hitech_enterprises");
    const sti_org_unit_t *unit = sti_catalog_org_find(catalog, org);
    assert_int_equal(indicators_progress_begin(progress, catalog, &ind, &unit, 1), 0);
    indicators_progress_before(progress, catalog);
    const char *at = unit->parent[0] ? org : NULL;
    if (value) {
        assert_int_equal(
            sti_catalog_org_target_set(catalog, ind->code, at, year, *value, err, sizeof err), 0);
    } else {
        sti_catalog_org_target_clear(catalog, ind->code, at, year);
    }
    sti_catalog_events_t events = {.pub = fx->pub,
                                   .stream = "ind",
                                   .maxlen = 1000,
                                   .source = "sti-indicators",
                                   .time = sti_time_rfc3339(sti_time_now_ms(), time, sizeof time),
                                   .version = sti_catalog_store_version(fx->catalog)};
    indicators_progress_after(progress, catalog, value ? "target.set" : "target.remove", "test",
                              &events);
    assert_int_equal(sti_catalog_store_put_target(fx->catalog, ind->code, at, year, value, &events,
                                                  changed, err, sizeof err),
                     STI_ERR_NONE);
    return events.first ? (size_t)(events.last - events.first + 1) : 0;
}

static void test_target_events(void **state)
{
    test_indicators_t *fx = (test_indicators_t *)*state;
    indicators_progress_t *progress = indicators_progress_new(fx->store, 0.10);
    s_value(fx, "linping", "2023", 850);
    bool changed = false;
    double t = 1000;
    //  Years 2021..2025 (the plan's, up to this year): expected completion
    //  appears for all five, completion for 2023..2025; and the forecast,
    //  with no target before, gets a class: one indicator.forecast_changed.
    assert_int_equal(s_target(fx, progress, "linping", 2025, &t, &changed), 6);
    assert_int_equal(indicators_progress_forecasts(progress), 1);
    assert_true(changed);
    //  The same again: no change, no event.
    assert_int_equal(s_target(fx, progress, "linping", 2025, &t, &changed), 0);
    assert_false(changed);
    assert_int_equal(test_indicators_integer(fx, "GET ut:events:ind:seq"), 6);
    //  The last progress event: 2025, no_target -> at_risk ((850-578)/(1000-578)
    //  = 0.645 < 1); the forecast's after it, with the same subject.
    size_t count;
    sti_event_t **events = test_events_log_read(fx->redis, "ut:events:ind", "ind", &count);
    assert_int_equal(count, 6);
    assert_string_equal(events[5]->type, "indicator.forecast_changed");
    assert_string_equal(events[4]->type, "progress.changed");
    assert_string_equal(events[4]->subject, "hitech_enterprises/linping/2025");
    sti_events_log_events_destroy(&events, count);
    //  A stale version is refused, nothing written.
    sti_errcode_t code;
    char err[512] = "";
    sti_catalog_store_get(fx->catalog, &code, err, sizeof err);
    redisReply *bump = sti_redis_command(fx->redis, "INCR ut:catalog:version");
    freeReplyObject(bump);
    sti_catalog_events_t stale = {.pub = fx->pub,
                                  .stream = "ind",
                                  .maxlen = 1000,
                                  .source = "x",
                                  .time = "t",
                                  .type = "progress.changed",
                                  .version = sti_catalog_store_version(fx->catalog)};
    t = 1200;
    assert_int_equal(sti_catalog_store_put_target(fx->catalog, "hitech_enterprises", NULL, 2025, &t,
                                                  &stale, &changed, err, sizeof err),
                     STI_ERR_CONFLICT);
    assert_non_null(strstr(err, "stale"));
    assert_int_equal(test_indicators_integer(fx, "GET ut:events:ind:seq"), 6);
    //  Removed: back to no_target in every year, and the forecast's class too.
    size_t sent = s_target(fx, progress, "linping", 2025, NULL, &changed);
    assert_int_equal(indicators_progress_forecasts(progress), 1);
    assert_int_equal(sent, 6);
    assert_true(changed);
    indicators_progress_destroy(&progress);
}

static void test_town_target_and_states(void **state)
{
    test_indicators_t *fx = (test_indicators_t *)*state;
    bool changed = false;
    char err[512] = "";
    assert_int_equal(sti_catalog_store_add_org(fx->catalog, "donghu", "linping", "东湖街道", "",
                                               &changed, err, sizeof err),
                     STI_ERR_NONE);
    indicators_progress_t *progress = indicators_progress_new(fx->store, 0.10);
    s_value(fx, "donghu", "2020", 100);
    s_value(fx, "donghu", "2023", 250);
    double t = 300;
    //  Five progress events, and the town's forecast gets a class.
    assert_int_equal(s_target(fx, progress, "donghu", 2025, &t, &changed), 6);
    assert_int_equal(indicators_progress_forecasts(progress), 1);
    assert_int_equal(
        test_indicators_integer(fx, "HEXISTS ut:targets hitech_enterprises:2025:donghu"), 1);
    //  Read back: the town's own target, the district has none.
    sti_errcode_t code;
    const sti_catalog_t *catalog = sti_catalog_store_get(fx->catalog, &code, err, sizeof err);
    const sti_indicator_t *ind = sti_catalog_indicator_find(catalog, "hitech_enterprises");
    assert_true(
        sti_catalog_final_target(catalog, ind, sti_catalog_org_find(catalog, "donghu"))->value ==
        300);
    assert_null(sti_catalog_final_target(catalog, ind, sti_catalog_org_root(catalog)));
    //  A state: renamed and retired, read back as stored.
    sti_org_unit_t state_ = *sti_catalog_org_find(catalog, "donghu");
    snprintf(state_.name_zh, sizeof state_.name_zh, "东湖新区");
    snprintf(state_.former_names, sizeof state_.former_names, "东湖街道");
    state_.retired = true;
    state_.retired_at = 1796500000000;
    snprintf(state_.retired_reason, sizeof state_.retired_reason, "merged");
    assert_int_equal(
        sti_catalog_store_put_org_state(fx->catalog, &state_, NULL, &changed, err, sizeof err),
        STI_ERR_NONE);
    assert_true(changed);
    assert_int_equal(
        sti_catalog_store_put_org_state(fx->catalog, &state_, NULL, &changed, err, sizeof err),
        STI_ERR_NONE);
    assert_false(changed);
    catalog = sti_catalog_store_get(fx->catalog, &code, err, sizeof err);
    const sti_org_unit_t *donghu = sti_catalog_org_find(catalog, "donghu");
    assert_string_equal(donghu->name_zh, "东湖新区");
    assert_string_equal(donghu->former_names, "东湖街道");
    assert_true(donghu->retired);
    assert_true(donghu->retired_at == 1796500000000);
    assert_string_equal(donghu->retired_reason, "merged");
    indicators_progress_destroy(&progress);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_target_events, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_town_target_and_states, s_setup, s_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
