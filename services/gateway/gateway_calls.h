/*  gateway_calls: the gateway's calls to the services, many in flight at
    once, none of them waited for.

    One DEALER socket to the broker carries every call (Majordomo client
    frames, docs/protocol.md). A call is sent, and its callback runs when
    the reply whose envelope id is the call's arrives: ids are unique among
    the calls in flight (a second call with the id of one in flight is
    refused, so two HTTP requests with one Idempotency-Key cannot take each
    other's answers). A call without an answer is sent again, the same
    bytes, each call_timeout_ms / sends (the services apply a write once
    per request id), and after call_timeout_ms its callback runs without a
    reply. A reply to a call no longer in flight (the answer to a resend)
    is dropped.

    Single-threaded: the HTTP thread polls the socket and calls
    gateway_calls_read and gateway_calls_tick.
*/
#pragma once
#include <czmq.h>
#include <stdbool.h>
#include <stdint.h>

#include "sti_envelope.h"

typedef struct _gateway_calls_t gateway_calls_t;

//  The end of a call: reply is the decoded answer (borrowed for the call),
//  or NULL when none came in time or it did not decode; why then says so.
typedef void(gateway_call_fn)(void *arg, const sti_reply_t *reply, const char *why);

//  Connects to the broker (CURVE as the environment says, sti_curve.h).
//  Returns NULL with a reason in err.
gateway_calls_t *gateway_calls_new(const char *broker, int timeout_ms, int sends, char *err,
                                   size_t errlen);
void gateway_calls_destroy(gateway_calls_t **self_p);
zsock_t *gateway_calls_sock(gateway_calls_t *self);

//  Sends the encoded request (copied) to service. id is the envelope's id.
//  Returns 0; 1 when a call with that id is in flight; -1 when the socket
//  takes nothing now (the broker is away and the queue is full).
int gateway_calls_send(gateway_calls_t *self, const char *service, const char *id, const void *data,
                       size_t size, gateway_call_fn *fn, void *arg);
//  Forgets the call with id: its callback will not run (its HTTP client left).
void gateway_calls_cancel(gateway_calls_t *self, const char *id);
//  Takes every reply waiting on the socket and runs their callbacks.
void gateway_calls_read(gateway_calls_t *self);
//  Sends again what is due, and ends the calls whose time is up. Returns
//  the ms until it is due again (at most 1000).
int64_t gateway_calls_tick(gateway_calls_t *self, int64_t now);
size_t gateway_calls_in_flight(gateway_calls_t *self);
