/*  Unit tests of indicators_duty_book: an org unit's duties are its type's
    indicators plus its own additions minus its drops, in catalog order;
    derived indicators, unknown codes and retired units report nothing; an
    admin's rule overrides the catalog's calendar, a broken one does not;
    contacts are split into their four fields. The hashes are given as the
    store would read them (no Redis); the org units are made up.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "indicators_duty_book.h"
#include "sti_catalog_io.h"

static char s_plan_dir[4096];

static sti_catalog_t *s_catalog(void)
{
    const char *here = __FILE__;
    const char *tail = strstr(here, "tests/unit/test_indicators_duty_book.c");
    assert_non_null(tail);
    snprintf(s_plan_dir, sizeof s_plan_dir, "%.*sdata/plans/linping-2021-2025", (int)(tail - here),
             here);
    char err[512] = "";
    sti_catalog_t *cat = sti_catalog_load_dir(s_plan_dir, err, sizeof err);
    if (!cat) {
        fail_msg("%s", err);
    }
    const char *towns[] = {"town_a", "town_b", "town_c"};
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(
            sti_catalog_org_add(cat, towns[i], "linping", "镇（虚构）", "", err, sizeof err), 0);
    }
    sti_org_unit_t retired = *sti_catalog_org_find(cat, "town_c");
    retired.retired = true;
    retired.retired_at = 1;
    snprintf(retired.retired_reason, sizeof retired.retired_reason, "merged");
    assert_int_equal(sti_catalog_org_update(cat, &retired, err, sizeof err), 0);
    return cat;
}

//  A hash of n pairs from a flat list field, value, ...
static indicators_duty_pairs_t s_pairs(const char **flat, size_t n)
{
    static const char *fields[8][8], *values[8][8];
    static size_t used;
    size_t slot = used++ % 8;
    for (size_t i = 0; i < n; i++) {
        fields[slot][i] = flat[2 * i];
        values[slot][i] = flat[2 * i + 1];
    }
    return (indicators_duty_pairs_t){fields[slot], values[slot], n};
}

static const indicators_duty_unit_t *s_unit(const indicators_duty_book_t *book, const char *org)
{
    for (size_t i = 0; i < indicators_duty_book_unit_count(book); i++) {
        if (strcmp(indicators_duty_book_unit_at(book, i)->org->code, org) == 0) {
            return indicators_duty_book_unit_at(book, i);
        }
    }
    return NULL;
}

static void test_resolved(void **state)
{
    (void)state;
    sti_catalog_t *cat = s_catalog();
    const char *type[] = {"town_a", "town", "town_b", "town", "town_c", "town"};
    const char *assign[] = {"town", "tech_smes,hitech_enterprises,rd_gdp_ratio,gone"};
    const char *add[] = {"town_a", "rd_expenditure"};
    const char *drop[] = {"town_b", "tech_smes"};
    const char *contact[] = {"town_b", "李四\t\tlisi@example.invalid\tlisi01"};
    const char *rule[] = {"tech_smes", "quarter P20D", "hitech_enterprises", "weekly P1D"};
    indicators_duty_pairs_t hashes[INDICATORS_DUTY_HASHES] = {
        s_pairs(type, 3), s_pairs(assign, 1),  s_pairs(add, 1),
        s_pairs(drop, 1), s_pairs(contact, 1), s_pairs(rule, 2)};
    indicators_duty_book_t *book = indicators_duty_book_new(cat, hashes);
    assert_int_equal(indicators_duty_book_unit_count(book), 3);
    const indicators_duty_unit_t *a = s_unit(book, "town_a"), *b = s_unit(book, "town_b");
    //  Catalog order; the derived rd_gdp_ratio and the unknown code are left out.
    assert_int_equal(a->duty_count, 3);
    assert_string_equal(a->duties[0].indicator->code, "rd_expenditure");
    assert_string_equal(a->duties[1].indicator->code, "hitech_enterprises");
    assert_string_equal(a->duties[2].indicator->code, "tech_smes");
    assert_int_equal(b->duty_count, 1);
    assert_string_equal(b->duties[0].indicator->code, "hitech_enterprises");
    assert_int_equal(s_unit(book, "town_c")->duty_count, 0); // retired
    assert_string_equal(b->contact_name, "李四");
    assert_string_equal(b->contact_phone, "");
    assert_string_equal(b->contact_email, "lisi@example.invalid");
    assert_string_equal(b->contact_dingtalk, "lisi01");
    assert_string_equal(b->type, "town");
    //  The admin's rule for tech_smes; the broken one for hitech is ignored.
    const indicators_duty_rule_t *smes = a->duties[2].rule, *hitech = a->duties[1].rule;
    assert_true(smes->overridden);
    assert_int_equal(smes->frequency, STI_PERIOD_QUARTER);
    assert_int_equal(smes->rule.days, 20);
    assert_false(hitech->overridden);
    assert_int_equal(hitech->frequency, STI_PERIOD_YEAR);
    assert_string_equal(hitech->due, "P2M");
    assert_string_equal(indicators_duty_book_assigned(book, "town"),
                        "tech_smes,hitech_enterprises,rd_gdp_ratio,gone");
    assert_string_equal(indicators_duty_book_assigned(book, "platform"), "");
    assert_true(indicators_unit_type_valid("department"));
    assert_false(indicators_unit_type_valid("village"));
    indicators_duty_book_destroy(&book);
    indicators_duty_book_destroy(&book);
    sti_catalog_destroy(&cat);
}

static void test_empty(void **state)
{
    (void)state;
    sti_catalog_t *cat = s_catalog();
    indicators_duty_pairs_t hashes[INDICATORS_DUTY_HASHES];
    memset(hashes, 0, sizeof hashes);
    indicators_duty_book_t *book = indicators_duty_book_new(cat, hashes);
    assert_int_equal(indicators_duty_book_unit_count(book), 0);
    assert_null(indicators_duty_book_unit_at(book, 0));
    indicators_duty_book_destroy(&book);
    sti_catalog_destroy(&cat);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_resolved),
        cmocka_unit_test(test_empty),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
