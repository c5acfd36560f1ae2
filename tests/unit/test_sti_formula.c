/*  Unit tests of sti_formula: the plan's formulas, precedence, refusals with
    positions, bounds, and "no value" instead of NaN.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "sti_formula.h"

//  A lookup over a fixed table; a code not in it has no value.
static bool s_lookup(void *arg, const char *code, double *value)
{
    (void)arg;
    static const struct {
        const char *code;
        double value;
    } table[] = {{"rd_expenditure", 26.92},
                 {"gdp", 769.1},
                 {"valid_invention_patents", 1534},
                 {"population", 100},
                 {"zero", 0},
                 {"big", 1e300},
                 {"a", 2},
                 {"b", 3},
                 {"c", 4}};
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        if (strcmp(table[i].code, code) == 0) {
            *value = table[i].value;
            return true;
        }
    }
    return false;
}

//  Parses and evaluates text; returns whether it had a value.
static bool s_eval(const char *text, double *out)
{
    char err[160] = "";
    sti_formula_t *formula = sti_formula_parse(text, err, sizeof err);
    assert_non_null(formula);
    bool ok = sti_formula_eval(formula, s_lookup, NULL, out);
    sti_formula_destroy(&formula);
    assert_null(formula);
    sti_formula_destroy(&formula);
    return ok;
}

static void s_refused(const char *text, const char *reason)
{
    char err[160] = "";
    sti_formula_t *formula = sti_formula_parse(text, err, sizeof err);
    assert_null(formula);
    assert_string_equal(err, reason);
}

static void test_plan_formulas(void **state)
{
    (void)state;
    char err[160] = "";
    sti_formula_t *formula = sti_formula_parse("100 * rd_expenditure / gdp", err, sizeof err);
    assert_non_null(formula);
    assert_string_equal(sti_formula_text(formula), "100 * rd_expenditure / gdp");
    assert_int_equal(sti_formula_input_count(formula), 2);
    assert_string_equal(sti_formula_input(formula, 0), "rd_expenditure");
    assert_string_equal(sti_formula_input(formula, 1), "gdp");
    assert_null(sti_formula_input(formula, 2));
    assert_true(sti_formula_uses(formula, "gdp"));
    assert_false(sti_formula_uses(formula, "gd"));
    double out = 0;
    assert_true(sti_formula_eval(formula, s_lookup, NULL, &out));
    assert_true(out > 3.50 && out < 3.501);
    double values[] = {35, 1000};
    bool present[] = {true, true};
    assert_true(sti_formula_eval_values(formula, values, present, &out));
    assert_true(out == 3.5);
    present[1] = false;
    assert_false(sti_formula_eval_values(formula, values, present, &out));
    sti_formula_destroy(&formula);

    assert_true(s_eval("valid_invention_patents / population", &out));
    assert_true(out == 15.34);
}

static void test_arithmetic(void **state)
{
    (void)state;
    double out = 0;
    assert_true(s_eval("a + b * c", &out));
    assert_true(out == 14);
    assert_true(s_eval("(a + b) * c", &out));
    assert_true(out == 20);
    assert_true(s_eval("c - b - a", &out)); // left to right
    assert_true(out == -1);
    assert_true(s_eval("c / a / a", &out));
    assert_true(out == 1);
    assert_true(s_eval("-a * -b", &out));
    assert_true(out == 6);
    assert_true(s_eval("- (a - c)", &out));
    assert_true(out == 2);
    assert_true(s_eval("\t0.5*a ", &out));
    assert_true(out == 1);
    assert_true(s_eval("12.25", &out));
    assert_true(out == 12.25);
    assert_true(s_eval("a+a+a", &out));
    assert_true(out == 6);
    char err[160];
    sti_formula_t *formula = sti_formula_parse("a + a * b", err, sizeof err);
    assert_int_equal(sti_formula_input_count(formula), 2);
    sti_formula_destroy(&formula);
}

static void test_no_value(void **state)
{
    (void)state;
    double out = 42;
    assert_false(s_eval("a / zero", &out));
    assert_false(s_eval("a / (b - b)", &out));
    assert_false(s_eval("missing + 1", &out));
    assert_false(s_eval("big * big", &out));
    assert_false(s_eval("-big * big", &out));
    assert_true(out == 42);
    assert_true(s_eval("zero / a", &out));
    assert_true(out == 0);
    assert_true(s_eval("-zero", &out));
    assert_false(signbit(out));
}

static void test_refusals(void **state)
{
    (void)state;
    s_refused("", "at position 1: expected an indicator code, a number or '(', found the end");
    s_refused("a +", "at position 4: expected an indicator code, a number or '(', found the end");
    s_refused("a $ b", "at position 3: expected an operator, found '$'");
    s_refused("a b", "at position 3: expected an operator, found 'b'");
    s_refused("(a + b", "at position 7: expected ')', found the end");
    s_refused("a + b)", "at position 6: expected an operator, found ')'");
    s_refused("Gdp", "at position 1: expected an indicator code, a number or '(', found 'G'");
    s_refused("_a", "at position 1: expected an indicator code, a number or '(', found '_'");
    s_refused("1.", "at position 3: expected a digit after '.', found the end");
    s_refused("1e5", "at position 2: expected an operator, found 'e'");
    s_refused("a ** b", "at position 4: expected an indicator code, a number or '(', found '*'");
    s_refused("pow(a)", "at position 4: expected an operator, found '('");
    s_refused("a + é", "at position 5: expected an indicator code, a number or '(', found byte "
                       "0xc3");
    s_refused("a\n+ b", "at position 2: expected an operator, found byte 0x0a");
}

static void test_bounds(void **state)
{
    (void)state;
    char text[600];
    memset(text, 'a', 65);
    text[65] = 0;
    s_refused(text, "at position 1: indicator code longer than 64 bytes, found 'a'");
    memset(text, 'a', 64);
    text[64] = 0;
    double out;
    char err[160];
    sti_formula_t *formula = sti_formula_parse(text, err, sizeof err);
    assert_non_null(formula);
    sti_formula_destroy(&formula);

    memset(text, ' ', 257);
    text[0] = 'a';
    text[257] = 0;
    s_refused(text, "formula is longer than 256 bytes");
    text[256] = 0;
    assert_true(s_eval(text, &out));
    assert_true(out == 2);

    //  15 parentheses deep is fine, 16 is not (the operand is one level more).
    strcpy(text, "((((((((((((((((a))))))))))))))))");
    s_refused(text, "at position 17: nested deeper than 16, found 'a'");
    strcpy(text, "(((((((((((((((a)))))))))))))))");
    assert_true(s_eval(text, &out));
    assert_true(out == 2);
    memset(text, '-', 20);
    strcpy(text + 20, "a");
    s_refused(text, "at position 17: nested deeper than 16, found '-'");

    //  At most 16 distinct inputs.
    strcpy(text, "");
    for (int i = 0; i < 17; i++) {
        char code[8];
        snprintf(code, sizeof code, "%sx%d", i ? "+" : "", i);
        strcat(text, code);
    }
    s_refused(text, "at position 55: more than 16 distinct inputs, found 'x'");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plan_formulas), cmocka_unit_test(test_arithmetic),
        cmocka_unit_test(test_no_value),      cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
