/*  sti_service: the frame every worker service shares. See sti_service.h.

    Configuration. The settings every service has (s_common_map, into
    sti_common_config_t) and the service's own table (into def->ctx) are
    loaded by ONE sti_config_load_parts call over both tables: a flag or JSON
    key is looked up in each table in turn and is unknown only when neither
    has it, so unknown flags are still refused, --help prints both tables, and
    there is no second pass to keep in step with the first. A name that both
    tables define is taken by the common table. The frame owns what it loaded:
    sti_service_destroy frees the strings of both tables.

    Signals. SIGTERM and SIGINT go to s_on_signal, which only sets a
    volatile sig_atomic_t. CZMQ's own handler is switched off
    (zsys_handler_set(NULL)) before any socket exists, so no one else
    interprets the signal. The handler is installed without SA_RESTART, so a
    blocking poll returns early and the loop sees the flag within one tick.
    The loop then stops taking requests; sti_service_run returns and the
    service cleans up after it (sti_service_destroy sends DISCONNECT to the
    broker, so it stops routing to us).

    The loop. Each turn waits for a request at most until the next tick is
    due (tick_ms), answers it, then runs the tick when due; a service may
    name a socket (sti_service_wake_on) whose readability makes the tick due
    at once, so a blocking read of its own wakes it without waiting. Every request gets
    exactly one reply: a request that is not one decodable frame gets
    invalid_argument with the decoder's reason (and its id if that much could
    be read, else ""), an unknown op gets invalid_argument "unknown op X", a
    handler returning -1 or writing nothing gets `internal`.

    Authorization. The worker hands over the caller's identity with each
    request (the broker's identity frame; local/admin without CURVE). An op
    whose roles do not include the caller's gets `forbidden` naming the op
    and the role; an op marked STI_OP_WRITE takes a token from the caller's
    bucket (sti_ratelimit, per process, keyed by the caller's key, or name
    without CURVE) and without one gets `rate_limited` with the wait in the
    message and as the detail {index: -1, field: "retry_after_ms", reason: N}.

    Loss of data. Once a second (with the PING) the loop reads the dataset
    hash and feeds the watch (sti_dataset.h), and takes the publisher's word
    that its stream went back. While lost: /readyz says why, writes are
    refused `unavailable` with the reason, the service's own tick is not run
    (so nothing is applied on top of a hole), and an error line repeats
    every minute; the heartbeat of the publisher goes on, so subscribers see
    the stream where it is.

    Metrics: sti_requests_total{op, code} (ops outside the table count as
    op="_unknown", undecodable requests as op="_malformed", so a client cannot
    grow the label set), sti_request_duration_microseconds_total{op}, and the
    gauges sti_redis_up and sti_broker_connected, which the loop refreshes
    every turn (PINGing Redis once a second so an idle service notices a
    broken connection); /readyz reads those two gauges, never the connections
    themselves, because it runs on the HTTP thread.
*/
#include "sti_service.h"

#include <assert.h>
#include <inttypes.h>
#include <czmq.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sti_behalf.h"
#include "sti_curve.h"
#include "sti_events.h"
#include "sti_json.h"
#include "sti_log.h"
#include "sti_mdp_worker.h"
#include "sti_ratelimit.h"

#define STI_SERVICE_CODES (STI_ERR_INTERNAL + 1) // error codes, with NONE for "ok"
#define STI_SERVICE_BAD_REPLY (-1)               // s_reply_code: not a reply envelope
#define STI_SERVICE_PING_MS 1000                 // how often an idle service checks Redis
#define STI_SERVICE_RATE_CALLERS 10000           // callers whose write buckets are kept
#define STI_SERVICE_LOST_LOG_MS 60000            // a loss is said again this often

static volatile sig_atomic_t s_stop = 0;
static const sti_limits_t s_limits = {0, 0, 0, 0}; // the codec's default limits

//  One op the service answers, whichever way it was given.
typedef struct {
    const char *name;             // as requests carry it
    unsigned roles;               // STI_ROLE_* | STI_OP_* flags
    sti_handler_fn *undeclared;   // the handler of an op of def->ops, or NULL
    const sti_op_decl_t *decl;    // the declaration of a declared op, or NULL
    size_t table;                 // which of def->tables it is in (declared ops)
} s_row_t;

struct _sti_service_t {
    const sti_service_def_t *def; // what the service is (not owned)
    sti_common_config_t config;   // settings every service has (owned strings)
    sti_redis_t *redis;           // the service's Redis connection
    sti_http_t *http;             // /healthz, /readyz, /metrics
    sti_mdp_worker_t *worker;     // Majordomo worker for def->service
    sti_writer_t *reply;          // reused for every reply
    sti_events_pub_t *publisher;  // created by sti_service_publisher, or NULL
    char *publisher_stream;       // the stream publisher writes to
    s_row_t *rows;                // every op: the undeclared, the declared, ops.describe
    size_t op_count;              // entries in rows
    void **objects;               // [tables] the object bound to each declared table
    size_t table_count;           // entries in def->tables
    sti_metric_t **requests;      // [(op_count + 2) * CODES] request counters, lazy
    sti_metric_t **durations;     // [op_count + 2] duration counters
    sti_metric_t *redis_up;       // gauge: 1 while Redis is connected
    sti_metric_t *broker_up;      // gauge: 1 while the worker hears from the broker
    sti_metric_t *dataset_lost;   // gauge: 1 while the dataset is lost
    sti_dataset_watch_t *dataset; // what this service knows of the dataset
    sti_log_limit_t lost_log;     // the repeated line while lost
    sti_log_limit_t wait_log;     // lines about writes the replicas did not confirm
    int64_t next_tick;            // zclock_mono time the next tick is due
    int wake_fd;                  // a socket whose readability runs the tick, or -1
    int64_t next_ping;            // zclock_mono time the next Redis PING is due
    sti_ratelimit_t *writes;      // write buckets per caller, or NULL without a limit
    const sti_identity_t *caller; // who the request being answered is for (see s_behalf)
    sti_identity_t acting;        // the caller, as sti_behalf_resolve made it
};

static const sti_config_entry_t s_common_map[] = {
    {"broker", STI_CONFIG_STR, "tcp://127.0.0.1:5555", offsetof(sti_common_config_t, broker),
     "Majordomo broker endpoint"},
    {"events_pub", STI_CONFIG_STR, "tcp://127.0.0.1:5557",
     offsetof(sti_common_config_t, events_pub), "broker XSUB endpoint, where publishers connect"},
    {"events_sub", STI_CONFIG_STR, "tcp://127.0.0.1:5556",
     offsetof(sti_common_config_t, events_sub), "broker XPUB endpoint, where subscribers connect"},
    {"redis_url", STI_CONFIG_STR, "redis://127.0.0.1:5558",
     offsetof(sti_common_config_t, redis_url), "redis://[[user]:password@]host:port[/db]"},
    {"redis_sentinels", STI_CONFIG_STR, "", offsetof(sti_common_config_t, redis_sentinels),
     "host:port,... of Redis Sentinels to find the master by (the URL's host is then unused)"},
    {"redis_master_name", STI_CONFIG_STR, "sti", offsetof(sti_common_config_t, redis_master_name),
     "the master's name at the Sentinels"},
    {"namespace", STI_CONFIG_STR, "sti", offsetof(sti_common_config_t, ns),
     "prefix of every Redis key"},
    {"http_addr", STI_CONFIG_STR, "127.0.0.1:0", offsetof(sti_common_config_t, http_addr),
     "HOST:PORT of /healthz, /readyz, /metrics (port 0 picks one)"},
    {"log_level", STI_CONFIG_STR, "info", offsetof(sti_common_config_t, log_level),
     "debug, info, warn or error"},
    {"write_rate", STI_CONFIG_DOUBLE, "50", offsetof(sti_common_config_t, write_rate),
     "writes a second one caller may make to this process (0: no limit)"},
    {"write_burst", STI_CONFIG_INT, "100", offsetof(sti_common_config_t, write_burst),
     "writes one caller may make at once before the rate applies"},
    {"redis_replicas", STI_CONFIG_INT, "0", offsetof(sti_common_config_t, redis_replicas),
     "replicas every write must reach before it is acknowledged (Redis WAIT; 0: the primary only)"},
    {"redis_replicas_ms", STI_CONFIG_INT, "1000", offsetof(sti_common_config_t, redis_replicas_ms),
     "how long a write waits for those replicas (ms) before it is answered unavailable"},
    {"dataset", STI_CONFIG_STR, "", offsetof(sti_common_config_t, dataset),
     "the id this deployment's dataset must have (kept outside Redis; empty: the id seen first)"},
    {NULL, 0, NULL, 0, NULL},
};

static void s_on_signal(int signum)
{
    (void)signum;
    s_stop = 1;
}

static void s_install_signals(void)
{
    zsys_handler_set(NULL);
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = s_on_signal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = 0; // no SA_RESTART: a blocking poll returns on the signal
    sigaction(SIGTERM, &action, NULL);
    sigaction(SIGINT, &action, NULL);
}

static bool s_ready(void *arg, char *why, size_t cap)
{
    sti_service_t *self = arg;
    if (self->dataset && sti_dataset_watch_lost(self->dataset, why, cap)) {
        return false;
    }
    if (sti_metric_value(self->redis_up) != 1) {
        snprintf(why, cap, "Redis is not connected");
        return false;
    }
    if (sti_metric_value(self->broker_up) != 1) {
        snprintf(why, cap, "the broker does not answer");
        return false;
    }
    return true;
}

//  Frees what the configuration put into both contexts.
static void s_unconfigure(sti_service_t *self)
{
    sti_config_free(s_common_map, &self->config);
    if (self->def->config) {
        sti_config_free(self->def->config, self->def->ctx);
    }
}

//  Loads both tables. Returns 0; 1 after --help; 2 after printing what is
//  wrong. On 1 and 2 nothing stays allocated.
static int s_configure(sti_service_t *self, int argc, char **argv)
{
    const sti_service_def_t *def = self->def;
    sti_config_part_t parts[2] = {{s_common_map, &self->config}, {def->config, def->ctx}};
    size_t count = def->config ? 2 : 1;
    char err[512];
    int rc = sti_config_load_parts(parts, count, &argc, argv, err, sizeof err);
    if (rc == 1) {
        s_unconfigure(self);
        return 1;
    }
    if (rc == 0 && argc > 1) {
        snprintf(err, sizeof err, "unexpected argument '%s'", argv[1]);
        rc = -1;
        s_unconfigure(self);
    }
    sti_log_level_t level = STI_LOG_INFO;
    if (rc == 0 && sti_log_level_parse(self->config.log_level, &level) != 0) {
        snprintf(err, sizeof err, "log_level '%s' is not debug, info, warn or error",
                 self->config.log_level ? self->config.log_level : "");
        rc = -1;
        s_unconfigure(self);
    }
    if (rc == 0 && (self->config.write_rate < 0 || self->config.write_burst < 1
                    || self->config.write_burst > INT32_MAX)) {
        snprintf(err, sizeof err, "write_rate must be 0 or more and write_burst at least 1");
        rc = -1;
        s_unconfigure(self);
    }
    if (rc == 0 && (self->config.redis_replicas < 0 || self->config.redis_replicas > 16 ||
                    self->config.redis_replicas_ms < 1 || self->config.redis_replicas_ms > 60000)) {
        snprintf(err, sizeof err, "redis_replicas must be 0 to 16 and redis_replicas_ms 1 to 60000");
        rc = -1;
        s_unconfigure(self);
    }
    if (rc != 0) {
        fprintf(stderr, "%s: %s (try --help)\n", def->name, err);
        return 2;
    }
    sti_log_init(def->name, level);
    return 0;
}

static void s_register_metrics(sti_service_t *self)
{
    size_t rows = self->op_count + 2;
    self->requests = calloc(rows * STI_SERVICE_CODES, sizeof *self->requests);
    self->durations = calloc(rows, sizeof *self->durations);
    assert(self->requests && self->durations);
    for (size_t i = 0; i < rows; i++) {
        const char *op = i < self->op_count    ? self->rows[i].name
                         : i == self->op_count ? "_unknown"
                                               : "_malformed";
        char labels[STI_OP_MAX + 16];
        snprintf(labels, sizeof labels, "op=\"%s\"", op);
        self->durations[i] = sti_http_counter(self->http, "sti_request_duration_microseconds_total",
                                              labels, "Time spent answering requests, by op.");
    }
    self->redis_up =
        sti_http_gauge(self->http, "sti_redis_up", NULL, "1 while the Redis connection is up.");
    self->broker_up = sti_http_gauge(self->http, "sti_broker_connected", NULL,
                                     "1 while the worker hears from the broker.");
    self->dataset_lost = sti_http_gauge(
        self->http, "sti_dataset_lost", NULL,
        "1 while Redis lacks data this deployment wrote (until an operator accepts the loss).");
}

//  Starts Redis, HTTP and the worker. Returns 0 or an exit code.
static int s_start(sti_service_t *self)
{
    char err[512];
    const sti_common_config_t *config = &self->config;
    self->redis = sti_redis_new(config->redis_url, config->ns, err, sizeof err);
    if (!self->redis) {
        sti_error("redis_url: %s", err);
        return 2;
    }
    if (config->redis_sentinels && *config->redis_sentinels &&
        sti_redis_set_sentinels(self->redis, config->redis_sentinels, config->redis_master_name,
                                err, sizeof err) != 0) {
        sti_error("%s", err);
        return 2;
    }
    self->dataset = sti_dataset_watch_new(config->dataset);
    self->http = sti_http_new(config->http_addr, s_ready, self, err, sizeof err);
    if (!self->http) {
        sti_error("%s", err);
        return 1;
    }
    s_register_metrics(self);
    self->worker = sti_mdp_worker_new(config->broker, self->def->service);
    if (!self->worker) {
        sti_error("cannot start the Majordomo worker for %s at %s", self->def->service,
                  config->broker);
        return 1;
    }
    self->reply = sti_writer_new();
    if (config->write_rate > 0) {
        self->writes = sti_ratelimit_new(config->write_rate, config->write_burst,
                                         STI_SERVICE_RATE_CALLERS);
    }
    if (sti_curve_client_wanted()) {
        sti_info("CURVE on: callers are named by the broker from their keys");
    } else {
        sti_warn("CURVE off (no STI_CURVE_BROKER_KEY): every caller is %s with role admin",
                 STI_AUTH_LOCAL_NAME);
    }
    char redis[256];
    sti_info("%s started: broker %s, redis %s, namespace %s, http port %d", self->def->service,
             config->broker, sti_redis_describe(self->redis, redis, sizeof redis), config->ns,
             sti_http_port(self->http));
    return 0;
}

//  ops.describe, which every service answers: its declared ops as data.
static int s_describe_op(void *self, const sti_call_t *call);
static const sti_op_decl_t s_builtin_ops[] = {
    {"ops.describe", s_describe_op, STI_ROLES_ANY, NULL,
     "the service's ops, declared: who may call them, their bodies, their replies",
     "{service, ops: [{op, summary, roles, write, changes, listed_only, body, reply, notes, "
     "route}]}",
     "What `sti-<name> --describe-ops` prints as JSON; docs/ops.md is made from it."},
    STI_OPS_END,
};
static const sti_op_table_t s_builtin = {"sti_service", s_builtin_ops};

//  Lists every op in rows; a name given twice is a programming error.
static void s_rows(sti_service_t *self)
{
    const sti_service_def_t *def = self->def;
    while (def->tables && def->tables[self->table_count]) {
        self->table_count++;
    }
    size_t count = 0;
    for (size_t i = 0; def->ops && def->ops[i].op; i++) {
        count++;
    }
    for (size_t t = 0; t <= self->table_count; t++) {
        const sti_op_table_t *table = t < self->table_count ? def->tables[t] : &s_builtin;
        for (size_t i = 0; table->ops[i].name; i++) {
            count++;
        }
    }
    self->rows = calloc(count, sizeof *self->rows);
    self->objects = calloc(self->table_count + 1, sizeof *self->objects);
    assert(self->rows && self->objects);
    self->objects[self->table_count] = self;
    for (size_t i = 0; def->ops && def->ops[i].op; i++) {
        self->rows[self->op_count++] = (s_row_t){def->ops[i].op, def->ops[i].roles,
                                                 def->ops[i].handler, NULL, 0};
    }
    for (size_t t = 0; t <= self->table_count; t++) {
        const sti_op_table_t *table = t < self->table_count ? def->tables[t] : &s_builtin;
        for (size_t i = 0; table->ops[i].name; i++) {
            const sti_op_decl_t *decl = &table->ops[i];
            for (size_t r = 0; r < self->op_count; r++) {
                assert(strcmp(self->rows[r].name, decl->name) != 0);
            }
            self->rows[self->op_count++] = (s_row_t){decl->name, decl->roles, NULL, decl, t};
        }
    }
}

//  Every route names a declared op and fits it (sti_op_route_check); a
//  route that does not is a programming error.
static void s_check_routes(sti_service_t *self)
{
    for (const sti_op_route_t *route = self->def->routes; route && route->op; route++) {
        size_t r = 0;
        while (r < self->op_count && strcmp(self->rows[r].name, route->op) != 0) {
            r++;
        }
        char err[256] = "not a declared op";
        if (r == self->op_count || !self->rows[r].decl ||
            sti_op_route_check(route, self->rows[r].decl, err, sizeof err) != 0) {
            fprintf(stderr, "%s: the route of %s: %s\n", self->def->name, route->op, err);
            assert(!"every route fits a declared op");
        }
    }
}

//  Writes {service, ops: [...]}: the declared ops, in table order.
static void s_describe(sti_service_t *self, sti_writer_t *writer)
{
    size_t declared = 0;
    for (size_t r = 0; r < self->op_count; r++) {
        declared += self->rows[r].decl ? 1 : 0;
    }
    sti_writer_map(writer, 2);
    sti_writer_kv_str(writer, "service", self->def->service);
    sti_writer_str(writer, "ops");
    sti_writer_array(writer, declared);
    for (size_t r = 0; r < self->op_count; r++) {
        if (self->rows[r].decl) {
            const sti_op_decl_t *decl = self->rows[r].decl;
            sti_op_describe_routed(decl, sti_op_route_find(self->def->routes, decl->name), writer);
        }
    }
}

static int s_describe_op(void *self, const sti_call_t *call)
{
    sti_envelope_reply_ok(call->reply, call->request->id);
    s_describe((sti_service_t *)self, call->reply);
    return 0;
}

//  --describe-ops: prints the declared ops as JSON on stdout.
static void s_print_description(sti_service_t *self)
{
    sti_writer_t *writer = sti_writer_new();
    s_describe(self, writer);
    size_t size;
    const void *data = sti_writer_data(writer, &size);
    char err[128];
    sti_reader_t *reader = sti_reader_new(data, size, NULL, err, sizeof err);
    assert(reader);
    cJSON *json = sti_json_from_node(sti_reader_root(reader));
    char *text = cJSON_Print(json);
    assert(text);
    puts(text);
    cJSON_free(text);
    cJSON_Delete(json);
    sti_reader_destroy(&reader);
    sti_writer_destroy(&writer);
}

static bool s_asked_to_describe(int argc, char **argv)
{
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
        if (strcmp(argv[i], "--describe-ops") == 0) {
            return true;
        }
    }
    return false;
}

sti_service_t *sti_service_new(const sti_service_def_t *def, int argc, char **argv, int *exit_code)
{
    assert(def && def->name && def->service && (def->ops || def->tables) && exit_code);
    s_install_signals();
    sti_service_t *self = calloc(1, sizeof *self);
    assert(self);
    self->def = def;
    self->wake_fd = -1;
    s_rows(self);
    s_check_routes(self);
    if (s_asked_to_describe(argc, argv)) {
        s_print_description(self);
        *exit_code = 0;
        free(self->rows);
        free(self->objects);
        free(self);
        return NULL;
    }
    int rc = s_configure(self, argc, argv);
    if (rc != 0) {
        *exit_code = rc == 1 ? 0 : 2;
        free(self->rows);
        free(self->objects);
        free(self);
        return NULL;
    }
    rc = s_start(self);
    if (rc != 0) {
        *exit_code = rc;
        sti_service_destroy(&self);
        return NULL;
    }
    *exit_code = 0;
    return self;
}

void sti_service_destroy(sti_service_t **self_p)
{
    assert(self_p);
    sti_service_t *self = *self_p;
    if (!self) {
        return;
    }
    sti_events_pub_destroy(&self->publisher);
    free(self->publisher_stream);
    sti_mdp_worker_destroy(&self->worker);
    sti_http_destroy(&self->http);
    sti_dataset_watch_destroy(&self->dataset);
    sti_redis_destroy(&self->redis);
    sti_writer_destroy(&self->reply);
    sti_ratelimit_destroy(&self->writes);
    free(self->requests);
    free(self->durations);
    free(self->rows);
    free(self->objects);
    s_unconfigure(self);
    free(self);
    *self_p = NULL;
}

//  --- answering one request ---

//  Counts one answered request under op row `row` and the reply's code.
static void s_count(sti_service_t *self, size_t row, sti_errcode_t code, int64_t micros)
{
    sti_metric_t **slot = &self->requests[row * STI_SERVICE_CODES + (size_t)code];
    if (!*slot) {
        const char *op = row < self->op_count    ? self->rows[row].name
                         : row == self->op_count ? "_unknown"
                                                 : "_malformed";
        char labels[STI_OP_MAX + 64];
        snprintf(labels, sizeof labels, "op=\"%s\",code=\"%s\"", op,
                 code == STI_ERR_NONE ? "ok" : sti_errcode_name(code));
        *slot = sti_http_counter(self->http, "sti_requests_total", labels,
                                 "Requests answered, by op and result code.");
    }
    sti_metric_add(*slot, 1);
    sti_metric_add(self->durations[row], micros);
}

//  The result code of the reply written (NONE for ok), read back from its
//  bytes; STI_SERVICE_BAD_REPLY when they are not a reply envelope.
static int s_reply_code(sti_service_t *self)
{
    size_t size = 0;
    const void *data = sti_writer_data(self->reply, &size);
    sti_reply_t reply;
    char err[256];
    if (size == 0 || sti_reply_decode(data, size, &s_limits, &reply, err, sizeof err) != 0) {
        return STI_SERVICE_BAD_REPLY;
    }
    int code = reply.ok ? STI_ERR_NONE : (int)reply.code;
    sti_reply_release(&reply);
    return code;
}

//  Reads the id of a request that did not decode, so the error can carry it.
static void s_salvage_id(const void *data, size_t size, char *id, size_t cap)
{
    id[0] = 0;
    char err[128];
    sti_reader_t *reader = sti_reader_new(data, size, &s_limits, err, sizeof err);
    if (reader) {
        sti_field_error_t field_err;
        if (sti_map_str_copy(sti_reader_root(reader), "id", id, cap, &field_err) != 0) {
            id[0] = 0;
        }
        sti_reader_destroy(&reader);
    }
}

//  Runs the handler of op row `row`. A handler that fails, writes nothing, or
//  writes something that is not a reply envelope is answered `internal`: a
//  client could not read what it wrote either. Returns the reply's code.
static sti_errcode_t s_run_handler(sti_service_t *self, size_t row, const sti_request_t *request)
{
    const s_row_t *op = &self->rows[row];
    int rc;
    if (op->undeclared) {
        rc = op->undeclared(self, request, self->reply, self->def->ctx);
    } else {
        sti_call_t call = {request, self->reply, self->caller, self};
        rc = op->decl->handler(self->objects[op->table], &call);
    }
    int code = rc == 0 ? s_reply_code(self) : STI_SERVICE_BAD_REPLY;
    if (code == STI_SERVICE_BAD_REPLY) {
        sti_error("op %s (id %s) %s", request->op, request->id,
                  rc != 0 ? "failed" : "wrote no valid reply");
        sti_writer_reset(self->reply);
        sti_envelope_reply_error(self->reply, request->id, STI_ERR_INTERNAL, "internal error", NULL,
                                 0);
        return STI_ERR_INTERNAL;
    }
    return (sti_errcode_t)code;
}

//  Checks the caller may call op now. Returns 0, or -1 with a forbidden or
//  rate_limited reply written and its code in *code_p.
static int s_authorize(sti_service_t *self, const s_row_t *op, const sti_request_t *request,
                       sti_errcode_t *code_p)
{
    const sti_identity_t *caller = self->caller;
    char message[640];
    if (!sti_role_allowed(op->roles, caller->role_bit)) {
        snprintf(message, sizeof message, "op %s is not allowed for role %s (caller %s)", op->name,
                 caller->role[0] ? caller->role : "none", caller->name);
        sti_envelope_reply_error(self->reply, request->id, STI_ERR_FORBIDDEN, message, NULL, 0);
        *code_p = STI_ERR_FORBIDDEN;
        return -1;
    }
    char why[STI_DATASET_WHY_MAX];
    if ((op->roles & (STI_OP_WRITE | STI_OP_CHANGES)) &&
        sti_dataset_watch_lost(self->dataset, why, sizeof why)) {
        snprintf(message, sizeof message,
                 "op %s changes nothing now: %s; an operator decides how to go on "
                 "(stictl dataset accept-loss, docs/operations.md)",
                 op->name, why);
        sti_envelope_reply_error(self->reply, request->id, STI_ERR_UNAVAILABLE, message, NULL, 0);
        *code_p = STI_ERR_UNAVAILABLE;
        return -1;
    }
    int64_t retry_ms = 0;
    if ((op->roles & STI_OP_WRITE) && self->writes
        && !sti_ratelimit_take(self->writes, caller->key[0] ? caller->key : caller->name,
                               zclock_mono(), &retry_ms)) {
        char retry[24];
        snprintf(retry, sizeof retry, "%lld", (long long)retry_ms);
        snprintf(message, sizeof message,
                 "write rate limit of %g a second (burst %lld) reached for %s: retry after %lld ms",
                 self->config.write_rate, (long long)self->config.write_burst, caller->name,
                 (long long)retry_ms);
        sti_detail_t detail = {-1, "retry_after_ms", retry};
        sti_envelope_reply_error(self->reply, request->id, STI_ERR_RATE_LIMITED, message, &detail,
                                 1);
        *code_p = STI_ERR_RATE_LIMITED;
        return -1;
    }
    return 0;
}

//  Takes the person a gateway asks for as the caller (sti_behalf.h). Returns
//  0, or -1 with the refusal written and its code in *code_p.
static int s_behalf(sti_service_t *self, const s_row_t *op, const sti_request_t *request,
                    sti_errcode_t *code_p)
{
    char message[320];
    if (sti_behalf_resolve(self->caller, request->as, op->roles, &self->acting, code_p, message,
                           sizeof message) != 0) {
        sti_envelope_reply_error(self->reply, request->id, *code_p, message, NULL, 0);
        return -1;
    }
    self->caller = &self->acting;
    return 0;
}

//  Writes the reply to one request body into self->reply and its code into
//  *code_p; returns the op row.
static size_t s_answer(sti_service_t *self, zmsg_t *msg, sti_errcode_t *code_p)
{
    *code_p = STI_ERR_INVALID_ARGUMENT;
    sti_writer_reset(self->reply);
    zframe_t *frame = zmsg_first(msg);
    const void *data = frame ? zframe_data(frame) : NULL;
    size_t size = frame ? zframe_size(frame) : 0;
    sti_request_t request;
    char err[256];
    if (zmsg_size(msg) != 1) {
        snprintf(err, sizeof err, "a request is one frame, got %zu", zmsg_size(msg));
    }
    if (zmsg_size(msg) != 1 ||
        sti_request_decode(data, size, &s_limits, &request, err, sizeof err)) {
        char id[STI_ID_MAX + 1] = "";
        if (frame) {
            s_salvage_id(data, size, id, sizeof id);
        }
        sti_envelope_reply_error(self->reply, id, STI_ERR_INVALID_ARGUMENT, err, NULL, 0);
        return self->op_count + 1;
    }
    size_t row = 0;
    while (row < self->op_count && strcmp(self->rows[row].name, request.op) != 0) {
        row++;
    }
    sti_field_error_t field_err;
    if (row == self->op_count) {
        snprintf(err, sizeof err, "unknown op %s", request.op);
        sti_envelope_reply_error(self->reply, request.id, STI_ERR_INVALID_ARGUMENT, err, NULL, 0);
    } else if (s_behalf(self, &self->rows[row], &request, code_p) == 0 &&
               s_authorize(self, &self->rows[row], &request, code_p) == 0) {
        //  Declared ops get bodies that match their declaration.
        if (self->rows[row].decl &&
            sti_op_check(self->rows[row].decl, request.body, &field_err) != 0) {
            sti_service_reply_invalid(self->reply, &request, &field_err);
        } else {
            *code_p = s_run_handler(self, row, &request);
        }
    }
    sti_request_release(&request);
    return row;
}

bool sti_service_replicated(sti_service_t *self)
{
    assert(self);
    if (self->config.redis_replicas <= 0) {
        return true;
    }
    char want[24], ms[24];
    snprintf(want, sizeof want, "%lld", (long long)self->config.redis_replicas);
    snprintf(ms, sizeof ms, "%lld", (long long)self->config.redis_replicas_ms);
    const char *argv[] = {"WAIT", want, ms};
    redisReply *reply = sti_redis_argv(self->redis, 3, argv, NULL);
    bool ok = reply && reply->type == REDIS_REPLY_INTEGER &&
              reply->integer >= self->config.redis_replicas;
    int64_t suppressed;
    if (!ok && sti_log_due(&self->wait_log, zclock_mono(), 1000, &suppressed)) {
        if (reply && reply->type == REDIS_REPLY_INTEGER) {
            sti_warn("a write reached %lld of %lld replicas within %lld ms (%" PRId64
                     " more since the last line)",
                     (long long)reply->integer, (long long)self->config.redis_replicas,
                     (long long)self->config.redis_replicas_ms, suppressed);
        } else {
            sti_warn("WAIT for the replicas failed: %s",
                     reply && reply->type == REDIS_REPLY_ERROR ? reply->str
                                                               : sti_redis_errstr(self->redis));
        }
    }
    if (reply) {
        freeReplyObject(reply);
    }
    return ok;
}

//  A write that the primary took but the replicas did not confirm is not
//  acknowledged: the client sends it again (it is applied once).
static void s_confirm(sti_service_t *self, size_t row, sti_errcode_t *code)
{
    if (*code != STI_ERR_NONE || row >= self->op_count ||
        !(self->rows[row].roles & (STI_OP_WRITE | STI_OP_CHANGES)) ||
        sti_service_replicated(self)) {
        return;
    }
    //  The request's id, from the reply just written.
    size_t size = 0;
    const void *data = sti_writer_data(self->reply, &size);
    char id[STI_ID_MAX + 1];
    s_salvage_id(data, size, id, sizeof id);
    char message[256];
    snprintf(message, sizeof message,
             "written, but not yet on %lld Redis replica(s) within %lld ms: send the same "
             "request again (it is applied once)",
             (long long)self->config.redis_replicas, (long long)self->config.redis_replicas_ms);
    sti_writer_reset(self->reply);
    sti_envelope_reply_error(self->reply, id, STI_ERR_UNAVAILABLE, message, NULL, 0);
    *code = STI_ERR_UNAVAILABLE;
}

static void s_handle(sti_service_t *self, zframe_t **client_p, zmsg_t **msg_p)
{
    int64_t start = zclock_usecs();
    sti_errcode_t code;
    size_t row = s_answer(self, *msg_p, &code);
    s_confirm(self, row, &code);
    zmsg_destroy(msg_p);
    size_t size = 0;
    const void *data = sti_writer_data(self->reply, &size);
    zmsg_t *reply = zmsg_new();
    zmsg_addmem(reply, data, size);
    if (sti_mdp_worker_send(self->worker, client_p, &reply) != 0) {
        sti_warn("could not send a reply to the broker");
    }
    zframe_destroy(client_p);
    zmsg_destroy(&reply);
    s_count(self, row, code, zclock_usecs() - start);
}

//  --- the loop ---

//  Feeds the watch what Redis holds and what the publisher found, and says
//  so when the state changes (and every minute while lost).
static void s_watch_dataset(sti_service_t *self, int64_t now)
{
    sti_dataset_t dataset;
    bool changed = false;
    if (sti_redis_connected(self->redis) && sti_dataset_read(self->redis, &dataset) == 0) {
        changed = sti_dataset_watch_update(self->dataset, &dataset);
    }
    const char *stream = self->publisher ? sti_events_pub_lost(self->publisher) : NULL;
    if (stream) {
        changed = sti_dataset_watch_loss(self->dataset, stream) || changed;
    }
    char why[STI_DATASET_WHY_MAX];
    bool lost = sti_dataset_watch_lost(self->dataset, why, sizeof why);
    sti_metric_set(self->dataset_lost, lost ? 1 : 0);
    int64_t suppressed;
    bool due = lost && sti_log_due(&self->lost_log, now, STI_SERVICE_LOST_LOG_MS, &suppressed);
    if (lost && (changed || due)) {
        sti_error("the dataset lost data: %s. Writes are refused and nothing is applied until an "
                  "operator accepts the loss (stictl dataset accept-loss --reason TEXT) or "
                  "restores Redis; see docs/operations.md",
                  why);
    } else if (changed) {
        char id[STI_DATASET_ID_LEN + 1];
        sti_dataset_watch_id(self->dataset, id, sizeof id);
        sti_warn("the dataset is %s now: the loss was accepted or repaired; going on", id);
    }
}

//  PINGs Redis once a second, so a connection that broke while the service
//  was idle is noticed (and, through sti_redis, reconnected) and /readyz
//  follows it. A PING on a broken connection fails fast during back-off.
static void s_watch_redis(sti_service_t *self)
{
    int64_t now = zclock_mono();
    if (now >= self->next_ping) {
        self->next_ping = now + STI_SERVICE_PING_MS;
        redisReply *reply = sti_redis_command(self->redis, "PING");
        if (reply) {
            freeReplyObject(reply);
        }
        s_watch_dataset(self, now);
    }
    sti_metric_set(self->redis_up, sti_redis_connected(self->redis) ? 1 : 0);
}

static void s_tick(sti_service_t *self)
{
    int64_t now = zclock_mono();
    if (now < self->next_tick) {
        return;
    }
    self->next_tick = now + (self->def->tick_ms > 0 ? self->def->tick_ms : 1000);
    if (self->def->tick && !sti_dataset_watch_lost(self->dataset, NULL, 0)) {
        self->def->tick(self, self->def->ctx);
    }
    if (self->publisher) {
        sti_events_pub_tick(self->publisher);
    }
}

//  Waits up to wait ms for a request or the wake socket; a readable wake
//  socket makes the tick due now. Returns how long recv may still wait.
static int64_t s_wait_wake(sti_service_t *self, int64_t wait)
{
    zsock_t *sock = sti_mdp_worker_sock(self->worker);
    zmq_pollitem_t items[2] = {{NULL, self->wake_fd, ZMQ_POLLIN, 0},
                               {sock ? zsock_resolve(sock) : NULL, 0, ZMQ_POLLIN, 0}};
    if (zmq_poll(items, sock ? 2 : 1, (long)wait) > 0 && (items[0].revents & ZMQ_POLLIN)) {
        self->next_tick = zclock_mono();
    }
    return 0;
}

void sti_service_bind(sti_service_t *self, const sti_op_table_t *table, void *object)
{
    assert(self && table);
    for (size_t t = 0; t < self->table_count; t++) {
        if (self->def->tables[t] == table) {
            self->objects[t] = object;
            return;
        }
    }
    assert(!"sti_service_bind: a table the service does not declare");
}

void sti_service_wake_on(sti_service_t *self, int fd)
{
    assert(self);
    self->wake_fd = fd;
}

int sti_service_run(sti_service_t *self)
{
    assert(self);
    for (size_t t = 0; t < self->table_count; t++) {
        assert(self->objects[t] && "every table is bound before the service runs");
    }
    self->next_tick = zclock_mono();
    self->next_ping = self->next_tick;
    while (!s_stop) {
        s_watch_redis(self);
        sti_metric_set(self->broker_up, sti_mdp_worker_connected(self->worker) ? 1 : 0);
        int64_t wait = self->next_tick - zclock_mono();
        if (self->wake_fd >= 0 && wait > 0) {
            wait = s_wait_wake(self, wait);
        }
        zframe_t *client = NULL;
        zmsg_t *msg = sti_mdp_worker_recv(self->worker, &client, wait > 0 ? (int)wait : 0);
        if (msg) {
            self->caller = sti_mdp_worker_caller(self->worker);
            s_handle(self, &client, &msg);
        }
        zframe_destroy(&client);
        if (!s_stop) {
            s_tick(self);
        }
    }
    sti_info("%s stopping: signal received", self->def->service);
    return 0;
}

bool sti_service_stopping(sti_service_t *self)
{
    (void)self;
    return s_stop != 0;
}

const sti_common_config_t *sti_service_config(sti_service_t *self)
{
    assert(self);
    return &self->config;
}

sti_dataset_watch_t *sti_service_dataset(sti_service_t *self)
{
    assert(self);
    return self->dataset;
}

sti_redis_t *sti_service_redis(sti_service_t *self)
{
    assert(self);
    return self->redis;
}

sti_http_t *sti_service_http(sti_service_t *self)
{
    assert(self);
    return self->http;
}

const char *sti_service_name(sti_service_t *self)
{
    assert(self);
    return self->def->name;
}

sti_events_pub_t *sti_service_publisher(sti_service_t *self, const char *stream)
{
    assert(self && stream);
    if (!self->publisher) {
        self->publisher =
            sti_events_pub_new(self->redis, stream, self->config.events_pub, self->def->name);
        if (!self->publisher) {
            return NULL;
        }
        self->publisher_stream = strdup(stream);
        assert(self->publisher_stream);
    }
    //  A service owns one stream; asking for another is a programming error.
    assert(strcmp(self->publisher_stream, stream) == 0);
    return self->publisher;
}

const sti_identity_t *sti_service_caller(sti_service_t *self)
{
    assert(self && self->caller);
    return self->caller;
}

void sti_service_reply_invalid(sti_writer_t *reply, const sti_request_t *request,
                               const sti_field_error_t *field_err)
{
    assert(reply && request && field_err);
    char message[256];
    snprintf(message, sizeof message, "%s: %s", *field_err->field ? field_err->field : "body",
             field_err->reason);
    sti_detail_t detail = {-1, field_err->field, field_err->reason};
    sti_writer_reset(reply);
    sti_envelope_reply_error(reply, request->id, STI_ERR_INVALID_ARGUMENT, message, &detail, 1);
}
