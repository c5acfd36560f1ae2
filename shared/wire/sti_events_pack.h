/*  sti_events_pack: the events of one append, packed in C into the event
    log's batch entries (docs/events.md, "In Redis"), so that the appending
    script only takes the seqs and the topics' previous seqs
    (sti_events_append_packed in events_append.lua) and does no work per
    event.

    An event of a packed entry is [topic, type, subject, time, source, data,
    prev] like any batch entry's, with prev written without knowing the
    seqs: -d when the previous event on its topic is d events before it in
    the same append, nil for the first event of its topic in the append (its
    prev is then the next number of the entry's `prevs` field, which the
    script writes). The topics are numbered in the order of their first
    event, so entry e's nil prevs are the topics that entries before it did
    not start.

    Usage: reset, add each event in seq order, finish; then pass
    sti_events_pack_topic() of each topic and sti_events_pack_entry() of
    each entry to the script, and turn the topics' prevs it returns into each
    event's prev with sti_events_pack_prevs().
*/
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "sti_event_codec.h"

#define STI_EVENTS_PACK_EVENTS 256          // events of one entry at most
#define STI_EVENTS_PACK_BYTES (1024 * 1024) // an entry closes past this many bytes

typedef struct _sti_events_pack_t sti_events_pack_t;

sti_events_pack_t *sti_events_pack_new(void);
void sti_events_pack_destroy(sti_events_pack_t **self_p);
//  Forgets every event, keeping the buffers.
void sti_events_pack_reset(sti_events_pack_t *self);
//  Adds the next event: its topic, type, subject, time, source and data
//  (seq, prev, id and epoch are not read). The strings are copied.
void sti_events_pack_add(sti_events_pack_t *self, const sti_event_t *event);
//  Cuts the events into entries. Call once, after the last add.
void sti_events_pack_finish(sti_events_pack_t *self);
//  The number of events added.
size_t sti_events_pack_count(const sti_events_pack_t *self);
//  The number of distinct topics, and topic t (0-based, in the order of
//  their first events; borrowed until the next reset) with the 0-based
//  index of its last event in *last.
size_t sti_events_pack_topic_count(const sti_events_pack_t *self);
const char *sti_events_pack_topic(const sti_events_pack_t *self, size_t t, size_t *last);
//  The number of entries, and entry e: its packed `events` bytes (borrowed
//  until the next reset), in *events its event count and in *topics how
//  many topics start in it (its nil prevs).
size_t sti_events_pack_entry_count(const sti_events_pack_t *self);
const void *sti_events_pack_entry(const sti_events_pack_t *self, size_t e, size_t *size,
                                  size_t *events, size_t *topics);
//  Fills prevs[i], the prev of event i, for an append whose first seq is
//  first and whose topics' previous seqs (before the append) are
//  topic_prevs[t].
void sti_events_pack_prevs(const sti_events_pack_t *self, uint64_t first,
                           const uint64_t *topic_prevs, uint64_t *prevs);
