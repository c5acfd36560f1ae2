/*  test_notify_silencing: the silence ops against a real redis-server,
    called as the frame calls them: the declaration refuses unknown keys
    (id and created among them) and wrong types; the handler refuses a
    silence without matchers, one that has ended, one of a rule that does
    not exist; add, list and remove. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "notify_calls.h"
#include "notify_redis.h"
#include "notify_rulebook.h"
#include "notify_silencing.h"

typedef struct {
    sti_redis_t *redis;            // connection
    notify_rule_store_t *store;    // rules and silences
    sti_catalog_store_t *catalog;  // for the rulebook (no plan: rules name no codes)
    notify_rulebook_t *rulebook;   // to add the rule a silence names
    notify_silencing_t *silencing; // under test
} s_fixture_t;

static int s_setup(void **state)
{
    s_fixture_t *f = calloc(1, sizeof *f);
    f->redis = notify_test_redis_connect("stest");
    f->store = notify_rule_store_new(f->redis);
    f->catalog = sti_catalog_store_new(f->redis);
    f->rulebook = notify_rulebook_new(f->store, f->catalog);
    f->silencing = notify_silencing_new(f->store);
    *state = f;
    return 0;
}

static int s_teardown(void **state)
{
    s_fixture_t *f = *state;
    notify_silencing_destroy(&f->silencing);
    notify_silencing_destroy(&f->silencing); // safe twice
    notify_rulebook_destroy(&f->rulebook);
    sti_catalog_store_destroy(&f->catalog);
    notify_rule_store_destroy(&f->store);
    sti_redis_destroy(&f->redis);
    free(f);
    return 0;
}

//  Calls a silence op; returns whether it was answered ok, and the error
//  message (or the id) in text (512 bytes).
static bool s_call(s_fixture_t *f, const char *op, const char *json, char *text)
{
    notify_test_answer_t answer;
    notify_test_call(&notify_silencing_ops, f->silencing, op, json, &answer);
    bool ok = answer.reply.ok;
    if (ok) {
        notify_test_text(&answer, "id", text, 512);
    } else {
        snprintf(text, 512, "%s", answer.reply.message);
    }
    notify_test_answer_release(&answer);
    return ok;
}

static void test_refusals(void **state)
{
    s_fixture_t *f = *state;
    char text[512], json[256];
    long long later = (long long)zclock_time() + 3600000;
    assert_false(s_call(f, "silence.add", "{\"org\": \"linping\"}", text));
    assert_string_equal(text, "ends_at: missing (required)");
    snprintf(json, sizeof json, "{\"id\": \"s-1\", \"org\": \"linping\", \"ends_at\": %lld}",
             later);
    assert_false(s_call(f, "silence.add", json, text));
    assert_non_null(strstr(text, "id: unknown key (known: rule, indicator,"));
    assert_false(s_call(f, "silence.add", "{\"org\": 5, \"ends_at\": 1}", text));
    assert_string_equal(text, "org: must be a string of at most 63 bytes");
    snprintf(json, sizeof json, "{\"comment\": \"all of it\", \"ends_at\": %lld}", later);
    assert_false(s_call(f, "silence.add", json, text));
    assert_non_null(strstr(text, "matchers: a silence needs at least one of"));
    snprintf(json, sizeof json, "{\"severity\": \"loud\", \"ends_at\": %lld}", later);
    assert_false(s_call(f, "silence.add", json, text));
    assert_string_equal(text, "severity: must be info, warning or critical");
    assert_false(s_call(f, "silence.add", "{\"org\": \"linping\", \"ends_at\": 1000}", text));
    assert_string_equal(text, "ends_at: must lie in the future");
    snprintf(json, sizeof json, "{\"rule\": \"r-9\", \"ends_at\": %lld}", later);
    assert_false(s_call(f, "silence.add", json, text));
    assert_string_equal(text, "rule: no such rule");
}

static void test_add_list_remove(void **state)
{
    s_fixture_t *f = *state;
    notify_test_answer_t answer;
    notify_test_call(&notify_rulebook_ops, f->rulebook, "rule.add",
                     "{\"name\": \"all\", \"when\": \"any\", \"to\": [\"email:a@b.cn\"]}", &answer);
    assert_true(answer.reply.ok);
    notify_test_answer_release(&answer);
    char text[512], json[256];
    snprintf(json, sizeof json, "{\"rule\": \"r-1\", \"ends_at\": %lld, \"comment\": \"move\"}",
             (long long)zclock_time() + 3600000);
    assert_true(s_call(f, "silence.add", json, text));
    assert_string_equal(text, "s-1");
    notify_test_call(&notify_silencing_ops, f->silencing, "silence.list", NULL, &answer);
    assert_true(answer.reply.ok);
    sti_node_t silences = sti_node_get(answer.reply.body, "silences");
    assert_int_equal(sti_node_size(silences), 1);
    char comment[64];
    sti_field_error_t err;
    assert_int_equal(
        sti_map_str_copy(sti_node_at(silences, 0), "comment", comment, sizeof comment, &err), 0);
    assert_string_equal(comment, "move");
    notify_test_answer_release(&answer);
    assert_true(s_call(f, "silence.remove", "{\"id\": \"s-1\"}", text));
    assert_false(s_call(f, "silence.remove", "{\"id\": \"s-1\"}", text));
    assert_string_equal(text, "no silence s-1");
}

int main(void)
{
    notify_test_redis_start();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_refusals, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_add_list_remove, s_setup, s_teardown),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    notify_test_redis_stop();
    return rc;
}
