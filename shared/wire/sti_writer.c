/*  sti_writer: see sti_writer.h.

    Wraps msgpack_sbuffer and msgpack_packer. A packer call can only fail
    when the buffer cannot grow, and then aborts, as CZMQ does on
    out-of-memory; so no writer function returns an error.
*/
#include "sti_writer.h"

#include <assert.h>
#include <msgpack.h>
#include <stdlib.h>
#include <string.h>

struct _sti_writer_t {
    msgpack_sbuffer buffer; // the bytes written so far
    msgpack_packer packer;  // writes into buffer
};

//  A packer call fails only when the buffer cannot grow.
static void s_check(int rc)
{
    if (rc != 0) {
        abort();
    }
}

sti_writer_t *sti_writer_new(void)
{
    sti_writer_t *self = calloc(1, sizeof *self);
    if (!self) {
        abort();
    }
    msgpack_sbuffer_init(&self->buffer);
    msgpack_packer_init(&self->packer, &self->buffer, msgpack_sbuffer_write);
    return self;
}

void sti_writer_destroy(sti_writer_t **self_p)
{
    assert(self_p);
    if (*self_p) {
        msgpack_sbuffer_destroy(&(*self_p)->buffer);
        free(*self_p);
        *self_p = NULL;
    }
}

void sti_writer_reset(sti_writer_t *self)
{
    assert(self);
    msgpack_sbuffer_clear(&self->buffer);
}

void sti_writer_map(sti_writer_t *self, size_t pairs)
{
    assert(self && pairs <= UINT32_MAX);
    s_check(msgpack_pack_map(&self->packer, pairs));
}

void sti_writer_array(sti_writer_t *self, size_t items)
{
    assert(self && items <= UINT32_MAX);
    s_check(msgpack_pack_array(&self->packer, items));
}

void sti_writer_nil(sti_writer_t *self)
{
    assert(self);
    s_check(msgpack_pack_nil(&self->packer));
}

void sti_writer_bool(sti_writer_t *self, bool value)
{
    assert(self);
    s_check(value ? msgpack_pack_true(&self->packer) : msgpack_pack_false(&self->packer));
}

void sti_writer_int(sti_writer_t *self, int64_t value)
{
    assert(self);
    s_check(msgpack_pack_int64(&self->packer, value));
}

void sti_writer_uint(sti_writer_t *self, uint64_t value)
{
    assert(self);
    s_check(msgpack_pack_uint64(&self->packer, value));
}

void sti_writer_double(sti_writer_t *self, double value)
{
    assert(self);
    s_check(msgpack_pack_double(&self->packer, value));
}

void sti_writer_str(sti_writer_t *self, const char *value)
{
    sti_writer_strn(self, value, value ? strlen(value) : 0);
}

void sti_writer_strn(sti_writer_t *self, const char *value, size_t len)
{
    assert(self && len <= UINT32_MAX);
    if (!value) {
        sti_writer_nil(self);
        return;
    }
    s_check(msgpack_pack_str(&self->packer, len));
    s_check(msgpack_pack_str_body(&self->packer, value, len));
}

void sti_writer_bin(sti_writer_t *self, const void *data, size_t len)
{
    assert(self && (data || len == 0) && len <= UINT32_MAX);
    s_check(msgpack_pack_bin(&self->packer, len));
    s_check(msgpack_pack_bin_body(&self->packer, data, len));
}

void sti_writer_raw(sti_writer_t *self, const void *data, size_t len)
{
    assert(self && (data || len == 0));
    if (len > 0) {
        s_check(msgpack_sbuffer_write(&self->buffer, data, len));
    }
}

void sti_writer_kv_str(sti_writer_t *self, const char *key, const char *value)
{
    sti_writer_str(self, key);
    sti_writer_str(self, value);
}

void sti_writer_kv_int(sti_writer_t *self, const char *key, int64_t value)
{
    sti_writer_str(self, key);
    sti_writer_int(self, value);
}

void sti_writer_kv_double(sti_writer_t *self, const char *key, double value)
{
    sti_writer_str(self, key);
    sti_writer_double(self, value);
}

void sti_writer_kv_bool(sti_writer_t *self, const char *key, bool value)
{
    sti_writer_str(self, key);
    sti_writer_bool(self, value);
}

const void *sti_writer_data(sti_writer_t *self, size_t *size)
{
    assert(self && size);
    *size = self->buffer.size;
    return self->buffer.data;
}
