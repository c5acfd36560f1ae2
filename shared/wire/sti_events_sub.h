/*  sti_events_sub: the reliable subscriber of an event stream (the Clone
    pattern of the ZeroMQ guide; docs/events.md gives the algorithm for any
    language).

    The SUB socket takes the whole stream and filters by prefix locally, so
    gap detection is exact; a gap, a heartbeat ahead of the cursor or another
    epoch makes it ask the publishing service for events.since. The caller
    sees every event of its prefix once and in seq order, and is told when
    events are gone (lost, a reset), or the bus and the log disagree (a SUB
    address of another stack), with sti_events_sub_notice.
*/
#pragma once
#include <czmq.h>
#include <stdbool.h>
#include <stdint.h>

#include "sti_event_codec.h"

typedef struct _sti_events_sub_t sti_events_sub_t;

//  sub_endpoint: the broker's XPUB address (STI_EVENTS_SUB); broker and
//  service: where to send events.since; from: the last seq already seen
//  (0 for everything the log holds, STI_EVENTS_LIVE for only what comes).
sti_events_sub_t *sti_events_sub_new(const char *sub_endpoint, const char *broker,
                                     const char *service, const char *stream, const char *prefix,
                                     uint64_t from);
void sti_events_sub_destroy(sti_events_sub_t **self_p);
//  Asks events.since on behalf of user with role (sti_behalf.h): for a
//  subscriber whose key has role gateway, which calls nothing as itself.
void sti_events_sub_set_behalf(sti_events_sub_t *self, const char *user, const char *role);
//  The next event in order (caller destroys), or NULL after timeout_ms.
//  Sets *lost when the log no longer holds what was missed (take a snapshot).
sti_event_t *sti_events_sub_recv(sti_events_sub_t *self, int timeout_ms, bool *lost);
uint64_t sti_events_sub_cursor(sti_events_sub_t *self);
//  The SUB socket, to poll next to others. Events may already be queued when
//  it is not readable: call recv with timeout 0 until it returns NULL after
//  the socket becomes readable, and whenever sti_events_sub_queued() > 0.
zsock_t *sti_events_sub_sock(sti_events_sub_t *self);
//  Events held in order for the caller (at most 1000).
size_t sti_events_sub_queued(sti_events_sub_t *self);
//  True once for each thing the caller should tell its user about the
//  stream itself (it went back; it moved to a new epoch and which events of
//  the old one are gone), with the text in buf. Also logged.
bool sti_events_sub_notice(sti_events_sub_t *self, char *buf, size_t cap);
//  The epoch the cursor belongs to ("" until one is seen; borrowed). A
//  subscriber that stores its cursor stores this with it, and gives it back
//  with sti_events_sub_set_epoch before its first recv.
const char *sti_events_sub_epoch(sti_events_sub_t *self);
//  The zclock_mono time the last message (event or heartbeat) came from the
//  bus, 0 while none has: a publisher heartbeats about once a second.
int64_t sti_events_sub_live_at(sti_events_sub_t *self);
void sti_events_sub_set_epoch(sti_events_sub_t *self, const char *epoch);
