/*  notify_duration: the duration parser. See notify_duration.h.

    strtoll with errno checked (an overflow is refused, never clamped), then
    the unit; the range check divides rather than multiplies, so it cannot
    overflow either.
*/
#include "notify_duration.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int notify_duration_parse(const char *text, int64_t *ms)
{
    char *end = NULL;
    errno = 0;
    long long value = strtoll(text, &end, 10);
    if (end == text || errno || value < 0) {
        return -1;
    }
    long long scale = strcmp(end, "ms") == 0                               ? 1
                      : strcmp(end, "s") == 0 || (*end == 0 && value == 0) ? 1000
                      : strcmp(end, "m") == 0                              ? 60000
                      : strcmp(end, "h") == 0                              ? 3600000
                      : strcmp(end, "d") == 0                              ? 86400000
                                                                           : 0;
    if (scale == 0 || value > NOTIFY_DURATION_MAX_MS / scale) {
        return -1;
    }
    *ms = value * scale;
    return 0;
}
