/*  indicators_approval_store: the sign-off records of org units' periods in
    Redis (docs/signoff.md, docs/keys.md), the one module that reads and
    writes them for sti-indicators.

    It owns the key families
        <ns>:approval:<org>     hash: period -> record (MessagePack map)
        <ns>:approval:audit     stream: every approve, reopen and refusal
    and runs indicators_approval.lua (with events_append.lua in front),
    which changes a record, writes its audit entry, appends its `ind` event
    and keeps the reply under the request id in one step. sti-ingest and
    value.withdraw read the same hash, in their own scripts, to refuse what
    an approval locked.

    Everything read is checked: a record that does not decode is read as
    absent and logged. Functions that fail return -1 and say why in err.
*/
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sti_auth.h"
#include "sti_catalog.h"
#include "sti_events.h"
#include "sti_period.h"
#include "sti_redis.h"

#define INDICATORS_APPROVAL_REASON_MAX 501               // bytes of a reason, with NUL
#define INDICATORS_APPROVAL_EVENT_TOPIC "ind._approval." // + org: the events' topic
#define INDICATORS_APPROVAL_PERIODS_MAX 4096             // periods of one unit read at most

typedef struct _indicators_approval_store_t indicators_approval_store_t;

//  One unit's period as signed off.
typedef struct {
    char state[16];                              // "approved" or "reopened"
    char org[STI_CODE_MAX];                      // the org unit
    char period[STI_PERIOD_TEXT_MAX];            // the period
    char by[STI_AUTH_NAME_MAX + 1];              // who approved or reopened it
    char role[STI_AUTH_ROLE_MAX + 1];            // their role
    char via[STI_AUTH_NAME_MAX + 1];             // the gateway that acted for them ("" none)
    int64_t at;                                  // when, ms since 1970
    char reason[INDICATORS_APPROVAL_REASON_MAX]; // why (a reopen's; "" for an approval)
    char request[STI_ID_MAX + 1];                // the request id ("" none)
} indicators_approval_t;

//  What a change came to.
typedef enum {
    INDICATORS_APPROVAL_DONE,     // changed (record: the new one)
    INDICATORS_APPROVAL_REPLAYED, // the request id was seen: record is the first answer's
    INDICATORS_APPROVAL_ALREADY,  // approve of an approved period (record: the approval)
    INDICATORS_APPROVAL_BACKLOG,  // approve while the intake log holds rows not applied
    INDICATORS_APPROVAL_NOTHING,  // reopen of a period that is not approved
} indicators_approval_result_t;

//  redis and pub are borrowed. intake: the intake log's key, group: its
//  consumer group (whose backlog holds an approval back); maxlen: the
//  `ind` log's bound; request_ttl_s: how long a reply is kept.
indicators_approval_store_t *indicators_approval_store_new(sti_redis_t *redis, const char *intake,
                                                           const char *group, sti_events_pub_t *pub,
                                                           int64_t maxlen, int64_t request_ttl_s);
void indicators_approval_store_destroy(indicators_approval_store_t **self_p);

//  Approves (approve true) or reopens record->org's record->period as
//  record says (state, by, role, via, at, reason, request), with its audit
//  entry and its event (type, data: an encoded map), and publishes the
//  event. On return *record is the record the result names; *pending and
//  *unread say the backlog (BACKLOG). Returns 0 with *result, or -1 when
//  Redis failed or the event log is lost (why in err).
int indicators_approval_store_change(indicators_approval_store_t *self, bool approve,
                                     indicators_approval_t *record, const char *type,
                                     const void *data, size_t size,
                                     indicators_approval_result_t *result, int64_t *pending,
                                     int64_t *unread, char *err, size_t errlen);

//  Reads the record of period for each of orgs[0..count) into records[i]
//  (found[i] false when there is none). Returns 0, or -1 (err).
int indicators_approval_store_period(indicators_approval_store_t *self,
                                     const sti_org_unit_t *const *orgs, size_t count,
                                     const char *period, indicators_approval_t *records,
                                     bool *found, char *err, size_t errlen);

//  Reads the periods of org that are approved now into periods (at most
//  cap). Returns their count, or -1 (err).
int indicators_approval_store_approved(indicators_approval_store_t *self, const char *org,
                                       sti_period_t *periods, size_t cap, char *err, size_t errlen);
