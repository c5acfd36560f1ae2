/*  Unit tests of sti_units: loading the plan's units, conversion, checks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sti_units.h"

static const char *s_table =
    "[{\"code\":\"元\",\"family\":\"money\",\"factor\":1,\"allow_negative\":false},"
    "{\"code\":\"万元\",\"family\":\"money\",\"factor\":10000,\"allow_negative\":false},"
    "{\"code\":\"亿元\",\"name_en\":\"100 million yuan\",\"family\":\"money\","
    "\"factor\":100000000,\"allow_negative\":false},"
    "{\"code\":\"人\",\"family\":\"people\",\"factor\":1,\"allow_negative\":false},"
    "{\"code\":\"万人\",\"family\":\"people\",\"factor\":10000,\"allow_negative\":false},"
    "{\"code\":\"%\",\"family\":\"percentage\",\"factor\":1,\"allow_negative\":false,"
    "\"min\":0,\"max\":100},"
    "{\"code\":\"件\",\"family\":\"count_jian\",\"factor\":1,\"allow_negative\":false},"
    "{\"code\":\"家\",\"family\":\"count_jia\",\"factor\":1,\"allow_negative\":false},"
    "{\"code\":\"位\",\"family\":\"rank\",\"factor\":1,\"allow_negative\":false,\"min\":1},"
    "{\"code\":\"℃\",\"family\":\"temperature\",\"factor\":1,\"allow_negative\":true}]";

static int s_setup(void **state)
{
    sti_units_t *units = sti_units_new();
    cJSON *json = cJSON_Parse(s_table);
    char err[160] = "";
    assert_non_null(json);
    assert_int_equal(sti_units_load_json(units, json, err, sizeof err), 0);
    cJSON_Delete(json);
    *state = units;
    return 0;
}

static int s_teardown(void **state)
{
    sti_units_t *units = *state;
    sti_units_destroy(&units);
    assert_null(units);
    sti_units_destroy(&units);
    return 0;
}

static void test_lookup(void **state)
{
    sti_units_t *units = *state;
    assert_int_equal(sti_units_size(units), 10);
    const sti_unit_t *unit = sti_units_find(units, "亿元");
    assert_non_null(unit);
    assert_string_equal(unit->name_en, "100 million yuan");
    assert_true(unit->factor == 1e8);
    assert_string_equal(sti_units_at(units, 0)->code, "元");
    assert_null(sti_units_at(units, 10));
    assert_null(sti_units_find(units, "kg"));
    assert_true(sti_units_find(units, "%")->has_max);
}

static void test_convert(void **state)
{
    sti_units_t *units = *state;
    double out = 0;
    char err[160] = "";
    assert_int_equal(sti_units_convert(units, 12345, "万元", "亿元", &out, err, sizeof err), 0);
    assert_true(out == 1.2345);
    assert_int_equal(sti_units_convert(units, 26.92, "亿元", "万元", &out, err, sizeof err), 0);
    assert_true(out > 269199.999 && out < 269200.001);
    assert_int_equal(sti_units_convert(units, 2692000000, "元", "亿元", &out, err, sizeof err), 0);
    assert_true(out == 26.92);
    assert_int_equal(sti_units_convert(units, 215000, "人", "万人", &out, err, sizeof err), 0);
    assert_true(out == 21.5);
    assert_int_equal(sti_units_convert(units, 7, "家", "家", &out, err, sizeof err), 0);
    assert_true(out == 7);

    assert_int_equal(sti_units_convert(units, 7, "家", "件", &out, err, sizeof err), -1);
    assert_string_equal(err, "unit '家' does not convert to '件'");
    assert_int_equal(sti_units_convert(units, 7, "万元", "万人", &out, err, sizeof err), -1);
    assert_string_equal(err, "unit '万元' does not convert to '万人'");
    assert_int_equal(sti_units_convert(units, 7, "kg", "亿元", &out, err, sizeof err), -1);
    assert_string_equal(err, "unit 'kg' is not known; the indicator's unit is '亿元'");
    assert_int_equal(sti_units_convert(units, 7, "元", "lb", &out, err, sizeof err), -1);
    assert_string_equal(err, "unit 'lb' is not known");
    assert_int_equal(sti_units_convert(units, 1e305, "亿元", "元", &out, err, sizeof err), -1);
    assert_string_equal(err, "value is out of range after conversion to '元'");
}

static void test_check(void **state)
{
    sti_units_t *units = *state;
    char err[160] = "";
    const sti_unit_t *pct = sti_units_find(units, "%");
    assert_int_equal(sti_unit_check(pct, 0, err, sizeof err), 0);
    assert_int_equal(sti_unit_check(pct, 100, err, sizeof err), 0);
    assert_int_equal(sti_unit_check(pct, 100.5, err, sizeof err), -1);
    assert_string_equal(err, "a percentage must be within 0–100");
    assert_int_equal(sti_unit_check(pct, -1, err, sizeof err), -1);
    assert_string_equal(err, "a percentage must be within 0–100");
    const sti_unit_t *rank = sti_units_find(units, "位");
    assert_int_equal(sti_unit_check(rank, 1, err, sizeof err), 0);
    assert_int_equal(sti_unit_check(rank, 0.5, err, sizeof err), -1);
    assert_string_equal(err, "must be at least 1 (位)");
    assert_int_equal(sti_unit_check(rank, -3, err, sizeof err), -1);
    assert_string_equal(err, "must not be negative (位)");
    const sti_unit_t *money = sti_units_find(units, "亿元");
    assert_int_equal(sti_unit_check(money, -0.01, err, sizeof err), -1);
    assert_string_equal(err, "must not be negative (亿元)");
    assert_int_equal(sti_unit_check(money, 1.0 / 0.0, err, sizeof err), -1);
    assert_string_equal(err, "must be a finite number");
    assert_int_equal(sti_unit_check(sti_units_find(units, "℃"), -5, err, sizeof err), 0);
}

//  Loads text as a table and returns the error (static buffer).
static const char *s_load_error(const char *text)
{
    static char err[160];
    err[0] = 0;
    sti_units_t *units = sti_units_new();
    cJSON *json = cJSON_Parse(text);
    assert_non_null(json);
    int rc = sti_units_load_json(units, json, err, sizeof err);
    cJSON_Delete(json);
    sti_units_destroy(&units);
    assert_int_equal(rc, -1);
    return err;
}

static void test_bad_tables(void **state)
{
    (void)state;
    assert_string_equal(s_load_error("{}"), "units must be an array");
    assert_string_equal(s_load_error("[1]"), "each unit must be an object");
    assert_string_equal(s_load_error("[{\"family\":\"x\"}]"),
                        "unit '?': code must be a string of at most 15 bytes");
    assert_string_equal(
        s_load_error("[{\"code\":\"x\",\"family\":\"m\",\"factor\":1,\"allow_negative\":false,"
                     "\"colour\":1}]"),
        "unit 'x': unknown field 'colour'");
    assert_string_equal(
        s_load_error("[{\"code\":\"x\",\"family\":\"m\",\"factor\":0,\"allow_negative\":false}]"),
        "unit 'x': factor must be a finite number above 0");
    assert_string_equal(
        s_load_error("[{\"code\":\"x\",\"family\":\"m\",\"factor\":\"1\",\"allow_negative\":0}]"),
        "unit 'x': factor must be a number");
    assert_string_equal(s_load_error("[{\"code\":\"x\",\"family\":\"m\",\"factor\":1}]"),
                        "unit 'x': family, factor and allow_negative are required");
    assert_string_equal(
        s_load_error("[{\"code\":\"x\",\"family\":\"m\",\"factor\":1,\"allow_negative\":false,"
                     "\"min\":5,\"max\":1}]"),
        "unit 'x': min and max must be finite with min <= max");
    assert_string_equal(
        s_load_error("[{\"code\":\"x\",\"family\":\"m\",\"factor\":1,\"allow_negative\":false},"
                     "{\"code\":\"x\",\"family\":\"m\",\"factor\":1,\"allow_negative\":false}]"),
        "unit 'x' is defined twice");
    assert_string_equal(
        s_load_error("[{\"code\":\"\",\"family\":\"m\",\"factor\":1,\"allow_negative\":false}]"),
        "unit code must be 1 to 15 bytes of text");
    assert_string_equal(s_load_error("[{\"code\":\"abcdefghijklmnopq\",\"family\":\"m\"}]"),
                        "unit '?': code must be a string of at most 15 bytes");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_lookup, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_convert, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_check, s_setup, s_teardown),
        cmocka_unit_test(test_bad_tables),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
