/*  Unit tests for sti_op: a body is checked against an op's declaration
    (unknown keys, missing required ones, wrong types, bounds, nested maps
    and arrays with a path to the key), in one wording; an op describes
    itself as data. And sti_json both ways, with its limits.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sti_auth.h"
#include "sti_json.h"
#include "sti_op.h"

static const sti_arg_t s_point[] = {
    {"period", STI_ARG_STR, STI_REQUIRED, 4, 7, NULL, "2023, 2023Q2 or 2023-05"},
    {"value", STI_ARG_NUMBER, STI_REQUIRED, 0, 0, NULL, "the value"},
    STI_ARGS_END,
};
static const sti_arg_t s_point_map = {NULL, STI_ARG_MAP, STI_REQUIRED, 0, 0, s_point, "a point"};
static const sti_arg_t s_body[] = {
    {"code", STI_ARG_STR, STI_REQUIRED, 1, 64, NULL, "the indicator"},
    {"limit", STI_ARG_INT, STI_OPTIONAL, 1, 1000, NULL, "at most this many"},
    {"dry_run", STI_ARG_BOOL, STI_OPTIONAL, 0, 0, NULL, "check only"},
    {"points", STI_ARG_ARRAY, STI_OPTIONAL, 0, 3, &s_point_map, "the points"},
    {"extra", STI_ARG_MAP, STI_OPTIONAL, 0, 0, NULL, "anything"},
    {"note", STI_ARG_STR | STI_ARG_NIL, STI_OPTIONAL, 0, 20, NULL, "a note; nil: none"},
    STI_ARGS_END,
};

static int s_handler(void *self, const sti_call_t *call)
{
    (void)self, (void)call;
    return 0;
}

static const sti_op_decl_t s_op = {"thing.set", s_handler,      STI_ROLE_CLERK | STI_OP_WRITE,
                                   s_body,      "sets a thing", "{changed}",
                                   NULL};

//  Checks the JSON body; returns 0 or -1 with err filled.
static int s_check(const char *json, sti_field_error_t *err)
{
    sti_writer_t *writer = sti_writer_new();
    char reason[128];
    assert_int_equal(sti_json_text_to_writer(json, strlen(json), writer, reason, sizeof reason), 0);
    size_t size;
    const void *data = sti_writer_data(writer, &size);
    sti_reader_t *reader = sti_reader_new(data, size, NULL, reason, sizeof reason);
    assert_non_null(reader);
    memset(err, 0, sizeof *err);
    int rc = sti_op_check(&s_op, sti_reader_root(reader), err);
    sti_reader_destroy(&reader);
    sti_writer_destroy(&writer);
    return rc;
}

static void test_check(void **state)
{
    (void)state;
    sti_field_error_t err;
    assert_int_equal(s_check("{\"code\": \"gdp\"}", &err), 0);
    assert_int_equal(s_check("{\"code\": \"gdp\", \"limit\": 5, \"dry_run\": true, \"points\": "
                             "[{\"period\": \"2023\", \"value\": 1.5}], \"extra\": {\"a\": 1}}",
                             &err),
                     0);
    //  A nullable key takes nil or its kind.
    assert_int_equal(s_check("{\"code\": \"gdp\", \"note\": null}", &err), 0);
    assert_int_equal(s_check("{\"code\": \"gdp\", \"note\": \"checked\"}", &err), 0);
    struct {
        const char *body, *field, *reason;
    } bad[] = {
        {"{}", "code", "missing (required)"},
        {"[1]", "body", "must be a map"},
        {"{\"code\": \"gdp\", \"colour\": 1}", "colour",
         "unknown key (known: code, limit, dry_run, points, extra, note)"},
        {"{\"code\": \"gdp\", \"note\": 5}", "note",
         "must be a string of at most 20 bytes, or nil"},
        {"{\"code\": null}", "code", "must be a string of 1 to 64 bytes"},
        {"{\"code\": 7}", "code", "must be a string of 1 to 64 bytes"},
        {"{\"code\": \"\"}", "code", "must be a string of 1 to 64 bytes"},
        {"{\"code\": \"gdp\", \"limit\": 0}", "limit", "must be an integer from 1 to 1000"},
        {"{\"code\": \"gdp\", \"limit\": 2.5}", "limit", "must be an integer from 1 to 1000"},
        {"{\"code\": \"gdp\", \"dry_run\": 1}", "dry_run", "must be true or false"},
        {"{\"code\": \"gdp\", \"points\": {}}", "points", "must be an array of at most 3 elements"},
        {"{\"code\": \"gdp\", \"points\": [1, 2, 3, 4]}", "points",
         "must be an array of at most 3 elements"},
        {"{\"code\": \"gdp\", \"points\": [{\"period\": \"2023\", \"value\": 1}, 5]}", "points.1",
         "must be a map"},
        {"{\"code\": \"gdp\", \"points\": [{\"period\": \"2023\"}]}", "points.0.value",
         "missing (required)"},
        {"{\"code\": \"gdp\", \"points\": [{\"period\": \"2023\", \"value\": \"x\"}]}",
         "points.0.value", "must be a number"},
        {"{\"code\": \"gdp\", \"points\": [{\"period\": \"2023\", \"value\": 1, \"v\": 2}]}",
         "points.0.v", "unknown key (known: period, value)"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(s_check(bad[i].body, &err), -1);
        assert_string_equal(err.field, bad[i].field);
        assert_string_equal(err.reason, bad[i].reason);
    }
    //  No body at all is an empty map: the required key is missing.
    sti_node_t missing = {NULL};
    assert_int_equal(sti_op_check(&s_op, missing, &err), -1);
    assert_string_equal(err.field, "code");
}

//  A list of known keys too long for one reason ends with "..." after the
//  last whole name, never in the middle of one.
static void test_many_keys(void **state)
{
    (void)state;
    static const sti_arg_t keys[] = {
        {"first_key_of_many", STI_ARG_INT, STI_OPTIONAL, 0, 0, NULL, ""},
        {"second_key_of_many", STI_ARG_INT, STI_OPTIONAL, 0, 0, NULL, ""},
        {"third_key_of_many", STI_ARG_INT, STI_OPTIONAL, 0, 0, NULL, ""},
        {"fourth_key_of_many", STI_ARG_INT, STI_OPTIONAL, 0, 0, NULL, ""},
        {"fifth_key_of_many", STI_ARG_INT, STI_OPTIONAL, 0, 0, NULL, ""},
        {"sixth_key_of_many", STI_ARG_INT, STI_OPTIONAL, 0, 0, NULL, ""},
        {"seventh_key_of_many", STI_ARG_INT, STI_OPTIONAL, 0, 0, NULL, ""},
        STI_ARGS_END,
    };
    static const sti_op_decl_t op = {"many.keys", s_handler, 0, keys, "", "", NULL};
    sti_writer_t *writer = sti_writer_new();
    char reason[128];
    assert_int_equal(sti_json_text_to_writer("{\"x\": 1}", 8, writer, reason, sizeof reason), 0);
    size_t size;
    const void *data = sti_writer_data(writer, &size);
    sti_reader_t *reader = sti_reader_new(data, size, NULL, reason, sizeof reason);
    sti_field_error_t err;
    assert_int_equal(sti_op_check(&op, sti_reader_root(reader), &err), -1);
    assert_string_equal(err.field, "x");
    assert_string_equal(err.reason, "unknown key (known: first_key_of_many, second_key_of_many, "
                                    "third_key_of_many, fourth_key_of_many, fifth_key_of_many, "
                                    "sixth_key_of_many, ...)");
    sti_reader_destroy(&reader);
    sti_writer_destroy(&writer);
}

static void test_describe(void **state)
{
    (void)state;
    sti_writer_t *writer = sti_writer_new();
    sti_op_describe(&s_op, writer);
    size_t size;
    const void *data = sti_writer_data(writer, &size);
    char reason[128];
    sti_reader_t *reader = sti_reader_new(data, size, NULL, reason, sizeof reason);
    assert_non_null(reader);
    cJSON *json = sti_json_from_node(sti_reader_root(reader));
    char *text = cJSON_PrintUnformatted(json);
    assert_non_null(strstr(text, "\"op\":\"thing.set\""));
    assert_non_null(strstr(text, "\"roles\":[\"clerk\",\"admin\"]"));
    assert_non_null(strstr(text, "\"write\":true"));
    assert_non_null(strstr(text, "{\"name\":\"limit\",\"type\":\"int\",\"required\":false,"
                                 "\"rule\":\"must be an integer from 1 to 1000\",\"doc\":"
                                 "\"at most this many\",\"min\":1,\"max\":1000}"));
    assert_non_null(strstr(text, "\"of\":{\"name\":\"\",\"type\":\"map\""));
    assert_non_null(strstr(text, "{\"name\":\"note\",\"type\":\"str\",\"required\":false,"
                                 "\"nullable\":true,\"rule\":\"must be a string of at most 20 "
                                 "bytes, or nil\""));
    assert_non_null(strstr(text, "\"keys\":[{\"name\":\"period\""));
    cJSON_free(text);
    cJSON_Delete(json);
    sti_reader_destroy(&reader);
    sti_writer_destroy(&writer);
}

//  A route: its method and path checked against the op; carried by describe.
static void test_routes(void **state)
{
    (void)state;
    static const sti_op_route_t routes[] = {
        {"thing.set", "PUT", "/api/v1/things/{code}/limits/{limit}"},
        STI_ROUTES_END,
    };
    char err[256] = "";
    const sti_op_route_t *route = sti_op_route_find(routes, "thing.set");
    assert_ptr_equal(route, &routes[0]);
    assert_null(sti_op_route_find(routes, "thing.get"));
    assert_null(sti_op_route_find(NULL, "thing.set"));
    assert_int_equal(sti_op_route_check(route, &s_op, err, sizeof err), 0);
    const struct {
        sti_op_route_t route;
        const char *err;
    } bad[] = {
        {{"thing.set", "FETCH", "/api/v1/things"}, "method FETCH is not"},
        {{"thing.set", "GET", "/things"}, "must start with /api/v1/"},
        {{"thing.set", "GET", "/api/v1/Things"}, "the segment 'Things'"},
        {{"thing.set", "GET", "/api/v1/things//x"}, "the segment ''"},
        {{"thing.set", "GET", "/api/v1/things/{colour}"}, "{colour} is not"},
        {{"thing.set", "GET", "/api/v1/things/{dry_run}"}, "{dry_run} is not"}, // a bool
        {{"thing.set", "GET", "/api/v1/{code}/{code}"}, "or twice"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(sti_op_route_check(&bad[i].route, &s_op, err, sizeof err), -1);
        assert_non_null(strstr(err, bad[i].err));
    }
    sti_writer_t *writer = sti_writer_new();
    sti_op_describe_routed(&s_op, route, writer);
    size_t size;
    const void *data = sti_writer_data(writer, &size);
    sti_reader_t *reader = sti_reader_new(data, size, NULL, err, sizeof err);
    assert_non_null(reader);
    cJSON *json = sti_json_from_node(sti_reader_root(reader));
    char *text = cJSON_PrintUnformatted(json);
    assert_non_null(strstr(
        text, "\"route\":{\"method\":\"PUT\",\"path\":\"/api/v1/things/{code}/limits/{limit}\"}"));
    cJSON_free(text);
    cJSON_Delete(json);
    sti_reader_destroy(&reader);
    //  Without a route: nil.
    sti_writer_reset(writer);
    sti_op_describe(&s_op, writer);
    data = sti_writer_data(writer, &size);
    reader = sti_reader_new(data, size, NULL, err, sizeof err);
    assert_int_equal(sti_node_type(sti_node_get(sti_reader_root(reader), "route")), STI_TYPE_NIL);
    sti_reader_destroy(&reader);
    sti_writer_destroy(&writer);
}

static void test_json_limits(void **state)
{
    (void)state;
    sti_writer_t *writer = sti_writer_new();
    char err[128];
    //  Whole numbers become integers, others floats; null, bools, strings.
    const char *text = "{\"a\": 3, \"b\": 2.5, \"c\": null, \"d\": [true, \"x\"]}";
    assert_int_equal(sti_json_text_to_writer(text, strlen(text), writer, err, sizeof err), 0);
    size_t size;
    const void *data = sti_writer_data(writer, &size);
    sti_reader_t *reader = sti_reader_new(data, size, NULL, err, sizeof err);
    assert_int_equal(sti_node_type(sti_node_get(sti_reader_root(reader), "a")), STI_TYPE_INT);
    assert_int_equal(sti_node_type(sti_node_get(sti_reader_root(reader), "b")), STI_TYPE_FLOAT);
    sti_reader_destroy(&reader);
    //  Too deep: refused before cJSON sees it, a million levels as well as 40.
    size_t deep = 1000000;
    char *nested = malloc(2 * deep + 1);
    memset(nested, '[', deep);
    memset(nested + deep, ']', deep);
    nested[2 * deep] = 0;
    sti_writer_reset(writer);
    assert_int_equal(sti_json_text_to_writer(nested, 2 * deep, writer, err, sizeof err), -1);
    assert_non_null(strstr(err, "nested deeper"));
    sti_writer_reset(writer);
    assert_int_equal(sti_json_text_to_writer(nested + deep - 40, 80, writer, err, sizeof err), -1);
    free(nested);
    //  Too many elements in all: refused before cJSON builds them.
    size_t many = 16 * STI_CODEC_MAX_ITEMS + 1;
    char *wide = malloc(2 * many + 2);
    wide[0] = '[';
    for (size_t i = 0; i < many; i++) {
        wide[1 + 2 * i] = '1';
        wide[2 + 2 * i] = i + 1 < many ? ',' : ']';
    }
    sti_writer_reset(writer);
    assert_int_equal(sti_json_text_to_writer(wide, 2 * many + 1, writer, err, sizeof err), -1);
    assert_non_null(strstr(err, "elements in all"));
    free(wide);
    //  Not JSON.
    sti_writer_reset(writer);
    assert_int_equal(sti_json_text_to_writer("{\"a\":", 5, writer, err, sizeof err), -1);
    assert_non_null(strstr(err, "not valid JSON"));
    sti_writer_destroy(&writer);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_check),       cmocka_unit_test(test_many_keys),
        cmocka_unit_test(test_describe),    cmocka_unit_test(test_routes),
        cmocka_unit_test(test_json_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
