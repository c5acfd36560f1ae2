/*  Unit tests of indicators_receipts against a throw-away redis-server with
    the real `ind` publisher: what is kept stays while the log holds no
    value change; an `indicator.changed` forgets its (indicator, org unit)
    only, another event type nothing; a gap in the log (an event gone), a
    new epoch and a seq below one a read saw (Redis went back) each forget
    everything; with Redis gone, a refresh fails.
*/
#include "indicators_fixture.h"
#include "indicators_receipts.h"

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

//  What the tests look at: two hashes of the plan and one period.
typedef struct {
    const sti_catalog_t *catalog;
    const sti_indicator_t *gdp, *hitech;
    const sti_org_unit_t *linping;
    sti_period_t period;
} s_plan_t;

static s_plan_t s_plan(test_indicators_t *fx)
{
    sti_errcode_t code;
    char err[256];
    s_plan_t plan;
    plan.catalog = sti_catalog_store_get(fx->catalog, &code, err, sizeof err);
    assert_non_null(plan.catalog);
    plan.gdp = sti_catalog_indicator_find(plan.catalog, "gdp");
    plan.hitech = sti_catalog_indicator_find(plan.catalog, "hitech_enterprises");
    plan.linping = sti_catalog_org_find(plan.catalog, "linping");
    assert_true(plan.gdp && plan.hitech && plan.linping);
    assert_int_equal(sti_period_parse("2025-01", 7, &plan.period, err, sizeof err), 0);
    return plan;
}

//  Appends one event of type to the `ind` log.
static void s_publish(test_indicators_t *fx, const char *type, const char *subject)
{
    static const unsigned char empty_map = 0x80;
    uint64_t seq;
    assert_int_equal(sti_events_publish(fx->pub, "ind.x.y", type, subject, &empty_map, 1, &seq), 0);
}

//  Keeps both hashes' report (gdp received, hitech not) after a refresh.
static void s_keep_both(indicators_receipts_t *receipts, const s_plan_t *p)
{
    size_t slot = indicators_receipts_slot(&p->period);
    assert_int_equal(indicators_receipts_refresh(receipts), 0);
    indicators_receipts_keep(receipts, p->gdp, p->linping)[slot] = INDICATORS_RECEIPT_RECEIVED;
    indicators_receipts_keep(receipts, p->hitech, p->linping)[slot] = INDICATORS_RECEIPT_MISSING;
    assert_int_equal(indicators_receipts_read_done(receipts), 0);
}

static uint8_t s_get(indicators_receipts_t *receipts, const sti_indicator_t *indicator,
                     const s_plan_t *p)
{
    const uint8_t *slots = indicators_receipts_find(receipts, indicator, p->linping);
    return slots ? slots[indicators_receipts_slot(&p->period)] : INDICATORS_RECEIPT_UNKNOWN;
}

static void test_follows_the_log(void **state)
{
    test_indicators_t *fx = (test_indicators_t *)*state;
    s_plan_t p = s_plan(fx);
    indicators_receipts_t *receipts = indicators_receipts_new(fx->store);
    s_keep_both(receipts, &p);
    assert_int_equal(s_get(receipts, p.gdp, &p), 2);
    assert_int_equal(s_get(receipts, p.hitech, &p), 1);

    //  Nothing new, or events that are not a value's change: all kept.
    assert_int_equal(indicators_receipts_refresh(receipts), 0);
    s_publish(fx, "duty.overdue", "gdp/linping/2025-01");
    s_publish(fx, "progress.changed", "gdp/linping/2025");
    assert_int_equal(indicators_receipts_refresh(receipts), 0);
    assert_int_equal(s_get(receipts, p.gdp, &p), 2);
    assert_int_equal(s_get(receipts, p.hitech, &p), 1);

    //  A value's change forgets its hash only (any period of it).
    s_publish(fx, "indicator.changed", "gdp/linping/2024");
    assert_int_equal(indicators_receipts_refresh(receipts), 0);
    assert_int_equal(s_get(receipts, p.gdp, &p), 0);
    assert_int_equal(s_get(receipts, p.hitech, &p), 1);
    indicators_receipts_destroy(&receipts);
}

//  Deletes the log's entry of the stream's latest event.
static void s_drop_latest(test_indicators_t *fx)
{
    redisReply *seq = sti_redis_command(fx->redis, "GET ut:events:ind:seq");
    assert_true(seq && seq->type == REDIS_REPLY_STRING);
    redisReply *del = sti_redis_command(fx->redis, "XDEL ut:events:ind 0-%s", seq->str);
    assert_true(del && del->type == REDIS_REPLY_INTEGER && del->integer == 1);
    freeReplyObject(seq);
    freeReplyObject(del);
}

static void test_forgets_all(void **state)
{
    test_indicators_t *fx = (test_indicators_t *)*state;
    s_plan_t p = s_plan(fx);
    indicators_receipts_t *receipts = indicators_receipts_new(fx->store);

    //  An event gone from the log (trimmed): it may have been a change.
    s_keep_both(receipts, &p);
    s_publish(fx, "indicator.changed", "gdp/linping/2025-01");
    s_publish(fx, "duty.overdue", "gdp/linping/2025-02");
    s_drop_latest(fx);
    s_publish(fx, "duty.overdue", "gdp/linping/2025-03");
    assert_int_equal(indicators_receipts_refresh(receipts), 0);
    assert_int_equal(s_get(receipts, p.hitech, &p), 0);

    //  A new epoch.
    s_keep_both(receipts, &p);
    freeReplyObject(sti_redis_command(fx->redis, "HSET ut:events:ind:epoch id %s",
                                      "0123456789abcdef0123456789abcdef"));
    assert_int_equal(indicators_receipts_refresh(receipts), 0);
    assert_int_equal(s_get(receipts, p.hitech, &p), 0);

    //  A seq below one a read saw: Redis came back with less than it had.
    s_keep_both(receipts, &p);
    freeReplyObject(sti_redis_command(fx->redis, "DECR ut:events:ind:seq"));
    assert_int_equal(indicators_receipts_refresh(receipts), 0);
    assert_int_equal(s_get(receipts, p.hitech, &p), 0);

    //  Redis gone: the refresh fails (what is kept is judged at the next
    //  one that reads the log).
    s_keep_both(receipts, &p);
    test_redis_stop(&fx->server);
    assert_int_equal(indicators_receipts_refresh(receipts), -1);
    assert_int_equal(indicators_receipts_read_done(receipts), -1);
    indicators_receipts_destroy(&receipts);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_follows_the_log, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_forgets_all, s_setup, s_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
