/*  sti-notify: rules over events, delivered by webhook, e-mail and chat
    robot (service sti.notify). docs/notify.md; the map of the code is
    README.md beside this file.

    Three parts, each with its own Redis connection: the request loop (the
    ops on rules, silences and deliveries: notify_rulebook,
    notify_silencing, notify_deliveries, over the store), the evaluator
    threads (events to alerts in the delivery queue: notify_eval) and the
    sender threads (the queue to the receivers: notify_worker). All state is
    in Redis, so any number of replicas share the work. main makes the
    store, then the handlers over it, binds their op tables, starts the
    threads and runs; it destroys them in reverse order.
*/
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "notify_deliveries.h"
#include "notify_eval.h"
#include "notify_queue.h"
#include "notify_rule_store.h"
#include "notify_rulebook.h"
#include "notify_silencing.h"
#include "notify_worker.h"
#include "sti_catalog_store.h"
#include "sti_log.h"

//  sti-notify's own settings.
typedef struct {
    notify_eval_config_t eval;     // the evaluators' settings (strings set at start)
    notify_worker_config_t worker; // the senders and the retry policy
    int64_t connect_timeout_ms;    // channels: connect time-out
    int64_t timeout_ms;            // channels: whole exchange
    bool tls_verify;               // channels: verify certificates
    char *smtp_url;                // e-mail server
    char *smtp_user;               // e-mail AUTH user
    char *smtp_password;           // e-mail AUTH password
    char *smtp_from;               // e-mail sender
} s_config_t;

static s_config_t s_config;

#define S_OFF(field) offsetof(s_config_t, field)
#define S_TEXT(x) S_TEXT_(x) // a macro's value as a string
#define S_TEXT_(x) #x

//  The integer settings: name, default, field, the range the value must lie
//  in, and what it is. sti-notify refuses to start with a value out of its
//  range (never clamps it); the range is also in --help. This one list
//  makes both the entries of the configuration table and the check.
#define S_INT_SETTINGS(X)                                                                          \
    X("eval_lease_ms", "10000", eval.lease_ms, 1000, 3600000,                                      \
      "lease of the one replica evaluating a stream")                                              \
    X("eval_batch", "256", eval.batch, 1, 10000, "events one commit holds at most")                \
    X("group_flush_ms", "200", eval.flush_ms, 10, 3600000,                                         \
      "how often due alert groups are looked for")                                                 \
    X("stale_check_ms", "60000", eval.stale_check_ms, 100, 86400000,                               \
      "how often stale rules are checked")                                                         \
    X("senders", "2", worker.senders, 1, 64, "sender threads")                                     \
    X("claim_lease_ms", "30000", worker.lease_ms, 1000, 86400000,                                  \
      "how long a claimed delivery is held by its sender, longer than timeout_ms")                 \
    X("max_attempts", "10", worker.max_attempts, 1, 1000,                                          \
      "sends of a delivery before it is a dead letter")                                            \
    X("max_age_ms", "86400000", worker.max_age_ms, 1000, 2592000000,                               \
      "age after which a failing delivery is a dead letter")                                       \
    X("backoff_ms", "1000", worker.backoff_ms, 1, 3600000, "first retry back-off")                 \
    X("backoff_max_ms", "300000", worker.backoff_max_ms, 1, 86400000,                              \
      "longest retry back-off, at least backoff_ms")                                               \
    X("poll_ms", "200", worker.poll_ms, 10, 60000,                                                 \
      "how often an idle sender looks for due deliveries")                                         \
    X("claim_batch", "8", worker.batch, 1, NOTIFY_CLAIM_MAX, "deliveries one claim takes")         \
    X("retention_ms", "604800000", worker.retention_ms, 0, 31536000000,                            \
      "how long delivered and silenced deliveries stay listed, 0: for ever")                       \
    X("connect_timeout_ms", "5000", connect_timeout_ms, 1, 600000, "receivers: time to connect")   \
    X("timeout_ms", "15000", timeout_ms, 1, 3600000, "receivers: time for one send")

#define S_INT_ENTRY(name, value, field, min, max, what)                                            \
    {name, STI_CONFIG_INT, value, S_OFF(field), what " (" S_TEXT(min) " to " S_TEXT(max) ")"},

static const sti_config_entry_t s_config_map[] = {
    {"streams", STI_CONFIG_STR, "ind,tal,prj", S_OFF(eval.streams),
     "event streams evaluated, a comma list of ind, tal and prj, or none (\"\")"},
    S_INT_SETTINGS(S_INT_ENTRY){"tls_verify", STI_CONFIG_BOOL, "true", S_OFF(tls_verify),
                                "receivers: verify certificates and host names"},
    {"smtp_url", STI_CONFIG_STR, NULL, S_OFF(smtp_url), "smtp://host:587 or smtps://host:465"},
    {"smtp_user", STI_CONFIG_STR, NULL, S_OFF(smtp_user), "SMTP AUTH user (none: no AUTH)"},
    {"smtp_password", STI_CONFIG_STR, NULL, S_OFF(smtp_password), "SMTP AUTH password"},
    {"smtp_from", STI_CONFIG_STR, NULL, S_OFF(smtp_from), "sender address of e-mail"},
    {NULL, 0, NULL, 0, NULL},
};

//  The range of one integer setting.
typedef struct {
    const char *name; // as the configuration table names it
    size_t offset;    // of its int64_t in s_config_t
    int64_t min, max; // the values allowed
} s_range_t;

#define S_RANGE(name, value, field, min, max, what) {name, S_OFF(field), min, max},
static const s_range_t s_ranges[] = {S_INT_SETTINGS(S_RANGE){NULL, 0, 0, 0}};

//  Refuses a setting out of its range, and settings that contradict each
//  other. Returns 0, or -1 with the reason in err.
static int s_check_config(char *err, size_t errlen)
{
    for (const s_range_t *range = s_ranges; range->name; range++) {
        int64_t value = *(const int64_t *)((const char *)&s_config + range->offset);
        if (value < range->min || value > range->max) {
            snprintf(err, errlen, "%s is %lld; it must be from %lld to %lld", range->name,
                     (long long)value, (long long)range->min, (long long)range->max);
            return -1;
        }
    }
    const notify_worker_config_t *worker = &s_config.worker;
    char reason[200];
    if (worker->backoff_max_ms < worker->backoff_ms) {
        snprintf(err, errlen, "backoff_max_ms (%lld) must be at least backoff_ms (%lld)",
                 (long long)worker->backoff_max_ms, (long long)worker->backoff_ms);
    } else if (worker->lease_ms <= s_config.timeout_ms) {
        snprintf(err, errlen,
                 "claim_lease_ms (%lld) must be longer than timeout_ms (%lld), or a delivery "
                 "still being sent comes due again",
                 (long long)worker->lease_ms, (long long)s_config.timeout_ms);
    } else if (notify_eval_check_streams(s_config.eval.streams, reason, sizeof reason) != 0) {
        snprintf(err, errlen, "streams: %s", reason);
    } else {
        return 0;
    }
    return -1;
}

static const sti_op_table_t *const s_tables[] = {&notify_rulebook_ops, &notify_silencing_ops,
                                                 &notify_deliveries_ops, NULL};

//  Fills what the configuration table leaves to the start: the evaluators'
//  connection settings and the channels' settings.
static void s_derive(const sti_common_config_t *common, notify_channel_config_t *channels)
{
    s_config.eval.redis_url = common->redis_url;
    s_config.eval.ns = common->ns;
    s_config.eval.events_sub = common->events_sub;
    s_config.eval.broker = common->broker;
    s_config.eval.retention_ms = s_config.worker.retention_ms;
    notify_channel_config_defaults(channels);
    channels->connect_timeout_ms = s_config.connect_timeout_ms;
    channels->timeout_ms = s_config.timeout_ms;
    channels->tls_verify = s_config.tls_verify;
    channels->smtp_url = s_config.smtp_url;
    channels->smtp_user = s_config.smtp_user;
    channels->smtp_password = s_config.smtp_password;
    channels->smtp_from = s_config.smtp_from;
}

int main(int argc, char **argv)
{
    sti_service_def_t def = {
        .name = "sti-notify",
        .service = "sti.notify",
        .tables = s_tables,
        .config = s_config_map,
        .ctx = &s_config,
        .tick_ms = 1000,
    };
    int exit_code = 0;
    sti_service_t *service = sti_service_new(&def, argc, argv, &exit_code);
    if (!service) {
        return exit_code;
    }
    char err[256];
    if (s_check_config(err, sizeof err) != 0) {
        fprintf(stderr, "%s: %s (try --help)\n", def.name, err);
        sti_service_destroy(&service);
        return 2;
    }
    if (notify_global_init() != 0) {
        sti_error("libcurl or libsodium did not initialise");
        sti_service_destroy(&service);
        return 1;
    }
    const sti_common_config_t *common = sti_service_config(service);
    notify_channel_config_t channels;
    s_derive(common, &channels);
    //  The store, on the request loop's connection; the handlers over it.
    sti_redis_t *redis = sti_service_redis(service);
    notify_rule_store_t *rules = notify_rule_store_new(redis);
    notify_queue_t *queue = notify_queue_new(redis, 0);
    sti_catalog_store_t *catalog = sti_catalog_store_new(redis);
    notify_rulebook_t *rulebook = notify_rulebook_new(rules, catalog);
    notify_silencing_t *silencing = notify_silencing_new(rules);
    notify_deliveries_t *deliveries = notify_deliveries_new(queue, redis);
    sti_service_bind(service, &notify_rulebook_ops, rulebook);
    sti_service_bind(service, &notify_silencing_ops, silencing);
    sti_service_bind(service, &notify_deliveries_ops, deliveries);
    //  The threads, each with its own connections.
    sti_http_t *http = sti_service_http(service);
    notify_worker_t *worker =
        notify_worker_new(common->redis_url, common->ns, &s_config.worker, &channels, http);
    notify_eval_t *eval = worker ? notify_eval_new(&s_config.eval, http) : NULL;
    int rc = eval ? sti_service_run(service) : 1;
    notify_eval_destroy(&eval);
    notify_worker_destroy(&worker);
    notify_deliveries_destroy(&deliveries);
    notify_silencing_destroy(&silencing);
    notify_rulebook_destroy(&rulebook);
    sti_catalog_store_destroy(&catalog);
    notify_queue_destroy(&queue);
    notify_rule_store_destroy(&rules);
    sti_service_destroy(&service);
    return rc;
}
