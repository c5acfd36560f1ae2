/*  indicators_withdraw_store: what value.withdraw keeps in Redis and reads
    from it (docs/keys.md): one Lua step (events_append.lua +
    indicators_withdraw.lua) that checks the value and its sign-off lock
    again and appends the withdrawal to the intake log, or audits and
    announces the refusal, and keeps the reply under the request id, all or
    nothing; and the reply kept for a request id.
*/
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "indicators_store.h"
#include "sti_redis.h"

#define INDICATORS_WITHDRAW_KEYS 9 // the step's keys (indicators_withdraw.lua)

typedef struct _indicators_withdraw_store_t indicators_withdraw_store_t;

//  What the step did.
typedef enum {
    INDICATORS_WITHDRAW_FAILED = -1, // Redis failed: nothing changed
    INDICATORS_WITHDRAW_TAKEN = 0,   // appended (or replayed): the reply kept
    INDICATORS_WITHDRAW_NOTHING = 1, // nothing reported there to withdraw
    INDICATORS_WITHDRAW_LOCKED = 3,  // the period is approved: the approval record
} indicators_withdraw_outcome_t;

//  All borrowed. intake: the intake log's key.
indicators_withdraw_store_t *
indicators_withdraw_store_new(sti_redis_t *redis, indicators_store_t *values, const char *intake);
void indicators_withdraw_store_destroy(indicators_withdraw_store_t **self_p);

//  The reply kept for request id, or NULL when none is (or Redis failed);
//  *len its size. Valid until the next call.
const char *indicators_withdraw_store_replay(indicators_withdraw_store_t *self, const char *id,
                                             size_t *len);

//  Runs the step for indicator at unit (org, its code) with args (the
//  script's arguments, nargs of them, after its keys). On TAKEN *bytes is
//  the reply kept, on LOCKED the approval record (MessagePack), valid until
//  the next call; on FAILED err says why. Returns the outcome.
indicators_withdraw_outcome_t indicators_withdraw_store_append(
    indicators_withdraw_store_t *self, const sti_indicator_t *indicator, const sti_org_unit_t *unit,
    const char *request_id, const char **args, const size_t *lens, size_t nargs, const char **bytes,
    size_t *len, char *err, size_t errlen);
