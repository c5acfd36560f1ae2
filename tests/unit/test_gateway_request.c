/*  test_gateway_request: answers as JSON, the HTTP status of each envelope
    code, Retry-After for rate_limited (from retry_after_ms, rounded up)
    and unavailable, an invalid_argument from "field: reason". */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "gateway_request.h"

static const char *s_header(const gateway_request_t *req, const char *name)
{
    for (size_t i = 0; i < req->header_count; i++) {
        if (strcmp(req->headers[i][0], name) == 0) {
            return req->headers[i][1];
        }
    }
    return NULL;
}

static void test_status(void **state)
{
    (void)state;
    const struct {
        sti_errcode_t code;
        int status;
    } map[] = {{STI_ERR_INVALID_ARGUMENT, 400}, {STI_ERR_UNAUTHENTICATED, 401},
               {STI_ERR_FORBIDDEN, 403},        {STI_ERR_NOT_FOUND, 404},
               {STI_ERR_CONFLICT, 409},         {STI_ERR_TOO_LARGE, 413},
               {STI_ERR_RATE_LIMITED, 429},     {STI_ERR_UNAVAILABLE, 503},
               {STI_ERR_INTERNAL, 500},         {STI_ERR_NONE, 200}};
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
        assert_int_equal(gateway_status_of(map[i].code), map[i].status);
    }
}

static void test_envelope(void **state)
{
    (void)state;
    gateway_request_t req = {0};
    sti_writer_t *writer = sti_writer_new();
    sti_detail_t detail = {-1, "retry_after_ms", "1500"};
    sti_envelope_reply_error(writer, "r-1", STI_ERR_RATE_LIMITED, "slow down", &detail, 1);
    size_t size;
    const void *data = sti_writer_data(writer, &size);
    sti_reply_t reply;
    char err[128];
    assert_int_equal(sti_reply_decode(data, size, NULL, &reply, err, sizeof err), 0);
    gateway_reply_envelope(&req, &reply);
    assert_int_equal(req.status, 429);
    assert_string_equal(s_header(&req, "Retry-After"), "2");
    assert_non_null(strstr(req.payload, "\"code\":\"rate_limited\""));
    assert_non_null(strstr(req.payload, "\"field\":\"retry_after_ms\""));
    sti_reply_release(&reply);
    gateway_reply_clear(&req);
    //  ok: the body as JSON.
    sti_writer_reset(writer);
    sti_envelope_reply_ok(writer, "r-2");
    sti_writer_map(writer, 1);
    sti_writer_kv_int(writer, "year", 2025);
    data = sti_writer_data(writer, &size);
    assert_int_equal(sti_reply_decode(data, size, NULL, &reply, err, sizeof err), 0);
    gateway_reply_envelope(&req, &reply);
    assert_int_equal(req.status, 200);
    assert_string_equal(req.payload, "{\"year\":2025}");
    sti_reply_release(&reply);
    gateway_reply_clear(&req);
    //  unavailable: Retry-After 1. invalid: one detail from "field: reason".
    gateway_reply_errorf(&req, STI_ERR_UNAVAILABLE, "Redis is away");
    assert_int_equal(req.status, 503);
    assert_string_equal(s_header(&req, "Retry-After"), "1");
    gateway_reply_clear(&req);
    gateway_reply_invalid(&req, "year: must be an integer");
    assert_int_equal(req.status, 400);
    assert_non_null(strstr(req.payload, "\"field\":\"year\",\"reason\":\"must be an integer\""));
    gateway_reply_clear(&req);
    sti_writer_destroy(&writer);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status),
        cmocka_unit_test(test_envelope),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
