/*  sti_mdp_client: a Majordomo client with Lazy Pirate retries. See sti_mdp_client.h.

    The client talks to the broker over a DEALER socket, so it frames each
    request as a REQ socket would ([empty] "MDPC01" service body...) and can
    keep many requests in flight. A synchronous request that times out closes
    the socket (dropping whatever late reply might still come), opens a fresh
    one and sends again; a reply whose service is not the one asked for is
    discarded. Mixing the synchronous call with requests still in flight from
    sti_mdp_client_send is not supported: the synchronous call would take
    their replies for its own only if they named the same service.
*/
#include "sti_mdp_client.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sti_curve.h"
#include "sti_mdp.h"

#define S_CLIENT_HWM 10000 // requests in flight before send blocks

struct _sti_mdp_client_t {
    char *broker;    // endpoint
    zsock_t *sock;   // DEALER to the broker
    int timeout_ms;  // per attempt
    int retries;     // attempts after the first
    char error[256]; // the last error
};

//  Opens a fresh DEALER connected to the broker. Returns 0 or -1.
static int s_connect(sti_mdp_client_t *self)
{
    zsock_destroy(&self->sock);
    self->sock = zsock_new(ZMQ_DEALER);
    if (!self->sock) {
        snprintf(self->error, sizeof(self->error), "cannot create a socket");
        return -1;
    }
    sti_mdp_socket_limits(self->sock, S_CLIENT_HWM);
    if (sti_curve_client_setup(self->sock, self->error, sizeof(self->error)) < 0) {
        return -1;
    }
    //  A full queue (broker gone, many in flight) fails a send after the
    //  timeout instead of blocking forever.
    zsock_set_sndtimeo(self->sock, self->timeout_ms);
    if (zsock_connect(self->sock, "%s", self->broker) != 0) {
        snprintf(self->error, sizeof(self->error), "cannot connect to %s", self->broker);
        return -1;
    }
    return 0;
}

sti_mdp_client_t *sti_mdp_client_new(const char *broker, int timeout_ms, int retries)
{
    assert(broker);
    sti_mdp_client_t *self = (sti_mdp_client_t *)zmalloc(sizeof(sti_mdp_client_t));
    self->broker = strdup(broker);
    self->timeout_ms = timeout_ms > 0 ? timeout_ms : 1;
    self->retries = retries > 0 ? retries : 0;
    if (!self->broker || s_connect(self) != 0) {
        sti_mdp_client_destroy(&self);
    }
    return self;
}

void sti_mdp_client_destroy(sti_mdp_client_t **self_p)
{
    assert(self_p);
    sti_mdp_client_t *self = *self_p;
    if (self) {
        zsock_destroy(&self->sock);
        free(self->broker);
        free(self);
        *self_p = NULL;
    }
}

const char *sti_mdp_client_error(sti_mdp_client_t *self)
{
    assert(self);
    return self->error;
}

//  Sends a copy of body (or body itself when keep is false) framed for service.
//  Returns 0 or -1.
static int s_send(sti_mdp_client_t *self, const char *service, zmsg_t *body, bool keep)
{
    zmsg_t *msg = keep ? zmsg_dup(body) : body;
    if (!msg) {
        return -1;
    }
    zmsg_pushstr(msg, service);
    zmsg_pushstr(msg, STI_MDPC);
    zmsg_pushmem(msg, NULL, 0);
    if (zmsg_send(&msg, self->sock) != 0) {
        zmsg_destroy(&msg);
        snprintf(self->error, sizeof(self->error), "cannot send to %s", self->broker);
        return -1;
    }
    return 0;
}

int sti_mdp_client_send(sti_mdp_client_t *self, const char *service, zmsg_t **request_p)
{
    assert(self && service && request_p && *request_p);
    zmsg_t *body = *request_p;
    *request_p = NULL;
    if (!self->sock) {
        zmsg_destroy(&body);
        return -1;
    }
    return s_send(self, service, body, false);
}

//  Waits up to timeout_ms for a reply on the socket; wanted, when not NULL,
//  is the service the reply must name (others are discarded). Returns the
//  body (caller destroys), or NULL on timeout or interrupt.
static zmsg_t *s_recv(sti_mdp_client_t *self, const char *wanted, int timeout_ms)
{
    int64_t deadline = zclock_mono() + timeout_ms;
    while (!zsys_interrupted) {
        int64_t left = deadline - zclock_mono();
        if (left < 0) {
            left = 0;
        }
        zmq_pollitem_t item = {zsock_resolve(self->sock), 0, ZMQ_POLLIN, 0};
        int rc = zmq_poll(&item, 1, (long)left);
        if (rc < 0) {
            if (errno == EINTR && !zsys_interrupted) {
                continue; // a signal that is not a request to stop
            }
            break;
        }
        if (rc == 0) {
            snprintf(self->error, sizeof(self->error), "no reply from %s within %d ms",
                     self->broker, timeout_ms);
            return NULL;
        }
        zmsg_t *msg = zmsg_recv(self->sock);
        sti_mdp_msg_t reply;
        char err[128];
        if (sti_mdp_parse_client(&msg, &reply, err, sizeof(err)) != 0) {
            sti_mdp_msg_release(&reply); // not a reply: discard it
            continue;
        }
        if (wanted && strcmp(reply.service, wanted) != 0) {
            sti_mdp_msg_release(&reply); // a reply for another request
            continue;
        }
        zmsg_t *body = reply.body;
        reply.body = NULL;
        sti_mdp_msg_release(&reply);
        return body;
    }
    snprintf(self->error, sizeof(self->error), "interrupted");
    return NULL;
}

zmsg_t *sti_mdp_client_recv(sti_mdp_client_t *self, int timeout_ms)
{
    assert(self);
    if (!self->sock) {
        return NULL;
    }
    return s_recv(self, NULL, timeout_ms);
}

zmsg_t *sti_mdp_client_request(sti_mdp_client_t *self, const char *service, zmsg_t **request_p)
{
    assert(self && service && request_p && *request_p);
    zmsg_t *request = *request_p;
    *request_p = NULL;
    zmsg_t *reply = NULL;
    for (int attempt = 0; attempt <= self->retries && !zsys_interrupted; attempt++) {
        if (attempt > 0 || !self->sock) {
            if (s_connect(self) != 0) {
                break;
            }
        }
        if (s_send(self, service, request, true) != 0) {
            continue;
        }
        reply = s_recv(self, service, self->timeout_ms);
        if (reply || zsys_interrupted) {
            break;
        }
    }
    if (!reply && !zsys_interrupted) {
        //  A late reply must not be taken for the answer to the next request.
        s_connect(self);
        snprintf(self->error, sizeof(self->error), "no reply from %s after %d attempts",
                 self->broker, self->retries + 1);
    }
    zmsg_destroy(&request);
    return reply;
}

//  Decodes the reply envelope of body (destroyed) into *reply. Returns 0, or
//  -1 with the error set.
static int s_decode(sti_mdp_client_t *self, const char *service, zmsg_t **body_p,
                    sti_reply_t *reply)
{
    zframe_t *frame = zmsg_first(*body_p);
    char err[200] = "an empty reply";
    sti_limits_t limits = {0}; // the defaults
    int rc = frame ? sti_reply_decode(zframe_data(frame), zframe_size(frame), &limits, reply, err,
                                      sizeof(err))
                   : -1;
    if (rc != 0) {
        snprintf(self->error, sizeof(self->error), "malformed reply from %s: %s", service, err);
    }
    zmsg_destroy(body_p);
    return rc == 0 ? 0 : -1;
}

int sti_mdp_client_call(sti_mdp_client_t *self, const char *service, const void *data, size_t size,
                        sti_reply_t *reply)
{
    assert(self && service && data && reply);
    memset(reply, 0, sizeof(*reply));
    zmsg_t *request = zmsg_new();
    zmsg_addmem(request, data, size);
    zmsg_t *body = sti_mdp_client_request(self, service, &request);
    if (!body) {
        return -1;
    }
    return s_decode(self, service, &body, reply);
}

//  One turn of a resending call: sends when the next send is due, else waits
//  for an answer until it is (or until the deadline). Returns 1 with the
//  answer in *reply, 0 to go on, -1 on a malformed reply.
static int s_resend_turn(sti_mdp_client_t *self, const char *service, zmsg_t *request,
                         const sti_mdp_resend_t *resend, int64_t start, int64_t deadline,
                         int *sends, sti_reply_t *reply)
{
    int64_t interval = resend->budget_ms / resend->sends;
    interval = interval > 0 ? interval : 1;
    int64_t now = zclock_mono();
    int64_t next = start + *sends * interval;
    if (*sends < resend->sends && now >= next) {
        if (*sends > 0 && resend->on_resend) {
            resend->on_resend(resend->arg, *sends + 1, resend->sends, (int)(now - start));
        }
        (*sends)++;
        s_send(self, service, request, true); // a send that fails is a send lost
        return 0;
    }
    int64_t until = *sends < resend->sends && next < deadline ? next : deadline;
    zmsg_t *body = s_recv(self, service, (int)(until > now ? until - now : 0));
    if (!body) {
        return 0;
    }
    if (s_decode(self, service, &body, reply) != 0) {
        return -1;
    }
    if (strcmp(reply->id, resend->id) == 0) {
        return 1;
    }
    sti_reply_release(reply); // the answer to an earlier call
    memset(reply, 0, sizeof(*reply));
    return 0;
}

int sti_mdp_client_call_resend(sti_mdp_client_t *self, const char *service, const void *data,
                               size_t size, const sti_mdp_resend_t *resend, sti_reply_t *reply,
                               int *sent)
{
    assert(self && service && data && resend && resend->id && resend->sends >= 1 && reply);
    memset(reply, 0, sizeof(*reply));
    int sends = 0, rc = 0;
    if (self->sock || s_connect(self) == 0) {
        zmsg_t *request = zmsg_new();
        zmsg_addmem(request, data, size);
        int64_t start = zclock_mono();
        int64_t deadline = start + (resend->budget_ms > 0 ? resend->budget_ms : 1);
        while (rc == 0 && !zsys_interrupted && zclock_mono() < deadline) {
            rc = s_resend_turn(self, service, request, resend, start, deadline, &sends, reply);
        }
        zmsg_destroy(&request);
        if (zsys_interrupted && rc != 1) {
            snprintf(self->error, sizeof(self->error), "interrupted");
        } else if (rc == 0) {
            snprintf(self->error, sizeof(self->error), "no reply from %s within %d ms (%d %s)",
                     self->broker, resend->budget_ms, sends, sends == 1 ? "send" : "sends");
        }
        if (sends > 1 || rc != 1) {
            s_connect(self); // answers to the other sends must not reach the next call
        }
    }
    if (sent) {
        *sent = sends;
    }
    return rc == 1 ? 0 : -1;
}
