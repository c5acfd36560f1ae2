/*  Unit tests of indicators_apply against a throw-away redis-server: a
    batch of intake entries is applied in one Lua call (values, revisions,
    events in the log, entries acknowledged); applying the same entries again
    through the apply function changes nothing; an entry that does not
    decode is acknowledged and counted, and the entries after it applied;
    a batch larger than a tick's budget goes on over several ticks; a window
    the replicas do not confirm ends its batch; a batch begun on the catalog
    the applier holds starts again on the current one when another process
    replaced it (found by the read, or by a row the held one does not know).
*/
#include "events_log_read.h"
#include "indicators_fixture.h"

//  The fixture and the applier on it, torn down in reverse.
typedef struct {
    test_indicators_t base;    // Redis, the plan, the intake log, the values
    indicators_apply_t *apply; // the applier
} s_fixture_t;

static int s_setup(void **state)
{
    static s_fixture_t fx;
    test_indicators_start(&fx.base);
    test_indicators_t *b = &fx.base;
    fx.apply = indicators_apply_new(b->store, b->intake, b->catalog, b->pub, b->http, &b->config);
    *state = &fx;
    return 0;
}

static int s_teardown(void **state)
{
    s_fixture_t *fx = (s_fixture_t *)*state;
    indicators_apply_destroy(&fx->apply);
    indicators_apply_destroy(&fx->apply);
    test_indicators_stop(&fx->base);
    return 0;
}

static long long s_integer(s_fixture_t *fx, const char *command)
{
    return test_indicators_integer(&fx->base, command);
}

//  The number of revisions of tech_smes at linping for period.
static size_t s_revisions(s_fixture_t *fx, const char *period)
{
    test_indicators_history_t history;
    return test_indicators_revisions(&fx->base, "tech_smes", "linping", period, &history);
}

static void test_apply_once(void **state)
{
    s_fixture_t *fx = (s_fixture_t *)*state;
    indicators_apply_tick(fx->apply); // creates the group
    test_indicators_append_months(&fx->base, "tech_smes", "2023", 100, 12);
    test_indicators_append_months(&fx->base, "incubators", "2022", 5, 3);
    indicators_intake_read_t read;
    assert_int_equal(indicators_intake_read(fx->base.intake, false, &read), 2);
    assert_int_equal(indicators_apply_entries(fx->apply, read.entries, read.count), 2);
    assert_int_equal(s_integer(fx, "GET ut:events:ind:seq"), 15);
    //  The 15 events are one batch entry per write (windows of batch_rows 5),
    //  read back 1..15.
    assert_int_equal(s_integer(fx, "XLEN ut:events:ind"), 3);
    size_t count;
    sti_event_t **events = test_events_log_read(fx->base.redis, "ut:events:ind", "ind", &count);
    assert_int_equal(count, 15);
    for (size_t i = 0; i < count; i++) {
        assert_int_equal(events[i]->seq, i + 1);
    }
    sti_events_log_events_destroy(&events, count);
    assert_int_equal(s_integer(fx, "HLEN ut:val:tech_smes:linping"), 12);
    assert_int_equal(s_revisions(fx, "2023-05"), 1);
    //  A value of one revision keeps it in its record: no list.
    assert_int_equal(s_integer(fx, "EXISTS ut:rev:tech_smes:linping:2023-05"), 0);
    assert_int_equal(indicators_intake_pending(fx->base.intake), 0);
    //  The same entries again: nothing changes.
    assert_int_equal(indicators_apply_entries(fx->apply, read.entries, read.count), 2);
    assert_int_equal(s_integer(fx, "GET ut:events:ind:seq"), 15);
    assert_int_equal(s_revisions(fx, "2023-05"), 1);
}

//  Checks that the value (tech_smes, org, period) has revisions 1..count
//  with values want[0..count-1], in this order, read through the store: a
//  list of them from the second on, else only its record.
static void s_check_revisions(s_fixture_t *fx, const char *org, const char *period,
                              const double *want, size_t count)
{
    test_indicators_history_t history;
    assert_int_equal(test_indicators_revisions(&fx->base, "tech_smes", org, period, &history),
                     count);
    for (size_t i = 0; i < count; i++) {
        assert_int_equal(history.revisions[i].rev, (int64_t)i + 1);
        assert_true(history.revisions[i].has_v && history.revisions[i].v == want[i]);
    }
    char command[128];
    snprintf(command, sizeof command, "LLEN ut:rev:tech_smes:%s:%s", org, period);
    assert_int_equal(s_integer(fx, command), count > 1 ? (long long)count : 0);
}

//  Revisions of several values interleave in one window (two towns and
//  their district's sum): each value's list gets its own in order.
static void test_revisions_in_order(void **state)
{
    s_fixture_t *fx = (s_fixture_t *)*state;
    char err[256];
    bool changed;
    assert_int_equal(sti_catalog_store_add_org(fx->base.catalog, "town0", "linping", "t0", "t0",
                                               &changed, err, sizeof err),
                     STI_ERR_NONE);
    assert_int_equal(sti_catalog_store_add_org(fx->base.catalog, "town1", "linping", "t1", "t1",
                                               &changed, err, sizeof err),
                     STI_ERR_NONE);
    indicators_apply_tick(fx->apply); // creates the group
    const char *orgs1[] = {"town0", "town1", "town0"}, *orgs2[] = {"town1", "town0"};
    const char *periods1[] = {"2023-01", "2023-01", "2023-02"},
               *periods2[] = {"2023-01", "2023-01"};
    const double values1[] = {1, 2, 3}, values2[] = {5, 4};
    test_indicators_append_rows(&fx->base, "tech_smes", orgs1, periods1, values1, 3);
    test_indicators_append_rows(&fx->base, "tech_smes", orgs2, periods2, values2, 2);
    indicators_intake_read_t read;
    assert_int_equal(indicators_intake_read(fx->base.intake, false, &read), 2);
    assert_int_equal(indicators_apply_entries(fx->apply, read.entries, read.count), 2); // 5 rows
    //  The sum changes once per entry (3, then 9), after the entry's rows.
    const double sum[] = {3, 9}, town0[] = {1, 4}, town1[] = {2, 5}, feb[] = {3};
    s_check_revisions(fx, "linping", "2023-01", sum, 2);
    s_check_revisions(fx, "town0", "2023-01", town0, 2);
    s_check_revisions(fx, "town1", "2023-01", town1, 2);
    s_check_revisions(fx, "linping", "2023-02", feb, 1);
    //  Every change logged an event, gap-free, with its value's topic and
    //  subject: the first entry's rows, then the sums they changed.
    assert_int_equal(s_integer(fx, "GET ut:events:ind:seq"), 8);
    size_t count;
    sti_event_t **events = test_events_log_read(fx->base.redis, "ut:events:ind", "ind", &count);
    assert_int_equal(count, 8);
    const char *want[][2] = {{"ind.tech_smes.town0", "tech_smes/town0/2023-01"},
                             {"ind.tech_smes.town1", "tech_smes/town1/2023-01"},
                             {"ind.tech_smes.town0", "tech_smes/town0/2023-02"},
                             {"ind.tech_smes.linping", "tech_smes/linping/2023-01"},
                             {"ind.tech_smes.linping", "tech_smes/linping/2023-02"},
                             {"ind.tech_smes.town1", "tech_smes/town1/2023-01"}};
    for (size_t e = 0; e < sizeof want / sizeof want[0]; e++) {
        assert_int_equal(events[e]->seq, e + 1);
        assert_string_equal(events[e]->topic, want[e][0]);
        assert_string_equal(events[e]->subject, want[e][1]);
        assert_int_equal(strlen(events[e]->time), 24);
    }
    sti_events_log_events_destroy(&events, count);
}

static void test_bad_entry_acknowledged(void **state)
{
    s_fixture_t *fx = (s_fixture_t *)*state;
    indicators_apply_tick(fx->apply);
    test_indicators_append(&fx->base, "\xc1\xc1", 2, NULL); // not MessagePack
    test_indicators_append(&fx->base, "\x91\x01", 2, NULL); // [1]: a row that is not a row
    test_indicators_append_months(&fx->base, "tech_smes", "2024", 1, 1); // a good one after
    for (int i = 0; i < 5; i++) {
        indicators_apply_tick(fx->apply);
    }
    assert_int_equal(s_integer(fx, "GET ut:events:ind:seq"), 1);
    assert_int_equal(indicators_intake_pending(fx->base.intake), 0);
}

//  With no time budget a tick applies one window of a batch and keeps the
//  rest for the next tick; a catalog read anew in between drops the kept
//  batch, whose entries are read again: every row is applied once all the
//  same.
static void test_batch_over_ticks(void **state)
{
    s_fixture_t *fx = (s_fixture_t *)*state;
    fx->base.config.tick_budget_ms = 0; // batch_rows is 5: a window of 5 rows a tick
    indicators_apply_tick(fx->apply);   // creates the group
    test_indicators_append_months(&fx->base, "tech_smes", "2021", 100, 12);
    test_indicators_append_months(&fx->base, "tech_smes", "2022", 200, 12);
    test_indicators_append_months(&fx->base, "tech_smes", "2023", 300, 12);
    indicators_apply_tick(fx->apply);
    long long first = s_integer(fx, "GET ut:events:ind:seq");
    assert_true(first >= 5 && first < 36);
    assert_true(indicators_intake_pending(fx->base.intake) > 0);
    indicators_apply_tick(fx->apply);
    assert_true(s_integer(fx, "GET ut:events:ind:seq") > first);
    //  A new catalog (an org unit added) while the batch is kept.
    char err[256];
    bool changed;
    assert_int_equal(sti_catalog_store_add_org(fx->base.catalog, "town9", "linping", "t9", "t9",
                                               &changed, err, sizeof err),
                     STI_ERR_NONE);
    sti_errcode_t code;
    assert_non_null(sti_catalog_store_get(fx->base.catalog, &code, err, sizeof err));
    for (int i = 0; i < 40 && indicators_intake_pending(fx->base.intake) > 0; i++) {
        indicators_apply_tick(fx->apply);
    }
    assert_int_equal(indicators_intake_pending(fx->base.intake), 0);
    assert_int_equal(s_integer(fx, "GET ut:events:ind:seq"), 36);
    assert_int_equal(s_integer(fx, "HLEN ut:val:tech_smes:linping"), 36);
    assert_int_equal(s_revisions(fx, "2022-07"), 1);
    int64_t entries = 0, rows = 0;
    indicators_apply_totals(fx->apply, &entries, &rows);
    assert_true(entries >= 3 && rows >= 36);
}

//  Adds org unit code under linping through a store of its own, as another
//  process would: the applier's store still holds the catalog from before.
static void s_add_org_elsewhere(s_fixture_t *fx, const char *code)
{
    sti_catalog_store_t *other = sti_catalog_store_new(fx->base.redis);
    char err[256];
    bool changed;
    assert_int_equal(
        sti_catalog_store_add_org(other, code, "linping", code, code, &changed, err, sizeof err),
        STI_ERR_NONE);
    assert_true(changed);
    sti_catalog_store_destroy(&other);
}

//  The applier begins a batch on the catalog it holds and checks its
//  version in the read: replaced meanwhile, the batch starts again on the
//  new one (the store's version moves on) and every row is applied once;
//  a row only the new catalog knows is applied, not skipped.
static void test_catalog_replaced(void **state)
{
    s_fixture_t *fx = (s_fixture_t *)*state;
    indicators_apply_tick(fx->apply); // creates the group
    test_indicators_append_months(&fx->base, "tech_smes", "2023", 100, 2);
    for (int i = 0; i < 5 && s_integer(fx, "GET ut:events:ind:seq") < 2; i++) {
        indicators_apply_tick(fx->apply);
    }
    uint64_t held = sti_catalog_store_version(fx->base.catalog);
    assert_true(held > 0);
    //  Rows the held catalog fits: the read finds the version changed.
    s_add_org_elsewhere(fx, "town7");
    test_indicators_append_months(&fx->base, "tech_smes", "2024", 200, 3);
    for (int i = 0; i < 20 && s_integer(fx, "GET ut:events:ind:seq") < 5; i++) {
        indicators_apply_tick(fx->apply);
    }
    assert_true(sti_catalog_store_version(fx->base.catalog) > held);
    assert_int_equal(s_integer(fx, "GET ut:events:ind:seq"), 5);
    assert_int_equal(s_revisions(fx, "2024-03"), 1);
    //  A row at an org unit the held catalog does not know.
    held = sti_catalog_store_version(fx->base.catalog);
    s_add_org_elsewhere(fx, "town8");
    const char *orgs[] = {"town8"}, *periods[] = {"2024-01"};
    const double values[] = {7};
    test_indicators_append_rows(&fx->base, "tech_smes", orgs, periods, values, 1);
    for (int i = 0; i < 20 && s_integer(fx, "GET ut:events:ind:seq") < 6; i++) {
        indicators_apply_tick(fx->apply);
    }
    assert_true(sti_catalog_store_version(fx->base.catalog) > held);
    assert_int_equal(s_integer(fx, "HLEN ut:val:tech_smes:town8"), 1);
    size_t count;
    sti_event_t **events = test_events_log_read(fx->base.redis, "ut:events:ind", "ind", &count);
    assert_int_equal(count, 6);
    assert_string_equal(events[5]->subject, "tech_smes/town8/2024-01");
    sti_events_log_events_destroy(&events, count);
    assert_int_equal(indicators_intake_pending(fx->base.intake), 0);
}

//  Replicas that do not confirm the first window: the batch stops there, so
//  that no later window acknowledges the entry (after a fail-over it could,
//  on a replica that lacks the first window). The entry, still pending, is
//  read again: the rows written are skipped, the rest applied, each once.
static bool s_confirmed_after_first(void *arg)
{
    int *calls = (int *)arg;
    return (*calls)++ > 0;
}

static void test_unconfirmed_window(void **state)
{
    s_fixture_t *fx = (s_fixture_t *)*state;
    int calls = 0;
    indicators_apply_set_replicated(fx->apply, s_confirmed_after_first, &calls);
    indicators_apply_tick(fx->apply); // creates the group
    test_indicators_append_months(&fx->base, "tech_smes", "2023", 100, 12);
    for (int i = 0; i < 100 && calls == 0; i++) {
        indicators_apply_tick(fx->apply);
    }
    assert_int_equal(calls, 1);
    assert_int_equal(s_integer(fx, "GET ut:events:ind:seq"), 5); // the first window (5 rows)
    assert_int_equal(indicators_intake_pending(fx->base.intake), 1);
    for (int i = 0; i < 20 && indicators_intake_pending(fx->base.intake) > 0; i++) {
        indicators_apply_tick(fx->apply);
    }
    assert_int_equal(indicators_intake_pending(fx->base.intake), 0);
    assert_int_equal(s_integer(fx, "GET ut:events:ind:seq"), 12);
    assert_int_equal(s_integer(fx, "HLEN ut:val:tech_smes:linping"), 12);
    assert_int_equal(s_revisions(fx, "2023-01"), 1);
    assert_int_equal(s_revisions(fx, "2023-12"), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_apply_once, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_bad_entry_acknowledged, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_revisions_in_order, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_batch_over_ticks, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_unconfirmed_window, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_catalog_replaced, s_setup, s_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
