/*  notify_queue: the delivery queue in Redis, shared by every replica.

    A delivery is one alert to one receiver under one id, the hash
    <ns>:notify:dlv:<id>. Deliveries waiting to be sent are in the sorted set
    <ns>:notify:due by the time they are due; a sender claims the due ones
    (notify_claim.lua), which moves them a lease into the future, so a
    delivery whose sender died comes due again and is sent by another. The
    result of a send is recorded only by the claim that is still current
    (notify_done.lua). <ns>:notify:index orders every delivery by creation
    for listings; <ns>:notify:dead is the dead-letter list (the listing:
    notify_queue_list). The keys are named by notify_keys.

    Alerts enter the queue only through notify_commit.lua, in the same step
    as what made them: a batch of events and the evaluator's cursor, a
    group's flush, or a stale check. A delivery id that exists is skipped,
    so an alert evaluated twice is queued once.
*/
#pragma once
#include <stdbool.h>
#include <stdint.h>

#include "notify_channel.h"
#include "sti_codec.h"
#include "sti_redis.h"

#define NOTIFY_CLAIM_MAX 64 // deliveries one claim takes at most

typedef struct _notify_queue_t notify_queue_t;

//  One delivery to queue. Strings borrowed for the call.
typedef struct {
    const char *id;        // delivery id (notify_queue_delivery_id)
    const char *rule;      // rule id
    const char *rule_name; // rule name
    const char *severity;  // the rule's severity
    const char *receiver;  // the receiver spec, secret included
    const void *events;    // MessagePack array of alert events (notify_alert)
    size_t events_size;    // its bytes
    bool silenced;         // recorded but not sent
    const char *group;     // group id, "" when not grouped
    const char *label;     // what it is about, for listings ("hitech/linping/2023")
} notify_queue_item_t;

//  A claimed delivery, as read back.
typedef struct {
    char id[NOTIFY_DELIVERY_ID_MAX + 1]; // delivery id
    char rule[64];                       // rule id
    char rule_name[256];                 // rule name
    char severity[16];                   // severity
    char *receiver;                      // receiver spec (owned)
    void *events;                        // MessagePack array (owned)
    size_t events_size;                  // its bytes
    int64_t attempts;                    // sends so far
    int64_t round_attempts;              // sends since created or re-driven
    int64_t since_ms;                    // created or re-driven at
} notify_claimed_t;

//  Never NULL. retention_ms: how long a delivered or silenced delivery is
//  kept for listings (0: for ever).
notify_queue_t *notify_queue_new(sti_redis_t *redis, int64_t retention_ms);
void notify_queue_destroy(notify_queue_t **self_p);

//  The delivery id: "d" + 32 hex digits of a hash of the rule, the receiver
//  spec and what the alert is about (an event's "<stream>-<seq>", a group's
//  "<gid>#<flush>", a stale key). Writes into out (NOTIFY_DELIVERY_ID_MAX + 1).
void notify_queue_delivery_id(const char *rule, const char *receiver, const char *about, char *out);

//  --- building one commit ---

//  Forgets the batch being built.
void notify_queue_begin(notify_queue_t *self);
void notify_queue_add(notify_queue_t *self, const notify_queue_item_t *item);
//  HSET <ns>:notify:latest field value with the commit (events mode only;
//  field and value: notify_latest).
void notify_queue_latest(notify_queue_t *self, const char *field, const char *value);
//  Appends an alert event to group gid (events mode only).
void notify_queue_group(notify_queue_t *self, const char *gid, const char *rule, const void *event,
                        size_t size, int64_t wait_ms, int64_t interval_ms);
//  Commits the batch with the stream's cursor moving from expected to cursor,
//  if token still holds the stream's lease. Returns the deliveries created,
//  -1 when Redis failed, -2 when the lease or the cursor moved.
long notify_queue_commit_events(notify_queue_t *self, const char *stream, const char *token,
                                uint64_t expected, uint64_t cursor, int64_t now_ms);
//  Commits the batch as the flush of group gid, taking its first `taken`
//  events, if its flush count is still expected. Returns as above (-2: taken
//  by another replica).
long notify_queue_commit_flush(notify_queue_t *self, const char *gid, int64_t expected,
                               size_t taken, int64_t interval_ms, int64_t now_ms);
//  Commits the batch's deliveries alone. Returns as above.
long notify_queue_commit_plain(notify_queue_t *self, int64_t now_ms);

//  --- sending side ---

//  Claims up to max (1 to NOTIFY_CLAIM_MAX) due deliveries for lease_ms.
//  Fills ids and *count, and *token for notify_queue_done. Returns 0 or -1.
int notify_queue_claim(notify_queue_t *self, int64_t now_ms, int64_t lease_ms, size_t max,
                       char ids[][NOTIFY_DELIVERY_ID_MAX + 1], size_t *count, int64_t *token);
//  Reads a claimed delivery. Returns 0, 1 when it no longer exists (it is
//  dropped from the queue), -1 when Redis failed. Free with
//  notify_claimed_release.
int notify_queue_load(notify_queue_t *self, const char *id, notify_claimed_t *out);
void notify_claimed_release(notify_claimed_t *claimed);
//  Records a send's result: outcome "delivered", "retry" (due again at
//  next_due_ms) or "dead". A result whose connection broke before its reply
//  is sent once more on a new one (safe: a recorded result spent the claim).
//  Returns 1, 0 when the claim was lost, -1.
int notify_queue_done(notify_queue_t *self, const char *id, int64_t token, const char *outcome,
                      int64_t now_ms, int64_t next_due_ms, const char *error, long status);
//  Re-queues a dead letter. Returns 1, 0 when it is not dead, -1 when it
//  does not exist, -2 when Redis failed.
int notify_queue_redrive(notify_queue_t *self, const char *id, int64_t now_ms);
//  Queue depth (due or being sent) and dead letters. Returns 0 or -1.
int notify_queue_depth(notify_queue_t *self, int64_t *queued, int64_t *dead);

//  Forgets index entries older than the retention (their deliveries have
//  expired, or are dead letters, which the dead-letter list keeps).
//  Returns 0 or -1.
int notify_queue_trim(notify_queue_t *self, int64_t now_ms);
