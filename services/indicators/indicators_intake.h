/*  indicators_intake: the intake log <ns>:intake as one consumer of the
    group reads it (docs/data-path.md, "sti-indicators: applying the intake
    log"), the one module that talks to Redis about it.

    It owns the key <ns>:intake and the group's commands: XGROUP CREATE
    (at id 0, MKSTREAM), XREADGROUP of the consumer's own pending entries
    (id 0) or of new ones (>), a blocking XREADGROUP of new entries on a
    second connection whose socket the service loop polls, XAUTOCLAIM of
    entries other consumers left pending, XPENDING for the gauge and for
    whether an entry is applied, XINFO GROUPS for the backlog, and
    indicators_forget.lua, which forgets consumers that are gone. Entries
    are acknowledged by the applier's own script (indicators_store).

    Each read hands back the entries it got, decoded with sti_intake: an
    entry that does not decode (deleted, no rows) is handed with rows NULL
    after a log line, so the applier acknowledges it all the same. The
    entries point into the read's reply and stay valid until the next read.
*/
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sti_intake.h"
#include "sti_redis.h"

typedef struct _indicators_intake_t indicators_intake_t;

//  The entries of one read (borrowed until the next read of the same object).
typedef struct {
    const sti_intake_entry_t *entries; // in log order
    size_t count;                      // how many
} indicators_intake_read_t;

//  redis is borrowed. key: the log's key under the namespace ("intake");
//  consumer: this replica's name in group (NULL or "": hostname-pid);
//  count: entries one read takes; block_ms: longest blocking read (0: none:
//  no second connection).
indicators_intake_t *indicators_intake_new(sti_redis_t *redis, const char *key, const char *group,
                                           const char *consumer, int64_t count, int64_t block_ms);
void indicators_intake_destroy(indicators_intake_t **self_p);
//  The log's full key, <ns>:<key> (borrowed).
const char *indicators_intake_key(const indicators_intake_t *self);
//  The consumer name in use (borrowed).
const char *indicators_intake_consumer(const indicators_intake_t *self);

//  True once the group exists: creates it when not known to (a failure is
//  logged, and tried again at the next call).
bool indicators_intake_ready(indicators_intake_t *self);
//  Sets how many entries the next reads, blocking reads and claims take:
//  take within 1 and the count given to indicators_intake_new.
void indicators_intake_set_take(indicators_intake_t *self, int64_t take);
//  Reads the consumer's own pending entries (pending) or new ones into
//  *read. Returns the number read, -1 when Redis refused the read (a lost
//  group is created again by the next indicators_intake_ready), or -2 when
//  it did not answer.
int indicators_intake_read(indicators_intake_t *self, bool pending, indicators_intake_read_t *read);

//  Leaves a blocking read of new entries in flight on the second
//  connection, if there is one and none is. Returns true when one is in
//  flight.
bool indicators_intake_arm(indicators_intake_t *self);
//  True while a blocking read is in flight.
bool indicators_intake_armed(const indicators_intake_t *self);
//  Its socket (readable: its reply came), or -1 when none is in flight.
int indicators_intake_wake_fd(indicators_intake_t *self);
//  Takes the blocking read's reply if it has come, waiting at most wait_ms.
//  Returns 0 while it is still in flight (nothing read), the number of
//  entries read into *read, or -1 when the read failed: what it would have
//  delivered is pending for this consumer.
int indicators_intake_take(indicators_intake_t *self, int wait_ms, indicators_intake_read_t *read);

//  Claims entries other consumers left pending longer than idle_ms, from
//  cursor (an entry id, "0-0" to start) on, into *read, and moves cursor
//  on ("0-0" when the group has no more). Returns the number claimed, or
//  -1 (cursor then "0-0").
int indicators_intake_claim(indicators_intake_t *self, int64_t idle_ms, char *cursor, size_t cap,
                            indicators_intake_read_t *read);
//  Forgets at most 100 consumers of the group that hold nothing and have
//  not read for idle_ms (replicas that are gone), logging each name.
void indicators_intake_forget(indicators_intake_t *self, int64_t idle_ms);
//  The number of entries delivered to the group and not acknowledged, or
//  -1 when Redis failed.
int64_t indicators_intake_pending(indicators_intake_t *self);

//  What XINFO GROUPS says of the group; -1 where Redis does not know.
typedef struct {
    int64_t consumers;                      // consumers of the group
    int64_t pending;                        // delivered, not acknowledged
    int64_t entries_read;                   // entries delivered to the group, ever
    int64_t lag;                            // entries not delivered yet
    char last_delivered[STI_INTAKE_ID_MAX]; // the last entry delivered ("0-0": none)
} indicators_consumers_t;

//  Reads the group's state (XINFO GROUPS). Returns 0, or -1 when Redis
//  failed or the group does not exist.
int indicators_intake_group(indicators_intake_t *self, indicators_consumers_t *group);
//  Whether intake entry `entry` ("<ms>-<seq>") and every entry before it
//  are applied: delivered to the group, and none of them pending. Returns
//  1, 0, or -1 when Redis failed or entry is not an entry id.
int indicators_intake_applied(indicators_intake_t *self, const char *entry);
//  Compares two entry ids "<ms>-<seq>" as the stream orders them: <0, 0,
//  >0; an id that does not parse counts as 0-0.
int indicators_intake_compare(const char *a, const char *b);
