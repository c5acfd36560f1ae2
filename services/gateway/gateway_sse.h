/*  gateway_sse: event streams over Server-Sent Events, and the replay for
    polling clients (docs/gateway.md, "Events").

    GET /api/v1/events?stream=ind&prefix=ind.rd_ streams the stream's
    events whose topic starts with prefix, each as

        id: <seq>
        data: <the event as JSON: CloudEvents attributes, topic, seq, prev, data>

    From `Last-Event-ID` (or ?from=SEQ) the stream first replays what the
    log holds after that seq (events.since of the stream's service, for the
    signed-in person, page by page as the client reads), then goes on with
    the live events, which the gateway keeps in a ring per stream
    (gateway_events): the hand-over is at a seq, so nothing is missed or
    sent twice. Without either it starts at the stream's latest seq. Events
    the log no longer holds are said with `event: lost` and data {stream,
    from, to}. A comment `: heartbeat` goes out every sse_heartbeat_s on a
    quiet stream. A stream is owed at most sse_buffer_max bytes of frames
    at a time; beyond that it takes the ring's events as it reads. A client
    that reads so slowly that the ring (sse_ring events) goes past it is
    cut: the frames not begun are let go, a last comment says why, and it
    resumes with Last-Event-ID. A live
    event's frame is made once and shared by every stream that takes it
    (gateway_frame). A stream holds no thread: its connection is suspended
    whenever it has nothing to send.

    GET /api/v1/events/since?stream=ind&seq=N[&prefix=P&limit=L] answers the
    events.since reply with its events in the same JSON.
*/
#pragma once
#include "gateway_events.h"
#include "gateway_server.h"

typedef struct _gateway_sse_t gateway_sse_t;

gateway_sse_t *gateway_sse_new(gateway_server_t *server);
void gateway_sse_destroy(gateway_sse_t **self_p);
//  GET /api/v1/events (req is authenticated): queues the stream.
void gateway_sse_open(gateway_sse_t *self, gateway_request_t *req);
//  GET /api/v1/events/since (req is authenticated).
void gateway_sse_since(gateway_sse_t *self, gateway_request_t *req);
//  Takes a message of the events thread (into its stream's ring).
void gateway_sse_take(gateway_sse_t *self, const gateway_event_msg_t *msg);
//  After the messages of a turn were taken: each live stream takes what
//  came, once however many events came.
void gateway_sse_fed(gateway_sse_t *self);
//  Heartbeats, replays that may go on, polls of streams not known yet.
void gateway_sse_tick(gateway_sse_t *self, int64_t now);
//  req's connection ended.
void gateway_sse_closed(gateway_sse_t *self, gateway_request_t *req);
//  Event streams open.
size_t gateway_sse_count(gateway_sse_t *self);
//  Ends every event stream with a last comment (the gateway is stopping).
void gateway_sse_stop(gateway_sse_t *self);
