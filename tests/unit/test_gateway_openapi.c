/*  test_gateway_openapi: the document made from the routes: OpenAPI 3.1,
    path keys as path parameters, a GET's keys as query parameters, a
    body's keys with their types and bounds, the gateway's own routes, the
    error answer; one operation per route. (test_gateway_openapi.sh checks
    it with a validator from npm.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "gateway_openapi.h"
#include "gateway_routes.h"

static const cJSON *s_at(const cJSON *json, const char *const *path)
{
    for (; *path && json; path++) {
        json = cJSON_GetObjectItemCaseSensitive(json, *path);
    }
    return json;
}

static void test_document(void **state)
{
    (void)state;
    gateway_router_t *router = gateway_router_new();
    gateway_test_load(router);
    cJSON *doc = gateway_openapi_document(router);
    assert_string_equal(cJSON_GetObjectItem(doc, "openapi")->valuestring, "3.1.0");
    const char *get[] = {"paths", "/api/v1/talents/{id}", "get", NULL};
    const cJSON *op = s_at(doc, get);
    assert_non_null(op);
    assert_string_equal(cJSON_GetObjectItem(op, "operationId")->valuestring, "talent_get");
    const cJSON *param = cJSON_GetArrayItem(cJSON_GetObjectItem(op, "parameters"), 0);
    assert_string_equal(cJSON_GetObjectItem(param, "in")->valuestring, "path");
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(param, "required")));
    assert_int_equal(
        cJSON_GetObjectItem(cJSON_GetObjectItem(param, "schema"), "maxLength")->valueint, 16);
    const char *put[] = {"paths",   "/api/v1/things/{year}", "put",    "requestBody",
                         "content", "application/json",      "schema", NULL};
    const cJSON *schema = s_at(doc, put);
    assert_non_null(schema);
    const cJSON *props = cJSON_GetObjectItem(schema, "properties");
    assert_null(cJSON_GetObjectItem(props, "year")); // a path key, not a body key
    assert_string_equal(
        cJSON_GetObjectItem(cJSON_GetObjectItem(props, "dry_run"), "type")->valuestring, "boolean");
    assert_string_equal(s_at(props, (const char *[]){"tags", "items", "type", NULL})->valuestring,
                        "string");
    const char *own[] = {"paths", "/api/v1/session", "post", NULL};
    assert_non_null(s_at(doc, own));
    const char *error[] = {"components", "responses", "Error", NULL};
    assert_non_null(s_at(doc, error));
    cJSON_Delete(doc);
    gateway_router_destroy(&router);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_document),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
