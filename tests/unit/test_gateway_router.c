/*  test_gateway_router: routes from a service's description, matched by
    method and path; a literal segment wins over a {key}; a service's
    routes are replaced as a whole. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "gateway_routes.h"

static void test_match(void **state)
{
    (void)state;
    gateway_router_t *router = gateway_router_new();
    assert_false(gateway_router_has(router, "sti.test"));
    assert_int_equal(gateway_test_load(router), 4); // ops.describe has no route
    assert_true(gateway_router_has(router, "sti.test"));
    gateway_params_t params;
    bool known = false;
    const gateway_route_t *route =
        gateway_router_match(router, "GET", "/api/v1/talents/T000001", &params, &known);
    assert_non_null(route);
    assert_string_equal(route->op, "talent.get");
    assert_string_equal(route->service, "sti.test");
    assert_int_equal(params.count, 1);
    assert_string_equal(params.name[0], "id");
    assert_string_equal(params.value[0], "T000001");
    //  The literal segment wins.
    route = gateway_router_match(router, "GET", "/api/v1/talents/stats", &params, &known);
    assert_string_equal(route->op, "talent.stats");
    assert_int_equal(params.count, 0);
    route = gateway_router_match(router, "POST", "/api/v1/talents/T1/reveal", &params, &known);
    assert_string_equal(route->op, "talent.reveal");
    assert_true(route->changes == false);
    //  The path with another method: known (405), no route.
    assert_null(gateway_router_match(router, "DELETE", "/api/v1/talents/T1", &params, &known));
    assert_true(known);
    assert_null(gateway_router_match(router, "GET", "/api/v1/nothing", &params, &known));
    assert_false(known);
    //  Not under /api/v1, empty segments, a long segment: no route.
    assert_null(gateway_router_match(router, "GET", "/talents/T1", &params, &known));
    assert_null(gateway_router_match(router, "GET", "/api/v1/talents//x", &params, &known));
    char longer[600] = "/api/v1/talents/";
    memset(longer + 16, 'a', 400);
    assert_null(gateway_router_match(router, "GET", longer, &params, &known));
    //  The declaration of a key.
    const cJSON *arg = gateway_route_arg(route, "reason");
    assert_non_null(arg);
    assert_int_equal(cJSON_GetObjectItem(arg, "max")->valueint, 200);
    assert_null(gateway_route_arg(route, "colour"));
    gateway_router_destroy(&router);
}

static void test_reload(void **state)
{
    (void)state;
    gateway_router_t *router = gateway_router_new();
    assert_int_equal(gateway_test_load(router), 4);
    assert_int_equal(gateway_test_load(router), 4);
    assert_int_equal(gateway_router_count(router), 4); // replaced, not added
    assert_string_equal(gateway_router_at(router, 0)->op, "talent.get");
    assert_null(gateway_router_at(router, 4));
    //  Not a description: nothing changes.
    sti_writer_t *writer = sti_writer_new();
    sti_writer_map(writer, 0);
    size_t size;
    const void *data = sti_writer_data(writer, &size);
    char err[256];
    sti_reader_t *reader = sti_reader_new(data, size, NULL, err, sizeof err);
    assert_int_equal(
        gateway_router_load(router, "sti.test", sti_reader_root(reader), err, sizeof err), -1);
    assert_int_equal(gateway_router_count(router), 4);
    sti_reader_destroy(&reader);
    sti_writer_destroy(&writer);
    gateway_router_destroy(&router);
    gateway_router_destroy(&router); // safe twice
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_match),
        cmocka_unit_test(test_reload),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
