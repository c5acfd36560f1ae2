/*  sti_log: JSON-lines logging on stderr. See sti_log.h.

    One fprintf per line, so lines from several threads do not interleave
    (stdio locks the stream for each call).
*/
#include "sti_log.h"

#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

static const char *s_service = "sti";
static sti_log_level_t s_level = STI_LOG_INFO;
static const char *s_level_names[] = {"debug", "info", "warn", "error"};

void sti_log_init(const char *service, sti_log_level_t level)
{
    s_service = service;
    s_level = level;
}

int sti_log_level_parse(const char *text, sti_log_level_t *level)
{
    for (int i = 0; i <= STI_LOG_ERROR; i++) {
        if (text && strcmp(text, s_level_names[i]) == 0) {
            *level = (sti_log_level_t)i;
            return 0;
        }
    }
    return -1;
}

//  Escapes text as the inside of a JSON string into out (cap > 0).
static void s_escape(const char *text, char *out, size_t cap)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)text; *p && n + 7 < cap; p++) {
        if (*p == '"' || *p == '\\') {
            out[n++] = '\\';
            out[n++] = (char)*p;
        } else if (*p < 0x20) {
            n += (size_t)snprintf(out + n, cap - n, "\\u%04x", *p);
        } else {
            out[n++] = (char)*p;
        }
    }
    out[n] = 0;
}

void sti_vlog(sti_log_level_t level, const char *format, va_list args)
{
    if (level < s_level) {
        return;
    }
    char message[2048];
    vsnprintf(message, sizeof message, format, args);
    char escaped[4096];
    s_escape(message, escaped, sizeof escaped);

    struct timeval now;
    gettimeofday(&now, NULL);
    struct tm tm;
    gmtime_r(&now.tv_sec, &tm);
    char stamp[32];
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
    fprintf(stderr, "{\"ts\":\"%s.%03dZ\",\"level\":\"%s\",\"service\":\"%s\",\"msg\":\"%s\"}\n",
            stamp, (int)(now.tv_usec / 1000), s_level_names[level], s_service, escaped);
}

void sti_log(sti_log_level_t level, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    sti_vlog(level, format, args);
    va_end(args);
}

bool sti_log_due(sti_log_limit_t *limit, int64_t now, int64_t every_ms, int64_t *suppressed)
{
    if (limit->last_at && now - limit->last_at < every_ms) {
        limit->suppressed++;
        return false;
    }
    *suppressed = limit->suppressed;
    limit->last_at = now;
    limit->suppressed = 0;
    return true;
}

int sti_errf(char *err, size_t errlen, const char *format, ...)
{
    if (err && errlen > 0) {
        va_list args;
        va_start(args, format);
        vsnprintf(err, errlen, format, args);
        va_end(args);
    }
    return -1;
}
