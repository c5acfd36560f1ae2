/*  test_notify_reply: the answers sti.notify's ops share: each writes a
    whole envelope (over what a handler began), worded once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "notify_reply.h"

//  Decodes what was written into reply.
static void s_decode(sti_writer_t *writer, sti_reply_t *reply)
{
    size_t size;
    char err[128];
    const void *data = sti_writer_data(writer, &size);
    assert_int_equal(sti_reply_decode(data, size, NULL, reply, err, sizeof err), 0);
}

static void test_answers(void **state)
{
    (void)state;
    sti_request_t request;
    memset(&request, 0, sizeof request);
    snprintf(request.id, sizeof request.id, "q-1");
    sti_writer_t *writer = sti_writer_new();
    sti_call_t call = {&request, writer, NULL, NULL};
    sti_reply_t reply;
    sti_envelope_reply_ok(writer, "q-1"); // a handler's half-written answer is replaced
    assert_int_equal(notify_reply_unavailable(&call), 0);
    s_decode(writer, &reply);
    assert_false(reply.ok);
    assert_int_equal(reply.code, STI_ERR_UNAVAILABLE);
    assert_string_equal(reply.id, "q-1");
    assert_string_equal(reply.message, "Redis cannot be reached now; try again");
    sti_reply_release(&reply);
    assert_int_equal(notify_reply_not_found(&call, "rule", "r-7"), 0);
    s_decode(writer, &reply);
    assert_int_equal(reply.code, STI_ERR_NOT_FOUND);
    assert_string_equal(reply.message, "no rule r-7");
    sti_reply_release(&reply);
    assert_int_equal(notify_reply_invalid(&call, "ends_at", "must lie in the future"), 0);
    s_decode(writer, &reply);
    assert_int_equal(reply.code, STI_ERR_INVALID_ARGUMENT);
    assert_string_equal(reply.message, "ends_at: must lie in the future");
    assert_int_equal(sti_node_size(reply.details), 1);
    sti_reply_release(&reply);
    sti_writer_reset(writer);
    assert_int_equal(notify_reply_id(&call, "s-3"), 0);
    s_decode(writer, &reply);
    assert_true(reply.ok);
    char id[16];
    sti_field_error_t err;
    assert_int_equal(sti_map_str_copy(reply.body, "id", id, sizeof id, &err), 0);
    assert_string_equal(id, "s-3");
    sti_reply_release(&reply);
    sti_writer_destroy(&writer);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_answers)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
