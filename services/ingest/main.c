/*  sti-ingest: takes submissions of observations (service sti.ingest).

    Every row is checked against the catalog and answered for; the accepted
    rows are appended to the durable intake log in Redis before the reply
    goes out (docs/data-path.md). Stateless: run as many as the load needs.
*/
#include <malloc.h>
#include <stddef.h>

#include "ingest_submit.h"

static ingest_config_t s_config;

//  A request's buffers (its copy, the script's call of 1,000s of arguments
//  that hiredis formats into fresh buffers) are 100s of kB, allocated and
//  freed once a request. With glibc's defaults the heap's top was given
//  back (brk) and faulted in again for each request, or the buffers mapped
//  and unmapped: about a tenth of sti-ingest's time accepting rows. Freed
//  memory up to S_HEAP_KEPT stays in the heap instead.
#define S_HEAP_KEPT (16 * 1024 * 1024)
#define S_MMAP_ABOVE (4 * 1024 * 1024) // larger blocks are mapped, and unmapped when freed

static const sti_config_entry_t s_config_map[] = {
    {"max_rows", STI_CONFIG_INT, "10000", offsetof(ingest_config_t, max_rows),
     "most rows one obs.submit request may hold", 1, 1000000},
    {"request_ttl", STI_CONFIG_DURATION_S, "7d", offsetof(ingest_config_t, request_ttl_s),
     "how long a request id's reply is kept for retries", 1, 31536000},
    {"intake_key", STI_CONFIG_STR, "intake", offsetof(ingest_config_t, intake_key),
     "the intake log's key under the namespace", 0, 0},
    {"max_period_ahead", STI_CONFIG_INT, "0", offsetof(ingest_config_t, period_ahead),
     "years after the current period a row's period may lie (0: a period that has not begun "
     "is refused)",
     0, 100},
    {"warn_factor", STI_CONFIG_DOUBLE, "10", offsetof(ingest_config_t, warn_factor),
     "a value more than this many times above or below its series' last value is taken with "
     "a warning (1 or less: no warnings)",
     0, 1e9},
    STI_CONFIG_END,
};

static const sti_op_table_t *const s_tables[] = {&ingest_submit_ops, NULL};

//  The HTTP routes of the ops (sti-gateway's API, docs/gateway.md).
static const sti_op_route_t s_routes[] = {
    {"obs.submit", "POST", "/api/v1/observations"},
    STI_ROUTES_END,
};

int main(int argc, char **argv)
{
    sti_service_def_t def = {
        .name = "sti-ingest",
        .service = "sti.ingest",
        .tables = s_tables,
        .routes = s_routes,
        .config = s_config_map,
        .ctx = &s_config,
        .tick_ms = 1000,
    };
    mallopt(M_TRIM_THRESHOLD, S_HEAP_KEPT);
    mallopt(M_MMAP_THRESHOLD, S_MMAP_ABOVE);
    int exit_code = 0;
    sti_service_t *service = sti_service_new(&def, argc, argv, &exit_code);
    if (!service) {
        return exit_code;
    }
    ingest_submit_t *submit =
        ingest_submit_new(sti_service_redis(service), &s_config, sti_service_http(service));
    sti_service_bind(service, &ingest_submit_ops, submit);
    int rc = sti_service_run(service);
    ingest_submit_destroy(&submit);
    sti_service_destroy(&service);
    return rc;
}
