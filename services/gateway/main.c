/*  sti-gateway: the HTTP edge (service sti.gateway; docs/gateway.md).

    Two faces in one process. As a Majordomo worker of sti.gateway (the
    service frame, this thread) it keeps the people who sign in and the API
    tokens, and checks passwords (gateway_users, gateway_tokens). On a
    thread of its own (gateway_server) it answers HTTP: the services' ops
    as a JSON API under /api/v1, sign-in, event streams, OpenAPI. Both
    stand on Redis (gateway_store) and call the services through the
    broker with its key of role gateway, always for the signed-in person.
    Stateless: run as many as the load needs, behind one address.
*/
#include <sodium.h>
#include <stddef.h>
#include <stdio.h>

#include "gateway_api.h"
#include "gateway_config.h"
#include "gateway_server.h"
#include "gateway_tokens.h"
#include "gateway_users.h"
#include "sti_log.h"

static gateway_config_t s_config;

#define S_OFF(field) offsetof(gateway_config_t, field)

static const sti_config_entry_t s_config_map[] = {
    {"listen", STI_CONFIG_STR, "0.0.0.0:5575", S_OFF(listen),
     "the API's address (STI_PORT_BASE + 20 in scripts/up)", 0, 0},
    {"services", STI_CONFIG_STR,
     "sti.ingest,sti.indicators,sti.talent,sti.notify,sti.projects,sti.gateway", S_OFF(services),
     "the services whose ops' routes make the API", 0, 0},
    {"streams", STI_CONFIG_STR, "ind:sti.indicators,tal:sti.talent,prj:sti.projects",
     S_OFF(streams), "event streams served, each with the service that replays it", 0, 0},
    {"routes_refresh_s", STI_CONFIG_DURATION_S, "1m", S_OFF(routes_refresh_s),
     "time between two asks of the services' ops", 1, 86400},
    {"call_timeout_ms", STI_CONFIG_DURATION, "10s", S_OFF(call_timeout_ms),
     "a call to a service unanswered this long is 503", 100, 600000},
    {"call_sends", STI_CONFIG_INT, "3", S_OFF(call_sends),
     "sends of one call within call_timeout_ms (same request id)", 1, 10},
    {"body_max", STI_CONFIG_SIZE, "16MiB", S_OFF(body_max), "largest request body", 1024,
     1073741824},
    {"header_max", STI_CONFIG_SIZE, "32KiB", S_OFF(header_max),
     "memory for a request's line and headers", 4096, 1048576},
    {"header_timeout_s", STI_CONFIG_DURATION_S, "10s", S_OFF(header_timeout_s),
     "a request's headers must be in this long after the connection opened", 1, 3600},
    {"idle_timeout_s", STI_CONFIG_DURATION_S, "1m", S_OFF(idle_timeout_s),
     "an idle connection is closed after this", 1, 86400},
    {"max_connections", STI_CONFIG_INT, "16384", S_OFF(max_connections), "connections held at once",
     1, 1000000},
    {"session_idle_s", STI_CONFIG_DURATION_S, "30m", S_OFF(session_idle_s),
     "a session unused this long ends", 1, 604800},
    {"session_max_s", STI_CONFIG_DURATION_S, "12h", S_OFF(session_max_s),
     "a session ends this long after sign-in", 1, 2592000},
    {"cookie_secure", STI_CONFIG_BOOL, "false", S_OFF(cookie_secure),
     "mark the session cookie Secure (behind HTTPS)", 0, 0},
    {"signin_fails_user", STI_CONFIG_INT, "5", S_OFF(signin_fails_user),
     "failed sign-ins of a user within signin_window_s that lock it out", 1, 1000},
    {"signin_fails_addr", STI_CONFIG_INT, "20", S_OFF(signin_fails_addr),
     "failed sign-ins from an address within signin_window_s that refuse it", 1, 100000},
    {"signin_window_s", STI_CONFIG_DURATION_S, "15m", S_OFF(signin_window_s),
     "the window of the failure counts, and the length of a lock-out", 1, 86400},
    {"pwhash_mem_kib", STI_CONFIG_INT, "19456", S_OFF(pwhash_mem_kib),
     "argon2id memory of a new password hash, KiB", 8, 4194304},
    {"pwhash_ops", STI_CONFIG_INT, "2", S_OFF(pwhash_ops), "argon2id passes of a new hash", 1, 64},
    {"replay_ttl_s", STI_CONFIG_DURATION_S, "10m", S_OFF(replay_ttl_s),
     "time a user or token write's reply is kept for its retries", 1, 604800},
    {"sse_buffer_max", STI_CONFIG_SIZE, "64KiB", S_OFF(sse_buffer_max),
     "bytes of frames queued for one event stream at most (more waits in the ring)", 1024,
     67108864},
    {"sse_heartbeat_s", STI_CONFIG_DURATION_S, "15s", S_OFF(sse_heartbeat_s),
     "a comment on each quiet event stream this often", 1, 3600},
    {"sse_ring", STI_CONFIG_INT, "4096", S_OFF(sse_ring),
     "latest events of each stream kept; a stream the ring goes past is cut", 1, 1000000},
    {"tls_cert", STI_CONFIG_STR, NULL, S_OFF(tls_cert), "PEM certificate for HTTPS, or none", 0, 0},
    {"tls_key", STI_CONFIG_STR, NULL, S_OFF(tls_key), "PEM key for HTTPS", 0, 0},
    {"upload_dir", STI_CONFIG_STR, "/tmp", S_OFF(upload_dir),
     "where a posted .csv or .xlsx is held while it is read, and a report's workbook while it "
     "is written (GET /api/v1/report.xlsx)",
     0, 0},
    {"static_dir", STI_CONFIG_STR, NULL, S_OFF(static_dir),
     "a directory whose files (the web dashboard) are served outside /api/, or none", 0, 0},
    STI_CONFIG_END,
};

static const sti_op_table_t *const s_tables[] = {&gateway_users_ops, &gateway_tokens_ops, NULL};

//  The HTTP routes of the ops (docs/gateway.md).
static const sti_op_route_t s_routes[] = {
    {"user.list", "GET", "/api/v1/users"},
    {"user.add", "POST", "/api/v1/users"},
    {"user.passwd", "PUT", "/api/v1/users/{name}/password"},
    {"user.disable", "POST", "/api/v1/users/{name}/disable"},
    {"session.passwd", "PUT", "/api/v1/session/password"},
    {"token.list", "GET", "/api/v1/tokens"},
    {"token.new", "POST", "/api/v1/tokens"},
    {"token.revoke", "DELETE", "/api/v1/tokens/{name}"},
    STI_ROUTES_END,
};

int main(int argc, char **argv)
{
    sti_service_def_t def = {
        .name = "sti-gateway",
        .service = "sti.gateway",
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
    if (sodium_init() < 0) {
        sti_error("libsodium cannot start");
        sti_service_destroy(&service);
        return 1;
    }
    gateway_store_t *store = gateway_store_new(sti_service_redis(service));
    gateway_users_t *users = gateway_users_new(&s_config, store);
    gateway_tokens_t *tokens = gateway_tokens_new(&s_config, store);
    sti_service_bind(service, &gateway_users_ops, users);
    sti_service_bind(service, &gateway_tokens_ops, tokens);
    char err[512] = "";
    gateway_server_t *server = gateway_server_new(&s_config, sti_service_config(service),
                                                  sti_service_http(service), err, sizeof err);
    gateway_api_t *api = server ? gateway_api_new(server, err, sizeof err) : NULL;
    int rc = 1;
    if (!api) {
        fprintf(stderr, "sti-gateway: %s\n", err);
        sti_error("cannot start the API: %s", err);
    } else {
        gateway_handlers_t handlers;
        gateway_api_handlers(api, &handlers);
        gateway_server_start(server, &handlers);
        sti_info("the API listens on %s (port %d)", s_config.listen, gateway_server_port(server));
        rc = sti_service_run(service);
    }
    gateway_server_destroy(&server); // ends every request while the API is there
    gateway_api_destroy(&api);
    gateway_tokens_destroy(&tokens);
    gateway_users_destroy(&users);
    gateway_store_destroy(&store);
    sti_service_destroy(&service);
    return rc;
}
