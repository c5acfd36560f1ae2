/*  fuzz_codec: the MessagePack reader on arbitrary bytes.

    Any input: no crash, no leak, no sanitizer report, no allocation beyond
    the limits. A message the reader accepts must also survive every getter
    on every node, and its re-encoding must decode again (under the same
    limits) and re-encode to the same bytes.
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sti_codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

//  A property the code promises; breaking it is a bug the fuzzer reports.
#define S_REQUIRE(condition)                                                                       \
    do {                                                                                           \
        if (!(condition)) {                                                                        \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

//  Calls every getter on node, then on its children. The reader has already
//  bounded the depth, so the recursion is bounded too.
static void s_visit(sti_node_t node, size_t depth)
{
    S_REQUIRE(depth <= 64);
    sti_field_error_t err = {"", ""};
    const char *text;
    const void *bytes;
    size_t len;
    char copy[64];
    int64_t number;
    double real;
    bool flag;
    sti_type_t type = sti_node_type(node);
    S_REQUIRE(type != STI_TYPE_MISSING);
    S_REQUIRE(sti_type_name(type) != NULL);
    if (sti_node_str(node, SIZE_MAX, &text, &len, &err) == 0) {
        S_REQUIRE(type == STI_TYPE_STR && text != NULL && sti_utf8_valid(text, len));
    }
    if (sti_node_str_copy(node, copy, sizeof copy, &err) == 0) {
        S_REQUIRE(strlen(copy) < sizeof copy);
    }
    S_REQUIRE(sti_node_int(node, &number, &err) == 0 || err.reason[0]);
    if (sti_node_double(node, &real, &err) == 0) {
        S_REQUIRE(real == real); // never NaN
    }
    (void)sti_node_bool(node, &flag, &err);
    if (sti_node_bin(node, &bytes, &len, &err) == 0) {
        S_REQUIRE(bytes != NULL);
    }
    size_t count = sti_node_size(node);
    if (type == STI_TYPE_ARRAY) {
        for (size_t i = 0; i < count; i++) {
            s_visit(sti_node_at(node, i), depth + 1);
        }
        S_REQUIRE(sti_node_is_missing(sti_node_at(node, count)));
    } else if (type == STI_TYPE_MAP) {
        for (size_t i = 0; i < count; i++) {
            s_visit(sti_node_key_at(node, i), depth + 1);
            s_visit(sti_node_value_at(node, i), depth + 1);
        }
        static const char *const keys[] = {"op", "id", "body", "", NULL};
        (void)sti_map_only(node, keys, &err);
        (void)sti_map_str(node, "op", 64, &text, &len, &err);
        (void)sti_map_int(node, "id", &number, &err);
    } else {
        S_REQUIRE(count == 0);
    }
}

//  Decodes, visits, and checks the re-encoding round trip.
static void s_check(const uint8_t *data, size_t size, const sti_limits_t *limits)
{
    char err[256];
    sti_reader_t *reader = sti_reader_new(data, size, limits, err, sizeof err);
    if (!reader) {
        S_REQUIRE(err[0] != 0);
        return;
    }
    sti_node_t root = sti_reader_root(reader);
    s_visit(root, 0);
    size_t encoded_size;
    void *encoded = sti_node_encode(root, &encoded_size);
    S_REQUIRE(encoded && encoded_size > 0 && encoded_size <= size);
    sti_reader_t *again = sti_reader_new(encoded, encoded_size, limits, err, sizeof err);
    S_REQUIRE(again != NULL);
    size_t second_size;
    void *second = sti_node_encode(sti_reader_root(again), &second_size);
    S_REQUIRE(second_size == encoded_size && memcmp(second, encoded, encoded_size) == 0);
    free(second);
    free(encoded);
    sti_reader_destroy(&again);
    sti_reader_destroy(&reader);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    s_check(data, size, NULL);
    sti_limits_t tight = {.max_size = 4096, .max_string = 16, .max_items = 8, .max_depth = 4};
    s_check(data, size, &tight);
    return 0;
}
