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
#define S_DAY_MS 86400000LL // one day, ms

//  Every number has the range it must lie in: sti-notify refuses to start
//  with a value outside it (never clamps it), and --help shows it.
static const sti_config_entry_t s_config_map[] = {
    {"streams", STI_CONFIG_STR, "ind,tal,prj", S_OFF(eval.streams),
     "event streams evaluated, a comma list of ind, tal and prj, or none (\"\")", 0, 0},
    {"eval_lease_ms", STI_CONFIG_DURATION, "10s", S_OFF(eval.lease_ms),
     "lease of the one replica evaluating a stream", 1000, 3600000},
    {"eval_batch", STI_CONFIG_INT, "256", S_OFF(eval.batch), "events one commit holds at most", 1,
     10000},
    {"group_flush_ms", STI_CONFIG_DURATION, "200ms", S_OFF(eval.flush_ms),
     "how often due alert groups are looked for", 10, 3600000},
    {"stale_check_ms", STI_CONFIG_DURATION, "1m", S_OFF(eval.stale_check_ms),
     "how often stale rules are checked", 100, S_DAY_MS},
    {"senders", STI_CONFIG_INT, "2", S_OFF(worker.senders), "sender threads", 1, 64},
    {"claim_lease_ms", STI_CONFIG_DURATION, "30s", S_OFF(worker.lease_ms),
     "how long a claimed delivery is held by its sender, longer than timeout_ms", 1000, S_DAY_MS},
    {"max_attempts", STI_CONFIG_INT, "10", S_OFF(worker.max_attempts),
     "sends of a delivery before it is a dead letter", 1, 1000},
    {"max_age_ms", STI_CONFIG_DURATION, "1d", S_OFF(worker.max_age_ms),
     "age after which a failing delivery is a dead letter", 1000, 30 * S_DAY_MS},
    {"backoff_ms", STI_CONFIG_DURATION, "1s", S_OFF(worker.backoff_ms), "first retry back-off", 1,
     3600000},
    {"backoff_max_ms", STI_CONFIG_DURATION, "5m", S_OFF(worker.backoff_max_ms),
     "longest retry back-off, at least backoff_ms", 1, S_DAY_MS},
    {"poll_ms", STI_CONFIG_DURATION, "200ms", S_OFF(worker.poll_ms),
     "how often an idle sender looks for due deliveries", 10, 60000},
    {"claim_batch", STI_CONFIG_INT, "8", S_OFF(worker.batch), "deliveries one claim takes", 1,
     NOTIFY_CLAIM_MAX},
    {"retention_ms", STI_CONFIG_DURATION, "7d", S_OFF(worker.retention_ms),
     "how long delivered and silenced deliveries stay listed, 0: for ever", 0, 365 * S_DAY_MS},
    {"connect_timeout_ms", STI_CONFIG_DURATION, "5s", S_OFF(connect_timeout_ms),
     "receivers: time to connect", 1, 600000},
    {"timeout_ms", STI_CONFIG_DURATION, "15s", S_OFF(timeout_ms), "receivers: time for one send", 1,
     3600000},
    {"tls_verify", STI_CONFIG_BOOL, "true", S_OFF(tls_verify),
     "receivers: verify certificates and host names", 0, 0},
    {"smtp_url", STI_CONFIG_STR, NULL, S_OFF(smtp_url), "smtp://host:587 or smtps://host:465", 0,
     0},
    {"smtp_user", STI_CONFIG_STR, NULL, S_OFF(smtp_user), "SMTP AUTH user (none: no AUTH)", 0, 0},
    {"smtp_password", STI_CONFIG_STR, NULL, S_OFF(smtp_password), "SMTP AUTH password", 0, 0},
    {"smtp_from", STI_CONFIG_STR, NULL, S_OFF(smtp_from), "sender address of e-mail", 0, 0},
    STI_CONFIG_END,
};

//  Refuses settings that contradict each other, which no single range can
//  say. Returns 0, or -1 with the reason in err.
static int s_check_config(char *err, size_t errlen)
{
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

//  The HTTP routes of the ops (sti-gateway's API, docs/gateway.md).
static const sti_op_route_t s_routes[] = {
    {"rule.list", "GET", "/api/v1/rules"},
    {"rule.add", "POST", "/api/v1/rules"},
    {"rule.get", "GET", "/api/v1/rules/{id}"},
    {"rule.remove", "DELETE", "/api/v1/rules/{id}"},
    {"silence.list", "GET", "/api/v1/silences"},
    {"silence.add", "POST", "/api/v1/silences"},
    {"silence.remove", "DELETE", "/api/v1/silences/{id}"},
    {"delivery.list", "GET", "/api/v1/deliveries"},
    {"delivery.retry", "POST", "/api/v1/deliveries/{id}/retry"},
    STI_ROUTES_END,
};

int main(int argc, char **argv)
{
    sti_service_def_t def = {
        .name = "sti-notify",
        .service = "sti.notify",
        .tables = s_tables,
        .routes = s_routes,
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
