/*  sti_events: reliable events (the Clone pattern of the ZeroMQ guide).

    A publishing service owns a stream ("ind", "tal", "ntf"). Every event is
    first appended to the stream's event log in Redis, a Redis stream
    <ns>:events:<stream> whose entry ids are 0-<seq>, where seq is the stream's
    gap-free sequence number taken in the same Lua call (events_append.lua);
    only then is it published on the bus as two frames: the topic
    (<stream>.<...>) and a MessagePack map with CloudEvents 1.0 attribute names
    {specversion, id, source, type, time, subject, data, seq, prev}, where prev
    is the seq of the previous event on the same topic (0 for none).

    About once a second each publisher sends a heartbeat on topic
    "<stream>.$hb" with {stream, seq: latest}, so a loss at the tail is found.

    A subscriber subscribes on the wire to the whole stream ("<stream>.") and
    filters by its prefix locally, so that gap detection is exact: the next
    event must have seq cursor+1. On a gap, or a heartbeat ahead of the cursor,
    it asks the publishing service for events.since {stream, seq, prefix, limit}
    and delivers what it missed, then drops the live copies it already has.
    The caller sees every event of its prefix once and in seq order.
    docs/events.md documents the wire so other languages can do the same.
*/
#pragma once
#include <czmq.h>
#include <stdint.h>
#include "sti_codec.h"
#include "sti_envelope.h"
#include "sti_redis.h"

#define STI_EVENTS_LIVE UINT64_MAX // start a subscriber at the live point
#define STI_EVENTS_STREAM_MAX 16   // longest stream name ([A-Za-z0-9_-])
#define STI_EVENTS_TOPIC_MAX 255   // longest topic, bytes
#define STI_EVENTS_FIELD_MAX 128   // longest id, source, type or time
#define STI_EVENTS_SUBJECT_MAX 512 // longest subject
#define STI_EVENTS_MAX_SIZE (1024u * 1024) // largest event body
#define STI_EVENTS_SINCE_MAX 1000  // most events one events.since reply holds
#define STI_EVENTS_MAXLEN 1000000  // default bound on a log's length (XTRIM MAXLEN ~)
#define STI_EVENTS_EPOCH_MAX 32    // longest epoch id (a dataset id, sti_dataset.h)

//  One event as the subscriber hands it over. Caller destroys.
typedef struct {
    uint64_t seq;
    uint64_t prev;
    char *topic;
    char *type;     // "indicator.changed", ...
    char *id;       // CloudEvents id: "<stream>-<seq>"
    char *source;   // "sti-indicators"
    char *subject;  // "hitech_enterprises/linping/2023"
    char *time;     // RFC 3339, UTC
    void *data;     // the event's data: encoded MessagePack map
    size_t data_size;
    char *epoch;    // the epoch its seq belongs to (the dataset id), or NULL: unknown
} sti_event_t;

void sti_event_destroy(sti_event_t **self_p);
//  Decodes the two frames of a published event. Returns NULL with a reason.
sti_event_t *sti_event_decode(const char *topic, const void *body, size_t size, char *err,
                              size_t errlen);
//  Reads one event from a decoded wire map (an entry of an events.since reply,
//  which carries its topic inside; or a map whose topic frame is `topic`).
//  Returns a new event (caller destroys), or NULL with a reason in err.
sti_event_t *sti_event_from_node(sti_node_t map, const char *topic, char *err, size_t errlen);
//  Writes the event's wire map (the second frame) into writer.
void sti_event_encode(const sti_event_t *event, sti_writer_t *writer);
//  True for a valid stream name, and for a topic of printable UTF-8 within bounds.
bool sti_events_stream_valid(const char *stream);
bool sti_events_topic_valid(const char *topic, size_t len);

//  --- publishing ---

typedef struct _sti_events_pub_t sti_events_pub_t;

//  endpoint: the broker's XSUB address (STI_EVENTS_PUB); source: service name.
sti_events_pub_t *sti_events_pub_new(sti_redis_t *redis, const char *stream, const char *endpoint,
                                     const char *source);
void sti_events_pub_destroy(sti_events_pub_t **self_p);
//  Sets the approximate bound on the log's length (default STI_EVENTS_MAXLEN).
void sti_events_pub_set_maxlen(sti_events_pub_t *self, size_t maxlen);
//  Appends the event to the log (assigning seq and prev), then publishes it.
//  data is an encoded MessagePack map. Returns 0 and sets *seq, or -1 when
//  Redis failed (nothing was logged or sent).
int sti_events_publish(sti_events_pub_t *self, const char *topic, const char *type,
                       const char *subject, const void *data, size_t size, uint64_t *seq);
//  Publishes events already in the log (appended by a service's own Lua script)
//  from seq `from` to `to` inclusive. Returns 0 or -1.
int sti_events_send_logged(sti_events_pub_t *self, uint64_t from, uint64_t to);
//  Publishes one event that the caller appended to the log itself (with
//  sti_events_append_many in its own script) and still holds: seq and prev
//  as the script returned them, topic, type, source, subject, time and data
//  exactly as logged (event->id is ignored: it is "<stream>-<seq>"). Saves
//  reading the log back. Returns 0, or -1 for an event whose topic is not
//  of this stream or whose fields are out of bounds (nothing sent; the
//  subscribers still find it in the log through the heartbeat).
int sti_events_send_event(sti_events_pub_t *self, const sti_event_t *event);
//  Sends the heartbeat if a second has passed since the last one. Reads the
//  stream's seq and epoch first: a seq below what this publisher saw, or an
//  epoch that is gone, is a loss (Redis came back without the tail of its
//  data), marked on the stream so that every publisher stops appending (see
//  sti_events_guard in lua/events_append.lua). Moves the stream to the
//  dataset's epoch when the stream has none yet or an operator accepted a
//  loss (a new dataset id with a reason; sti_dataset.h).
void sti_events_pub_tick(sti_events_pub_t *self);
uint64_t sti_events_latest(sti_events_pub_t *self);
//  NULL while the stream is fine, else why it stopped after a loss
//  (borrowed; until the stream moves to a new epoch).
const char *sti_events_pub_lost(sti_events_pub_t *self);
//  For a service's own script that appends (sti_events_guard): the epoch
//  key of the stream, and the guard's two arguments, the highest seq this
//  publisher saw (as text into floor) and its epoch (borrowed).
const char *sti_events_pub_epoch_key(sti_events_pub_t *self);
void sti_events_pub_floor(sti_events_pub_t *self, char *floor, size_t cap, const char **epoch);
//  What a service's own script returned: the stream's epoch and the last
//  seq it appended (0 for none), or a refusal by the guard (why). Events
//  sent after carry that epoch.
void sti_events_pub_appended(sti_events_pub_t *self, const char *epoch, uint64_t last);
void sti_events_pub_refused(sti_events_pub_t *self, const char *why);

//  --- the log, for the replay op of a publishing service ---

//  Answers events.since: writes {events: [...], upto, first, latest, epoch,
//  epoch_start} into
//  writer, holding the events of the stream after seq whose topic starts with
//  prefix, at most limit of them. upto is the last seq examined; first is
//  the oldest seq the log still holds (a subscriber whose seq+1 < first must
//  take a snapshot); latest the stream's true latest seq (below seq when the
//  log went back); epoch the stream's epoch and epoch_start its seq when the
//  epoch began. Returns 0, or -1 when Redis failed.
//  Scans at most 10 x limit entries (limit is capped at STI_EVENTS_SINCE_MAX).
int sti_events_since(sti_redis_t *redis, const char *stream, uint64_t seq, const char *prefix,
                     size_t limit, sti_writer_t *writer);
//  As sti_events_since, examining at most max_scan log entries (a narrow
//  prefix then pages through the log with upto).
int sti_events_since_scan(sti_redis_t *redis, const char *stream, uint64_t seq,
                          const char *prefix, size_t limit, size_t max_scan,
                          sti_writer_t *writer);
//  Serves a decoded events.since request for the stream this service
//  publishes: checks the body {stream, seq, prefix?, limit?} and writes the
//  whole reply envelope (ok, invalid_argument, or unavailable) into writer,
//  which it resets first.
void sti_events_since_reply(sti_redis_t *redis, const char *stream, const sti_request_t *request,
                            sti_writer_t *writer);

//  --- subscribing ---

typedef struct _sti_events_sub_t sti_events_sub_t;

//  sub_endpoint: the broker's XPUB address (STI_EVENTS_SUB); broker and
//  service: where to send events.since; from: the last seq already seen
//  (0 for everything the log holds, STI_EVENTS_LIVE for only what comes).
sti_events_sub_t *sti_events_sub_new(const char *sub_endpoint, const char *broker,
                                     const char *service, const char *stream, const char *prefix,
                                     uint64_t from);
void sti_events_sub_destroy(sti_events_sub_t **self_p);
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
void sti_events_sub_set_epoch(sti_events_sub_t *self, const char *epoch);
