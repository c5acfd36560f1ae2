/*  test_sti_redis_format: argument vectors written as RESP commands, byte
    for byte what hiredis's redisFormatCommandArgv writes: empty and binary
    arguments, C strings, many arguments, lengths across digit counts, a
    buffer reused, grown and let go. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sti_redis_format.h"

//  The command hiredis writes for the same arguments equals ours.
static void s_same(sti_redis_format_t *format, int argc, const char **argv, const size_t *lens)
{
    char *theirs = NULL;
    int len = redisFormatCommandArgv(&theirs, argc, argv, lens);
    assert_true(len > 0);
    size_t ours = sti_redis_format_argv(format, argc, argv, lens);
    assert_int_equal(ours, (size_t)len);
    assert_memory_equal(format->data, theirs, ours);
    redisFreeCommand(theirs);
}

static void test_as_hiredis_writes(void **state)
{
    (void)state;
    sti_redis_format_t format = {NULL, 0};
    const char *small[] = {"HMGET", "sti:val:gdp:linping", "2023-05", ""};
    s_same(&format, 4, small, NULL);
    const char binary[] = {'a', 0, '\r', '\n', 'b'};
    const char *mixed[] = {"SET", "k", binary};
    const size_t lens[] = {3, 1, sizeof binary};
    s_same(&format, 3, mixed, lens);
    //  many arguments (counts of 1 to 5 digits), of lengths up to 12,000
    enum { S_MANY = 12000 };
    const char **argv = calloc(S_MANY, sizeof *argv);
    size_t *sizes = calloc(S_MANY, sizeof *sizes);
    char *bytes = malloc(S_MANY);
    assert_true(argv && sizes && bytes);
    memset(bytes, 'x', S_MANY);
    for (int n = 1; n <= S_MANY; n = n < 100 ? n + 1 : n * 3) {
        for (int i = 0; i < n; i++) {
            argv[i] = bytes;
            sizes[i] = (size_t)(i * 7919) % (size_t)n;
        }
        s_same(&format, n, argv, sizes);
    }
    sti_redis_format_free(&format);
    assert_null(format.data);
    sti_redis_format_free(&format);
    free(argv);
    free(sizes);
    free(bytes);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_as_hiredis_writes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
