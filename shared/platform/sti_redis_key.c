/*  sti_redis_key: the keys of a connection's namespace. See sti_redis.h.
 */
#include "sti_redis.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>

char *sti_redis_key(sti_redis_t *self, char *buf, size_t cap, ...)
{
    assert(self && buf);
    int n = snprintf(buf, cap, "%s", sti_redis_namespace(self));
    if (n < 0 || (size_t)n >= cap) {
        return NULL;
    }
    size_t used = (size_t)n;
    va_list args;
    va_start(args, cap);
    const char *part;
    while ((part = va_arg(args, const char *)) != NULL) {
        n = snprintf(buf + used, cap - used, ":%s", part);
        if (n < 0 || (size_t)n >= cap - used) {
            va_end(args);
            return NULL;
        }
        used += (size_t)n;
    }
    va_end(args);
    return buf;
}
