/*  Unit tests of projects_store on a throw-away redis-server: codes in
    pages, projects read in one round trip (an unknown code passed over),
    the feeds' tally at one generation, the feed's mark, and what Redis
    holds read as hostile (a field that does not parse fails the read). The
    projects are made up.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "projects_plan.h"
#include "projects_writer.h"
#include "redis_server.h"

static void s_count(void *arg, const projects_record_t *record)
{
    (void)record;
    (*(int *)arg)++;
}

static void test_reads(void **state)
{
    sti_redis_t *redis = ((projects_test_redis_t *)*state)->redis;
    char err[256];
    projects_store_t *store = projects_store_new(redis);
    projects_writer_t *writer = projects_writer_new(redis, store, NULL, 60);
    projects_record_t *next = projects_record_new();
    projects_test_add(writer, "S-3", 0);
    projects_test_add(writer, "S-1", 0);
    projects_test_add(writer, "S-2", 0);
    char codes[4][PROJECTS_CODE_MAX + 1];
    assert_int_equal(projects_store_codes(store, "", codes, 2), 2);
    assert_string_equal(codes[0], "S-1");
    assert_string_equal(codes[1], "S-2");
    assert_int_equal(projects_store_codes(store, "S-2", codes, 2), 1);
    assert_string_equal(codes[0], "S-3");
    snprintf(codes[1], sizeof codes[1], "S-404");
    int seen = 0;
    assert_int_equal(projects_store_each(store, codes, 2, s_count, &seen), 0);
    assert_int_equal(seen, 1);
    projects_tally_t *tally = NULL;
    size_t count = 0;
    uint64_t gen = 0;
    assert_int_equal(projects_store_tally(store, &tally, &count, &gen), 0);
    assert_int_equal(count, 3);
    assert_int_equal(gen, 3);
    assert_int_equal(tally[0].kind, 2);
    assert_int_equal(tally[0].change_count, 1);
    assert_int_equal(tally[0].invested_year[0], 2021);
    free(tally);
    char mark[64];
    assert_int_equal(projects_store_fed(store, mark, sizeof mark), 0);
    assert_string_equal(mark, "");
    assert_int_equal(projects_store_set_fed(store, "3-1-2024"), 0);
    assert_int_equal(projects_store_fed(store, mark, sizeof mark), 0);
    assert_string_equal(mark, "3-1-2024");
    //  a version that is not a number: the read fails, saying so
    redisReply *reply = sti_redis_command(redis, "HSET ut:prj:p:S-1 version x");
    freeReplyObject(reply);
    assert_int_equal(projects_store_read(store, "S-1", next, err, sizeof err),
                     PROJECTS_STORE_FAILED);
    assert_string_equal(err, "what Redis holds for project S-1 does not read");
    assert_int_equal(projects_store_read(store, "S-404", next, err, sizeof err),
                     PROJECTS_STORE_NOT_FOUND);
    free(next);
    projects_writer_destroy(&writer);
    projects_store_destroy(&store);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reads),
    };
    return cmocka_run_group_tests(tests, projects_test_setup, projects_test_teardown);
}
