/*  notify_worker: sender threads. See notify_worker.h.

    A sender waits on a condition variable between claims, so stopping
    wakes it at once and an idle sender costs one claim per poll_ms. It
    finishes the batch it claimed before it stops (sends are bounded by the
    channels' time-outs); what another sender had claimed comes due again
    when that claim's lease runs out.
*/
#include "notify_worker.h"

#include <assert.h>
#include <czmq.h>
#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "notify_alert.h"
#include "notify_queue.h"
#include "notify_receiver.h"
#include "sti_log.h"

#define S_EVENTS_MAX 100 // events one message carries at most

//  One sender thread.
typedef struct {
    notify_worker_t *owner; // the worker
    pthread_t thread;       // the thread
    bool started;           // whether the thread runs
    sti_redis_t *redis;     // its own connection
    notify_queue_t *queue;  // its own queue handle
} s_sender_t;

//  The metrics the senders update (registered on the service's HTTP server).
typedef struct {
    sti_metric_t *delivered; // sends that were delivered
    sti_metric_t *retried;   // sends that failed and will be tried again
    sti_metric_t *dead;      // deliveries moved to the dead-letter list
    sti_metric_t *queued;    // gauge: deliveries due or being sent
    sti_metric_t *dead_now;  // gauge: dead letters in the list
} s_metrics_t;

struct _notify_worker_t {
    const notify_worker_config_t *config;    // borrowed
    const notify_channel_config_t *channels; // borrowed
    s_metrics_t metrics;                     // the senders' counters and gauges
    pthread_mutex_t lock;                    // guards stop
    pthread_cond_t wake;                     // signalled on stop
    bool stop;                               // set by destroy
    s_sender_t *senders;                     // config->senders of them
    size_t count;                            // how many
};

int64_t notify_worker_backoff(const notify_worker_config_t *config, int64_t attempt,
                              int64_t retry_after_s)
{
    int64_t delay = config->backoff_ms;
    for (int64_t i = 1; i < attempt && delay < config->backoff_max_ms; i++) {
        delay *= 2;
    }
    if (delay > config->backoff_max_ms) {
        delay = config->backoff_max_ms;
    }
    delay = delay / 2 + (int64_t)randombytes_uniform((uint32_t)(delay / 2 + 1));
    if (retry_after_s >= 0 && delay < retry_after_s * 1000) {
        delay = retry_after_s * 1000;
    }
    return delay;
}

static int64_t s_now_ms(void)
{
    return zclock_time();
}

//  Waits up to ms or until stopped. Returns true when stopping.
static bool s_wait(notify_worker_t *self, int64_t ms)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += ms / 1000;
    until.tv_nsec += (ms % 1000) * 1000000;
    if (until.tv_nsec >= 1000000000) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000;
    }
    pthread_mutex_lock(&self->lock);
    if (!self->stop) {
        pthread_cond_timedwait(&self->wake, &self->lock, &until);
    }
    bool stop = self->stop;
    pthread_mutex_unlock(&self->lock);
    return stop;
}

//  Decodes the stored events and sends the alert. Fills result.
static void s_send(notify_worker_t *self, const notify_claimed_t *claimed, notify_result_t *result)
{
    char err[256];
    notify_receiver_t receiver;
    if (notify_receiver_parse(claimed->receiver, &receiver, err, sizeof err) != 0) {
        notify_result_set(result, NOTIFY_FINAL, "receiver: %s", err);
        return;
    }
    sti_reader_t *reader =
        sti_reader_new(claimed->events, claimed->events_size, NULL, err, sizeof err);
    sti_node_t array = reader ? sti_reader_root(reader) : (sti_node_t){NULL};
    size_t count = reader ? sti_node_size(array) : 0;
    if (!reader || sti_node_type(array) != STI_TYPE_ARRAY || count == 0) {
        sti_reader_destroy(&reader);
        notify_result_set(result, NOTIFY_FINAL, "stored alert does not read");
        return;
    }
    count = count > S_EVENTS_MAX ? S_EVENTS_MAX : count;
    notify_alert_event_t *events = calloc(count, sizeof *events);
    notify_event_t *views = calloc(count, sizeof *views);
    assert(events && views);
    for (size_t i = 0; i < count; i++) {
        notify_alert_event_read(sti_node_at(array, i), &events[i]);
        notify_alert_event_view(&events[i], &views[i]);
    }
    sti_reader_destroy(&reader);
    notify_alert_t alert = {claimed->rule,
                            claimed->rule_name,
                            claimed->severity,
                            views,
                            count,
                            events[0].lang[0] ? events[0].lang : NULL};
    notify_delivery_t delivery = {claimed->id, &receiver, &alert};
    notify_deliver(&delivery, self->channels, result);
    free(events);
    free(views);
}

//  Sends one claimed delivery and records what came of it.
static void s_handle(s_sender_t *sender, const char *id, int64_t token)
{
    notify_worker_t *self = sender->owner;
    notify_claimed_t claimed;
    if (notify_queue_load(sender->queue, id, &claimed) != 0) {
        return;
    }
    notify_result_t result;
    memset(&result, 0, sizeof result);
    result.retry_after_s = -1;
    s_send(self, &claimed, &result);
    int64_t now = s_now_ms();
    //  0 delivered, 1 retry, 2 dead
    static const char *const names[] = {"delivered", "retry", "dead"};
    int outcome = 0;
    int64_t next = 0;
    if (result.outcome == NOTIFY_RETRYABLE) {
        bool spent = claimed.round_attempts + 1 >= self->config->max_attempts ||
                     now - claimed.since_ms >= self->config->max_age_ms;
        outcome = spent ? 2 : 1;
        next = now + notify_worker_backoff(self->config, claimed.round_attempts + 1,
                                           result.retry_after_s);
    } else if (result.outcome == NOTIFY_FINAL) {
        outcome = 2;
    }
    int rc = notify_queue_done(sender->queue, id, token, names[outcome], now, next, result.error,
                               result.status);
    if (rc == 1) {
        sti_metric_t *counters[] = {self->metrics.delivered, self->metrics.retried,
                                    self->metrics.dead};
        sti_metric_add(counters[outcome], 1);
        if (outcome != 0) {
            sti_info("delivery %s (rule %s): %s after attempt %lld: %s", id, claimed.rule,
                     names[outcome], (long long)claimed.attempts + 1, result.error);
        }
    } else if (rc < 0) {
        sti_warn("delivery %s: result not recorded (Redis: %s); it will be sent again", id,
                 sti_redis_errstr(sender->redis));
    }
    notify_claimed_release(&claimed);
}

static void *s_run(void *arg)
{
    s_sender_t *sender = arg;
    notify_worker_t *self = sender->owner;
    int64_t next_gauge = 0;
    while (true) {
        char ids[NOTIFY_CLAIM_MAX][NOTIFY_DELIVERY_ID_MAX + 1];
        size_t count = 0;
        int64_t token = 0, now = s_now_ms();
        if (sender == &self->senders[0] && now >= next_gauge) {
            int64_t queued, dead;
            if (notify_queue_depth(sender->queue, &queued, &dead) == 0) {
                sti_metric_set(self->metrics.queued, queued);
                sti_metric_set(self->metrics.dead_now, dead);
            }
            notify_queue_trim(sender->queue, now);
            next_gauge = now + 1000;
        }
        if (notify_queue_claim(sender->queue, now, self->config->lease_ms,
                               (size_t)self->config->batch, ids, &count, &token) != 0) {
            count = 0;
        }
        for (size_t i = 0; i < count; i++) {
            s_handle(sender, ids[i], token);
        }
        if (count == 0 && s_wait(self, self->config->poll_ms)) {
            break;
        }
        if (count > 0 && s_wait(self, 0)) {
            break;
        }
    }
    return NULL;
}

//  Registers the metrics of the senders.
static void s_metrics(sti_http_t *http, s_metrics_t *metrics)
{
    const char *help = "Sends of deliveries, by result";
    metrics->delivered =
        sti_http_counter(http, "sti_notify_deliveries_total", "result=\"delivered\"", help);
    metrics->retried =
        sti_http_counter(http, "sti_notify_deliveries_total", "result=\"retry\"", help);
    metrics->dead = sti_http_counter(http, "sti_notify_deliveries_total", "result=\"dead\"", help);
    metrics->queued =
        sti_http_gauge(http, "sti_notify_queue_depth", NULL, "Deliveries due or being sent");
    metrics->dead_now =
        sti_http_gauge(http, "sti_notify_dead_letters", NULL, "Deliveries in the dead-letter list");
}

notify_worker_t *notify_worker_new(const char *redis_url, const char *ns,
                                   const notify_worker_config_t *config,
                                   const notify_channel_config_t *channels, sti_http_t *http)
{
    notify_worker_t *self = calloc(1, sizeof *self);
    assert(self);
    self->config = config;
    self->channels = channels;
    s_metrics(http, &self->metrics);
    pthread_mutex_init(&self->lock, NULL);
    pthread_cond_init(&self->wake, NULL);
    assert(config->senders >= 1 && config->batch >= 1 && config->batch <= NOTIFY_CLAIM_MAX);
    self->count = (size_t)config->senders;
    self->senders = calloc(self->count, sizeof *self->senders);
    assert(self->senders);
    for (size_t i = 0; i < self->count; i++) {
        char err[256];
        s_sender_t *sender = &self->senders[i];
        sender->owner = self;
        sender->redis = sti_redis_new(redis_url, ns, err, sizeof err);
        if (!sender->redis) {
            sti_error("sender: %s", err);
            notify_worker_destroy(&self);
            return NULL;
        }
        sender->queue = notify_queue_new(sender->redis, config->retention_ms);
    }
    for (size_t i = 0; i < self->count; i++) {
        s_sender_t *sender = &self->senders[i];
        sender->started = pthread_create(&sender->thread, NULL, s_run, sender) == 0;
        if (!sender->started) {
            notify_worker_destroy(&self);
            return NULL;
        }
    }
    return self;
}

void notify_worker_destroy(notify_worker_t **self_p)
{
    assert(self_p);
    notify_worker_t *self = *self_p;
    if (!self) {
        return;
    }
    pthread_mutex_lock(&self->lock);
    self->stop = true;
    pthread_cond_broadcast(&self->wake);
    pthread_mutex_unlock(&self->lock);
    for (size_t i = 0; i < self->count; i++) {
        s_sender_t *sender = &self->senders[i];
        if (sender->started) {
            pthread_join(sender->thread, NULL);
        }
        notify_queue_destroy(&sender->queue);
        sti_redis_destroy(&sender->redis);
    }
    free(self->senders);
    pthread_cond_destroy(&self->wake);
    pthread_mutex_destroy(&self->lock);
    free(self);
    *self_p = NULL;
}
