/*  indicators_duty_store: the reporting duties in Redis (docs/keys.md,
    docs/completeness.md), the one module that reads and writes them.

    It owns the key families
        <ns>:duty:type      hash: org unit -> its unit type
        <ns>:duty:assign    hash: unit type -> the indicators it reports, "a,b,c"
        <ns>:duty:add       hash: org unit -> indicators it reports besides its type's
        <ns>:duty:drop      hash: org unit -> indicators of its type it does not report
        <ns>:duty:contact   hash: org unit -> "name\tphone\temail\tdingtalk"
        <ns>:duty:rule      hash: indicator -> "frequency due" set by an admin
        <ns>:duty:overdue   set: "<indicator>|<org>|<period>" raised as overdue
    each named by one function here. Every write is one call of
    indicators_duty.lua, which appends its event (`duty.changed`,
    `duty.overdue`) to the `ind` stream in the same step and changes nothing
    when the values are there already, so a retried write applies once.
    Functions that fail return -1 with the reason in err.
*/
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sti_events.h"
#include "sti_redis.h"

typedef enum {
    INDICATORS_DUTY_TYPE = 0, // org unit -> unit type
    INDICATORS_DUTY_ASSIGN,   // unit type -> indicators
    INDICATORS_DUTY_ADD,      // org unit -> indicators besides its type's
    INDICATORS_DUTY_DROP,     // org unit -> indicators of its type it does not report
    INDICATORS_DUTY_CONTACT,  // org unit -> contact
    INDICATORS_DUTY_RULE,     // indicator -> "frequency due"
    INDICATORS_DUTY_HASHES,   // how many hashes
} indicators_duty_hash_t;

#define INDICATORS_DUTY_PAIRS_MAX 20000 // fields of one hash read

//  One hash as read: fields and values (owned by the store's last read).
typedef struct {
    const char **fields; // NUL-terminated
    const char **values; // NUL-terminated
    size_t count;        // how many pairs
} indicators_duty_pairs_t;

//  One field write: hash, field, value ("" removes the field).
typedef struct {
    indicators_duty_hash_t hash; // which hash
    const char *field;           // its field
    const char *value;           // the new value, "" to remove
} indicators_duty_put_t;

//  An event to append with a write (the strings are borrowed).
typedef struct {
    const char *topic;   // ind....
    const char *type;    // duty.changed, duty.overdue
    const char *subject; // what it is about
    const char *time;    // RFC 3339
    const void *data;    // MessagePack map
    size_t size;         // its bytes
} indicators_duty_event_t;

typedef struct _indicators_duty_store_t indicators_duty_store_t;

//  Both borrowed; pub may be NULL (tests). maxlen: the `ind` log's bound.
indicators_duty_store_t *indicators_duty_store_new(sti_redis_t *redis, sti_events_pub_t *pub,
                                                   int64_t maxlen);
void indicators_duty_store_destroy(indicators_duty_store_t **self_p);

//  Reads every hash in one round trip into out[INDICATORS_DUTY_HASHES],
//  valid until the next read. Returns 0, or -1 with err set.
int indicators_duty_store_read(indicators_duty_store_t *self, indicators_duty_pairs_t *out,
                               char *err, size_t errlen);
//  Writes puts[0..count) with event, in one step. Sets *changed (false:
//  every field held its value already; no event). Returns 0, or -1 with err set.
int indicators_duty_store_put(indicators_duty_store_t *self, const indicators_duty_put_t *puts,
                              size_t count, const indicators_duty_event_t *event, bool *changed,
                              char *err, size_t errlen);
//  Which of members[0..count) (at most 1000) are raised already, into
//  raised[]. Returns 0, or -1 with err set.
int indicators_duty_store_raised(indicators_duty_store_t *self, const char *const *members,
                                 size_t count, bool *raised, char *err, size_t errlen);
//  Raises member with event unless it is raised already. Returns 1 when
//  raised now, 0 when it was already, -1 with err set.
int indicators_duty_store_raise(indicators_duty_store_t *self, const char *member,
                                const indicators_duty_event_t *event, char *err, size_t errlen);
