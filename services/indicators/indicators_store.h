/*  indicators_store: the values of sti-indicators in Redis (docs/keys.md,
    docs/data-path.md), the one module that reads and writes them.

    It owns the key families
        <ns>:val:<indicator>:<org>            hash: period -> value record
        <ns>:rev:<indicator>:<org>:<period>   list: the value's revisions
        <ns>:vals                             sorted set: <indicator>:<org> of every value hash
    each built by one function here, and it runs indicators_apply.lua (with
    events_append.lua in front), the one writer of them, which also appends
    the `ind` events and acknowledges intake entries. It reads the `ind`
    stream's seq (a key of sti_events) for snapshots.

    Everything read is checked: a hash field that is not a period is
    skipped, a record that does not decode is logged and read as absent
    (indicators_table_load), the number of periods and revisions read is
    bounded. Reads are pipelined: one round trip per call (the queries over
    many hashes send every command before reading the first reply, and read
    only the fields asked when they can: HMGET, HKEYS). Functions that
    fail return -1 and leave the reason in indicators_store_errstr.
*/
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "indicators_batch.h"
#include "indicators_store_snapshot.h"
#include "indicators_values.h"
#include "sti_catalog.h"
#include "sti_events.h"
#include "sti_redis.h"

#define INDICATORS_STORE_PERIODS_MAX 4096   // periods of one hash a query reads
#define INDICATORS_STORE_REVISIONS_MAX 1000 // latest revisions of a value a query reads

typedef struct _indicators_store_t indicators_store_t;

//  redis is borrowed. intake: the intake log's key (indicators_intake_key),
//  group: its consumer group, whose entries a write acknowledges;
//  events_maxlen: the approximate bound of the `ind` event log.
indicators_store_t *indicators_store_new(sti_redis_t *redis, const char *intake, const char *group,
                                         int64_t events_maxlen);
void indicators_store_destroy(indicators_store_t **self_p);
//  Why the last call failed (borrowed).
const char *indicators_store_errstr(indicators_store_t *self);

//  The name of the value hash of (indicator, org) into buf (at least 256
//  bytes): <ns>:val:<indicator>:<org>. Returns buf.
char *indicators_store_value_key(indicators_store_t *self, const sti_indicator_t *indicator,
                                 const sti_org_unit_t *org, char *buf, size_t cap);
//  The name of the list of a value's revisions into buf (at least 256
//  bytes): <ns>:rev:<indicator>:<org>:<period>. Returns buf.
char *indicators_store_revision_key(indicators_store_t *self, const sti_indicator_t *indicator,
                                    const sti_org_unit_t *org, const char *period, char *buf,
                                    size_t cap);

//  The connection the store reads through (borrowed), for the modules
//  that read the same keys (indicators_fields_store).
sti_redis_t *indicators_store_redis(indicators_store_t *self);

//  The intake log's key and the consumer group whose entries it applies
//  (borrowed), for the modules that watch what has been applied.
const char *indicators_store_intake_key(indicators_store_t *self);
const char *indicators_store_group(indicators_store_t *self);

//  --- reading for queries ---

//  Reads every period of the hashes (indicators[i], org), at most
//  INDICATORS_STORE_PERIODS_MAX each, into table (which it does not reset).
//  Returns 0, or -1 when Redis failed.
int indicators_store_read_hashes(indicators_store_t *self, indicators_table_t *table,
                                 const sti_indicator_t *const *indicators, size_t count,
                                 const sti_org_unit_t *org);

//  Called for the revisions of one value read: values[point] has count of
//  them, oldest first (0 when its read failed). The array is the store's.
typedef void(indicators_store_revisions_fn)(void *arg, size_t point,
                                            const indicators_revision_t *revisions, size_t count);
//  Some periods of one hash (indicator, org) to read.
typedef struct {
    const sti_indicator_t *indicator; // borrowed from the catalog
    const sti_org_unit_t *org;        // borrowed from the catalog
    const sti_period_t *periods;      // the periods (hash fields), borrowed
    size_t count;                     // how many, at most INDICATORS_STORE_PERIODS_MAX
} indicators_store_ask_t;

//  Reads the page of at most limit hashes after cursor after ("" from the
//  start). The page is valid until the next call. Returns 0, or -1 when
//  Redis failed.
int indicators_store_snapshot(indicators_store_t *self, const char *after, int64_t limit,
                              indicators_snapshot_page_t *page);

//  --- the applier's reads and writes ---

//  Reads every value of batch's planned table in one round trip: every
//  period of the hashes progress needs whole, and the planned values of
//  the others (indicators_table_load). With version_key, the same round
//  trip GETs it first: the batch was planned with a catalog held from
//  before, and the read checks that it is still version. Returns 0, 1 when
//  the key does not hold version (nothing is loaded), or -1 when Redis
//  failed.
int indicators_store_read_batch(indicators_store_t *self, indicators_batch_t *batch,
                                const char *version_key, uint64_t version);

typedef enum {
    INDICATORS_WRITE_FAILED = -1,  // Redis failed or answered oddly: nothing is known written
    INDICATORS_WRITE_CONFLICT = 0, // a value read differs now (another replica): nothing written
    INDICATORS_WRITE_DONE = 1,     // written, events appended, entries acknowledged
    INDICATORS_WRITE_REFUSED = 2,  // the event stream's guard refused (a loss): nothing written
} indicators_write_t;

//  What a write did.
typedef struct {
    indicators_write_t outcome;           // see above
    uint64_t first;                       // seq of the first event appended (0: none)
    uint64_t last;                        // seq of the last one
    const uint64_t *prevs;                // prev of each event, or NULL when the
                                          // reply did not hold one per event
    char epoch[STI_EVENTS_EPOCH_MAX + 1]; // the stream's epoch (DONE)
    char why[STI_EVENTS_SUBJECT_MAX];     // why the guard refused (REFUSED)
} indicators_written_t;

//  Writes the computed window of batch in one call of indicators_apply.lua:
//  checks every value still holds the bytes read, writes the changed
//  values and their revisions, appends the events (at time, a timestamp
//  text, guarded by pub's floor and epoch) and acknowledges entries
//  [ack_from, ack_to) of the batch. prevs stay valid until the next write.
void indicators_store_write(indicators_store_t *self, indicators_batch_t *batch, size_t ack_from,
                            size_t ack_to, sti_events_pub_t *pub, const char *time,
                            indicators_written_t *out);
