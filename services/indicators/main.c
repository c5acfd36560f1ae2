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
#include "indicators_approval.h"
#include "indicators_backlog.h"
#include "indicators_catalog.h"
#include "indicators_completeness.h"
#include "indicators_dataset.h"
#include "indicators_duties.h"
#include "indicators_duty_store.h"
#include "indicators_orgs.h"
#include "indicators_outlook.h"
#include "indicators_progress.h"
#include "indicators_query.h"
#include "indicators_issue.h"
#include "indicators_report.h"
#include "indicators_targets.h"
#include "indicators_withdraw.h"
#include "sti_log.h"
#include "sti_service.h"

//  What the frame hands the tick: the settings, which the configuration
//  table fills, and the applier the tick drives.
typedef struct {
    indicators_apply_config_t config;        // the settings
    indicators_apply_t *apply;               // the intake log's consumer, once made
    indicators_backlog_t *backlog;           // what the log holds that is not applied, once made
    int64_t request_ttl_s;                   // how long value.withdraw keeps a reply
    double warn_factor;                      // progress's flag on far latest values
    int64_t overdue_check_ms;                // how often overdue reports are looked for
    int64_t overdue_years;                   // years before this one they are looked for in
    indicators_completeness_t *completeness; // raises them, once made
    indicators_approval_store_t *approvals;  // the sign-off's records, audit and events
    indicators_approval_ops_t *approval;     // approval.approve, approval.reopen, approval.list
    indicators_report_t *report;             // report.data
    indicators_issue_store_t *issued;        // the reports issued
    indicators_issue_ops_t *issue;           // report.issue, report.list
} s_context_t;

static s_context_t s_context;

static const sti_config_entry_t s_config_map[] = {
    {"group", STI_CONFIG_STR, "indicators", offsetof(s_context_t, config.group),
     "consumer group reading the intake log", 0, 0},
    {"consumer", STI_CONFIG_STR, NULL, offsetof(s_context_t, config.consumer),
     "consumer name in the group (default hostname-pid; a stable name takes back its own "
     "pending entries on restart)",
     0, 0},
    {"intake_key", STI_CONFIG_STR, "intake", offsetof(s_context_t, config.intake_key),
     "the intake log's key under the namespace", 0, 0},
    {"batch_entries", STI_CONFIG_INT, "16", offsetof(s_context_t, config.batch_entries),
     "intake entries read at once", 1, 10000},
    {"batch_rows", STI_CONFIG_INT, "2000", offsetof(s_context_t, config.batch_rows),
     "most rows applied by one Lua call (keeps each script short; 0: no limit)", 0, 1000000},
    {"claim_idle_ms", STI_CONFIG_DURATION, "30s", offsetof(s_context_t, config.claim_idle_ms),
     "claim entries another consumer left pending longer than this", 0, 86400000},
    {"claim_every_ms", STI_CONFIG_DURATION, "5s", offsetof(s_context_t, config.claim_every_ms),
     "how often to look for entries to claim", 1, 86400000},
    {"forget_idle_ms", STI_CONFIG_DURATION, "1h", offsetof(s_context_t, config.forget_idle_ms),
     "forget intake consumers that hold nothing and have not read for this long (0: never)", 0,
     2592000000},
    {"tick_budget_ms", STI_CONFIG_DURATION, "50ms", offsetof(s_context_t, config.tick_budget_ms),
     "longest the consumer keeps applying before answering requests again", 1, 60000},
    {"tick_ms", STI_CONFIG_DURATION, "2ms", offsetof(s_context_t, config.tick_ms),
     "how often the consumer looks at the intake log when idle", 1, 3600000},
    {"block_ms", STI_CONFIG_DURATION, "500ms", offsetof(s_context_t, config.block_ms),
     "longest blocking read of the intake log on a second Redis connection, which wakes the "
     "consumer as soon as an entry comes (0: none, look every tick_ms)",
     0, 60000},
    {"events_maxlen", STI_CONFIG_INT, "1000000", offsetof(s_context_t, config.events_maxlen),
     "events the event log keeps at least (trimmed by seq)", 1, 1000000000},
    {"progress_tolerance", STI_CONFIG_DOUBLE, "0.10", offsetof(s_context_t, config.tolerance),
     "how far below expected completion is still `lagging`", 0, 1},
    {"request_ttl", STI_CONFIG_DURATION_S, "7d", offsetof(s_context_t, request_ttl_s),
     "how long a value.withdraw, approval.approve, approval.reopen or report.issue request id's "
     "reply is kept for retries",
     1, 31536000},
    {"warn_factor", STI_CONFIG_DOUBLE, "10", offsetof(s_context_t, warn_factor),
     "progress flags a latest value more than this many times above or below the value "
     "before it (1 or less: never)",
     0, 1e9},
    {"overdue_check_ms", STI_CONFIG_DURATION, "1m", offsetof(s_context_t, overdue_check_ms),
     "how often reports past their due date with nothing received are looked for and raised as "
     "duty.overdue events (0: never)",
     0, 86400000},
    {"overdue_years", STI_CONFIG_INT, "1", offsetof(s_context_t, overdue_years),
     "years before this one whose overdue reports are raised as events", 0, 10},
    STI_CONFIG_END,
};

static const sti_op_table_t *const s_tables[] = {
    &indicators_catalog_ops,  &indicators_orgs_ops,
    &indicators_targets_ops,  &indicators_withdraw_ops,
    &indicators_dataset_ops,  &indicators_query_ops,
    &indicators_backlog_ops,  &indicators_outlook_ops,
    &indicators_report_ops,   &indicators_issue_ops,
    &indicators_duties_ops,   &indicators_completeness_ops,
    &indicators_approval_ops, NULL};

static bool s_replicated(void *service)
{
    return sti_service_replicated((sti_service_t *)service);
}

static void s_tick(sti_service_t *service, void *ctx)
{
    s_context_t *context = (s_context_t *)ctx;
    if (context->apply) {
        sti_service_wake_on(service, indicators_apply_tick(context->apply));
    }
    if (context->backlog) {
        indicators_backlog_tick(context->backlog);
    }
    if (context->completeness) {
        indicators_completeness_tick(context->completeness);
    }
}

//  The HTTP routes of the ops (sti-gateway's API, docs/gateway.md).
static const sti_op_route_t s_routes[] = {
    {"catalog.list", "GET", "/api/v1/indicators"},
    {"catalog.get", "GET", "/api/v1/indicators/{indicator}"},
    {"series.get", "GET", "/api/v1/indicators/{indicator}/values"},
    {"target.set", "PUT", "/api/v1/indicators/{indicator}/targets/{year}"},
    {"org.list", "GET", "/api/v1/orgs"},
    {"org.add", "POST", "/api/v1/orgs"},
    {"plan.load", "POST", "/api/v1/plan"},
    {"progress.report", "GET", "/api/v1/progress"},
    {"forecast.report", "GET", "/api/v1/forecast"},
    {"report.data", "GET", "/api/v1/report"},
    {"report.list", "GET", "/api/v1/reports"},
    {"report.issue", "POST", "/api/v1/reports"},
    {"snapshot.get", "GET", "/api/v1/snapshot"},
    {"completeness", "GET", "/api/v1/completeness"},
    {"overdue", "GET", "/api/v1/completeness/overdue"},
    {"duty.list", "GET", "/api/v1/duties"},
    {"duty.set", "PUT", "/api/v1/duties/{org}"},
    {"duty.assign", "PUT", "/api/v1/duties/types/{type}"},
    {"duty.rule", "PUT", "/api/v1/indicators/{indicator}/duty-rule"},
    {"org.set_type", "PUT", "/api/v1/orgs/{org}/type"},
    {"dataset.get", "GET", "/api/v1/dataset"},
    {"dataset.accept_loss", "POST", "/api/v1/dataset/accept-loss"},
    {"value.withdraw", "POST", "/api/v1/indicators/{indicator}/withdrawals"},
    {"approval.list", "GET", "/api/v1/approvals/{period}"},
    {"approval.approve", "POST", "/api/v1/approvals/{period}/{org}"},
    {"approval.reopen", "POST", "/api/v1/approvals/{period}/{org}/reopen"},
    STI_ROUTES_END,
};

//  The `ind` publisher, bounded by events_maxlen, or NULL (said in the log).
static sti_events_pub_t *s_publisher(sti_service_t *service)
{
    sti_events_pub_t *pub = sti_service_publisher(service, "ind");
    if (!pub) {
        sti_error("cannot start the event publisher");
        return NULL;
    }
    sti_events_pub_set_maxlen(pub, (size_t)s_context.config.events_maxlen);
    return pub;
}

//  Makes the sign-off (docs/signoff.md) into s_context, binds its ops and
//  tells progress.report where the approvals are.
static void s_signoff_new(sti_service_t *service, indicators_intake_t *intake,
                          sti_events_pub_t *pub, sti_catalog_store_t *catalog,
                          indicators_query_t *query)
{
    s_context.approvals = indicators_approval_store_new(
        sti_service_redis(service), indicators_intake_key(intake), s_context.config.group, pub,
        s_context.config.events_maxlen, s_context.request_ttl_s);
    s_context.approval = indicators_approval_ops_new(s_context.approvals, catalog);
    indicators_query_set_approvals(query, s_context.approvals);
    sti_service_bind(service, &indicators_approval_ops, s_context.approval);
}

//  Destroys what s_signoff_new made, before what it borrows.
static void s_signoff_destroy(void)
{
    indicators_approval_ops_destroy(&s_context.approval);
    indicators_approval_store_destroy(&s_context.approvals);
}

//  Makes the evaluation report's ops (docs/report.md) into s_context: the
//  document, and the record of the reports issued that gives its default
//  `since`. Returns the report (s_stop destroys it).
static indicators_report_t *s_reports_new(sti_service_t *service, indicators_store_t *store,
                                          sti_catalog_store_t *catalog, sti_events_pub_t *pub,
                                          double tolerance)
{
    s_context.report = indicators_report_new(store, catalog, tolerance);
    s_context.issued = indicators_issue_store_new(
        sti_service_redis(service), pub, s_context.config.events_maxlen, s_context.request_ttl_s);
    s_context.issue = indicators_issue_ops_new(s_context.issued, catalog);
    indicators_report_set_issued(s_context.report, s_context.issued);
    sti_service_bind(service, &indicators_report_ops, s_context.report);
    sti_service_bind(service, &indicators_issue_ops, s_context.issue);
    return s_context.report;
}

//  The reporting duties (docs/completeness.md): their store, their ops,
//  and the completeness ops whose tick raises the overdue reports.
typedef struct {
    indicators_duty_store_t *store;          // the duties in Redis
    indicators_duties_t *duties;             // duty.* and org.set_type
    indicators_completeness_t *completeness; // completeness, overdue, duty.overdue
} s_duties_t;

static s_duties_t s_duties;

//  Makes the duties' part over the catalog and the values, binds its ops,
//  and gives the report its completeness.
static void s_duties_new(s_duties_t *part, sti_service_t *service, sti_catalog_store_t *catalog,
                         indicators_store_t *store, sti_events_pub_t *pub, int64_t maxlen,
                         indicators_report_t *report)
{
    part->store = indicators_duty_store_new(sti_service_redis(service), pub, maxlen);
    part->duties = indicators_duties_new(catalog, part->store);
    part->completeness = indicators_completeness_new(catalog, part->store, store);
    indicators_completeness_set_overdue(part->completeness, s_context.overdue_check_ms,
                                        (int)s_context.overdue_years, 100);
    sti_service_bind(service, &indicators_duties_ops, part->duties);
    sti_service_bind(service, &indicators_completeness_ops, part->completeness);
    s_context.completeness = part->completeness;
    indicators_report_set_completeness(report, part->completeness);
}

static void s_duties_destroy(s_duties_t *part)
{
    s_context.completeness = NULL;
    indicators_completeness_destroy(&part->completeness);
    indicators_duties_destroy(&part->duties);
    indicators_duty_store_destroy(&part->store);
}

//  Stops what the tick drives, before anything it uses is destroyed.
static void s_stop(indicators_apply_t *apply)
{
    indicators_apply_stop(apply);
    s_context.apply = NULL;
    s_context.backlog = NULL;
    s_duties_destroy(&s_duties);
    s_signoff_destroy();
    indicators_report_destroy(&s_context.report);
    indicators_issue_ops_destroy(&s_context.issue);
    indicators_issue_store_destroy(&s_context.issued);
}

int main(int argc, char **argv)
{
    sti_service_def_t def = {
        .name = "sti-indicators",
        .service = "sti.indicators",
        .tables = s_tables,
        .routes = s_routes,
        .config = s_config_map,
        .ctx = &s_context,
        .tick = s_tick,
        .tick_ms = 2,
    };
    int exit_code = 0;
    sti_service_t *service = sti_service_new(&def, argc, argv, &exit_code);
    if (!service) {
        return exit_code;
    }
    const indicators_apply_config_t *config = &s_context.config;
    sti_events_pub_t *pub = s_publisher(service);
    if (!pub) {
        sti_service_destroy(&service);
        return 1;
    }
    def.tick_ms = (int)config->tick_ms;
    //  main -> handlers -> stores.
    sti_redis_t *redis = sti_service_redis(service);
    sti_catalog_store_t *catalog = sti_catalog_store_new(redis);
    indicators_intake_t *intake =
        indicators_intake_new(redis, config->intake_key, config->group, config->consumer,
                              config->batch_entries, config->block_ms);
    indicators_store_t *store = indicators_store_new(redis, indicators_intake_key(intake),
                                                     config->group, config->events_maxlen);
    indicators_dataset_t *dataset = indicators_dataset_new(redis, sti_service_dataset(service));
    indicators_progress_t *progress = indicators_progress_new(store, config->tolerance);
    indicators_catalog_t *catalog_ops = indicators_catalog_new(catalog, dataset, progress, pub);
    indicators_orgs_t *orgs = indicators_orgs_new(catalog, pub, config->events_maxlen);
    indicators_targets_t *targets =
        indicators_targets_new(catalog, progress, pub, config->events_maxlen);
    indicators_withdraw_t *withdraw = indicators_withdraw_new(
        redis, catalog, store, indicators_intake_key(intake), s_context.request_ttl_s);
    indicators_query_t *query = indicators_query_new(store, catalog, config->tolerance);
    indicators_query_set_warn_factor(query, s_context.warn_factor);
    indicators_outlook_t *outlook = indicators_outlook_new(store, catalog);
    indicators_report_t *report = s_reports_new(service, store, catalog, pub, config->tolerance);
    indicators_apply_t *apply =
        indicators_apply_new(store, intake, catalog, pub, sti_service_http(service), config);
    indicators_apply_set_replicated(apply, s_replicated, service);
    indicators_backlog_t *backlog =
        indicators_backlog_new(intake, apply, sti_service_http(service));
    s_signoff_new(service, intake, pub, catalog, query);
    sti_service_bind(service, &indicators_catalog_ops, catalog_ops);
    sti_service_bind(service, &indicators_orgs_ops, orgs);
    sti_service_bind(service, &indicators_targets_ops, targets);
    sti_service_bind(service, &indicators_withdraw_ops, withdraw);
    sti_service_bind(service, &indicators_dataset_ops, dataset);
    sti_service_bind(service, &indicators_query_ops, query);
    sti_service_bind(service, &indicators_outlook_ops, outlook);
    sti_service_bind(service, &indicators_backlog_ops, backlog);
    s_duties_new(&s_duties, service, catalog, store, pub, config->events_maxlen, report);
    s_context.apply = apply;
    s_context.backlog = backlog;
    int rc = sti_service_run(service);
    s_stop(apply);
    indicators_backlog_destroy(&backlog);
    indicators_apply_destroy(&apply);
    indicators_outlook_destroy(&outlook);
    indicators_query_destroy(&query);
    indicators_withdraw_destroy(&withdraw);
    indicators_targets_destroy(&targets);
    indicators_orgs_destroy(&orgs);
    indicators_catalog_destroy(&catalog_ops);
    indicators_progress_destroy(&progress);
    indicators_dataset_destroy(&dataset);
    indicators_store_destroy(&store);
    indicators_intake_destroy(&intake);
    sti_catalog_store_destroy(&catalog);
    sti_service_destroy(&service);
    return rc;
}
