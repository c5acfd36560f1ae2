/*  sti_mdp_client: a Majordomo client with Lazy Pirate retries.

    sti_mdp_client_request() sends one request and waits up to the timeout for
    its reply; on a timeout it closes the socket, opens a fresh one and sends
    again, up to `retries` times. Writes must carry a request id so that a retry
    is applied once (the services keep the first answer). The client uses a
    DEALER socket, so it can also keep many requests in flight
    (sti_mdp_client_send / sti_mdp_client_recv), as the benchmark does.
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
int sti_mdp_client_call(sti_mdp_client_t *self, const char *service, const void *data,
                        size_t size, sti_reply_t *reply);

//  Asynchronous use: send without waiting; receive the next reply of any request.
int sti_mdp_client_send(sti_mdp_client_t *self, const char *service, zmsg_t **request_p);
//  Returns the body frames of the next reply (caller destroys), NULL on timeout.
zmsg_t *sti_mdp_client_recv(sti_mdp_client_t *self, int timeout_ms);

//  The last error, for a log line or a message to a person.
const char *sti_mdp_client_error(sti_mdp_client_t *self);
