/*  sti_events: reliable events (the Clone pattern of the ZeroMQ guide).

    A publishing service owns a stream ("ind", "tal", "ntf"). Every event is
    first appended to the stream's event log in Redis, a Redis stream
    <ns>:events:<stream> whose entry ids are 0-<seq> (or 0-<last seq> for a
    batch entry holding many events, docs/events.md), where seq is the stream's
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
#include "sti_event_codec.h"
#include "sti_events_log.h"
#include "sti_events_sub.h"
#include "sti_redis.h"

//  --- publishing ---

typedef struct _sti_events_pub_t sti_events_pub_t;

//  endpoint: the broker's XSUB address (STI_EVENTS_PUB); source: service name.
sti_events_pub_t *sti_events_pub_new(sti_redis_t *redis, const char *stream, const char *endpoint,
                                     const char *source);
void sti_events_pub_destroy(sti_events_pub_t **self_p);
//  Sets how many of the latest seqs the log keeps at least (trimmed by seq,
//  XADD MINID ~; default STI_EVENTS_MAXLEN).
void sti_events_pub_set_maxlen(sti_events_pub_t *self, size_t maxlen);
//  Sets how many replicas must hold a seq before it is published or named
//  (the service's STI_REDIS_REPLICAS; default 0: none). Then:
//  - an event logged beyond the last seq the replicas confirmed is held back
//    from the bus (sti_events_publish, sti_events_send_logged,
//    sti_events_send_event) until they confirm it: the caller's WAIT
//    (sti_events_pub_replicated), or the heartbeat's;
//  - a seq Redis holds beyond the last confirmed one is named by a heartbeat
//    only after a WAIT (of at most 100 ms, tried again at the next
//    heartbeat) says the replicas hold it: until then the heartbeat names
//    the last confirmed seq, and the guard's floor stays there, so a
//    fail-over that takes back writes no WAIT confirmed stops nothing (they
//    are applied again);
//  - each confirmation raises the stream's confirmed mark (the field
//    `confirmed` of its epoch hash), beyond which events.since hands out
//    nothing where the replicas are required (sti_redis_replicas).
void sti_events_pub_set_replicas(sti_events_pub_t *self, int64_t replicas);
//  What the caller's WAIT after its write said (the last
//  sti_redis_wait_replicas on the publisher's connection). held: the
//  replicas hold every write of the connection so far, so the seqs this
//  publisher appended on that connection are confirmed: marks them and sends
//  the events held back up to them, read from the log. Seqs appended before
//  a reconnect (sti_redis_generation) are not: the WAIT did not cover them,
//  and the server it ran on may lack them. Those, and all of them when not
//  held, are forgotten (a later confirmation counts only what Redis then
//  holds: the heartbeat's; the held events wait for it). Nothing without
//  replicas to reach.
void sti_events_pub_replicated(sti_events_pub_t *self, bool held);
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
//  loss (a new dataset id with a reason; sti_dataset.h). With replicas set
//  (sti_events_pub_set_replicas), names only a seq they hold.
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
//  sent after carry that epoch. Called right after the script's reply,
//  before another command: the seqs are noted with the connection's
//  generation, and only a WAIT on that generation confirms them. The note
//  confirms nothing: with replicas to reach, an epoch other than the
//  publisher's (the stream moved, maybe by a write the replicas lack) is
//  taken only with the caller's WAIT that confirms the seqs
//  (sti_events_pub_replicated), or by the heartbeat's.
void sti_events_pub_appended(sti_events_pub_t *self, const char *epoch, uint64_t last);
void sti_events_pub_refused(sti_events_pub_t *self, const char *why);
