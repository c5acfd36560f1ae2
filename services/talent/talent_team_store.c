/*  talent_team_store: teams in Redis. See talent_team_store.h.

    The stored `data` of a team is its request form with only name, field
    and employer (leader and members are kept apart, so the script can check
    and index them); a read puts the three together again.
*/
#include "talent_team_store.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sti_envelope.h"
#include "sti_log.h"
#include "sti_lua_talent_core.h"
#include "talent_keyspace.h"

#define S_TEAM_ARGS (10 + TALENT_TEAM_MEMBERS_MAX) // 3 keys, 7 args, the members
#define S_REQUEST_TTL "86400"                      // seconds team.add's request id is kept

struct _talent_team_store_t {
    sti_redis_t *redis;   // borrowed
    sti_script_t *script; // talent_team.lua
};

talent_team_store_t *talent_team_store_new(sti_redis_t *redis)
{
    assert(redis);
    talent_team_store_t *self = (talent_team_store_t *)calloc(1, sizeof *self);
    assert(self);
    self->redis = redis;
    self->script = sti_redis_script(redis, sti_lua_talent_team);
    return self;
}

void talent_team_store_destroy(talent_team_store_t **self_p)
{
    assert(self_p);
    free(*self_p);
    *self_p = NULL;
}

static int s_compare(const void *a, const void *b)
{
    return strcmp((const char *)a, (const char *)b);
}

//  Fills team from the replies of HMGET data leader version and SMEMBERS.
static talent_team_rc_t s_parse(const talent_codes_t *codes, const char *id, const redisReply *hash,
                                const redisReply *set, talent_team_t *team, int64_t *version,
                                char *err, size_t errlen)
{
    if (!hash || !set || hash->type != REDIS_REPLY_ARRAY || hash->elements != 3 ||
        set->type != REDIS_REPLY_ARRAY || set->elements > TALENT_TEAM_MEMBERS_MAX) {
        snprintf(err, errlen, "the team cannot be read now");
        return TALENT_TEAM_FAILED;
    }
    if (hash->element[0]->type != REDIS_REPLY_STRING) {
        snprintf(err, errlen, "no team %s", id);
        return TALENT_TEAM_MISSING;
    }
    bool good = hash->element[1]->type == REDIS_REPLY_STRING &&
                hash->element[2]->type == REDIS_REPLY_STRING;
    for (size_t i = 0; good && i < set->elements; i++) {
        good = set->element[i]->type == REDIS_REPLY_STRING &&
               set->element[i]->len <= TALENT_REGISTRY_ID_MAX;
    }
    talent_errors_t errors;
    if (!good || talent_team_decode(hash->element[0]->str, hash->element[0]->len, codes,
                                    TALENT_DECODE_PARTIAL, team, &errors) != 0) {
        snprintf(err, errlen, "the stored team %s is damaged", id);
        return TALENT_TEAM_FAILED;
    }
    snprintf(team->leader, sizeof team->leader, "%s", hash->element[1]->str);
    for (size_t i = 0; i < set->elements; i++) {
        snprintf(team->members[i], sizeof team->members[i], "%s", set->element[i]->str);
    }
    team->member_count = set->elements;
    qsort(team->members, team->member_count, sizeof team->members[0], s_compare);
    team->present |= TALENT_TEAM_F_LEADER | TALENT_TEAM_F_MEMBERS;
    *version = strtoll(hash->element[2]->str, NULL, 10);
    return TALENT_TEAM_OK;
}

talent_team_rc_t talent_team_store_read(talent_team_store_t *self, const talent_codes_t *codes,
                                        const char *id, talent_team_t *team, int64_t *version,
                                        char *err, size_t errlen)
{
    assert(self && codes && id && team && version);
    char key[256], members[300];
    talent_keyspace_team(self->redis, id, key, sizeof key);
    talent_keyspace_team_members(self->redis, id, members, sizeof members);
    sti_redis_appendf(self->redis, "HMGET %s data leader version", key);
    sti_redis_appendf(self->redis, "SMEMBERS %s", members);
    redisReply *hash = sti_redis_reply(self->redis), *set = sti_redis_reply(self->redis);
    talent_team_rc_t rc = s_parse(codes, id, hash, set, team, version, err, errlen);
    if (hash) {
        freeReplyObject(hash);
    }
    if (set) {
        freeReplyObject(set);
    }
    return rc;
}

talent_team_rc_t talent_team_store_next_id(talent_team_store_t *self,
                                           char id[TALENT_REGISTRY_ID_MAX + 1], char *err,
                                           size_t errlen)
{
    assert(self && id);
    char key[256];
    talent_keyspace_team_next(self->redis, key, sizeof key);
    redisReply *next = sti_redis_command(self->redis, "INCR %s", key);
    talent_team_rc_t rc = TALENT_TEAM_FAILED;
    if (!next || next->type != REDIS_REPLY_INTEGER) {
        snprintf(err, errlen, "the team cannot be kept now");
    } else {
        snprintf(id, TALENT_REGISTRY_ID_MAX + 1, "G%06lld", next->integer);
        rc = TALENT_TEAM_OK;
    }
    if (next) {
        freeReplyObject(next);
    }
    return rc;
}

//  Runs talent_team.lua (see its header). Returns its reply (caller frees) or NULL.
static redisReply *s_run(talent_team_store_t *self, const char *mode, const char *id,
                         int64_t expected, const talent_team_t *team, const char *request_id)
{
    talent_team_t copy = *team;
    copy.present &= ~(unsigned)(TALENT_TEAM_F_LEADER | TALENT_TEAM_F_MEMBERS);
    copy.present |= TALENT_TEAM_F_NAME | TALENT_TEAM_F_FIELD;
    if (!copy.employer_name[0]) {
        copy.present &= ~(unsigned)TALENT_TEAM_F_EMPLOYER;
    }
    sti_writer_t *data = sti_writer_new();
    talent_team_encode_request(&copy, data);
    size_t data_len;
    const char *data_bytes = (const char *)sti_writer_data(data, &data_len);
    char key[256], members[300], prefix[256], version[24], request_key[STI_ID_MAX + 160];
    talent_keyspace_team(self->redis, id, key, sizeof key);
    talent_keyspace_team_members(self->redis, id, members, sizeof members);
    talent_keyspace_team_request(self->redis, request_id, request_key, sizeof request_key);
    talent_keyspace_record_prefix(self->redis, prefix, sizeof prefix);
    snprintf(version, sizeof version, "%" PRId64, expected);
    bool once = strcmp(mode, "add") == 0 && *request_id;
    const char *argv[S_TEAM_ARGS] = {
        key,     members,    request_key,  mode,   id,
        version, data_bytes, team->leader, prefix, once ? S_REQUEST_TTL : "0"};
    size_t lens[S_TEAM_ARGS];
    int argc = 10;
    for (size_t i = 0; i < team->member_count; i++) {
        argv[argc++] = team->members[i];
    }
    for (int i = 0; i < argc; i++) {
        lens[i] = i == 6 ? data_len : strlen(argv[i]);
    }
    redisReply *result = sti_redis_eval(self->redis, self->script, 3, argc - 3, argv, lens);
    sti_writer_destroy(&data);
    return result;
}

talent_team_rc_t talent_team_store_write(talent_team_store_t *self, const char *mode,
                                         const char *id, int64_t expected,
                                         const talent_team_t *team, const char *request_id,
                                         int64_t *version, char *other, char *err, size_t errlen)
{
    assert(self && mode && id && team && request_id && version && other);
    redisReply *result = s_run(self, mode, id, expected, team, request_id);
    const char *what = result && result->type == REDIS_REPLY_ARRAY && result->elements >= 1 &&
                               result->element[0]->type == REDIS_REPLY_STRING
                           ? result->element[0]->str
                           : "";
    bool named = result && result->type == REDIS_REPLY_ARRAY && result->elements == 2 &&
                 result->element[1]->type == REDIS_REPLY_STRING &&
                 result->element[1]->len <= TALENT_REGISTRY_ID_MAX;
    talent_team_rc_t rc = TALENT_TEAM_FAILED;
    other[0] = 0;
    if (strcmp(what, "ok") == 0 && result->elements >= 2 &&
        result->element[1]->type == REDIS_REPLY_INTEGER) {
        *version = result->element[1]->integer;
        rc = TALENT_TEAM_OK;
    } else if (strcmp(what, "missing") == 0) {
        rc = TALENT_TEAM_MISSING;
    } else if (named && (strcmp(what, "replayed") == 0 || strcmp(what, "unknown") == 0 ||
                         strcmp(what, "stale") == 0)) {
        snprintf(other, TALENT_REGISTRY_ID_MAX + 1, "%s", result->element[1]->str);
        rc = what[0] == 'r'   ? TALENT_TEAM_REPLAYED
             : what[0] == 'u' ? TALENT_TEAM_UNKNOWN
                              : TALENT_TEAM_STALE;
    } else {
        sti_error("talent: team %s: %s", id,
                  result && result->type == REDIS_REPLY_ERROR ? result->str
                                                              : sti_redis_errstr(self->redis));
        snprintf(err, errlen, "the team cannot be kept now");
    }
    if (result) {
        freeReplyObject(result);
    }
    return rc;
}
