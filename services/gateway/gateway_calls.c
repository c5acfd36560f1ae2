/*  gateway_calls: see gateway_calls.h.

    Calls in flight are kept in a hash by id; the tick walks them (a few
    thousand at most: one per HTTP request waiting), so there is no timer
    per call. A reply is decoded with the codec's default limits before its
    id is trusted.
*/
#include "gateway_calls.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sti_curve.h"
#include "sti_log.h"
#include "sti_mdp.h"

#define S_HWM 10000 // messages queued to the broker before a send is refused

typedef struct {
    char *service;       // where it goes
    void *data;          // the encoded request (owned)
    size_t size;         // its bytes
    gateway_call_fn *fn; // told the end
    void *arg;           // for fn
    int64_t deadline;    // zclock_mono ms: no answer by then is a time-out
    int64_t next_send;   // when to send again
    int sends_left;      // sends still allowed
} s_call_t;

struct _gateway_calls_t {
    zsock_t *sock;            // DEALER to the broker
    zhashx_t *calls;          // id -> s_call_t
    int timeout_ms;           // the whole call
    int sends;                // sends within it
    sti_log_limit_t late_log; // lines about late answers
};

static void s_call_free(void **item)
{
    s_call_t *call = (s_call_t *)*item;
    if (call) {
        free(call->service);
        free(call->data);
        free(call);
        *item = NULL;
    }
}

gateway_calls_t *gateway_calls_new(const char *broker, int timeout_ms, int sends, char *err,
                                   size_t errlen)
{
    assert(broker);
    gateway_calls_t *self = calloc(1, sizeof *self);
    assert(self);
    self->timeout_ms = timeout_ms > 0 ? timeout_ms : 1;
    self->sends = sends > 0 ? sends : 1;
    self->calls = zhashx_new();
    zhashx_set_destructor(self->calls, s_call_free);
    self->sock = zsock_new(ZMQ_DEALER);
    if (!self->sock) {
        snprintf(err, errlen, "cannot create a socket");
        gateway_calls_destroy(&self);
        return NULL;
    }
    sti_mdp_socket_limits(self->sock, S_HWM);
    zsock_set_sndtimeo(self->sock, 0);
    if (sti_curve_client_setup(self->sock, err, errlen) < 0 ||
        zsock_connect(self->sock, "%s", broker) != 0) {
        if (!err[0]) {
            snprintf(err, errlen, "cannot connect to %s", broker);
        }
        gateway_calls_destroy(&self);
    }
    return self;
}

void gateway_calls_destroy(gateway_calls_t **self_p)
{
    assert(self_p);
    gateway_calls_t *self = *self_p;
    if (self) {
        zhashx_destroy(&self->calls);
        zsock_destroy(&self->sock);
        free(self);
        *self_p = NULL;
    }
}

zsock_t *gateway_calls_sock(gateway_calls_t *self)
{
    assert(self);
    return self->sock;
}

//  Sends the call's bytes once. Returns 0 or -1.
static int s_send(gateway_calls_t *self, s_call_t *call)
{
    zmsg_t *msg = zmsg_new();
    zmsg_addmem(msg, NULL, 0);
    zmsg_addstr(msg, STI_MDPC);
    zmsg_addstr(msg, call->service);
    zmsg_addmem(msg, call->data, call->size);
    if (zmsg_send(&msg, self->sock) != 0) {
        zmsg_destroy(&msg);
        return -1;
    }
    call->sends_left--;
    return 0;
}

int gateway_calls_send(gateway_calls_t *self, const char *service, const char *id, const void *data,
                       size_t size, gateway_call_fn *fn, void *arg)
{
    assert(self && service && id && data && fn);
    if (zhashx_lookup(self->calls, id)) {
        return 1;
    }
    s_call_t *call = calloc(1, sizeof *call);
    assert(call);
    call->service = strdup(service);
    call->data = malloc(size);
    assert(call->service && call->data);
    memcpy(call->data, data, size);
    call->size = size;
    call->fn = fn;
    call->arg = arg;
    call->sends_left = self->sends;
    int64_t now = zclock_mono();
    call->deadline = now + self->timeout_ms;
    call->next_send = now + self->timeout_ms / self->sends;
    if (s_send(self, call) != 0) {
        void *item = call;
        s_call_free(&item);
        return -1;
    }
    zhashx_insert(self->calls, id, call);
    return 0;
}

void gateway_calls_cancel(gateway_calls_t *self, const char *id)
{
    assert(self && id);
    zhashx_delete(self->calls, id);
}

//  Ends the call with the reply (NULL: with why).
static void s_end(gateway_calls_t *self, const char *id, const sti_reply_t *reply, const char *why)
{
    s_call_t *call = (s_call_t *)zhashx_lookup(self->calls, id);
    if (!call) {
        return;
    }
    gateway_call_fn *fn = call->fn;
    void *arg = call->arg;
    zhashx_delete(self->calls, id); // before fn, which may send a call of the same id
    fn(arg, reply, why);
}

//  Takes one message off the socket (it is readable). Returns false when none.
static bool s_read_one(gateway_calls_t *self)
{
    zmsg_t *msg = zmsg_recv_nowait(self->sock);
    if (!msg) {
        return false;
    }
    zframe_t *empty = zmsg_pop(msg);
    char *header = zmsg_popstr(msg);
    char *service = zmsg_popstr(msg);
    zframe_t *body = zmsg_pop(msg);
    if (empty && zframe_size(empty) == 0 && header && strcmp(header, STI_MDPC) == 0 && body) {
        sti_reply_t reply;
        char err[256];
        if (sti_reply_decode(zframe_data(body), zframe_size(body), NULL, &reply, err, sizeof err) ==
            0) {
            s_end(self, reply.id, &reply, NULL);
            sti_reply_release(&reply);
        } else {
            int64_t suppressed;
            if (sti_log_due(&self->late_log, zclock_mono(), 1000, &suppressed)) {
                sti_warn("gateway: a reply of %s does not decode: %s", service ? service : "?",
                         err);
            }
        }
    }
    zframe_destroy(&empty);
    zframe_destroy(&body);
    free(header);
    free(service);
    zmsg_destroy(&msg);
    return true;
}

void gateway_calls_read(gateway_calls_t *self)
{
    assert(self);
    while (zsock_events(self->sock) & ZMQ_POLLIN) {
        if (!s_read_one(self)) {
            break;
        }
    }
}

int64_t gateway_calls_tick(gateway_calls_t *self, int64_t now)
{
    assert(self);
    int64_t next = now + 1000;
    zlistx_t *ended = zlistx_new();
    zlistx_set_duplicator(ended, (czmq_duplicator *)strdup);
    zlistx_set_destructor(ended, (czmq_destructor *)zstr_free);
    for (s_call_t *call = zhashx_first(self->calls); call; call = zhashx_next(self->calls)) {
        if (now >= call->deadline) {
            zlistx_add_end(ended, (void *)zhashx_cursor(self->calls));
            continue;
        }
        if (now >= call->next_send && call->sends_left > 0) {
            s_send(self, call);
            call->next_send = now + self->timeout_ms / self->sends;
        }
        int64_t due = call->sends_left > 0 && call->next_send < call->deadline ? call->next_send
                                                                               : call->deadline;
        next = due < next ? due : next;
    }
    char why[160];
    snprintf(why, sizeof why, "no answer within %d ms", self->timeout_ms);
    for (const char *id = zlistx_first(ended); id; id = zlistx_next(ended)) {
        s_end(self, id, NULL, why);
    }
    zlistx_destroy(&ended);
    return next - now > 0 ? next - now : 0;
}

size_t gateway_calls_in_flight(gateway_calls_t *self)
{
    assert(self);
    return zhashx_size(self->calls);
}
