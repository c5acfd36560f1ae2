/*  Unit tests of talent_reply: the caller as the audit log names it, the
    errors of a decoder, of a store result and of a registry id, as every
    talent op answers them.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "talent_reply.h"

static sti_writer_t *request_w, *reply_w;
static sti_request_t request;

static int s_setup(void **state)
{
    (void)state;
    request_w = sti_writer_new();
    reply_w = sti_writer_new();
    sti_envelope_request(request_w, "talent.get", "req-7");
    sti_writer_map(request_w, 1);
    sti_writer_kv_str(request_w, "id", "T 1");
    size_t size;
    const void *data = sti_writer_data(request_w, &size);
    char err[160];
    assert_int_equal(sti_request_decode(data, size, NULL, &request, err, sizeof err), 0);
    return 0;
}

static int s_teardown(void **state)
{
    (void)state;
    sti_request_release(&request);
    sti_writer_destroy(&request_w);
    sti_writer_destroy(&reply_w);
    return 0;
}

//  Decodes what the reply writer holds.
static sti_reply_t s_reply(void)
{
    size_t size;
    const void *data = sti_writer_data(reply_w, &size);
    sti_reply_t reply;
    char err[160];
    assert_int_equal(sti_reply_decode(data, size, NULL, &reply, err, sizeof err), 0);
    return reply;
}

static void test_actor(void **state)
{
    (void)state;
    sti_identity_t nameless = {.role = "officer", .role_bit = STI_ROLE_OFFICER, .key = "Z85KEY"};
    sti_call_t call = {&request, reply_w, &nameless, NULL};
    talent_actor_t actor = talent_reply_actor(&call);
    assert_string_equal(actor.op, "talent.get");
    assert_string_equal(actor.who, "unknown");
    assert_string_equal(actor.request, "req-7");
    assert_string_equal(actor.key, "Z85KEY");
    assert_null(actor.reason);
}

static void test_errors(void **state)
{
    (void)state;
    sti_identity_t officer = {.name = "o", .role = "officer", .role_bit = STI_ROLE_OFFICER};
    sti_call_t call = {&request, reply_w, &officer, NULL};
    talent_errors_t errors;
    talent_errors_clear(&errors);
    talent_errors_add(&errors, "id_number", "check digit is 4, expected 3");
    talent_errors_add(&errors, "arrived", "2023-02-29 is not a real date");
    talent_reply_errors(&call, &errors);
    sti_reply_t reply = s_reply();
    assert_int_equal(reply.code, STI_ERR_INVALID_ARGUMENT);
    assert_string_equal(reply.message,
                        "id_number: check digit is 4, expected 3 (and more, see details)");
    assert_int_equal(sti_node_size(reply.details), 2);
    sti_reply_release(&reply);

    talent_reply_store(&call, TALENT_STORE_DUPLICATE, "T000001",
                       "this document is registered already as T000001");
    reply = s_reply();
    assert_int_equal(reply.code, STI_ERR_CONFLICT);
    assert_int_equal(sti_node_size(reply.details), 1);
    sti_reply_release(&reply);
    const struct {
        talent_store_rc_t rc;
        sti_errcode_t code;
    } codes[] = {{TALENT_STORE_NOT_FOUND, STI_ERR_NOT_FOUND},
                 {TALENT_STORE_STALE, STI_ERR_CONFLICT},
                 {TALENT_STORE_FAILED, STI_ERR_UNAVAILABLE}};
    for (size_t i = 0; i < 3; i++) {
        talent_reply_store(&call, codes[i].rc, "", "why");
        reply = s_reply();
        assert_int_equal(reply.code, codes[i].code);
        assert_string_equal(reply.message, "why");
        sti_reply_release(&reply);
    }

    char id[TALENT_REGISTRY_ID_MAX + 1];
    assert_int_equal(talent_reply_id(&call, request.body, "id", id), -1);
    reply = s_reply();
    assert_int_equal(reply.code, STI_ERR_INVALID_ARGUMENT);
    assert_non_null(strstr(reply.message, "id: "));
    sti_reply_release(&reply);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_actor),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
