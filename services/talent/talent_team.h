/*  talent_team: a team of talents, decoded from a MessagePack map with every
    field checked, and encoded for answers.

    A team as a client sends it; any other key is refused:

      name      string, 1-200 bytes of text                        required
      leader    registry id of a talent                            required
      members   array of registry ids, at most 100, no repeats,    optional
                not the leader (the leader is listed apart)
      field     a field code of talent.json                        required
      employer  {name: 1-200 bytes, uscc: GB 32100 code} or nil    optional

    Whether the ids name registered talents is for the registry to check
    against its store; this module checks only their syntax. A team holds no
    personal data, so its answer form needs no masks. Partial decodes,
    merging and the check across fields work as in talent_record.
*/
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sti_codec.h"
#include "talent_codes.h"
#include "talent_fields.h"
#include "talent_record.h"

#define TALENT_TEAM_NAME_MAX 200
#define TALENT_TEAM_MEMBERS_MAX 100

//  Bits of talent_team_t.present, one per key of the map.
enum {
    TALENT_TEAM_F_NAME = 1u << 0,
    TALENT_TEAM_F_LEADER = 1u << 1,
    TALENT_TEAM_F_MEMBERS = 1u << 2,
    TALENT_TEAM_F_FIELD = 1u << 3,
    TALENT_TEAM_F_EMPLOYER = 1u << 4,
};

//  A team. Strings are NUL-terminated; "" is "not given".
typedef struct {
    unsigned present;                                                  // TALENT_TEAM_F_* decoded
    char name[TALENT_TEAM_NAME_MAX + 1];                               // team name
    char leader[TALENT_REGISTRY_ID_MAX + 1];                           // leader's registry id
    char members[TALENT_TEAM_MEMBERS_MAX][TALENT_REGISTRY_ID_MAX + 1]; // members' registry ids
    size_t member_count;                                               // members used
    char field[TALENT_CODE_MAX + 1];                                   // innovation field code
    char employer_name[TALENT_EMPLOYER_NAME_MAX + 1];                  // "" when no employer
    char employer_uscc[TALENT_USCC_LEN + 1];                           // "" when not given
} talent_team_t;

//  Decodes one MessagePack map of at most TALENT_RECORD_MAX_BYTES. Fills
//  team (zeroed first) and returns 0, or returns -1 with errors filled. A
//  full decode also runs talent_team_check. Safe on any bytes.
int talent_team_decode(const void *data, size_t size, const talent_codes_t *codes,
                       talent_decode_mode_t mode, talent_team_t *team, talent_errors_t *errors);
//  The same for a map already inside a reader.
int talent_team_decode_node(sti_node_t map, const talent_codes_t *codes, talent_decode_mode_t mode,
                            talent_team_t *team, talent_errors_t *errors);
//  The check across fields of a complete team: the leader is not among the
//  members. Returns 0, or -1 with errors added.
int talent_team_check(const talent_team_t *team, talent_errors_t *errors);
//  Copies the fields present in update into team.
void talent_team_merge(talent_team_t *team, const talent_team_t *update);
//  Writes the team as answers show it: id, version and every field.
void talent_team_encode(const talent_team_t *team, const char *id, int64_t version,
                        sti_writer_t *writer);
//  Writes the fields present as the map the decoder reads (requests, tests).
void talent_team_encode_request(const talent_team_t *team, sti_writer_t *writer);
