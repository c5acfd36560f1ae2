/*  gateway_ring: see gateway_ring.h. A circular array of entries; the
    oldest is overwritten. */
#include "gateway_ring.h"

#include <assert.h>
#include <stdlib.h>

typedef struct {
    uint64_t seq;           // the event's
    gateway_frame_t *frame; // a reference
} s_entry_t;

struct _gateway_ring_t {
    s_entry_t *entries; // [cap]
    size_t cap;         // entries held at most
    size_t head;        // index of the oldest
    size_t count;       // entries held
    bool known;         // upto is a seq of the stream
    uint64_t upto;      // the last seq handed over
};

gateway_ring_t *gateway_ring_new(size_t cap)
{
    gateway_ring_t *self = calloc(1, sizeof *self);
    assert(self);
    self->cap = cap > 0 ? cap : 1;
    self->entries = calloc(self->cap, sizeof *self->entries);
    assert(self->entries);
    return self;
}

static void s_clear(gateway_ring_t *self)
{
    for (size_t i = 0; i < self->count; i++) {
        s_entry_t *entry = &self->entries[(self->head + i) % self->cap];
        gateway_frame_unref(&entry->frame);
        entry->seq = 0;
    }
    self->head = self->count = 0;
}

void gateway_ring_destroy(gateway_ring_t **self_p)
{
    assert(self_p);
    gateway_ring_t *self = *self_p;
    if (self) {
        s_clear(self);
        free(self->entries);
        free(self);
        *self_p = NULL;
    }
}

bool gateway_ring_known(gateway_ring_t *self)
{
    assert(self);
    return self->known;
}

uint64_t gateway_ring_upto(gateway_ring_t *self)
{
    assert(self);
    return self->upto;
}

uint64_t gateway_ring_first(gateway_ring_t *self)
{
    assert(self);
    return self->count ? self->entries[self->head].seq : self->upto + 1;
}

void gateway_ring_add(gateway_ring_t *self, uint64_t seq, gateway_frame_t *frame)
{
    assert(self && frame);
    if (self->known && seq != self->upto + 1) {
        s_clear(self); // not the next one: the run starts again here
    }
    if (self->count == self->cap) {
        gateway_frame_unref(&self->entries[self->head].frame);
        self->head = (self->head + 1) % self->cap;
        self->count--;
    }
    s_entry_t *entry = &self->entries[(self->head + self->count) % self->cap];
    entry->seq = seq;
    entry->frame = gateway_frame_ref(frame);
    self->count++;
    self->upto = seq;
    self->known = true;
}

void gateway_ring_cursor(gateway_ring_t *self, uint64_t seq)
{
    assert(self);
    if (!self->known || seq > self->upto) {
        s_clear(self); // events between were never seen here: the run starts after seq
        self->upto = seq;
        self->known = true;
    }
}

bool gateway_ring_each(gateway_ring_t *self, uint64_t after, gateway_ring_fn *fn, void *arg)
{
    assert(self && fn);
    //  The run has no hole: entry i holds seq first + i, so the walk starts
    //  right after `after` (a live client takes one or two events a call).
    uint64_t first = gateway_ring_first(self);
    size_t start = after >= first ? (size_t)(after - first + 1) : 0;
    for (size_t i = start; i < self->count; i++) {
        const s_entry_t *entry = &self->entries[(self->head + i) % self->cap];
        if (entry->seq > after && !fn(arg, entry->seq, entry->frame)) {
            return false;
        }
    }
    return true;
}
