/*  broker: the sti-broker actor. See broker.h.

    One thread runs one zloop over four sockets: the actor pipe (for $TERM),
    the Majordomo ROUTER, and the XSUB / XPUB pair of the event bus (with
    CURVE, the XPUB is made again after a key leaves the allow-list, so a
    revoked subscriber is cut off; see broker_auth.h). Each
    reader drains what is waiting (up to a batch) before returning to the
    loop, which keeps the per-message cost low under load. A timer ticks the
    Majordomo engine for heartbeats, dead workers and expired requests.
    The HTTP server runs in libmicrohttpd's thread; the metrics are atomics.
*/
#include "broker.h"

#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "broker_auth.h"
#include "broker_mdp.h"
#include "sti_events.h"
#include "sti_http.h"
#include "sti_log.h"
#include "sti_mdp.h"

#define S_ROUTER_HWM 1000   // messages queued per peer on the Majordomo socket, outgoing
#define S_ROUTER_RCVHWM 100 // incoming: libzmq counts messages, not bytes, so a peer
                            // sending large ones waits on TCP instead of filling memory
#define S_BUS_HWM 10000   // events queued per peer on the bus
#define S_BATCH 256       // messages read per wake-up of a reader

struct _broker_t {
    const broker_config_t *config; // settings (borrowed, read while starting)
    sti_http_t *http;              // /healthz, /readyz, /metrics (owned)
    zactor_t *actor;               // the loop's thread (owned)
    atomic_bool running;           // the loop is up (readiness)
    atomic_bool failed;            // the actor could not start
    char err[256];                 // why it could not
    sti_metric_t *events;          // events forwarded publisher -> subscribers
    sti_metric_t *subscriptions;   // subscription messages forwarded back
};

//  What the actor's loop handlers share.
typedef struct {
    broker_t *broker;  // the handle (for metrics)
    zsock_t *router;   // Majordomo
    zsock_t *xsub;     // publishers connect here
    zsock_t *xpub;     // subscribers connect here
    broker_mdp_t *mdp; // Majordomo state
    broker_auth_t *auth;   // CURVE, or NULL when off
    zloop_t *loop;         // the actor's loop
    uint64_t revocations;  // broker_auth_revocations when the XPUB was made
    sti_log_limit_t rebind_log; // lines about binding the XPUB again
    sti_metric_t *rebuilt;      // times the XPUB was made again after a revocation
    broker_peer_t local;        // every sender without CURVE
    sti_metric_t *denied_role;  // events dropped: the sender's role is not service
    sti_metric_t *denied_stream;   // events dropped: a stream the sender's key does not list
    sti_log_limit_t denied_log[2]; // lines about dropped events: role, stream
} s_state_t;

static bool s_ready(void *arg)
{
    broker_t *self = (broker_t *)arg;
    return atomic_load(&self->running);
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

static int s_on_router(zloop_t *loop, zsock_t *router, void *arg)
{
    (void)loop;
    s_state_t *state = (s_state_t *)arg;
    for (int i = 0; i < S_BATCH; i++) {
        if (i > 0 && !(zsock_events(router) & ZMQ_POLLIN)) {
            break;
        }
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
            if (!frame || broker_auth_identify(state->auth, frame, &caller) != 0) {
                zmsg_destroy(&msg);
                continue;
            }
            sender = &caller;
        }
        broker_mdp_handle_from(state->mdp, &msg, sender);
    }
    return 0;
}

//  Counts and logs (rate limited) an event dropped from sender.
static void s_deny_event(s_state_t *state, bool role, const broker_peer_t *sender, const char *why,
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
static bool s_admit(s_state_t *state, zmsg_t *msg, bool publisher)
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
static void s_forward(s_state_t *state, zsock_t *from, zsock_t *to, sti_metric_t *metric,
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
    s_state_t *state = (s_state_t *)arg;
    s_forward(state, xsub, state->xpub, state->broker->events, true);
    return 0;
}

static int s_on_xpub(zloop_t *loop, zsock_t *xpub, void *arg)
{
    (void)loop;
    s_state_t *state = (s_state_t *)arg;
    s_forward(state, xpub, state->xsub, state->broker->subscriptions, false);
    return 0;
}

static zsock_t *s_bind(broker_t *self, broker_auth_t *auth, const char *name, int type, int hwm,
                       int rcvhwm, const char *endpoint);

//  After a revocation: closes the XPUB, so that every subscriber, the revoked
//  one with them, must connect again through a handshake zauth judges, and
//  binds it again (on later ticks while the port is not free yet).
//  Subscribers see the gap in the sequence numbers and replay what they missed.
static void s_check_revocations(s_state_t *state)
{
    broker_t *self = state->broker;
    uint64_t revocations = broker_auth_revocations(state->auth);
    if (revocations != state->revocations && state->xpub) {
        state->revocations = revocations;
        zloop_reader_end(state->loop, state->xpub);
        zsock_destroy(&state->xpub);
        sti_metric_add(state->rebuilt, 1);
        sti_info("a key left the allow-list: the event subscribers are cut off and connect again");
    }
    if (!state->xpub) {
        state->xpub = s_bind(self, state->auth, "xpub", ZMQ_XPUB, S_BUS_HWM, S_BUS_HWM,
                             self->config->xpub);
        int64_t suppressed;
        if (state->xpub) {
            zloop_reader(state->loop, state->xpub, s_on_xpub, state);
            sti_info("events xpub %s bound again", self->config->xpub);
        } else if (sti_log_due(&state->rebind_log, zclock_mono(), 1000, &suppressed)) {
            sti_warn("events xpub: %s; trying again", self->err);
        }
    }
}

static int s_on_tick(zloop_t *loop, int timer_id, void *arg)
{
    (void)loop;
    (void)timer_id;
    s_state_t *state = (s_state_t *)arg;
    broker_mdp_tick(state->mdp);
    if (state->auth) {
        s_check_revocations(state);
    }
    return 0;
}

//  Creates a socket of type with limits (hwm out, rcvhwm in), makes it a
//  CURVE server when auth is set, and binds it. Returns NULL with self->err set.
static zsock_t *s_bind(broker_t *self, broker_auth_t *auth, const char *name, int type, int hwm,
                       int rcvhwm, const char *endpoint)
{
    zsock_t *sock = zsock_new(type);
    if (!sock) {
        snprintf(self->err, sizeof(self->err), "cannot create a socket");
        return NULL;
    }
    sti_mdp_socket_limits(sock, hwm);
    zsock_set_rcvhwm(sock, rcvhwm);
    if (auth && broker_auth_server(auth, sock, name, self->err, sizeof(self->err)) != 0) {
        zsock_destroy(&sock);
        return NULL;
    }
    if (zsock_bind(sock, "%s", endpoint) < 0) {
        snprintf(self->err, sizeof(self->err), "cannot bind %s: %s", endpoint,
                 zmq_strerror(zmq_errno()));
        zsock_destroy(&sock);
    }
    return sock;
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
    size_t tick_ms = config->heartbeat_ms >= 400 ? 100 : (size_t)config->heartbeat_ms / 4 + 1;
    zloop_t *loop = zloop_new();
    state->loop = loop;
    if (state->auth) {
        state->revocations = broker_auth_revocations(state->auth);
    }
    zloop_set_nonstop(loop, true); // stop on $TERM from broker_destroy, not on the signal
    zloop_reader(loop, pipe, s_on_pipe, state);
    zloop_reader(loop, state->router, s_on_router, state);
    zloop_reader(loop, state->xsub, s_on_xsub, state);
    zloop_reader(loop, state->xpub, s_on_xpub, state);
    zloop_timer(loop, tick_ms, 0, s_on_tick, state);
    if (state->auth) {
        broker_auth_attach(state->auth, loop);
    } else {
        sti_warn("CURVE off: every peer is trusted as %s with role admin", STI_AUTH_LOCAL_NAME);
    }
    sti_info("broker up: majordomo %s, events xsub %s -> xpub %s, http %s", config->bind,
             config->xsub, config->xpub, config->http_addr);
    atomic_store(&self->running, true);
    zsock_signal(pipe, 0);
    zloop_start(loop);
    atomic_store(&self->running, false);
    zloop_destroy(&loop);
    broker_mdp_destroy(&state->mdp);
}

static void s_actor(zsock_t *pipe, void *arg)
{
    broker_t *self = (broker_t *)arg;
    const broker_config_t *config = self->config;
    s_state_t state;
    memset(&state, 0, sizeof state);
    state.broker = self;
    broker_peer_local(&state.local);
    state.denied_role =
        sti_http_counter(self->http, "sti_broker_events_denied_total", "reason=\"role\"",
                         "Events dropped because their sender may not publish "
                         "them, by reason");
    state.denied_stream =
        sti_http_counter(self->http, "sti_broker_events_denied_total", "reason=\"stream\"",
                         "Events dropped because their sender may not publish "
                         "them, by reason");
    state.rebuilt = sti_http_counter(self->http, "sti_broker_xpub_rebuilt_total", NULL,
                                     "Times the events XPUB was made again after a revocation");
    bool ok = true;
    if (config->curve) {
        state.auth = broker_auth_new(config->curve_cert, config->curve_clients,
                                     config->curve_reload_ms, self->http, self->err,
                                     sizeof(self->err));
        ok = state.auth != NULL;
    }
    if (ok) {
        state.router = s_bind(self, state.auth, "requests", ZMQ_ROUTER, S_ROUTER_HWM,
                              S_ROUTER_RCVHWM, config->bind);
    }
    if (state.router) {
        state.xsub = s_bind(self, state.auth, "xsub", ZMQ_XSUB, S_BUS_HWM, S_BUS_HWM, config->xsub);
    }
    if (state.xsub) {
        state.xpub = s_bind(self, state.auth, "xpub", ZMQ_XPUB, S_BUS_HWM, S_BUS_HWM, config->xpub);
    }
    if (state.xpub) {
        s_run(self, &state, pipe);
    } else {
        atomic_store(&self->failed, true);
        zsock_signal(pipe, 0);
    }
    zsock_destroy(&state.xpub);
    zsock_destroy(&state.xsub);
    zsock_destroy(&state.router);
    broker_auth_destroy(&state.auth);
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
