/*  notify_evaluator: an evaluator's state and its alerts. See
    notify_evaluator.h.

    An alert of a grouped rule goes into its group (the group's message is
    made by a later flush); any other goes out as one delivery per
    receiver, recorded as silenced when a silence holds it. The delivery ids
    come from (rule, receiver, about), so an alert made twice is queued once.
*/
#include "notify_evaluator.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "notify_match.h"

const char *notify_evaluator_service(const char *stream)
{
    static const char *const known[][2] = {
        {"ind", "sti.indicators"}, {"tal", "sti.talent"}, {"prj", "sti.projects"}};
    for (size_t k = 0; k < sizeof known / sizeof known[0]; k++) {
        if (strcmp(stream, known[k][0]) == 0) {
            return known[k][1];
        }
    }
    return NULL;
}

int notify_evaluator_init(notify_evaluator_t *self, const notify_eval_config_t *config,
                          const notify_eval_metrics_t *metrics, const char *stream, char *err,
                          size_t errlen)
{
    memset(self, 0, sizeof *self);
    const char *service = notify_evaluator_service(stream);
    if (!service) {
        snprintf(err, errlen, "unknown stream '%s' (ind, tal, prj)", stream);
        return -1;
    }
    snprintf(self->stream.name, sizeof self->stream.name, "%s", stream);
    snprintf(self->stream.service, sizeof self->stream.service, "%s", service);
    self->config = config;
    self->metrics = metrics;
    self->redis = sti_redis_new(config->redis_url, config->ns, err, errlen);
    if (!self->redis) {
        return -1;
    }
    self->queue = notify_queue_new(self->redis, config->retention_ms);
    self->store = notify_eval_store_new(self->redis);
    self->rules = notify_rule_store_new(self->redis);
    self->catalog = sti_catalog_store_new(self->redis);
    self->writer = sti_writer_new();
    unsigned char random[16];
    randombytes_buf(random, sizeof random);
    sodium_bin2hex(self->token, sizeof self->token, random, sizeof random);
    return 0;
}

void notify_evaluator_fini(notify_evaluator_t *self)
{
    sti_events_sub_destroy(&self->stream.sub);
    sti_writer_destroy(&self->writer);
    sti_catalog_store_destroy(&self->catalog);
    notify_rule_store_destroy(&self->rules);
    notify_eval_store_destroy(&self->store);
    notify_queue_destroy(&self->queue);
    sti_redis_destroy(&self->redis);
}

void notify_evaluator_deliveries(notify_evaluator_t *self, const notify_rule_t *rule,
                                 const void *events, size_t size, const char *about, bool silenced,
                                 const char *group, const char *label)
{
    for (size_t r = 0; r < rule->to_count; r++) {
        char id[NOTIFY_DELIVERY_ID_MAX + 1];
        notify_queue_delivery_id(rule->id, rule->to[r], about, id);
        notify_queue_item_t item = {id,     rule->id, rule->name, rule->severity, rule->to[r],
                                    events, size,     silenced,   group,          label};
        notify_queue_add(self->queue, &item);
    }
}

void notify_evaluator_alert(notify_evaluator_t *self, const notify_rule_t *rule,
                            const notify_alert_event_t *event, const char *about, bool groupable,
                            int64_t now_ms)
{
    char label[256];
    notify_label(event, label, sizeof label);
    notify_alert_event_t told = *event; // as the rule tells it: in its language
    snprintf(told.lang, sizeof told.lang, "%s", rule->lang);
    event = &told;
    bool silenced =
        notify_silenced(notify_rule_store_silence_at(self->rules, 0),
                        notify_rule_store_silence_count(self->rules), rule, event, now_ms);
    sti_writer_reset(self->writer);
    size_t size;
    if (groupable && !silenced && notify_rule_grouped(rule)) {
        char gid[NOTIFY_GROUP_ID_MAX];
        notify_group_id(rule, event, gid, sizeof gid);
        notify_alert_event_write(event, self->writer);
        const void *blob = sti_writer_data(self->writer, &size);
        notify_queue_group(self->queue, gid, rule->id, blob, size, rule->group_wait_ms,
                           rule->group_interval_ms);
        return;
    }
    sti_writer_array(self->writer, 1);
    notify_alert_event_write(event, self->writer);
    const void *blob = sti_writer_data(self->writer, &size);
    notify_evaluator_deliveries(self, rule, blob, size, about, silenced, "", label);
    if (silenced) {
        sti_metric_add(self->metrics->silenced, 1);
    }
}
