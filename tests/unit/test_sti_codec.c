/*  Unit tests for sti_codec: round trips of every type, every getter's
    refusals, hostile input (truncation at every offset, lying headers,
    deep nesting, trailing bytes, random blobs), and a reusable reader that
    reads as sti_reader_new does.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sti_codec.h"

//  Decodes the writer's bytes with default limits; fails the test on error.
static sti_reader_t *s_read_back(sti_writer_t *writer)
{
    size_t size;
    const void *data = sti_writer_data(writer, &size);
    char err[256] = "";
    sti_reader_t *reader = sti_reader_new(data, size, NULL, err, sizeof err);
    if (!reader) {
        fail_msg("decode failed: %s", err);
    }
    return reader;
}

//  Expects raw bytes to be refused; returns the reason for further checks.
static const char *s_refused(const void *data, size_t size, const sti_limits_t *limits)
{
    static char err[256];
    err[0] = 0;
    sti_reader_t *reader = sti_reader_new(data, size, limits, err, sizeof err);
    if (reader) {
        sti_reader_destroy(&reader);
        fail_msg("accepted %zu bytes that should be refused", size);
    }
    assert_true(strlen(err) > 0);
    return err;
}

static void test_round_trip_scalars(void **state)
{
    (void)state;
    sti_writer_t *writer = sti_writer_new();
    sti_writer_array(writer, 12);
    sti_writer_nil(writer);
    sti_writer_bool(writer, true);
    sti_writer_bool(writer, false);
    sti_writer_int(writer, INT64_MIN);
    sti_writer_int(writer, -1);
    sti_writer_int(writer, INT64_MAX);
    sti_writer_uint(writer, UINT64_MAX);
    sti_writer_double(writer, 2.5);
    sti_writer_str(writer, "héllo");
    sti_writer_bin(writer, "\x00\x01\x02", 3);
    sti_writer_str(writer, NULL);
    sti_writer_strn(writer, "abcdef", 3);
    sti_reader_t *reader = s_read_back(writer);
    sti_node_t root = sti_reader_root(reader);
    assert_int_equal(sti_node_type(root), STI_TYPE_ARRAY);
    assert_int_equal(sti_node_size(root), 12);

    sti_field_error_t err = {"", ""};
    bool flag;
    int64_t number;
    double real;
    assert_int_equal(sti_node_type(sti_node_at(root, 0)), STI_TYPE_NIL);
    assert_int_equal(sti_node_bool(sti_node_at(root, 1), &flag, &err), 0);
    assert_true(flag);
    assert_int_equal(sti_node_bool(sti_node_at(root, 2), &flag, &err), 0);
    assert_false(flag);
    assert_int_equal(sti_node_int(sti_node_at(root, 3), &number, &err), 0);
    assert_true(number == INT64_MIN);
    assert_int_equal(sti_node_int(sti_node_at(root, 4), &number, &err), 0);
    assert_true(number == -1);
    assert_int_equal(sti_node_int(sti_node_at(root, 5), &number, &err), 0);
    assert_true(number == INT64_MAX);
    assert_int_equal(sti_node_type(sti_node_at(root, 6)), STI_TYPE_UINT);
    assert_int_equal(sti_node_int(sti_node_at(root, 6), &number, &err), -1);
    assert_string_equal(err.reason, "out of range for a 64-bit integer");
    assert_int_equal(sti_node_double(sti_node_at(root, 6), &real, &err), 0);
    assert_true(real == 18446744073709551615.0);
    assert_int_equal(sti_node_double(sti_node_at(root, 7), &real, &err), 0);
    assert_true(real == 2.5);
    assert_int_equal(sti_node_double(sti_node_at(root, 5), &real, &err), 0);
    assert_true(real == (double)INT64_MAX);

    char text[16];
    assert_int_equal(sti_node_str_copy(sti_node_at(root, 8), text, sizeof text, &err), 0);
    assert_string_equal(text, "héllo");
    const void *bytes;
    size_t len;
    assert_int_equal(sti_node_bin(sti_node_at(root, 9), &bytes, &len, &err), 0);
    assert_int_equal(len, 3);
    assert_memory_equal(bytes, "\x00\x01\x02", 3);
    assert_int_equal(sti_node_type(sti_node_at(root, 10)), STI_TYPE_NIL);
    const char *borrowed;
    assert_int_equal(sti_node_str(sti_node_at(root, 11), 3, &borrowed, &len, &err), 0);
    assert_int_equal(len, 3);
    assert_memory_equal(borrowed, "abc", 3);
    assert_true(sti_node_is_missing(sti_node_at(root, 12)));

    sti_reader_destroy(&reader);
    sti_reader_destroy(&reader);
    assert_null(reader);
    sti_writer_destroy(&writer);
    sti_writer_destroy(&writer);
    assert_null(writer);
}

static void test_round_trip_map(void **state)
{
    (void)state;
    sti_writer_t *writer = sti_writer_new();
    sti_writer_map(writer, 5);
    sti_writer_kv_str(writer, "name", "rd_expenditure");
    sti_writer_kv_int(writer, "year", 2023);
    sti_writer_kv_double(writer, "value", 3.25);
    sti_writer_kv_bool(writer, "final", true);
    sti_writer_str(writer, "tags");
    sti_writer_array(writer, 2);
    sti_writer_str(writer, "a");
    sti_writer_map(writer, 0);
    sti_reader_t *reader = s_read_back(writer);
    sti_node_t root = sti_reader_root(reader);
    assert_int_equal(sti_node_size(root), 5);

    sti_field_error_t err = {"", ""};
    char name[32];
    int64_t year;
    double value;
    bool final;
    assert_int_equal(sti_map_str_copy(root, "name", name, sizeof name, &err), 0);
    assert_string_equal(name, "rd_expenditure");
    assert_int_equal(sti_map_int(root, "year", &year, &err), 0);
    assert_int_equal(year, 2023);
    assert_int_equal(sti_map_double(root, "value", &value, &err), 0);
    assert_true(value == 3.25);
    assert_int_equal(sti_map_bool(root, "final", &final, &err), 0);
    assert_true(final);
    const char *borrowed;
    size_t len;
    assert_int_equal(sti_map_str(root, "name", 64, &borrowed, &len, &err), 0);
    assert_int_equal(len, strlen("rd_expenditure"));

    sti_node_t tags = sti_node_get(root, "tags");
    assert_int_equal(sti_node_type(tags), STI_TYPE_ARRAY);
    assert_int_equal(sti_node_type(sti_node_at(tags, 1)), STI_TYPE_MAP);
    assert_int_equal(sti_node_size(sti_node_at(tags, 1)), 0);

    assert_int_equal(sti_node_type(sti_node_key_at(root, 1)), STI_TYPE_STR);
    assert_int_equal(sti_node_int(sti_node_value_at(root, 1), &year, &err), 0);
    assert_true(sti_node_is_missing(sti_node_key_at(root, 5)));
    assert_true(sti_node_is_missing(sti_node_value_at(tags, 0)));
    assert_true(sti_node_is_missing(sti_node_at(root, 0)));
    assert_true(sti_node_is_missing(sti_node_get(tags, "a")));

    const char *const allowed[] = {"name", "year", "value", "final", "tags", NULL};
    assert_int_equal(sti_map_only(root, allowed, &err), 0);
    const char *const fewer[] = {"name", "year", "value", "final", NULL};
    assert_int_equal(sti_map_only(root, fewer, &err), -1);
    assert_string_equal(err.field, "tags");
    assert_string_equal(err.reason, "unknown key");
    //  the same check, finding the values in the same pass
    const char *const wanted[] = {"year", "absent", "name", "value", "final", "tags", NULL};
    sti_node_t values[6];
    assert_int_equal(sti_map_fields(root, wanted, values, &err), 0);
    assert_int_equal(sti_node_int(values[0], &year, &err), 0);
    assert_int_equal(year, 2023);
    assert_true(sti_node_is_missing(values[1]));
    assert_true(values[2].object == sti_node_get(root, "name").object);
    assert_true(values[5].object == tags.object);
    assert_int_equal(sti_map_fields(root, fewer, values, &err), -1);
    assert_string_equal(err.field, "tags");
    assert_string_equal(err.reason, "unknown key");
    assert_true(values[0].object == sti_node_get(root, "name").object);

    //  a sub-value forwarded unchanged decodes to the same thing
    size_t size;
    void *encoded = sti_node_encode(tags, &size);
    assert_non_null(encoded);
    sti_writer_t *copy = sti_writer_new();
    sti_writer_raw(copy, encoded, size);
    free(encoded);
    sti_reader_t *again = s_read_back(copy);
    assert_int_equal(sti_node_size(sti_reader_root(again)), 2);
    assert_null(sti_node_encode((sti_node_t){NULL}, &size));
    assert_int_equal(size, 0);

    sti_reader_destroy(&again);
    sti_writer_destroy(&copy);
    sti_reader_destroy(&reader);
    sti_writer_destroy(&writer);
}

//  msgpack-c leaves an empty string's pointer NULL: keys and values still work.
static void test_empty_strings(void **state)
{
    (void)state;
    const unsigned char message[] = {0x82, 0xa0, 0x01, 0xa1, 'k', 0xa0};
    sti_reader_t *reader = sti_reader_new(message, sizeof message, NULL, NULL, 0);
    assert_non_null(reader);
    sti_node_t root = sti_reader_root(reader);
    int64_t number;
    assert_int_equal(sti_map_int(root, "", &number, NULL), 0);
    assert_int_equal(number, 1);
    char text[4] = "x";
    assert_int_equal(sti_map_str_copy(root, "k", text, sizeof text, NULL), 0);
    assert_string_equal(text, "");
    const char *const keys[] = {"k", "", NULL};
    assert_int_equal(sti_map_only(root, keys, NULL), 0);
    sti_reader_destroy(&reader);
}

static void test_writer_reset(void **state)
{
    (void)state;
    sti_writer_t *writer = sti_writer_new();
    sti_writer_str(writer, "first");
    sti_writer_reset(writer);
    sti_writer_int(writer, 7);
    size_t size;
    const unsigned char *data = sti_writer_data(writer, &size);
    assert_int_equal(size, 1);
    assert_int_equal(data[0], 7);
    sti_writer_destroy(&writer);
}

static void test_getter_wrong_types(void **state)
{
    (void)state;
    sti_writer_t *writer = sti_writer_new();
    sti_writer_map(writer, 4);
    sti_writer_kv_int(writer, "n", 5);
    sti_writer_kv_str(writer, "s", "text");
    sti_writer_kv_bool(writer, "b", true);
    sti_writer_str(writer, "x");
    sti_writer_array(writer, 0);
    sti_reader_t *reader = s_read_back(writer);
    sti_node_t root = sti_reader_root(reader);
    sti_field_error_t err = {"", ""};
    char text[16];
    const char *borrowed;
    size_t len;
    int64_t number;
    double real;
    bool flag;
    const void *bytes;

    assert_int_equal(sti_map_str_copy(root, "n", text, sizeof text, &err), -1);
    assert_string_equal(err.field, "n");
    assert_string_equal(err.reason, "must be a string, got integer");
    assert_int_equal(sti_map_str(root, "b", 16, &borrowed, &len, &err), -1);
    assert_string_equal(err.reason, "must be a string, got boolean");
    assert_int_equal(sti_map_int(root, "s", &number, &err), -1);
    assert_string_equal(err.field, "s");
    assert_string_equal(err.reason, "must be an integer, got string");
    assert_int_equal(sti_map_double(root, "x", &real, &err), -1);
    assert_string_equal(err.reason, "must be a number, got array");
    assert_int_equal(sti_map_bool(root, "n", &flag, &err), -1);
    assert_string_equal(err.reason, "must be a boolean, got integer");
    assert_int_equal(sti_node_bin(sti_node_get(root, "s"), &bytes, &len, &err), -1);
    assert_string_equal(err.reason, "must be binary, got string");
    assert_int_equal(sti_map_int(root, "absent", &number, &err), -1);
    assert_string_equal(err.field, "absent");
    assert_string_equal(err.reason, "missing");
    assert_int_equal(sti_map_str(root, "s", 3, &borrowed, &len, &err), -1);
    assert_string_equal(err.reason, "longer than 3 bytes");
    assert_int_equal(sti_map_str_copy(root, "s", text, 4, &err), -1);
    assert_string_equal(err.reason, "longer than 3 bytes");
    const char *const keys[] = {"n", NULL};
    assert_int_equal(sti_map_only(sti_node_get(root, "x"), keys, &err), -1);
    assert_string_equal(err.reason, "must be a map, got array");
    //  a NULL err is allowed
    assert_int_equal(sti_map_int(root, "s", &number, NULL), -1);
    assert_int_equal(sti_node_type((sti_node_t){NULL}), STI_TYPE_MISSING);
    assert_string_equal(sti_type_name(STI_TYPE_MISSING), "missing");
    sti_reader_destroy(&reader);
    sti_writer_destroy(&writer);
}

//  Decodes raw bytes holding one string and returns sti_node_str_copy's result.
static int s_copy_raw_string(const char *raw, size_t size, char *reason)
{
    char err[128];
    sti_reader_t *reader = sti_reader_new(raw, size, NULL, err, sizeof err);
    assert_non_null(reader);
    sti_field_error_t ferr = {"", ""};
    char buf[32];
    int rc = sti_node_str_copy(sti_reader_root(reader), buf, sizeof buf, &ferr);
    strcpy(reason, ferr.reason);
    sti_reader_destroy(&reader);
    return rc;
}

static void test_strings_utf8_and_nul(void **state)
{
    (void)state;
    char reason[160];
    //  valid: ASCII, 2-, 3- and 4-byte forms, U+10FFFF
    assert_int_equal(s_copy_raw_string("\xa2\xc3\xa9", 3, reason), 0);
    assert_int_equal(s_copy_raw_string("\xa3\xe4\xb8\xad", 4, reason), 0);
    assert_int_equal(s_copy_raw_string("\xa4\xf4\x8f\xbf\xbf", 5, reason), 0);
    const char *bad[] = {
        "\xa1\x80",             // lone continuation
        "\xa2\xc0\xaf",         // overlong '/'
        "\xa3\xe0\x80\xaf",     // overlong, 3 bytes
        "\xa4\xf0\x80\x80\xaf", // overlong, 4 bytes
        "\xa3\xed\xa0\x80",     // surrogate U+D800
        "\xa4\xf4\x90\x80\x80", // above U+10FFFF
        "\xa1\xff",             // never valid
        "\xa2\xe4\xb8",         // cut short
        "\xa2\xc3\x41",         // bad continuation
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        size_t size = 1 + (size_t)(bad[i][0] & 0x1f);
        assert_int_equal(s_copy_raw_string(bad[i], size, reason), -1);
        assert_string_equal(reason, "not valid UTF-8");
    }
    assert_int_equal(s_copy_raw_string("\xa3"
                                       "a\0b",
                                       4, reason),
                     -1);
    assert_string_equal(reason, "contains a NUL byte");
}

static void test_non_finite_doubles(void **state)
{
    (void)state;
    double values[] = {NAN, INFINITY, -INFINITY};
    for (size_t i = 0; i < 3; i++) {
        sti_writer_t *writer = sti_writer_new();
        sti_writer_double(writer, values[i]);
        sti_reader_t *reader = s_read_back(writer);
        sti_field_error_t err = {"", ""};
        double out;
        assert_int_equal(sti_node_double(sti_reader_root(reader), &out, &err), -1);
        assert_string_equal(err.reason, "not a finite number");
        int64_t number;
        assert_int_equal(sti_node_int(sti_reader_root(reader), &number, &err), -1);
        assert_string_equal(err.reason, "must be an integer, got float");
        sti_reader_destroy(&reader);
        sti_writer_destroy(&writer);
    }
    //  float32 reads as a number too
    const unsigned char f32[] = {0xca, 0x3f, 0xc0, 0x00, 0x00};
    sti_reader_t *reader = sti_reader_new(f32, sizeof f32, NULL, NULL, 0);
    assert_non_null(reader);
    double out;
    assert_int_equal(sti_node_double(sti_reader_root(reader), &out, NULL), 0);
    assert_true(out == 1.5);
    sti_reader_destroy(&reader);
}

//  Every format family, hand-encoded, is accepted.
//  sti_codec_check accepts what sti_reader_new accepts, without unpacking.
static void test_check_without_unpacking(void **state)
{
    (void)state;
    sti_writer_t *w = sti_writer_new();
    sti_writer_map(w, 2);
    sti_writer_kv_str(w, "name", "临平");
    sti_writer_str(w, "list");
    sti_writer_array(w, 2);
    sti_writer_int(w, 1);
    sti_writer_double(w, 2.5);
    size_t size;
    const uint8_t *data = sti_writer_data(w, &size);
    char err[128];
    assert_int_equal(sti_codec_check(data, size, NULL, err, sizeof err), 0);
    assert_int_equal(sti_codec_check(data, size - 1, NULL, err, sizeof err), -1); // cut short
    uint8_t *more = malloc(size + 1);
    assert_non_null(more);
    memcpy(more, data, size);
    more[size] = 0xc0; // a trailing nil
    assert_int_equal(sti_codec_check(more, size + 1, NULL, err, sizeof err), -1);
    free(more);
    sti_writer_destroy(&w);
}

static void test_every_format(void **state)
{
    (void)state;
    const unsigned char message[] = {
        0xdc, 0x00, 0x1a,                         // array16 of 26
        0x05, 0xe0, 0xc0, 0xc2, 0xc3,             // fixint, negative fixint, nil, false, true
        0xc4, 0x01, 0xaa,                         // bin8
        0xc5, 0x00, 0x01, 0xaa,                   // bin16
        0xc6, 0x00, 0x00, 0x00, 0x01, 0xaa,       // bin32
        0xc7, 0x01, 0x05, 0xaa,                   // ext8
        0xc8, 0x00, 0x00, 0x05,                   // ext16, empty
        0xc9, 0x00, 0x00, 0x00, 0x01, 0x05, 0xaa, // ext32
        0xcb, 0,    0,    0,    0,    0,    0,    0,    0, // float64
        0xcc, 0xff, 0xcd, 0xff, 0xff,                      // uint8, uint16
        0xce, 0,    0,    0,    1,    0xcf, 0,    0,    0,    0, 0, 0, 0,   1,
        0xd0, 0x80, 0xd1, 0x80, 0x00, // int8, int16
        0xd2, 0x80, 0,    0,    0,    0xd3, 0x80, 0,    0,    0, 0, 0, 0,   0,
        0xd4, 0x01, 0xaa, // fixext1
        0xd8, 0x01, 0,    0,    0,    0,    0,    0,    0,    0, 0, 0, 0,   0,
        0,    0,    0,    0, // fixext16
        0xd9, 0x01, 'a',  0xda, 0x00, 0x01, 'b',  0xdb, 0,    0, 0, 1, 'c', 0xdd,
        0,    0,    0,    1,    0xde, 0,    1,    0xa0, 0xdf, 0, 0, 0, 0,
    };
    char err[256] = "";
    sti_reader_t *reader = sti_reader_new(message, sizeof message, NULL, err, sizeof err);
    if (!reader) {
        fail_msg("refused: %s", err);
    }
    sti_node_t root = sti_reader_root(reader);
    assert_int_equal(sti_node_size(root), 26);
    assert_int_equal(sti_node_type(sti_node_at(root, 8)), STI_TYPE_EXT);
    int64_t number;
    assert_int_equal(sti_node_int(sti_node_at(root, 1), &number, NULL), 0);
    assert_int_equal(number, -32);
    assert_int_equal(sti_node_int(sti_node_at(root, 19), &number, NULL), 0);
    assert_true(number == INT64_MIN);
    sti_reader_destroy(&reader);
}

//  A valid message cut at every offset is refused, never crashes.
static void test_truncated_everywhere(void **state)
{
    (void)state;
    sti_writer_t *writer = sti_writer_new();
    sti_writer_map(writer, 4);
    sti_writer_kv_str(writer, "op", "ingest.submit");
    sti_writer_kv_double(writer, "v", 1.5);
    sti_writer_str(writer, "rows");
    sti_writer_array(writer, 2);
    sti_writer_int(writer, 1 << 20);
    sti_writer_bin(writer, "xyz", 3);
    sti_writer_kv_int(writer, "n", -70000);
    size_t size;
    const char *data = sti_writer_data(writer, &size);
    for (size_t cut = 0; cut < size; cut++) {
        s_refused(data, cut, NULL);
    }
    sti_writer_destroy(&writer);
}

static void test_limits(void **state)
{
    (void)state;
    sti_writer_t *writer = sti_writer_new();
    sti_writer_array(writer, 3);
    sti_writer_str(writer, "0123456789");
    sti_writer_int(writer, 1);
    sti_writer_int(writer, 2);
    size_t size;
    const char *data = sti_writer_data(writer, &size);
    sti_limits_t small_size = {.max_size = size - 1};
    assert_non_null(strstr(s_refused(data, size, &small_size), "more than the limit"));
    sti_limits_t short_strings = {.max_string = 9};
    assert_non_null(strstr(s_refused(data, size, &short_strings), "string"));
    sti_limits_t few_items = {.max_items = 2};
    assert_non_null(strstr(s_refused(data, size, &few_items), "array"));
    sti_limits_t exact = {.max_size = size, .max_string = 10, .max_items = 3, .max_depth = 1};
    sti_reader_t *reader = sti_reader_new(data, size, &exact, NULL, 0);
    assert_non_null(reader);
    sti_reader_destroy(&reader);
    sti_writer_destroy(&writer);

    //  the default message size limit
    size_t big = STI_CODEC_MAX_SIZE + 1;
    char *blob = calloc(1, big);
    assert_non_null(blob);
    assert_non_null(strstr(s_refused(blob, big, NULL), "more than the limit"));
    free(blob);
    //  an empty message
    assert_string_equal(s_refused("", 0, NULL), "empty message");
    //  many small arrays, each within max_items, exceed the total of 16 * max_items:
    //  10 arrays of 10 arrays of one nil are 10 + 100 + 100 = 210 elements
    sti_limits_t ten = {.max_items = 10};
    unsigned char many[1 + 10 * 21];
    size_t n = 0;
    many[n++] = 0x9a;
    for (int i = 0; i < 10; i++) {
        many[n++] = 0x9a;
        for (int k = 0; k < 10; k++) {
            many[n++] = 0x91;
            many[n++] = 0xc0;
        }
    }
    assert_non_null(strstr(s_refused(many, n, &ten), "more than 160 elements in all"));
    many[0] = 0x95; // 5 + 50 + 50 = 105 elements: accepted
    reader = sti_reader_new(many, 1 + 5 * 21, &ten, NULL, 0);
    assert_non_null(reader);
    sti_reader_destroy(&reader);
}

//  Headers that declare more than the message holds fail without allocating.
static void test_lying_headers(void **state)
{
    (void)state;
    const unsigned char array32[] = {0xdd, 0xff, 0xff, 0xff, 0xff};
    sti_limits_t generous = {.max_items = UINT32_MAX};
    assert_non_null(strstr(s_refused(array32, sizeof array32, &generous), "remain"));
    assert_non_null(strstr(s_refused(array32, sizeof array32, NULL), "limit"));
    const unsigned char map32[] = {0xdf, 0x00, 0x00, 0x00, 0x02, 0x01, 0x02, 0x03};
    assert_non_null(strstr(s_refused(map32, sizeof map32, NULL), "remain"));
    const unsigned char str32[] = {0xdb, 0x00, 0x00, 0x10, 0x00, 'a'};
    assert_non_null(strstr(s_refused(str32, sizeof str32, NULL), "remain"));
    const unsigned char bin32[] = {0xc6, 0x7f, 0xff, 0xff, 0xff};
    s_refused(bin32, sizeof bin32, NULL);
    const unsigned char ext32[] = {0xc9, 0x00, 0x00, 0x00, 0x05, 0x01, 0xaa};
    s_refused(ext32, sizeof ext32, NULL);
    const unsigned char fixext[] = {0xd8, 0x01, 0x00};
    s_refused(fixext, sizeof fixext, NULL);
    //  nested: an inner array owes more than the outer leaves room for
    const unsigned char nested[] = {0x92, 0x93, 0x01, 0x02, 0x03};
    assert_non_null(strstr(s_refused(nested, sizeof nested, NULL), "remain"));
    const unsigned char never_used[] = {0xc1};
    assert_non_null(strstr(s_refused(never_used, 1, NULL), "invalid format byte 0xc1"));
}

static void test_trailing_bytes(void **state)
{
    (void)state;
    const unsigned char two_values[] = {0x01, 0x02};
    assert_non_null(strstr(s_refused(two_values, 2, NULL), "trailing"));
    const unsigned char after_map[] = {0x81, 0xa1, 'k', 0x01, 0xc0};
    assert_non_null(strstr(s_refused(after_map, sizeof after_map, NULL), "trailing"));
}

//  Builds count nested arrays around an integer.
static unsigned char *s_nested(size_t count, size_t *size)
{
    unsigned char *data = malloc(count + 1);
    assert_non_null(data);
    memset(data, 0x91, count);
    data[count] = 0x01;
    *size = count + 1;
    return data;
}

static void test_nesting(void **state)
{
    (void)state;
    size_t size;
    unsigned char *deep = s_nested(1000, &size);
    assert_non_null(strstr(s_refused(deep, size, NULL), "nests deeper than 16"));
    free(deep);
    unsigned char *ok = s_nested(16, &size);
    sti_reader_t *reader = sti_reader_new(ok, size, NULL, NULL, 0);
    assert_non_null(reader);
    sti_reader_destroy(&reader);
    free(ok);
    unsigned char *over = s_nested(17, &size);
    s_refused(over, size, NULL);
    free(over);
    //  a raised limit is capped at what msgpack-c can unpack, and works there
    sti_limits_t deep_limit = {.max_depth = 1000};
    unsigned char *max = s_nested(32, &size);
    reader = sti_reader_new(max, size, &deep_limit, NULL, 0);
    assert_non_null(reader);
    sti_reader_destroy(&reader);
    free(max);
    unsigned char *beyond = s_nested(33, &size);
    s_refused(beyond, size, &deep_limit);
    free(beyond);
    //  empty containers count as a level too
    const unsigned char empties[] = {0x91, 0x91, 0x90};
    sti_limits_t two = {.max_depth = 2};
    s_refused(empties, sizeof empties, &two);
}

//  xorshift64*: a fixed seed makes every run see the same blobs.
static uint64_t s_next(uint64_t *seed)
{
    *seed ^= *seed >> 12;
    *seed ^= *seed << 25;
    *seed ^= *seed >> 27;
    return *seed * 2685821657736338717ull;
}

static void test_random_blobs(void **state)
{
    (void)state;
    uint64_t seed = 0x5eed5eed12345678ull;
    unsigned char blob[64];
    size_t accepted = 0;
    for (int round = 0; round < 100000; round++) {
        size_t size = 1 + s_next(&seed) % sizeof blob;
        for (size_t i = 0; i < size; i++) {
            blob[i] = (unsigned char)s_next(&seed);
        }
        //  bias towards containers and strings to get past the first byte
        if (round % 2) {
            blob[0] = (unsigned char)(0x80 | (blob[0] & 0x3f));
        }
        char err[256];
        sti_reader_t *reader = sti_reader_new(blob, size, NULL, err, sizeof err);
        if (reader) {
            accepted++;
            sti_node_t root = sti_reader_root(reader);
            sti_field_error_t ferr;
            char text[32];
            int64_t number;
            (void)sti_node_str_copy(root, text, sizeof text, &ferr);
            (void)sti_node_int(sti_node_at(root, 0), &number, &ferr);
            (void)sti_map_int(root, "a", &number, &ferr);
            size_t encoded_size;
            free(sti_node_encode(root, &encoded_size));
            assert_true(encoded_size > 0);
            sti_reader_destroy(&reader);
        }
    }
    assert_true(accepted > 0);
}

//  A reusable reader accepts and refuses what sti_reader_new does, and
//  unpacks the same values, message after message (random blobs, then a
//  large message, a small one, a refused one and the large one again).
static void test_reusable_reader(void **state)
{
    (void)state;
    uint64_t seed = 0x0123456789abcdefull;
    unsigned char blob[64];
    sti_reader_t *reused = sti_reader_new_reusable();
    assert_int_equal(sti_node_type(sti_reader_root(reused)), STI_TYPE_NIL);
    for (int round = 0; round < 20000; round++) {
        size_t size = 1 + s_next(&seed) % sizeof blob;
        for (size_t i = 0; i < size; i++) {
            blob[i] = (unsigned char)s_next(&seed);
        }
        blob[0] = round % 2 ? (unsigned char)(0x80 | (blob[0] & 0x3f)) : blob[0];
        char err[256], err2[256];
        sti_reader_t *fresh = sti_reader_new(blob, size, NULL, err, sizeof err);
        int rc = sti_reader_load(reused, blob, size, NULL, err2, sizeof err2);
        assert_int_equal(rc, fresh ? 0 : -1);
        if (fresh) {
            size_t a_size, b_size;
            void *a = sti_node_encode(sti_reader_root(fresh), &a_size);
            void *b = sti_node_encode(sti_reader_root(reused), &b_size);
            assert_int_equal(a_size, b_size);
            assert_memory_equal(a, b, a_size);
            free(a);
            free(b);
        } else {
            assert_string_equal(err, err2);
            assert_int_equal(sti_node_type(sti_reader_root(reused)), STI_TYPE_NIL);
        }
        sti_reader_destroy(&fresh);
    }
    sti_writer_t *writer = sti_writer_new();
    sti_writer_array(writer, 3000);
    for (int i = 0; i < 3000; i++) {
        sti_writer_str(writer, "a value long enough to need a second zone chunk");
    }
    size_t big_size;
    const void *big = sti_writer_data(writer, &big_size);
    const unsigned char small[] = {0x81, 0xa1, 'a', 0x07}, bad[] = {0x92, 0x01};
    const void *messages[] = {big, small, bad, big};
    size_t sizes[] = {big_size, sizeof small, sizeof bad, big_size};
    for (size_t m = 0; m < 4; m++) {
        char err[256];
        assert_int_equal(sti_reader_load(reused, messages[m], sizes[m], NULL, err, sizeof err),
                         m == 2 ? -1 : 0);
        sti_node_t root = sti_reader_root(reused);
        sti_field_error_t ferr;
        int64_t number = 0;
        assert_int_equal(sti_node_size(root), m == 0 || m == 3 ? 3000 : m == 1 ? 1 : 0);
        assert_int_equal(sti_map_int(root, "a", &number, &ferr), m == 1 ? 0 : -1);
    }
    sti_writer_destroy(&writer);
    sti_reader_destroy(&reused);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_scalars),
        cmocka_unit_test(test_round_trip_map),
        cmocka_unit_test(test_empty_strings),
        cmocka_unit_test(test_writer_reset),
        cmocka_unit_test(test_getter_wrong_types),
        cmocka_unit_test(test_strings_utf8_and_nul),
        cmocka_unit_test(test_non_finite_doubles),
        cmocka_unit_test(test_every_format),
        cmocka_unit_test(test_check_without_unpacking),
        cmocka_unit_test(test_truncated_everywhere),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_lying_headers),
        cmocka_unit_test(test_trailing_bytes),
        cmocka_unit_test(test_nesting),
        cmocka_unit_test(test_random_blobs),
        cmocka_unit_test(test_check_without_unpacking),
        cmocka_unit_test(test_reusable_reader),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
