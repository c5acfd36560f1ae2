/*  Unit tests of talent_mask: the masked forms of document numbers, phones
    and e-mail addresses, UTF-8 safety and bounded output. The numbers are
    made up.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "talent_mask.h"

static char out[TALENT_MASK_MAX];

static void test_document(void **state)
{
    (void)state;
    assert_int_equal(talent_mask_document("330110198503171234", out, sizeof out), 0);
    assert_string_equal(out, "3301**********1234");
    assert_int_equal(talent_mask_document("33011019850310003X", out, sizeof out), 0);
    assert_string_equal(out, "3301**********003X");
    //  Shorter documents (passports) keep less.
    assert_int_equal(talent_mask_document("E12345678", out, sizeof out), 0);
    assert_string_equal(out, "E1*****78");
    assert_int_equal(talent_mask_document("AB1234567890", out, sizeof out), 0);
    assert_string_equal(out, "AB12****7890");
    assert_int_equal(talent_mask_document("12345", out, sizeof out), 0);
    assert_string_equal(out, "*****");
    assert_int_equal(talent_mask_document("", out, sizeof out), 0);
    assert_string_equal(out, "");
}

static void test_phone(void **state)
{
    (void)state;
    assert_int_equal(talent_mask_phone("13800005678", out, sizeof out), 0);
    assert_string_equal(out, "138****5678");
    assert_int_equal(talent_mask_phone("+441632960123", out, sizeof out), 0);
    assert_string_equal(out, "+44******0123");
    assert_int_equal(talent_mask_phone("+4930123", out, sizeof out), 0);
    assert_string_equal(out, "+4****23");
}

static void test_email(void **state)
{
    (void)state;
    assert_int_equal(talent_mask_email("zhang.san@example.com", out, sizeof out), 0);
    assert_string_equal(out, "z***@example.com");
    assert_int_equal(talent_mask_email("z@example.com", out, sizeof out), 0);
    assert_string_equal(out, "z***@example.com");
    assert_int_equal(talent_mask_email("张三@例子.cn", out, sizeof out), 0);
    assert_string_equal(out, "张***@例子.cn");
    assert_int_equal(talent_mask_email("no-at-sign", out, sizeof out), 0);
    assert_string_equal(out, "**********");
    assert_int_equal(talent_mask_email("@example.com", out, sizeof out), 0);
    assert_string_equal(out, "************");
}

static void test_utf8(void **state)
{
    (void)state;
    //  Characters, not bytes, are kept and replaced.
    assert_int_equal(talent_mask_keep("张三丰先生", 1, 1, out, sizeof out), 0);
    assert_string_equal(out, "张***生");
    //  Malformed bytes are never copied.
    assert_int_equal(talent_mask_keep("\xff"
                                      "bcdef\xc3",
                                      1, 1, out, sizeof out),
                     0);
    assert_string_equal(out, "?*****?");
    assert_int_equal(talent_mask_email("\xe5\x90@ex\x80.com", out, sizeof out), 0);
    assert_string_equal(out, "?***@ex?.com");
    //  A truncated multi-byte character at the end is one malformed byte each.
    assert_int_equal(talent_mask_keep("ab\xe5\x90", 0, 2, out, sizeof out), 0);
    assert_string_equal(out, "**??");
}

static void test_overflow(void **state)
{
    (void)state;
    char small[8];
    assert_int_equal(talent_mask_document("330110198503171234", small, sizeof small), -1);
    assert_string_equal(small, "");
    assert_int_equal(talent_mask_email("zhang.san@example.com", small, sizeof small), -1);
    assert_string_equal(small, "");
    assert_int_equal(talent_mask_email("zhang@ex.c", small, 4), -1);
    assert_int_equal(talent_mask_phone("1380000", small, sizeof small), 0);
    assert_string_equal(small, "13***00");
    assert_int_equal(talent_mask_phone("13800005", small, sizeof small), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_document), cmocka_unit_test(test_phone),
        cmocka_unit_test(test_email),    cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_overflow),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
