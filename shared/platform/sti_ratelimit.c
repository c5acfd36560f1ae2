/*  sti_ratelimit: per-caller token buckets. See sti_ratelimit.h.

    A bucket stores its tokens and the time they were counted; it is refilled
    lazily when its caller comes back, so an idle caller costs nothing but
    its entry. The table is a zhashx; eviction walks it, which happens only
    when the cap is reached, and frees at least half of it each time, so the
    walk's cost is spread over as many new callers.
*/
#include "sti_ratelimit.h"

#include <assert.h>
#include <czmq.h>
#include <math.h>

//  One caller's bucket.
typedef struct {
    double tokens;   // tokens left at `at`
    int64_t at;      // when they were counted, ms
    int64_t created; // when the bucket was made (eviction order), ms
} s_bucket_t;

struct _sti_ratelimit_t {
    double rate;        // tokens a second
    double burst;       // bucket size
    size_t max_callers; // buckets kept at most
    zhashx_t *buckets;  // caller -> s_bucket_t (owned)
};

static void s_bucket_free(void **item)
{
    free(*item);
    *item = NULL;
}

sti_ratelimit_t *sti_ratelimit_new(double rate, int64_t burst, size_t max_callers)
{
    assert(rate > 0 && burst >= 1 && max_callers >= 1);
    sti_ratelimit_t *self = (sti_ratelimit_t *)zmalloc(sizeof(sti_ratelimit_t));
    self->rate = rate;
    self->burst = (double)burst;
    self->max_callers = max_callers;
    self->buckets = zhashx_new();
    zhashx_set_destructor(self->buckets, s_bucket_free);
    return self;
}

void sti_ratelimit_destroy(sti_ratelimit_t **self_p)
{
    assert(self_p);
    if (*self_p) {
        zhashx_destroy(&(*self_p)->buckets);
        free(*self_p);
        *self_p = NULL;
    }
}

//  The tokens of bucket at now, capped at the burst.
static double s_tokens(sti_ratelimit_t *self, const s_bucket_t *bucket, int64_t now_ms)
{
    double elapsed = now_ms > bucket->at ? (double)(now_ms - bucket->at) / 1000.0 : 0;
    double tokens = bucket->tokens + elapsed * self->rate;
    return tokens < self->burst ? tokens : self->burst;
}

//  Makes room for one more bucket: drops the full ones, else the older half.
static void s_evict(sti_ratelimit_t *self, int64_t now_ms)
{
    zlistx_t *doomed = zlistx_new();
    int64_t *ages = (int64_t *)malloc(zhashx_size(self->buckets) * sizeof(int64_t));
    assert(ages);
    size_t count = 0;
    for (s_bucket_t *b = (s_bucket_t *)zhashx_first(self->buckets); b;
         b = (s_bucket_t *)zhashx_next(self->buckets)) {
        ages[count++] = b->created;
        if (s_tokens(self, b, now_ms) >= self->burst) {
            zlistx_add_end(doomed, (void *)zhashx_cursor(self->buckets));
        }
    }
    if (zlistx_size(doomed) == 0) {
        //  No idle caller: drop those created before the median time.
        int64_t lo = INT64_MAX, hi = INT64_MIN;
        for (size_t i = 0; i < count; i++) {
            lo = ages[i] < lo ? ages[i] : lo;
            hi = ages[i] > hi ? ages[i] : hi;
        }
        int64_t cut = lo + (hi - lo) / 2;
        for (s_bucket_t *b = (s_bucket_t *)zhashx_first(self->buckets); b;
             b = (s_bucket_t *)zhashx_next(self->buckets)) {
            if (b->created <= cut) {
                zlistx_add_end(doomed, (void *)zhashx_cursor(self->buckets));
            }
        }
    }
    //  Keys are copied first: deleting frees the key the list points to.
    zlistx_t *keys = zlistx_new();
    zlistx_set_destructor(keys, (zlistx_destructor_fn *)zstr_free);
    for (const char *key = (const char *)zlistx_first(doomed); key;
         key = (const char *)zlistx_next(doomed)) {
        zlistx_add_end(keys, strdup(key));
    }
    for (const char *key = (const char *)zlistx_first(keys); key;
         key = (const char *)zlistx_next(keys)) {
        zhashx_delete(self->buckets, key);
    }
    zlistx_destroy(&keys);
    zlistx_destroy(&doomed);
    free(ages);
}

bool sti_ratelimit_take(sti_ratelimit_t *self, const char *caller, int64_t now_ms,
                        int64_t *retry_after_ms)
{
    assert(self && caller && retry_after_ms);
    *retry_after_ms = 0;
    s_bucket_t *bucket = (s_bucket_t *)zhashx_lookup(self->buckets, caller);
    if (!bucket) {
        if (zhashx_size(self->buckets) >= self->max_callers) {
            s_evict(self, now_ms);
        }
        bucket = (s_bucket_t *)zmalloc(sizeof(s_bucket_t));
        bucket->tokens = self->burst;
        bucket->at = now_ms;
        bucket->created = now_ms;
        zhashx_insert(self->buckets, caller, bucket);
    }
    bucket->tokens = s_tokens(self, bucket, now_ms);
    bucket->at = now_ms;
    if (bucket->tokens >= 1.0) {
        bucket->tokens -= 1.0;
        return true;
    }
    double wait = ceil((1.0 - bucket->tokens) * 1000.0 / self->rate);
    *retry_after_ms = wait >= 1 ? (int64_t)wait : 1;
    return false;
}

size_t sti_ratelimit_size(sti_ratelimit_t *self)
{
    assert(self);
    return zhashx_size(self->buckets);
}
