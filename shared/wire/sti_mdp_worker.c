/*  sti_mdp_worker: a Majordomo worker. See sti_mdp_worker.h.

    The worker holds one DEALER connected to the broker. It says READY on every
    (re)connect, sends HEARTBEAT every heartbeat interval (from recv, or from
    tick while the service is busy), and counts the broker as gone when it has
    heard nothing for LIVENESS intervals or when the broker sends DISCONNECT:
    it then closes the socket, opens a fresh one (a new identity, so the broker
    sees a new worker) and says READY again. libzmq reconnects a lost TCP
    connection by itself; the fresh socket is for a broker that restarted and
    forgot us. A malformed message from the broker is dropped with a log line.
    READY carries STI_MDPW_IDENTITY after the service name, so each REQUEST's
    body starts with the caller's identity frame, which recv takes off.
*/
#include "sti_mdp_worker.h"

#include <errno.h>
#include <string.h>

#include "sti_curve.h"
#include "sti_log.h"
#include "sti_mdp.h"

#define S_WORKER_HWM 10000 // messages queued each way

struct _sti_mdp_worker_t {
    char *broker;          // endpoint
    char *service;         // service name sent with READY
    zsock_t *sock;         // DEALER to the broker
    int heartbeat_ms;      // interval between heartbeats
    int64_t heartbeat_at;  // when the next heartbeat is due (zclock_mono)
    int64_t expires_at;    // when the broker counts as gone
    bool heard;            // the broker spoke since the last (re)connect
    sti_identity_t caller; // who sent the last request recv returned
};

//  Sends a command with up to two extra frames. Returns 0 or -1.
static int s_send_command(sti_mdp_worker_t *self, const char *command, const char *extra,
                          const char *extra2)
{
    zmsg_t *msg = zmsg_new();
    zmsg_addmem(msg, NULL, 0);
    zmsg_addstr(msg, STI_MDPW);
    zmsg_addstr(msg, command);
    if (extra) {
        zmsg_addstr(msg, extra);
    }
    if (extra2) {
        zmsg_addstr(msg, extra2);
    }
    int rc = zmsg_send(&msg, self->sock);
    zmsg_destroy(&msg);
    return rc;
}

//  Opens a fresh socket and says READY. Returns 0 or -1.
static int s_connect(sti_mdp_worker_t *self)
{
    zsock_destroy(&self->sock);
    self->sock = zsock_new(ZMQ_DEALER);
    if (!self->sock) {
        return -1;
    }
    sti_mdp_socket_limits(self->sock, S_WORKER_HWM);
    zsock_set_sndtimeo(self->sock, 1000); // a full queue fails a send, never blocks the service
    char err[256];
    if (sti_curve_client_setup(self->sock, err, sizeof err) < 0) {
        sti_error("mdp worker: %s", err);
        zsock_destroy(&self->sock);
        return -1;
    }
    if (zsock_connect(self->sock, "%s", self->broker) != 0) {
        sti_error("mdp worker: cannot connect to %s", self->broker);
        return -1;
    }
    int64_t now = zclock_mono();
    self->heartbeat_at = now + self->heartbeat_ms;
    self->expires_at = now + (int64_t)self->heartbeat_ms * STI_MDP_LIVENESS;
    self->heard = false;
    return s_send_command(self, STI_MDPW_READY, self->service, STI_MDPW_IDENTITY);
}

sti_mdp_worker_t *sti_mdp_worker_new(const char *broker, const char *service)
{
    assert(broker && service);
    sti_mdp_worker_t *self = (sti_mdp_worker_t *)zmalloc(sizeof(sti_mdp_worker_t));
    self->broker = strdup(broker);
    self->service = strdup(service);
    self->heartbeat_ms = STI_MDP_HEARTBEAT_MS;
    if (!self->broker || !self->service || s_connect(self) != 0) {
        sti_mdp_worker_destroy(&self);
    }
    return self;
}

void sti_mdp_worker_destroy(sti_mdp_worker_t **self_p)
{
    assert(self_p);
    sti_mdp_worker_t *self = *self_p;
    if (self) {
        if (self->sock) {
            //  A short linger so the broker hears we are going.
            zsock_set_linger(self->sock, 200);
            s_send_command(self, STI_MDPW_DISCONNECT, NULL, NULL);
        }
        zsock_destroy(&self->sock);
        free(self->broker);
        free(self->service);
        free(self);
        *self_p = NULL;
    }
}

void sti_mdp_worker_set_heartbeat(sti_mdp_worker_t *self, int heartbeat_ms)
{
    assert(self && heartbeat_ms > 0);
    self->heartbeat_ms = heartbeat_ms;
    int64_t now = zclock_mono();
    self->heartbeat_at = now + heartbeat_ms;
    self->expires_at = now + (int64_t)heartbeat_ms * STI_MDP_LIVENESS;
}

bool sti_mdp_worker_connected(sti_mdp_worker_t *self)
{
    assert(self);
    return self->sock && self->heard && zclock_mono() < self->expires_at;
}

zsock_t *sti_mdp_worker_sock(sti_mdp_worker_t *self)
{
    assert(self);
    return self->sock;
}

void sti_mdp_worker_tick(sti_mdp_worker_t *self)
{
    assert(self);
    int64_t now = zclock_mono();
    if (self->sock && now >= self->heartbeat_at) {
        s_send_command(self, STI_MDPW_HEARTBEAT, NULL, NULL);
        self->heartbeat_at = now + self->heartbeat_ms;
    }
}

//  Takes the identity frame off the front of a request body into self->caller.
static void s_take_caller(sti_mdp_worker_t *self, zmsg_t *body)
{
    zframe_t *frame = zmsg_pop(body);
    char err[160];
    if (!frame || sti_identity_decode(zframe_data(frame), zframe_size(frame), &self->caller, err,
                                      sizeof err) != 0) {
        sti_warn("mdp worker: a request without a valid identity frame (%s): no role",
                 frame ? err : "no frame");
        memset(&self->caller, 0, sizeof self->caller);
        snprintf(self->caller.name, sizeof self->caller.name, "unknown");
    }
    zframe_destroy(&frame);
}

//  Handles one message from the broker. Returns the request body (and sets
//  *client_p) when it was a request, else NULL.
static zmsg_t *s_handle(sti_mdp_worker_t *self, zmsg_t *msg, zframe_t **client_p)
{
    if (!msg) {
        return NULL; // interrupted while reading
    }
    self->expires_at = zclock_mono() + (int64_t)self->heartbeat_ms * STI_MDP_LIVENESS;
    self->heard = true;
    sti_mdp_msg_t parsed;
    char err[128];
    zmsg_t *body = NULL;
    if (sti_mdp_parse_worker(&msg, &parsed, err, sizeof(err)) != 0) {
        sti_warn("mdp worker: dropped a malformed message from the broker: %s", err);
    } else if (parsed.kind == STI_MDP_WORKER_REQUEST) {
        body = parsed.body;
        parsed.body = NULL;
        s_take_caller(self, body);
        *client_p = parsed.client;
        parsed.client = NULL;
    } else if (parsed.kind == STI_MDP_WORKER_DISCONNECT) {
        sti_info("mdp worker: the broker sent DISCONNECT, reconnecting to %s", self->broker);
        s_connect(self);
    }
    sti_mdp_msg_release(&parsed);
    return body;
}

zmsg_t *sti_mdp_worker_recv(sti_mdp_worker_t *self, zframe_t **client_p, int timeout_ms)
{
    assert(self && client_p);
    *client_p = NULL;
    int64_t deadline = timeout_ms < 0 ? INT64_MAX : zclock_mono() + timeout_ms;
    while (!zsys_interrupted) {
        if (!self->sock && s_connect(self) != 0) {
            return NULL;
        }
        sti_mdp_worker_tick(self);
        int64_t now = zclock_mono();
        int64_t until =
            self->heartbeat_at < self->expires_at ? self->heartbeat_at : self->expires_at;
        if (deadline < until) {
            until = deadline;
        }
        zmq_pollitem_t item = {zsock_resolve(self->sock), 0, ZMQ_POLLIN, 0};
        int rc = zmq_poll(&item, 1, until > now ? (long)(until - now) : 0);
        if (rc < 0) {
            if (errno == EINTR && !zsys_interrupted) {
                continue;
            }
            return NULL;
        }
        if (rc > 0) {
            zmsg_t *body = s_handle(self, zmsg_recv(self->sock), client_p);
            if (body) {
                return body;
            }
            continue; // drain what else is waiting before counting silence
        }
        now = zclock_mono();
        if (now >= self->expires_at) {
            sti_warn("mdp worker: no word from %s, reconnecting", self->broker);
            s_connect(self);
        }
        if (now >= deadline) {
            return NULL;
        }
    }
    return NULL;
}

int sti_mdp_worker_send(sti_mdp_worker_t *self, zframe_t **client_p, zmsg_t **reply_p)
{
    assert(self && client_p && *client_p && reply_p && *reply_p);
    zmsg_t *msg = *reply_p;
    *reply_p = NULL;
    zmsg_pushmem(msg, NULL, 0);
    zmsg_prepend(msg, client_p);
    zmsg_pushstr(msg, STI_MDPW_REPLY);
    zmsg_pushstr(msg, STI_MDPW);
    zmsg_pushmem(msg, NULL, 0);
    int rc = self->sock ? zmsg_send(&msg, self->sock) : -1;
    zmsg_destroy(&msg);
    return rc;
}

const sti_identity_t *sti_mdp_worker_caller(sti_mdp_worker_t *self)
{
    assert(self);
    return &self->caller;
}
