/*  notify_eval_store: what the evaluators keep in Redis, besides the
    deliveries they queue (notify_queue).

    For each stream, a lease (<ns>:notify:lease:<stream>: the token of the
    one replica evaluating it, with an expiry it renews, notify_lease.lua)
    and a cursor (<ns>:notify:cursor:<stream>: the last seq whose alerts are
    queued, moved only by a commit of notify_queue). The latest value seen
    per indicator and org unit (<ns>:notify:latest, notify_latest.h), and
    the alert groups waiting for their message (<ns>:notify:groups and each
    group's events and meta). Every read is bounded. The store borrows the
    connection; one per evaluator thread.
*/
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "notify_latest.h"
#include "sti_codec.h"
#include "sti_redis.h"

#define NOTIFY_GROUP_ID_MAX 96 // bytes of a group id with its NUL ("<rule>-<16 hex>")

typedef struct _notify_eval_store_t notify_eval_store_t;

//  Never NULL (aborts on out-of-memory).
notify_eval_store_t *notify_eval_store_new(sti_redis_t *redis);
void notify_eval_store_destroy(notify_eval_store_t **self_p);

//  Takes, keeps (or with release gives up) the lease of stream for token,
//  for ms. Returns 1 while held, 0 when another holds it, -1 when Redis failed.
int notify_eval_store_lease(notify_eval_store_t *self, const char *stream, const char *token,
                            int64_t ms, bool release);

//  Reads the stream's cursor into *cursor (0 when none yet). Returns 0 or -1.
int notify_eval_store_cursor(notify_eval_store_t *self, const char *stream, uint64_t *cursor);

//  Reads the latest values of count fields (notify_latest_field; a NULL
//  field is skipped) in one round: latest[i] is unknown when there is none.
//  Returns 0, or -1 when Redis failed.
int notify_eval_store_latest(notify_eval_store_t *self, const char *const *fields, size_t count,
                             notify_latest_t *latest);

typedef void(notify_latest_fn)(const char *indicator, const char *org,
                               const notify_latest_t *latest, void *arg);
//  Calls fn for every latest value that reads, when there are at most max.
//  Returns the number of values, or -1 when Redis failed or there are more.
long notify_eval_store_latest_each(notify_eval_store_t *self, size_t max, notify_latest_fn *fn,
                                   void *arg);

//  Writes into gids the ids of the groups due at now_ms (at most max).
//  Returns how many, or -1 when Redis failed.
long notify_eval_store_due_groups(notify_eval_store_t *self, int64_t now_ms, size_t max,
                                  char gids[][NOTIFY_GROUP_ID_MAX]);

//  One group as a flush reads it.
typedef struct {
    char rule[64];   // its rule's id, "" when its meta is gone
    int64_t flushes; // messages sent so far (the flush's compare-and-set)
    size_t count;    // events written
} notify_group_head_t;

//  Reads group gid: its rule and flush count into head, and its first max
//  events as one MessagePack array into events (reset first). Returns 0, or
//  -1 when Redis failed.
int notify_eval_store_group(notify_eval_store_t *self, const char *gid, size_t max,
                            notify_group_head_t *head, sti_writer_t *events);
