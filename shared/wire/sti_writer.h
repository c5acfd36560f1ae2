/*  sti_writer: MessagePack writing, the other half of sti_codec.

    Wraps a growing buffer and msgpack-c's packer. A writer never fails except
    on out-of-memory, which aborts (as CZMQ does), so no function here
    returns an error.
*/
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct _sti_writer_t sti_writer_t;

sti_writer_t *sti_writer_new(void);
void sti_writer_destroy(sti_writer_t **self_p);
//  Forgets what was written, keeps the buffer for reuse.
void sti_writer_reset(sti_writer_t *self);
void sti_writer_map(sti_writer_t *self, size_t pairs);
void sti_writer_array(sti_writer_t *self, size_t items);
void sti_writer_nil(sti_writer_t *self);
void sti_writer_bool(sti_writer_t *self, bool value);
void sti_writer_int(sti_writer_t *self, int64_t value);
void sti_writer_uint(sti_writer_t *self, uint64_t value);
void sti_writer_double(sti_writer_t *self, double value);
//  A NUL-terminated string; NULL writes nil.
void sti_writer_str(sti_writer_t *self, const char *value);
void sti_writer_strn(sti_writer_t *self, const char *value, size_t len);
void sti_writer_bin(sti_writer_t *self, const void *data, size_t len);
//  Appends bytes that are already one encoded MessagePack value.
void sti_writer_raw(sti_writer_t *self, const void *data, size_t len);
//  Shorthands for a map entry: key then value.
void sti_writer_kv_str(sti_writer_t *self, const char *key, const char *value);
void sti_writer_kv_int(sti_writer_t *self, const char *key, int64_t value);
void sti_writer_kv_double(sti_writer_t *self, const char *key, double value);
void sti_writer_kv_bool(sti_writer_t *self, const char *key, bool value);
//  The bytes written so far (borrowed; valid until the next write or reset).
const void *sti_writer_data(sti_writer_t *self, size_t *size);
