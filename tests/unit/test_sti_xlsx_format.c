/*  Unit tests of sti_xlsx_format: what built-in ids and format codes show,
    serial numbers as dates (both date systems, Excel's 1900 leap day),
    and dates as text.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sti_xlsx_format.h"

#define YMD (STI_XLSX_SHOWS_YEAR | STI_XLSX_SHOWS_MONTH | STI_XLSX_SHOWS_DAY)
#define YM (STI_XLSX_SHOWS_YEAR | STI_XLSX_SHOWS_MONTH)

static void test_builtin(void **state)
{
    (void)state;
    assert_int_equal(sti_xlsx_format_builtin(0), 0);
    assert_int_equal(sti_xlsx_format_builtin(1), 0);
    assert_int_equal(sti_xlsx_format_builtin(49), 0); // @, text
    assert_int_equal(sti_xlsx_format_builtin(9), STI_XLSX_SHOWS_PERCENT);
    assert_int_equal(sti_xlsx_format_builtin(10), STI_XLSX_SHOWS_PERCENT);
    assert_int_equal(sti_xlsx_format_builtin(14), YMD);
    assert_int_equal(sti_xlsx_format_builtin(17), YM);
    assert_int_equal(sti_xlsx_format_builtin(57),
                     YM); // yyyy"年"m"月": typing 2023-05 in a Chinese Excel
    assert_int_equal(sti_xlsx_format_builtin(31), YMD);
    assert_int_equal(sti_xlsx_format_builtin(58), STI_XLSX_SHOWS_MONTH | STI_XLSX_SHOWS_DAY);
    assert_int_equal(sti_xlsx_format_builtin(21), STI_XLSX_SHOWS_TIME);
    assert_int_equal(sti_xlsx_format_builtin(22), YMD | STI_XLSX_SHOWS_TIME);
    assert_int_equal(sti_xlsx_format_builtin(-1), 0);
    assert_int_equal(sti_xlsx_format_builtin(164), 0);
}

static void test_codes(void **state)
{
    (void)state;
    assert_int_equal(sti_xlsx_format_code("General"), 0);
    assert_int_equal(sti_xlsx_format_code("@"), 0);
    assert_int_equal(sti_xlsx_format_code("#,##0.00"), 0);
    assert_int_equal(sti_xlsx_format_code("0.00E+00"), 0);
    assert_int_equal(sti_xlsx_format_code("0.0%"), STI_XLSX_SHOWS_PERCENT);
    assert_int_equal(sti_xlsx_format_code("0.0\"%\""), 0); // a quoted % is text
    assert_int_equal(sti_xlsx_format_code("yyyy-mm"), YM);
    assert_int_equal(sti_xlsx_format_code("yyyy\"年\"m\"月\";@"), YM);
    assert_int_equal(sti_xlsx_format_code("yyyy/m/d"), YMD);
    assert_int_equal(sti_xlsx_format_code("[$-804]yyyy\"年\"m\"月\"d\"日\""), YMD);
    assert_int_equal(sti_xlsx_format_code("yyyy"), STI_XLSX_SHOWS_YEAR);
    assert_int_equal(sti_xlsx_format_code("h:mm"), STI_XLSX_SHOWS_TIME);  // m after h: minutes
    assert_int_equal(sti_xlsx_format_code("mm:ss"), STI_XLSX_SHOWS_TIME); // m before s: minutes
    assert_int_equal(sti_xlsx_format_code("[h]:mm:ss"), STI_XLSX_SHOWS_TIME);
    assert_int_equal(sti_xlsx_format_code("yyyy-mm-dd hh:mm:ss"), YMD | STI_XLSX_SHOWS_TIME);
    assert_int_equal(sti_xlsx_format_code("[Red]0.00;[Blue]-0.00"), 0);
    assert_int_equal(sti_xlsx_format_code("\"year\" 0"), 0); // letters in quotes
    assert_int_equal(sti_xlsx_format_code("0\\d"), 0);       // an escaped letter
    assert_int_equal(sti_xlsx_format_code("0;yyyy"), 0);     // only the first section
    assert_int_equal(sti_xlsx_format_code("mmm-yy"), YM);
    assert_int_equal(sti_xlsx_format_code(""), 0);
    assert_int_equal(sti_xlsx_format_code("[$$-409]#,##0"), 0);
    assert_int_equal(sti_xlsx_format_code("\""), 0); // an unterminated quote
    assert_int_equal(sti_xlsx_format_code("["), 0);
}

static sti_xlsx_date_t s_date(double serial, bool date1904)
{
    sti_xlsx_date_t date;
    assert_int_equal(sti_xlsx_date_from_serial(serial, date1904, &date), 0);
    return date;
}

static void test_serials(void **state)
{
    (void)state;
    sti_xlsx_date_t d = s_date(45047, false); // 2023-05-01
    assert_int_equal(d.year, 2023);
    assert_int_equal(d.month, 5);
    assert_int_equal(d.day, 1);
    d = s_date(1, false);
    assert_true(d.year == 1900 && d.month == 1 && d.day == 1);
    d = s_date(59, false);
    assert_true(d.year == 1900 && d.month == 2 && d.day == 28);
    d = s_date(61, false);
    assert_true(d.year == 1900 && d.month == 3 && d.day == 1);
    d = s_date(2958465, false);
    assert_true(d.year == 9999 && d.month == 12 && d.day == 31);
    d = s_date(45047.5, false);
    assert_true(d.hour == 12 && d.minute == 0 && d.second == 0);
    d = s_date(45047.999999999, false); // rounds to the next midnight
    assert_true(d.day == 2 && d.hour == 0);
    d = s_date(0, true);
    assert_true(d.year == 1904 && d.month == 1 && d.day == 1);
    d = s_date(43585, true); // the same day as 45047 in the 1900 system
    assert_true(d.year == 2023 && d.month == 5 && d.day == 1);

    sti_xlsx_date_t out;
    assert_int_equal(sti_xlsx_date_from_serial(60, false, &out), -1); // 1900-02-29
    assert_int_equal(sti_xlsx_date_from_serial(0, false, &out), -1);
    assert_int_equal(sti_xlsx_date_from_serial(-1, true, &out), -1);
    assert_int_equal(sti_xlsx_date_from_serial(2958466, false, &out), -1);
    assert_int_equal(sti_xlsx_date_from_serial(1.0 / 0.0, false, &out), -1);
    assert_int_equal(sti_xlsx_date_from_serial(0.0 / 0.0, false, &out), -1);
    assert_int_equal(sti_xlsx_date_from_serial(1e300, false, &out), -1);
}

static void test_to_serial(void **state)
{
    (void)state;
    sti_xlsx_date_t d = {2023, 5, 1, 0, 0, 0};
    assert_true(sti_xlsx_date_to_serial(&d) == 45047);
    d = (sti_xlsx_date_t){2023, 5, 1, 12, 0, 0};
    assert_true(sti_xlsx_date_to_serial(&d) == 45047.5);
    d = (sti_xlsx_date_t){2023, 2, 29, 0, 0, 0};
    assert_true(sti_xlsx_date_to_serial(&d) == -1);
    d = (sti_xlsx_date_t){1900, 2, 28, 0, 0, 0};
    assert_true(sti_xlsx_date_to_serial(&d) == -1);
    for (double serial = 61; serial < 2958466; serial += 997) {
        d = s_date(serial, false);
        assert_true(sti_xlsx_date_to_serial(&d) == serial);
    }
}

static void test_text(void **state)
{
    (void)state;
    sti_xlsx_date_t d = {2023, 5, 17, 14, 30, 5};
    char buf[32];
    assert_string_equal(sti_xlsx_date_text(&d, STI_XLSX_SHOWS_YEAR, buf, sizeof buf), "2023");
    assert_string_equal(sti_xlsx_date_text(&d, YM, buf, sizeof buf), "2023-05");
    assert_string_equal(sti_xlsx_date_text(&d, YMD, buf, sizeof buf), "2023-05-17");
    assert_string_equal(
        sti_xlsx_date_text(&d, STI_XLSX_SHOWS_MONTH | STI_XLSX_SHOWS_DAY, buf, sizeof buf),
        "2023-05-17");
    assert_string_equal(sti_xlsx_date_text(&d, STI_XLSX_SHOWS_TIME, buf, sizeof buf), "14:30:05");
    assert_string_equal(sti_xlsx_date_text(&d, YMD | STI_XLSX_SHOWS_TIME, buf, sizeof buf),
                        "2023-05-17 14:30:05");
    assert_string_equal(sti_xlsx_date_text(&d, 0, buf, sizeof buf), "2023-05-17");
    assert_string_equal(sti_xlsx_date_text(&d, YMD, buf, 5), "2023");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_builtin), cmocka_unit_test(test_codes),
        cmocka_unit_test(test_serials), cmocka_unit_test(test_to_serial),
        cmocka_unit_test(test_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
