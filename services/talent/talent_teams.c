/*  talent_teams: team.add, team.get and team.update of sti.talent. See
    talent_ops.h.

    A team is the hash <ns>:tal:team:<id> (data: name, field and employer as
    MessagePack; leader; version) and the set <ns>:tal:team:<id>:members.
    talent_team.lua checks in the same step that the leader and members are
    registered talents and keeps each talent's set of teams
    (<ns>:tal:rec:<talent>:teams), which erasure uses. Team ids are
    G000001, G000002, ... (INCR <ns>:tal:team:next). A team holds no
    personal data, so its reads are not audited. team.add is applied once
    per request id: talent_team.lua keeps the id it made under
    <ns>:tal:team:req:<request id> for a day, and the same request again is
    answered with that team as it is now.
*/
#include "talent_ops.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sti_log.h"
#include "sti_lua_talent_core.h"
#include "talent_team.h"

#define S_TEAM_ARGS (10 + TALENT_TEAM_MEMBERS_MAX) // 3 keys, 7 args, the members
#define S_REQUEST_TTL "86400"                      // seconds team.add's request id is kept

//  The script, registered once per connection.
static sti_script_t *s_script(talent_store_t *store)
{
    static sti_script_t *script;
    static sti_redis_t *redis;
    if (!script || redis != talent_store_redis(store)) {
        redis = talent_store_redis(store);
        script = sti_redis_script(redis, sti_lua_talent_team);
    }
    return script;
}

static int s_compare(const void *a, const void *b)
{
    return strcmp((const char *)a, (const char *)b);
}

//  Reads team id into team and *version. Returns OK, NOT_FOUND or FAILED with err.
static talent_store_rc_t s_read(talent_store_t *store, const char *id, talent_team_t *team,
                                int64_t *version, char *err, size_t errlen)
{
    char key[256], members[300];
    talent_store_key(store, key, sizeof key, "team", id);
    snprintf(members, sizeof members, "%s:members", key);
    sti_redis_t *redis = talent_store_redis(store);
    sti_redis_appendf(redis, "HMGET %s data leader version", key);
    sti_redis_appendf(redis, "SMEMBERS %s", members);
    redisReply *hash = sti_redis_reply(redis), *set = sti_redis_reply(redis);
    talent_store_rc_t rc = TALENT_STORE_FAILED;
    talent_errors_t errors;
    if (!hash || !set || hash->type != REDIS_REPLY_ARRAY || hash->elements != 3 ||
        set->type != REDIS_REPLY_ARRAY || set->elements > TALENT_TEAM_MEMBERS_MAX) {
        snprintf(err, errlen, "the team cannot be read now");
    } else if (hash->element[0]->type != REDIS_REPLY_STRING) {
        snprintf(err, errlen, "no team %s", id);
        rc = TALENT_STORE_NOT_FOUND;
    } else if (talent_team_decode(hash->element[0]->str, hash->element[0]->len,
                                  talent_store_codes(store), TALENT_DECODE_PARTIAL, team,
                                  &errors) != 0 ||
               hash->element[1]->type != REDIS_REPLY_STRING ||
               hash->element[2]->type != REDIS_REPLY_STRING) {
        snprintf(err, errlen, "the stored team %s is damaged", id);
    } else {
        snprintf(team->leader, sizeof team->leader, "%s", hash->element[1]->str);
        for (size_t i = 0; i < set->elements; i++) {
            snprintf(team->members[i], sizeof team->members[i], "%s", set->element[i]->str);
        }
        team->member_count = set->elements;
        qsort(team->members, team->member_count, sizeof team->members[0], s_compare);
        team->present |= TALENT_TEAM_F_LEADER | TALENT_TEAM_F_MEMBERS;
        *version = strtoll(hash->element[2]->str, NULL, 10);
        rc = TALENT_STORE_OK;
    }
    if (hash) {
        freeReplyObject(hash);
    }
    if (set) {
        freeReplyObject(set);
    }
    return rc;
}

//  Answers with team id as it is stored.
static void s_reply_team(talent_store_t *store, const sti_request_t *request, const char *id,
                         sti_writer_t *reply)
{
    talent_team_t *team = (talent_team_t *)calloc(1, sizeof *team);
    assert(team);
    int64_t version;
    char err[160];
    talent_store_rc_t rc = s_read(store, id, team, &version, err, sizeof err);
    sti_writer_reset(reply);
    if (rc == TALENT_STORE_OK) {
        sti_envelope_reply_ok(reply, request->id);
        talent_team_encode(team, id, version, reply);
    } else {
        talent_ops_reply_store(reply, request, rc, "", err);
    }
    free(team);
}

//  Writes a team with talent_team.lua and answers. Returns 0.
static int s_write(talent_store_t *store, const sti_request_t *request, const char *mode,
                   const char *id, int64_t expected, const talent_team_t *team,
                   sti_writer_t *reply)
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
    talent_store_key(store, key, sizeof key, "team", id);
    snprintf(members, sizeof members, "%s:members", key);
    talent_store_key(store, request_key, sizeof request_key, "team:req",
                     *request->id ? request->id : "-");
    sti_redis_key(talent_store_redis(store), prefix, sizeof prefix, "tal", "rec", "", NULL);
    snprintf(version, sizeof version, "%" PRId64, expected);
    bool once = strcmp(mode, "add") == 0 && *request->id;
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
    redisReply *result =
        sti_redis_eval(talent_store_redis(store), s_script(store), 3, argc - 3, argv, lens);
    sti_writer_destroy(&data);
    sti_writer_reset(reply);
    const char *what = result && result->type == REDIS_REPLY_ARRAY && result->elements >= 1 &&
                               result->element[0]->type == REDIS_REPLY_STRING
                           ? result->element[0]->str
                           : "";
    char message[160];
    if (strcmp(what, "ok") == 0 && result->element[1]->type == REDIS_REPLY_INTEGER) {
        sti_envelope_reply_ok(reply, request->id);
        talent_team_encode(team, id, result->element[1]->integer, reply);
    } else if (strcmp(what, "replayed") == 0 && result->elements == 2 &&
               result->element[1]->type == REDIS_REPLY_STRING &&
               result->element[1]->len <= TALENT_REGISTRY_ID_MAX) {
        s_reply_team(store, request, result->element[1]->str, reply); // a retried add
    } else if (strcmp(what, "unknown") == 0 && result->elements == 2) {
        snprintf(message, sizeof message, "no talent %s is registered", result->element[1]->str);
        sti_detail_t detail = {-1, strcmp(result->element[1]->str, team->leader) == 0 ? "leader"
                                                                                       : "members",
                               message};
        sti_envelope_reply_error(reply, request->id, STI_ERR_INVALID_ARGUMENT, message, &detail, 1);
    } else if (strcmp(what, "missing") == 0) {
        snprintf(message, sizeof message, "no team %s", id);
        sti_envelope_reply_error(reply, request->id, STI_ERR_NOT_FOUND, message, NULL, 0);
    } else if (strcmp(what, "stale") == 0 && result->elements == 2) {
        snprintf(message, sizeof message, "team %s is at version %s, not %" PRId64, id,
                 result->element[1]->str, expected);
        sti_envelope_reply_error(reply, request->id, STI_ERR_CONFLICT, message, NULL, 0);
    } else {
        sti_error("talent: team %s: %s", id,
                  result && result->type == REDIS_REPLY_ERROR ? result->str
                                                              : sti_redis_errstr(
                                                                    talent_store_redis(store)));
        sti_envelope_reply_error(reply, request->id, STI_ERR_UNAVAILABLE,
                                 "the team cannot be kept now", NULL, 0);
    }
    if (result) {
        freeReplyObject(result);
    }
    return 0;
}

int talent_ops_team_add(sti_service_t *service, const sti_request_t *request,
                        sti_writer_t *reply, void *ctx)
{
    (void)service;
    talent_store_t *store = talent_ops_store((talent_ops_t *)ctx);
    talent_team_t *team = (talent_team_t *)calloc(1, sizeof *team);
    assert(team);
    talent_errors_t errors;
    if (talent_team_decode_node(request->body, talent_store_codes(store), TALENT_DECODE_FULL, team,
                                &errors) != 0) {
        talent_ops_reply_errors(reply, request, &errors);
        free(team);
        return 0;
    }
    char key[256], id[TALENT_REGISTRY_ID_MAX + 1];
    talent_store_key(store, key, sizeof key, "team:next", NULL);
    redisReply *next = sti_redis_command(talent_store_redis(store), "INCR %s", key);
    if (!next || next->type != REDIS_REPLY_INTEGER) {
        sti_writer_reset(reply);
        sti_envelope_reply_error(reply, request->id, STI_ERR_UNAVAILABLE,
                                 "the team cannot be kept now", NULL, 0);
    } else {
        snprintf(id, sizeof id, "G%06lld", next->integer);
        s_write(store, request, "add", id, 0, team, reply);
    }
    if (next) {
        freeReplyObject(next);
    }
    free(team);
    return 0;
}

int talent_ops_team_get(sti_service_t *service, const sti_request_t *request,
                        sti_writer_t *reply, void *ctx)
{
    (void)service;
    talent_store_t *store = talent_ops_store((talent_ops_t *)ctx);
    char id[TALENT_REGISTRY_ID_MAX + 1];
    if (sti_node_type(request->body) != STI_TYPE_MAP ||
        talent_ops_read_id(request, request->body, "id", id, reply)) {
        if (sti_node_type(request->body) != STI_TYPE_MAP) {
            sti_field_error_t fe = {"body", "must be a map {id}"};
            sti_service_reply_invalid(reply, request, &fe);
        }
        return 0;
    }
    s_reply_team(store, request, id, reply);
    return 0;
}

int talent_ops_team_update(sti_service_t *service, const sti_request_t *request,
                           sti_writer_t *reply, void *ctx)
{
    (void)service;
    static const char *const keys[] = {"id", "version", "set", NULL};
    talent_store_t *store = talent_ops_store((talent_ops_t *)ctx);
    char id[TALENT_REGISTRY_ID_MAX + 1], err[160];
    sti_field_error_t fe = {"body", ""};
    int64_t version = 0, stored;
    if (sti_node_type(request->body) != STI_TYPE_MAP || sti_map_only(request->body, keys, &fe)) {
        snprintf(fe.reason, sizeof fe.reason, "must be a map {id, version, set}");
        sti_service_reply_invalid(reply, request, &fe);
        return 0;
    }
    if (talent_ops_read_id(request, request->body, "id", id, reply)) {
        return 0;
    }
    if (sti_map_int(request->body, "version", &version, &fe) != 0 || version < 1) {
        snprintf(fe.field, sizeof fe.field, "version");
        snprintf(fe.reason, sizeof fe.reason, "must be the team's version (1 or more)");
        sti_service_reply_invalid(reply, request, &fe);
        return 0;
    }
    talent_team_t *team = (talent_team_t *)calloc(1, sizeof *team);
    talent_team_t *update = (talent_team_t *)calloc(1, sizeof *update);
    assert(team && update);
    talent_errors_t errors;
    talent_store_rc_t rc;
    if (talent_team_decode_node(sti_node_get(request->body, "set"), talent_store_codes(store),
                                TALENT_DECODE_PARTIAL, update, &errors) != 0) {
        talent_ops_reply_errors(reply, request, &errors);
    } else if ((rc = s_read(store, id, team, &stored, err, sizeof err)) != TALENT_STORE_OK) {
        talent_ops_reply_store(reply, request, rc, "", err);
    } else {
        talent_team_merge(team, update);
        talent_errors_clear(&errors);
        if (talent_team_check(team, &errors) != 0) {
            talent_ops_reply_errors(reply, request, &errors);
        } else {
            s_write(store, request, "update", id, version, team, reply);
        }
    }
    free(team);
    free(update);
    return 0;
}
