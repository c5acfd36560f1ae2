/*  indicators_store_args: a vector of byte strings (the arguments of a Redis
    command or script), built by appending and reused from call to call so
    that a batch's arguments cost no allocation once the vector has grown.
    Only the store modules use it (indicators_store.c).
*/
#pragma once
#include <stddef.h>
#include <stdint.h>

typedef struct {
    char *bytes;       // every string, one after another (each followed by a 0)
    size_t len;        // bytes in use
    size_t cap;        // bytes allocated
    size_t *offs;      // where each string starts
    size_t *lens;      // its length
    const char **argv; // pointers, made by indicators_store_args_finish
    size_t count;      // strings in use
    size_t slots;      // strings allocated
} indicators_store_args_t;

//  Forgets the strings, keeping the memory.
void indicators_store_args_reset(indicators_store_args_t *self);
//  Appends len bytes of data (data may be NULL when len is 0).
void indicators_store_args_push(indicators_store_args_t *self, const void *data, size_t len);
void indicators_store_args_str(indicators_store_args_t *self, const char *text);
//  Appends the decimal text of value.
void indicators_store_args_int(indicators_store_args_t *self, int64_t value);
//  Sets argv from the strings: call after the last append, before using
//  argv and lens (valid until the next append or reset).
void indicators_store_args_finish(indicators_store_args_t *self);
//  Frees the memory (the struct itself is the caller's).
void indicators_store_args_free(indicators_store_args_t *self);
