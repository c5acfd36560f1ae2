/*  notify_eval_timers: group flushes and stale checks. See
    notify_eval_timers.h.

    Each round is bounded: at most S_GROUPS_PER_ROUND groups, S_GROUP_EVENTS
    events a message, S_LATEST_MAX latest values a check (more is logged
    and the check skipped), S_STALE_COMMIT deliveries a commit.
*/
#include "notify_eval_timers.h"

#include <stdio.h>
#include <string.h>

#include "notify_match.h"
#include "sti_log.h"

#define S_GROUPS_PER_ROUND 16 // groups flushed per round at most
#define S_GROUP_EVENTS 100    // events one grouped message carries at most
#define S_LATEST_MAX 200000   // latest values a stale check reads at most
#define S_STALE_COMMIT 256    // deliveries per stale commit

//  Flushes one group. Returns 0, or -1 when Redis failed.
static int s_flush(notify_evaluator_t *self, const char *gid, int64_t now_ms)
{
    notify_group_head_t head;
    if (notify_eval_store_group(self->store, gid, S_GROUP_EVENTS, &head, self->writer) != 0) {
        return -1;
    }
    const notify_rule_t *rule = notify_rule_store_rule_find(self->rules, head.rule);
    notify_queue_begin(self->queue);
    if (rule && head.count > 0) {
        size_t size;
        const void *blob = sti_writer_data(self->writer, &size);
        char about[NOTIFY_GROUP_ID_MAX + 32], label[NOTIFY_GROUP_ID_MAX + 64];
        snprintf(about, sizeof about, "%.95s#%lld", gid, (long long)head.flushes);
        snprintf(label, sizeof label, "group %.95s: %zu events", gid, head.count);
        notify_evaluator_deliveries(self, rule, blob, size, about, false, gid, label);
    }
    long created = notify_queue_commit_flush(self->queue, gid, head.flushes, head.count,
                                             rule ? rule->group_interval_ms : 0, now_ms);
    if (created > 0) {
        sti_metric_add(self->metrics->alerts, created);
    }
    return created == -1 ? -1 : 0;
}

void notify_eval_timers_flush(notify_evaluator_t *self, int64_t now_ms)
{
    char gids[S_GROUPS_PER_ROUND][NOTIFY_GROUP_ID_MAX];
    long due = notify_eval_store_due_groups(self->store, now_ms, S_GROUPS_PER_ROUND, gids);
    if (due <= 0 || notify_rule_store_refresh(self->rules) != 0) {
        return;
    }
    for (long i = 0; i < due; i++) {
        if (s_flush(self, gids[i], now_ms) != 0) {
            break;
        }
    }
}

//  Fills a stale alert event for indicator at org from latest.
static void s_stale_event(const sti_catalog_t *catalog, const char *indicator, const char *org,
                          const notify_latest_t *latest, notify_alert_event_t *event)
{
    memset(event, 0, sizeof *event);
    snprintf(event->type, sizeof event->type, "indicator.stale");
    snprintf(event->indicator, sizeof event->indicator, "%s", indicator);
    snprintf(event->org, sizeof event->org, "%s", org);
    snprintf(event->period, sizeof event->period, "%s", latest->period);
    snprintf(event->status_after, sizeof event->status_after, "stale");
    event->has_new = true;
    event->new_value = latest->value;
    const sti_indicator_t *found = catalog ? sti_catalog_indicator_find(catalog, indicator) : NULL;
    if (found) {
        snprintf(event->name_zh, sizeof event->name_zh, "%s", found->name_zh);
        snprintf(event->name_en, sizeof event->name_en, "%s", found->name_en);
        snprintf(event->unit, sizeof event->unit, "%s", found->unit);
        const sti_target_t *target = sti_indicator_final_target(found);
        if (target) {
            event->has_target = true;
            event->target = target->value;
            snprintf(event->target_year, sizeof event->target_year, "%d", target->year);
        }
    }
}

//  What a stale check walks with.
typedef struct {
    notify_evaluator_t *self;     // the evaluator
    const sti_catalog_t *catalog; // names and targets (NULL when none)
    int64_t now_ms;               // the check's time
    size_t pending;               // deliveries looked at since the last commit
} s_stale_t;

//  Commits the stale alerts queued so far.
static void s_stale_commit(s_stale_t *check)
{
    long created = notify_queue_commit_plain(check->self->queue, check->now_ms);
    sti_metric_add(check->self->metrics->alerts, created > 0 ? created : 0);
    notify_queue_begin(check->self->queue);
    check->pending = 0;
}

//  Checks one latest value against every stale rule.
static void s_stale_one(const char *indicator, const char *org, const notify_latest_t *latest,
                        void *arg)
{
    s_stale_t *check = arg;
    notify_evaluator_t *self = check->self;
    notify_match_t match = {"indicator.changed", indicator, org, NULL};
    for (size_t r = 0; r < notify_rule_store_rule_count(self->rules); r++) {
        const notify_rule_t *rule = notify_rule_store_rule_at(self->rules, r);
        if (rule->when != NOTIFY_WHEN_STALE || !notify_rule_matches(rule, &match) ||
            !notify_latest_stale(latest, rule->stale_days, check->now_ms / 1000)) {
            continue;
        }
        notify_alert_event_t event;
        s_stale_event(check->catalog, indicator, org, latest, &event);
        char about[256];
        long long round =
            rule->repeat_interval_ms > 0 ? check->now_ms / rule->repeat_interval_ms : 0;
        snprintf(about, sizeof about, "stale:%s|%s|%s#%lld", indicator, org, latest->period, round);
        notify_evaluator_alert(self, rule, &event, about, false, check->now_ms);
    }
    if (++check->pending == S_STALE_COMMIT) {
        s_stale_commit(check);
    }
}

void notify_eval_timers_stale(notify_evaluator_t *self, int64_t now_ms)
{
    if (notify_rule_store_refresh(self->rules) != 0) {
        return;
    }
    bool any = false;
    for (size_t r = 0; r < notify_rule_store_rule_count(self->rules); r++) {
        any = any || notify_rule_store_rule_at(self->rules, r)->when == NOTIFY_WHEN_STALE;
    }
    if (!any) {
        return;
    }
    sti_errcode_t code;
    char err[256];
    s_stale_t check = {self, sti_catalog_store_get(self->catalog, &code, err, sizeof err), now_ms,
                       0};
    notify_queue_begin(self->queue);
    if (notify_eval_store_latest_each(self->store, S_LATEST_MAX, s_stale_one, &check) >= 0) {
        s_stale_commit(&check);
    }
}
