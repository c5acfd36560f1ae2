/*  Unit tests of talent_count_store on a throw-away redis-server: nothing
    dirty at first; a registered talent marks the plan's talent indicators
    dirty from its year with a contribution; a generation accepted clears
    the marks, unless a change came since. The talents are made up.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "talent_count_store.h"
#include "talent_stack.h"

//  Registers made-up person n (arrived in 2022).
static void s_add(talent_test_stack_t *stack, int n)
{
    talent_record_t person = talent_test_person(n);
    char id[TALENT_REGISTRY_ID_MAX + 1], err[256], request[16];
    snprintf(request, sizeof request, "req-%d", n);
    talent_actor_t actor = {"talent.add", "test", request, NULL, NULL};
    assert_int_equal(talent_store_add(stack->store, &person, &actor, id, err, sizeof err),
                     TALENT_STORE_OK);
}

static void test_counts(void **state)
{
    (void)state;
    talent_test_stack_t stack;
    talent_test_stack_up(&stack);
    talent_count_store_t *counts = talent_count_store_new(stack.redis);
    char err[256];
    sti_errcode_t code;
    const talent_codes_t *codes = talent_store_codes(stack.store, &code, err, sizeof err);
    talent_count_read_t *read = talent_count_store_read(counts, codes, err, sizeof err);
    assert_non_null(read);
    assert_string_equal(read->gen, "0");
    assert_int_equal(read->dirty[0], 0);
    assert_int_equal(read->upto, 0);
    free(read);

    s_add(&stack, 1);
    read = talent_count_store_read(counts, codes, err, sizeof err);
    assert_string_not_equal(read->gen, "0");
    assert_string_equal(talent_codes_indicator_at(codes, 0)->code, "registered_talents");
    assert_int_equal(read->dirty[0], 2022);
    assert_int_equal(read->count[0], 1);
    assert_int_equal(read->years[0][0], 2022);
    assert_int_equal(read->deltas[0][0], 1);
    assert_int_equal(read->dirty[1], 0); // not overseas: the overseas count is untouched
    char gen[24];
    snprintf(gen, sizeof gen, "%s", read->gen);
    free(read);

    //  A change after the read: accepting the read's generation keeps the marks.
    s_add(&stack, 2);
    assert_int_equal(talent_count_store_done(counts, gen, 2025, err, sizeof err), 0);
    read = talent_count_store_read(counts, codes, err, sizeof err);
    assert_int_equal(read->dirty[0], 2022);
    assert_int_equal(read->upto, 2025);
    snprintf(gen, sizeof gen, "%s", read->gen);
    free(read);
    assert_int_equal(talent_count_store_done(counts, gen, 2025, err, sizeof err), 0);
    read = talent_count_store_read(counts, codes, err, sizeof err);
    assert_int_equal(read->dirty[0], 0);
    assert_int_equal(read->count[0], 1); // both arrived in 2022: one contribution of 2
    assert_int_equal(read->deltas[0][0], 2);
    free(read);

    talent_count_store_destroy(&counts);
    talent_count_store_destroy(&counts);
    talent_test_stack_down(&stack);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
