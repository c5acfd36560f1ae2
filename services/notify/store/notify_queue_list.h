/*  notify_queue_list: reading the delivery queue for listings (delivery.list).

    Deliveries newest first from <ns>:notify:index, or with failed the dead
    letters from <ns>:notify:dead (the index forgets entries older than the
    retention) and then the retrying ones from the index; each row as its
    hash <ns>:notify:dlv:<id> holds it. The caller writes the rows (and
    masks the receivers' secrets, which the rows carry).
*/
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sti_redis.h"

//  One delivery as listed. Strings are borrowed for the call of the
//  callback; a field the hash lacks is "" (or 0).
typedef struct {
    const char *id;         // delivery id
    const char *rule;       // rule id
    const char *rule_name;  // rule name
    const char *receiver;   // receiver spec as stored, secret included
    const char *state;      // queued, retrying, delivered, dead, silenced
    int64_t attempts;       // sends so far
    const char *last_error; // the last send's error, "" when none
    int64_t last_status;    // the last send's HTTP or SMTP code, 0 when none
    int64_t created;        // ms since 1970
    int64_t updated;        // ms since 1970
    const char *label;      // what it is about ("hitech/linping/2023")
} notify_delivery_row_t;

typedef void(notify_delivery_row_fn)(const notify_delivery_row_t *row, void *arg);

//  Calls fn for every delivery listed, newest first, at most limit; failed:
//  the dead letters, then the retrying ones; rule: only that rule's (NULL
//  for all). Scans at most 10,000 entries of each list; drops from the
//  index the ids whose delivery expired. Returns the rows given to fn, or
//  -1 when Redis failed (fn may have seen some rows then).
long notify_queue_list(sti_redis_t *redis, bool failed, const char *rule, size_t limit,
                       notify_delivery_row_fn *fn, void *arg);
