/*  sti_redis_format: argument vectors as RESP commands. See the header. */
#include "sti_redis_format.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

//  Writes n in decimal at out. Returns the digits written.
static size_t s_decimal(char *out, size_t n)
{
    char digits[24];
    size_t count = 0;
    do {
        digits[count++] = (char)('0' + n % 10);
        n /= 10;
    } while (n);
    for (size_t i = 0; i < count; i++) {
        out[i] = digits[count - 1 - i];
    }
    return count;
}

//  Digits of n in decimal.
static size_t s_digits(size_t n)
{
    size_t count = 1;
    while (n >= 10) {
        n /= 10;
        count++;
    }
    return count;
}

//  Writes a header: the marker, n, CRLF. Returns the bytes written.
static size_t s_header(char *out, char marker, size_t n)
{
    out[0] = marker;
    size_t at = 1 + s_decimal(out + 1, n);
    out[at++] = '\r';
    out[at++] = '\n';
    return at;
}

size_t sti_redis_format_argv(sti_redis_format_t *format, int argc, const char **argv,
                             const size_t *lens)
{
    assert(format && argc > 0 && argv);
    size_t total = 3 + s_digits((size_t)argc);
    for (int i = 0; i < argc; i++) {
        size_t len = lens ? lens[i] : strlen(argv[i]);
        total += 5 + s_digits(len) + len;
    }
    if (total > format->cap) {
        free(format->data);
        format->cap = total;
        format->data = (char *)malloc(total);
        if (!format->data) {
            abort();
        }
    }
    char *out = format->data;
    size_t at = s_header(out, '*', (size_t)argc);
    for (int i = 0; i < argc; i++) {
        size_t len = lens ? lens[i] : strlen(argv[i]);
        at += s_header(out + at, '$', len);
        if (len) {
            memcpy(out + at, argv[i], len);
        }
        at += len;
        out[at++] = '\r';
        out[at++] = '\n';
    }
    assert(at == total);
    return total;
}

int sti_redis_format_append(sti_redis_format_t *format, redisContext *ctx, int argc,
                            const char **argv, const size_t *lens)
{
    assert(format && ctx);
    size_t len = sti_redis_format_argv(format, argc, argv, lens);
    int rc = redisAppendFormattedCommand(ctx, format->data, len);
    if (format->cap > STI_REDIS_FORMAT_KEPT) {
        sti_redis_format_free(format);
    }
    return rc;
}

void sti_redis_format_free(sti_redis_format_t *format)
{
    assert(format);
    free(format->data);
    format->data = NULL;
    format->cap = 0;
}
