/*  Unit tests of talent_check: 居民身份证 numbers, 统一社会信用代码, dates,
    phone numbers, e-mail addresses and registry ids.

    Every identity number and credit code here is made up: each was built from
    arbitrary digits with the check algorithm (and cross-checked with an
    independent implementation of GB 11643 / GB 32100); none belongs to a real
    person or organisation.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "talent_check.h"

static char reason[160];

//  Asserts that check(text) fails with a reason containing fragment.
#define assert_refused(call, fragment)                                                             \
    do {                                                                                           \
        reason[0] = 0;                                                                             \
        assert_int_equal((call), -1);                                                              \
        if (!strstr(reason, (fragment))) {                                                         \
            fail_msg("reason \"%s\" lacks \"%s\"", reason, (fragment));                            \
        }                                                                                          \
    } while (0)

static void test_resident_check_char(void **state)
{
    (void)state;
    //  Made-up numbers; expected characters from an independent implementation.
    assert_int_equal(talent_check_resident_id_char("33011019850317123"), '3');
    assert_int_equal(talent_check_resident_id_char("44030420000229001"), '4');
    assert_int_equal(talent_check_resident_id_char("33010219900101000"), '4');
    assert_int_equal(talent_check_resident_id_char("51010820101010031"), '0');
    assert_int_equal(talent_check_resident_id_char("33011019850310003"), 'X');
    assert_int_equal(talent_check_resident_id_char("3301101985031000A"), 0);
}

static void test_resident_valid(void **state)
{
    (void)state;
    int birth = 0;
    assert_int_equal(talent_check_resident_id("330110198503171233", &birth, reason, sizeof reason),
                     0);
    assert_int_equal(birth, 19850317);
    //  29 February of a leap year.
    assert_int_equal(talent_check_resident_id("440304200002290014", &birth, NULL, 0), 0);
    assert_int_equal(birth, 20000229);
    //  Check character X.
    assert_int_equal(talent_check_resident_id("33011019850310003X", NULL, reason, sizeof reason),
                     0);
    //  Any number built with the algorithm passes.
    char number[19];
    for (int i = 0; i < 200; i++) {
        snprintf(number, sizeof number, "3301101990%02d%02d%03d", 1 + i % 12, 1 + i % 28, i);
        number[17] = talent_check_resident_id_char(number);
        number[18] = 0;
        assert_int_equal(talent_check_resident_id(number, NULL, reason, sizeof reason), 0);
    }
}

static void test_resident_bad(void **state)
{
    (void)state;
    assert_refused(talent_check_resident_id("330110198503171234", NULL, reason, sizeof reason),
                   "check digit is 4, expected 3");
    assert_refused(talent_check_resident_id("330110198503100030", NULL, reason, sizeof reason),
                   "check digit is 0, expected X");
    assert_refused(talent_check_resident_id("33011019850310003x", NULL, reason, sizeof reason),
                   "must be a digit or X");
    assert_refused(talent_check_resident_id("33011019850317123", NULL, reason, sizeof reason),
                   "18 characters");
    assert_refused(talent_check_resident_id("3301101985031712333", NULL, reason, sizeof reason),
                   "18 characters");
    assert_refused(talent_check_resident_id("", NULL, reason, sizeof reason), "18 characters");
    //  Old 15-digit numbers are not accepted.
    assert_refused(talent_check_resident_id("330110850317123", NULL, reason, sizeof reason),
                   "18 characters");
    assert_refused(talent_check_resident_id("3301101985O3171233", NULL, reason, sizeof reason),
                   "character 11 is 'O'");
    assert_refused(talent_check_resident_id("33011019850317 233", NULL, reason, sizeof reason),
                   "byte 0x20");
    //  Region codes start with 1-8.
    char number[19] = "93011019850317123";
    number[17] = talent_check_resident_id_char(number);
    number[18] = 0;
    assert_refused(talent_check_resident_id(number, NULL, reason, sizeof reason),
                   "region code does not exist");
    memcpy(number, "030110198503171230", 19);
    assert_refused(talent_check_resident_id(number, NULL, reason, sizeof reason), "region code");
    //  Birth dates that do not exist, with a correct check digit.
    const char *bad_dates[] = {"33011019850230001", "33011019851301001", "33011019850100001",
                               "33011019000229001", "33011018991231001", "33011019850431001"};
    for (size_t i = 0; i < sizeof bad_dates / sizeof bad_dates[0]; i++) {
        memcpy(number, bad_dates[i], 17);
        number[17] = talent_check_resident_id_char(number);
        number[18] = 0;
        assert_refused(talent_check_resident_id(number, NULL, reason, sizeof reason),
                       "is not a real date");
    }
    //  A birth date in the future.
    memcpy(number, "33011030000101001", 17);
    number[17] = talent_check_resident_id_char(number);
    assert_refused(talent_check_resident_id(number, NULL, reason, sizeof reason), "in the future");
}

static void test_uscc(void **state)
{
    (void)state;
    //  Made-up codes; expected characters from an independent implementation.
    assert_int_equal(talent_check_uscc_char("91330110MA2B3C4D5"), '6');
    assert_int_equal(talent_check_uscc_char("12330100470000000"), 'A');
    assert_int_equal(talent_check_uscc_char("Y1330110ABCDEFGHJ"), '4');
    assert_int_equal(talent_check_uscc_char("91330110000000012"), '0');
    assert_int_equal(talent_check_uscc_char("91330110MA2B3C4DI"), 0);
    assert_int_equal(talent_check_uscc("91330110MA2B3C4D56", reason, sizeof reason), 0);
    assert_int_equal(talent_check_uscc("12330100470000000A", reason, sizeof reason), 0);
    assert_int_equal(talent_check_uscc("Y1330110ABCDEFGHJ4", reason, sizeof reason), 0);
    assert_int_equal(talent_check_uscc("913301100000000120", reason, sizeof reason), 0);

    assert_refused(talent_check_uscc("91330110MA2B3C4D57", reason, sizeof reason),
                   "check character is 7, expected 6");
    assert_refused(talent_check_uscc("913301100000000121", reason, sizeof reason),
                   "check character is 1, expected 0");
    assert_refused(talent_check_uscc("91330110MA2B3C4D5", reason, sizeof reason), "18 characters");
    assert_refused(talent_check_uscc("91330110MA2B3C4D566", reason, sizeof reason),
                   "18 characters");
    assert_refused(talent_check_uscc("", reason, sizeof reason), "18 characters");
    //  I, O, S, V, Z and lower case are not in the set.
    assert_refused(talent_check_uscc("91330110MI2B3C4D56", reason, sizeof reason),
                   "character 10 is 'I'");
    assert_refused(talent_check_uscc("91330110MO2B3C4D56", reason, sizeof reason), "'O'");
    assert_refused(talent_check_uscc("91330110MS2B3C4D56", reason, sizeof reason), "'S'");
    assert_refused(talent_check_uscc("91330110MV2B3C4D56", reason, sizeof reason), "'V'");
    assert_refused(talent_check_uscc("91330110MZ2B3C4D56", reason, sizeof reason), "'Z'");
    assert_refused(talent_check_uscc("91330110ma2b3c4d56", reason, sizeof reason), "'m'");
}

static void test_dates(void **state)
{
    (void)state;
    int ymd = 0;
    assert_int_equal(talent_check_date("2023-05-17", &ymd, reason, sizeof reason), 0);
    assert_int_equal(ymd, 20230517);
    assert_int_equal(talent_check_date("2024-02-29", &ymd, reason, sizeof reason), 0);
    assert_int_equal(talent_check_date("2000-02-29", NULL, reason, sizeof reason), 0);
    assert_int_equal(talent_check_date("2021-12-31", NULL, reason, sizeof reason), 0);
    assert_refused(talent_check_date("2023-02-29", NULL, reason, sizeof reason),
                   "2023-02-29 is not a real date");
    assert_refused(talent_check_date("1900-02-29", NULL, reason, sizeof reason), "not a real date");
    assert_refused(talent_check_date("2023-13-01", NULL, reason, sizeof reason), "not a real date");
    assert_refused(talent_check_date("2023-04-31", NULL, reason, sizeof reason), "not a real date");
    assert_refused(talent_check_date("2023-00-10", NULL, reason, sizeof reason), "not a real date");
    assert_refused(talent_check_date("2023-01-00", NULL, reason, sizeof reason), "not a real date");
    assert_refused(talent_check_date("0000-01-01", NULL, reason, sizeof reason), "not a real date");
    assert_refused(talent_check_date("2023/05/17", NULL, reason, sizeof reason), "YYYY-MM-DD");
    assert_refused(talent_check_date("2023-5-17", NULL, reason, sizeof reason), "YYYY-MM-DD");
    assert_refused(talent_check_date("2023-05-17T00", NULL, reason, sizeof reason), "YYYY-MM-DD");
    assert_refused(talent_check_date("20230517", NULL, reason, sizeof reason), "YYYY-MM-DD");
    assert_refused(talent_check_date("2023-0a-17", NULL, reason, sizeof reason), "YYYY-MM-DD");
    assert_refused(talent_check_date("", NULL, reason, sizeof reason), "YYYY-MM-DD");
    assert_true(talent_check_today() > 20260000);
}

static void test_phone(void **state)
{
    (void)state;
    assert_int_equal(talent_check_phone("13800005678", reason, sizeof reason), 0);
    assert_int_equal(talent_check_phone("19912345678", reason, sizeof reason), 0);
    assert_int_equal(talent_check_phone("+441632960123", reason, sizeof reason), 0);
    assert_int_equal(talent_check_phone("+8613800005678", reason, sizeof reason), 0);
    assert_refused(talent_check_phone("12800005678", reason, sizeof reason), "starts with 13-19");
    assert_refused(talent_check_phone("23800005678", reason, sizeof reason), "starts with 13-19");
    assert_refused(talent_check_phone("1380000567", reason, sizeof reason), "11 digits, not 10");
    assert_refused(talent_check_phone("138000056789", reason, sizeof reason), "11 digits");
    assert_refused(talent_check_phone("138-0000-5678", reason, sizeof reason), "mainland mobile");
    assert_refused(talent_check_phone("", reason, sizeof reason), "11 digits");
    assert_refused(talent_check_phone("+44", reason, sizeof reason), "7 to 15 digits");
    assert_refused(talent_check_phone("+0441632960123", reason, sizeof reason), "+0");
    assert_refused(talent_check_phone("+44 1632 960123", reason, sizeof reason), "digits only");
    assert_refused(talent_check_phone("+4416329601234567", reason, sizeof reason), "longer than");
}

static void test_email(void **state)
{
    (void)state;
    assert_int_equal(talent_check_email("zhang.san@example.com", reason, sizeof reason), 0);
    assert_int_equal(talent_check_email("a+b_c@mail.example.org", reason, sizeof reason), 0);
    assert_int_equal(talent_check_email("x@a-b.cn", reason, sizeof reason), 0);
    assert_refused(talent_check_email("zhang.example.com", reason, sizeof reason),
                   "must contain @");
    assert_refused(talent_check_email("a@b@example.com", reason, sizeof reason), "only one @");
    assert_refused(talent_check_email("@example.com", reason, sizeof reason), "1 to 64");
    assert_refused(talent_check_email(".a@example.com", reason, sizeof reason), "start or end");
    assert_refused(talent_check_email("a.@example.com", reason, sizeof reason), "start or end");
    assert_refused(talent_check_email("a..b@example.com", reason, sizeof reason), "two dots");
    assert_refused(talent_check_email("a b@example.com", reason, sizeof reason), "not allowed");
    assert_refused(talent_check_email("a@example", reason, sizeof reason), "needs a dot");
    assert_refused(talent_check_email("a@", reason, sizeof reason), "1 to 253");
    assert_refused(talent_check_email("a@example..com", reason, sizeof reason), "1 to 63");
    assert_refused(talent_check_email("a@-example.com", reason, sizeof reason), "start or end");
    assert_refused(talent_check_email("a@exa_mple.com", reason, sizeof reason), "not allowed");
    assert_refused(talent_check_email("a@example.c0m", reason, sizeof reason), "letters");
    assert_refused(talent_check_email("张@example.com", reason, sizeof reason), "not allowed");

    char text[400];
    memset(text, 'a', 65);
    strcpy(text + 65, "@example.com");
    assert_refused(talent_check_email(text, reason, sizeof reason), "1 to 64");
    memset(text, 'a', 300);
    text[300] = 0;
    text[10] = '@';
    assert_refused(talent_check_email(text, reason, sizeof reason), "longer than 254");
    //  A label of 64 characters.
    strcpy(text, "a@");
    memset(text + 2, 'b', 64);
    strcpy(text + 66, ".com");
    assert_refused(talent_check_email(text, reason, sizeof reason), "1 to 63");
}

static void test_registry_id(void **state)
{
    (void)state;
    assert_int_equal(talent_check_registry_id("T000123", reason, sizeof reason), 0);
    assert_int_equal(talent_check_registry_id("a_b-C9", reason, sizeof reason), 0);
    assert_refused(talent_check_registry_id("", reason, sizeof reason), "1 to 32");
    assert_refused(
        talent_check_registry_id("abcdefghijklmnopqrstuvwxyz0123456", reason, sizeof reason),
        "1 to 32");
    assert_refused(talent_check_registry_id("a:b", reason, sizeof reason), "only letters");
    assert_refused(talent_check_registry_id("a*", reason, sizeof reason), "only letters");
}

static void test_reason_truncated(void **state)
{
    (void)state;
    char small[8];
    assert_int_equal(talent_check_uscc("x", small, sizeof small), -1);
    assert_int_equal(strlen(small), 7);
    assert_int_equal(talent_check_uscc("x", NULL, 0), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_resident_check_char),
        cmocka_unit_test(test_resident_valid),
        cmocka_unit_test(test_resident_bad),
        cmocka_unit_test(test_uscc),
        cmocka_unit_test(test_dates),
        cmocka_unit_test(test_phone),
        cmocka_unit_test(test_email),
        cmocka_unit_test(test_registry_id),
        cmocka_unit_test(test_reason_truncated),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
