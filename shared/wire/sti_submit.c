/*  sti_submit: figures sent to sti.ingest. See sti_submit.h. */
#include "sti_submit.h"

#include <assert.h>
#include <czmq.h>
#include <stdlib.h>
#include <string.h>

#include "sti_log.h"
#include "sti_mdp_client.h"

#define S_REPLY_WAIT_MS 5000   // a reply later than this is given up on
#define S_BACKOFF_MIN_MS 500   // first wait after a failure
#define S_BACKOFF_MAX_MS 30000 // longest wait between attempts

struct _sti_submit_t {
    char *broker;                    // broker endpoint (owned)
    char *what;                      // the figures, for logs (owned)
    sti_mdp_client_t *client;        // to sti.ingest, made on first use
    bool in_flight;                  // a request waits for its reply
    char request_id[STI_ID_MAX + 1]; // its id
    int64_t sent_at;                 // when it went (zclock_mono)
    int64_t next_attempt;            // earliest next send (zclock_mono)
    int backoff_ms;                  // current back-off
};

sti_submit_t *sti_submit_new(const char *broker, const char *what)
{
    assert(broker && what);
    sti_submit_t *self = (sti_submit_t *)calloc(1, sizeof *self);
    assert(self);
    self->broker = strdup(broker);
    self->what = strdup(what);
    assert(self->broker && self->what);
    self->backoff_ms = S_BACKOFF_MIN_MS;
    return self;
}

void sti_submit_destroy(sti_submit_t **self_p)
{
    assert(self_p);
    sti_submit_t *self = *self_p;
    if (self) {
        sti_mdp_client_destroy(&self->client);
        free(self->broker);
        free(self->what);
        free(self);
        *self_p = NULL;
    }
}

bool sti_submit_ready(sti_submit_t *self)
{
    return !self->in_flight && zclock_mono() >= self->next_attempt;
}

bool sti_submit_waiting(sti_submit_t *self)
{
    return self->in_flight;
}

void sti_submit_back_off(sti_submit_t *self)
{
    self->in_flight = false;
    self->next_attempt = zclock_mono() + self->backoff_ms;
    self->backoff_ms =
        self->backoff_ms * 2 > S_BACKOFF_MAX_MS ? S_BACKOFF_MAX_MS : self->backoff_ms * 2;
}

void sti_submit_pause(sti_submit_t *self, int ms)
{
    self->next_attempt = zclock_mono() + ms;
}

int sti_submit_send(sti_submit_t *self, const char *request_id, const void *data, size_t size)
{
    assert(self && request_id && data && !self->in_flight);
    if (!self->client) {
        self->client = sti_mdp_client_new(self->broker, S_REPLY_WAIT_MS, 0);
    }
    zmsg_t *msg = zmsg_new();
    zmsg_addmem(msg, data, size);
    if (!self->client || sti_mdp_client_send(self->client, "sti.ingest", &msg) != 0) {
        zmsg_destroy(&msg);
        sti_warn("%s: cannot send to sti.ingest", self->what);
        sti_submit_back_off(self);
        return -1;
    }
    snprintf(self->request_id, sizeof self->request_id, "%s", request_id);
    self->in_flight = true;
    self->sent_at = zclock_mono();
    return 0;
}

//  Reads a reply to the request in flight: ACCEPTED, REFUSED, or WAITING
//  for one to another request.
static sti_submit_state_t s_read(sti_submit_t *self, zframe_t *frame)
{
    sti_reply_t reply;
    char err[200];
    int64_t rejected = -1;
    sti_field_error_t fe;
    if (!frame || sti_reply_decode(zframe_data(frame), zframe_size(frame), NULL, &reply, err,
                                   sizeof err) != 0) {
        sti_warn("%s: a malformed reply from sti.ingest", self->what);
        return STI_SUBMIT_REFUSED;
    }
    sti_submit_state_t state = STI_SUBMIT_REFUSED;
    if (strcmp(reply.id, self->request_id) != 0) {
        sti_debug("%s: a late reply to %s, passed over", self->what, reply.id);
        state = STI_SUBMIT_WAITING;
    } else if (reply.ok && sti_map_int(reply.body, "rejected", &rejected, &fe) == 0 &&
               rejected == 0) {
        sti_info("%s: sti.ingest accepted %s", self->what, self->request_id);
        state = STI_SUBMIT_ACCEPTED;
    } else {
        sti_warn("%s: sti.ingest refused %s: %s", self->what, self->request_id,
                 reply.ok ? "some rows were rejected (is the plan's catalog current?)"
                          : reply.message);
    }
    sti_reply_release(&reply);
    return state;
}

sti_submit_state_t sti_submit_poll(sti_submit_t *self)
{
    assert(self);
    if (!self->in_flight) {
        return STI_SUBMIT_IDLE;
    }
    zmsg_t *body = sti_mdp_client_recv(self->client, 0);
    sti_submit_state_t state = STI_SUBMIT_WAITING;
    if (body) {
        state = s_read(self, zmsg_first(body));
        zmsg_destroy(&body);
    } else if (zclock_mono() - self->sent_at > S_REPLY_WAIT_MS) {
        sti_warn("%s: sti.ingest did not answer; trying again later", self->what);
        sti_mdp_client_destroy(&self->client);
        state = STI_SUBMIT_REFUSED;
    }
    if (state == STI_SUBMIT_REFUSED) {
        sti_submit_back_off(self);
    } else if (state == STI_SUBMIT_ACCEPTED) {
        self->in_flight = false;
        self->backoff_ms = S_BACKOFF_MIN_MS;
        self->next_attempt = 0;
    }
    return state;
}
