/*  test_notify_rulebook: the rule ops against a real redis-server, called
    as the frame calls them: a body is checked against rule.add's
    declaration (unknown keys, `id` and `created` among them, types,
    ranges) in the common wording; the rest (condition, receivers) and the
    catalog (indicators, org units, prefix) by the handler; an add is kept
    once per request id; list, get (secrets masked) and remove; each change
    in the audit stream once, naming the caller, and a removal of nothing
    not at all. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "notify_calls.h"
#include "notify_redis.h"
#include "notify_rulebook.h"

typedef struct {
    sti_redis_t *redis;           // connection
    notify_rule_store_t *store;   // rules and silences
    sti_catalog_store_t *catalog; // the Linping plan
    notify_rulebook_t *rulebook;  // under test
} s_fixture_t;

static int s_setup(void **state)
{
    s_fixture_t *f = calloc(1, sizeof *f);
    f->redis = notify_test_redis_connect("rtest");
    notify_test_load_plan(f->redis);
    f->store = notify_rule_store_new(f->redis);
    f->catalog = sti_catalog_store_new(f->redis);
    f->rulebook = notify_rulebook_new(f->store, f->catalog);
    *state = f;
    return 0;
}

static int s_teardown(void **state)
{
    s_fixture_t *f = *state;
    notify_rulebook_destroy(&f->rulebook);
    notify_rulebook_destroy(&f->rulebook); // safe twice
    sti_catalog_store_destroy(&f->catalog);
    notify_rule_store_destroy(&f->store);
    sti_redis_destroy(&f->redis);
    free(f);
    return 0;
}

//  Calls op; returns whether it was answered ok, the first detail's field
//  in field (64 bytes) and the error message in message (512), or the id.
static bool s_call(s_fixture_t *f, const char *op, const char *json, char *field, char *message)
{
    notify_test_answer_t answer;
    notify_test_call(&notify_rulebook_ops, f->rulebook, op, json, &answer);
    bool ok = answer.reply.ok;
    if (field) {
        notify_test_field(&answer, field, 64);
    }
    if (message) {
        snprintf(message, 512, "%s", ok ? "" : answer.reply.message);
        if (ok) {
            notify_test_text(&answer, "id", message, 512);
        }
    }
    notify_test_answer_release(&answer);
    return ok;
}

#define S_TO "\"to\": [\"webhook:https://hooks.example.org/sti#s3cret\"]"

static void test_shape_refused_by_the_declaration(void **state)
{
    s_fixture_t *f = *state;
    char field[64], message[512];
    assert_false(s_call(f, "rule.add", "{\"when\": \"any\", " S_TO "}", field, message));
    assert_string_equal(field, "name");
    assert_string_equal(message, "name: missing (required)");
    assert_false(s_call(f, "rule.add",
                        "{\"name\": \"x\", \"when\": \"any\", \"colour\": 1, " S_TO "}", field,
                        message));
    assert_string_equal(field, "colour");
    assert_non_null(strstr(message, "unknown key (known: name, event,"));
    //  the service gives id and created
    assert_false(s_call(f, "rule.add",
                        "{\"id\": \"r-9\", \"name\": \"x\", \"when\": \"any\", " S_TO "}", field,
                        NULL));
    assert_string_equal(field, "id");
    assert_false(s_call(f, "rule.add",
                        "{\"name\": \"x\", \"when\": \"any\", \"group_wait\": -1, " S_TO "}", field,
                        message));
    assert_string_equal(message, "group_wait: must be an integer from 0 to 2592000000");
    assert_false(
        s_call(f, "rule.add", "{\"name\": \"\", \"when\": \"any\", " S_TO "}", field, message));
    assert_string_equal(message, "name: must be a string of 1 to 128 bytes");
    assert_false(
        s_call(f, "rule.add", "{\"name\": \"x\", \"when\": \"any\", \"to\": []}", field, message));
    assert_string_equal(message, "to: must be an array of 1 to 8 elements");
    assert_false(s_call(f, "rule.add",
                        "{\"name\": \"x\", \"when\": \"any\", \"indicators\": [7], " S_TO "}",
                        field, NULL));
    assert_string_equal(field, "indicators.0");
    assert_false(s_call(f, "rule.get", "{}", field, NULL));
    assert_string_equal(field, "id");
}

static void test_rest_refused_by_the_handler(void **state)
{
    s_fixture_t *f = *state;
    char field[64], message[512];
    assert_false(s_call(f, "rule.add", "{\"name\": \"x\", \"when\": \"sometimes\", " S_TO "}",
                        field, message));
    assert_string_equal(field, "when");
    assert_non_null(strstr(message, "unknown condition 'sometimes'"));
    assert_false(s_call(f, "rule.add",
                        "{\"name\": \"x\", \"when\": \"any\", \"to\": [\"webhook:ftp://x\"]}",
                        field, message));
    assert_string_equal(field, "to");
    assert_non_null(strstr(message, "receiver 1: webhook URL must start with http"));
    assert_false(s_call(f, "rule.add",
                        "{\"name\": \"x\", \"when\": \"any\", \"indicators\": [\"no_such\"], " S_TO
                        "}",
                        field, message));
    assert_string_equal(message, "indicators: unknown indicator 'no_such'");
    assert_false(s_call(f, "rule.add",
                        "{\"name\": \"x\", \"when\": \"any\", \"orgs\": [\"nowhere\"], " S_TO "}",
                        field, message));
    assert_string_equal(message, "orgs: unknown org unit 'nowhere'");
    assert_false(s_call(f, "rule.add",
                        "{\"name\": \"x\", \"when\": \"any\", \"prefix\": \"zzz\", " S_TO "}",
                        field, message));
    assert_string_equal(field, "prefix");
}

static void test_add_list_get_remove(void **state)
{
    s_fixture_t *f = *state;
    char id[512], again[512], field[64];
    const char *rule = "{\"name\": \"hitech\", \"when\": \"crosses_above:1000\", \"indicators\": "
                       "[\"hitech_enterprises\"], \"orgs\": [\"linping\"], " S_TO "}";
    assert_true(s_call(f, "rule.add", rule, NULL, id));
    assert_string_equal(id, "r-1");
    //  a second request (another id) adds another rule
    assert_true(s_call(f, "rule.add", rule, NULL, again));
    assert_string_equal(again, "r-2");
    //  the same request again (a retry) adds nothing and answers the first id
    notify_test_answer_t answer;
    for (int i = 0; i < 2; i++) {
        notify_test_call_as(&notify_rulebook_ops, f->rulebook, "rule.add", "retry-1", rule,
                            &answer);
        assert_true(answer.reply.ok);
        assert_string_equal(notify_test_text(&answer, "id", id, sizeof id), "r-3");
        notify_test_answer_release(&answer);
    }
    notify_test_call(&notify_rulebook_ops, f->rulebook, "rule.list", NULL, &answer);
    assert_true(answer.reply.ok);
    sti_node_t rules = sti_node_get(answer.reply.body, "rules");
    assert_int_equal(sti_node_size(rules), 3);
    notify_test_answer_release(&answer);
    notify_test_call(&notify_rulebook_ops, f->rulebook, "rule.get", "{\"id\": \"r-1\"}", &answer);
    assert_true(answer.reply.ok);
    sti_node_t to = sti_node_get(answer.reply.body, "to");
    char spec[128];
    sti_field_error_t err;
    assert_int_equal(sti_node_str_copy(sti_node_at(to, 0), spec, sizeof spec, &err), 0);
    assert_string_equal(spec, "webhook:https://hooks.example.org/sti#***");
    notify_test_answer_release(&answer);
    assert_true(s_call(f, "rule.remove", "{\"id\": \"r-1\"}", NULL, NULL));
    char message[512];
    assert_false(s_call(f, "rule.remove", "{\"id\": \"r-1\"}", field, message));
    assert_string_equal(message, "no rule r-1");
    assert_false(s_call(f, "rule.get", "{\"id\": \"r-1\"}", field, message));
    assert_string_equal(message, "no rule r-1");
    //  The audit stream: three adds (the retry once) and one removal, by the caller.
    redisReply *reply = sti_redis_command(f->redis, "XRANGE rtest:notify:audit - +");
    assert_non_null(reply);
    assert_int_equal(reply->type, REDIS_REPLY_ARRAY);
    assert_int_equal(reply->elements, 4);
    const char *want[4][3] = {{"rule.add", "r-1", "t-"},
                              {"rule.add", "r-2", "t-"},
                              {"rule.add", "r-3", "retry-1 "},
                              {"rule.remove", "r-1", "t-"}};
    for (size_t i = 0; i < 4; i++) {
        const redisReply *fields = reply->element[i]->element[1];
        char seen[512] = "";
        for (size_t k = 0; k + 1 < fields->elements; k += 2) {
            size_t len = strlen(seen);
            snprintf(seen + len, sizeof seen - len, "%s=%s ", fields->element[k]->str,
                     fields->element[k + 1]->str);
        }
        char expected[256];
        snprintf(expected, sizeof expected, "op=%s id=%s who=local role=admin via= request=%s",
                 want[i][0], want[i][1], want[i][2]);
        if (!strstr(seen, expected)) {
            fail_msg("audit entry %zu: '%s' lacks '%s'", i, seen, expected);
        }
        assert_non_null(strstr(seen, "time="));
    }
    freeReplyObject(reply);
}

int main(void)
{
    notify_test_redis_start();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_shape_refused_by_the_declaration, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_rest_refused_by_the_handler, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_add_list_get_remove, s_setup, s_teardown),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    notify_test_redis_stop();
    return rc;
}
