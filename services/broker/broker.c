/*  broker: the sti-broker actor. See broker.h.

    Two threads, each an actor. The request thread owns the Majordomo
    ROUTER and runs no zloop: it waits in the ROUTER's own receive until the
    next tick, then drains what is waiting (up to a batch) with receives
    that do not wait. Every socket in a zmq_poll costs each wake-up a
    ZMQ_EVENTS query (a poll and a getpid in libzmq 4.3.4), twice, so a
    request loop that polls nothing wakes up cheapest. Its tick (100 ms,
    shorter with a short heartbeat) reads $TERM from the actor pipe, ticks
    the Majordomo engine for heartbeats, dead workers and expired requests,
    reads the ROUTER's CURVE monitor and reloads the allow-list (broker_auth),
    and publishes what broker_wire saw of the connections (metrics, log
    lines), giving freed memory back to the system after connections closed.
    The bus thread runs a zloop over its pipe and the XSUB / XPUB pair of the
    event bus (with CURVE, it makes the XPUB again after a key leaves the
    allow-list, so a revoked subscriber is cut off; see broker_auth.h). The
    two share nothing but the settings, the metrics (atomics) and
    broker_auth (locked).
    The HTTP server runs in libmicrohttpd's thread; the metrics are atomics.

    Every socket limits what a peer can hold: broker_wire caps connections
    and the size of incoming messages; a connection must finish its
    handshake within handshake_ms; plain connections must answer ZMTP
    heartbeats (a peer that completed the handshake and then says nothing
    is closed after zmtp_ping_ms + zmtp_timeout_ms), CURVE ones are not
    pinged (broker_wire.c says why) and TCP keepalive finds their dead peers.
*/
#include "broker.h"

#include <inttypes.h>
#include <malloc.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "broker_auth.h"
#include "broker_mdp.h"
#include "broker_wire.h"
#include "sti_events.h"
#include "sti_http.h"
#include "sti_log.h"
#include "sti_mdp.h"

#define S_ROUTER_HWM 1000 // messages queued per peer on the Majordomo socket, outgoing
#define S_ROUTER_RCVHWM                                                                            \
    100                 // incoming: libzmq counts messages, not bytes, so a peer
                        // sending large ones waits on TCP instead of filling memory
#define S_BUS_HWM 10000 // events queued per publisher (incoming, read at once)
//  Bytes an event queued for a subscriber costs that subscriber alone: libzmq's
//  msg_t and queue, measured with libzmq 4.3.4 (the event's content is held once
//  for all the subscribers it goes to).
#define S_QUEUED_EVENT 128
#define S_SUBSCRIPTION_MAX 4096 // largest subscription message (a topic prefix)
#define S_BATCH 256             // messages read per wake-up of a reader
#define S_BACKLOG 1024          // connections waiting to be accepted (a storm of reconnects)
#define S_TRIM_EVERY_MS 1000    // memory is given back at most this often

//  The metrics of broker_wire's view of the connections.
typedef struct {
    sti_metric_t *connections[BROKER_WIRE_SOCKETS]; // gauges: open, per socket
    sti_metric_t *receiving;                        // gauge: bytes of unfinished messages
    sti_metric_t *refused_max, *refused_fds;        // counters: closed on accept
    sti_metric_t *cut_frames, *cut_bytes, *cut_receive, *cut_protocol; // counters: cut
    sti_metric_t *timed_out; // counter: closed by the kernel (stall_ms, TCP keepalive)
} s_wire_metrics_t;

struct _broker_t {
    const broker_config_t *config; // settings (borrowed, read while starting)
    sti_http_t *http;              // /healthz, /readyz, /metrics (owned)
    zactor_t *actor;               // the loop's thread (owned)
    atomic_bool running;           // the loop is up (readiness)
    atomic_bool failed;            // the actor could not start
    char err[256];                 // why it could not
    sti_metric_t *events;          // events forwarded publisher -> subscribers
    sti_metric_t *subscriptions;   // subscription messages forwarded back
    s_wire_metrics_t wire;         // connections (broker_wire)
    int64_t connections_allowed;   // max_connections, or fewer for want of descriptors
};

//  What the bus thread's loop handlers share.
typedef struct {
    broker_t *broker;              // the handle (settings, metrics)
    broker_auth_t *auth;           // CURVE, or NULL when off (borrowed; its calls lock)
    zsock_t *xsub;                 // publishers connect here
    zsock_t *xpub;                 // subscribers connect here
    zloop_t *loop;                 // the bus thread's loop
    uint64_t revocations;          // broker_auth_revocations when the XPUB was made
    sti_log_limit_t rebind_log;    // lines about binding the XPUB again
    sti_metric_t *rebuilt;         // times the XPUB was made again after a revocation
    sti_metric_t *denied_role;     // events dropped: the sender's role is not service
    sti_metric_t *denied_stream;   // events dropped: a stream the sender's key does not list
    sti_log_limit_t denied_log[2]; // lines about dropped events: role, stream
    bool failed;                   // the bus could not bind its sockets
    char err[256];                 // why (a bind, at start or again)
} s_bus_t;

//  What the request thread's loop handlers share.
typedef struct {
    broker_t *broker;                // the handle (for metrics)
    zsock_t *router;                 // Majordomo
    broker_mdp_t *mdp;               // Majordomo state
    broker_auth_t *auth;             // CURVE, or NULL when off
    s_bus_t bus;                     // the event bus's state (its thread's)
    broker_peer_t local;             // every sender without CURVE
    broker_wire_stats_t wire_logged; // broker_wire's counters at the last log line
    int64_t wire_logged_at;          // when that was (zclock_mono)
    int64_t trimmed_closed;          // connections closed at the last malloc_trim
    int64_t trimmed_at;              // when that was
} s_state_t;

static bool s_ready(void *arg, char *why, size_t cap)
{
    broker_t *self = (broker_t *)arg;
    (void)why, (void)cap;
    return atomic_load(&self->running);
}

//  True when the actor's pipe holds $TERM (read without waiting).
static bool s_term_asked(zsock_t *pipe)
{
    bool term = false;
    while (!term && (zsock_events(pipe) & ZMQ_POLLIN)) {
        char *command = zstr_recv(pipe);
        term = !command || strcmp(command, "$TERM") == 0;
        zstr_free(&command);
    }
    return term;
}

static int s_on_pipe(zloop_t *loop, zsock_t *pipe, void *arg)
{
    (void)loop;
    (void)arg;
    char *command = zstr_recv(pipe);
    int rc = command && strcmp(command, "$TERM") == 0 ? -1 : 0;
    zstr_free(&command);
    return rc;
}

//  With CURVE: tells broker_wire that the message of this frame was taken
//  from its connection (the "__fd" property names the descriptor).
static void s_taken(zframe_t *frame)
{
    const char *fd = zframe_meta(frame, "__fd");
    if (fd) {
        broker_wire_taken(atoi(fd));
    }
}

//  Waits up to wait_ms for a message on the ROUTER, then handles it and
//  what else is waiting (up to a batch) without waiting again: a receive
//  that finds nothing is the only check, so a busy loop costs no
//  ZMQ_EVENTS query per message.
static void s_read_router(s_state_t *state, int wait_ms)
{
    zsock_t *router = state->router;
    for (int i = 0; i < S_BATCH; i++) {
        zsock_set_rcvtimeo(router, i == 0 ? wait_ms : 0);
        zmsg_t *msg = zmsg_recv(router);
        if (!msg) {
            break;
        }
        broker_peer_t caller;
        const broker_peer_t *sender = &state->local;
        if (state->auth) {
            //  The routing id a poll prefetched carries no metadata: ask the next frame.
            zmsg_first(msg);
            zframe_t *frame = zmsg_next(msg);
            if (frame) {
                s_taken(frame);
            }
            if (!frame || broker_auth_identify(state->auth, frame, &caller) != 0) {
                zmsg_destroy(&msg);
                continue;
            }
            sender = &caller;
        }
        broker_mdp_handle_from(state->mdp, &msg, sender);
    }
}

//  Counts and logs (rate limited) an event dropped from sender.
static void s_deny_event(s_bus_t *state, bool role, const broker_peer_t *sender, const char *why,
                         const char *stream)
{
    sti_metric_add(role ? state->denied_role : state->denied_stream, 1);
    int64_t suppressed;
    if (sti_log_due(&state->denied_log[role ? 0 : 1], zclock_mono(), 1000, &suppressed)) {
        sti_warn("dropped an event on stream %s from key %s (role %s, streams %s): %s; %" PRId64
                 " more dropped since the last line",
                 stream, sender->identity.name,
                 sender->identity.role[0] ? sender->identity.role : "none",
                 sender->streams[0] ? sender->streams : "none", why, suppressed);
    }
}

//  True when a message on the bus may pass: with CURVE, an event (publisher
//  true) only from a key still in the allow-list, with role service, on a
//  stream (the topic up to its first '.') its certificate lists.
static bool s_admit(s_bus_t *state, zmsg_t *msg, bool publisher)
{
    if (!state->auth || !publisher) {
        return true;
    }
    broker_peer_t sender;
    zframe_t *topic = zmsg_first(msg);
    if (broker_auth_identify(state->auth, topic, &sender) != 0) {
        return false;
    }
    const char *data = (const char *)zframe_data(topic);
    const char *dot = memchr(data, '.', zframe_size(topic));
    size_t len = dot ? (size_t)(dot - data) : zframe_size(topic);
    char stream[STI_EVENTS_STREAM_MAX + 1];
    size_t shown = len < sizeof stream - 1 ? len : sizeof stream - 1;
    for (size_t i = 0; i < shown; i++) {
        stream[i] = data[i] > 0x20 && data[i] < 0x7f ? data[i] : '?';
    }
    stream[shown] = 0;
    if (sender.identity.role_bit != STI_ROLE_SERVICE) {
        s_deny_event(state, true, &sender, "only role service may publish", stream);
        return false;
    }
    if (!sti_curve_streams_has(sender.streams, data, len)) {
        s_deny_event(state, false, &sender,
                     "a key may publish only on the streams its certificate lists", stream);
        return false;
    }
    return true;
}

//  Moves what is waiting on from to to, counting messages in metric.
static void s_forward(s_bus_t *state, zsock_t *from, zsock_t *to, sti_metric_t *metric,
                      bool publisher)
{
    int64_t count = 0;
    for (int i = 0; i < S_BATCH; i++) {
        if (i > 0 && !(zsock_events(from) & ZMQ_POLLIN)) {
            break;
        }
        zmsg_t *msg = zmsg_recv(from);
        if (!msg) {
            break;
        }
        if (state->auth) {
            s_taken(zmsg_first(msg));
        }
        if (!to || !s_admit(state, msg, publisher)) {
            zmsg_destroy(&msg); // no XPUB while it is made again: subscribers replay
            continue;
        }
        zmsg_send(&msg, to);
        zmsg_destroy(&msg); // left over only when the send failed
        count++;
    }
    sti_metric_add(metric, count);
}

static int s_on_xsub(zloop_t *loop, zsock_t *xsub, void *arg)
{
    (void)loop;
    s_bus_t *state = (s_bus_t *)arg;
    s_forward(state, xsub, state->xpub, state->broker->events, true);
    return 0;
}

static int s_on_xpub(zloop_t *loop, zsock_t *xpub, void *arg)
{
    (void)loop;
    s_bus_t *state = (s_bus_t *)arg;
    s_forward(state, xpub, state->xsub, state->broker->subscriptions, false);
    return 0;
}

static zsock_t *s_bind(const broker_config_t *config, broker_auth_t *auth, zloop_t *loop,
                       broker_wire_socket_t which, int type, int hwm, int rcvhwm,
                       const char *endpoint, char *err, size_t errlen);

//  After a revocation: closes the XPUB, so that every subscriber, the revoked
//  one with them, must connect again through a handshake zauth judges, and
//  binds it again (on later ticks while the port is not free yet).
//  Subscribers see the gap in the sequence numbers and replay what they missed.
static void s_check_revocations(s_bus_t *state)
{
    const broker_config_t *config = state->broker->config;
    uint64_t revocations = broker_auth_revocations(state->auth);
    if (revocations != state->revocations && state->xpub) {
        state->revocations = revocations;
        zloop_reader_end(state->loop, state->xpub);
        zsock_destroy(&state->xpub);
        sti_metric_add(state->rebuilt, 1);
        sti_info("a key left the allow-list: the event subscribers are cut off and connect again");
    }
    if (!state->xpub) {
        state->xpub = s_bind(config, state->auth, state->loop, BROKER_WIRE_XPUB, ZMQ_XPUB,
                             S_BUS_HWM, S_BUS_HWM, config->xpub, state->err, sizeof state->err);
        int64_t suppressed;
        if (state->xpub) {
            zloop_reader(state->loop, state->xpub, s_on_xpub, state);
            sti_info("events xpub %s bound again", config->xpub);
        } else if (sti_log_due(&state->rebind_log, zclock_mono(), 1000, &suppressed)) {
            sti_warn("events xpub: %s; trying again", state->err);
        }
    }
}

//  Logs what broker_wire refused and cut since the last line (once a second
//  at most), and gives freed memory back after connections closed.
static void s_wire_tick(s_state_t *state, const broker_wire_stats_t *now)
{
    int64_t mono = zclock_mono();
    broker_wire_stats_t *was = &state->wire_logged;
    const struct {
        const char *what; // why the connections were closed
        int64_t count;    // how many since the last line
    } reasons[] = {
        {"over max_connections", now->refused_max - was->refused_max},
        {"for want of descriptors", now->refused_fds - was->refused_fds},
        {"for a message of more than message_max_frames", now->cut_frames - was->cut_frames},
        {"for a message of more than message_max_bytes", now->cut_bytes - was->cut_bytes},
        {"over receive_max_bytes", now->cut_receive - was->cut_receive},
        {"for not speaking ZMTP 3", now->cut_protocol - was->cut_protocol},
        {"for taking in nothing for stall_ms (or no TCP keepalive answer)",
         now->timed_out - was->timed_out},
    };
    char line[512] = "";
    size_t used = 0;
    for (size_t i = 0; i < sizeof reasons / sizeof reasons[0]; i++) {
        if (reasons[i].count > 0 && used < sizeof line) {
            used += (size_t)snprintf(line + used, sizeof line - used, "%s%" PRId64 " %s",
                                     used ? ", " : "", reasons[i].count, reasons[i].what);
        }
    }
    if (used > 0 && mono - state->wire_logged_at >= 1000) {
        sti_warn("connections closed since the last line: %s", line);
        *was = *now;
        state->wire_logged_at = mono;
    }
    //  libzmq frees a closed connection's buffers and queues, but glibc keeps
    //  the pages: give them back.
    if (now->closed != state->trimmed_closed && mono - state->trimmed_at >= S_TRIM_EVERY_MS) {
        malloc_trim(0);
        state->trimmed_closed = now->closed;
        state->trimmed_at = mono;
    }
}

//  Copies broker_wire's view into the metrics.
static void s_wire_publish(broker_t *self, const broker_wire_stats_t *stats)
{
    s_wire_metrics_t *m = &self->wire;
    for (int i = 0; i < BROKER_WIRE_SOCKETS; i++) {
        sti_metric_set(m->connections[i], stats->connections[i]);
    }
    sti_metric_set(m->receiving, stats->receiving);
    sti_metric_set(m->refused_max, stats->refused_max);
    sti_metric_set(m->refused_fds, stats->refused_fds);
    sti_metric_set(m->cut_frames, stats->cut_frames);
    sti_metric_set(m->cut_bytes, stats->cut_bytes);
    sti_metric_set(m->cut_receive, stats->cut_receive);
    sti_metric_set(m->cut_protocol, stats->cut_protocol);
    sti_metric_set(m->timed_out, stats->timed_out);
}

static void s_tick(s_state_t *state)
{
    broker_mdp_tick(state->mdp);
    broker_wire_stats_t stats;
    broker_wire_stats(&stats);
    s_wire_publish(state->broker, &stats);
    s_wire_tick(state, &stats);
    if (state->auth) {
        broker_auth_tick(state->auth);
    }
}

static const char *s_socket_names[BROKER_WIRE_SOCKETS] = {"requests", "xsub", "xpub"};

//  Sets what a peer may hold of the socket: the handshake deadline, ZMTP
//  heartbeats (plain sockets only), TCP keepalive, how long it may take in
//  nothing (TCP_USER_TIMEOUT), the accept backlog; for a subscriber, what
//  it may hold in bytes of its own: half in libzmq's queue (libzmq counts
//  events: S_QUEUED_EVENT bytes each), half in the kernel's send buffer
//  (Linux doubles what is set); for a publisher, the largest event frame.
static void s_peer_limits(const broker_config_t *config, zsock_t *sock, broker_wire_socket_t which,
                          bool curve)
{
    if (which == BROKER_WIRE_XPUB) {
        int64_t half = config->subscriber_queue_bytes / 2;
        zsock_set_sndhwm(sock, (int)(half / S_QUEUED_EVENT));
        zsock_set_sndbuf(sock, (int)(half / 2));
        zsock_set_maxmsgsize(sock, S_SUBSCRIPTION_MAX);
    } else if (which == BROKER_WIRE_XSUB) {
        zsock_set_maxmsgsize(sock, (int)config->event_max_bytes);
    }
    zsock_set_tcp_maxrt(sock, (int)config->stall_ms);
    zsock_set_handshake_ivl(sock, (int)config->handshake_ms);
    if (!curve) {
        zsock_set_heartbeat_ivl(sock, (int)config->zmtp_ping_ms);
        zsock_set_heartbeat_timeout(sock, (int)config->zmtp_timeout_ms);
        zsock_set_heartbeat_ttl(sock, (int)config->zmtp_timeout_ms);
    }
    zsock_set_tcp_keepalive(sock, 1);
    zsock_set_tcp_keepalive_idle(sock, 60);
    zsock_set_tcp_keepalive_intvl(sock, 10);
    zsock_set_tcp_keepalive_cnt(sock, 3);
    zsock_set_backlog(sock, S_BACKLOG);
}

//  Creates a socket of type with limits (hwm out, rcvhwm in), makes it a
//  CURVE server when auth is set (its handshakes watched in loop, the
//  owning thread's), binds it and has broker_wire follow its connections.
//  Returns NULL with a reason in err.
static zsock_t *s_bind(const broker_config_t *config, broker_auth_t *auth, zloop_t *loop,
                       broker_wire_socket_t which, int type, int hwm, int rcvhwm,
                       const char *endpoint, char *err, size_t errlen)
{
    zsock_t *sock = zsock_new(type);
    if (!sock) {
        snprintf(err, errlen, "cannot create a socket");
        return NULL;
    }
    sti_mdp_socket_limits(sock, hwm);
    zsock_set_rcvhwm(sock, rcvhwm);
    s_peer_limits(config, sock, which, auth != NULL);
    const char *name = s_socket_names[which];
    if (auth && broker_auth_server(auth, sock, name, loop, err, errlen) != 0) {
        zsock_destroy(&sock);
        return NULL;
    }
    if (zsock_bind(sock, "%s", endpoint) < 0) {
        snprintf(err, errlen, "cannot bind %s: %s", endpoint, zmq_strerror(zmq_errno()));
        zsock_destroy(&sock);
        return NULL;
    }
    char *bound = zsock_last_endpoint(sock);
    if (!bound || broker_wire_watch(bound, which) != 0) {
        sti_warn("%s %s is not TCP: its connections are neither counted nor bounded", name,
                 bound ? bound : endpoint);
    }
    zstr_free(&bound);
    return sock;
}

static int s_on_bus_tick(zloop_t *loop, int timer_id, void *arg)
{
    (void)loop;
    (void)timer_id;
    s_check_revocations((s_bus_t *)arg);
    return 0;
}

//  The bus thread: binds the XSUB and XPUB (a failure is told through
//  bus->failed before the signal), then forwards events and subscriptions
//  until $TERM.
static void s_bus_actor(zsock_t *pipe, void *arg)
{
    s_bus_t *bus = (s_bus_t *)arg;
    const broker_config_t *config = bus->broker->config;
    bus->loop = zloop_new();
    bus->xsub = s_bind(config, bus->auth, bus->loop, BROKER_WIRE_XSUB, ZMQ_XSUB, S_BUS_HWM,
                       S_BUS_HWM, config->xsub, bus->err, sizeof bus->err);
    if (bus->xsub) {
        bus->xpub = s_bind(config, bus->auth, bus->loop, BROKER_WIRE_XPUB, ZMQ_XPUB, S_BUS_HWM,
                           S_BUS_HWM, config->xpub, bus->err, sizeof bus->err);
    }
    bus->failed = !bus->xpub;
    if (!bus->failed) {
        if (bus->auth) {
            bus->revocations = broker_auth_revocations(bus->auth);
            zloop_timer(bus->loop, 100, 0, s_on_bus_tick, bus);
        }
        zloop_set_nonstop(bus->loop, true); // stop on $TERM, not on the signal
        zloop_reader(bus->loop, pipe, s_on_pipe, bus);
        zloop_reader(bus->loop, bus->xsub, s_on_xsub, bus);
        zloop_reader(bus->loop, bus->xpub, s_on_xpub, bus);
    }
    zsock_signal(pipe, 0);
    if (!bus->failed) {
        zloop_start(bus->loop);
    }
    zloop_destroy(&bus->loop);
    zsock_destroy(&bus->xpub);
    zsock_destroy(&bus->xsub);
}

//  Runs the loop until $TERM.
static void s_run(broker_t *self, s_state_t *state, zsock_t *pipe)
{
    const broker_config_t *config = self->config;
    broker_limits_t limits = {config->queue_max,          config->queue_bytes,
                              config->queue_total_max,    config->queue_total_bytes,
                              config->request_timeout_ms, config->heartbeat_ms,
                              config->max_services};
    state->mdp = broker_mdp_new(state->router, self->http, &limits);
    broker_mdp_set_events(state->mdp, config->events_address && *config->events_address
                                          ? config->events_address
                                          : config->xpub);
    int64_t tick_ms = config->heartbeat_ms >= 400 ? 100 : config->heartbeat_ms / 4 + 1;
    if (!state->auth) {
        sti_warn("CURVE off: every peer is trusted as %s with role admin", STI_AUTH_LOCAL_NAME);
    }
    sti_info("broker up: majordomo %s, events xsub %s -> xpub %s, http %s", config->bind,
             config->xsub, config->xpub, config->http_addr);
    atomic_store(&self->running, true);
    zsock_signal(pipe, 0);
    //  No zloop here: each socket in a zmq_poll costs a poll and a getpid per
    //  wake-up, twice. The loop waits in the ROUTER's receive itself until the
    //  next tick, and the tick looks at the pipe ($TERM) and the CURVE
    //  monitors, so broker_destroy waits up to one tick.
    int64_t tick_at = zclock_mono() + tick_ms;
    while (true) {
        int64_t wait = tick_at - zclock_mono();
        if (wait > 0) {
            s_read_router(state, (int)wait);
        }
        if (zclock_mono() >= tick_at) {
            tick_at = zclock_mono() + tick_ms;
            if (s_term_asked(pipe)) {
                break;
            }
            s_tick(state);
        }
    }
    atomic_store(&self->running, false);
    broker_mdp_destroy(&state->mdp);
}

//  Registers the bus thread's metrics.
static void s_bus_metrics(broker_t *self, s_bus_t *bus)
{
    bus->denied_role =
        sti_http_counter(self->http, "sti_broker_events_denied_total", "reason=\"role\"",
                         "Events dropped because their sender may not publish "
                         "them, by reason");
    bus->denied_stream =
        sti_http_counter(self->http, "sti_broker_events_denied_total", "reason=\"stream\"",
                         "Events dropped because their sender may not publish "
                         "them, by reason");
    bus->rebuilt = sti_http_counter(self->http, "sti_broker_xpub_rebuilt_total", NULL,
                                    "Times the events XPUB was made again after a revocation");
}

static void s_actor(zsock_t *pipe, void *arg)
{
    broker_t *self = (broker_t *)arg;
    const broker_config_t *config = self->config;
    s_state_t state;
    memset(&state, 0, sizeof state);
    state.broker = self;
    state.bus.broker = self;
    broker_peer_local(&state.local);
    s_bus_metrics(self, &state.bus);
    bool ok = true;
    if (config->curve) {
        state.auth =
            broker_auth_new(config->curve_cert, config->curve_clients, config->curve_reload_ms,
                            self->http, self->err, sizeof(self->err));
        ok = state.auth != NULL;
    }
    if (ok) {
        state.router =
            s_bind(config, state.auth, NULL, BROKER_WIRE_REQUESTS, ZMQ_ROUTER, S_ROUTER_HWM,
                   S_ROUTER_RCVHWM, config->bind, self->err, sizeof(self->err));
    }
    zactor_t *bus = NULL;
    if (state.router) {
        state.bus.auth = state.auth;
        bus = zactor_new(s_bus_actor, &state.bus); // returns once the bus signalled
        if (!bus || state.bus.failed) {
            snprintf(self->err, sizeof(self->err), "%s",
                     bus ? state.bus.err : "cannot start the event bus thread");
            zactor_destroy(&bus);
        }
    }
    if (bus) {
        s_run(self, &state, pipe);
    } else {
        atomic_store(&self->failed, true);
        zsock_signal(pipe, 0);
    }
    zactor_destroy(&bus);
    zsock_destroy(&state.router);
    broker_auth_destroy(&state.auth);
}

//  Registers the metrics of the connections, raises the descriptor limit
//  and starts broker_wire.
static void s_wire_start(broker_t *self)
{
    const broker_config_t *config = self->config;
    s_wire_metrics_t *m = &self->wire;
    for (int i = 0; i < BROKER_WIRE_SOCKETS; i++) {
        char labels[32];
        snprintf(labels, sizeof labels, "socket=\"%s\"", s_socket_names[i]);
        m->connections[i] = sti_http_gauge(self->http, "sti_broker_connections", labels,
                                           "Connections open, per socket");
    }
    sti_metric_t *allowed = sti_http_gauge(self->http, "sti_broker_connections_max", NULL,
                                           "Connections allowed (max_connections, or fewer "
                                           "when descriptors are short)");
    sti_metric_t *fds = sti_http_gauge(self->http, "sti_broker_descriptors_max", NULL,
                                       "The process's descriptor limit");
    static const char *refused_help = "Connections closed as soon as accepted, by reason";
    m->refused_max = sti_http_counter(self->http, "sti_broker_connections_refused_total",
                                      "reason=\"max_connections\"", refused_help);
    m->refused_fds = sti_http_counter(self->http, "sti_broker_connections_refused_total",
                                      "reason=\"descriptors\"", refused_help);
    static const char *cut_help = "Connections closed for what they sent, by reason";
    m->cut_frames = sti_http_counter(self->http, "sti_broker_connections_cut_total",
                                     "reason=\"message_frames\"", cut_help);
    m->cut_bytes = sti_http_counter(self->http, "sti_broker_connections_cut_total",
                                    "reason=\"message_bytes\"", cut_help);
    m->cut_receive = sti_http_counter(self->http, "sti_broker_connections_cut_total",
                                      "reason=\"receive_bytes\"", cut_help);
    m->cut_protocol = sti_http_counter(self->http, "sti_broker_connections_cut_total",
                                       "reason=\"protocol\"", cut_help);
    m->timed_out = sti_http_counter(self->http, "sti_broker_connections_cut_total",
                                    "reason=\"stalled\"", cut_help);
    m->receiving = sti_http_gauge(self->http, "sti_broker_receiving_bytes", NULL,
                                  "Bytes of incoming messages not yet complete");
    broker_wire_limits_t limits = {config->max_connections, config->message_max_bytes,
                                   config->message_max_frames, config->receive_max_bytes};
    int64_t fd_limit = 0;
    self->connections_allowed = broker_wire_start(&limits, &fd_limit);
    sti_metric_set(allowed, self->connections_allowed);
    sti_metric_set(fds, fd_limit);
    if (!broker_wire_active()) {
        sti_warn("connections are neither counted nor bounded: libzmq's calls do not reach "
                 "broker_wire (is libzmq linked statically?)");
    }
    if (self->connections_allowed < config->max_connections) {
        sti_warn("descriptors: the limit is %" PRId64 ", so at most %" PRId64 " connections, not "
                 "max_connections %" PRId64 " (raise the container's nofile limit)",
                 fd_limit, self->connections_allowed, config->max_connections);
    } else {
        sti_info("descriptors: the limit is %" PRId64 ", connections at most %" PRId64, fd_limit,
                 self->connections_allowed);
    }
}

broker_t *broker_new(const broker_config_t *config, char *err, size_t errlen)
{
    assert(config);
    broker_t *self = (broker_t *)zmalloc(sizeof(broker_t));
    self->config = config;
    atomic_init(&self->running, false);
    atomic_init(&self->failed, false);
    self->http = sti_http_new(config->http_addr, s_ready, self, err, errlen);
    if (!self->http) {
        free(self);
        return NULL;
    }
    self->events = sti_http_counter(self->http, "sti_broker_events_forwarded_total", NULL,
                                    "Events forwarded from publishers to subscribers");
    self->subscriptions = sti_http_counter(self->http, "sti_broker_subscriptions_forwarded_total",
                                           NULL, "Subscription changes forwarded to publishers");
    s_wire_start(self);
    self->actor = zactor_new(s_actor, self); // returns once the actor signalled
    if (!self->actor || atomic_load(&self->failed)) {
        snprintf(err, errlen, "%s", self->actor ? self->err : "cannot start the broker thread");
        broker_destroy(&self);
    }
    return self;
}

void broker_destroy(broker_t **self_p)
{
    assert(self_p);
    broker_t *self = *self_p;
    if (self) {
        zactor_destroy(&self->actor);
        sti_http_destroy(&self->http);
        free(self);
        *self_p = NULL;
    }
}

int broker_http_port(broker_t *self)
{
    assert(self);
    return sti_http_port(self->http);
}
