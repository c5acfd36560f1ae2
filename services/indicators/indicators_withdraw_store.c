/*  indicators_withdraw_store: value.withdraw's Redis. See the header. */
#include "indicators_withdraw_store.h"

#include <assert.h>
#include <czmq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sti_lua_indicators_core.h"
#include "sti_lua_sti.h"

#define S_ARGS_MAX 64 // the step's arguments after its keys, at most

struct _indicators_withdraw_store_t {
    sti_redis_t *redis;         // borrowed
    indicators_store_t *values; // borrowed: the value hash's name
    char intake[256];           // the intake log's key
    char *script_text;          // events_append.lua + indicators_withdraw.lua (owned)
    sti_script_t *script;       // the step
    redisReply *result;         // the last reply (owned)
};

indicators_withdraw_store_t *
indicators_withdraw_store_new(sti_redis_t *redis, indicators_store_t *values, const char *intake)
{
    assert(redis && values && intake);
    indicators_withdraw_store_t *self = (indicators_withdraw_store_t *)calloc(1, sizeof *self);
    assert(self);
    self->redis = redis;
    self->values = values;
    snprintf(self->intake, sizeof self->intake, "%s", intake);
    self->script_text = zsys_sprintf("%s\n%s", sti_lua_events_append, sti_lua_indicators_withdraw);
    assert(self->script_text);
    self->script = sti_redis_script(redis, self->script_text);
    return self;
}

//  Frees the last reply.
static void s_forget(indicators_withdraw_store_t *self)
{
    if (self->result) {
        freeReplyObject(self->result);
        self->result = NULL;
    }
}

void indicators_withdraw_store_destroy(indicators_withdraw_store_t **self_p)
{
    assert(self_p);
    if (*self_p) {
        s_forget(*self_p);
        zstr_free(&(*self_p)->script_text);
        free(*self_p);
        *self_p = NULL;
    }
}

const char *indicators_withdraw_store_replay(indicators_withdraw_store_t *self, const char *id,
                                             size_t *len)
{
    assert(self && id && len);
    char key[STI_ID_MAX + 256];
    sti_redis_key(self->redis, key, sizeof key, "indicators", "req", id, NULL);
    s_forget(self);
    self->result = sti_redis_command(self->redis, "GET %s", key);
    if (!self->result || self->result->type != REDIS_REPLY_STRING) {
        return NULL;
    }
    *len = self->result->len;
    return self->result->str;
}

indicators_withdraw_outcome_t indicators_withdraw_store_append(
    indicators_withdraw_store_t *self, const sti_indicator_t *indicator, const sti_org_unit_t *unit,
    const char *request_id, const char **args, const size_t *lens, size_t nargs, const char **bytes,
    size_t *len, char *err, size_t errlen)
{
    assert(self && indicator && unit && request_id && args && lens && bytes && len);
    assert(nargs <= S_ARGS_MAX);
    char keys[INDICATORS_WITHDRAW_KEYS][STI_ID_MAX + 256];
    snprintf(keys[0], sizeof keys[0], "%s", self->intake);
    sti_redis_key(self->redis, keys[1], sizeof keys[1], "indicators", "req",
                  request_id[0] ? request_id : "-", NULL);
    indicators_store_value_key(self->values, indicator, unit, keys[2], sizeof keys[2]);
    sti_redis_key(self->redis, keys[3], sizeof keys[3], "approval", unit->code, NULL);
    sti_redis_key(self->redis, keys[4], sizeof keys[4], "approval", "audit", NULL);
    sti_redis_key(self->redis, keys[5], sizeof keys[5], "events", "ind", NULL);
    sti_redis_key(self->redis, keys[6], sizeof keys[6], "events", "ind", "seq", NULL);
    sti_redis_key(self->redis, keys[7], sizeof keys[7], "events", "ind", "prev", NULL);
    sti_redis_key(self->redis, keys[8], sizeof keys[8], "events", "ind", "epoch", NULL);
    const char *argv[INDICATORS_WITHDRAW_KEYS + S_ARGS_MAX];
    size_t argl[INDICATORS_WITHDRAW_KEYS + S_ARGS_MAX];
    for (size_t i = 0; i < INDICATORS_WITHDRAW_KEYS; i++) {
        argv[i] = keys[i];
        argl[i] = strlen(keys[i]);
    }
    memcpy(argv + INDICATORS_WITHDRAW_KEYS, args, nargs * sizeof *args);
    memcpy(argl + INDICATORS_WITHDRAW_KEYS, lens, nargs * sizeof *lens);
    s_forget(self);
    redisReply *result = self->result =
        sti_redis_eval(self->redis, self->script, INDICATORS_WITHDRAW_KEYS, (int)nargs, argv, argl);
    if (result && result->type == REDIS_REPLY_ARRAY && result->elements == 1) {
        return INDICATORS_WITHDRAW_NOTHING;
    }
    if (result && result->type == REDIS_REPLY_ARRAY && result->elements == 2 &&
        result->element[1]->type == REDIS_REPLY_STRING) {
        *bytes = result->element[1]->str;
        *len = result->element[1]->len;
        bool locked = result->element[0]->type == REDIS_REPLY_INTEGER &&
                      result->element[0]->integer == INDICATORS_WITHDRAW_LOCKED;
        return locked ? INDICATORS_WITHDRAW_LOCKED : INDICATORS_WITHDRAW_TAKEN;
    }
    snprintf(err, errlen, "%s",
             result && result->type == REDIS_REPLY_ERROR ? result->str
             : result                                    ? "the withdrawal step answered oddly"
                                                         : sti_redis_errstr(self->redis));
    return INDICATORS_WITHDRAW_FAILED;
}
