/*  test_sti_log: the limit on log lines that hostile input can repeat. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "sti_log.h"

static void test_log_due(void **state)
{
    (void)state;
    sti_log_limit_t limit = {0, 0};
    int64_t left_out = -1;
    //  The first line goes through, with nothing left out before it.
    assert_true(sti_log_due(&limit, 5000, 1000, &left_out));
    assert_int_equal(left_out, 0);
    //  Within the period the lines are counted, not written.
    for (int i = 0; i < 3; i++) {
        assert_false(sti_log_due(&limit, 5000 + 10 * i, 1000, &left_out));
    }
    assert_false(sti_log_due(&limit, 5999, 1000, &left_out));
    //  A period later the next line says how many were left out.
    assert_true(sti_log_due(&limit, 6000, 1000, &left_out));
    assert_int_equal(left_out, 4);
    assert_true(sti_log_due(&limit, 9000, 1000, &left_out));
    assert_int_equal(left_out, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_log_due),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
