/*  Unit tests of indicators_intake against a throw-away redis-server: the
    group is made, new entries are read and decoded and stay pending until
    acknowledged, the consumer's own pending ones are read again, entries
    that do not decode (no rows, deleted) are handed without rows, another
    consumer claims what was left pending, the blocking read wakes on a new
    entry, and consumers that are gone are forgotten.
*/
#include "indicators_fixture.h"

static int s_setup(void **state)
{
    static test_indicators_t fx;
    test_indicators_start(&fx);
    *state = &fx;
    return 0;
}

static int s_teardown(void **state)
{
    test_indicators_stop((test_indicators_t *)*state);
    return 0;
}

static void test_read_new_and_pending(void **state)
{
    test_indicators_t *fx = (test_indicators_t *)*state;
    assert_string_equal(indicators_intake_key(fx->intake), "ut:intake");
    assert_string_equal(indicators_intake_consumer(fx->intake), "unit-1");
    assert_true(indicators_intake_ready(fx->intake));
    assert_true(indicators_intake_ready(fx->intake)); // BUSYGROUP is fine
    test_indicators_append_months(fx, "tech_smes", "2023", 1, 2);
    test_indicators_append_months(fx, "gdp", "2023", 5, 1);
    indicators_intake_read_t read;
    assert_int_equal(indicators_intake_read(fx->intake, false, &read), 2);
    assert_int_equal(read.count, 2);
    const sti_intake_entry_t *entry = &read.entries[0];
    assert_string_equal(entry->submitter, "clerk");
    assert_string_equal(entry->source, "s");
    assert_string_equal(entry->request, "r");
    assert_int_equal(entry->time, 1700000000000);
    assert_non_null(entry->rows);
    char err[256];
    sti_reader_t *rows = sti_intake_rows_open(entry, err, sizeof err);
    assert_non_null(rows);
    assert_int_equal(sti_node_size(sti_reader_root(rows)), 2);
    sti_reader_destroy(&rows);
    char first[STI_INTAKE_ID_MAX];
    snprintf(first, sizeof first, "%s", entry->id);
    assert_int_equal(indicators_intake_pending(fx->intake), 2);
    //  Nothing new; the consumer's own pending entries are read again.
    assert_int_equal(indicators_intake_read(fx->intake, false, &read), 0);
    assert_int_equal(indicators_intake_read(fx->intake, true, &read), 2);
    assert_string_equal(read.entries[0].id, first);
}

static void test_entries_that_do_not_decode(void **state)
{
    test_indicators_t *fx = (test_indicators_t *)*state;
    assert_true(indicators_intake_ready(fx->intake));
    redisReply *reply = sti_redis_command(fx->redis, "XADD ut:intake * submitter clerk");
    assert_non_null(reply);
    freeReplyObject(reply);
    char gone[STI_INTAKE_ID_MAX];
    test_indicators_append(fx, "\x90", 1, gone);
    indicators_intake_read_t read;
    assert_int_equal(indicators_intake_read(fx->intake, false, &read), 2);
    assert_null(read.entries[0].rows); // no rows
    assert_string_equal(read.entries[0].submitter, "clerk");
    assert_non_null(read.entries[1].rows);
    //  Deleted after it was delivered: its pending entry has no fields.
    reply = sti_redis_command(fx->redis, "XDEL ut:intake %s", gone);
    freeReplyObject(reply);
    assert_int_equal(indicators_intake_read(fx->intake, true, &read), 2);
    assert_string_equal(read.entries[1].id, gone);
    assert_null(read.entries[1].rows);
}

static void test_claim(void **state)
{
    test_indicators_t *fx = (test_indicators_t *)*state;
    assert_true(indicators_intake_ready(fx->intake));
    for (int i = 0; i < 3; i++) {
        test_indicators_append_months(fx, "tech_smes", "2023", i, 1);
    }
    indicators_intake_read_t read;
    assert_int_equal(indicators_intake_read(fx->intake, false, &read), 3);
    indicators_intake_t *other =
        indicators_intake_new(fx->redis, "intake", "indicators", "unit-2", 2, 0);
    char cursor[STI_INTAKE_ID_MAX] = "0-0";
    assert_int_equal(indicators_intake_claim(other, 0, cursor, sizeof cursor, &read), 2);
    assert_string_not_equal(cursor, "0-0");
    assert_int_equal(indicators_intake_claim(other, 0, cursor, sizeof cursor, &read), 1);
    assert_int_equal(read.count, 1);
    assert_string_equal(cursor, "0-0");
    //  Claimed by unit-2: its own pending entries now.
    assert_int_equal(indicators_intake_read(other, true, &read), 2);
    indicators_intake_destroy(&other);
}

static void test_blocking_read(void **state)
{
    test_indicators_t *fx = (test_indicators_t *)*state;
    indicators_intake_t *blocking =
        indicators_intake_new(fx->redis, "intake", "indicators", "unit-3", 16, 5000);
    assert_true(indicators_intake_ready(blocking));
    indicators_intake_read_t read;
    assert_int_equal(indicators_intake_take(blocking, 0, &read), 0); // nothing in flight
    assert_true(indicators_intake_arm(blocking));
    assert_true(indicators_intake_armed(blocking));
    assert_true(indicators_intake_wake_fd(blocking) >= 0);
    assert_int_equal(indicators_intake_take(blocking, 0, &read), 0); // in flight, no entry
    test_indicators_append_months(fx, "gdp", "2024", 1, 1);
    assert_int_equal(indicators_intake_take(blocking, 5000, &read), 1);
    assert_false(indicators_intake_armed(blocking));
    assert_int_equal(indicators_intake_wake_fd(blocking), -1);
    assert_non_null(read.entries[0].rows);
    //  Without a second connection there is no blocking read.
    assert_false(indicators_intake_arm(fx->intake));
    indicators_intake_destroy(&blocking);
}

static void test_forget(void **state)
{
    test_indicators_t *fx = (test_indicators_t *)*state;
    assert_true(indicators_intake_ready(fx->intake));
    redisReply *reply =
        sti_redis_command(fx->redis, "XGROUP CREATECONSUMER ut:intake indicators ghost-1");
    freeReplyObject(reply);
    reply = sti_redis_command(fx->redis, "XGROUP CREATECONSUMER ut:intake indicators unit-1");
    freeReplyObject(reply);
    zclock_sleep(5); // both idle for a few ms
    indicators_intake_forget(fx->intake, 0);
    reply = sti_redis_command(fx->redis, "XINFO CONSUMERS ut:intake indicators");
    assert_non_null(reply);
    assert_int_equal(reply->type, REDIS_REPLY_ARRAY);
    assert_int_equal(reply->elements, 1); // unit-1 is kept, the ghost is gone
    freeReplyObject(reply);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_read_new_and_pending, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_entries_that_do_not_decode, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_claim, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_blocking_read, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_forget, s_setup, s_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
