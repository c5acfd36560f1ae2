/*  sti_service: the frame every worker service shares. See sti_service.h.

    The frame is four parts: this module (configuration, signals, the loop,
    the lifetime of every part), sti_service_ops (the declared ops and one
    request answered), sti_service_health (the HTTP port: readiness and
    metrics) and sti_service_guard (the PING, the dataset watch, the WAIT
    for replicas).

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

    The loop. Each turn lets the guard PING Redis when due, refreshes the
    gauges, waits for a request at most until the next tick is due
    (tick_ms after the last tick ended), answers it, then runs the tick when due; a service may name
   a socket (sti_service_wake_on) whose readability makes the tick due at once, so a blocking read
   of its own wakes it without waiting. A write answered ok that the replicas did not confirm
   (redis_replicas) is answered `unavailable` instead: the client sends it again, and it is applied
   once. The events it logged go on the bus only after a WAIT that confirmed them (the
   publisher holds them until then: sti_events_pub_replicated).
*/
#include "sti_service.h"

#include <assert.h>
#include <czmq.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sti_curve.h"
#include "sti_log.h"
#include "sti_mdp_worker.h"
#include "sti_service_guard.h"
#include "sti_service_health.h"
#include "sti_service_ops.h"

static volatile sig_atomic_t s_stop = 0;

struct _sti_service_t {
    const sti_service_def_t *def; // what the service is (not owned)
    sti_common_config_t config;   // settings every service has (owned strings)
    sti_redis_t *redis;           // the service's Redis connection
    sti_service_ops_t *ops;       // the declared ops, answering requests
    sti_service_guard_t *guard;   // PING, dataset watch, WAIT
    sti_service_health_t *health; // /healthz, /readyz, /metrics
    sti_mdp_worker_t *worker;     // Majordomo worker for def->service
    sti_writer_t *reply;          // reused for every reply
    sti_events_pub_t *publisher;  // created by sti_service_publisher, or NULL
    char *publisher_stream;       // the stream publisher writes to
    int64_t next_tick;            // zclock_mono time the next tick is due
    int wake_fd;                  // a socket whose readability runs the tick, or -1
    const sti_identity_t *caller; // who sent the request being answered (the worker's)
};

static const sti_config_entry_t s_common_map[] = {
    {"broker", STI_CONFIG_STR, "tcp://127.0.0.1:5555", offsetof(sti_common_config_t, broker),
     "Majordomo broker endpoint", 0, 0},
    {"events_pub", STI_CONFIG_STR, "tcp://127.0.0.1:5557",
     offsetof(sti_common_config_t, events_pub), "broker XSUB endpoint, where publishers connect", 0,
     0},
    {"events_sub", STI_CONFIG_STR, "tcp://127.0.0.1:5556",
     offsetof(sti_common_config_t, events_sub), "broker XPUB endpoint, where subscribers connect",
     0, 0},
    {"redis_url", STI_CONFIG_STR, "redis://127.0.0.1:5558",
     offsetof(sti_common_config_t, redis_url), "redis://[[user]:password@]host:port[/db]", 0, 0},
    {"redis_sentinels", STI_CONFIG_STR, "", offsetof(sti_common_config_t, redis_sentinels),
     "host:port,... of Redis Sentinels to find the master by (the URL's host is then unused)", 0,
     0},
    {"redis_master_name", STI_CONFIG_STR, "sti", offsetof(sti_common_config_t, redis_master_name),
     "the master's name at the Sentinels", 0, 0},
    {"namespace", STI_CONFIG_STR, "sti", offsetof(sti_common_config_t, ns),
     "prefix of every Redis key", 0, 0},
    {"http_addr", STI_CONFIG_STR, "127.0.0.1:0", offsetof(sti_common_config_t, http_addr),
     "HOST:PORT of /healthz, /readyz, /metrics (port 0 picks one)", 0, 0},
    {"log_level", STI_CONFIG_STR, "info", offsetof(sti_common_config_t, log_level),
     "debug, info, warn or error", 0, 0},
    {"write_rate", STI_CONFIG_DOUBLE, "50", offsetof(sti_common_config_t, write_rate),
     "writes a second one caller may make to this process (0: no limit)", 0, 1000000},
    {"write_burst", STI_CONFIG_INT, "100", offsetof(sti_common_config_t, write_burst),
     "writes one caller may make at once before the rate applies", 1, 1000000},
    {"redis_replicas", STI_CONFIG_INT, "0", offsetof(sti_common_config_t, redis_replicas),
     "replicas every write must reach before it is acknowledged (Redis WAIT; 0: the primary only)",
     0, 16},
    {"redis_replicas_ms", STI_CONFIG_DURATION, "1s",
     offsetof(sti_common_config_t, redis_replicas_ms),
     "how long a write waits for those replicas before it is answered unavailable (the WAIT "
     "has this long on top of the 5 s command timeout, so it is not cut off as a dead Redis)",
     1, 60000},
    {"dataset", STI_CONFIG_STR, "", offsetof(sti_common_config_t, dataset),
     "the id this deployment's dataset must have (kept outside Redis; empty: the id seen first)", 0,
     0},
    STI_CONFIG_END,
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
    if (rc != 0) {
        fprintf(stderr, "%s: %s (try --help)\n", def->name, err);
        return 2;
    }
    sti_log_init(def->name, level);
    return 0;
}

//  Starts Redis, its guard, HTTP and the worker. Returns 0 or an exit code.
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
    sti_redis_set_replicas(self->redis, (int)config->redis_replicas);
    self->guard = sti_service_guard_new(self->redis, config->dataset, config->redis_replicas,
                                        config->redis_replicas_ms);
    sti_dataset_watch_t *dataset = sti_service_guard_dataset(self->guard);
    sti_service_ops_guard(self->ops, dataset);
    sti_service_ops_limit_writes(self->ops, config->write_rate, config->write_burst);
    self->health = sti_service_health_new(config->http_addr, self->ops, dataset, err, sizeof err);
    if (!self->health) {
        sti_error("%s", err);
        return 1;
    }
    self->worker = sti_mdp_worker_new(config->broker, self->def->service);
    if (!self->worker) {
        sti_error("cannot start the Majordomo worker for %s at %s", self->def->service,
                  config->broker);
        return 1;
    }
    self->reply = sti_writer_new();
    if (sti_curve_client_wanted()) {
        sti_info("CURVE on: callers are named by the broker from their keys");
    } else {
        sti_warn("CURVE off (no STI_CURVE_BROKER_KEY): every caller is %s with role admin",
                 STI_AUTH_LOCAL_NAME);
    }
    char redis[256];
    sti_info("%s started: broker %s, redis %s, namespace %s, http port %d", self->def->service,
             config->broker, sti_redis_describe(self->redis, redis, sizeof redis), config->ns,
             sti_http_port(sti_service_health_http(self->health)));
    return 0;
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
    assert(def && def->name && def->service && def->tables && exit_code);
    s_install_signals();
    sti_service_t *self = calloc(1, sizeof *self);
    assert(self);
    self->def = def;
    self->wake_fd = -1;
    self->ops = sti_service_ops_new(def->service, def->tables, def->routes);
    if (s_asked_to_describe(argc, argv)) {
        sti_service_ops_print(self->ops, stdout);
        *exit_code = 0;
        sti_service_ops_destroy(&self->ops);
        free(self);
        return NULL;
    }
    int rc = s_configure(self, argc, argv);
    if (rc != 0) {
        *exit_code = rc == 1 ? 0 : 2;
        sti_service_ops_destroy(&self->ops);
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
    sti_service_health_destroy(&self->health);
    sti_service_ops_destroy(&self->ops);
    sti_service_guard_destroy(&self->guard);
    sti_redis_destroy(&self->redis);
    sti_writer_destroy(&self->reply);
    s_unconfigure(self);
    free(self);
    *self_p = NULL;
}

//  --- the loop ---

//  A write that the primary took but the replicas did not confirm is not
//  acknowledged: the client sends it again (it is applied once).
//  The events the write logged go on the bus only once the replicas
//  confirm it (sti_events_pub_replicated); until then the publisher holds
//  them, and its heartbeat's WAIT releases them later. generation: the
//  Redis connection the op's writes went on; a WAIT on one made again
//  during the op (a command broke) does not confirm them.
static void s_confirm(sti_service_t *self, sti_service_answer_t *answer, uint64_t generation)
{
    if (answer->code != STI_ERR_NONE || !sti_service_ops_changes(self->ops, answer->row)) {
        return;
    }
    bool held = sti_service_guard_replicated(self->guard, generation);
    if (self->publisher) {
        sti_events_pub_replicated(self->publisher, held);
    }
    if (held) {
        return;
    }
    char message[256];
    snprintf(message, sizeof message,
             "written, but not yet on %lld Redis replica(s) within %lld ms: send the same "
             "request again (it is applied once)",
             (long long)self->config.redis_replicas, (long long)self->config.redis_replicas_ms);
    sti_writer_reset(self->reply);
    sti_envelope_reply_error(self->reply, answer->id, STI_ERR_UNAVAILABLE, message, NULL, 0);
    answer->code = STI_ERR_UNAVAILABLE;
}

static void s_handle(sti_service_t *self, zframe_t **client_p, zmsg_t **msg_p)
{
    int64_t start = zclock_usecs();
    zframe_t *frame = zmsg_first(*msg_p);
    sti_service_answer_t answer;
    //  The connection the op's writes go on: this one, or the one its first
    //  command makes when none is up.
    uint64_t generation =
        sti_redis_generation(self->redis) + (sti_redis_connected(self->redis) ? 0 : 1);
    sti_service_ops_answer(self->ops, frame ? zframe_data(frame) : NULL,
                           frame ? zframe_size(frame) : 0, zmsg_size(*msg_p), self->caller, self,
                           self->reply, &answer);
    s_confirm(self, &answer, generation);
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
    sti_service_health_count(self->health, answer.row, answer.code, zclock_usecs() - start);
}

static void s_tick(sti_service_t *self)
{
    int64_t now = zclock_mono();
    if (now < self->next_tick) {
        return;
    }
    int64_t every = self->def->tick_ms > 0 ? self->def->tick_ms : 1000;
    if (self->def->tick && !sti_service_guard_lost(self->guard)) {
        self->def->tick(self, self->def->ctx);
    }
    if (self->publisher) {
        sti_events_pub_tick(self->publisher);
    }
    //  Counted from the tick's end: a tick that works for its whole budget
    //  (an applier with a backlog) leaves tick_ms for requests before the
    //  next one, in which every request queued at the broker is answered.
    self->next_tick = zclock_mono() + every;
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

//  The guard's turn and the gauges /readyz reads.
static void s_watch(sti_service_t *self)
{
    sti_service_guard_turn(self->guard, self->publisher, zclock_mono());
    sti_service_health_set(self->health, sti_redis_connected(self->redis),
                           sti_mdp_worker_connected(self->worker),
                           sti_redis_generation(self->redis));
    sti_service_health_set_lost(self->health, sti_service_guard_lost(self->guard));
}

void sti_service_bind(sti_service_t *self, const sti_op_table_t *table, void *object)
{
    assert(self && table);
    sti_service_ops_bind(self->ops, table, object);
}

void sti_service_wake_on(sti_service_t *self, int fd)
{
    assert(self);
    self->wake_fd = fd;
}

int sti_service_run(sti_service_t *self)
{
    assert(self);
    assert(sti_service_ops_bound(self->ops) && "every table is bound before the service runs");
    self->next_tick = zclock_mono();
    while (!s_stop) {
        s_watch(self);
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

//  --- what a service reaches through the frame ---

const sti_common_config_t *sti_service_config(sti_service_t *self)
{
    assert(self);
    return &self->config;
}

bool sti_service_replicated(sti_service_t *self)
{
    assert(self);
    return sti_service_guard_replicated(self->guard, 0);
}

sti_dataset_watch_t *sti_service_dataset(sti_service_t *self)
{
    assert(self);
    return sti_service_guard_dataset(self->guard);
}

sti_redis_t *sti_service_redis(sti_service_t *self)
{
    assert(self);
    return self->redis;
}

sti_http_t *sti_service_http(sti_service_t *self)
{
    assert(self);
    return sti_service_health_http(self->health);
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
        sti_events_pub_set_replicas(self->publisher, self->config.redis_replicas);
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
