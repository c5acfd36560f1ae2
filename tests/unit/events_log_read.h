/*  events_log_read: reads a stream's whole event log back in unit tests,
    whatever its entries (event entries, batch entries), through
    sti_events_log_walk as every reader does.
*/
#pragma once
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "sti_events_log.h"

//  What the walk collects.
typedef struct {
    sti_event_t **events; // the events read so far
    size_t count;         // how many
} test_events_log_t;

//  Takes the walk's event over (its fields move to a new event).
static inline int test_events_log_take(sti_event_t *event, void *arg)
{
    test_events_log_t *log = arg;
    log->events = realloc(log->events, (log->count + 1) * sizeof *log->events);
    assert(log->events);
    sti_event_t *copy = malloc(sizeof *copy);
    assert(copy);
    *copy = *event;
    memset(event, 0, sizeof *event);
    log->events[log->count++] = copy;
    return 0;
}

//  Every event of the log log_key (stream stream) in seq order, *count of
//  them. The caller frees with sti_events_log_events_destroy.
static inline sti_event_t **test_events_log_read(sti_redis_t *redis, const char *log_key,
                                                 const char *stream, size_t *count)
{
    test_events_log_t log = {0};
    sti_events_walk_t walk = {0};
    int rc = sti_events_log_walk(redis, log_key, stream, UINT64_MAX, SIZE_MAX, test_events_log_take,
                                 &log, &walk);
    assert(rc == 0);
    (void)rc;
    *count = log.count;
    return log.events;
}
