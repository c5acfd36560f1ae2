/*  Unit tests for sti_envelope: request and reply round trips, every error
    code, and every way an envelope can be malformed.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sti_envelope.h"
#include "sti_json.h"

//  Decodes a request from the writer's bytes; returns decode's result.
static int s_request(sti_writer_t *writer, sti_request_t *request, char *err, size_t errlen)
{
    size_t size;
    const void *data = sti_writer_data(writer, &size);
    return sti_request_decode(data, size, NULL, request, err, errlen);
}

static int s_reply(sti_writer_t *writer, sti_reply_t *reply, char *err, size_t errlen)
{
    size_t size;
    const void *data = sti_writer_data(writer, &size);
    return sti_reply_decode(data, size, NULL, reply, err, errlen);
}

static void test_request_round_trip(void **state)
{
    (void)state;
    sti_writer_t *writer = sti_writer_new();
    sti_envelope_request(writer, "ingest.submit", "req-42");
    sti_writer_map(writer, 1);
    sti_writer_kv_int(writer, "rows", 3);
    sti_request_t request;
    char err[256] = "";
    assert_int_equal(s_request(writer, &request, err, sizeof err), 0);
    assert_string_equal(request.op, "ingest.submit");
    assert_string_equal(request.id, "req-42");
    int64_t rows;
    assert_int_equal(sti_map_int(request.body, "rows", &rows, NULL), 0);
    assert_int_equal(rows, 3);
    sti_request_release(&request);
    sti_request_release(&request);
    assert_null(request.reader);

    //  no body, empty id
    sti_writer_reset(writer);
    sti_writer_map(writer, 2);
    sti_writer_kv_str(writer, "op", "health");
    sti_writer_kv_str(writer, "id", "");
    assert_int_equal(s_request(writer, &request, err, sizeof err), 0);
    assert_string_equal(request.id, "");
    assert_true(sti_node_is_missing(request.body));
    sti_request_release(&request);

    //  a nil body is present and nil
    sti_writer_reset(writer);
    sti_envelope_request(writer, "x", NULL);
    sti_writer_nil(writer);
    assert_int_equal(s_request(writer, &request, err, sizeof err), 0);
    assert_int_equal(sti_node_type(request.body), STI_TYPE_NIL);
    sti_request_release(&request);
    sti_writer_destroy(&writer);
}

//  One malformed envelope as JSON, and the reason it is refused with.
typedef struct {
    const char *json;
    const char *reason;
} s_refusal_t;

//  Writes case's JSON as MessagePack (a long op or id is made from a
//  placeholder: "@OP" is STI_OP_MAX + 1 bytes, "@ID" STI_ID_MAX + 1).
static sti_writer_t *s_from_json(const char *json)
{
    char text[1024], filler[STI_ID_MAX + 2];
    const char *at = strchr(json, '@');
    if (at) {
        size_t n = strncmp(at, "@OP", 3) == 0 ? STI_OP_MAX + 1 : STI_ID_MAX + 1;
        memset(filler, 'a', n);
        filler[n] = 0;
        snprintf(text, sizeof text, "%.*s%s%s", (int)(at - json), json, filler, at + 3);
        json = text;
    }
    sti_writer_t *writer = sti_writer_new();
    char err[256] = "";
    assert_int_equal(sti_json_text_to_writer(json, strlen(json), writer, err, sizeof err), 0);
    return writer;
}

//  Expects a request written by build to be refused with exactly reason.
static void s_bad_request(void (*build)(sti_writer_t *), const char *reason)
{
    sti_writer_t *writer = sti_writer_new();
    build(writer);
    sti_request_t request;
    char err[256] = "";
    assert_int_equal(s_request(writer, &request, err, sizeof err), -1);
    assert_string_equal(err, reason);
    assert_null(request.reader);
    sti_writer_destroy(&writer);
}

//  What JSON cannot say: a duplicate key, a key that is not a string, a NUL.
static void s_duplicate_key(sti_writer_t *w)
{
    sti_writer_map(w, 3);
    sti_writer_kv_str(w, "op", "a");
    sti_writer_kv_str(w, "id", "1");
    sti_writer_kv_str(w, "op", "b");
}

static void s_int_key(sti_writer_t *w)
{
    sti_writer_map(w, 1);
    sti_writer_int(w, 1);
    sti_writer_int(w, 2);
}

static void s_nul_in_id(sti_writer_t *w)
{
    sti_writer_map(w, 2);
    sti_writer_kv_str(w, "op", "a");
    sti_writer_str(w, "id");
    sti_writer_strn(w, "a\0b", 3);
}

static void test_request_refusals(void **state)
{
    (void)state;
    static const s_refusal_t cases[] = {
        {"{\"id\": \"1\"}", "op: missing"},
        {"{\"op\": \"\", \"id\": \"1\"}", "op: must not be empty"},
        {"{\"op\": \"@OP\", \"id\": \"1\"}", "op: longer than 64 bytes"},
        {"{\"op\": \"a b\", \"id\": \"1\"}", "op: must be printable ASCII without spaces"},
        {"{\"op\": 7, \"id\": \"1\"}", "op: must be a string, got integer"},
        {"{\"op\": \"a\"}", "id: missing"},
        {"{\"op\": \"a\", \"id\": true}", "id: must be a string, got boolean"},
        {"{\"op\": \"a\", \"id\": \"@ID\"}", "id: longer than 128 bytes"},
        {"{\"op\": \"a\", \"id\": \"1\", \"extra\": 1}", "extra: unknown key"},
        {"[]", "request: must be a map, got array"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sti_writer_t *writer = s_from_json(cases[i].json);
        sti_request_t request;
        char err[256] = "";
        assert_int_equal(s_request(writer, &request, err, sizeof err), -1);
        assert_string_equal(err, cases[i].reason);
        assert_null(request.reader);
        sti_writer_destroy(&writer);
    }
    s_bad_request(s_duplicate_key, "op: duplicate key");
    s_bad_request(s_int_key, "request: key must be a string, got integer");
    s_bad_request(s_nul_in_id, "id: contains a NUL byte");

    sti_request_t request;
    char err[256] = "";
    const unsigned char truncated[] = {0x83, 0xa2, 'o', 'p'};
    assert_int_equal(
        sti_request_decode(truncated, sizeof truncated, NULL, &request, err, sizeof err), -1);
    assert_non_null(strstr(err, "remain"));
    //  limits are applied
    sti_writer_t *writer = sti_writer_new();
    sti_envelope_request(writer, "a", "1");
    sti_writer_str(writer, "a body longer than the limit");
    size_t size;
    const void *data = sti_writer_data(writer, &size);
    sti_limits_t limits = {.max_string = 8};
    assert_int_equal(sti_request_decode(data, size, &limits, &request, err, sizeof err), -1);
    assert_non_null(strstr(err, "more than the limit of 8"));
    //  a NULL err is fine
    assert_int_equal(sti_request_decode(truncated, sizeof truncated, NULL, &request, NULL, 0), -1);
    sti_writer_destroy(&writer);
}

static void test_reply_ok_round_trip(void **state)
{
    (void)state;
    sti_writer_t *writer = sti_writer_new();
    sti_envelope_reply_ok(writer, "req-1");
    sti_writer_array(writer, 2);
    sti_writer_int(writer, 1);
    sti_writer_int(writer, 2);
    sti_reply_t reply;
    char err[256] = "";
    assert_int_equal(s_reply(writer, &reply, err, sizeof err), 0);
    assert_string_equal(reply.id, "req-1");
    assert_true(reply.ok);
    assert_int_equal(sti_node_size(reply.body), 2);
    assert_int_equal(reply.code, STI_ERR_NONE);
    sti_reply_release(&reply);
    sti_reply_release(&reply);
    assert_null(reply.reader);
    sti_writer_destroy(&writer);
}

static void test_reply_error_round_trip(void **state)
{
    (void)state;
    sti_detail_t details[] = {
        {0, "value", "not a finite number"},
        {-1, "indicator", "unknown indicator"},
    };
    sti_writer_t *writer = sti_writer_new();
    sti_envelope_reply_error(writer, "req-9", STI_ERR_INVALID_ARGUMENT, "2 rows refused", details,
                             2);
    sti_reply_t reply;
    char err[256] = "";
    assert_int_equal(s_reply(writer, &reply, err, sizeof err), 0);
    assert_false(reply.ok);
    assert_int_equal(reply.code, STI_ERR_INVALID_ARGUMENT);
    assert_string_equal(reply.message, "2 rows refused");
    assert_true(sti_node_is_missing(reply.body));
    assert_int_equal(sti_node_size(reply.details), 2);
    sti_node_t second = sti_node_at(reply.details, 1);
    int64_t index;
    char text[64];
    assert_int_equal(sti_map_int(second, "index", &index, NULL), 0);
    assert_int_equal(index, -1);
    assert_int_equal(sti_map_str_copy(second, "field", text, sizeof text, NULL), 0);
    assert_string_equal(text, "indicator");
    assert_int_equal(sti_map_str_copy(second, "reason", text, sizeof text, NULL), 0);
    assert_string_equal(text, "unknown indicator");
    sti_reply_release(&reply);

    //  the streaming form writes the same thing
    sti_writer_t *streamed = sti_writer_new();
    sti_envelope_reply_error_begin(streamed, "req-9", STI_ERR_INVALID_ARGUMENT, "2 rows refused",
                                   2);
    sti_envelope_detail(streamed, 0, "value", "not a finite number");
    sti_envelope_detail(streamed, -1, "indicator", "unknown indicator");
    size_t size_a, size_b;
    const void *a = sti_writer_data(writer, &size_a);
    const void *b = sti_writer_data(streamed, &size_b);
    assert_int_equal(size_a, size_b);
    assert_memory_equal(a, b, size_a);
    sti_writer_destroy(&streamed);

    //  no details
    sti_writer_reset(writer);
    sti_envelope_reply_error(writer, "", STI_ERR_NOT_FOUND, "no such indicator", NULL, 0);
    assert_int_equal(s_reply(writer, &reply, err, sizeof err), 0);
    assert_int_equal(reply.code, STI_ERR_NOT_FOUND);
    assert_int_equal(sti_node_size(reply.details), 0);
    sti_reply_release(&reply);
    sti_writer_destroy(&writer);
}

static void test_every_error_code(void **state)
{
    (void)state;
    assert_string_equal(sti_errcode_name(STI_ERR_NONE), "none");
    sti_errcode_t parsed;
    assert_int_equal(sti_errcode_parse("none", &parsed), -1);
    assert_int_equal(sti_errcode_parse("bogus", &parsed), -1);
    assert_int_equal(sti_errcode_parse(NULL, &parsed), -1);
    const char *names[] = {"invalid_argument", "not_found",    "conflict",
                           "unauthenticated",  "forbidden",    "unavailable",
                           "too_large",        "rate_limited", "internal"};
    sti_writer_t *writer = sti_writer_new();
    for (int code = STI_ERR_INVALID_ARGUMENT; code <= STI_ERR_INTERNAL; code++) {
        assert_string_equal(sti_errcode_name((sti_errcode_t)code), names[code - 1]);
        assert_int_equal(sti_errcode_parse(names[code - 1], &parsed), 0);
        assert_int_equal(parsed, code);
        sti_writer_reset(writer);
        sti_envelope_reply_error(writer, "x", (sti_errcode_t)code, names[code - 1], NULL, 0);
        sti_reply_t reply;
        char err[256] = "";
        assert_int_equal(s_reply(writer, &reply, err, sizeof err), 0);
        assert_int_equal(reply.code, code);
        assert_string_equal(reply.message, names[code - 1]);
        sti_reply_release(&reply);
    }
    sti_writer_destroy(&writer);
}

//  Writes an error reply by hand with the given code string.
static void s_raw_error(sti_writer_t *w, const char *code)
{
    sti_writer_map(w, 3);
    sti_writer_kv_str(w, "id", "7");
    sti_writer_kv_bool(w, "ok", false);
    sti_writer_str(w, "error");
    sti_writer_map(w, 2);
    sti_writer_kv_str(w, "code", code);
    sti_writer_kv_str(w, "message", "from a newer peer");
}

static void test_unknown_code_is_internal(void **state)
{
    (void)state;
    sti_writer_t *writer = sti_writer_new();
    s_raw_error(writer, "quota_exceeded");
    sti_reply_t reply;
    char err[256] = "";
    assert_int_equal(s_reply(writer, &reply, err, sizeof err), 0);
    assert_int_equal(reply.code, STI_ERR_INTERNAL);
    assert_string_equal(reply.message, "from a newer peer");
    assert_true(sti_node_is_missing(reply.details));
    sti_reply_release(&reply);
    sti_writer_destroy(&writer);
}

static void test_reply_refusals(void **state)
{
    (void)state;
    static const s_refusal_t cases[] = {
        {"{\"id\": \"1\"}", "ok: missing"},
        {"{\"id\": \"1\", \"ok\": \"true\"}", "ok: must be a boolean, got string"},
        {"{\"id\": \"1\", \"ok\": true, \"elapsed\": 3}", "elapsed: unknown key"},
        {"{\"id\": \"1\", \"ok\": false}", "error: missing"},
        {"{\"id\": \"1\", \"ok\": true, \"error\": \"x\"}", "error: not allowed when ok is true"},
        {"{\"id\": \"1\", \"ok\": false, \"body\": null, \"error\": null}",
         "body: not allowed when ok is false"},
        {"{\"id\": \"1\", \"ok\": false, \"error\": {\"code\": 3, \"message\": \"m\"}}",
         "error.code: must be a string, got integer"},
        {"{\"id\": \"1\", \"ok\": false, \"error\": {\"code\": \"conflict\", \"message\": \"m\", "
         "\"hint\": \"h\"}}",
         "error.hint: unknown key"},
        {"{\"id\": \"1\", \"ok\": false, \"error\": {\"code\": \"invalid_argument\", \"message\": "
         "\"m\", "
         "\"details\": [{\"index\": 0, \"field\": \"f\", \"reason\": \"r\"}, {\"index\": \"0\", "
         "\"field\": \"f\", \"reason\": \"r\"}]}}",
         "error.details[1].index: must be an integer, got string"},
        {"{\"id\": \"1\", \"ok\": false, \"error\": {\"code\": \"invalid_argument\", \"message\": "
         "\"m\", "
         "\"details\": [{\"index\": 0, \"field\": \"f\", \"reason\": \"r\"}, {\"index\": 0, "
         "\"field\": \"f\"}]}}",
         "error.details[1].reason: missing"},
        {"{\"id\": \"1\", \"ok\": false, \"error\": {\"code\": \"invalid_argument\", \"message\": "
         "\"m\", "
         "\"details\": [{\"index\": 0, \"field\": \"f\", \"reason\": \"r\"}, \"row 3 is wrong\"]}}",
         "error.details[1]: must be a map, got string"},
        {"{\"id\": \"1\", \"ok\": false, \"error\": {\"code\": \"internal\", \"message\": \"m\", "
         "\"details\": {}}}",
         "error.details: must be an array, got map"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sti_writer_t *writer = s_from_json(cases[i].json);
        sti_reply_t reply;
        char err[256] = "";
        assert_int_equal(s_reply(writer, &reply, err, sizeof err), -1);
        assert_string_equal(err, cases[i].reason);
        assert_null(reply.reader);
        sti_writer_destroy(&writer);
    }
}

//  Texts longer than the limits, or not UTF-8, are cut and cleaned on the
//  way out so the reply still decodes.
static void test_reply_texts_cleaned(void **state)
{
    (void)state;
    char message[1200];
    memset(message, 'm', sizeof message - 1);
    message[sizeof message - 1] = 0;
    //  a 3-byte character straddling the cut at 511 bytes
    memcpy(message + 510, "\xe4\xb8\xad", 3);
    sti_detail_t detail = {2, "\xff\xfe", "bad \xc3"};
    sti_writer_t *writer = sti_writer_new();
    sti_envelope_reply_error(writer, "id", STI_ERR_TOO_LARGE, message, &detail, 1);
    sti_reply_t reply;
    char err[256] = "";
    assert_int_equal(s_reply(writer, &reply, err, sizeof err), 0);
    assert_int_equal(strlen(reply.message), 510);
    char text[32];
    sti_node_t first = sti_node_at(reply.details, 0);
    assert_int_equal(sti_map_str_copy(first, "field", text, sizeof text, NULL), 0);
    assert_string_equal(text, "??");
    assert_int_equal(sti_map_str_copy(first, "reason", text, sizeof text, NULL), 0);
    assert_string_equal(text, "bad ?");
    sti_reply_release(&reply);
    sti_writer_destroy(&writer);
}

//  Every prefix of valid envelopes is refused without a crash.
//  The broker reads a request's id without decoding it.
static void test_peek_id(void **state)
{
    (void)state;
    char id[STI_ID_MAX + 1];
    sti_writer_t *writer = sti_writer_new();
    sti_envelope_request(writer, "talent.add", "req-7");
    sti_writer_map(writer, 1);
    sti_writer_kv_int(writer, "big", 70000);
    size_t size;
    const uint8_t *data = sti_writer_data(writer, &size);
    assert_int_equal(sti_request_peek_id(data, size, id, sizeof id), 0);
    assert_string_equal(id, "req-7");
    //  Only the bytes up to the id are read.
    assert_int_equal(sti_request_peek_id(data, 24, id, sizeof id), 0);
    assert_int_equal(sti_request_peek_id(data, 10, id, sizeof id), -1);
    //  Scalars before the id are skipped; a container is not.
    sti_writer_reset(writer);
    sti_writer_map(writer, 4);
    sti_writer_kv_int(writer, "n", -70000);
    sti_writer_kv_double(writer, "x", 1.5);
    sti_writer_kv_bool(writer, "b", true);
    sti_writer_kv_str(writer, "id", "");
    data = sti_writer_data(writer, &size);
    assert_int_equal(sti_request_peek_id(data, size, id, sizeof id), 0);
    assert_string_equal(id, "");
    sti_writer_reset(writer);
    sti_writer_map(writer, 2);
    sti_writer_str(writer, "body");
    sti_writer_array(writer, 0);
    sti_writer_kv_str(writer, "id", "late");
    data = sti_writer_data(writer, &size);
    assert_int_equal(sti_request_peek_id(data, size, id, sizeof id), -1);
    //  Not a map, no id, an id that is not a string.
    assert_int_equal(sti_request_peek_id("\x91\xa2id", 4, id, sizeof id), -1);
    assert_int_equal(sti_request_peek_id("\x81\xa2op\xa1x", 6, id, sizeof id), -1);
    assert_int_equal(sti_request_peek_id("\x81\xa2id\x07", 5, id, sizeof id), -1);
    static const uint8_t with_nul[] = {0x81, 0xa2, 'i', 'd', 0xa3, 'a', 0, 'b'};
    assert_int_equal(sti_request_peek_id(with_nul, sizeof with_nul, id, sizeof id), -1);
    static const uint8_t cut_short[] = {0x81, 0xa2, 'i', 'd', 0xa5, 'a', 'b'};
    assert_int_equal(sti_request_peek_id(cut_short, sizeof cut_short, id, sizeof id), -1);
    assert_int_equal(sti_request_peek_id(NULL, 0, id, sizeof id), -1);
    sti_writer_destroy(&writer);
}

static void test_truncated_envelopes(void **state)
{
    (void)state;
    sti_detail_t detail = {4, "period", "not a period"};
    sti_writer_t *writer = sti_writer_new();
    sti_envelope_reply_error(writer, "abc", STI_ERR_INVALID_ARGUMENT, "refused", &detail, 1);
    size_t size;
    const char *data = sti_writer_data(writer, &size);
    for (size_t cut = 0; cut < size; cut++) {
        sti_reply_t reply;
        assert_int_equal(sti_reply_decode(data, cut, NULL, &reply, NULL, 0), -1);
        sti_request_t request;
        assert_int_equal(sti_request_decode(data, cut, NULL, &request, NULL, 0), -1);
    }
    sti_writer_destroy(&writer);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_request_round_trip),  cmocka_unit_test(test_request_refusals),
        cmocka_unit_test(test_reply_ok_round_trip), cmocka_unit_test(test_reply_error_round_trip),
        cmocka_unit_test(test_every_error_code),    cmocka_unit_test(test_unknown_code_is_internal),
        cmocka_unit_test(test_reply_refusals),      cmocka_unit_test(test_reply_texts_cleaned),
        cmocka_unit_test(test_truncated_envelopes), cmocka_unit_test(test_peek_id),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
