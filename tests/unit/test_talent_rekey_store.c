/*  Unit tests of talent_rekey_store on a throw-away redis-server: records
    under key 1 counted as old once key 2 is current, a record's sealed
    values read, a replacement refused when the record changed since it was
    read, accepted when it did not, and a record that is gone. The people
    are made up.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "talent_rekey_store.h"
#include "talent_stack.h"

static void test_rekey_store(void **state)
{
    (void)state;
    talent_test_stack_t stack;
    talent_test_stack_up(&stack);
    char id[TALENT_REGISTRY_ID_MAX + 1], err[256], request[16];
    for (int n = 1; n <= 2; n++) {
        talent_record_t person = talent_test_person(n);
        snprintf(request, sizeof request, "req-%d", n);
        talent_actor_t actor = {"talent.add", "test", request, NULL, NULL};
        assert_int_equal(talent_store_add(stack.store, &person, &actor, id, err, sizeof err),
                         TALENT_STORE_OK);
    }
    talent_crypto_t *crypto = talent_test_keyring(2);
    talent_rekey_store_t *keys = talent_rekey_store_new(stack.redis, crypto);
    talent_rekey_count_t count = {0, 0};
    char ids[4][TALENT_REGISTRY_ID_MAX + 1];
    int64_t cursor = 0, found = 0;
    assert_int_equal(
        talent_rekey_store_slice(keys, &cursor, 500, 4, &count, ids, &found, err, sizeof err), 0);
    assert_int_equal(count.old, 2);
    assert_int_equal(count.unknown, 0);
    assert_int_equal(found, 2);
    assert_string_equal(ids[0], "T000001");
    assert_int_equal(cursor, -1);

    talent_rekey_read_t read;
    assert_int_equal(talent_rekey_store_read(keys, "T000001", &read, err, sizeof err), 0);
    assert_string_equal(read.version, "1");
    assert_int_equal(strncmp(read.hash, "01", 2), 0);
    assert_string_equal(read.id_type, "resident");
    assert_non_null(read.sealed[0]);

    //  New values under key 2 for the same content.
    talent_record_t person = talent_test_person(1);
    talent_sealed_t made;
    talent_at_rest_seal(crypto, "T000001", &person, &made);
    talent_actor_t actor = {"talent.rekey", "admin", "req-r", NULL, NULL};
    char other[TALENT_REGISTRY_ID_MAX + 1];
    //  Read at another version: stale, nothing replaced.
    char *version = read.version;
    read.version = "7";
    assert_int_equal(
        talent_rekey_store_write(keys, "T000001", &read, &made, &actor, other, err, sizeof err),
        TALENT_STORE_STALE);
    read.version = version;
    assert_int_equal(
        talent_rekey_store_write(keys, "T000001", &read, &made, &actor, other, err, sizeof err),
        TALENT_STORE_OK);
    talent_rekey_store_free(&read);
    assert_int_equal(talent_rekey_store_read(keys, "T000001", &read, err, sizeof err), 0);
    assert_int_equal(strncmp(read.hash, "02", 2), 0);
    assert_string_equal(read.version, "1");
    talent_rekey_store_free(&read);
    talent_at_rest_sealed_free(&made);
    count = (talent_rekey_count_t){0, 0};
    cursor = 0;
    assert_int_equal(
        talent_rekey_store_slice(keys, &cursor, 500, 0, &count, NULL, &found, err, sizeof err), 0);
    assert_int_equal(count.old, 1);

    assert_int_equal(talent_rekey_store_read(keys, "T000099", &read, err, sizeof err), 0);
    assert_null(read.version);
    talent_rekey_store_free(&read);

    talent_rekey_store_destroy(&keys);
    talent_crypto_destroy(&crypto);
    talent_test_stack_down(&stack);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rekey_store),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
