/*  Unit tests for sti_service_ops: one request answered without sockets —
    malformed and unknown requests, roles, the dataset guard, the write
    rate, the body checked before the handler, a handler that fails or
    writes nothing, a read run again after Redis was away, ops.describe;
    and the rows the metrics count by.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <czmq.h>

#include "sti_json.h"
#include "sti_service_ops.h"

typedef struct {
    int calls; // handler runs so far
} s_counter_t;

static int s_count(void *self, const sti_call_t *call)
{
    ((s_counter_t *)self)->calls++;
    sti_envelope_reply_ok(call->reply, call->request->id);
    sti_writer_int(call->reply, ((s_counter_t *)self)->calls);
    return 0;
}

static int s_fail(void *self, const sti_call_t *call)
{
    (void)self;
    sti_envelope_reply_ok(call->reply, call->request->id); // half a reply, then failure
    return -1;
}

//  Unavailable on every odd run (Redis away at once), ok on the even ones.
static int s_flaky(void *self, const sti_call_t *call)
{
    int calls = ++((s_counter_t *)self)->calls;
    if (calls % 2) {
        sti_envelope_reply_error(call->reply, call->request->id, STI_ERR_UNAVAILABLE, "redis away",
                                 NULL, 0);
        return 0;
    }
    sti_envelope_reply_ok(call->reply, call->request->id);
    sti_writer_int(call->reply, calls);
    return 0;
}

//  Unavailable after a wait longer than a read is run again after.
static int s_slow_unavailable(void *self, const sti_call_t *call)
{
    ((s_counter_t *)self)->calls++;
    zclock_sleep(1100); // a Redis that does not answer, as the command time-out sees it
    sti_envelope_reply_error(call->reply, call->request->id, STI_ERR_UNAVAILABLE, "timed out", NULL,
                             0);
    return 0;
}

static int s_silent(void *self, const sti_call_t *call)
{
    (void)self, (void)call;
    return 0;
}

static const sti_arg_t s_set_args[] = {
    {"code", STI_ARG_STR, STI_REQUIRED, 1, 16, NULL, "what to set"},
    {"value", STI_ARG_INT, STI_OPTIONAL, 0, 100, NULL, "its value"},
    STI_ARGS_END,
};

static const sti_op_decl_t s_ops[] = {
    {"thing.get", s_count, STI_ROLES_ANY, NULL, "reads", "N", NULL},
    {"thing.set", s_count, STI_ROLE_CLERK | STI_OP_WRITE, s_set_args, "writes", "N", NULL},
    {"thing.admin", s_count, STI_OP_CHANGES, NULL, "admin only", "N", NULL},
    {"thing.fail", s_fail, STI_ROLES_ANY, NULL, "fails", "", NULL},
    {"thing.silent", s_silent, STI_ROLES_ANY, NULL, "writes nothing", "", NULL},
    {"flaky.get", s_flaky, STI_ROLES_ANY, NULL, "reads, Redis away at first", "N", NULL},
    {"flaky.set", s_flaky, STI_ROLES_ANY | STI_OP_WRITE, NULL, "writes, Redis away at first", "N",
     NULL},
    {"flaky.change", s_flaky, STI_OP_CHANGES, NULL, "changes, Redis away at first", "N", NULL},
    {"slow.get", s_slow_unavailable, STI_ROLES_ANY, NULL, "reads, Redis hung", "", NULL},
    STI_OPS_END,
};
static const sti_op_table_t s_table = {"test_ops", s_ops};
static const sti_op_table_t *const s_tables[] = {&s_table, NULL};

typedef struct {
    sti_service_ops_t *ops;
    s_counter_t counter;
    sti_writer_t *reply;
    sti_identity_t caller;
    sti_service_answer_t answer;
    sti_reply_t decoded;
    bool has_decoded;
} s_fixture_t;

static int s_setup(void **state)
{
    s_fixture_t *f = calloc(1, sizeof *f);
    f->ops = sti_service_ops_new("sti.test", s_tables, NULL);
    assert_false(sti_service_ops_bound(f->ops));
    sti_service_ops_bind(f->ops, &s_table, &f->counter);
    assert_true(sti_service_ops_bound(f->ops));
    f->reply = sti_writer_new();
    sti_identity_local(&f->caller);
    *state = f;
    return 0;
}

static int s_teardown(void **state)
{
    s_fixture_t *f = *state;
    if (f->has_decoded) {
        sti_reply_release(&f->decoded);
    }
    sti_writer_destroy(&f->reply);
    sti_service_ops_destroy(&f->ops);
    free(f);
    return 0;
}

//  Answers raw bytes in frames frames; decodes the reply into f->decoded.
static void s_answer_bytes(s_fixture_t *f, const void *data, size_t size, size_t frames)
{
    if (f->has_decoded) {
        sti_reply_release(&f->decoded);
    }
    sti_service_ops_answer(f->ops, data, size, frames, &f->caller, NULL, f->reply, &f->answer);
    size_t reply_size;
    const void *reply = sti_writer_data(f->reply, &reply_size);
    char err[256];
    assert_int_equal(sti_reply_decode(reply, reply_size, NULL, &f->decoded, err, sizeof err), 0);
    f->has_decoded = true;
}

//  Answers {op, id, body} with body JSON text (NULL: no body).
static void s_answer(s_fixture_t *f, const char *op, const char *id, const char *body)
{
    sti_writer_t *request = sti_writer_new();
    sti_envelope_request(request, op, id);
    char err[256];
    if (body) {
        assert_int_equal(sti_json_text_to_writer(body, strlen(body), request, err, sizeof err), 0);
    } else {
        sti_writer_nil(request);
    }
    size_t size;
    const void *data = sti_writer_data(request, &size);
    s_answer_bytes(f, data, size, 1);
    sti_writer_destroy(&request);
}

static void test_rows(void **state)
{
    s_fixture_t *f = *state;
    size_t count = sti_service_ops_count(f->ops);
    assert_int_equal(count, 10); // nine of the table, then ops.describe
    assert_string_equal(sti_service_ops_name(f->ops, 0), "thing.get");
    assert_string_equal(sti_service_ops_name(f->ops, 9), "ops.describe");
    assert_string_equal(sti_service_ops_name(f->ops, count), "_unknown");
    assert_string_equal(sti_service_ops_name(f->ops, count + 1), "_malformed");
    assert_false(sti_service_ops_changes(f->ops, 0));
    assert_true(sti_service_ops_changes(f->ops, 1));
    assert_true(sti_service_ops_changes(f->ops, 2));
    assert_false(sti_service_ops_changes(f->ops, count));
}

static void test_ok_and_unknown(void **state)
{
    s_fixture_t *f = *state;
    s_answer(f, "thing.get", "r1", NULL);
    assert_true(f->decoded.ok);
    assert_int_equal(f->answer.code, STI_ERR_NONE);
    assert_int_equal(f->answer.row, 0);
    assert_string_equal(f->answer.id, "r1");
    assert_int_equal(f->counter.calls, 1);

    s_answer(f, "nope", "r2", "{}");
    assert_int_equal(f->answer.code, STI_ERR_INVALID_ARGUMENT);
    assert_int_equal(f->answer.row, sti_service_ops_count(f->ops));
    assert_string_equal(f->decoded.message, "unknown op nope");
    assert_string_equal(f->decoded.id, "r2");
}

static void test_malformed(void **state)
{
    s_fixture_t *f = *state;
    s_answer_bytes(f, "\xc1garbage", 8, 1);
    assert_int_equal(f->answer.code, STI_ERR_INVALID_ARGUMENT);
    assert_int_equal(f->answer.row, sti_service_ops_count(f->ops) + 1);
    assert_string_equal(f->decoded.id, "");

    //  The id is kept when that much can be read.
    const char op_not_str[] = "\x82\xa2op\x05\xa2id\xa2r3"; // {op: 5, id: "r3"}
    s_answer_bytes(f, op_not_str, sizeof op_not_str - 1, 1);
    assert_int_equal(f->answer.code, STI_ERR_INVALID_ARGUMENT);
    assert_string_equal(f->decoded.id, "r3");
    assert_string_equal(f->answer.id, "r3");

    s_answer_bytes(f, op_not_str, sizeof op_not_str - 1, 2);
    assert_string_equal(f->decoded.message, "a request is one frame, got 2");
    s_answer_bytes(f, NULL, 0, 0);
    assert_string_equal(f->decoded.message, "a request is one frame, got 0");
    assert_int_equal(f->counter.calls, 0);
}

static void test_body_checked_first(void **state)
{
    s_fixture_t *f = *state;
    const char *cases[][3] = {
        {"{\"code\": \"a\", \"colour\": 1}", "colour", "unknown key (known: code, value)"},
        {"{\"value\": 1}", "code", "missing (required)"},
        {"{\"code\": 7}", "code", "must be a string of 1 to 16 bytes"},
        {"{\"code\": \"a\", \"value\": 101}", "value", "must be an integer from 0 to 100"},
        {"[1]", "body", "must be a map"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        s_answer(f, "thing.set", "w", cases[i][0]);
        assert_int_equal(f->answer.code, STI_ERR_INVALID_ARGUMENT);
        char message[256];
        snprintf(message, sizeof message, "%s: %s", cases[i][1], cases[i][2]);
        assert_string_equal(f->decoded.message, message);
        assert_int_equal(sti_node_size(f->decoded.details), 1);
        char field[64], reason[128];
        sti_field_error_t err;
        sti_node_t detail = sti_node_at(f->decoded.details, 0);
        assert_int_equal(sti_map_str_copy(detail, "field", field, sizeof field, &err), 0);
        assert_int_equal(sti_map_str_copy(detail, "reason", reason, sizeof reason, &err), 0);
        assert_string_equal(field, cases[i][1]);
        assert_string_equal(reason, cases[i][2]);
    }
    assert_int_equal(f->counter.calls, 0);
    s_answer(f, "thing.set", "w", "{\"code\": \"a\", \"value\": 100}");
    assert_true(f->decoded.ok);
}

static void test_roles_and_rate(void **state)
{
    s_fixture_t *f = *state;
    sti_identity_set(&f->caller, "alice", "reader", "");
    s_answer(f, "thing.set", "w1", "{\"code\": \"a\"}");
    assert_int_equal(f->answer.code, STI_ERR_FORBIDDEN);
    assert_string_equal(f->decoded.message, "op thing.set is not allowed for role reader (caller "
                                            "alice)");
    sti_identity_set(&f->caller, "bob", "clerk", "");
    s_answer(f, "thing.admin", "a1", NULL);
    assert_int_equal(f->answer.code, STI_ERR_FORBIDDEN);

    sti_service_ops_limit_writes(f->ops, 0.001, 2);
    s_answer(f, "thing.set", "w2", "{\"code\": \"a\"}");
    assert_true(f->decoded.ok);
    s_answer(f, "thing.set", "w3", "{\"code\": \"a\"}");
    assert_true(f->decoded.ok);
    s_answer(f, "thing.set", "w4", "{\"code\": \"a\"}");
    assert_int_equal(f->answer.code, STI_ERR_RATE_LIMITED);
    sti_field_error_t err;
    char field[32];
    assert_int_equal(
        sti_map_str_copy(sti_node_at(f->decoded.details, 0), "field", field, sizeof field, &err),
        0);
    assert_string_equal(field, "retry_after_ms");
    s_answer(f, "thing.get", "g", NULL); // reads are not limited
    assert_true(f->decoded.ok);
}

static void test_dataset_lost(void **state)
{
    s_fixture_t *f = *state;
    sti_dataset_watch_t *dataset = sti_dataset_watch_new("");
    sti_service_ops_guard(f->ops, dataset);
    assert_true(sti_dataset_watch_loss(dataset, "ind"));
    s_answer(f, "thing.set", "w", "{\"code\": \"a\"}");
    assert_int_equal(f->answer.code, STI_ERR_UNAVAILABLE);
    assert_non_null(strstr(f->decoded.message, "op thing.set changes nothing now: "));
    s_answer(f, "thing.admin", "a", NULL);
    assert_int_equal(f->answer.code, STI_ERR_UNAVAILABLE);
    s_answer(f, "thing.get", "g", NULL);
    assert_true(f->decoded.ok);
    sti_service_ops_guard(f->ops, NULL);
    sti_dataset_watch_destroy(&dataset);
}

static void test_handler_failures(void **state)
{
    s_fixture_t *f = *state;
    s_answer(f, "thing.fail", "f1", NULL);
    assert_int_equal(f->answer.code, STI_ERR_INTERNAL);
    assert_string_equal(f->decoded.id, "f1");
    assert_string_equal(f->decoded.message, "internal error");
    s_answer(f, "thing.silent", "f2", NULL);
    assert_int_equal(f->answer.code, STI_ERR_INTERNAL);
    assert_string_equal(f->decoded.id, "f2");
}

//  A read answered unavailable at once is run again (a connection that broke
//  is made again on its next command); a write or a change is not (its
//  caller retries with its request id), nor a read that failed slowly.
static void test_read_run_again(void **state)
{
    s_fixture_t *f = *state;
    s_answer(f, "flaky.get", "r1", NULL);
    assert_true(f->decoded.ok);
    assert_int_equal(f->counter.calls, 2);
    //  Each answered unavailable after one run, with its own message.
    const char *once[][3] = {{"flaky.set", "w1", "redis away"},
                             {"flaky.change", "c1", "redis away"},
                             {"slow.get", "s1", "timed out"}};
    for (size_t i = 0; i < sizeof once / sizeof once[0]; i++) {
        f->counter.calls = 0;
        s_answer(f, once[i][0], once[i][1], NULL);
        assert_int_equal(f->answer.code, STI_ERR_UNAVAILABLE);
        assert_string_equal(f->decoded.id, once[i][1]);
        assert_string_equal(f->decoded.message, once[i][2]);
        assert_int_equal(f->counter.calls, 1);
    }
}

static void test_describe(void **state)
{
    s_fixture_t *f = *state;
    s_answer(f, "ops.describe", "d", NULL);
    assert_true(f->decoded.ok);
    char text[64];
    sti_field_error_t err;
    assert_int_equal(sti_map_str_copy(f->decoded.body, "service", text, sizeof text, &err), 0);
    assert_string_equal(text, "sti.test");
    sti_node_t ops = sti_node_get(f->decoded.body, "ops");
    assert_int_equal(sti_node_size(ops), 10);
    assert_int_equal(sti_map_str_copy(sti_node_at(ops, 1), "op", text, sizeof text, &err), 0);
    assert_string_equal(text, "thing.set");
    assert_int_equal(sti_map_str_copy(sti_node_at(ops, 9), "op", text, sizeof text, &err), 0);
    assert_string_equal(text, "ops.describe");

    char *printed = NULL;
    size_t printed_size = 0;
    FILE *out = open_memstream(&printed, &printed_size);
    sti_service_ops_print(f->ops, out);
    fclose(out);
    assert_non_null(strstr(printed, "\"service\":\t\"sti.test\""));
    assert_non_null(strstr(printed, "\"rule\":\t\"must be a string of 1 to 16 bytes\""));
    free(printed);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_rows, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_ok_and_unknown, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_malformed, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_body_checked_first, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_roles_and_rate, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_dataset_lost, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_handler_failures, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_read_run_again, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_describe, s_setup, s_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
