/*  sti_ratelimit: a token bucket per caller, in the process.

    Each caller (a name) has a bucket of `burst` tokens that refills at `rate`
    tokens a second; a call takes one token or is refused with the time until
    the next token. The buckets live in the process, not in Redis: a refused
    write costs no round trip, and Redis (shared by every replica) is the
    thing the limit protects. With N replicas a caller can get up to N times
    the rate; the broker hands requests to the longest-idle worker, so in
    practice a busy caller is spread over them and sees about N x rate.
    Memory is bounded: at most `max_callers` buckets; when that many exist,
    the full ones (callers idle long enough to have refilled) are dropped,
    and if none is full the oldest half goes.
*/
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct _sti_ratelimit_t sti_ratelimit_t;

//  rate: tokens a second (> 0); burst: bucket size (>= 1); max_callers: the
//  most buckets kept (>= 1). Returns a new limiter.
sti_ratelimit_t *sti_ratelimit_new(double rate, int64_t burst, size_t max_callers);
void sti_ratelimit_destroy(sti_ratelimit_t **self_p);

//  Takes one token for caller at time now_ms (zclock_mono). Returns true when
//  allowed; false when refused, with *retry_after_ms set to the wait until a
//  token is there (at least 1).
bool sti_ratelimit_take(sti_ratelimit_t *self, const char *caller, int64_t now_ms,
                        int64_t *retry_after_ms);
//  Buckets held (tests).
size_t sti_ratelimit_size(sti_ratelimit_t *self);
