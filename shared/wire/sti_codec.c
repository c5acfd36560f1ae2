/*  sti_codec: MessagePack reading and writing. See sti_codec.h.

    Reading is two passes. The first (s_walk) reads the raw bytes with no
    allocation at all: it decodes every format byte, checks every length and
    count against the limits and against the bytes that remain, and keeps the
    nesting on a small fixed stack, so no input can make it recurse, loop
    without progress or allocate. It also keeps the number of values still
    owed by all open containers and refuses a header as soon as that number
    exceeds the bytes left (each value takes at least one byte), so a header
    declaring 2^32-1 elements in five bytes is refused at once. Only a message
    that passes goes to msgpack_unpack_next, whose zone holds 24 bytes per
    element of every array and map. That could still be 24 times the message
    (400 MB for 16 MiB of nils), so the walk also caps the elements of all
    containers together at S_TOTAL_ITEMS_FACTOR times max_items (1.6 million
    by default, under 40 MB of objects).

    The reader keeps its own copy of the input: msgpack-c's objects point into
    the buffer they were unpacked from, and the caller's buffer (a zframe, a
    Redis reply) usually dies first.

    msgpack-c cannot nest deeper than MSGPACK_EMBED_STACK_SIZE (32) containers,
    so a configured max_depth above that is lowered to it.

    The writer is sti_writer.c.
*/
#include "sti_codec.h"

#include <assert.h>
#include <math.h>
#include <msgpack.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  Deepest nesting msgpack-c 4.0 can unpack (its fixed parser stack).
#define S_DEPTH_CEILING 32
//  Elements of all arrays and maps of one message together, in max_items.
#define S_TOTAL_ITEMS_FACTOR 16

struct _sti_reader_t {
    char *data;                // our copy of the message; objects point into it
    size_t size;               // bytes in data
    size_t cap;                // bytes allocated for data (a reusable reader's)
    msgpack_unpacked unpacked; // the zone and the root object
};

//  --- small helpers ---

static void s_set_err(char *err, size_t errlen, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

static void s_set_err(char *err, size_t errlen, const char *format, ...)
{
    if (err && errlen > 0) {
        va_list args;
        va_start(args, format);
        vsnprintf(err, errlen, format, args);
        va_end(args);
    }
}

static int s_fail(sti_field_error_t *err, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

//  Sets err->reason (when err is not NULL) and returns -1.
static int s_fail(sti_field_error_t *err, const char *format, ...)
{
    if (err) {
        va_list args;
        va_start(args, format);
        vsnprintf(err->reason, sizeof err->reason, format, args);
        va_end(args);
    }
    return -1;
}

static void s_set_field(sti_field_error_t *err, const char *key)
{
    if (err) { // once a field read: a copy, not a snprintf
        size_t n = key ? strnlen(key, sizeof err->field - 1) : 0;
        memcpy(err->field, key, n);
        err->field[n] = 0;
    }
}

static uint64_t s_be(const uint8_t *p, size_t n)
{
    uint64_t value = 0;
    for (size_t i = 0; i < n; i++) {
        value = (value << 8) | p[i];
    }
    return value;
}

//  --- the raw walk ---

//  What one format byte says: how many bytes of fixed header follow it, and
//  either a payload length (str/bin/ext) or an element count (array/map).
typedef struct {
    size_t head;      // bytes after the format byte holding the length or value
    int kind;         // S_SCALAR, S_BYTES or S_CONTAINER
    uint64_t length;  // payload bytes (S_BYTES) or elements (S_CONTAINER)
    bool is_map;      // a map: two values per element
    const char *name; // for messages
} s_format_t;

enum { S_SCALAR, S_BYTES, S_CONTAINER, S_INVALID };

//  Formats 0xc0..0xdf. For ext, length starts at 1: the type byte is counted
//  as payload; fixext carries its data size here too.
static const s_format_t s_formats[32] = {
    {0, S_SCALAR, 0, false, "nil"},       {0, S_INVALID, 0, false, "invalid"},
    {0, S_SCALAR, 0, false, "boolean"},   {0, S_SCALAR, 0, false, "boolean"},
    {1, S_BYTES, 0, false, "binary"},     {2, S_BYTES, 0, false, "binary"},
    {4, S_BYTES, 0, false, "binary"},     {1, S_BYTES, 1, false, "extension"},
    {2, S_BYTES, 1, false, "extension"},  {4, S_BYTES, 1, false, "extension"},
    {4, S_SCALAR, 0, false, "float"},     {8, S_SCALAR, 0, false, "float"},
    {1, S_SCALAR, 0, false, "integer"},   {2, S_SCALAR, 0, false, "integer"},
    {4, S_SCALAR, 0, false, "integer"},   {8, S_SCALAR, 0, false, "integer"},
    {1, S_SCALAR, 0, false, "integer"},   {2, S_SCALAR, 0, false, "integer"},
    {4, S_SCALAR, 0, false, "integer"},   {8, S_SCALAR, 0, false, "integer"},
    {0, S_BYTES, 2, false, "extension"},  {0, S_BYTES, 3, false, "extension"},
    {0, S_BYTES, 5, false, "extension"},  {0, S_BYTES, 9, false, "extension"},
    {0, S_BYTES, 17, false, "extension"}, {1, S_BYTES, 0, false, "string"},
    {2, S_BYTES, 0, false, "string"},     {4, S_BYTES, 0, false, "string"},
    {2, S_CONTAINER, 0, false, "array"},  {4, S_CONTAINER, 0, false, "array"},
    {2, S_CONTAINER, 0, true, "map"},     {4, S_CONTAINER, 0, true, "map"},
};

//  Decodes one format byte. For a length or count held in the bytes after it,
//  head says how many and the caller adds their value to length.
static s_format_t s_format(uint8_t byte)
{
    if (byte <= 0x7f || byte >= 0xe0) {
        return (s_format_t){0, S_SCALAR, 0, false, "integer"};
    }
    if (byte <= 0x8f) {
        return (s_format_t){0, S_CONTAINER, byte & 0x0f, true, "map"};
    }
    if (byte <= 0x9f) {
        return (s_format_t){0, S_CONTAINER, byte & 0x0f, false, "array"};
    }
    if (byte <= 0xbf) {
        return (s_format_t){0, S_BYTES, byte & 0x1f, false, "string"};
    }
    return s_formats[byte - 0xc0];
}

//  Walk state: the values still owed by each open container.
typedef struct {
    const uint8_t *start;               // first byte of the message
    const uint8_t *p;                   // next byte to read
    const uint8_t *end;                 // one past the last byte
    sti_limits_t limits;                // effective limits
    uint64_t owed[S_DEPTH_CEILING + 1]; // values still to read per level
    size_t depth;                       // open containers
    uint64_t owed_total;                // sum of owed[]
    uint64_t values_total;              // elements of every container so far
    uint64_t values_budget;             // the most values_total may reach
    char *err;                          // where a reason goes
    size_t errlen;                      // its capacity
} s_walk_t;

//  Checks a str, bin or ext payload of f.length bytes and steps over it.
static int s_walk_bytes(s_walk_t *w, s_format_t f, uint8_t byte, size_t at)
{
    size_t left = (size_t)(w->end - w->p);
    //  an ext's payload includes its type byte; the limit is on the data
    bool is_ext = (byte >= 0xc7 && byte <= 0xc9) || (byte >= 0xd4 && byte <= 0xd8);
    uint64_t data_len = is_ext ? f.length - 1 : f.length;
    if (data_len > w->limits.max_string) {
        s_set_err(w->err, w->errlen, "%s at byte %zu is %llu bytes, more than the limit of %zu",
                  f.name, at, (unsigned long long)data_len, w->limits.max_string);
        return -1;
    }
    if (f.length > left) {
        s_set_err(w->err, w->errlen, "%s at byte %zu declares %llu bytes, only %zu remain", f.name,
                  at, (unsigned long long)f.length, left);
        return -1;
    }
    w->p += f.length;
    return 0;
}

//  Checks an array or map header of f.length elements and opens its level.
static int s_walk_container(s_walk_t *w, s_format_t f, size_t at)
{
    size_t left = (size_t)(w->end - w->p);
    if (f.length > w->limits.max_items) {
        s_set_err(w->err, w->errlen, "%s at byte %zu has %llu elements, more than the limit of %zu",
                  f.name, at, (unsigned long long)f.length, w->limits.max_items);
        return -1;
    }
    if (w->depth + 1 > w->limits.max_depth) {
        s_set_err(w->err, w->errlen, "%s at byte %zu nests deeper than %zu", f.name, at,
                  w->limits.max_depth);
        return -1;
    }
    uint64_t values = f.is_map ? f.length * 2 : f.length;
    if (w->owed_total + values > left) {
        s_set_err(w->err, w->errlen,
                  "%s at byte %zu declares %llu elements, more than the %zu bytes that remain",
                  f.name, at, (unsigned long long)f.length, left);
        return -1;
    }
    w->values_total += values;
    if (w->values_total > w->values_budget) {
        s_set_err(w->err, w->errlen, "more than %llu elements in all at byte %zu",
                  (unsigned long long)w->values_budget, at);
        return -1;
    }
    if (values > 0) {
        w->owed[++w->depth] = values;
        w->owed_total += values;
    }
    return 0;
}

//  Reads one value at w->p. Returns 0 or -1 with a reason.
static int s_walk_value(s_walk_t *w)
{
    size_t at = (size_t)(w->p - w->start);
    uint8_t byte = *w->p++;
    s_format_t f = s_format(byte);
    if (f.kind == S_INVALID) {
        s_set_err(w->err, w->errlen, "invalid format byte 0x%02x at byte %zu", byte, at);
        return -1;
    }
    if (f.head > (size_t)(w->end - w->p)) {
        s_set_err(w->err, w->errlen, "truncated %s at byte %zu", f.name, at);
        return -1;
    }
    if (f.head > 0 && f.kind != S_SCALAR) {
        f.length += s_be(w->p, f.head);
    }
    w->p += f.head;
    if (f.kind == S_BYTES) {
        return s_walk_bytes(w, f, byte, at);
    }
    if (f.kind == S_CONTAINER) {
        return s_walk_container(w, f, at);
    }
    return 0;
}

//  Checks the whole message. Returns 0, or -1 with a reason in err.
static int s_walk(const void *data, size_t size, const sti_limits_t *limits, char *err,
                  size_t errlen)
{
    s_walk_t w = {.start = data,
                  .p = data,
                  .end = (const uint8_t *)data + size,
                  .limits = *limits,
                  .err = err,
                  .errlen = errlen};
    if (size == 0) {
        s_set_err(err, errlen, "empty message");
        return -1;
    }
    w.owed[0] = 1;
    w.owed_total = 1;
    w.values_budget = limits->max_items > UINT64_MAX / S_TOTAL_ITEMS_FACTOR
                          ? UINT64_MAX
                          : (uint64_t)limits->max_items * S_TOTAL_ITEMS_FACTOR;
    while (w.owed_total > 0) {
        if (w.owed[w.depth] == 0) {
            w.depth--;
            continue;
        }
        if (w.p >= w.end) {
            s_set_err(err, errlen, "truncated at byte %zu", size);
            return -1;
        }
        w.owed[w.depth]--;
        w.owed_total--;
        if (s_walk_value(&w)) {
            return -1;
        }
    }
    if (w.p != w.end) {
        s_set_err(err, errlen, "%zu trailing bytes after the value at byte %zu",
                  (size_t)(w.end - w.p), (size_t)(w.p - w.start));
        return -1;
    }
    return 0;
}

static sti_limits_t s_limits(const sti_limits_t *given)
{
    sti_limits_t limits = {STI_CODEC_MAX_SIZE, STI_CODEC_MAX_STRING, STI_CODEC_MAX_ITEMS,
                           STI_CODEC_MAX_DEPTH};
    if (given) {
        limits.max_size = given->max_size ? given->max_size : limits.max_size;
        limits.max_string = given->max_string ? given->max_string : limits.max_string;
        limits.max_items = given->max_items ? given->max_items : limits.max_items;
        limits.max_depth = given->max_depth ? given->max_depth : limits.max_depth;
    }
    if (limits.max_depth > S_DEPTH_CEILING) {
        limits.max_depth = S_DEPTH_CEILING;
    }
    return limits;
}

//  The size limit, then the walk; no data at all (NULL) is refused when
//  empty too with strict. Returns 0, or -1 with a reason in err.
static int s_check(const void *data, size_t size, const sti_limits_t *effective, bool strict,
                   char *err, size_t errlen)
{
    if (size > effective->max_size) {
        s_set_err(err, errlen, "message is %zu bytes, more than the limit of %zu", size,
                  effective->max_size);
        return -1;
    }
    if (!data && (size > 0 || strict)) {
        s_set_err(err, errlen, "no data");
        return -1;
    }
    return s_walk(data, size, effective, err, errlen);
}

//  --- reader ---

sti_reader_t *sti_reader_new(const void *data, size_t size, const sti_limits_t *limits, char *err,
                             size_t errlen)
{
    sti_limits_t effective = s_limits(limits);
    if (s_check(data, size, &effective, false, err, errlen)) {
        return NULL;
    }
    sti_reader_t *self = calloc(1, sizeof *self);
    char *copy = malloc(size);
    if (!self || !copy) {
        abort();
    }
    memcpy(copy, data, size);
    self->data = copy;
    self->size = size;
    msgpack_unpacked_init(&self->unpacked);
    size_t offset = 0;
    msgpack_unpack_return rc = msgpack_unpack_next(&self->unpacked, copy, size, &offset);
    if (rc != MSGPACK_UNPACK_SUCCESS || offset != size) {
        //  the walk accepts only what msgpack-c accepts; kept as a safety net
        s_set_err(err, errlen, "malformed message (unpack returned %d)", (int)rc);
        sti_reader_destroy(&self);
        return NULL;
    }
    return self;
}

sti_reader_t *sti_reader_new_reusable(void)
{
    sti_reader_t *self = calloc(1, sizeof *self);
    if (!self) {
        abort();
    }
    msgpack_unpacked_init(&self->unpacked);
    return self;
}

//  msgpack_unpack (msgpack_unpack_next's parser) into a zone kept, cleared.
int sti_reader_load(sti_reader_t *self, const void *data, size_t size, const sti_limits_t *limits,
                    char *err, size_t errlen)
{
    assert(self);
    sti_limits_t effective = s_limits(limits);
    self->unpacked.data = (msgpack_object){.type = MSGPACK_OBJECT_NIL};
    if (s_check(data, size, &effective, false, err, errlen)) {
        return -1;
    }
    if (size > self->cap) {
        self->data = realloc(self->data, size);
        self->cap = size;
    }
    self->unpacked.zone =
        self->unpacked.zone ? self->unpacked.zone : msgpack_zone_new(MSGPACK_ZONE_CHUNK_SIZE);
    if (!self->data || !self->unpacked.zone) {
        abort();
    }
    msgpack_zone_clear(self->unpacked.zone);
    memcpy(self->data, data, size);
    self->size = size;
    size_t offset = 0;
    msgpack_object root;
    msgpack_unpack_return rc =
        msgpack_unpack(self->data, size, &offset, self->unpacked.zone, &root);
    if (rc != MSGPACK_UNPACK_SUCCESS || offset != size) {
        s_set_err(err, errlen, "malformed message (unpack returned %d)", (int)rc);
        return -1;
    }
    self->unpacked.data = root;
    return 0;
}

int sti_codec_check(const void *data, size_t size, const sti_limits_t *limits, char *err,
                    size_t errlen)
{
    sti_limits_t effective = s_limits(limits);
    return s_check(data, size, &effective, true, err, errlen);
}

void sti_reader_destroy(sti_reader_t **self_p)
{
    assert(self_p);
    if (*self_p) {
        sti_reader_t *self = *self_p;
        msgpack_unpacked_destroy(&self->unpacked);
        free(self->data);
        free(self);
        *self_p = NULL;
    }
}

sti_node_t sti_reader_root(sti_reader_t *self)
{
    assert(self);
    return (sti_node_t){&self->unpacked.data};
}

//  --- nodes ---

static const msgpack_object *s_obj(sti_node_t node)
{
    return (const msgpack_object *)node.object;
}

static const sti_node_t s_missing = {NULL};

//  msgpack-c's object types (0x00..0x0a) as ours; positive integers above
//  INT64_MAX are told apart in sti_node_type.
static const sti_type_t s_types[] = {
    [MSGPACK_OBJECT_NIL] = STI_TYPE_NIL,
    [MSGPACK_OBJECT_BOOLEAN] = STI_TYPE_BOOL,
    [MSGPACK_OBJECT_POSITIVE_INTEGER] = STI_TYPE_INT,
    [MSGPACK_OBJECT_NEGATIVE_INTEGER] = STI_TYPE_INT,
    [MSGPACK_OBJECT_FLOAT64] = STI_TYPE_FLOAT,
    [MSGPACK_OBJECT_STR] = STI_TYPE_STR,
    [MSGPACK_OBJECT_ARRAY] = STI_TYPE_ARRAY,
    [MSGPACK_OBJECT_MAP] = STI_TYPE_MAP,
    [MSGPACK_OBJECT_BIN] = STI_TYPE_BIN,
    [MSGPACK_OBJECT_EXT] = STI_TYPE_EXT,
    [MSGPACK_OBJECT_FLOAT32] = STI_TYPE_FLOAT,
};

sti_type_t sti_node_type(sti_node_t node)
{
    const msgpack_object *o = s_obj(node);
    if (!o) {
        return STI_TYPE_MISSING;
    }
    assert((size_t)o->type < sizeof s_types / sizeof s_types[0]);
    if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER && o->via.u64 > (uint64_t)INT64_MAX) {
        return STI_TYPE_UINT;
    }
    return s_types[o->type];
}

const char *sti_type_name(sti_type_t type)
{
    static const char *names[] = {"nil",    "boolean", "integer", "integer",   "float",  "string",
                                  "binary", "array",   "map",     "extension", "missing"};
    return (size_t)type < sizeof names / sizeof names[0] ? names[type] : "unknown";
}

bool sti_node_is_missing(sti_node_t node)
{
    return node.object == NULL;
}

size_t sti_node_size(sti_node_t node)
{
    const msgpack_object *o = s_obj(node);
    if (o && o->type == MSGPACK_OBJECT_ARRAY) {
        return o->via.array.size;
    }
    if (o && o->type == MSGPACK_OBJECT_MAP) {
        return o->via.map.size;
    }
    return 0;
}

sti_node_t sti_node_at(sti_node_t array, size_t index)
{
    const msgpack_object *o = s_obj(array);
    if (o && o->type == MSGPACK_OBJECT_ARRAY && index < o->via.array.size) {
        return (sti_node_t){&o->via.array.ptr[index]};
    }
    return s_missing;
}

sti_node_t sti_node_key_at(sti_node_t map, size_t index)
{
    const msgpack_object *o = s_obj(map);
    if (o && o->type == MSGPACK_OBJECT_MAP && index < o->via.map.size) {
        return (sti_node_t){&o->via.map.ptr[index].key};
    }
    return s_missing;
}

sti_node_t sti_node_value_at(sti_node_t map, size_t index)
{
    const msgpack_object *o = s_obj(map);
    if (o && o->type == MSGPACK_OBJECT_MAP && index < o->via.map.size) {
        return (sti_node_t){&o->via.map.ptr[index].val};
    }
    return s_missing;
}

//  True when object o is the string key.
static bool s_key_is(const msgpack_object *o, const char *key, size_t key_len)
{
    //  an empty string's ptr may be NULL, which memcmp must not see
    return o->type == MSGPACK_OBJECT_STR && o->via.str.size == key_len &&
           (key_len == 0 || memcmp(o->via.str.ptr, key, key_len) == 0);
}

sti_node_t sti_node_get(sti_node_t map, const char *key)
{
    const msgpack_object *o = s_obj(map);
    if (!o || o->type != MSGPACK_OBJECT_MAP || !key) {
        return s_missing;
    }
    size_t key_len = strlen(key);
    for (uint32_t i = 0; i < o->via.map.size; i++) {
        if (s_key_is(&o->via.map.ptr[i].key, key, key_len)) {
            return (sti_node_t){&o->via.map.ptr[i].val};
        }
    }
    return s_missing;
}

//  --- scalar reads ---

bool sti_utf8_valid(const void *data, size_t len)
{
    const uint8_t *s = data;
    size_t i = 0;
    while (i < len) {
        uint8_t c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t n;
        uint32_t cp, min;
        if (c >= 0xc2 && c <= 0xdf) {
            n = 1, cp = c & 0x1f, min = 0x80;
        } else if (c >= 0xe0 && c <= 0xef) {
            n = 2, cp = c & 0x0f, min = 0x800;
        } else if (c >= 0xf0 && c <= 0xf4) {
            n = 3, cp = c & 0x07, min = 0x10000;
        } else {
            return false; // continuation byte, 0xc0/0xc1 or 0xf5..0xff
        }
        if (len - i - 1 < n) {
            return false;
        }
        for (size_t k = 1; k <= n; k++) {
            if ((s[i + k] & 0xc0) != 0x80) {
                return false;
            }
            cp = (cp << 6) | (s[i + k] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
            return false;
        }
        i += n + 1;
    }
    return true;
}

//  The common "wrong type" and "missing" reasons.
static int s_type_fail(sti_node_t node, const char *wanted, sti_field_error_t *err)
{
    sti_type_t type = sti_node_type(node);
    if (type == STI_TYPE_MISSING) {
        return s_fail(err, "missing");
    }
    return s_fail(err, "must be %s, got %s", wanted, sti_type_name(type));
}

int sti_node_str(sti_node_t node, size_t max_len, const char **out, size_t *len,
                 sti_field_error_t *err)
{
    assert(out && len);
    const msgpack_object *o = s_obj(node);
    if (!o || o->type != MSGPACK_OBJECT_STR) {
        return s_type_fail(node, "a string", err);
    }
    if (o->via.str.size > max_len) {
        return s_fail(err, "longer than %zu bytes", max_len);
    }
    if (!sti_utf8_valid(o->via.str.ptr, o->via.str.size)) {
        return s_fail(err, "not valid UTF-8");
    }
    //  msgpack-c may leave ptr NULL for an empty string; callers get ""
    *out = o->via.str.size > 0 ? o->via.str.ptr : "";
    *len = o->via.str.size;
    return 0;
}

int sti_node_str_copy(sti_node_t node, char *buf, size_t cap, sti_field_error_t *err)
{
    assert(buf && cap > 0);
    const char *text = NULL;
    size_t len = 0;
    if (sti_node_str(node, cap - 1, &text, &len, err)) {
        return -1;
    }
    if (memchr(text, 0, len)) {
        return s_fail(err, "contains a NUL byte");
    }
    memcpy(buf, text, len);
    buf[len] = 0;
    return 0;
}

int sti_node_int(sti_node_t node, int64_t *out, sti_field_error_t *err)
{
    assert(out);
    sti_type_t type = sti_node_type(node);
    if (type == STI_TYPE_UINT) {
        return s_fail(err, "out of range for a 64-bit integer");
    }
    if (type != STI_TYPE_INT) {
        return s_type_fail(node, "an integer", err);
    }
    *out = s_obj(node)->via.i64;
    return 0;
}

int sti_node_double(sti_node_t node, double *out, sti_field_error_t *err)
{
    assert(out);
    const msgpack_object *o = s_obj(node);
    sti_type_t type = sti_node_type(node);
    if (type == STI_TYPE_INT) {
        *out = (double)o->via.i64;
        return 0;
    }
    if (type == STI_TYPE_UINT) {
        *out = (double)o->via.u64;
        return 0;
    }
    if (type != STI_TYPE_FLOAT) {
        return s_type_fail(node, "a number", err);
    }
    if (!isfinite(o->via.f64)) {
        return s_fail(err, "not a finite number");
    }
    *out = o->via.f64;
    return 0;
}

int sti_node_bool(sti_node_t node, bool *out, sti_field_error_t *err)
{
    assert(out);
    const msgpack_object *o = s_obj(node);
    if (!o || o->type != MSGPACK_OBJECT_BOOLEAN) {
        return s_type_fail(node, "a boolean", err);
    }
    *out = o->via.boolean;
    return 0;
}

int sti_node_bin(sti_node_t node, const void **out, size_t *len, sti_field_error_t *err)
{
    assert(out && len);
    const msgpack_object *o = s_obj(node);
    if (!o || o->type != MSGPACK_OBJECT_BIN) {
        return s_type_fail(node, "binary", err);
    }
    *out = o->via.bin.size > 0 ? o->via.bin.ptr : "";
    *len = o->via.bin.size;
    return 0;
}

int sti_node_bytes(sti_node_t node, const void **out, size_t *len, sti_field_error_t *err)
{
    assert(out && len);
    const msgpack_object *o = s_obj(node);
    if (o && o->type == MSGPACK_OBJECT_STR) {
        *out = o->via.str.size > 0 ? o->via.str.ptr : "";
        *len = o->via.str.size;
        return 0;
    }
    if (o && o->type == MSGPACK_OBJECT_BIN) {
        return sti_node_bin(node, out, len, err);
    }
    return s_type_fail(node, "a string or binary", err);
}

//  --- map field reads ---

int sti_map_str(sti_node_t map, const char *key, size_t max_len, const char **out, size_t *len,
                sti_field_error_t *err)
{
    s_set_field(err, key);
    return sti_node_str(sti_node_get(map, key), max_len, out, len, err);
}

int sti_map_str_copy(sti_node_t map, const char *key, char *buf, size_t cap, sti_field_error_t *err)
{
    s_set_field(err, key);
    return sti_node_str_copy(sti_node_get(map, key), buf, cap, err);
}

int sti_map_int(sti_node_t map, const char *key, int64_t *out, sti_field_error_t *err)
{
    s_set_field(err, key);
    return sti_node_int(sti_node_get(map, key), out, err);
}

int sti_map_double(sti_node_t map, const char *key, double *out, sti_field_error_t *err)
{
    s_set_field(err, key);
    return sti_node_double(sti_node_get(map, key), out, err);
}

int sti_map_bool(sti_node_t map, const char *key, bool *out, sti_field_error_t *err)
{
    s_set_field(err, key);
    return sti_node_bool(sti_node_get(map, key), out, err);
}

//  Copies a string key into err->field for a message, printable bytes only.
static void s_set_field_bytes(sti_field_error_t *err, const char *key, size_t len)
{
    if (!err) {
        return;
    }
    size_t n = 0;
    for (size_t i = 0; i < len && n + 1 < sizeof err->field; i++) {
        unsigned char c = (unsigned char)key[i];
        err->field[n++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
    }
    err->field[n] = 0;
}

int sti_map_fields(sti_node_t map, const char *const *keys, sti_node_t *values,
                   sti_field_error_t *err)
{
    assert(keys);
    const msgpack_object *o = s_obj(map);
    for (size_t k = 0; values && keys[k]; k++) {
        values[k] = s_missing;
    }
    if (!o || o->type != MSGPACK_OBJECT_MAP) {
        return s_type_fail(map, "a map", err);
    }
    for (uint32_t i = 0; i < o->via.map.size; i++) {
        const msgpack_object *key = &o->via.map.ptr[i].key;
        if (key->type != MSGPACK_OBJECT_STR) {
            s_set_field(err, "");
            return s_fail(err, "key must be a string, got %s",
                          sti_type_name(sti_node_type((sti_node_t){key})));
        }
        size_t k = 0;
        while (keys[k] && !s_key_is(key, keys[k], strlen(keys[k]))) {
            k++;
        }
        //  a repeated key could be read one way here and another way elsewhere
        for (uint32_t j = 0; j < i && keys[k]; j++) {
            if (s_key_is(&o->via.map.ptr[j].key, key->via.str.ptr, key->via.str.size)) {
                s_set_field_bytes(err, key->via.str.ptr, key->via.str.size);
                return s_fail(err, "duplicate key");
            }
        }
        if (!keys[k]) {
            s_set_field_bytes(err, key->via.str.ptr, key->via.str.size);
            return s_fail(err, "unknown key");
        }
        if (values) {
            values[k] = (sti_node_t){&o->via.map.ptr[i].val};
        }
    }
    return 0;
}

void *sti_node_encode(sti_node_t node, size_t *size)
{
    assert(size);
    const msgpack_object *o = s_obj(node);
    *size = 0;
    if (!o) {
        return NULL;
    }
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init(&buffer);
    msgpack_packer packer;
    msgpack_packer_init(&packer, &buffer, msgpack_sbuffer_write);
    if (msgpack_pack_object(&packer, *o) != 0) {
        abort();
    }
    *size = buffer.size;
    return msgpack_sbuffer_release(&buffer);
}
