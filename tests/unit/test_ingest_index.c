/*  test_ingest_index: the strings of one request with a number each: found
    again, replaced, forgotten on reset, keys that differ only by length or
    a byte, and a table that grows past its first size several times. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "ingest_index.h"

static void test_put_get_reset(void **state)
{
    (void)state;
    ingest_index_t *index = ingest_index_new();
    assert_int_equal(ingest_index_get(index,
                                      "town1\x1f"
                                      "2023",
                                      10),
                     0);
    ingest_index_put(index,
                     "town1\x1f"
                     "2023",
                     10, 1);
    ingest_index_put(index,
                     "town1\x1f"
                     "2023-01",
                     13, 2);
    ingest_index_put(index, "town1", 5, 3);
    ingest_index_put(index, "", 0, 4);
    assert_int_equal(ingest_index_get(index,
                                      "town1\x1f"
                                      "2023",
                                      10),
                     1);
    assert_int_equal(ingest_index_get(index,
                                      "town1\x1f"
                                      "2023-01",
                                      13),
                     2);
    assert_int_equal(ingest_index_get(index,
                                      "town1\x1f"
                                      "2023-01",
                                      9),
                     0); // "town1\x1f202"
    assert_int_equal(ingest_index_get(index, "town1", 5), 3);
    assert_int_equal(ingest_index_get(index, "town2", 5), 0);
    assert_int_equal(ingest_index_get(index, "", 0), 4);
    ingest_index_put(index, "town1", 5, 7);
    assert_int_equal(ingest_index_get(index, "town1", 5), 7);
    assert_int_equal(ingest_index_size(index), 4);
    ingest_index_reset(index);
    assert_int_equal(ingest_index_size(index), 0);
    assert_int_equal(ingest_index_get(index, "town1", 5), 0);
    ingest_index_put(index, "town1", 5, 9);
    assert_int_equal(ingest_index_get(index, "town1", 5), 9);
    ingest_index_destroy(&index);
    assert_null(index);
    ingest_index_destroy(&index);
}

static void test_many_keys(void **state)
{
    (void)state;
    ingest_index_t *index = ingest_index_new();
    char key[64];
    for (int round = 0; round < 3; round++) {
        ingest_index_reset(index);
        for (size_t i = 0; i < 20000; i++) {
            int len = snprintf(key, sizeof key, "indicator_%zu:town%zu", i % 97, i);
            ingest_index_put(index, key, (size_t)len, i + 1);
        }
        assert_int_equal(ingest_index_size(index), 20000);
        for (size_t i = 0; i < 20000; i++) {
            int len = snprintf(key, sizeof key, "indicator_%zu:town%zu", i % 97, i);
            assert_int_equal(ingest_index_get(index, key, (size_t)len), i + 1);
        }
        assert_int_equal(ingest_index_get(index, "indicator_0:town20000", 21), 0);
    }
    ingest_index_destroy(&index);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_put_get_reset),
        cmocka_unit_test(test_many_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
