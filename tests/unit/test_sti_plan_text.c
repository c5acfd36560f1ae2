/*  Unit tests of sti_plan_text: codes, texts, and the copy that cuts a text
    as snprintf would.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "sti_plan_text.h"

static void test_codes_and_texts(void **state)
{
    (void)state;
    assert_true(sti_code_valid("tech_smes", false, true));
    assert_false(sti_code_valid("town-0", false, false));
    assert_true(sti_code_valid("town-0", true, false));
    assert_false(sti_code_valid("0abc", false, true));
    assert_false(sti_code_valid("", false, false));
    assert_false(sti_code_valid(NULL, false, false));
    assert_true(sti_text_valid("临平", 16));
    assert_false(sti_text_valid("a\nb", 16));
    assert_false(sti_text_valid("abcd", 4));
}

//  sti_text_copy gives what snprintf "%s" gives, for every length around cap.
static void test_copy_cuts_as_snprintf(void **state)
{
    (void)state;
    const char *text = "abcdefgh";
    for (size_t cap = 1; cap <= 10; cap++) {
        char copied[16], printed[16];
        memset(copied, 'x', sizeof copied);
        size_t len = sti_text_copy(copied, cap, text);
        snprintf(printed, cap, "%s", text);
        assert_string_equal(copied, printed);
        assert_int_equal(len, strlen(printed));
    }
    char buf[4];
    assert_int_equal(sti_text_copy(buf, sizeof buf, ""), 0);
    assert_string_equal(buf, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_codes_and_texts),
        cmocka_unit_test(test_copy_cuts_as_snprintf),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
