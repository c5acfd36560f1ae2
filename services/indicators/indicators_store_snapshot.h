/*  indicators_store_snapshot: pages of every value with the `ind` stream's
    seq they hold (snapshot.get), for indicators_store. A page's strings
    point into the replies kept here until the next page.
*/
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "indicators_values.h"
#include "sti_redis.h"

typedef struct _indicators_store_snapshot_t indicators_store_snapshot_t;

//  One value of a snapshot page (the strings are borrowed from the page).
typedef struct {
    const char *indicator;      // indicator code
    size_t indicator_len;       // its length
    const char *org;            // org unit code
    size_t org_len;             // its length
    const char *period;         // the period (the hash field)
    size_t period_len;          // its length
    indicators_record_t record; // the stored record
} indicators_snapshot_value_t;

//  A page of every stored value, by hash in byte order of <indicator>:<org>.
typedef struct {
    uint64_t seq;                              // the `ind` seq, read before the values
    const indicators_snapshot_value_t *values; // every period of the page's hashes
    size_t count;                              // how many
    const char *next;                          // the cursor of the next page, NULL on the last
    size_t next_len;                           // its length
} indicators_snapshot_page_t;

//  redis is borrowed.
indicators_store_snapshot_t *indicators_store_snapshot_new(sti_redis_t *redis);
void indicators_store_snapshot_destroy(indicators_store_snapshot_t **self_p);

//  As indicators_store_snapshot (indicators_store.h).
int indicators_store_snapshot_page(indicators_store_snapshot_t *self, const char *after,
                                   int64_t limit, indicators_snapshot_page_t *page);
