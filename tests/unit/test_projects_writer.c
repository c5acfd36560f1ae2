/*  Unit tests of projects_writer (with projects_store reading back) on a
    throw-away redis-server: an add read back as it was written, a retried
    request answered and applied once, the same row again unchanged, a code
    taken by other data and a stale version refused naming the field, a
    change of status logged as an event, a dry run that writes nothing, and
    a late milestone raised once. The projects are made up.
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

static void *fixture; // projects_test_redis_t
static sti_redis_t *redis;
static projects_store_t *store;
static projects_writer_t *writer;

static int s_setup(void **state)
{
    (void)state;
    assert_int_equal(projects_test_setup(&fixture), 0);
    redis = ((projects_test_redis_t *)fixture)->redis;
    store = projects_store_new(redis);
    writer = projects_writer_new(redis, store, NULL, 3600);
    return 0;
}

static int s_teardown(void **state)
{
    (void)state;
    projects_writer_destroy(&writer);
    projects_store_destroy(&store);
    return projects_test_teardown(&fixture);
}

static long long s_int(const char *command)
{
    redisReply *reply = sti_redis_command(redis, command);
    assert_non_null(reply);
    long long value = reply->type == REDIS_REPLY_INTEGER ? reply->integer : -1;
    freeReplyObject(reply);
    return value;
}

static void test_add_and_replay(void **state)
{
    (void)state;
    projects_record_t *next = projects_record_new(), *read = projects_record_new();
    projects_test_project(next, "W-1");
    projects_change_t change = {NULL, next, 0};
    projects_write_result_t result;
    char err[256];
    assert_int_equal(projects_writer_replayed(writer, "project.add", "r-1", &result),
                     PROJECTS_STORE_NOT_FOUND);
    projects_writer_write(writer, "project.add", "r-1", &change, 1, &result);
    assert_int_equal(result.rc, PROJECTS_STORE_OK);
    assert_int_equal(projects_store_read(store, "W-1", read, err, sizeof err), PROJECTS_STORE_OK);
    assert_string_equal(read->name_zh, next->name_zh);
    assert_int_equal(read->version, 1);
    assert_int_equal(read->milestone_count, 2);
    assert_int_equal(read->milestones[1].due, 20991231);
    assert_true(read->invested[0].value == 500);
    assert_int_equal(read->history_count, 1);
    assert_int_equal(read->history[0].from, -1);
    assert_string_equal(read->history[0].who, "tester");
    //  the same request again: answered, applied once
    projects_writer_write(writer, "project.add", "r-1", &change, 1, &result);
    assert_int_equal(result.rc, PROJECTS_STORE_REPLAYED);
    assert_int_equal(projects_writer_replayed(writer, "project.add", "r-1", &result),
                     PROJECTS_STORE_REPLAYED);
    //  the same row under another id: unchanged; other data: a conflict on code
    projects_writer_write(writer, "project.add", "r-2", &change, 1, &result);
    assert_int_equal(result.rc, PROJECTS_STORE_OK);
    assert_string_equal(result.unchanged, "0");
    snprintf(next->digest, sizeof next->digest, "other");
    projects_writer_write(writer, "project.add", "r-3", &change, 1, &result);
    assert_int_equal(result.rc, PROJECTS_STORE_CONFLICT);
    assert_string_equal(result.field, "code");
    assert_string_equal(result.reason, "project W-1 exists (stictl project update changes it)");
    uint64_t gen = 0;
    assert_int_equal(projects_store_gen(store, &gen), 0);
    assert_int_equal(gen, 1); // one write applied: the replay and the unchanged row moved nothing
    free(next);
    free(read);
}

static void test_update_and_events(void **state)
{
    (void)state;
    projects_record_t *current = projects_record_new(), *next = projects_record_new();
    char err[256];
    assert_int_equal(projects_store_read(store, "W-1", current, err, sizeof err),
                     PROJECTS_STORE_OK);
    memcpy(next, current, sizeof *next);
    next->status = PROJECTS_STATUS_IN_PROGRESS;
    next->status_on = 20220101;
    next->history[1] = (projects_status_change_t){2000, "officer", 0, 1, 20220101, ""};
    next->history_count = 2;
    projects_change_t change = {current, next, 0};
    projects_write_result_t result;
    projects_writer_write(writer, "project.update", "u-1", &change, 1, &result);
    assert_int_equal(result.rc, PROJECTS_STORE_OK);
    assert_int_equal(s_int("XLEN ut:events:prj"), 1);
    assert_int_equal(s_int("XLEN ut:prj:h:W-1"), 2);
    //  the version read is 1, the stored one 2 now
    projects_writer_write(writer, "project.update", "u-2", &change, 1, &result);
    assert_int_equal(result.rc, PROJECTS_STORE_CONFLICT);
    assert_string_equal(result.field, "version");
    assert_string_equal(result.reason, "project W-1 is at version 2, not 1");
    current->version = 99;
    projects_change_t missing = {current, next, 0};
    snprintf(next->code, sizeof next->code, "W-404");
    projects_writer_write(writer, "project.update", "u-3", &missing, 1, &result);
    assert_int_equal(result.rc, PROJECTS_STORE_NOT_FOUND);
    free(current);
    free(next);
}

static void test_dry_run_and_late(void **state)
{
    (void)state;
    projects_record_t *next = projects_record_new();
    projects_test_project(next, "W-2");
    projects_change_t change = {NULL, next, 0};
    char *json = projects_change_encode(&change, 1, 1);
    projects_write_result_t result;
    projects_writer_write_encoded(writer, "project.import", "i-1", json, true, &result);
    assert_int_equal(result.rc, PROJECTS_STORE_OK);
    assert_int_equal(s_int("EXISTS ut:prj:p:W-2"), 0);
    assert_int_equal(projects_writer_replayed(writer, "project.import", "i-1", &result),
                     PROJECTS_STORE_NOT_FOUND);
    free(json);
    //  W-1 is in progress with a milestone due 2020-03-31 undone: raised once
    assert_int_equal(projects_writer_late(writer, 20240101, 100), 1);
    assert_int_equal(projects_writer_late(writer, 20240101, 100), 0);
    assert_int_equal(s_int("XLEN ut:events:prj"), 2);
    char err[256];
    assert_int_equal(projects_store_read(store, "W-1", next, err, sizeof err), PROJECTS_STORE_OK);
    assert_true(next->milestones[0].late);
    assert_false(next->milestones[1].late);
    assert_int_equal(s_int("ZCARD ut:prj:due"), 1);
    free(next);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_add_and_replay),
        cmocka_unit_test(test_update_and_events),
        cmocka_unit_test(test_dry_run_and_late),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
