/*  Unit tests of talent_team: decoding with every check, partial updates and
    merging, encoders, hostile input. Names and codes are made up.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "talent_team.h"
#include "talent_plan.h"

static talent_codes_t *codes;
static sti_writer_t *writer;
static talent_team_t team;
static talent_errors_t errors;

static const char *s_valid =
    "{\"name\":\"智能装备创新团队\",\"leader\":\"T000001\",\"members\":[\"T000002\",\"T000003\"],"
    "\"field\":\"equipment\",\"employer\":{\"name\":\"临平示例科技有限公司\","
    "\"uscc\":\"91330110MA2B3C4D56\"}}";

static void s_write_json(const cJSON *item)
{
    const cJSON *child;
    if (cJSON_IsObject(item)) {
        sti_writer_map(writer, (size_t)cJSON_GetArraySize(item));
        cJSON_ArrayForEach(child, item)
        {
            sti_writer_str(writer, child->string);
            s_write_json(child);
        }
    } else if (cJSON_IsArray(item)) {
        sti_writer_array(writer, (size_t)cJSON_GetArraySize(item));
        cJSON_ArrayForEach(child, item)
        {
            s_write_json(child);
        }
    } else if (cJSON_IsString(item)) {
        sti_writer_str(writer, item->valuestring);
    } else if (cJSON_IsBool(item)) {
        sti_writer_bool(writer, cJSON_IsTrue(item));
    } else if (cJSON_IsNull(item)) {
        sti_writer_nil(writer);
    } else {
        sti_writer_int(writer, (int64_t)item->valuedouble);
    }
}

static char *s_with(const char *key, const char *value)
{
    cJSON *root = cJSON_Parse(s_valid);
    cJSON_DeleteItemFromObjectCaseSensitive(root, key);
    if (value) {
        cJSON *item = cJSON_Parse(value);
        assert_non_null(item);
        cJSON_AddItemToObject(root, key, item);
    }
    char *text = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    return text;
}

static int s_decode_json(const char *json, talent_decode_mode_t mode)
{
    cJSON *root = cJSON_Parse(json);
    assert_non_null(root);
    sti_writer_reset(writer);
    s_write_json(root);
    cJSON_Delete(root);
    size_t size;
    const void *data = sti_writer_data(writer, &size);
    return talent_team_decode(data, size, codes, mode, &team, &errors);
}

static bool s_has_error(const char *field, const char *fragment)
{
    for (size_t i = 0; i < errors.count; i++) {
        if (strcmp(errors.items[i].field, field) == 0 && strstr(errors.items[i].reason, fragment)) {
            return true;
        }
    }
    return false;
}

static void s_refused(const char *key, const char *value, const char *field, const char *fragment)
{
    char *json = s_with(key, value);
    int rc = s_decode_json(json, TALENT_DECODE_FULL);
    if (rc != -1 || !s_has_error(field, fragment)) {
        for (size_t i = 0; i < errors.count; i++) {
            print_message("  {%s: %s}\n", errors.items[i].field, errors.items[i].reason);
        }
        fail_msg("%s = %s: expected {%s: %s}", key, value ? value : "(removed)", field, fragment);
    }
    free(json);
}

static int s_setup(void **state)
{
    (void)state;
    codes = talent_test_codes();
    writer = sti_writer_new();
    return 0;
}

static int s_teardown(void **state)
{
    (void)state;
    talent_codes_destroy(&codes);
    sti_writer_destroy(&writer);
    return 0;
}

static void test_valid(void **state)
{
    (void)state;
    assert_int_equal(s_decode_json(s_valid, TALENT_DECODE_FULL), 0);
    assert_string_equal(team.name, "智能装备创新团队");
    assert_string_equal(team.leader, "T000001");
    assert_int_equal(team.member_count, 2);
    assert_string_equal(team.members[1], "T000003");
    assert_string_equal(team.field, "equipment");
    assert_string_equal(team.employer_uscc, "91330110MA2B3C4D56");
    assert_int_equal(team.present, 0x1f);
    //  Without members and employer.
    assert_int_equal(s_decode_json("{\"name\":\"x\",\"leader\":\"T1\",\"field\":\"future\"}",
                                   TALENT_DECODE_FULL),
                     0);
    assert_int_equal(team.member_count, 0);
}

static void test_refused(void **state)
{
    (void)state;
    s_refused("name", NULL, "name", "missing");
    s_refused("leader", NULL, "leader", "missing");
    s_refused("field", NULL, "field", "missing");
    s_refused("name", "null", "name", "must not be nil");
    s_refused("name", "\"\"", "name", "must not be empty");
    s_refused("leader", "\"T 1\"", "leader", "only letters, digits");
    s_refused("leader", "\"T0000000000000000000000000000000001\"", "leader", "1 to 32");
    s_refused("leader", "7", "leader", "must be a string");
    s_refused("field", "\"mining\"", "field", "unknown field 'mining'");
    s_refused("members", "\"T2\"", "members", "must be an array, got string");
    s_refused("members", "[\"T2\",\"T2\"]", "members[1]", "T2 is listed twice");
    s_refused("members", "[\"T2\",\"T1/\"]", "members[1]", "only letters");
    s_refused("members", "[\"T2\",3]", "members[1]", "must be a string");
    s_refused("members", "[\"T000001\"]", "members[0]", "T000001 is the leader");
    s_refused("employer", "{\"name\":\"x\",\"uscc\":\"91330110MA2B3C4D57\"}", "employer.uscc",
              "expected 6");
    s_refused("budget", "1", "budget", "unknown key");

    //  101 members.
    char json[4000] = "[";
    for (int i = 0; i <= TALENT_TEAM_MEMBERS_MAX; i++) {
        snprintf(json + strlen(json), sizeof json - strlen(json), "%s\"M%d\"", i ? "," : "", i);
    }
    strcat(json, "]");
    s_refused("members", json, "members", "at most 100 members, not 101");

    //  Hostile bytes.
    const uint8_t huge[] = {0x81, 0xa7, 'm',  'e',  'm',  'b',  'e',
                            'r',  's',  0xdd, 0xff, 0xff, 0xff, 0xff};
    assert_int_equal(
        talent_team_decode(huge, sizeof huge, codes, TALENT_DECODE_FULL, &team, &errors), -1);
    assert_int_equal(talent_team_decode("\xc1", 1, codes, TALENT_DECODE_FULL, &team, &errors), -1);
    assert_int_equal(s_decode_json("[]", TALENT_DECODE_FULL), -1);
    assert_true(s_has_error("", "must be a map"));
}

static void test_partial_merge_encode(void **state)
{
    (void)state;
    assert_int_equal(s_decode_json(s_valid, TALENT_DECODE_FULL), 0);
    talent_team_t stored = team;
    assert_int_equal(
        s_decode_json("{\"members\":[\"T000004\"],\"employer\":null}", TALENT_DECODE_PARTIAL), 0);
    assert_int_equal(team.present, TALENT_TEAM_F_MEMBERS | TALENT_TEAM_F_EMPLOYER);
    talent_team_t merged = stored;
    talent_team_merge(&merged, &team);
    assert_int_equal(merged.member_count, 1);
    assert_string_equal(merged.members[0], "T000004");
    assert_string_equal(merged.employer_name, "");
    assert_string_equal(merged.name, "智能装备创新团队");

    //  A new leader who is already a member: found by the check after merging.
    assert_int_equal(s_decode_json("{\"leader\":\"T000002\"}", TALENT_DECODE_PARTIAL), 0);
    merged = stored;
    talent_team_merge(&merged, &team);
    talent_errors_clear(&errors);
    assert_int_equal(talent_team_check(&merged, &errors), -1);
    assert_true(s_has_error("members[0]", "is the leader"));

    //  Answer form.
    sti_writer_reset(writer);
    talent_team_encode(&stored, "G000001", 3, writer);
    size_t size;
    const void *data = sti_writer_data(writer, &size);
    char err[160], text[64];
    sti_field_error_t ferr;
    sti_reader_t *reader = sti_reader_new(data, size, NULL, err, sizeof err);
    assert_non_null(reader);
    sti_node_t root = sti_reader_root(reader);
    assert_int_equal(sti_node_size(root), 7);
    assert_int_equal(sti_map_str_copy(root, "id", text, sizeof text, &ferr), 0);
    assert_string_equal(text, "G000001");
    assert_int_equal(sti_node_size(sti_node_get(root, "members")), 2);
    sti_reader_destroy(&reader);

    //  Request form decodes back to the same team.
    sti_writer_reset(writer);
    talent_team_encode_request(&stored, writer);
    data = sti_writer_data(writer, &size);
    void *copy = malloc(size);
    memcpy(copy, data, size);
    assert_int_equal(talent_team_decode(copy, size, codes, TALENT_DECODE_FULL, &team, &errors), 0);
    assert_memory_equal(&team, &stored, sizeof team);
    free(copy);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_partial_merge_encode),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
