/*  sti_redis_key: the keys of a connection's namespace. See sti_redis.h.

    Keys are joined with memcpy, not snprintf: the applier builds several
    for every value it writes.
 */
#include "sti_redis.h"

#include <assert.h>
#include <stdarg.h>
#include <string.h>

//  Appends sep (0: none) and text at buf + *used. Returns 0, or -1 when
//  they and the NUL do not fit in cap.
static int s_append(char *buf, size_t cap, size_t *used, char sep, const char *text)
{
    size_t len = strlen(text), need = len + (sep ? 1 : 0);
    if (need >= cap - *used) {
        return -1;
    }
    if (sep) {
        buf[(*used)++] = sep;
    }
    memcpy(buf + *used, text, len + 1);
    *used += len;
    return 0;
}

char *sti_redis_key(sti_redis_t *self, char *buf, size_t cap, ...)
{
    assert(self && buf);
    size_t used = 0;
    if (cap == 0 || s_append(buf, cap, &used, 0, sti_redis_namespace(self))) {
        return NULL;
    }
    va_list args;
    va_start(args, cap);
    const char *part;
    while ((part = va_arg(args, const char *)) != NULL) {
        if (s_append(buf, cap, &used, ':', part)) {
            va_end(args);
            return NULL;
        }
    }
    va_end(args);
    return buf;
}
