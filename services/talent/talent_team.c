/*  talent_team: decoding, checking, merging and encoding teams (see the
    header). The member list is read with its declared count checked
    against the bound before any element, so a hostile count costs nothing.
*/
#include "talent_team.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

//  Reads one registry id into buf; field names it in errors.
static int s_decode_id(sti_node_t node, const char *field, char buf[TALENT_REGISTRY_ID_MAX + 1],
                       talent_errors_t *errors)
{
    sti_field_error_t err = {{0}, {0}};
    char reason[160];
    if (sti_node_str_copy(node, buf, TALENT_REGISTRY_ID_MAX + 1, &err) != 0) {
        buf[0] = 0;
        if (strncmp(err.reason, "longer", 6) == 0) {
            talent_errors_add(errors, field, "must be 1 to %d characters", TALENT_REGISTRY_ID_MAX);
            return -1;
        }
        return talent_errors_add_codec(errors, field, &err);
    }
    if (talent_check_registry_id(buf, reason, sizeof reason) != 0) {
        buf[0] = 0;
        talent_errors_add(errors, field, "%s", reason);
        return -1;
    }
    return 0;
}

//  Reads the members array: bounded, each an id, none twice.
static int s_decode_members(sti_node_t node, talent_team_t *team, talent_errors_t *errors)
{
    if (sti_node_type(node) != STI_TYPE_ARRAY) {
        talent_errors_add(errors, "members", "must be an array, got %s",
                          sti_type_name(sti_node_type(node)));
        return -1;
    }
    size_t count = sti_node_size(node);
    if (count > TALENT_TEAM_MEMBERS_MAX) {
        talent_errors_add(errors, "members", "at most %d members, not %zu", TALENT_TEAM_MEMBERS_MAX,
                          count);
        return -1;
    }
    int rc = 0;
    team->member_count = 0;
    for (size_t i = 0; i < count; i++) {
        char field[32];
        snprintf(field, sizeof field, "members[%zu]", i);
        char *id = team->members[team->member_count];
        if (s_decode_id(sti_node_at(node, i), field, id, errors) != 0) {
            rc = -1;
            continue;
        }
        bool repeated = false;
        for (size_t j = 0; j < team->member_count && !repeated; j++) {
            repeated = strcmp(team->members[j], id) == 0;
        }
        if (repeated) {
            talent_errors_add(errors, field, "%s is listed twice", id);
            rc = -1;
            continue;
        }
        team->member_count++;
    }
    return rc;
}

//  Reads one key of the team map; returns 0 when it was read.
static int s_decode_key(sti_node_t map, const char *key, const talent_codes_t *codes,
                        talent_team_t *team, talent_errors_t *errors)
{
    sti_node_t value = sti_node_get(map, key);
    if (strcmp(key, "employer") == 0 && sti_node_type(value) == STI_TYPE_NIL) {
        team->employer_name[0] = team->employer_uscc[0] = 0;
        return 0;
    }
    if (sti_node_type(value) == STI_TYPE_NIL) {
        talent_errors_add(errors, key, "must not be nil");
        return -1;
    }
    if (strcmp(key, "name") == 0) {
        return talent_decode_text(value, "name", team->name, sizeof team->name, 1, false, errors);
    }
    if (strcmp(key, "leader") == 0) {
        return s_decode_id(value, "leader", team->leader, errors);
    }
    if (strcmp(key, "members") == 0) {
        return s_decode_members(value, team, errors);
    }
    if (strcmp(key, "field") == 0) {
        return talent_decode_code(value, "field", codes, TALENT_FIELD, team->field, errors);
    }
    return talent_decode_employer(value, team->employer_name, team->employer_uscc, errors);
}

int talent_team_decode_node(sti_node_t map, const talent_codes_t *codes, talent_decode_mode_t mode,
                            talent_team_t *team, talent_errors_t *errors)
{
    static const char *const keys[] = {"name", "leader", "members", "field", "employer", NULL};
    static const unsigned bits[] = {TALENT_TEAM_F_NAME, TALENT_TEAM_F_LEADER, TALENT_TEAM_F_MEMBERS,
                                    TALENT_TEAM_F_FIELD, TALENT_TEAM_F_EMPLOYER};
    static const bool required[] = {true, true, false, true, false};
    assert(codes && team && errors);
    memset(team, 0, sizeof *team);
    talent_errors_clear(errors);
    if (sti_node_type(map) != STI_TYPE_MAP) {
        talent_errors_add(errors, "", "a team must be a map, got %s",
                          sti_type_name(sti_node_type(map)));
        return -1;
    }
    sti_field_error_t err = {{0}, {0}};
    if (sti_map_only(map, keys, &err) != 0) {
        talent_errors_add_codec(errors, err.field, &err);
    }
    for (size_t i = 0; keys[i]; i++) {
        if (sti_node_is_missing(sti_node_get(map, keys[i]))) {
            if (mode == TALENT_DECODE_FULL && required[i]) {
                talent_errors_add(errors, keys[i], "missing");
            }
            continue;
        }
        if (s_decode_key(map, keys[i], codes, team, errors) == 0) {
            team->present |= bits[i];
        }
    }
    if (mode == TALENT_DECODE_FULL && errors->count == 0) {
        talent_team_check(team, errors);
    }
    return errors->count == 0 ? 0 : -1;
}

int talent_team_decode(const void *data, size_t size, const talent_codes_t *codes,
                       talent_decode_mode_t mode, talent_team_t *team, talent_errors_t *errors)
{
    assert(team && errors);
    memset(team, 0, sizeof *team);
    talent_errors_clear(errors);
    sti_limits_t limits = {TALENT_RECORD_MAX_BYTES, 1024, 1024, 4};
    char reason[160] = "";
    sti_reader_t *reader = sti_reader_new(data, size, &limits, reason, sizeof reason);
    if (!reader) {
        talent_errors_add(errors, "", "%s", reason);
        return -1;
    }
    int rc = talent_team_decode_node(sti_reader_root(reader), codes, mode, team, errors);
    sti_reader_destroy(&reader);
    return rc;
}

int talent_team_check(const talent_team_t *team, talent_errors_t *errors)
{
    assert(team && errors);
    size_t before = errors->count;
    for (size_t i = 0; i < team->member_count; i++) {
        if (team->leader[0] && strcmp(team->members[i], team->leader) == 0) {
            char field[32];
            snprintf(field, sizeof field, "members[%zu]", i);
            talent_errors_add(errors, field, "%s is the leader, who is listed apart", team->leader);
        }
    }
    return errors->count == before ? 0 : -1;
}

void talent_team_merge(talent_team_t *team, const talent_team_t *update)
{
    assert(team && update);
    if (update->present & TALENT_TEAM_F_NAME) {
        memcpy(team->name, update->name, sizeof team->name);
    }
    if (update->present & TALENT_TEAM_F_LEADER) {
        memcpy(team->leader, update->leader, sizeof team->leader);
    }
    if (update->present & TALENT_TEAM_F_MEMBERS) {
        memcpy(team->members, update->members, sizeof team->members);
        team->member_count = update->member_count;
    }
    if (update->present & TALENT_TEAM_F_FIELD) {
        memcpy(team->field, update->field, sizeof team->field);
    }
    if (update->present & TALENT_TEAM_F_EMPLOYER) {
        memcpy(team->employer_name, update->employer_name, sizeof team->employer_name);
        memcpy(team->employer_uscc, update->employer_uscc, sizeof team->employer_uscc);
    }
    team->present |= update->present;
}

static void s_write_members(const talent_team_t *team, sti_writer_t *writer)
{
    sti_writer_str(writer, "members");
    sti_writer_array(writer, team->member_count);
    for (size_t i = 0; i < team->member_count; i++) {
        sti_writer_str(writer, team->members[i]);
    }
}

void talent_team_encode(const talent_team_t *team, const char *id, int64_t version,
                        sti_writer_t *writer)
{
    assert(team && id && writer);
    sti_writer_map(writer, 7);
    sti_writer_kv_str(writer, "id", id);
    sti_writer_kv_int(writer, "version", version);
    talent_write_text(writer, "name", team->name);
    talent_write_text(writer, "leader", team->leader);
    s_write_members(team, writer);
    talent_write_text(writer, "field", team->field);
    talent_write_employer(writer, team->employer_name, team->employer_uscc);
}

void talent_team_encode_request(const talent_team_t *team, sti_writer_t *writer)
{
    assert(team && writer);
    unsigned bits = team->present;
    size_t pairs = 0;
    for (unsigned bit = 1; bit <= TALENT_TEAM_F_EMPLOYER; bit <<= 1) {
        pairs += (bits & bit) != 0;
    }
    sti_writer_map(writer, pairs);
    if (bits & TALENT_TEAM_F_NAME) {
        sti_writer_kv_str(writer, "name", team->name);
    }
    if (bits & TALENT_TEAM_F_LEADER) {
        sti_writer_kv_str(writer, "leader", team->leader);
    }
    if (bits & TALENT_TEAM_F_MEMBERS) {
        s_write_members(team, writer);
    }
    if (bits & TALENT_TEAM_F_FIELD) {
        sti_writer_kv_str(writer, "field", team->field);
    }
    if (bits & TALENT_TEAM_F_EMPLOYER) {
        talent_write_employer(writer, team->employer_name, team->employer_uscc);
    }
}
