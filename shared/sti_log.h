/*  sti_log: JSON-lines logging on stderr.

    Each line is one JSON object: {"ts":"2026-11-25T18:40:01.123Z","level":"info",
    "service":"sti-broker","msg":"..."}. The message is escaped, so any text is
    safe to log. Not for the hot path at debug level: a line below the configured
    level costs one comparison.
*/
#pragma once
#include <stdarg.h>

typedef enum {
    STI_LOG_DEBUG = 0,
    STI_LOG_INFO,
    STI_LOG_WARN,
    STI_LOG_ERROR,
} sti_log_level_t;

//  Sets the service name and the lowest level written. Call once at start.
void sti_log_init(const char *service, sti_log_level_t level);

//  Parses "debug", "info", "warn" or "error". Returns 0, or -1 if unknown.
int sti_log_level_parse(const char *text, sti_log_level_t *level);

//  Writes one line at the given level, printf-style.
void sti_log(sti_log_level_t level, const char *format, ...)
    __attribute__((format(printf, 2, 3)));
void sti_vlog(sti_log_level_t level, const char *format, va_list args);

#define sti_debug(...) sti_log(STI_LOG_DEBUG, __VA_ARGS__)
#define sti_info(...) sti_log(STI_LOG_INFO, __VA_ARGS__)
#define sti_warn(...) sti_log(STI_LOG_WARN, __VA_ARGS__)
#define sti_error(...) sti_log(STI_LOG_ERROR, __VA_ARGS__)
