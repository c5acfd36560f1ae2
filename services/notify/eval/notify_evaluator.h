/*  notify_evaluator: what one evaluator thread holds, and how it queues an
    alert.

    An evaluator (notify_eval.h) evaluates one stream on its own thread,
    with its own Redis connection and its own handles on the stores. Its
    steps are functions over this state: drain the stream and commit what
    its events made (notify_eval_batch), flush due groups and check stale
    rules (notify_eval_timers). Both end in notify_evaluator_alert, which
    puts a rule's alert into the commit being built: into its group,
    recorded as silenced, or as one delivery per receiver.
*/
#pragma once
#include <stdbool.h>
#include <stdint.h>

#include "notify_alert.h"
#include "notify_eval_store.h"
#include "notify_queue.h"
#include "notify_rule.h"
#include "notify_rule_store.h"
#include "sti_catalog_store.h"
#include "sti_events.h"
#include "sti_http.h"

//  The evaluators' settings.
typedef struct {
    const char *redis_url;  // Redis (the common configuration's)
    const char *ns;         // namespace
    const char *events_sub; // broker XPUB endpoint
    const char *broker;     // broker request endpoint (events.since)
    char *streams;          // the streams evaluated: "ind,tal,prj", "ind", or "" for none
    int64_t lease_ms;       // evaluator lease per stream
    int64_t batch;          // events one commit holds at most
    int64_t flush_ms;       // how often due groups are looked for
    int64_t stale_check_ms; // how often stale rules are checked
    int64_t retention_ms;   // how long finished deliveries stay listed
} notify_eval_config_t;

//  The metrics an evaluator updates (borrowed from the service's HTTP server).
typedef struct {
    sti_metric_t *events;   // events evaluated
    sti_metric_t *alerts;   // deliveries queued (or recorded silenced)
    sti_metric_t *silenced; // alerts held by a silence
    sti_metric_t *leases;   // gauge: 1 while this replica evaluates the stream
} notify_eval_metrics_t;

//  The stream an evaluator may hold.
typedef struct {
    char name[16];         // "ind"
    char service[32];      // who serves its events.since
    sti_events_sub_t *sub; // the subscriber while the lease is held, else NULL
    uint64_t cursor;       // the cursor as committed
    uint64_t high;         // the highest cursor this process committed or read
} notify_eval_stream_t;

//  What an evaluator's steps share.
typedef struct {
    const notify_eval_config_t *config;   // borrowed
    const notify_eval_metrics_t *metrics; // borrowed
    sti_redis_t *redis;                   // the thread's own connection
    notify_queue_t *queue;                // commits
    notify_eval_store_t *store;           // leases, cursors, latest values, groups
    notify_rule_store_t *rules;           // rules and silences
    sti_catalog_store_t *catalog;         // names and targets
    sti_writer_t *writer;                 // alert event blobs
    char token[33];                       // this replica's lease token
    notify_eval_stream_t stream;          // the stream evaluated
} notify_evaluator_t;

//  Connects and makes the parts for stream ("ind", "tal" or "prj"). Returns 0, or
//  -1 with a reason (a bad Redis URL, an unknown stream).
int notify_evaluator_init(notify_evaluator_t *self, const notify_eval_config_t *config,
                          const notify_eval_metrics_t *metrics, const char *stream, char *err,
                          size_t errlen);
void notify_evaluator_fini(notify_evaluator_t *self);

//  The service that replays stream ("sti.indicators" for ind, "sti.talent"
//  for tal, "sti.projects" for prj), or NULL when it is not a stream notify
//  evaluates.
const char *notify_evaluator_service(const char *stream);

//  Queues the rule's alert for one event (grouped, silenced or plain) into
//  the commit being built; about names the event for the delivery id.
void notify_evaluator_alert(notify_evaluator_t *self, const notify_rule_t *rule,
                            const notify_alert_event_t *event, const char *about, bool groupable,
                            int64_t now_ms);

//  Queues one delivery per receiver of the rule for events (an encoded
//  array of alert events), with ids from (rule, receiver, about).
void notify_evaluator_deliveries(notify_evaluator_t *self, const notify_rule_t *rule,
                                 const void *events, size_t size, const char *about, bool silenced,
                                 const char *group, const char *label);
