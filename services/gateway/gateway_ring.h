/*  gateway_ring: the latest events of one stream, as event-stream frames
    (gateway_frame, shared with the clients that take them), for the event
    streams that are live (gateway_sse).

    The ring holds a run of seqs without a hole, the last `cap` of them:
    (upto - count, upto]. Everything up to upto has been handed over by the
    stream's subscriber; an event that does not follow upto (the stream was
    reset, or events were lost for good) starts the run again. A client
    whose cursor is at or after first - 1 takes the rest from here; one
    further behind replays from the log first.
*/
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gateway_frame.h"

typedef struct _gateway_ring_t gateway_ring_t;

//  Called for each event after a seq with its frame (borrowed: a client
//  that keeps it takes a reference). Returns true to go on, false to stop.
typedef bool(gateway_ring_fn)(void *arg, uint64_t seq, gateway_frame_t *frame);

gateway_ring_t *gateway_ring_new(size_t cap);
void gateway_ring_destroy(gateway_ring_t **self_p);
//  True once a seq of the stream is known (an event or the subscriber's cursor).
bool gateway_ring_known(gateway_ring_t *self);
//  The last seq handed over.
uint64_t gateway_ring_upto(gateway_ring_t *self);
//  The oldest seq held (upto + 1 when none).
uint64_t gateway_ring_first(gateway_ring_t *self);
//  Adds the event seq, taking a reference of its own to frame (let go
//  when the event leaves the ring).
void gateway_ring_add(gateway_ring_t *self, uint64_t seq, gateway_frame_t *frame);
//  The subscriber has handed over everything up to seq.
void gateway_ring_cursor(gateway_ring_t *self, uint64_t seq);
//  Calls fn for every event held after seq, in order, until it returns
//  false. Returns true when fn took every one.
bool gateway_ring_each(gateway_ring_t *self, uint64_t after, gateway_ring_fn *fn, void *arg);
