/*  test_notify_rule: reading and checking rules, conditions, matching, and
    the evaluator's decisions (notify_match, notify_latest). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "notify_match.h"
#include "notify_rule.h"

//  Encodes a rule map with the given when, to and extra (key, value) pairs.
static sti_reader_t *s_map(const char *when, const char *to, const char *key, const char *value)
{
    sti_writer_t *w = sti_writer_new();
    sti_writer_map(w, key ? 4 : 3);
    sti_writer_kv_str(w, "name", "test rule");
    sti_writer_kv_str(w, "when", when);
    sti_writer_str(w, "to");
    sti_writer_array(w, 1);
    sti_writer_str(w, to);
    if (key) {
        sti_writer_kv_str(w, key, value);
    }
    size_t size;
    const void *data = sti_writer_data(w, &size);
    char err[128];
    sti_reader_t *reader = sti_reader_new(data, size, NULL, err, sizeof err);
    sti_writer_destroy(&w);
    assert_non_null(reader);
    return reader;
}

//  Reads a rule; returns rc, fills rule and err.
static int s_read(const char *when, const char *to, const char *key, const char *value,
                  notify_rule_t *rule, sti_field_error_t *err)
{
    sti_reader_t *reader = s_map(when, to, key, value);
    int rc = notify_rule_read(sti_reader_root(reader), rule, err);
    sti_reader_destroy(&reader);
    return rc;
}

static void test_conditions(void **state)
{
    (void)state;
    notify_rule_t *rule = calloc(1, sizeof *rule);
    sti_field_error_t err;
    const char *url = "webhook:https://hooks.example.org/sti#s3cret";
    assert_int_equal(s_read("status_changed:lagging,at_risk", url, NULL, NULL, rule, &err), 0);
    assert_int_equal(rule->when, NOTIFY_WHEN_STATUS_CHANGED);
    assert_int_equal(rule->status_count, 2);
    assert_string_equal(rule->severity, "warning");
    assert_string_equal(rule->event, "indicator.changed");
    assert_int_equal(s_read("crosses_above:1e3", url, NULL, NULL, rule, &err), 0);
    assert_true(rule->threshold == 1000);
    assert_int_equal(s_read("stale:90", url, NULL, NULL, rule, &err), 0);
    assert_int_equal(rule->stale_days, 90);
    const char *bad[] = {"crosses_above:",      "crosses_below:x", "stale:0",   "stale:2x",
                         "status_changed:fine", "achieved:1",      "sometimes", ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(s_read(bad[i], url, NULL, NULL, rule, &err), -1);
        assert_string_equal(err.field, "when");
    }
    free(rule);
}

static void test_refusals(void **state)
{
    (void)state;
    notify_rule_t *rule = calloc(1, sizeof *rule);
    sti_field_error_t err;
    assert_int_equal(s_read("any", "webhook:ftp://x", NULL, NULL, rule, &err), -1);
    assert_string_equal(err.field, "to");
    assert_non_null(strstr(err.reason, "receiver 1:"));
    assert_int_equal(s_read("any", "email:no-at-sign", NULL, NULL, rule, &err), -1);
    assert_string_equal(err.field, "to");
    assert_int_equal(s_read("any", "email:a@b.cn", "severity", "loud", rule, &err), -1);
    assert_string_equal(err.field, "severity");
    assert_int_equal(s_read("any", "email:a@b.cn", "event", "weather", rule, &err), -1);
    assert_string_equal(err.field, "event");
    assert_int_equal(s_read("achieved", "email:a@b.cn", "event", "talent.*", rule, &err), -1);
    assert_string_equal(err.field, "when");
    assert_int_equal(s_read("any", "email:a@b.cn", "colour", "red", rule, &err), -1);
    assert_int_equal(s_read("any", "email:a@b.cn", "prefix", "bad prefix", rule, &err), -1);
    assert_string_equal(err.field, "prefix");
    free(rule);
}

static void test_round_trip_and_mask(void **state)
{
    (void)state;
    notify_rule_t *rule = calloc(1, sizeof *rule), *again = calloc(1, sizeof *again);
    sti_field_error_t err;
    assert_int_equal(s_read("crosses_below:50", "dingtalk:https://oapi.example.com/x#SECabc",
                            "prefix", "hitech", rule, &err),
                     0);
    snprintf(rule->id, sizeof rule->id, "r-9");
    sti_writer_t *w = sti_writer_new();
    for (int mask = 0; mask < 2; mask++) {
        sti_writer_reset(w);
        notify_rule_write(rule, w, mask);
        size_t size;
        const void *data = sti_writer_data(w, &size);
        char text[128];
        sti_reader_t *reader = sti_reader_new(data, size, NULL, text, sizeof text);
        assert_int_equal(notify_rule_read(sti_reader_root(reader), again, &err), 0);
        assert_string_equal(again->id, "r-9");
        assert_string_equal(again->prefix, "hitech");
        assert_int_equal(again->when, NOTIFY_WHEN_CROSSES_BELOW);
        assert_string_equal(again->to[0], mask ? "dingtalk:https://oapi.example.com/x#***"
                                               : "dingtalk:https://oapi.example.com/x#SECabc");
        sti_reader_destroy(&reader);
    }
    sti_writer_destroy(&w);
    free(rule);
    free(again);
}

static void test_matching(void **state)
{
    (void)state;
    notify_rule_t *rule = calloc(1, sizeof *rule);
    sti_field_error_t err;
    assert_int_equal(s_read("any", "email:a@b.cn", "prefix", "hitech", rule, &err), 0);
    rule->org_count = 1;
    snprintf(rule->orgs[0], sizeof rule->orgs[0], "donghu");
    notify_match_t yes = {"indicator.changed", "hitech_enterprises", "donghu", NULL};
    notify_match_t other_org = {"indicator.changed", "hitech_enterprises", "linping", NULL};
    notify_match_t other_code = {"indicator.changed", "rd_expenditure", "donghu", NULL};
    notify_match_t talent = {"talent.registered", NULL, "donghu", "top"};
    assert_true(notify_rule_matches(rule, &yes));
    assert_false(notify_rule_matches(rule, &other_org));
    assert_false(notify_rule_matches(rule, &other_code));
    assert_false(notify_rule_matches(rule, &talent));
    assert_int_equal(s_read("any", "email:a@b.cn", "event", "talent.*", rule, &err), 0);
    assert_true(notify_rule_matches(rule, &talent));
    assert_false(notify_rule_matches(rule, &yes));
    rule->category_count = 1;
    snprintf(rule->categories[0], sizeof rule->categories[0], "national");
    assert_false(notify_rule_matches(rule, &talent));
    free(rule);
}

//  progress.changed: heard by status rules on indicator.changed and by its own rules.
static void test_progress_events(void **state)
{
    (void)state;
    notify_rule_t *rule = calloc(1, sizeof *rule);
    sti_field_error_t err;
    notify_match_t progress = {"progress.changed", "hitech_enterprises", "donghu", NULL};
    notify_match_t value = {"indicator.changed", "hitech_enterprises", "donghu", NULL};
    assert_int_equal(s_read("status_changed", "email:a@b.cn", NULL, NULL, rule, &err), 0);
    assert_string_equal(rule->event, "indicator.changed");
    assert_string_equal(rule->lang, "zh,en");
    assert_true(notify_rule_matches(rule, &progress));
    assert_true(notify_rule_matches(rule, &value));
    assert_int_equal(s_read("achieved", "email:a@b.cn", NULL, NULL, rule, &err), 0);
    assert_true(notify_rule_matches(rule, &progress));
    assert_int_equal(s_read("crosses_above:5", "email:a@b.cn", NULL, NULL, rule, &err), 0);
    assert_false(notify_rule_matches(rule, &progress)); // no value moved
    assert_int_equal(s_read("any", "email:a@b.cn", "event", "progress.changed", rule, &err), 0);
    assert_true(notify_rule_matches(rule, &progress));
    assert_false(notify_rule_matches(rule, &value));
    assert_int_equal(
        s_read("crosses_above:5", "email:a@b.cn", "event", "progress.changed", rule, &err), -1);
    assert_string_equal(err.field, "when");
    assert_int_equal(s_read("any", "email:a@b.cn", "lang", "en", rule, &err), 0);
    assert_string_equal(rule->lang, "en");
    assert_int_equal(s_read("any", "email:a@b.cn", "lang", "fr", rule, &err), -1);
    assert_string_equal(err.field, "lang");
    //  org.changed: by org unit only, with the condition any.
    notify_match_t org = {"org.changed", NULL, "donghu", NULL};
    assert_int_equal(s_read("any", "email:a@b.cn", "event", "org.changed", rule, &err), 0);
    assert_true(notify_rule_matches(rule, &org));
    assert_false(notify_rule_matches(rule, &progress));
    assert_false(notify_rule_matches(rule, &value));
    assert_int_equal(s_read("status_changed", "email:a@b.cn", "event", "org.changed", rule, &err),
                     -1);
    assert_string_equal(err.field, "when");
    free(rule);
}

//  milestone_late: the condition of project events; alone it makes the
//  rule's event project.milestone_late; it holds for that event type only;
//  project rules match by kind (categories) and org unit.
static void test_milestone_late(void **state)
{
    (void)state;
    notify_rule_t *rule = calloc(1, sizeof *rule);
    sti_field_error_t err;
    assert_int_equal(s_read("milestone_late", "email:a@b.cn", NULL, NULL, rule, &err), 0);
    assert_int_equal(rule->when, NOTIFY_WHEN_MILESTONE_LATE);
    assert_string_equal(rule->event, "project.milestone_late");
    assert_true(notify_rule_project(rule));
    notify_alert_event_t late, changed;
    memset(&late, 0, sizeof late);
    snprintf(late.type, sizeof late.type, "project.milestone_late");
    changed = late;
    snprintf(changed.type, sizeof changed.type, "project.status_changed");
    assert_true(notify_condition_holds(rule, &late, NULL));
    assert_false(notify_condition_holds(rule, &changed, NULL));
    notify_match_t incubator = {"project.milestone_late", NULL, "donghu", "incubator"};
    notify_match_t status = {"project.status_changed", NULL, "donghu", "incubator"};
    assert_true(notify_rule_matches(rule, &incubator));
    assert_false(notify_rule_matches(rule, &status));
    assert_int_equal(s_read("milestone_late", "email:a@b.cn", "event", "project.*", rule, &err), 0);
    assert_true(notify_rule_matches(rule, &status));
    rule->category_count = 1;
    snprintf(rule->categories[0], sizeof rule->categories[0], "platform");
    assert_false(notify_rule_matches(rule, &incubator));
    assert_int_equal(s_read("any", "email:a@b.cn", "event", "project.status_changed", rule, &err),
                     0);
    assert_int_equal(
        s_read("milestone_late", "email:a@b.cn", "event", "indicator.changed", rule, &err), -1);
    assert_string_equal(err.field, "when");
    assert_non_null(strstr(err.reason, "a condition of project events"));
    assert_int_equal(s_read("achieved", "email:a@b.cn", "event", "project.*", rule, &err), -1);
    assert_string_equal(err.reason, "project events take only the conditions any and "
                                    "milestone_late");
    assert_int_equal(s_read("any", "email:a@b.cn", "event", "project.weather", rule, &err), -1);
    assert_string_equal(err.field, "event");
    free(rule);
}

//  An indicator event with old (NAN: none) and new.
static notify_alert_event_t s_event(const char *period, double old, double new_value,
                                    const char *before, const char *after)
{
    notify_alert_event_t event;
    memset(&event, 0, sizeof event);
    snprintf(event.type, sizeof event.type, "indicator.changed");
    snprintf(event.indicator, sizeof event.indicator, "tech_smes");
    snprintf(event.org, sizeof event.org, "linping");
    snprintf(event.period, sizeof event.period, "%s", period);
    event.has_old = old == old;
    event.old = old;
    event.has_new = true;
    event.new_value = new_value;
    snprintf(event.status_before, sizeof event.status_before, "%s", before);
    snprintf(event.status_after, sizeof event.status_after, "%s", after);
    return event;
}

static void test_decisions(void **state)
{
    (void)state;
    notify_rule_t *rule = calloc(1, sizeof *rule);
    char err[128];
    notify_latest_t latest;
    assert_int_equal(notify_latest_parse("2023|900|1", 10, &latest), 0);
    assert_int_equal(notify_rule_parse_when(rule, "crosses_above:1000", err, sizeof err), 0);
    notify_alert_event_t first = s_event("2023", NAN, 1200, "on_track", "on_track");
    assert_false(notify_condition_holds(rule, &first, NULL)); // nothing before
    notify_alert_event_t next = s_event("2024", NAN, 1100, "on_track", "on_track");
    assert_true(notify_condition_holds(rule, &next, &latest)); // 900 (2023) -> 1100
    notify_alert_event_t older = s_event("2022", NAN, 1100, "on_track", "on_track");
    assert_false(notify_condition_holds(rule, &older, &latest)); // an earlier period
    notify_alert_event_t revised = s_event("2023", 999, 1000, "on_track", "on_track");
    assert_true(notify_condition_holds(rule, &revised, &latest)); // old wins; at V counts
    assert_int_equal(notify_rule_parse_when(rule, "achieved", err, sizeof err), 0);
    notify_alert_event_t got = s_event("2023", 1, 2, "on_track", "achieved");
    notify_alert_event_t kept = s_event("2023", 2, 3, "achieved", "achieved");
    assert_true(notify_condition_holds(rule, &got, NULL));
    assert_false(notify_condition_holds(rule, &kept, NULL));
    //  stale: 2020 ended long ago; a month of this year has not
    assert_true(notify_latest_stale(&latest, 30, 1893456000));          // 2030
    assert_false(notify_latest_stale(&latest, 30, 1704067200 + 86400)); // 2024-01-02
    assert_true(notify_latest_newer(&latest, "2024Q1"));
    assert_false(notify_latest_newer(&latest, "2022"));
    char text[128];
    notify_latest_t back;
    notify_latest_format(&latest, text, sizeof text);
    assert_int_equal(notify_latest_parse(text, strlen(text), &back), 0);
    assert_string_equal(back.period, "2023");
    assert_int_equal(notify_latest_parse("garbage", 7, &back), -1);
    char indicator[16], org[16];
    assert_int_equal(notify_latest_field_split("hitech|linping", 14, indicator, org, 16), 0);
    assert_string_equal(indicator, "hitech");
    assert_string_equal(org, "linping");
    assert_int_equal(notify_latest_field_split("no-bar", 6, indicator, org, 16), -1);
    assert_int_equal(notify_latest_field_split("a|much-too-long-org", 19, indicator, org, 16), -1);
    free(rule);
}

//  forecast_miss: on indicator.changed (the default) or
//  indicator.forecast_changed; fires when a forecast's class becomes
//  needs_acceleration or stagnation_or_regression.
static void test_forecast_miss(void **state)
{
    (void)state;
    notify_rule_t *rule = calloc(1, sizeof *rule);
    sti_field_error_t err;
    notify_match_t forecast = {"indicator.forecast_changed", "hitech_enterprises", "linping", NULL};
    notify_match_t value = {"indicator.changed", "hitech_enterprises", "linping", NULL};
    notify_match_t progress = {"progress.changed", "hitech_enterprises", "linping", NULL};
    assert_int_equal(s_read("forecast_miss", "email:a@b.cn", NULL, NULL, rule, &err), 0);
    assert_int_equal(rule->when, NOTIFY_WHEN_FORECAST_MISS);
    assert_true(notify_rule_matches(rule, &forecast));
    assert_false(notify_rule_matches(rule, &progress));
    assert_true(notify_rule_matches(rule, &value)); // heard, but the condition never holds
    notify_alert_event_t slower =
        s_event("2025", NAN, 795, "expected_to_meet", "needs_acceleration");
    assert_false(notify_condition_holds(rule, &slower, NULL)); // an indicator.changed
    snprintf(slower.type, sizeof slower.type, "indicator.forecast_changed");
    assert_true(notify_condition_holds(rule, &slower, NULL));
    notify_alert_event_t stuck = slower;
    snprintf(stuck.status_after, sizeof stuck.status_after, "stagnation_or_regression");
    assert_true(notify_condition_holds(rule, &stuck, NULL));
    notify_alert_event_t better = stuck;
    snprintf(better.status_before, sizeof better.status_before, "stagnation_or_regression");
    snprintf(better.status_after, sizeof better.status_after, "expected_to_meet");
    assert_false(notify_condition_holds(rule, &better, NULL));
    assert_int_equal(
        s_read("forecast_miss", "email:a@b.cn", "event", "indicator.forecast_changed", rule, &err),
        0);
    assert_true(notify_rule_matches(rule, &forecast));
    assert_false(notify_rule_matches(rule, &value));
    assert_int_equal(
        s_read("status_changed", "email:a@b.cn", "event", "indicator.forecast_changed", rule, &err),
        -1);
    assert_string_equal(err.field, "when");
    assert_int_equal(
        s_read("forecast_miss", "email:a@b.cn", "event", "progress.changed", rule, &err), -1);
    assert_int_equal(s_read("forecast_miss:1", "email:a@b.cn", NULL, NULL, rule, &err), -1);
    free(rule);
}

static void test_silences(void **state)
{
    (void)state;
    notify_rule_t *rule = calloc(1, sizeof *rule);
    snprintf(rule->id, sizeof rule->id, "r-1");
    snprintf(rule->severity, sizeof rule->severity, "warning");
    notify_silence_t silence;
    memset(&silence, 0, sizeof silence);
    snprintf(silence.org, sizeof silence.org, "linping");
    silence.ends_at_ms = 2000;
    notify_alert_event_t event = s_event("2023", 1, 2, "on_track", "lagging");
    assert_true(notify_silenced(&silence, 1, rule, &event, 1000));
    assert_false(notify_silenced(&silence, 1, rule, &event, 2000)); // ended
    snprintf(silence.rule, sizeof silence.rule, "r-2");
    assert_false(notify_silenced(&silence, 1, rule, &event, 1000)); // another rule
    free(rule);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_conditions),          cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_round_trip_and_mask), cmocka_unit_test(test_matching),
        cmocka_unit_test(test_decisions),           cmocka_unit_test(test_silences),
        cmocka_unit_test(test_progress_events),     cmocka_unit_test(test_forecast_miss),
        cmocka_unit_test(test_milestone_late),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
