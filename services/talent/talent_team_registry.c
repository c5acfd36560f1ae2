/*  talent_team_registry: team.add, team.get and team.update. See
    talent_team_registry.h.
*/
#include "talent_team_registry.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "talent_reply.h"

struct _talent_team_registry_t {
    talent_store_t *store;      // borrowed: the codes
    talent_team_store_t *teams; // borrowed
};

talent_team_registry_t *talent_team_registry_new(talent_store_t *store, talent_team_store_t *teams)
{
    assert(store && teams);
    talent_team_registry_t *self = (talent_team_registry_t *)calloc(1, sizeof *self);
    assert(self);
    self->store = store;
    self->teams = teams;
    return self;
}

void talent_team_registry_destroy(talent_team_registry_t **self_p)
{
    assert(self_p);
    free(*self_p);
    *self_p = NULL;
}

//  Writes the error of a read or write that was not OK.
static void s_reply_failed(const sti_call_t *call, talent_team_rc_t rc, const char *err)
{
    talent_reply_error(call, rc == TALENT_TEAM_MISSING ? STI_ERR_NOT_FOUND : STI_ERR_UNAVAILABLE,
                       err);
}

//  Answers with team id as it is stored.
static void s_reply_team(talent_team_registry_t *self, const sti_call_t *call,
                         const talent_codes_t *codes, const char *id)
{
    talent_team_t *team = (talent_team_t *)calloc(1, sizeof *team);
    assert(team);
    int64_t version;
    char err[160];
    talent_team_rc_t rc =
        talent_team_store_read(self->teams, codes, id, team, &version, err, sizeof err);
    if (rc == TALENT_TEAM_OK) {
        sti_writer_reset(call->reply);
        sti_envelope_reply_ok(call->reply, call->request->id);
        talent_team_encode(team, id, version, call->reply);
    } else {
        s_reply_failed(call, rc, err);
    }
    free(team);
}

//  Writes team id (mode add or update, at version expected) and answers.
static void s_write(talent_team_registry_t *self, const sti_call_t *call,
                    const talent_codes_t *codes, const char *mode, const char *id, int64_t expected,
                    const talent_team_t *team)
{
    int64_t version = 0;
    char other[TALENT_REGISTRY_ID_MAX + 1], err[160], message[160];
    const char *request_id = strcmp(mode, "add") == 0 ? call->request->id : "";
    talent_team_rc_t rc = talent_team_store_write(self->teams, mode, id, expected, team, request_id,
                                                  &version, other, err, sizeof err);
    if (rc == TALENT_TEAM_OK) {
        sti_writer_reset(call->reply);
        sti_envelope_reply_ok(call->reply, call->request->id);
        talent_team_encode(team, id, version, call->reply);
    } else if (rc == TALENT_TEAM_REPLAYED) {
        s_reply_team(self, call, codes, other); // a retried add: the team it made
    } else if (rc == TALENT_TEAM_UNKNOWN) {
        snprintf(message, sizeof message, "no talent %s is registered", other);
        sti_detail_t detail = {-1, strcmp(other, team->leader) == 0 ? "leader" : "members",
                               message};
        sti_writer_reset(call->reply);
        sti_envelope_reply_error(call->reply, call->request->id, STI_ERR_INVALID_ARGUMENT, message,
                                 &detail, 1);
    } else if (rc == TALENT_TEAM_MISSING) {
        snprintf(message, sizeof message, "no team %s", id);
        talent_reply_error(call, STI_ERR_NOT_FOUND, message);
    } else if (rc == TALENT_TEAM_STALE) {
        snprintf(message, sizeof message, "team %s is at version %s, not %" PRId64, id, other,
                 expected);
        talent_reply_error(call, STI_ERR_CONFLICT, message);
    } else {
        talent_reply_error(call, STI_ERR_UNAVAILABLE, err);
    }
}

//  team.add.
static int s_team_add(void *object, const sti_call_t *call)
{
    talent_team_registry_t *self = (talent_team_registry_t *)object;
    const talent_codes_t *codes = talent_reply_codes(call, self->store);
    if (!codes) {
        return 0;
    }
    talent_team_t *team = (talent_team_t *)calloc(1, sizeof *team);
    assert(team);
    talent_errors_t errors;
    char id[TALENT_REGISTRY_ID_MAX + 1], err[160];
    if (talent_team_decode_node(call->request->body, codes, TALENT_DECODE_FULL, team, &errors) !=
        0) {
        talent_reply_errors(call, &errors);
    } else if (talent_team_store_next_id(self->teams, id, err, sizeof err) != TALENT_TEAM_OK) {
        talent_reply_error(call, STI_ERR_UNAVAILABLE, err);
    } else {
        s_write(self, call, codes, "add", id, 0, team);
    }
    free(team);
    return 0;
}

//  team.get.
static int s_team_get(void *object, const sti_call_t *call)
{
    talent_team_registry_t *self = (talent_team_registry_t *)object;
    const talent_codes_t *codes = talent_reply_codes(call, self->store);
    char id[TALENT_REGISTRY_ID_MAX + 1];
    if (codes && talent_reply_id(call, call->request->body, "id", id) == 0) {
        s_reply_team(self, call, codes, id);
    }
    return 0;
}

//  team.update: the fields of set, at the stored version.
static int s_team_update(void *object, const sti_call_t *call)
{
    talent_team_registry_t *self = (talent_team_registry_t *)object;
    const talent_codes_t *codes = talent_reply_codes(call, self->store);
    char id[TALENT_REGISTRY_ID_MAX + 1], err[160];
    if (!codes || talent_reply_id(call, call->request->body, "id", id)) {
        return 0;
    }
    int64_t version = 0, stored;
    sti_field_error_t fe;
    sti_map_int(call->request->body, "version", &version, &fe);
    talent_team_t *team = (talent_team_t *)calloc(1, sizeof *team);
    talent_team_t *update = (talent_team_t *)calloc(1, sizeof *update);
    assert(team && update);
    talent_errors_t errors;
    talent_team_rc_t rc;
    if (talent_team_decode_node(sti_node_get(call->request->body, "set"), codes,
                                TALENT_DECODE_PARTIAL, update, &errors) != 0) {
        talent_reply_errors(call, &errors);
    } else if ((rc = talent_team_store_read(self->teams, codes, id, team, &stored, err,
                                            sizeof err)) != TALENT_TEAM_OK) {
        s_reply_failed(call, rc, err);
    } else {
        talent_team_merge(team, update);
        talent_errors_clear(&errors);
        if (talent_team_check(team, &errors) != 0) {
            talent_reply_errors(call, &errors);
        } else {
            s_write(self, call, codes, "update", id, version, team);
        }
    }
    free(team);
    free(update);
    return 0;
}

//  --- the declarations ---

// clang-format off
#define S_TEAM_ID_ARG                                                                              \
    {"id", STI_ARG_STR, STI_REQUIRED, 1, TALENT_REGISTRY_ID_MAX, NULL, "the team's id (G000001)"}
// clang-format on

static const sti_arg_t s_member_arg = {
    NULL, STI_ARG_STR, STI_REQUIRED, 1, TALENT_REGISTRY_ID_MAX, NULL, "a registered talent's id"};

//  The keys of a team; REQ is STI_REQUIRED for a whole team, STI_OPTIONAL for a change.
// clang-format off
#define S_TEAM_KEYS(REQ)                                                                           \
    {"name", STI_ARG_STR, REQ, 1, TALENT_TEAM_NAME_MAX, NULL, "the team's name: text, not blank"}, \
    {"leader", STI_ARG_STR, REQ, 1, TALENT_REGISTRY_ID_MAX, NULL,                                  \
     "the leader: a registered talent's id"},                                                      \
    {"members", STI_ARG_ARRAY, STI_OPTIONAL, 0, TALENT_TEAM_MEMBERS_MAX, &s_member_arg,            \
     "the members: registered talents' ids, each once, not the leader (listed apart)"},            \
    {"field", STI_ARG_STR, REQ, 0, 0, NULL, "a field code of the plan's talent.json"},             \
    {"employer", STI_ARG_MAP | STI_ARG_NIL, STI_OPTIONAL, 0, 0, NULL,                                            \
     "{name: text of 1 to 200 bytes, uscc?: a GB 32100 credit code}; nil: none"},                  \
    STI_ARGS_END
// clang-format on

static const sti_arg_t s_team_args[] = {S_TEAM_KEYS(STI_REQUIRED)};
static const sti_arg_t s_team_change_keys[] = {S_TEAM_KEYS(STI_OPTIONAL)};

static const sti_arg_t s_get_args[] = {S_TEAM_ID_ARG, STI_ARGS_END};

static const sti_arg_t s_update_args[] = {
    S_TEAM_ID_ARG,
    {"version", STI_ARG_INT, STI_REQUIRED, 1, INT64_MAX, NULL,
     "the version the caller read: a stale one is a conflict"},
    {"set", STI_ARG_MAP, STI_REQUIRED, 0, 0, s_team_change_keys,
     "the keys that change (a partial team)"},
    STI_ARGS_END,
};

static const sti_op_decl_t s_ops[] = {
    {"team.add", s_team_add, STI_ROLE_OFFICER | STI_OP_WRITE, s_team_args,
     "makes a team of registered talents",
     "{id (G000001, ...), version, name, leader, members, field, employer}",
     "A team holds no personal data: its reads are not audited. Applied once per request id: "
     "the same request again (a retry, within a day) is answered with the team it made, as it "
     "is now, and adds none. Errors: `invalid_argument` (the leader or a member is not a "
     "registered talent: field `leader` / `members`; a member twice, or the leader among the "
     "members: `members[N]`)."},
    {"team.get", s_team_get, STI_ROLE_OFFICER | STI_ROLE_READER, s_get_args, "one team",
     "the team, as team.add answers it",
     "Erasing a talent takes it out of its teams: a team whose leader was erased shows "
     "`leader: \"\"` until it is updated. Errors: `not_found`."},
    {"team.update", s_team_update, STI_ROLE_OFFICER | STI_OP_WRITE, s_update_args,
     "changes some fields of a team at the version read", "the team at version + 1",
     "The check across fields (the leader not among the members) runs on the merged team. "
     "Errors: `conflict` (a stale version: `team G000001 is at version 2, not 1`), "
     "`invalid_argument`, `not_found`."},
    STI_OPS_END,
};

const sti_op_table_t talent_team_registry_ops = {"talent_team_registry", s_ops};
