/*  Unit tests of talent_record: decoding every field with its checks,
    errors as {field, reason}, partial decodes and merging, the masked and
    request encoders, and hostile input.

    Messages are written as JSON in the tests for readability and turned into
    MessagePack with cJSON and the codec's writer. Every identity number,
    phone, address and credit code is made up (built with the check
    algorithms); none belongs to a real person or organisation.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "talent_mask.h"
#include "talent_record.h"
#include "talent_plan.h"

static talent_codes_t *codes;
static sti_writer_t *writer;
static talent_record_t record;
static talent_errors_t errors;

//  A valid record; tests replace or add keys.
static const char *s_valid =
    "{\"name\":\"张三\",\"gender\":\"male\",\"birth_year\":1985,\"id_type\":\"resident\","
    "\"id_number\":\"330110198503171233\",\"phone\":\"13800005678\","
    "\"email\":\"zhang.san@example.com\",\"category\":\"national\",\"field\":\"equipment\","
    "\"employer\":{\"name\":\"临平示例科技有限公司\",\"uscc\":\"91330110MA2B3C4D56\"},"
    "\"channel\":{\"kind\":\"overseas_station\",\"station\":\"慕尼黑千里马驿站\"},"
    "\"overseas\":true,\"arrived\":\"2022-03-01\",\"status\":\"active\",\"notes\":\"line 1\\nline "
    "2\"}";

static void s_write_json(const cJSON *item)
{
    if (cJSON_IsObject(item)) {
        sti_writer_map(writer, (size_t)cJSON_GetArraySize(item));
        const cJSON *child;
        cJSON_ArrayForEach(child, item)
        {
            sti_writer_str(writer, child->string);
            s_write_json(child);
        }
    } else if (cJSON_IsArray(item)) {
        sti_writer_array(writer, (size_t)cJSON_GetArraySize(item));
        const cJSON *child;
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
    } else if (item->valuedouble == floor(item->valuedouble) && fabs(item->valuedouble) < 1e15) {
        sti_writer_int(writer, (int64_t)item->valuedouble);
    } else {
        sti_writer_double(writer, item->valuedouble);
    }
}

//  s_valid with key set to the JSON value (NULL removes the key).
static char *s_with(const char *base, const char *key, const char *value)
{
    cJSON *root = cJSON_Parse(base);
    assert_non_null(root);
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
    if (!root) {
        fail_msg("bad JSON in test: %s", json);
    }
    sti_writer_reset(writer);
    s_write_json(root);
    cJSON_Delete(root);
    size_t size;
    const void *data = sti_writer_data(writer, &size);
    return talent_record_decode(data, size, codes, mode, &record, &errors);
}

//  True when errors holds {field, reason containing fragment}.
static bool s_has_error(const char *field, const char *fragment)
{
    for (size_t i = 0; i < errors.count; i++) {
        if (strcmp(errors.items[i].field, field) == 0 && strstr(errors.items[i].reason, fragment)) {
            return true;
        }
    }
    return false;
}

static void s_print_errors(void)
{
    for (size_t i = 0; i < errors.count; i++) {
        print_message("  {%s: %s}\n", errors.items[i].field, errors.items[i].reason);
    }
}

//  Decoding s_valid with key = value fails with exactly one error
//  {field, ...fragment...}.
static void s_refused(const char *key, const char *value, const char *field, const char *fragment)
{
    char *json = s_with(s_valid, key, value);
    int rc = s_decode_json(json, TALENT_DECODE_FULL);
    if (rc != -1 || errors.count != 1 || !s_has_error(field, fragment)) {
        s_print_errors();
        fail_msg("%s = %s: expected one error {%s: %s}", key, value ? value : "(removed)", field,
                 fragment);
    }
    free(json);
}

static void s_accepted(const char *key, const char *value)
{
    char *json = s_with(s_valid, key, value);
    if (s_decode_json(json, TALENT_DECODE_FULL) != 0) {
        s_print_errors();
        fail_msg("%s = %s refused", key, value ? value : "(removed)");
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
    if (s_decode_json(s_valid, TALENT_DECODE_FULL) != 0) {
        s_print_errors();
        fail();
    }
    assert_string_equal(record.name, "张三");
    assert_int_equal(record.gender, TALENT_GENDER_MALE);
    assert_int_equal(record.birth_year, 1985);
    assert_int_equal(record.id_type, TALENT_ID_RESIDENT);
    assert_string_equal(record.id_number, "330110198503171233");
    assert_string_equal(record.phone, "13800005678");
    assert_string_equal(record.email, "zhang.san@example.com");
    assert_string_equal(record.category, "national");
    assert_string_equal(record.field, "equipment");
    assert_string_equal(record.employer_name, "临平示例科技有限公司");
    assert_string_equal(record.employer_uscc, "91330110MA2B3C4D56");
    assert_string_equal(record.channel, "overseas_station");
    assert_string_equal(record.station, "慕尼黑千里马驿站");
    assert_true(record.overseas);
    assert_string_equal(record.arrived, "2022-03-01");
    assert_int_equal(record.status, TALENT_ACTIVE);
    assert_string_equal(record.left_on, "");
    assert_string_equal(record.notes, "line 1\nline 2");
    assert_int_equal(record.present, 0xffffu & ~(unsigned)TALENT_F_LEFT_ON);

    //  Only the required fields.
    const char *minimal =
        "{\"name\":\"Ada\",\"id_type\":\"passport\",\"id_number\":\"e1234567\",\"category\":"
        "\"top\",\"field\":\"future\",\"channel\":{\"kind\":\"direct\"},\"arrived\":\"2021-01-"
        "04\"}";
    if (s_decode_json(minimal, TALENT_DECODE_FULL) != 0) {
        s_print_errors();
        fail();
    }
    assert_string_equal(record.id_number, "E1234567");
    assert_int_equal(record.gender, TALENT_GENDER_UNSET);
    assert_int_equal(record.birth_year, 0);
    assert_false(record.overseas);
    assert_int_equal(record.status, TALENT_ACTIVE);
    assert_string_equal(record.employer_name, "");
}

static void test_required(void **state)
{
    (void)state;
    const char *required[] = {"name",  "id_type", "id_number", "category",
                              "field", "channel", "arrived"};
    for (size_t i = 0; i < sizeof required / sizeof required[0]; i++) {
        const char *field = required[i];
        //  Without id_type the number cannot be checked: one error, for id_type.
        s_refused(field, NULL, field, "missing");
        s_refused(field, "null", field, "must not be nil");
    }
    assert_int_equal(s_decode_json("{}", TALENT_DECODE_FULL), -1);
    assert_int_equal(errors.count, 7);
}

static void test_identity(void **state)
{
    (void)state;
    s_refused("id_number", "\"330110198503171234\"", "id_number", "check digit is 4, expected 3");
    s_refused("id_number", "\"330110198503100030\"", "id_number", "check digit is 0, expected X");
    s_refused("id_number", "\"33011019850317123\"", "id_number", "18 characters");
    s_refused("id_number", "\"930110198503171230\"", "id_number", "region code");
    s_refused("id_number", "12345", "id_number", "must be a string");
    s_refused("id_number", "\"330110198502301233\"", "id_number", "not a real date");
    //  A lower-case x is read as X; the birth year must match the number.
    char *json = s_with(s_valid, "id_number", "\"33011019850310003x\"");
    assert_int_equal(s_decode_json(json, TALENT_DECODE_FULL), 0);
    assert_string_equal(record.id_number, "33011019850310003X");
    free(json);
    s_refused("birth_year", "1986", "birth_year", "does not match the birth date in id_number");
    s_refused("birth_year", "1899", "birth_year", "must be from 1900");
    s_refused("birth_year", "2030", "birth_year", "must be from 1900");
    s_refused("birth_year", "\"1985\"", "birth_year", "must be an integer");
    s_refused("id_type", "\"driving_licence\"", "id_type", "must be one of resident, passport");

    //  Passports and other documents.
    json = s_with(s_valid, "id_type", "\"passport\"");
    char *json2 = s_with(json, "id_number", "\"P-123\"");
    assert_int_equal(s_decode_json(json2, TALENT_DECODE_FULL), -1);
    assert_true(s_has_error("id_number", "only letters and digits"));
    free(json2);
    json2 = s_with(json, "id_number", "\"P12\"");
    assert_int_equal(s_decode_json(json2, TALENT_DECODE_FULL), -1);
    assert_true(s_has_error("id_number", "5 to 20 characters"));
    free(json2);
    json2 = s_with(json, "id_number", "\"G12345678\"");
    assert_int_equal(s_decode_json(json2, TALENT_DECODE_FULL), 0);
    free(json2);
    free(json);
    json = s_with(s_valid, "id_type", "\"other\"");
    json2 = s_with(json, "id_number", "\"hk-c1234567\"");
    assert_int_equal(s_decode_json(json2, TALENT_DECODE_FULL), 0);
    assert_string_equal(record.id_number, "HK-C1234567");
    free(json2);
    json2 = s_with(json, "id_number", "\"A B\"");
    assert_int_equal(s_decode_json(json2, TALENT_DECODE_FULL), -1);
    free(json2);
    free(json);
}

static void test_contact(void **state)
{
    (void)state;
    s_refused("phone", "\"12800005678\"", "phone", "starts with 13-19");
    s_refused("phone", "\"+44 1632\"", "phone", "digits only");
    s_refused("phone", "\"13800005678000000000\"", "phone", "longer than 16 bytes");
    s_refused("email", "\"no-at.example.com\"", "email", "must contain @");
    s_refused("email", "\"a@b\"", "email", "needs a dot");
    s_accepted("phone", "\"+441632960123\"");
    s_accepted("phone", "null");
    assert_string_equal(record.phone, "");
    s_accepted("email", NULL);
}

static void test_codes_and_channel(void **state)
{
    (void)state;
    s_refused("category", "\"nobel\"", "category", "unknown level 'nobel' (one of top, national");
    s_refused("field", "\"mining\"", "field", "unknown field 'mining'");
    s_refused("category", "\"a-very-long-code-that-is-longer-than-32-bytes\"", "category",
              "unknown level (one of");
    s_refused("channel", "{\"kind\":\"carrier_pigeon\",\"station\":\"x\"}", "channel.kind",
              "unknown channel");
    s_refused("channel", "{\"kind\":\"overseas_station\"}", "channel.station",
              "missing: the channel overseas_station names its station");
    s_refused("channel", "{\"kind\":\"direct\",\"station\":\"慕尼黑\"}", "channel.station",
              "only for a channel that names a station");
    s_refused("channel", "{\"kind\":\"direct\",\"via\":\"x\"}", "channel.via", "unknown key");
    s_refused("channel", "\"direct\"", "channel", "must be a map");
    s_refused("channel", "{}", "channel.kind", "missing");
    s_accepted("channel", "{\"kind\":\"university_alliance\"}");
    s_accepted("channel", "{\"kind\":\"direct\",\"station\":null}");

    s_refused("employer", "{\"name\":\"某公司\",\"uscc\":\"91330110MA2B3C4D57\"}", "employer.uscc",
              "check character is 7, expected 6");
    s_refused("employer", "{\"name\":\"某公司\",\"uscc\":\"91330110MA2B3C4D5\"}", "employer.uscc",
              "18 characters");
    s_refused("employer", "{\"name\":\"某公司\",\"uscc\":\"91330110MA2B3C4D5612\"}",
              "employer.uscc", "18 characters");
    s_refused("employer", "{\"uscc\":\"91330110MA2B3C4D56\"}", "employer.name", "missing");
    s_refused("employer", "{\"name\":\"   \"}", "employer.name", "must not be empty");
    s_refused("employer", "{\"name\":\"x\",\"city\":\"y\"}", "employer.city", "unknown key");
    s_accepted("employer", "{\"name\":\"某公司\"}");
    assert_string_equal(record.employer_uscc, "");
    s_accepted("employer", "null");
    assert_string_equal(record.employer_name, "");
}

static void test_dates_and_status(void **state)
{
    (void)state;
    s_refused("arrived", "\"2023-02-29\"", "arrived", "2023-02-29 is not a real date");
    s_refused("arrived", "\"2023/02/01\"", "arrived", "YYYY-MM-DD");
    s_refused("arrived", "\"2023-02-01T10:00\"", "arrived", "YYYY-MM-DD");
    s_refused("arrived", "\"1949-12-31\"", "arrived", "from 1950-01-01 to today");
    s_refused("arrived", "\"2999-01-01\"", "arrived", "from 1950-01-01 to today");
    s_refused("arrived", "20230201", "arrived", "must be a string");
    s_refused("status", "\"retired\"", "status", "must be one of active, left");
    s_refused("status", "\"left\"", "left_on", "missing: the status is left");
    s_refused("left_on", "\"2023-01-01\"", "left_on", "only when the status is left");
    s_refused("overseas", "\"yes\"", "overseas", "must be a bool");
    s_refused("overseas", "null", "overseas", "must not be nil");
    s_refused("gender", "\"m\"", "gender", "must be one of male, female, other");

    char *json = s_with(s_valid, "status", "\"left\"");
    char *json2 = s_with(json, "left_on", "\"2022-02-28\"");
    assert_int_equal(s_decode_json(json2, TALENT_DECODE_FULL), -1);
    assert_true(s_has_error("left_on", "is before the arrival date 2022-03-01"));
    free(json2);
    json2 = s_with(json, "left_on", "\"2024-06-30\"");
    assert_int_equal(s_decode_json(json2, TALENT_DECODE_FULL), 0);
    assert_int_equal(record.status, TALENT_LEFT);
    assert_string_equal(record.left_on, "2024-06-30");
    free(json2);
    free(json);
}

static void test_text(void **state)
{
    (void)state;
    char name[200];
    memset(name, 'a', 129);
    snprintf(name + 129, sizeof name - 129, "\"");
    char value[210];
    snprintf(value, sizeof value, "\"%s", name);
    s_refused("name", value, "name", "longer than 128 bytes");
    s_refused("name", "\"\"", "name", "must not be empty");
    s_refused("name", "\" \\t \"", "name", "control character");
    s_refused("name", "\"  \"", "name", "must not be empty");
    s_refused("name", "\"a\\u0007b\"", "name", "control character");
    s_refused("name", "\"a\\nb\"", "name", "control character");
    s_refused("name", "42", "name", "must be a string, got int");
    s_refused("name", "[\"a\"]", "name", "must be a string, got array");
    s_accepted("name", "\"Zoë O'Brien-Ito\"");
    s_accepted("notes", "\"\"");
    char *notes = malloc(TALENT_NOTES_MAX + 10);
    notes[0] = '"';
    memset(notes + 1, 'n', TALENT_NOTES_MAX + 1);
    strcpy(notes + TALENT_NOTES_MAX + 2, "\"");
    s_refused("notes", notes, "notes", "longer than 2000 bytes");
    free(notes);

    //  Invalid UTF-8 cannot be written as JSON: build the message directly.
    sti_writer_reset(writer);
    sti_writer_map(writer, 1);
    sti_writer_str(writer, "name");
    sti_writer_strn(writer, "\xe5\x90", 2);
    size_t size;
    const void *data = sti_writer_data(writer, &size);
    assert_int_equal(
        talent_record_decode(data, size, codes, TALENT_DECODE_PARTIAL, &record, &errors), -1);
    assert_true(s_has_error("name", "UTF-8"));
    //  Nor a NUL byte inside a string.
    sti_writer_reset(writer);
    sti_writer_map(writer, 1);
    sti_writer_str(writer, "notes");
    sti_writer_strn(writer, "a\0b", 3);
    data = sti_writer_data(writer, &size);
    assert_int_equal(
        talent_record_decode(data, size, codes, TALENT_DECODE_PARTIAL, &record, &errors), -1);
    assert_true(s_has_error("notes", "NUL"));
}

static void test_unknown_and_many(void **state)
{
    (void)state;
    //  The unknown key is named and the other fields are still checked.
    char *json = s_with(s_valid, "nickname", "\"Sanzi\"");
    char *json2 = s_with(json, "phone", "\"123\"");
    assert_int_equal(s_decode_json(json2, TALENT_DECODE_FULL), -1);
    assert_int_equal(errors.count, 2);
    assert_true(s_has_error("nickname", "unknown key"));
    assert_true(s_has_error("phone", "11 digits"));
    free(json);
    free(json2);
    s_refused("id", "\"T1\"", "id", "unknown key");

    //  Many errors: bounded list, truncated flag.
    const char *bad = "{\"name\":1,\"gender\":1,\"birth_year\":\"x\",\"id_type\":1,\"id_number\":1,"
                      "\"phone\":1,\"email\":1,\"category\":1,\"field\":1,\"employer\":1,"
                      "\"channel\":1,\"overseas\":1,\"arrived\":1,\"status\":1,\"left_on\":1,"
                      "\"notes\":1,\"x\":1}";
    assert_int_equal(s_decode_json(bad, TALENT_DECODE_FULL), -1);
    assert_int_equal(errors.count, TALENT_ERRORS_MAX);
    assert_true(errors.truncated);
}

static void test_hostile(void **state)
{
    (void)state;
    assert_int_equal(talent_record_decode("", 0, codes, TALENT_DECODE_FULL, &record, &errors), -1);
    assert_int_equal(errors.count, 1);
    assert_string_equal(errors.items[0].field, "");
    //  Not a map.
    assert_int_equal(s_decode_json("[1,2]", TALENT_DECODE_FULL), -1);
    assert_true(s_has_error("", "must be a map"));
    //  A map header that claims 2^32-1 pairs in five bytes.
    const uint8_t huge[] = {0xdf, 0xff, 0xff, 0xff, 0xff};
    assert_int_equal(
        talent_record_decode(huge, sizeof huge, codes, TALENT_DECODE_FULL, &record, &errors), -1);
    //  Trailing bytes.
    sti_writer_reset(writer);
    sti_writer_map(writer, 0);
    sti_writer_nil(writer);
    size_t size;
    const void *data = sti_writer_data(writer, &size);
    assert_int_equal(
        talent_record_decode(data, size, codes, TALENT_DECODE_PARTIAL, &record, &errors), -1);
    //  Every truncation and many byte flips of a valid message: never a crash.
    cJSON *root = cJSON_Parse(s_valid);
    sti_writer_reset(writer);
    s_write_json(root);
    cJSON_Delete(root);
    data = sti_writer_data(writer, &size);
    uint8_t *copy = malloc(size);
    memcpy(copy, data, size);
    for (size_t cut = 0; cut < size; cut++) {
        assert_int_equal(
            talent_record_decode(copy, cut, codes, TALENT_DECODE_FULL, &record, &errors), -1);
    }
    srand(4);
    for (int round = 0; round < 3000; round++) {
        size_t at = (size_t)rand() % size;
        uint8_t saved = copy[at];
        copy[at] = (uint8_t)rand();
        talent_record_decode(copy, size, codes, TALENT_DECODE_FULL, &record, &errors);
        assert_true(errors.count <= TALENT_ERRORS_MAX);
        copy[at] = saved;
    }
    free(copy);
}

static void test_partial_and_merge(void **state)
{
    (void)state;
    assert_int_equal(s_decode_json(s_valid, TALENT_DECODE_FULL), 0);
    talent_record_t stored = record;

    //  An empty update is valid and changes nothing.
    assert_int_equal(s_decode_json("{}", TALENT_DECODE_PARTIAL), 0);
    assert_int_equal(record.present, 0);

    //  Only the fields present; nil clears an optional one.
    assert_int_equal(s_decode_json("{\"phone\":null,\"category\":\"top\",\"status\":\"left\","
                                   "\"left_on\":\"2025-01-31\"}",
                                   TALENT_DECODE_PARTIAL),
                     0);
    assert_int_equal(record.present,
                     TALENT_F_PHONE | TALENT_F_CATEGORY | TALENT_F_STATUS | TALENT_F_LEFT_ON);
    talent_record_t merged = stored;
    talent_record_merge(&merged, &record);
    assert_string_equal(merged.phone, "");
    assert_string_equal(merged.category, "top");
    assert_string_equal(merged.email, "zhang.san@example.com");
    assert_string_equal(merged.name, "张三");
    talent_errors_clear(&errors);
    assert_int_equal(talent_record_check(&merged, codes, &errors), 0);

    //  An update that leaves the merged record inconsistent.
    assert_int_equal(s_decode_json("{\"status\":\"left\"}", TALENT_DECODE_PARTIAL), 0);
    merged = stored;
    talent_record_merge(&merged, &record);
    talent_errors_clear(&errors);
    assert_int_equal(talent_record_check(&merged, codes, &errors), -1);
    assert_true(s_has_error("left_on", "missing"));
    assert_int_equal(s_decode_json("{\"channel\":{\"kind\":\"direct\"}}", TALENT_DECODE_PARTIAL),
                     0);
    merged = stored;
    talent_record_merge(&merged, &record);
    assert_string_equal(merged.station, "");
    talent_errors_clear(&errors);
    assert_int_equal(talent_record_check(&merged, codes, &errors), 0);

    //  Bad values are refused as in a full decode; required fields cannot be nil.
    assert_int_equal(
        s_decode_json("{\"arrived\":\"2023-02-30\",\"name\":null}", TALENT_DECODE_PARTIAL), -1);
    assert_true(s_has_error("arrived", "not a real date"));
    assert_true(s_has_error("name", "must not be nil"));
    //  id_type and id_number travel together.
    assert_int_equal(s_decode_json("{\"id_number\":\"330110198503171233\"}", TALENT_DECODE_PARTIAL),
                     -1);
    assert_true(s_has_error("id_number", "send id_type with id_number"));
    assert_int_equal(s_decode_json("{\"id_type\":\"passport\"}", TALENT_DECODE_PARTIAL), -1);
    assert_true(s_has_error("id_type", "send id_number with id_type"));
    assert_int_equal(s_decode_json("{\"id_type\":\"passport\",\"id_number\":\"E7654321\"}",
                                   TALENT_DECODE_PARTIAL),
                     0);
}

static void test_masked(void **state)
{
    (void)state;
    assert_int_equal(s_decode_json(s_valid, TALENT_DECODE_FULL), 0);
    sti_writer_reset(writer);
    talent_record_encode_masked(&record, "T000042", 7, writer);
    size_t size;
    const void *data = sti_writer_data(writer, &size);
    //  No personal data in clear anywhere in the bytes.
    assert_null(memmem(data, size, "330110198503171233", 18));
    assert_null(memmem(data, size, "13800005678", 11));
    assert_null(memmem(data, size, "zhang.san", 9));

    char err[160];
    sti_reader_t *reader = sti_reader_new(data, size, NULL, err, sizeof err);
    assert_non_null(reader);
    sti_node_t root = sti_reader_root(reader);
    assert_int_equal(sti_node_size(root), 18);
    char text[TALENT_MASK_MAX];
    int64_t number;
    bool flag;
    sti_field_error_t ferr;
    assert_int_equal(sti_map_str_copy(root, "id", text, sizeof text, &ferr), 0);
    assert_string_equal(text, "T000042");
    assert_int_equal(sti_map_int(root, "version", &number, &ferr), 0);
    assert_int_equal(number, 7);
    assert_int_equal(sti_map_str_copy(root, "id_number", text, sizeof text, &ferr), 0);
    assert_string_equal(text, "3301**********1233");
    assert_int_equal(sti_map_str_copy(root, "phone", text, sizeof text, &ferr), 0);
    assert_string_equal(text, "138****5678");
    assert_int_equal(sti_map_str_copy(root, "email", text, sizeof text, &ferr), 0);
    assert_string_equal(text, "z***@example.com");
    assert_int_equal(sti_map_str_copy(root, "name", text, sizeof text, &ferr), 0);
    assert_string_equal(text, "张三");
    assert_int_equal(sti_map_bool(root, "overseas", &flag, &ferr), 0);
    assert_true(flag);
    sti_node_t employer = sti_node_get(root, "employer");
    assert_int_equal(sti_map_str_copy(employer, "uscc", text, sizeof text, &ferr), 0);
    assert_string_equal(text, "91330110MA2B3C4D56");
    sti_node_t channel = sti_node_get(root, "channel");
    assert_int_equal(sti_map_str_copy(channel, "station", text, sizeof text, &ferr), 0);
    assert_string_equal(text, "慕尼黑千里马驿站");
    assert_int_equal(sti_node_type(sti_node_get(root, "left_on")), STI_TYPE_NIL);
    sti_reader_destroy(&reader);

    //  Absent optional fields are nil.
    assert_int_equal(s_decode_json("{\"name\":\"Ada\",\"id_type\":\"passport\",\"id_number\":"
                                   "\"E1234567\",\"category\":\"top\",\"field\":\"future\","
                                   "\"channel\":{\"kind\":\"direct\"},\"arrived\":\"2021-01-04\"}",
                                   TALENT_DECODE_FULL),
                     0);
    sti_writer_reset(writer);
    talent_record_encode_masked(&record, "T1", 1, writer);
    data = sti_writer_data(writer, &size);
    reader = sti_reader_new(data, size, NULL, err, sizeof err);
    root = sti_reader_root(reader);
    const char *nils[] = {"gender", "birth_year", "phone", "email", "employer", "left_on", "notes"};
    for (size_t i = 0; i < sizeof nils / sizeof nils[0]; i++) {
        assert_int_equal(sti_node_type(sti_node_get(root, nils[i])), STI_TYPE_NIL);
    }
    assert_int_equal(sti_map_str_copy(root, "id_number", text, sizeof text, &ferr), 0);
    assert_string_equal(text, "E1****67");
    sti_reader_destroy(&reader);
}

static void test_request_round_trip(void **state)
{
    (void)state;
    assert_int_equal(s_decode_json(s_valid, TALENT_DECODE_FULL), 0);
    talent_record_t first = record;
    sti_writer_reset(writer);
    talent_record_encode_request(&first, writer);
    size_t size;
    const void *data = sti_writer_data(writer, &size);
    void *copy = malloc(size);
    memcpy(copy, data, size);
    assert_int_equal(talent_record_decode(copy, size, codes, TALENT_DECODE_FULL, &record, &errors),
                     0);
    assert_memory_equal(&first, &record, sizeof record);
    free(copy);

    //  A partial record encodes only its fields, nil for the cleared ones.
    assert_int_equal(s_decode_json("{\"email\":null,\"overseas\":false}", TALENT_DECODE_PARTIAL),
                     0);
    first = record;
    sti_writer_reset(writer);
    talent_record_encode_request(&first, writer);
    data = sti_writer_data(writer, &size);
    copy = malloc(size);
    memcpy(copy, data, size);
    assert_int_equal(
        talent_record_decode(copy, size, codes, TALENT_DECODE_PARTIAL, &record, &errors), 0);
    assert_int_equal(record.present, TALENT_F_EMAIL | TALENT_F_OVERSEAS);
    free(copy);
    assert_string_equal(talent_id_type_name(TALENT_ID_OTHER), "other");
    assert_string_equal(talent_status_name(TALENT_LEFT), "left");
    assert_string_equal(talent_gender_name(TALENT_GENDER_FEMALE), "female");
}

static void test_counts_for(void **state)
{
    (void)state;
    const talent_indicator_t *all = talent_codes_indicator_at(codes, 0);
    const talent_indicator_t *overseas = talent_codes_indicator_at(codes, 1);
    assert_string_equal(all->code, "registered_talents");
    assert_string_equal(overseas->code, "registered_overseas_talents");
    //  s_valid: overseas, arrived 2022-03-01, active.
    assert_int_equal(s_decode_json(s_valid, TALENT_DECODE_FULL), 0);
    assert_false(talent_record_counts_for(&record, all, 2021));
    assert_true(talent_record_counts_for(&record, all, 2022));
    assert_true(talent_record_counts_for(&record, overseas, 2025));
    record.overseas = false;
    assert_true(talent_record_counts_for(&record, all, 2025));
    assert_false(talent_record_counts_for(&record, overseas, 2025));
    //  Left on 2024-06-30: counts for 2023, not for 2024.
    record.status = TALENT_LEFT;
    strcpy(record.left_on, "2024-06-30");
    assert_true(talent_record_counts_for(&record, all, 2023));
    assert_false(talent_record_counts_for(&record, all, 2024));
    //  An indicator of every talent, active or not.
    talent_indicator_t any = *all;
    any.counts_active_only = false;
    assert_true(talent_record_counts_for(&record, &any, 2024));
    //  Arrived on the last day of the year.
    strcpy(record.arrived, "2021-12-31");
    assert_true(talent_record_counts_for(&record, &any, 2021));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid),
        cmocka_unit_test(test_required),
        cmocka_unit_test(test_identity),
        cmocka_unit_test(test_contact),
        cmocka_unit_test(test_codes_and_channel),
        cmocka_unit_test(test_dates_and_status),
        cmocka_unit_test(test_text),
        cmocka_unit_test(test_unknown_and_many),
        cmocka_unit_test(test_hostile),
        cmocka_unit_test(test_partial_and_merge),
        cmocka_unit_test(test_masked),
        cmocka_unit_test(test_request_round_trip),
        cmocka_unit_test(test_counts_for),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
