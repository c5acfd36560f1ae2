/*  sti_events_log: a stream's event log in Redis, read back.

    A stream ("ind", "tal", "ntf") keeps four Redis keys under the namespace:
    the log <ns>:events:<stream> (a Redis stream of event entries, id
    0-<seq>, one event each, and batch entries, id 0-<last seq>, holding the
    events first..last packed: docs/events.md, "In Redis"), the latest seq <ns>:events:<stream>:seq,
   the latest seq per topic <ns>:events:<stream>:prev, and the epoch <ns>:events:<stream>:epoch {id,
   start, lost} (docs/events.md, docs/keys.md). This module builds those keys, reads the log back
   (every entry checked as hostile input), and answers the replay op events.since; the publisher
   (sti_events.h) writes them through its Lua scripts.
*/
#pragma once
#include <hiredis/hiredis.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sti_codec.h"
#include "sti_envelope.h"
#include "sti_event_codec.h"
#include "sti_op.h"
#include "sti_redis.h"

//  Builds the four keys of a stream into buffers of cap bytes (epoch_key
//  may be NULL). Returns 0, or -1 when they do not fit.
int sti_events_log_keys(sti_redis_t *redis, const char *stream, char *log_key, char *seq_key,
                        char *prev_key, char *epoch_key, size_t cap);
//  Parses a log entry id "0-<seq>". Returns 0 or -1.
int sti_events_log_entry_seq(const redisReply *id, uint64_t *seq);
#define STI_EVENTS_ENTRY_MAX 100000u // events one batch entry may hold, read back

//  Turns one XRANGE event entry [id, [field, value, ...]] into an event
//  (caller destroys). Returns NULL for an entry that is not a well-formed
//  event entry (a batch entry included: see sti_events_log_entry_events).
sti_event_t *sti_events_log_entry(const redisReply *entry, const char *stream);
//  The events of one XRANGE entry, an event entry or a batch entry, in seq
//  order (a malformed event of a batch is left out, logged). Sets *last to
//  the entry's id, the last seq it holds (0 when the id is malformed).
//  Returns a new array of *count events (caller frees it with
//  sti_events_log_events_destroy), or NULL when the entry is malformed.
sti_event_t **sti_events_log_entry_events(const redisReply *entry, const char *stream,
                                          size_t *count, uint64_t *last);
void sti_events_log_events_destroy(sti_event_t ***events_p, size_t count);
//  True when the entry is a batch entry (it has a field `events`).
bool sti_events_log_entry_is_batch(const redisReply *entry);
//  The first seq an entry holds: its id, or a batch entry's `first`.
//  Returns 0 or -1 (malformed).
int sti_events_log_entry_first(const redisReply *entry, uint64_t *first);

//  Where a walk of the log is.
typedef struct {
    uint64_t upto;   // the last seq examined (set by the caller: start after it)
    size_t examined; // events examined (a malformed entry counts one)
    bool at_end;     // the log held nothing more (up to the walk's end)
} sti_events_walk_t;
//  Called with each event of a walk (borrowed: it is destroyed after the
//  call). Returns 0 to go on, non-zero to stop after this event.
typedef int(sti_events_log_fn)(sti_event_t *event, void *arg);
//  Walks the log's events after walk->upto up to seq `to` in seq order,
//  reading entries with XRANGE (as many per call as about max events need),
//  until fn stops it, max events were examined, or the log ends; a malformed
//  entry is skipped with a log line. Returns 0, or -1 when Redis failed or
//  the log's ids are out of order.
int sti_events_log_walk(sti_redis_t *redis, const char *log_key, const char *stream, uint64_t to,
                        size_t max, sti_events_log_fn *fn, void *arg, sti_events_walk_t *walk);
//  XRANGE log 0-<from> <end> COUNT count. Returns the reply (caller frees)
//  or NULL (logged).
redisReply *sti_events_log_range(sti_redis_t *redis, const char *log_key, uint64_t from,
                                 const char *end, size_t count);
//  Reads the stream's latest seq (0 before the first event). Returns 0 or -1.
int sti_events_log_latest(sti_redis_t *redis, const char *seq_key, uint64_t *latest);
//  Reads the stream's latest seq, then its epoch id ("" for none,
//  STI_EVENTS_EPOCH_MAX + 1 bytes), in one round trip and without sending
//  again on a broken connection (the server may be another one by then).
//  An epoch that is still one seen before then says the seq is of that
//  epoch too. Returns 0, or -1 when Redis failed or a key is malformed.
int sti_events_log_head(sti_redis_t *redis, const char *seq_key, const char *epoch_key,
                        uint64_t *latest, char *epoch);
//  Reads the stream's epoch: id ("" for none, STI_EVENTS_EPOCH_MAX + 1
//  bytes), start, the reason of a loss ("" for none; lost may be NULL), and
//  the confirmed mark, the last seq the replicas are known to hold (0 for
//  none; confirmed may be NULL), and whether the hash has one (where writes
//  must reach replicas, an epoch without one is not confirmed yet; marked
//  may be NULL). Returns 0 or -1.
int sti_events_log_epoch(sti_redis_t *redis, const char *epoch_key, char *id, uint64_t *start,
                         char *lost, size_t lost_cap, uint64_t *confirmed, bool *marked);

//  Answers events.since: writes {events: [...], upto, first, latest, epoch,
//  epoch_start} into
//  writer, holding the events of the stream after seq whose topic starts with
//  prefix, at most limit of them. upto is the last seq examined; first is
//  the oldest seq the log still holds (a subscriber whose seq+1 < first must
//  take a snapshot); latest the stream's true latest seq (below seq when the
//  log went back); epoch the stream's epoch and epoch_start its seq when the
//  epoch began. Where writes must reach replicas (sti_redis_replicas of
//  redis), events and upto stop at the epoch's confirmed mark, and an epoch
//  without one (moved to, and not confirmed yet) is not answered in.
//  Returns 0, -1 when Redis failed, or -2 when the epoch is not confirmed
//  (both are unavailable: ask again later).
//  Scans at most 10 x limit entries (limit is capped at STI_EVENTS_SINCE_MAX).
int sti_events_since(sti_redis_t *redis, const char *stream, uint64_t seq, const char *prefix,
                     size_t limit, sti_writer_t *writer);
//  As sti_events_since, examining at most max_scan log entries (a narrow
//  prefix then pages through the log with upto).
int sti_events_since_scan(sti_redis_t *redis, const char *stream, uint64_t seq, const char *prefix,
                          size_t limit, size_t max_scan, sti_writer_t *writer);
//  The body of events.since, {stream, seq, prefix?, limit?}, for the op
//  tables of every service that publishes a stream.
extern const sti_arg_t sti_events_since_args[];
//  Serves a decoded events.since request for the stream this service
//  publishes: checks the body against sti_events_since_args and that the
//  stream is this one, and writes the whole reply envelope (ok,
//  invalid_argument naming the field, or unavailable) into writer, which it
//  resets first.
void sti_events_since_reply(sti_redis_t *redis, const char *stream, const sti_request_t *request,
                            sti_writer_t *writer);
