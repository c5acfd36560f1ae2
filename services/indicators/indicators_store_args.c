/*  indicators_store_args: see indicators_store_args.h. */
#include "indicators_store_args.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

void indicators_store_args_reset(indicators_store_args_t *self)
{
    self->len = self->count = 0;
}

void indicators_store_args_push(indicators_store_args_t *self, const void *data, size_t len)
{
    if (self->count == self->slots) {
        self->slots = self->slots ? self->slots * 2 : 1024;
        self->offs = (size_t *)realloc(self->offs, self->slots * sizeof *self->offs);
        self->lens = (size_t *)realloc(self->lens, self->slots * sizeof *self->lens);
        self->argv = (const char **)realloc(self->argv, self->slots * sizeof *self->argv);
        assert(self->offs && self->lens && self->argv);
    }
    if (self->len + len + 1 > self->cap) {
        size_t cap = self->cap ? self->cap : 65536;
        while (cap < self->len + len + 1) {
            cap *= 2;
        }
        self->bytes = (char *)realloc(self->bytes, cap);
        assert(self->bytes);
        self->cap = cap;
    }
    if (len) {
        memcpy(self->bytes + self->len, data, len);
    }
    self->bytes[self->len + len] = 0;
    self->offs[self->count] = self->len;
    self->lens[self->count++] = len;
    self->len += len + 1;
}

void indicators_store_args_str(indicators_store_args_t *self, const char *text)
{
    indicators_store_args_push(self, text, strlen(text));
}

void indicators_store_args_int(indicators_store_args_t *self, int64_t value)
{
    //  Digits by hand, not snprintf: a window's arguments hold a few numbers
    //  for every value and event.
    char text[24];
    size_t at = sizeof text;
    uint64_t magnitude = value < 0 ? 0 - (uint64_t)value : (uint64_t)value;
    do {
        text[--at] = (char)('0' + magnitude % 10);
        magnitude /= 10;
    } while (magnitude > 0);
    if (value < 0) {
        text[--at] = '-';
    }
    indicators_store_args_push(self, text + at, sizeof text - at);
}

void indicators_store_args_finish(indicators_store_args_t *self)
{
    for (size_t i = 0; i < self->count; i++) {
        self->argv[i] = self->bytes + self->offs[i];
    }
}

void indicators_store_args_free(indicators_store_args_t *self)
{
    free(self->bytes);
    free(self->offs);
    free(self->lens);
    free(self->argv);
}
