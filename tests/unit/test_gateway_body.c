/*  test_gateway_body: an op's body from the path, the query and the JSON
    body, converted to the declared types; a key from one place only;
    request_id added from the request's id; hostile JSON refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>

#include "gateway_body.h"
#include "gateway_routes.h"

//  Builds the body of PUT /api/v1/things/{year}; returns 0 or -1 and the JSON.
static int s_build(gateway_router_t *router, const char *path, const gateway_query_t *query,
                   const char *json, const char *id, char *out, size_t cap, char *err)
{
    gateway_params_t params;
    bool known;
    const gateway_route_t *route = gateway_router_match(router, "PUT", path, &params, &known);
    assert_non_null(route);
    sti_writer_t *writer = sti_writer_new();
    int rc = gateway_body_build(route, &params, query, json, json ? strlen(json) : 0, id, writer,
                                err, 256);
    if (rc == 0) {
        size_t size;
        const void *data = sti_writer_data(writer, &size);
        char why[128];
        sti_reader_t *reader = sti_reader_new(data, size, NULL, why, sizeof why);
        assert_non_null(reader);
        cJSON *body = sti_json_from_node(sti_reader_root(reader));
        char *text = cJSON_PrintUnformatted(body);
        snprintf(out, cap, "%s", text);
        cJSON_free(text);
        cJSON_Delete(body);
        sti_reader_destroy(&reader);
    }
    sti_writer_destroy(&writer);
    return rc;
}

static void test_sources(void **state)
{
    (void)state;
    gateway_router_t *router = gateway_router_new();
    gateway_test_load(router);
    char out[512], err[256];
    gateway_query_t query = {{"dry_run", "value"}, {"true", "2.5"}, 2, false};
    assert_int_equal(s_build(router, "/api/v1/things/2025", &query, "{\"tags\": [\"a\"]}", "r-1",
                             out, sizeof out, err),
                     0);
    assert_string_equal(out, "{\"year\":2025,\"dry_run\":true,\"value\":2.5,\"tags\":[\"a\"],"
                             "\"request_id\":\"r-1\"}");
    //  A request_id given is kept.
    gateway_query_t none = {{NULL}, {NULL}, 0, false};
    assert_int_equal(s_build(router, "/api/v1/things/2025", &none, "{\"request_id\": \"mine\"}",
                             "r-1", out, sizeof out, err),
                     0);
    assert_string_equal(out, "{\"year\":2025,\"request_id\":\"mine\"}");
    //  A query value of a map or array type is JSON text.
    gateway_query_t tags = {{"tags"}, {"[\"x\",\"y\"]"}, 1, false};
    assert_int_equal(
        s_build(router, "/api/v1/things/2025", &tags, NULL, NULL, out, sizeof out, err), 0);
    assert_string_equal(out, "{\"year\":2025,\"tags\":[\"x\",\"y\"]}");
    gateway_router_destroy(&router);
}

static void test_refused(void **state)
{
    (void)state;
    gateway_router_t *router = gateway_router_new();
    gateway_test_load(router);
    char out[512], err[256];
    gateway_query_t none = {{NULL}, {NULL}, 0, false};
    const struct {
        const char *path, *key, *value, *json, *err;
    } cases[] = {
        {"/api/v1/things/20x5", NULL, NULL, NULL, "year: must be an integer, got '20x5'"},
        {"/api/v1/things/1", "value", "1e999", NULL, "value: must be a number, got '1e999'"},
        {"/api/v1/things/1", "dry_run", "yes", NULL, "dry_run: must be true or false, got 'yes'"},
        {"/api/v1/things/1", "tags", "[1,", NULL, "tags: must be JSON text"},
        {"/api/v1/things/1", NULL, NULL, "{\"year\": 3}",
         "year: given in the body and in the path"},
        {"/api/v1/things/1", "value", "2", "{\"value\": 3}",
         "value: given in the body and in the query"},
        {"/api/v1/things/1", NULL, NULL, "[1, 2]", "body: must be a JSON object"},
        {"/api/v1/things/1", NULL, NULL, "{\"a\":", "body: not valid JSON"},
        {"/api/v1/things/1", NULL, NULL, "{\"a\": \"\xff\"}", "body: is not UTF-8"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        gateway_query_t query = {{cases[i].key}, {cases[i].value}, cases[i].key ? 1 : 0, false};
        err[0] = 0;
        assert_int_equal(s_build(router, cases[i].path, cases[i].key ? &query : &none,
                                 cases[i].json, NULL, out, sizeof out, err),
                         -1);
        assert_non_null(strstr(err, cases[i].err));
    }
    //  10^6-deep JSON is refused before it is parsed.
    size_t deep = 1000000;
    char *nested = malloc(2 * deep + 1);
    memset(nested, '[', deep);
    memset(nested + deep, ']', deep);
    nested[2 * deep] = 0;
    assert_int_equal(s_build(router, "/api/v1/things/1", &none, nested, NULL, out, sizeof out, err),
                     -1);
    assert_non_null(strstr(err, "nested deeper"));
    free(nested);
    gateway_router_destroy(&router);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sources),
        cmocka_unit_test(test_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
