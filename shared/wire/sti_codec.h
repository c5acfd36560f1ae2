/*  sti_codec: MessagePack reading and writing, the only place that touches
    msgpack-c.

    Reading treats every input as hostile. sti_reader_new() first walks the raw
    bytes itself, checking the message size, every string and binary length,
    every array and map count (against the configured limit and against the
    bytes that remain, so a header that declares 2^32-1 elements in five bytes
    costs nothing), and the nesting depth; only a message that passes is handed
    to msgpack-c. Values are then read through typed getters that fail with a
    reason ("missing", "must be a string", "longer than 64 bytes") the caller
    can send back as is. Services never see a msgpack_object.

    Writing is sti_writer.h, which this header includes.
*/
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sti_writer.h"

//  Limits applied by a reader. Zero fields take the defaults below.
typedef struct {
    size_t max_size;   // whole message, bytes (default 16 MiB)
    size_t max_string; // one string or binary, bytes (default 1 MiB)
    size_t max_items;  // elements of one array or pairs of one map (default 100000)
    size_t max_depth;  // nesting of arrays and maps (default 16)
} sti_limits_t;

#define STI_CODEC_MAX_SIZE (16u * 1024 * 1024)
#define STI_CODEC_MAX_STRING (1024u * 1024)
#define STI_CODEC_MAX_ITEMS 100000u
#define STI_CODEC_MAX_DEPTH 16u

typedef enum {
    STI_TYPE_NIL = 0,
    STI_TYPE_BOOL,
    STI_TYPE_INT,  // a positive or negative integer that fits int64
    STI_TYPE_UINT, // a positive integer above INT64_MAX
    STI_TYPE_FLOAT,
    STI_TYPE_STR,
    STI_TYPE_BIN,
    STI_TYPE_ARRAY,
    STI_TYPE_MAP,
    STI_TYPE_EXT,
    STI_TYPE_MISSING, // the node of a key that is not in the map
} sti_type_t;

//  A borrowed view of one value inside a reader; valid while the reader lives.
typedef struct {
    const void *object; // msgpack_object *, opaque outside sti_codec.c
} sti_node_t;

typedef struct _sti_reader_t sti_reader_t;

//  Reason a getter failed, ready to send back as {field, reason}.
typedef struct {
    char field[64];   // the key that was asked for ("" for the root)
    char reason[160]; // what was wrong with it
} sti_field_error_t;

//  --- reading ---

//  Checks one complete message as sti_reader_new does (limits, formats,
//  UTF-8 of strings, no trailing bytes) without unpacking it: no memory
//  is taken. Returns 0, or -1 with a reason in err.
int sti_codec_check(const void *data, size_t size, const sti_limits_t *limits, char *err,
                    size_t errlen);
//  Checks and unpacks one complete message (trailing bytes are an error).
//  Returns a new reader the caller destroys, or NULL with a reason in err.
sti_reader_t *sti_reader_new(const void *data, size_t size, const sti_limits_t *limits, char *err,
                             size_t errlen);
//  A reader of many messages read one after another (a loop over stored
//  records): it keeps its copy and msgpack-c's zone from one message to
//  the next, so it takes no memory per message once grown to the largest.
//  Its root is nil until a message is loaded. Never NULL.
sti_reader_t *sti_reader_new_reusable(void);
//  Checks and unpacks one complete message into self exactly as
//  sti_reader_new does, in place of the message it held (whose nodes are
//  then invalid). Returns 0, or -1 with a reason in err (the root is nil).
int sti_reader_load(sti_reader_t *self, const void *data, size_t size, const sti_limits_t *limits,
                    char *err, size_t errlen);
void sti_reader_destroy(sti_reader_t **self_p);
sti_node_t sti_reader_root(sti_reader_t *self);

sti_type_t sti_node_type(sti_node_t node);
const char *sti_type_name(sti_type_t type);
bool sti_node_is_missing(sti_node_t node);
//  Number of elements of an array or pairs of a map; 0 for anything else.
size_t sti_node_size(sti_node_t node);
//  Element i of an array (MISSING when out of range or not an array).
sti_node_t sti_node_at(sti_node_t array, size_t index);
//  Map pair i: key and value (MISSING when out of range or not a map).
sti_node_t sti_node_key_at(sti_node_t map, size_t index);
sti_node_t sti_node_value_at(sti_node_t map, size_t index);
//  The value of a string key in a map, or a MISSING node.
sti_node_t sti_node_get(sti_node_t map, const char *key);

//  Scalar reads of a node. Each returns 0, or -1 with err->reason set
//  (err->field is left as the caller set it; may be NULL).
//  Strings are borrowed, not NUL-terminated: use the length.
int sti_node_str(sti_node_t node, size_t max_len, const char **out, size_t *len,
                 sti_field_error_t *err);
//  Copies a string into a NUL-terminated buffer of size cap; too long is an error.
//  Embedded NUL bytes and invalid UTF-8 are errors too.
int sti_node_str_copy(sti_node_t node, char *buf, size_t cap, sti_field_error_t *err);
int sti_node_int(sti_node_t node, int64_t *out, sti_field_error_t *err);
//  Integers are accepted and converted; NaN and infinities are refused.
int sti_node_double(sti_node_t node, double *out, sti_field_error_t *err);
int sti_node_bool(sti_node_t node, bool *out, sti_field_error_t *err);
int sti_node_bin(sti_node_t node, const void **out, size_t *len, sti_field_error_t *err);
//  The bytes of a string or a binary, unchecked (no UTF-8 or NUL check: for
//  bytes that are themselves MessagePack, or checked by the caller).
int sti_node_bytes(sti_node_t node, const void **out, size_t *len, sti_field_error_t *err);

//  Map field reads: the key's node read as above. A missing key is an error
//  ("missing") unless the caller checks sti_node_is_missing first; err->field
//  is set to key.
int sti_map_str(sti_node_t map, const char *key, size_t max_len, const char **out, size_t *len,
                sti_field_error_t *err);
int sti_map_str_copy(sti_node_t map, const char *key, char *buf, size_t cap,
                     sti_field_error_t *err);
int sti_map_int(sti_node_t map, const char *key, int64_t *out, sti_field_error_t *err);
int sti_map_double(sti_node_t map, const char *key, double *out, sti_field_error_t *err);
int sti_map_bool(sti_node_t map, const char *key, bool *out, sti_field_error_t *err);
//  Checks every key of map is one of the NULL-terminated list keys, none
//  twice; else -1 naming the first that is not (err->field the key). With
//  values, also sets values[k] to the value of keys[k] (missing when the map
//  lacks it): one pass over the map instead of a sti_node_get per key. On
//  -1, values holds only the keys before the one refused.
int sti_map_fields(sti_node_t map, const char *const *keys, sti_node_t *values,
                   sti_field_error_t *err);
static inline int sti_map_only(sti_node_t map, const char *const *keys, sti_field_error_t *err)
{
    return sti_map_fields(map, keys, NULL, err);
}

//  The encoded bytes of a node (to forward a sub-value unchanged). Caller frees.
void *sti_node_encode(sti_node_t node, size_t *size);

//  True when data is strict UTF-8 (no overlong forms, no surrogates, nothing
//  above U+10FFFF). Every string getter checks this.
bool sti_utf8_valid(const void *data, size_t len);
