/*  gateway_config: the settings of sti-gateway, filled by the configuration
    table in main.c (defaults, JSON file, STI_* variables, flags), and read
    by every module of the service. docs/gateway.md lists them.
*/
#pragma once
#include <stdbool.h>
#include <stdint.h>

typedef struct {
    char *listen;   // the API's address: "0.0.0.0:5575" (STI_PORT_BASE + 20)
    char *services; // the services whose ops are routed, comma-separated
    char *streams;  // the event streams served, and who replays each: "ind:sti.indicators,..."
    int64_t routes_refresh_s;  // how often the ops' descriptions are asked again
    int64_t call_timeout_ms;   // a call to a service without an answer is 503 after this
    int64_t call_sends;        // sends of one call within call_timeout_ms (same request id)
    int64_t body_max;          // largest request body, bytes
    int64_t header_max;        // memory for one connection's request line and headers, bytes
    int64_t header_timeout_s;  // a request whose headers take longer is cut (slowloris)
    int64_t idle_timeout_s;    // a connection idle this long is closed
    int64_t max_connections;   // connections held at once
    int64_t session_idle_s;    // a session unused this long ends
    int64_t session_max_s;     // a session ends this long after sign-in, used or not
    bool cookie_secure;        // Secure on the session cookie (set it behind HTTPS)
    int64_t signin_fails_user; // failed sign-ins of one user within signin_window_s: locked
    int64_t signin_fails_addr; // failed sign-ins from one address within the window: 429
    int64_t signin_window_s;   // the window of the two counts, and the lock-out's length
    int64_t pwhash_mem_kib;    // argon2id memory of a new password hash, KiB
    int64_t pwhash_ops;        // argon2id passes of a new password hash
    int64_t replay_ttl_s;      // a user or token write's reply is kept this long for retries
    int64_t sse_buffer_max;    // bytes of frames queued for one event stream at most
    int64_t sse_heartbeat_s;   // a comment on every event stream this often
    int64_t sse_ring;          // latest events of each stream kept; a stream behind them is cut
    char *tls_cert;            // PEM certificate file for HTTPS, or NULL: plain HTTP
    char *tls_key;             // PEM key file for HTTPS
    char *upload_dir;          // where .csv/.xlsx bodies are read, report workbooks written
    char *static_dir;          // the web dashboard's files, served outside /api/; NULL: none
} gateway_config_t;
