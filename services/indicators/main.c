/*  sti-indicators: the catalog, the values and their progress, and the
    indicator-change events (service sti.indicators, event stream "ind").

    Requests (docs/ops.md) are answered by the service frame; between them
    the tick consumes the intake log (indicators_apply). All state is in
    Redis, so replicas can run side by side; give each a stable consumer
    name (--consumer) so that a restarted replica takes back its own
    pending entries at once instead of waiting for another to claim them.
    When the log is drained the consumer waits on a blocking read of its own
    connection, whose socket the loop polls next to the requests.
*/
#include <stddef.h>

#include "indicators_apply.h"
#include "indicators_catalog.h"
#include "indicators_dataset.h"
#include "indicators_query.h"
#include "sti_log.h"
#include "sti_service.h"

static indicators_apply_config_t s_config;
static sti_catalog_store_t *s_store;
static indicators_query_t *s_query;
static indicators_apply_t *s_apply;
static indicators_store_t *s_values;
static indicators_intake_t *s_intake;

static const sti_config_entry_t s_config_map[] = {
    {"group", STI_CONFIG_STR, "indicators", offsetof(indicators_apply_config_t, group),
     "consumer group reading the intake log"},
    {"consumer", STI_CONFIG_STR, NULL, offsetof(indicators_apply_config_t, consumer),
     "consumer name in the group (default hostname-pid; a stable name takes back its own "
     "pending entries on restart)"},
    {"intake_key", STI_CONFIG_STR, "intake", offsetof(indicators_apply_config_t, intake_key),
     "the intake log's key under the namespace"},
    {"batch_entries", STI_CONFIG_INT, "16", offsetof(indicators_apply_config_t, batch_entries),
     "intake entries read at once"},
    {"batch_rows", STI_CONFIG_INT, "2000", offsetof(indicators_apply_config_t, batch_rows),
     "most rows applied by one Lua call (keeps each script short; 0: no limit)"},
    {"claim_idle_ms", STI_CONFIG_INT, "30000", offsetof(indicators_apply_config_t, claim_idle_ms),
     "claim entries another consumer left pending longer than this"},
    {"claim_every_ms", STI_CONFIG_INT, "5000", offsetof(indicators_apply_config_t, claim_every_ms),
     "how often to look for entries to claim"},
    {"forget_idle_ms", STI_CONFIG_INT, "3600000",
     offsetof(indicators_apply_config_t, forget_idle_ms),
     "forget intake consumers that hold nothing and have not read for this long (0: never)"},
    {"tick_budget_ms", STI_CONFIG_INT, "50", offsetof(indicators_apply_config_t, tick_budget_ms),
     "longest the consumer keeps applying before answering requests again"},
    {"tick_ms", STI_CONFIG_INT, "2", offsetof(indicators_apply_config_t, tick_ms),
     "how often the consumer looks at the intake log when idle"},
    {"block_ms", STI_CONFIG_INT, "500", offsetof(indicators_apply_config_t, block_ms),
     "longest blocking read of the intake log on a second Redis connection, which wakes the "
     "consumer as soon as an entry comes (0: none, look every tick_ms)"},
    {"events_maxlen", STI_CONFIG_INT, "1000000", offsetof(indicators_apply_config_t, events_maxlen),
     "approximate bound on the event log's length"},
    {"progress_tolerance", STI_CONFIG_DOUBLE, "0.10",
     offsetof(indicators_apply_config_t, tolerance),
     "how far below expected completion is still `lagging`"},
    {NULL, 0, NULL, 0, NULL},
};

static int s_catalog_list(sti_service_t *s, const sti_request_t *r, sti_writer_t *w, void *c)
{
    (void)s, (void)c;
    return indicators_catalog_list(s_store, r, w);
}

static int s_catalog_get(sti_service_t *s, const sti_request_t *r, sti_writer_t *w, void *c)
{
    (void)s, (void)c;
    return indicators_catalog_get(s_store, r, w);
}

static int s_org_list(sti_service_t *s, const sti_request_t *r, sti_writer_t *w, void *c)
{
    (void)s, (void)c;
    return indicators_org_list(s_store, r, w);
}

static int s_org_add(sti_service_t *s, const sti_request_t *r, sti_writer_t *w, void *c)
{
    (void)s, (void)c;
    return indicators_org_add(s_store, r, w);
}

static int s_target_set(sti_service_t *s, const sti_request_t *r, sti_writer_t *w, void *c)
{
    (void)s, (void)c;
    return indicators_target_set(s_store, r, w);
}

//  The first plan load into an empty Redis makes the dataset (sti_dataset.h).
static int s_plan_load(sti_service_t *s, const sti_request_t *r, sti_writer_t *w, void *c)
{
    (void)c;
    char dataset[STI_DATASET_ID_LEN + 1];
    if (indicators_dataset_init(s, r, w, dataset, sizeof dataset) != 0) {
        return 0;
    }
    return indicators_plan_load(s_store, dataset, r, w);
}

static int s_dataset_get(sti_service_t *s, const sti_request_t *r, sti_writer_t *w, void *c)
{
    (void)c;
    return indicators_dataset_get(s, r, w);
}

static int s_dataset_accept(sti_service_t *s, const sti_request_t *r, sti_writer_t *w, void *c)
{
    (void)c;
    return indicators_dataset_accept(s, r, w);
}

static int s_series_get(sti_service_t *s, const sti_request_t *r, sti_writer_t *w, void *c)
{
    (void)s, (void)c;
    return indicators_series_get(s_query, r, w);
}

static int s_progress_report(sti_service_t *s, const sti_request_t *r, sti_writer_t *w, void *c)
{
    (void)s, (void)c;
    return indicators_progress_report(s_query, r, w);
}

static int s_snapshot_get(sti_service_t *s, const sti_request_t *r, sti_writer_t *w, void *c)
{
    (void)s, (void)c;
    return indicators_snapshot_get(s_query, r, w);
}

static int s_events_since(sti_service_t *s, const sti_request_t *r, sti_writer_t *w, void *c)
{
    (void)c;
    sti_events_since_reply(sti_service_redis(s), "ind", r, w);
    return 0;
}

//  Who may call what (sti_auth.h): queries are for every role; the catalog,
//  org units, targets, the plan and the dataset's loss are admin's (0: admin
//  only). dataset.accept_loss is not marked as changing state: it is the
//  way out of a loss, when every other change is refused.
static const sti_op_t s_ops[] = {
    {"catalog.list", s_catalog_list, STI_ROLES_ANY},
    {"catalog.get", s_catalog_get, STI_ROLES_ANY},
    {"org.list", s_org_list, STI_ROLES_ANY},
    {"org.add", s_org_add, STI_OP_CHANGES},
    {"target.set", s_target_set, STI_OP_CHANGES},
    {"plan.load", s_plan_load, STI_OP_CHANGES},
    {"dataset.get", s_dataset_get, STI_ROLES_ANY},
    {"dataset.accept_loss", s_dataset_accept, 0},
    {"series.get", s_series_get, STI_ROLES_ANY},
    {"progress.report", s_progress_report, STI_ROLES_ANY},
    {"snapshot.get", s_snapshot_get, STI_ROLES_ANY},
    {"events.since", s_events_since, STI_ROLES_ANY},
    {NULL, NULL, 0},
};

static bool s_replicated(void *service)
{
    return sti_service_replicated((sti_service_t *)service);
}

static void s_tick(sti_service_t *service, void *ctx)
{
    (void)ctx;
    if (s_apply) {
        sti_service_wake_on(service, indicators_apply_tick(s_apply));
    }
}

int main(int argc, char **argv)
{
    sti_service_def_t def = {
        .name = "sti-indicators",
        .service = "sti.indicators",
        .ops = s_ops,
        .config = s_config_map,
        .ctx = &s_config,
        .tick = s_tick,
        .tick_ms = 2,
    };
    int exit_code = 0;
    sti_service_t *service = sti_service_new(&def, argc, argv, &exit_code);
    if (!service) {
        return exit_code;
    }
    if (s_config.block_ms < 0 || s_config.block_ms > 60000) {
        sti_error("block_ms must be 0 to 60000");
        sti_service_destroy(&service);
        return 2;
    }
    def.tick_ms = s_config.tick_ms > 0 ? (int)s_config.tick_ms : 2;
    sti_redis_t *redis = sti_service_redis(service);
    sti_events_pub_t *pub = sti_service_publisher(service, "ind");
    if (!pub) {
        sti_error("cannot start the event publisher");
        sti_service_destroy(&service);
        return 1;
    }
    sti_events_pub_set_maxlen(pub, (size_t)s_config.events_maxlen);
    s_store = sti_catalog_store_new(redis);
    s_query = indicators_query_new(redis, s_store, s_config.tolerance);
    s_intake = indicators_intake_new(redis, s_config.intake_key, s_config.group, s_config.consumer,
                                     s_config.batch_entries, s_config.block_ms);
    s_values = indicators_store_new(redis, indicators_intake_key(s_intake), s_config.group,
                                    s_config.events_maxlen);
    s_apply = indicators_apply_new(s_values, s_intake, s_store, pub, sti_service_http(service),
                                   &s_config);
    indicators_apply_set_replicated(s_apply, s_replicated, service);
    int rc = sti_service_run(service);
    indicators_apply_stop(s_apply);
    indicators_apply_destroy(&s_apply);
    indicators_store_destroy(&s_values);
    indicators_intake_destroy(&s_intake);
    indicators_query_destroy(&s_query);
    sti_catalog_store_destroy(&s_store);
    sti_service_destroy(&service);
    return rc;
}
