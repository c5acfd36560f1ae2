/*  ingest_index: short strings with a number each. See the header.

    Keys go one after another into an arena (entries hold their offset, so
    the arena may move when it grows); slots hold an entry's position + 1,
    0 for empty, and are at least twice the entries, so a probe ends.
*/
#include "ingest_index.h"

#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

//  One key kept.
typedef struct {
    uint64_t hash; // FNV-1a of the key
    size_t at;     // its offset in the arena
    size_t len;    // its length
    size_t value;  // the number kept for it
} s_entry_t;

struct _ingest_index_t {
    s_entry_t *entries; // keys kept, in the order they came
    size_t count;       // in use
    size_t cap;         // allocated
    char *arena;        // the keys' bytes
    size_t used;        // bytes in use
    size_t arena_cap;   // bytes allocated
    uint32_t *slots;    // the table: entry position + 1, or 0
    size_t mask;        // slots - 1 (a power of two)
};

static uint64_t s_hash(const char *key, size_t len)
{
    uint64_t hash = 14695981039346656037ull;
    for (size_t i = 0; i < len; i++) {
        hash = (hash ^ (unsigned char)key[i]) * 1099511628211ull;
    }
    return hash;
}

static void *s_realloc(void *p, size_t size)
{
    p = realloc(p, size);
    if (!p) {
        abort();
    }
    return p;
}

ingest_index_t *ingest_index_new(void)
{
    ingest_index_t *self = (ingest_index_t *)calloc(1, sizeof *self);
    if (!self) {
        abort();
    }
    self->mask = 63;
    self->slots = (uint32_t *)calloc(self->mask + 1, sizeof *self->slots);
    if (!self->slots) {
        abort();
    }
    return self;
}

void ingest_index_destroy(ingest_index_t **self_p)
{
    assert(self_p);
    ingest_index_t *self = *self_p;
    if (self) {
        free(self->entries);
        free(self->arena);
        free(self->slots);
        free(self);
        *self_p = NULL;
    }
}

void ingest_index_reset(ingest_index_t *self)
{
    assert(self);
    if (self->count) {
        memset(self->slots, 0, (self->mask + 1) * sizeof *self->slots);
    }
    self->count = 0;
    self->used = 0;
}

//  The slot holding key, or the empty slot where it would go.
static size_t s_slot(const ingest_index_t *self, const char *key, size_t len, uint64_t hash)
{
    size_t slot = (size_t)hash & self->mask;
    while (self->slots[slot]) {
        const s_entry_t *entry = &self->entries[self->slots[slot] - 1];
        if (entry->hash == hash && entry->len == len &&
            (len == 0 || memcmp(self->arena + entry->at, key, len) == 0)) {
            return slot;
        }
        slot = (slot + 1) & self->mask;
    }
    return slot;
}

size_t ingest_index_get(const ingest_index_t *self, const char *key, size_t len)
{
    assert(self && (key || !len));
    size_t slot = s_slot(self, key, len, s_hash(key, len));
    return self->slots[slot] ? self->entries[self->slots[slot] - 1].value : 0;
}

//  Doubles the table and puts every entry in it again.
static void s_grow(ingest_index_t *self)
{
    self->mask = 2 * (self->mask + 1) - 1;
    free(self->slots);
    self->slots = (uint32_t *)calloc(self->mask + 1, sizeof *self->slots);
    if (!self->slots) {
        abort();
    }
    for (size_t i = 0; i < self->count; i++) {
        size_t slot = (size_t)self->entries[i].hash & self->mask;
        while (self->slots[slot]) {
            slot = (slot + 1) & self->mask;
        }
        self->slots[slot] = (uint32_t)(i + 1);
    }
}

void ingest_index_put(ingest_index_t *self, const char *key, size_t len, size_t value)
{
    assert(self && (key || !len) && value);
    uint64_t hash = s_hash(key, len);
    size_t slot = s_slot(self, key, len, hash);
    if (self->slots[slot]) {
        self->entries[self->slots[slot] - 1].value = value;
        return;
    }
    assert(self->count < UINT32_MAX / 2);
    if (2 * (self->count + 1) > self->mask + 1) {
        s_grow(self);
        slot = s_slot(self, key, len, hash);
    }
    if (self->count == self->cap) {
        self->cap = self->cap ? 2 * self->cap : 64;
        self->entries = (s_entry_t *)s_realloc(self->entries, self->cap * sizeof *self->entries);
    }
    if (self->used + len > self->arena_cap) {
        self->arena_cap = 2 * (self->used + len) + 1024;
        self->arena = (char *)s_realloc(self->arena, self->arena_cap);
    }
    if (len) {
        memcpy(self->arena + self->used, key, len);
    }
    self->entries[self->count] = (s_entry_t){hash, self->used, len, value};
    self->used += len;
    self->slots[slot] = (uint32_t)(++self->count);
}

size_t ingest_index_size(const ingest_index_t *self)
{
    assert(self);
    return self->count;
}
