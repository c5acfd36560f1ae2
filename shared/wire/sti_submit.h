/*  sti_submit: a service's own figures sent to sti.ingest (obs.submit), one
    request at a time, without blocking the service's loop, with back-off.

    The talent registry's counts (talent_feed) and the projects' indicators
    (projects_feed) reach sti-ingest this way. The caller builds the
    request envelope (its id is the request id, which sti-ingest applies
    once) and hands it over (sti_submit_send); a later tick takes the reply
    (sti_submit_poll). The request is accepted when sti-ingest answers ok
    with `rejected: 0`. No reply within 5 s, a malformed reply, a refusal or
    a rejected row backs off: 500 ms, doubling to 30 s; an acceptance resets
    the back-off. A reply to another request id (a late one) is passed over.
    Problems are logged, each prefixed with what is submitted ("talent
    counts"). The submitter does not retry by itself: the caller sends
    again when it is ready, with the same id when the rows are the same.
*/
#pragma once
#include <stdbool.h>
#include <stddef.h>

typedef struct _sti_submit_t sti_submit_t;

typedef enum {
    STI_SUBMIT_IDLE = 0, // nothing in flight
    STI_SUBMIT_WAITING,  // a request waits for its reply
    STI_SUBMIT_ACCEPTED, // its reply came: every row accepted (now idle)
    STI_SUBMIT_REFUSED,  // no reply in time, or not accepted: backing off (now idle)
} sti_submit_state_t;

//  broker: the Majordomo endpoint; what: names the figures in logs
//  ("talent counts"). Connects on first send. Returns a new object the
//  caller destroys.
sti_submit_t *sti_submit_new(const char *broker, const char *what);
void sti_submit_destroy(sti_submit_t **self_p);

//  True when nothing is in flight and the back-off has passed.
bool sti_submit_ready(sti_submit_t *self);
//  True while a request waits for its reply.
bool sti_submit_waiting(sti_submit_t *self);
//  Sends the encoded request envelope (size bytes) whose id is request_id
//  to sti.ingest. Returns 0, or -1 when it cannot go (backing off then).
int sti_submit_send(sti_submit_t *self, const char *request_id, const void *data, size_t size);
//  Takes the reply of the request in flight if it came. Returns WAITING,
//  ACCEPTED or REFUSED (IDLE when nothing is in flight).
sti_submit_state_t sti_submit_poll(sti_submit_t *self);
//  Backs off for the caller's own reasons (its figures cannot be read now).
void sti_submit_back_off(sti_submit_t *self);
//  Makes sti_submit_ready false for ms (no back-off: a pause between looks).
void sti_submit_pause(sti_submit_t *self, int ms);
