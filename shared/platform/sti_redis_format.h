/*  sti_redis_format: a command's arguments written as one RESP command
    (the protocol's array of bulk strings, byte for byte what hiredis's
    redisFormatCommandArgv writes) into a buffer kept between commands, and
    appended to a connection's output.

    hiredis formats an argument vector into a fresh string grown argument
    by argument (an sdscatfmt each); sti-ingest's submit step and
    plausibility reads send 2,000 arguments a request, and that was a
    tenth of its time accepting rows. sti_redis uses this for every
    argument vector it sends.
*/
#pragma once
#include <hiredis/hiredis.h>
#include <stddef.h>

#define STI_REDIS_FORMAT_KEPT (1024 * 1024) // bytes of buffer kept after a command

//  The buffer (zero it to start).
typedef struct {
    char *data; // the last command formatted
    size_t cap; // bytes allocated
} sti_redis_format_t;

//  Writes argc strings (their lengths in lens, or NULL: C strings) as one
//  command into format's buffer, grown as needed. Returns its length.
size_t sti_redis_format_argv(sti_redis_format_t *format, int argc, const char **argv,
                             const size_t *lens);
//  Formats the command and appends it to ctx's output (hiredis copies it),
//  then lets go of a buffer grown beyond STI_REDIS_FORMAT_KEPT. Returns
//  REDIS_OK, or REDIS_ERR as redisAppendFormattedCommand does.
int sti_redis_format_append(sti_redis_format_t *format, redisContext *ctx, int argc,
                            const char **argv, const size_t *lens);
//  Frees the buffer.
void sti_redis_format_free(sti_redis_format_t *format);
