/*  notify_eval_steps: the steps of the evaluator thread (notify_eval.h),
    each one a function over the state they share: drain a stream and commit
    what its events made (notify_eval_steps.c); flush due groups and check
    stale rules (notify_eval_timers.c). Used only by notify_eval.c and tests.
*/
#pragma once
#include <stdint.h>

#include "notify_alert.h"
#include "notify_eval.h"
#include "notify_match.h"
#include "notify_queue.h"
#include "notify_store.h"
#include "sti_catalog_store.h"
#include "sti_events.h"

//  One stream the evaluator may hold.
typedef struct {
    char name[16];          // "ind"
    char service[32];       // who serves its events.since
    sti_events_sub_t *sub;  // the subscriber while the lease is held, else NULL
    uint64_t cursor;        // the cursor as committed
    uint64_t high;          // the highest cursor this process committed or read
} notify_eval_stream_t;

//  What the steps share.
typedef struct {
    const notify_eval_config_t *config;   // borrowed
    const notify_eval_metrics_t *metrics; // borrowed
    sti_redis_t *redis;                   // the thread's own connection
    notify_queue_t *queue;                // commits
    notify_store_t *store;                // rules and silences
    sti_catalog_store_t *catalog;         // names and targets
    sti_writer_t *writer;                 // alert event blobs
    char token[33];                       // this replica's lease token
    notify_eval_stream_t stream;          // the stream evaluated
} notify_eval_state_t;

//  Connects and makes the parts. Returns 0, or -1 with a reason.
int notify_eval_state_init(notify_eval_state_t *state, const notify_eval_config_t *config,
                           const notify_eval_metrics_t *metrics, char *err, size_t errlen);
void notify_eval_state_fini(notify_eval_state_t *state);

//  Reads the stream's stored cursor. Returns 0 or -1.
int notify_eval_read_cursor(notify_eval_state_t *state, notify_eval_stream_t *stream);

//  Takes the events the subscriber has (at most batch), evaluates them and
//  commits. On failure drops the subscriber.
void notify_eval_drain(notify_eval_state_t *state, notify_eval_stream_t *stream, int64_t now_ms);

//  Queues the rule's alert for one event (grouped, silenced or plain) into
//  the batch being built; about names the event for the delivery id.
void notify_eval_alert(notify_eval_state_t *state, const notify_rule_t *rule,
                       const notify_alert_event_t *event, const char *about, bool groupable,
                       int64_t now_ms);

//  Queues one delivery per receiver of the rule for events (an encoded
//  array of alert events), with ids from (rule, receiver, about).
void notify_eval_deliveries(notify_eval_state_t *state, const notify_rule_t *rule,
                            const void *events, size_t size, const char *about, bool silenced,
                            const char *group, const char *label);

//  Flushes the groups that are due.
void notify_eval_flush_groups(notify_eval_state_t *state, int64_t now_ms);
//  Checks the stale rules against the latest values.
void notify_eval_check_stale(notify_eval_state_t *state, int64_t now_ms);
