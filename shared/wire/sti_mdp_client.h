/*  sti_mdp_client: a Majordomo client with Lazy Pirate retries.

    sti_mdp_client_request() sends one request and waits up to the timeout for
    its reply; on a timeout it closes the socket, opens a fresh one and sends
    again, up to `retries` times. Writes must carry a request id so that a retry
    is applied once (the services keep the first answer). The client uses a
    DEALER socket, so it can also keep many requests in flight
    (sti_mdp_client_send / sti_mdp_client_recv), as the benchmark does.

    sti_mdp_client_call_resend() is the other way to retry, for a person
    waiting on a command (stictl): one budget for the whole call, within
    which the same bytes (so the same request id) are sent again each time a
    share of it passes without a reply, on the same socket, so that a reply
    to any of the sends is taken. A send lost to a dead worker is made up
    for, and a slow first answer is not thrown away by the second send.
*/
#pragma once
#include <czmq.h>
#include "sti_envelope.h"

typedef struct _sti_mdp_client_t sti_mdp_client_t;

//  Connects to the broker endpoint. timeout_ms per attempt; retries after the first.
sti_mdp_client_t *sti_mdp_client_new(const char *broker, int timeout_ms, int retries);
void sti_mdp_client_destroy(sti_mdp_client_t **self_p);

//  Sends request (takes ownership) to service and waits for the reply with retries.
//  Returns the reply body frames (caller destroys), or NULL when every attempt
//  timed out or the client was interrupted; sti_mdp_client_error() says which.
zmsg_t *sti_mdp_client_request(sti_mdp_client_t *self, const char *service, zmsg_t **request_p);

//  Sends an encoded envelope and decodes the reply into *reply (release it).
//  Returns 0, or -1 with sti_mdp_client_error() set (unreachable, malformed).
int sti_mdp_client_call(sti_mdp_client_t *self, const char *service, const void *data, size_t size,
                        sti_reply_t *reply);

//  Asynchronous use: send without waiting; receive the next reply of any request.
int sti_mdp_client_send(sti_mdp_client_t *self, const char *service, zmsg_t **request_p);
//  Returns the body frames of the next reply (caller destroys), NULL on timeout.
zmsg_t *sti_mdp_client_recv(sti_mdp_client_t *self, int timeout_ms);

//  Called before each send of sti_mdp_client_call_resend after the first:
//  send is its number (2..sends), waited_ms the time since the first.
typedef void(sti_mdp_resend_fn)(void *arg, int send, int sends, int waited_ms);

//  How sti_mdp_client_call_resend sends again.
typedef struct {
    const char *id;               // the request's id: a reply with another id is not its answer
    int sends;                    // sends at most, 1 or more: one each budget_ms / sends
    int budget_ms;                // the whole call: no answer within it is a time-out
    sti_mdp_resend_fn *on_resend; // told before each send after the first, or NULL
    void *arg;                    // handed to on_resend
} sti_mdp_resend_t;

//  As sti_mdp_client_call (the client's own timeout and retries are not used):
//  sends the encoded envelope, then sends it again each budget_ms / sends
//  without an answer, up to `sends` times, and takes the first reply to any
//  of them whose id is resend->id (others are discarded). After a call that
//  sent more than once or got no answer, the socket is replaced, so a late
//  answer cannot reach the next call. Returns 0 with the decoded reply in
//  *reply (release it), or -1 (no answer within the budget, interrupted,
//  malformed reply) with sti_mdp_client_error() set; *sent (may be NULL)
//  receives the number of sends made either way.
int sti_mdp_client_call_resend(sti_mdp_client_t *self, const char *service, const void *data,
                               size_t size, const sti_mdp_resend_t *resend, sti_reply_t *reply,
                               int *sent);

//  The last error, for a log line or a message to a person.
const char *sti_mdp_client_error(sti_mdp_client_t *self);
