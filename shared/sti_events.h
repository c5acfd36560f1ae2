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
#include "sti_redis.h"

#define STI_EVENTS_LIVE UINT64_MAX // start a subscriber at the live point

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
} sti_event_t;

void sti_event_destroy(sti_event_t **self_p);
//  Decodes the two frames of a published event. Returns NULL with a reason.
sti_event_t *sti_event_decode(const char *topic, const void *body, size_t size, char *err,
                              size_t errlen);
//  Writes the event's wire map (the second frame) into writer.
void sti_event_encode(const sti_event_t *event, sti_writer_t *writer);

//  --- publishing ---

typedef struct _sti_events_pub_t sti_events_pub_t;

//  endpoint: the broker's XSUB address (STI_EVENTS_PUB); source: service name.
sti_events_pub_t *sti_events_pub_new(sti_redis_t *redis, const char *stream, const char *endpoint,
                                     const char *source);
void sti_events_pub_destroy(sti_events_pub_t **self_p);
//  Appends the event to the log (assigning seq and prev), then publishes it.
//  data is an encoded MessagePack map. Returns 0 and sets *seq, or -1 when
//  Redis failed (nothing was logged or sent).
int sti_events_publish(sti_events_pub_t *self, const char *topic, const char *type,
                       const char *subject, const void *data, size_t size, uint64_t *seq);
//  Publishes events already in the log (appended by a service's own Lua script)
//  from seq `from` to `to` inclusive. Returns 0 or -1.
int sti_events_send_logged(sti_events_pub_t *self, uint64_t from, uint64_t to);
//  Sends the heartbeat if a second has passed since the last one.
void sti_events_pub_tick(sti_events_pub_t *self);
uint64_t sti_events_latest(sti_events_pub_t *self);

//  --- the log, for the replay op of a publishing service ---

//  Answers events.since: writes {events: [...], upto, first, latest} into
//  writer, holding the events of the stream after seq whose topic starts with
//  prefix, at most limit of them. upto is the last seq examined; first is
//  the oldest seq the log still holds (a subscriber whose seq+1 < first must
//  take a snapshot). Returns 0, or -1 when Redis failed.
int sti_events_since(sti_redis_t *redis, const char *stream, uint64_t seq, const char *prefix,
                     size_t limit, sti_writer_t *writer);

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
zsock_t *sti_events_sub_sock(sti_events_sub_t *self);
