/*  sti-projects: the plan's projects (service sti.projects): major
    innovation platforms, research projects, incubators, the eight key
    programmes; their milestones, investment and status (docs/projects.md).

    Makes the store (reads), the writer (writes and late milestones, with
    the publisher of the stream prj), the op modules over them
    (projects_registry, projects_query) and the feed of the indicators the
    projects keep current (projects_feed), binds the ops, runs, and destroys
    everything in reverse order. The tick raises the milestones that passed
    their due date undone (every late_check_ms) and drives the feed. The
    plan, its org units, tags, units and feeds come from the catalog in
    Redis (stictl plan load). Stateless: run as many as the load needs.
*/
#include <stddef.h>

#include "projects_feed.h"
#include "projects_query.h"
#include "projects_registry.h"
#include "projects_store.h"
#include "projects_writer.h"
#include "sti_log.h"

#define S_LATE_BATCH 100 // milestones one tick raises at most

//  The settings of sti-projects (filled by the configuration table), and
//  the objects its tick drives.
typedef struct {
    char *money_unit;          // the unit amounts are kept in
    int64_t request_ttl_s;     // how long a request id is remembered
    int64_t late_check_ms;     // how often late milestones are looked for
    projects_writer_t *writer; // set once running
    projects_feed_t *feed;     // set once running
    int64_t next_late;         // zclock_mono time of the next look
} s_projects_t;

static const sti_config_entry_t s_config_map[] = {
    {"money_unit", STI_CONFIG_STR, "万元", offsetof(s_projects_t, money_unit),
     "the unit amounts of money are kept in: a money unit of the plan's catalog", 0, 0},
    {"request_ttl", STI_CONFIG_DURATION_S, "7d", offsetof(s_projects_t, request_ttl_s),
     "how long a request id's outcome is kept for retries", 1, 31536000},
    {"late_check_ms", STI_CONFIG_DURATION, "1m", offsetof(s_projects_t, late_check_ms),
     "how often milestones past their due date are looked for", 100, 86400000},
    STI_CONFIG_END,
};

static const sti_op_table_t *const s_tables[] = {&projects_registry_ops, &projects_query_ops, NULL};

//  The HTTP routes of the ops (sti-gateway's API, docs/gateway.md).
static const sti_op_route_t s_routes[] = {
    {"project.list", "GET", "/api/v1/projects"},
    {"project.add", "POST", "/api/v1/projects"},
    {"project.import", "POST", "/api/v1/projects/import"},
    {"project.get", "GET", "/api/v1/projects/{code}"},
    {"project.update", "PATCH", "/api/v1/projects/{code}"},
    {"project.milestone", "POST", "/api/v1/projects/{code}/milestones"},
    STI_ROUTES_END,
};

//  Between requests: the late milestones (when due), the feed.
static void s_tick(sti_service_t *service, void *ctx)
{
    (void)service;
    s_projects_t *projects = (s_projects_t *)ctx;
    if (projects->writer && zclock_mono() >= projects->next_late) {
        projects->next_late = zclock_mono() + projects->late_check_ms;
        int raised = projects_writer_late(projects->writer, projects_date_today(), S_LATE_BATCH);
        if (raised < 0) {
            sti_warn("projects: late milestones cannot be looked for now");
        } else if (raised == S_LATE_BATCH) {
            projects->next_late = 0; // more may wait
        }
    }
    if (projects->feed) {
        projects_feed_tick(projects->feed);
    }
}

int main(int argc, char **argv)
{
    s_projects_t projects = {0};
    sti_service_def_t def = {
        .name = "sti-projects",
        .service = "sti.projects",
        .tables = s_tables,
        .routes = s_routes,
        .config = s_config_map,
        .ctx = &projects,
        .tick = s_tick,
        .tick_ms = 200,
    };
    int exit_code = 0;
    sti_service_t *service = sti_service_new(&def, argc, argv, &exit_code);
    if (!service) {
        return exit_code;
    }
    sti_redis_t *redis = sti_service_redis(service);
    projects_store_t *store = projects_store_new(redis);
    projects.writer = projects_writer_new(redis, store, sti_service_publisher(service, "prj"),
                                          projects.request_ttl_s);
    sti_catalog_store_t *catalog = sti_catalog_store_new(redis);
    sti_catalog_store_t *feed_catalog = sti_catalog_store_new(redis);
    projects_registry_t *registry =
        projects_registry_new(store, projects.writer, catalog, projects.money_unit);
    projects_query_t *query = projects_query_new(store, projects.money_unit);
    projects.feed = projects_feed_new(store, feed_catalog, sti_service_config(service)->broker,
                                      projects.money_unit);
    sti_service_bind(service, &projects_registry_ops, registry);
    sti_service_bind(service, &projects_query_ops, query);

    int rc = sti_service_run(service);

    projects_feed_destroy(&projects.feed);
    projects_query_destroy(&query);
    projects_registry_destroy(&registry);
    sti_catalog_store_destroy(&feed_catalog);
    sti_catalog_store_destroy(&catalog);
    projects_writer_destroy(&projects.writer);
    projects_store_destroy(&store);
    sti_service_destroy(&service);
    return rc;
}
