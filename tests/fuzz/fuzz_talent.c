/*  fuzz_talent: the talent registry's decoders (talent_record_decode and
    talent_team_decode), full and partial, on arbitrary bytes, with the codes
    of data/plans/linping-2021-2025/talent.json (or of the plan directory in
    STI_FUZZ_PLAN), loaded once.

    Input layout: byte 0 picks record or team (bit 0) and full or partial
    decode (bit 1); the rest is the MessagePack map. Any input: no crash, no
    leak; a refusal carries at least one {field, reason}. A record or team
    that decodes is written again with its request encoder and must decode
    to the same struct; a record's masked answer must decode and never
    carry the identity number, phone or e-mail in clear.
*/
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "talent_record.h"
#include "talent_team.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

//  A property the code promises; breaking it is a bug the fuzzer reports.
#define S_REQUIRE(condition)                                                                       \
    do {                                                                                           \
        if (!(condition)) {                                                                        \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

//  The codes, loaded on the first input and kept for the process.
static talent_codes_t *s_codes;

static const talent_codes_t *s_codes_get(void)
{
    if (!s_codes) {
        const char *dir = getenv("STI_FUZZ_PLAN");
        char path[4096];
        if (!dir) {
            snprintf(path, sizeof path, "%s/data/plans/linping-2021-2025", STI_SOURCE_DIR);
            dir = path;
        }
        char err[512];
        s_codes = talent_codes_load_plan(dir, err, sizeof err);
        if (!s_codes) {
            fprintf(stderr, "fuzz_talent: cannot load %s: %s\n", dir, err);
            abort();
        }
    }
    return s_codes;
}

//  A refusal names at least one problem, each with a reason.
static void s_check_errors(const talent_errors_t *errors)
{
    S_REQUIRE(errors->count > 0 && errors->count <= TALENT_ERRORS_MAX);
    for (size_t i = 0; i < errors->count; i++) {
        S_REQUIRE(errors->items[i].reason[0] != 0);
    }
}

//  The string value of key in the masked answer must not be secret in clear.
static void s_not_clear(sti_node_t map, const char *key, const char *secret)
{
    const char *text;
    size_t len;
    if (!secret[0] || sti_map_str(map, key, SIZE_MAX, &text, &len, NULL) != 0) {
        return;
    }
    S_REQUIRE(!(len == strlen(secret) && memcmp(text, secret, len) == 0));
}

static void s_masked(const talent_record_t *record)
{
    sti_writer_t *writer = sti_writer_new();
    talent_record_encode_masked(record, "t-1", 1, writer);
    size_t size;
    const void *bytes = sti_writer_data(writer, &size);
    char err[256];
    sti_reader_t *reader = sti_reader_new(bytes, size, NULL, err, sizeof err);
    S_REQUIRE(reader);
    sti_node_t root = sti_reader_root(reader);
    s_not_clear(root, "id_number", record->id_number);
    s_not_clear(root, "phone", record->phone);
    s_not_clear(root, "email", record->email);
    sti_reader_destroy(&reader);
    sti_writer_destroy(&writer);
}

static void s_record(const uint8_t *data, size_t size, talent_decode_mode_t mode)
{
    const talent_codes_t *codes = s_codes_get();
    talent_record_t *record = calloc(2, sizeof *record);
    talent_errors_t errors;
    talent_errors_clear(&errors);
    if (talent_record_decode(data, size, codes, mode, &record[0], &errors) != 0) {
        s_check_errors(&errors);
        free(record);
        return;
    }
    sti_writer_t *writer = sti_writer_new();
    talent_record_encode_request(&record[0], writer);
    size_t out_size;
    const void *out = sti_writer_data(writer, &out_size);
    talent_errors_clear(&errors);
    S_REQUIRE(talent_record_decode(out, out_size, codes, mode, &record[1], &errors) == 0);
    S_REQUIRE(memcmp(&record[0], &record[1], sizeof record[0]) == 0);
    if (mode == TALENT_DECODE_FULL) {
        s_masked(&record[0]);
    }
    sti_writer_destroy(&writer);
    free(record);
}

static void s_team(const uint8_t *data, size_t size, talent_decode_mode_t mode)
{
    const talent_codes_t *codes = s_codes_get();
    talent_team_t *team = calloc(2, sizeof *team);
    talent_errors_t errors;
    talent_errors_clear(&errors);
    if (talent_team_decode(data, size, codes, mode, &team[0], &errors) != 0) {
        s_check_errors(&errors);
        free(team);
        return;
    }
    sti_writer_t *writer = sti_writer_new();
    talent_team_encode_request(&team[0], writer);
    size_t out_size;
    const void *out = sti_writer_data(writer, &out_size);
    talent_errors_clear(&errors);
    S_REQUIRE(talent_team_decode(out, out_size, codes, mode, &team[1], &errors) == 0);
    S_REQUIRE(memcmp(&team[0], &team[1], sizeof team[0]) == 0);
    sti_writer_destroy(&writer);
    free(team);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) {
        return 0;
    }
    talent_decode_mode_t mode = (data[0] & 2) ? TALENT_DECODE_PARTIAL : TALENT_DECODE_FULL;
    if (data[0] & 1) {
        s_team(data + 1, size - 1, mode);
    } else {
        s_record(data + 1, size - 1, mode);
    }
    return 0;
}
