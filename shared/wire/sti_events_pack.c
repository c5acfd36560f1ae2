/*  sti_events_pack: see sti_events_pack.h.

    Each event is packed once, when it is added, into one buffer of items
    (the seven-element arrays without an entry's header); finish writes each
    entry as an array header and a copy of its items. A topic's number is
    looked up in a hash whose keys are the pack's own copies of the topics.
*/
#include "sti_events_pack.h"

#include <assert.h>
#include <czmq.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sti_writer.h"

//  One entry of the pack.
typedef struct {
    size_t off;    // its bytes, in the entries' writer
    size_t len;    // their length
    size_t events; // events it holds
    size_t topics; // topics that start in it
} s_entry_t;

struct _sti_events_pack_t {
    sti_writer_t *items;  // every event's seven-element array, in order
    sti_writer_t *packed; // the entries, one after another
    size_t *item_end;     // where event i's item ends in items
    int64_t *before;      // event i's previous event on its topic (-1: none in the pack)
    size_t *topic_of;     // event i's topic number
    size_t count;         // events added
    size_t cap;           // entries of the per-event arrays
    zhashx_t *numbers;    // topic -> its number + 1 (keys: names[])
    char **names;         // the topics, in order of their first event
    size_t *last;         // topic t's last event
    size_t topics;        // distinct topics
    size_t topics_cap;    // entries of names and last
    s_entry_t *entries;   // the entries, after finish
    size_t entry_count;   // entries in use
    size_t entry_cap;     // entries allocated
};

sti_events_pack_t *sti_events_pack_new(void)
{
    sti_events_pack_t *self = (sti_events_pack_t *)calloc(1, sizeof *self);
    assert(self);
    self->items = sti_writer_new();
    self->packed = sti_writer_new();
    self->numbers = zhashx_new();
    assert(self->numbers);
    zhashx_set_key_duplicator(self->numbers, NULL);
    zhashx_set_key_destructor(self->numbers, NULL);
    return self;
}

void sti_events_pack_reset(sti_events_pack_t *self)
{
    assert(self);
    zhashx_purge(self->numbers);
    for (size_t t = 0; t < self->topics; t++) {
        free(self->names[t]);
    }
    self->topics = self->count = self->entry_count = 0;
    sti_writer_reset(self->items);
    sti_writer_reset(self->packed);
}

void sti_events_pack_destroy(sti_events_pack_t **self_p)
{
    assert(self_p);
    sti_events_pack_t *self = *self_p;
    if (self) {
        sti_events_pack_reset(self);
        zhashx_destroy(&self->numbers);
        sti_writer_destroy(&self->items);
        sti_writer_destroy(&self->packed);
        free(self->item_end);
        free(self->before);
        free(self->topic_of);
        free(self->names);
        free(self->last);
        free(self->entries);
        free(self);
        *self_p = NULL;
    }
}

//  The number of topic, adding it when new.
static size_t s_topic(sti_events_pack_t *self, const char *topic)
{
    uintptr_t found = (uintptr_t)zhashx_lookup(self->numbers, topic);
    if (found) {
        return (size_t)(found - 1);
    }
    if (self->topics == self->topics_cap) {
        self->topics_cap = self->topics_cap ? self->topics_cap * 2 : 64;
        self->names = (char **)realloc(self->names, self->topics_cap * sizeof *self->names);
        self->last = (size_t *)realloc(self->last, self->topics_cap * sizeof *self->last);
        assert(self->names && self->last);
    }
    size_t t = self->topics++;
    self->names[t] = strdup(topic);
    assert(self->names[t]);
    zhashx_insert(self->numbers, self->names[t], (void *)(uintptr_t)(t + 1));
    self->last[t] = SIZE_MAX; // no event yet
    return t;
}

void sti_events_pack_add(sti_events_pack_t *self, const sti_event_t *event)
{
    assert(self && event && event->topic && event->type && event->subject && event->time &&
           event->source && (event->data || event->data_size == 0));
    if (self->count == self->cap) {
        self->cap = self->cap ? self->cap * 2 : 1024;
        self->item_end = (size_t *)realloc(self->item_end, self->cap * sizeof *self->item_end);
        self->before = (int64_t *)realloc(self->before, self->cap * sizeof *self->before);
        self->topic_of = (size_t *)realloc(self->topic_of, self->cap * sizeof *self->topic_of);
        assert(self->item_end && self->before && self->topic_of);
    }
    size_t i = self->count++, t = s_topic(self, event->topic);
    self->topic_of[i] = t;
    self->before[i] = self->last[t] == SIZE_MAX ? -1 : (int64_t)self->last[t];
    self->last[t] = i;
    sti_writer_array(self->items, 7);
    sti_writer_str(self->items, event->topic);
    sti_writer_str(self->items, event->type);
    sti_writer_str(self->items, event->subject);
    sti_writer_str(self->items, event->time);
    sti_writer_str(self->items, event->source);
    sti_writer_strn(self->items, (const char *)event->data, event->data_size);
    if (self->before[i] < 0) {
        sti_writer_nil(self->items); // the first of its topic: the entry's `prevs`
    } else {
        sti_writer_int(self->items, self->before[i] - (int64_t)i); // -d: d events back
    }
    sti_writer_data(self->items, &self->item_end[i]);
}

//  Writes events [from, to) as one entry.
static void s_entry(sti_events_pack_t *self, size_t from, size_t to)
{
    if (self->entry_count == self->entry_cap) {
        self->entry_cap = self->entry_cap ? self->entry_cap * 2 : 16;
        self->entries =
            (s_entry_t *)realloc(self->entries, self->entry_cap * sizeof *self->entries);
        assert(self->entries);
    }
    s_entry_t *entry = &self->entries[self->entry_count++];
    size_t size, start = from ? self->item_end[from - 1] : 0;
    const char *items = (const char *)sti_writer_data(self->items, &size);
    sti_writer_data(self->packed, &entry->off);
    sti_writer_array(self->packed, to - from);
    sti_writer_raw(self->packed, items + start, self->item_end[to - 1] - start);
    sti_writer_data(self->packed, &size);
    entry->len = size - entry->off;
    entry->events = to - from;
    entry->topics = 0;
    for (size_t i = from; i < to; i++) {
        entry->topics += self->before[i] < 0 ? 1 : 0;
    }
}

void sti_events_pack_finish(sti_events_pack_t *self)
{
    assert(self && self->entry_count == 0);
    size_t from = 0;
    for (size_t i = 0; i < self->count; i++) {
        size_t start = from ? self->item_end[from - 1] : 0;
        if (i + 1 - from == STI_EVENTS_PACK_EVENTS ||
            self->item_end[i] - start >= STI_EVENTS_PACK_BYTES || i + 1 == self->count) {
            s_entry(self, from, i + 1);
            from = i + 1;
        }
    }
}

size_t sti_events_pack_count(const sti_events_pack_t *self)
{
    assert(self);
    return self->count;
}

size_t sti_events_pack_topic_count(const sti_events_pack_t *self)
{
    assert(self);
    return self->topics;
}

const char *sti_events_pack_topic(const sti_events_pack_t *self, size_t t, size_t *last)
{
    assert(self && t < self->topics && last);
    *last = self->last[t];
    return self->names[t];
}

size_t sti_events_pack_entry_count(const sti_events_pack_t *self)
{
    assert(self);
    return self->entry_count;
}

const void *sti_events_pack_entry(const sti_events_pack_t *self, size_t e, size_t *size,
                                  size_t *events, size_t *topics)
{
    assert(self && e < self->entry_count && size && events && topics);
    const s_entry_t *entry = &self->entries[e];
    size_t all;
    const char *packed = (const char *)sti_writer_data(self->packed, &all);
    *size = entry->len;
    *events = entry->events;
    *topics = entry->topics;
    return packed + entry->off;
}

void sti_events_pack_prevs(const sti_events_pack_t *self, uint64_t first,
                           const uint64_t *topic_prevs, uint64_t *prevs)
{
    assert(self && (topic_prevs || self->topics == 0) && (prevs || self->count == 0));
    for (size_t i = 0; i < self->count; i++) {
        prevs[i] = self->before[i] < 0 ? topic_prevs[self->topic_of[i]]
                                       : first + (uint64_t)self->before[i];
    }
}
