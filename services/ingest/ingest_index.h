/*  ingest_index: short strings of one request, each with a number, for
    grouping its rows (the (org, period) pairs of ingest_locks, their org
    units, the value hashes of ingest_store).

    An open-addressing table over arrays kept from one request to the next,
    which copies the keys into one arena: once the arrays have grown to a
    request's size, nothing is allocated. (A zhashx copies each key and
    allocates an item per insert, and frees them all on purge: about a
    tenth of sti-ingest's time accepting rows went there.)
*/
#pragma once
#include <stddef.h>

typedef struct _ingest_index_t ingest_index_t;

//  An empty index. Never NULL (aborts on out-of-memory).
ingest_index_t *ingest_index_new(void);
void ingest_index_destroy(ingest_index_t **self_p);
//  Forgets every key, keeping the memory.
void ingest_index_reset(ingest_index_t *self);
//  The number kept for key (len bytes), or 0 when the index lacks it.
size_t ingest_index_get(const ingest_index_t *self, const char *key, size_t len);
//  Keeps value (not 0) for key (len bytes), replacing the one kept before.
void ingest_index_put(ingest_index_t *self, const char *key, size_t len, size_t value);
//  Keys kept.
size_t ingest_index_size(const ingest_index_t *self);
