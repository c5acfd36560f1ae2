/*  test_sti_scope: what an org-unit scope covers in the catalog's tree. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "sti_scope.h"

//  linping → donghu → donghu_park; linping → nanyuan. (Made-up units.)
static sti_catalog_t *s_tree(void)
{
    sti_catalog_t *cat = sti_catalog_new();
    char err[256];
    assert_int_equal(sti_catalog_org_add(cat, "linping", NULL, NULL, NULL, err, sizeof err), 0);
    assert_int_equal(sti_catalog_org_add(cat, "donghu", "linping", NULL, NULL, err, sizeof err), 0);
    assert_int_equal(sti_catalog_org_add(cat, "nanyuan", "linping", NULL, NULL, err, sizeof err),
                     0);
    assert_int_equal(sti_catalog_org_add(cat, "donghu_park", "donghu", NULL, NULL, err, sizeof err),
                     0);
    return cat;
}

static void test_covers(void **state)
{
    (void)state;
    sti_catalog_t *cat = s_tree();
    //  No scope: everything.
    assert_true(sti_scope_covers(cat, "", "nanyuan"));
    assert_true(sti_scope_covers(cat, NULL, "linping"));
    //  A unit covers itself and what is under it, at any depth.
    assert_true(sti_scope_covers(cat, "donghu", "donghu"));
    assert_true(sti_scope_covers(cat, "donghu", "donghu_park"));
    assert_true(sti_scope_covers(cat, "linping", "donghu_park"));
    //  Not its parent, not a sibling, not an unknown unit.
    assert_false(sti_scope_covers(cat, "donghu", "linping"));
    assert_false(sti_scope_covers(cat, "donghu", "nanyuan"));
    assert_false(sti_scope_covers(cat, "donghu", "nowhere"));
    assert_false(sti_scope_covers(cat, "nowhere", "donghu"));
    sti_catalog_destroy(&cat);
}

static void test_check(void **state)
{
    (void)state;
    sti_catalog_t *cat = s_tree();
    char err[256] = "";
    assert_int_equal(sti_scope_check(cat, "", err, sizeof err), 0);
    assert_int_equal(sti_scope_check(cat, "donghu", err, sizeof err), 0);
    assert_int_equal(sti_scope_check(cat, "xihu", err, sizeof err), -1);
    assert_string_equal(err, "the caller's scope xihu is not an org unit of the plan");
    sti_catalog_destroy(&cat);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_covers),
        cmocka_unit_test(test_check),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
