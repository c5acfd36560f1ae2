/*  sti_log: JSON-lines logging on stderr.

    Each line is one JSON object: {"ts":"2026-11-25T18:40:01.123Z","level":"info",
    "service":"sti-broker","msg":"..."}. The message is escaped, so any text is
    safe to log. Not for the hot path at debug level: a line below the configured
    level costs one comparison.
*/
#pragma once
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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
void sti_log(sti_log_level_t level, const char *format, ...) __attribute__((format(printf, 2, 3)));
void sti_vlog(sti_log_level_t level, const char *format, va_list args);

#define sti_debug(...) sti_log(STI_LOG_DEBUG, __VA_ARGS__)
#define sti_info(...) sti_log(STI_LOG_INFO, __VA_ARGS__)
#define sti_warn(...) sti_log(STI_LOG_WARN, __VA_ARGS__)
#define sti_error(...) sti_log(STI_LOG_ERROR, __VA_ARGS__)

//  A log line that hostile input can repeat (a dropped message, a refused
//  peer): written at most once a period, with how many were left out.
typedef struct {
    int64_t last_at;    // when the last line was written (ms, any monotonic clock)
    int64_t suppressed; // lines not written since
} sti_log_limit_t;

//  True when a line of this kind may be written at now (at most one every
//  every_ms); *suppressed then holds how many were left out since the last
//  one. Else counts this one as left out. A zeroed limit lets the first through.
bool sti_log_due(sti_log_limit_t *limit, int64_t now, int64_t every_ms, int64_t *suppressed);

//  Writes a reason, printf-style, into a caller's error buffer err (errlen
//  bytes; nothing when err is NULL or errlen 0) and returns -1, so that a
//  function can end with `return sti_errf(err, errlen, "...", ...)`.
int sti_errf(char *err, size_t errlen, const char *format, ...)
    __attribute__((format(printf, 3, 4)));
