/*  Unit tests of talent_at_rest: a record's index tokens and id number, its
    sealed fields (they open for their record and field only, and carry the
    current key), its stored data (no document, phone or e-mail in it), and
    its events' data. The person is made up (tests/unit/talent_stack.h).
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "talent_at_rest.h"
#include "talent_stack.h"

static void test_tokens_and_ids(void **state)
{
    (void)state;
    talent_record_t person = talent_test_person(1);
    snprintf(person.employer_name, sizeof person.employer_name, "临平示例科技有限公司");
    person.overseas = true;
    char tokens[512];
    assert_int_equal(talent_at_rest_tokens(&person, tokens, sizeof tokens), 0);
    assert_string_equal(tokens, "category:national\nfield:equipment\nchannel:direct\noverseas:1\n"
                                "status:active\nyear:2022\nemployer:临平示例科技有限公司\n");
    assert_int_equal(talent_at_rest_tokens(&person, tokens, 20), -1);
    assert_int_equal(talent_at_rest_id_number("T000012"), 12);
    assert_int_equal(talent_at_rest_id_number("G000012"), -1);
    assert_int_equal(talent_at_rest_id_number("T12a"), -1);
    assert_int_equal(talent_at_rest_id_number("T"), -1);
    assert_int_equal(talent_at_rest_id_type("passport"), TALENT_ID_PASSPORT);
    assert_int_equal(talent_at_rest_id_type("other"), TALENT_ID_OTHER);
    assert_int_equal(talent_at_rest_id_type("resident"), TALENT_ID_RESIDENT);
}

static void test_seal_and_open(void **state)
{
    (void)state;
    talent_crypto_t *crypto = talent_test_keyring(2);
    talent_record_t person = talent_test_person(2), back;
    talent_sealed_t sealed;
    talent_at_rest_seal(crypto, "T000002", &person, &sealed);
    for (int f = 0; f < TALENT_SEALED_FIELDS; f++) {
        assert_non_null(sealed.value[f]);
        assert_int_equal(talent_crypto_sealed_key_id(sealed.value[f], sealed.len[f]), 2);
        assert_null(memmem(sealed.value[f], sealed.len[f], person.id_number, 18));
    }
    //  The hash under the current key, and under the old one apart.
    char hash[TALENT_HASH_TEXT_LEN + 1], old[TALENT_HASH_TEXT_LEN + 1];
    talent_crypto_hash(crypto, "resident", person.id_number, hash);
    talent_crypto_hash_with(crypto, 1, "resident", person.id_number, old);
    assert_string_equal(sealed.hash, hash);
    assert_int_equal(strncmp(sealed.others, old, TALENT_HASH_TEXT_LEN), 0);
    assert_int_equal(sealed.others[TALENT_HASH_TEXT_LEN], '\n');

    const uint8_t *values[TALENT_SEALED_FIELDS] = {sealed.value[0], sealed.value[1],
                                                   sealed.value[2]};
    char err[256];
    memset(&back, 0, sizeof back);
    assert_int_equal(
        talent_at_rest_open(crypto, "T000002", values, sealed.len, &back, err, sizeof err), 0);
    assert_string_equal(back.id_number, person.id_number);
    assert_string_equal(back.phone, person.phone);
    assert_string_equal(back.email, person.email);
    //  Moved to another record, a value does not open.
    assert_int_equal(
        talent_at_rest_open(crypto, "T000003", values, sealed.len, &back, err, sizeof err), -1);
    //  A field not stored stays empty.
    const uint8_t *only_number[TALENT_SEALED_FIELDS] = {sealed.value[0], NULL, NULL};
    talent_record_wipe(&back);
    assert_int_equal(
        talent_at_rest_open(crypto, "T000002", only_number, sealed.len, &back, err, sizeof err), 0);
    assert_string_equal(back.phone, "");
    talent_at_rest_sealed_free(&sealed);
    talent_at_rest_sealed_free(&sealed);
    talent_crypto_destroy(&crypto);
}

static void test_stored_data_and_event(void **state)
{
    (void)state;
    talent_codes_t *codes = talent_test_codes();
    talent_record_t person = talent_test_person(3), back;
    snprintf(person.notes, sizeof person.notes, "first line\nsecond");
    size_t size;
    void *data = talent_at_rest_data(&person, &size);
    assert_null(memmem(data, size, person.id_number, strlen(person.id_number)));
    assert_null(memmem(data, size, person.phone, strlen(person.phone)));
    assert_null(memmem(data, size, person.email, strlen(person.email)));
    talent_errors_t errors;
    assert_int_equal(talent_record_decode(data, size, codes, TALENT_DECODE_PARTIAL, &back, &errors),
                     0);
    assert_string_equal(back.name, person.name);
    assert_string_equal(back.notes, person.notes);
    assert_true(back.present & TALENT_F_STATUS);
    assert_false(back.present & TALENT_F_ID_NUMBER);
    free(data);

    sti_writer_t *writer = sti_writer_new();
    person.status = TALENT_LEFT;
    snprintf(person.left_on, sizeof person.left_on, "2024-06-30");
    talent_at_rest_event_data(writer, "T000003", &person, 4);
    const void *event = sti_writer_data(writer, &size);
    char err[160];
    sti_reader_t *reader = sti_reader_new(event, size, NULL, err, sizeof err);
    assert_non_null(reader);
    sti_node_t root = sti_reader_root(reader);
    assert_int_equal(sti_node_size(root), 9);
    char text[64];
    int64_t version;
    sti_field_error_t fe;
    assert_int_equal(sti_map_str_copy(root, "left_on", text, sizeof text, &fe), 0);
    assert_string_equal(text, "2024-06-30");
    assert_int_equal(sti_map_int(root, "version", &version, &fe), 0);
    assert_int_equal(version, 4);
    assert_true(sti_node_is_missing(sti_node_get(root, "name")));
    assert_null(memmem(event, size, person.id_number, strlen(person.id_number)));
    sti_reader_destroy(&reader);
    sti_writer_destroy(&writer);
    talent_at_rest_event_time(text, sizeof text);
    assert_int_equal(strlen(text), 24);
    assert_int_equal(text[23], 'Z');
    talent_codes_destroy(&codes);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tokens_and_ids),
        cmocka_unit_test(test_seal_and_open),
        cmocka_unit_test(test_stored_data_and_event),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
