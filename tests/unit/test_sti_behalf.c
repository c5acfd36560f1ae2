/*  test_sti_behalf: a request made on someone's behalf, and who may make one. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "sti_behalf.h"

//  Encodes {op, id, as, body: {}} and decodes it as a service does.
static void s_request(const sti_behalf_t *as, sti_request_t *request)
{
    sti_writer_t *writer = sti_writer_new();
    if (as) {
        sti_behalf_request(writer, "obs.submit", "r-1", as);
    } else {
        sti_envelope_request(writer, "obs.submit", "r-1");
    }
    sti_writer_map(writer, 0);
    size_t size;
    const void *data = sti_writer_data(writer, &size);
    char err[256];
    assert_int_equal(sti_request_decode(data, size, NULL, request, err, sizeof err), 0);
    sti_writer_destroy(&writer);
}

//  Decodes raw `as` bytes written by hand: {op, id, as: <value>}.
static void s_raw(const char *as_json_kind, sti_request_t *request)
{
    sti_writer_t *writer = sti_writer_new();
    sti_writer_map(writer, 3);
    sti_writer_kv_str(writer, "op", "obs.submit");
    sti_writer_kv_str(writer, "id", "r-2");
    sti_writer_str(writer, "as");
    if (strcmp(as_json_kind, "string") == 0) {
        sti_writer_str(writer, "alice");
    } else if (strcmp(as_json_kind, "service") == 0) {
        sti_writer_map(writer, 2);
        sti_writer_kv_str(writer, "user", "svc");
        sti_writer_kv_str(writer, "role", "service");
    } else if (strcmp(as_json_kind, "extra") == 0) {
        sti_writer_map(writer, 3);
        sti_writer_kv_str(writer, "user", "a");
        sti_writer_kv_str(writer, "role", "clerk");
        sti_writer_kv_str(writer, "key", "x");
    } else {
        sti_writer_map(writer, 3);
        sti_writer_kv_str(writer, "user", "a");
        sti_writer_kv_str(writer, "role", "clerk");
        sti_writer_kv_str(writer, "scope", "../Town");
    }
    size_t size;
    const void *data = sti_writer_data(writer, &size);
    char err[256];
    assert_int_equal(sti_request_decode(data, size, NULL, request, err, sizeof err), 0);
    sti_writer_destroy(&writer);
}

static void test_gateway_acts_for_a_person(void **state)
{
    (void)state;
    sti_identity_t gateway, caller;
    sti_identity_set(&gateway, "gw-1", "gateway", "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7");
    sti_request_t request;
    sti_behalf_t as = {"王 clerk", "clerk", "donghu"};
    s_request(&as, &request);
    sti_errcode_t code = STI_ERR_NONE;
    char err[320] = "";
    assert_int_equal(
        sti_behalf_resolve(&gateway, request.as, STI_ROLE_CLERK, &caller, &code, err, sizeof err),
        0);
    assert_string_equal(caller.name, "王 clerk");
    assert_string_equal(caller.role, "clerk");
    assert_int_equal(caller.role_bit, STI_ROLE_CLERK);
    assert_string_equal(caller.scope, "donghu");
    assert_string_equal(caller.via, "gw-1");
    assert_string_equal(caller.key, ""); // rate limits and audit go by the person's name
    sti_request_release(&request);
    //  Without a scope: the whole plan.
    sti_behalf_t admin = {"ada", "admin", NULL};
    s_request(&admin, &request);
    assert_int_equal(sti_behalf_resolve(&gateway, request.as, 0, &caller, &code, err, sizeof err),
                     0);
    assert_int_equal(caller.role_bit, STI_ROLE_ADMIN);
    assert_string_equal(caller.scope, "");
    sti_request_release(&request);
}

static void test_gateway_never_as_itself(void **state)
{
    (void)state;
    sti_identity_t gateway, caller;
    sti_identity_set(&gateway, "gw-1", "gateway", NULL);
    sti_request_t request;
    s_request(NULL, &request);
    sti_errcode_t code = STI_ERR_NONE;
    char err[320] = "";
    assert_int_equal(
        sti_behalf_resolve(&gateway, request.as, STI_ROLES_ANY, &caller, &code, err, sizeof err),
        -1);
    assert_int_equal(code, STI_ERR_FORBIDDEN);
    assert_non_null(strstr(err, "never as itself"));
    //  Except for an op that lists role gateway (the sign-in).
    assert_int_equal(
        sti_behalf_resolve(&gateway, request.as, STI_ROLE_GATEWAY, &caller, &code, err, sizeof err),
        0);
    assert_int_equal(caller.role_bit, STI_ROLE_GATEWAY);
    sti_request_release(&request);
}

static void test_only_a_gateway_speaks_for_others(void **state)
{
    (void)state;
    sti_identity_t clerk, admin, caller;
    sti_identity_set(&clerk, "alice", "clerk", NULL);
    sti_identity_set(&admin, "root", "admin", "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7");
    sti_request_t request;
    sti_behalf_t as = {"olga", "officer", NULL};
    s_request(&as, &request);
    sti_errcode_t code = STI_ERR_NONE;
    char err[320] = "";
    assert_int_equal(
        sti_behalf_resolve(&clerk, request.as, STI_ROLES_ANY, &caller, &code, err, sizeof err), -1);
    assert_int_equal(code, STI_ERR_FORBIDDEN);
    assert_string_equal(err, "only a key of role gateway may act on behalf of someone (`as`); key "
                             "alice has role clerk");
    //  Not admin either.
    assert_int_equal(
        sti_behalf_resolve(&admin, request.as, STI_ROLES_ANY, &caller, &code, err, sizeof err), -1);
    assert_int_equal(code, STI_ERR_FORBIDDEN);
    sti_request_release(&request);
    //  Without `as` every other key is itself.
    s_request(NULL, &request);
    assert_int_equal(
        sti_behalf_resolve(&clerk, request.as, STI_ROLES_ANY, &caller, &code, err, sizeof err), 0);
    assert_string_equal(caller.name, "alice");
    sti_request_release(&request);
    //  Without CURVE (local/admin, no key) `as` is taken: it can only lower.
    sti_identity_local(&admin);
    s_request(&as, &request);
    assert_int_equal(
        sti_behalf_resolve(&admin, request.as, STI_ROLES_ANY, &caller, &code, err, sizeof err), 0);
    assert_string_equal(caller.name, "olga");
    assert_int_equal(caller.role_bit, STI_ROLE_OFFICER);
    sti_request_release(&request);
}

static void test_bad_as(void **state)
{
    (void)state;
    sti_identity_t gateway, caller;
    sti_identity_set(&gateway, "gw-1", "gateway", NULL);
    const struct {
        const char *kind, *err;
    } cases[] = {
        {"string", "as: must be a map {user, role, scope?}"},
        {"service", "as.role: must be reader, clerk, officer or admin, not 'service'"},
        {"extra", "as.key: unknown key"},
        {"scope", "as.scope: must be an org unit's code (1 to 64 of a-z 0-9 _ -)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sti_request_t request;
        s_raw(cases[i].kind, &request);
        sti_errcode_t code = STI_ERR_NONE;
        char err[320] = "";
        assert_int_equal(sti_behalf_resolve(&gateway, request.as, STI_ROLES_ANY, &caller, &code,
                                            err, sizeof err),
                         -1);
        assert_int_equal(code, STI_ERR_INVALID_ARGUMENT);
        assert_string_equal(err, cases[i].err);
        sti_request_release(&request);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gateway_acts_for_a_person),
        cmocka_unit_test(test_gateway_never_as_itself),
        cmocka_unit_test(test_only_a_gateway_speaks_for_others),
        cmocka_unit_test(test_bad_as),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
