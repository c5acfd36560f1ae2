/*  gateway_frame: an event-stream frame encoded once and shared by every
    event stream that sends it, and the queue of frames one stream still
    owes its client (gateway_sse).

    A frame ("id: 42\ndata: {...}\n\n", or a comment) is reference-counted:
    the ring of a stream's latest events holds one reference, each queue
    that takes the frame one more, and the frame is freed when the last of
    them lets it go: when the ring has moved past it and every client that
    took it has been sent it, or was cut. So the memory of N streams grows
    with the frames not yet sent, not with frames times streams.

    A queue is a client's backlog: the frames in order and how much of the
    first one was already taken. Its `owed` bytes are what sse_buffer_max
    bounds. Frames are copied out once, into libmicrohttpd's send buffer,
    as many as fit in one read, so a client is sent one block per wake-up.

    Not thread-safe: frames and queues live on the HTTP thread.
*/
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct _gateway_frame_t gateway_frame_t;
typedef struct _gateway_frame_queue_t gateway_frame_queue_t;

//  A frame of len bytes of text (copied), topic "": one reference, the
//  caller's.
gateway_frame_t *gateway_frame_new(const char *text, size_t len);
//  The frame of an event: "id: <seq>\ndata: <json>\n\n", with its topic
//  (for the clients' prefixes). One reference, the caller's.
gateway_frame_t *gateway_frame_event(uint64_t seq, const char *topic, const char *json);
//  Takes one more reference. Returns self.
gateway_frame_t *gateway_frame_ref(gateway_frame_t *self);
//  Lets go of the caller's reference (freed with the last one); nulls it.
void gateway_frame_unref(gateway_frame_t **self_p);
//  The frame's text (not NUL-terminated) and its length.
const char *gateway_frame_text(const gateway_frame_t *self);
size_t gateway_frame_len(const gateway_frame_t *self);
//  The event's topic ("" for other frames).
const char *gateway_frame_topic(const gateway_frame_t *self);
//  References held (tests).
size_t gateway_frame_refs(const gateway_frame_t *self);

gateway_frame_queue_t *gateway_frame_queue_new(void);
//  Lets go of every frame still queued.
void gateway_frame_queue_destroy(gateway_frame_queue_t **self_p);
//  Queues frame, taking a reference of its own.
void gateway_frame_queue_push(gateway_frame_queue_t *self, gateway_frame_t *frame);
//  Queues a frame of this client only (text copied).
void gateway_frame_queue_push_text(gateway_frame_queue_t *self, const char *text, size_t len);
//  Lets go of every frame not yet begun (a cut client: what it was owed is
//  replayed when it resumes); a frame taken in part stays, to be finished.
void gateway_frame_queue_drop(gateway_frame_queue_t *self);
//  Bytes queued and not yet taken.
size_t gateway_frame_queue_owed(const gateway_frame_queue_t *self);
//  Copies up to max bytes from the front into buf, frames whole while they
//  fit and the last one in part; lets go of each frame taken whole.
//  Returns the bytes copied (0 when nothing is owed).
size_t gateway_frame_queue_take(gateway_frame_queue_t *self, char *buf, size_t max);
