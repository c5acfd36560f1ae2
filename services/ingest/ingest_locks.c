/*  ingest_locks: the sign-off locks one obs.submit meets. See the header.

    Pairs are kept in an array with an index by "org\x1fperiod"; locks in a
    hash by the same key, each with the rows it refused this round (their
    indices and indicators, at most S_ROWS_KEPT of them named in the audit
    and the event; the count is whole). The argument vector is rebuilt for
    each run of the script and owned here. The script reads each org
    unit's approval hash once (one HMGET of its periods, at most
    S_GROUP_MAX a read), so the call lists the pairs grouped by org unit:
    order[position in the call] is the pair's index in the array.
*/
#include "ingest_locks.h"

#include <assert.h>
#include <czmq.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest_index.h"
#include "sti_codec.h"
#include "sti_time.h"
#include "sti_writer.h"

#define S_ROWS_KEPT 1000 // rows of one lock named in its audit entry and event
#define S_KEY_MAX 160    // bytes of "org\x1fperiod"
#define S_ROWS_TEXT 8192 // bytes of the audit's list of rows
#define S_REFUSAL_ARGS 5 // arguments per refusal: org, period, rows, approved by, data
#define S_GROUP_MAX 500  // periods of one org unit read by one HMGET (Lua's unpack bound)

//  One (org, period) of rows about to be taken.
typedef struct {
    char org[STI_CODE_MAX];           // the org unit
    char period[STI_PERIOD_TEXT_MAX]; // the period
    char hash[256];                   // <ns>:approval:<org>, for a group's first pair
} s_pair_t;

//  A locked (org, period) and the rows it refused this round.
typedef struct {
    char org[STI_CODE_MAX];                     // the org unit
    char period[STI_PERIOD_TEXT_MAX];           // the period
    char by[128];                               // who approved it
    int64_t at;                                 // when, ms since 1970
    size_t refused;                             // rows refused this round
    size_t rows[S_ROWS_KEPT];                   // the first of them (indices)
    char indicators[S_ROWS_KEPT][STI_CODE_MAX]; // and their indicators
    char rows_text[S_ROWS_TEXT];                // "0,3,7" for the audit
    sti_writer_t *data;                         // the event's data
} s_lock_t;

//  The periods of one org unit that one HMGET of the script reads.
typedef struct {
    size_t size;    // pairs
    size_t next;    // where its next pair goes in order
    char count[24]; // size as text
} s_group_t;

struct _ingest_locks_t {
    sti_redis_t *redis;         // borrowed
    s_pair_t *pairs;            // pairs of this round
    size_t pair_count;          // in use
    size_t pair_cap;            // allocated
    ingest_index_t *pair_index; // key -> index + 1
    size_t *order;              // the pairs in the call's order (grouped by org)
    size_t *group_of;           // each pair's group in the call
    s_group_t *groups;          // the call's groups
    ingest_index_t *org_group;  // org -> its group being filled + 1
    zhashx_t *locks;            // key -> s_lock_t (owned)
    const char **argv;          // the script's call
    size_t *lens;               // lengths of argv
    size_t argv_cap;            // allocated
    char text[8][32];           // numbers of the call as text
};

static void s_lock_destroy(void **item)
{
    s_lock_t *lock = (s_lock_t *)*item;
    if (lock) {
        sti_writer_destroy(&lock->data);
        free(lock);
        *item = NULL;
    }
}

ingest_locks_t *ingest_locks_new(sti_redis_t *redis)
{
    assert(redis);
    ingest_locks_t *self = (ingest_locks_t *)calloc(1, sizeof *self);
    assert(self);
    self->redis = redis;
    self->pair_index = ingest_index_new();
    self->locks = zhashx_new();
    self->org_group = ingest_index_new();
    assert(self->locks);
    zhashx_set_destructor(self->locks, s_lock_destroy);
    return self;
}

void ingest_locks_destroy(ingest_locks_t **self_p)
{
    assert(self_p);
    ingest_locks_t *self = *self_p;
    if (self) {
        ingest_index_destroy(&self->pair_index);
        zhashx_destroy(&self->locks);
        ingest_index_destroy(&self->org_group);
        free(self->pairs);
        free(self->order);
        free(self->group_of);
        free(self->groups);
        free(self->argv);
        free(self->lens);
        free(self);
        *self_p = NULL;
    }
}

void ingest_locks_reset(ingest_locks_t *self)
{
    assert(self);
    zhashx_purge(self->locks);
    ingest_locks_again(self);
}

void ingest_locks_again(ingest_locks_t *self)
{
    assert(self);
    self->pair_count = 0;
    ingest_index_reset(self->pair_index);
    for (s_lock_t *lock = (s_lock_t *)zhashx_first(self->locks); lock;
         lock = (s_lock_t *)zhashx_next(self->locks)) {
        lock->refused = 0;
    }
}

//  "org\x1fperiod" (both shorter than S_KEY_MAX / 2: codes and period
//  texts). Returns its length.
static size_t s_key(char *key, const char *org, const char *period)
{
    size_t a = strlen(org), b = strlen(period);
    a = a < S_KEY_MAX / 2 ? a : S_KEY_MAX / 2;
    b = b < S_KEY_MAX / 2 - 2 ? b : S_KEY_MAX / 2 - 2;
    memcpy(key, org, a);
    key[a] = '\x1f';
    memcpy(key + a + 1, period, b);
    key[a + 1 + b] = 0;
    return a + 1 + b;
}

//  Copies text into buf of cap bytes, cut to fit: snprintf's "%s" without
//  its cost, which is once a row here.
static void s_copy(char *buf, size_t cap, const char *text)
{
    size_t n = strnlen(text, cap - 1);
    memcpy(buf, text, n);
    buf[n] = 0;
}

bool ingest_locks_row(ingest_locks_t *self, const sti_observation_t *obs, size_t index,
                      char *reason, size_t cap)
{
    assert(self && obs);
    char key[S_KEY_MAX], when[40];
    size_t len = s_key(key, obs->org, obs->period_text);
    s_lock_t *lock = zhashx_size(self->locks) ? (s_lock_t *)zhashx_lookup(self->locks, key) : NULL;
    if (lock) {
        if (lock->refused < S_ROWS_KEPT) {
            lock->rows[lock->refused] = index;
            snprintf(lock->indicators[lock->refused], STI_CODE_MAX, "%s", obs->indicator);
        }
        lock->refused++;
        snprintf(reason, cap,
                 "%s at %s for %s: 已审核锁定 (approved and locked): %s's figures for %s were "
                 "approved by %s at %s; ask an officer to reopen them before submitting again",
                 obs->indicator, obs->org, obs->period_text, obs->org, obs->period_text, lock->by,
                 sti_time_rfc3339(lock->at, when, sizeof when));
        return true;
    }
    if (ingest_index_get(self->pair_index, key, len)) {
        return false;
    }
    if (self->pair_count == self->pair_cap) {
        self->pair_cap = self->pair_cap ? 2 * self->pair_cap : 16;
        self->pairs = (s_pair_t *)realloc(self->pairs, self->pair_cap * sizeof *self->pairs);
        self->order = (size_t *)realloc(self->order, self->pair_cap * sizeof *self->order);
        self->group_of = (size_t *)realloc(self->group_of, self->pair_cap * sizeof(size_t));
        self->groups = (s_group_t *)realloc(self->groups, self->pair_cap * sizeof *self->groups);
        assert(self->pairs && self->order && self->group_of && self->groups);
    }
    self->order[self->pair_count] = self->pair_count; // until the call groups them
    s_pair_t *pair = &self->pairs[self->pair_count++];
    s_copy(pair->org, sizeof pair->org, obs->org);
    s_copy(pair->period, sizeof pair->period, obs->period_text);
    ingest_index_put(self->pair_index, key, len, self->pair_count);
    return false;
}

int ingest_locks_found(ingest_locks_t *self, size_t pair, const char *record, size_t size)
{
    assert(self);
    if (pair >= self->pair_count || !record) {
        return -1;
    }
    pair = self->order[pair];
    char err[128];
    sti_limits_t limits = {size + 1, size + 1, 64, 4};
    sti_reader_t *reader = sti_reader_new(record, size, &limits, err, sizeof err);
    s_lock_t *lock = (s_lock_t *)calloc(1, sizeof *lock);
    assert(lock);
    sti_field_error_t ferr;
    sti_node_t map = reader ? sti_reader_root(reader) : (sti_node_t){NULL};
    int rc = reader && sti_node_type(map) == STI_TYPE_MAP &&
                     sti_map_str_copy(map, "by", lock->by, sizeof lock->by, &ferr) == 0 &&
                     sti_map_int(map, "at", &lock->at, &ferr) == 0
                 ? 0
                 : -1;
    sti_reader_destroy(&reader);
    //  The script saw it approved: it stays locked, whoever approved it.
    if (rc) {
        snprintf(lock->by, sizeof lock->by, "an officer (the record does not say who)");
        lock->at = 0;
    }
    const s_pair_t *found = &self->pairs[pair];
    snprintf(lock->org, sizeof lock->org, "%s", found->org);
    snprintf(lock->period, sizeof lock->period, "%s", found->period);
    lock->data = sti_writer_new();
    char key[S_KEY_MAX];
    s_key(key, found->org, found->period);
    zhashx_update(self->locks, key, lock);
    return rc;
}

size_t ingest_locks_pair_count(const ingest_locks_t *self)
{
    assert(self);
    return self->pair_count;
}

size_t ingest_locks_refusal_count(const ingest_locks_t *self)
{
    assert(self);
    size_t count = 0;
    for (s_lock_t *lock = (s_lock_t *)zhashx_first(self->locks); lock;
         lock = (s_lock_t *)zhashx_next(self->locks)) {
        count += lock->refused > 0;
    }
    return count;
}

//  Writes the refusal's audit list of rows and its event's data:
//  {org, period, rows: [index...], indicators: [code...], refused, by,
//  role, via, request, approved_by, approved_at}.
static void s_refusal(s_lock_t *lock, const char *who, const char *role, const char *via,
                      const char *request)
{
    size_t kept = lock->refused < S_ROWS_KEPT ? lock->refused : S_ROWS_KEPT, used = 0;
    lock->rows_text[0] = 0;
    for (size_t i = 0; i < kept && used + 24 < sizeof lock->rows_text; i++) {
        used += (size_t)snprintf(lock->rows_text + used, sizeof lock->rows_text - used, "%s%zu",
                                 i ? "," : "", lock->rows[i]);
    }
    sti_writer_t *w = lock->data;
    sti_writer_reset(w);
    sti_writer_map(w, 11);
    sti_writer_kv_str(w, "org", lock->org);
    sti_writer_kv_str(w, "period", lock->period);
    sti_writer_str(w, "rows");
    sti_writer_array(w, kept);
    for (size_t i = 0; i < kept; i++) {
        sti_writer_int(w, (int64_t)lock->rows[i]);
    }
    sti_writer_str(w, "indicators");
    sti_writer_array(w, kept);
    for (size_t i = 0; i < kept; i++) {
        sti_writer_str(w, lock->indicators[i]);
    }
    sti_writer_kv_int(w, "refused", (int64_t)lock->refused);
    sti_writer_kv_str(w, "by", who);
    sti_writer_kv_str(w, "role", role);
    sti_writer_kv_str(w, "via", via);
    sti_writer_kv_str(w, "request", request);
    sti_writer_kv_str(w, "approved_by", lock->by);
    sti_writer_kv_int(w, "approved_at", lock->at);
}

//  Groups the pairs by org unit in the order each unit first comes, at
//  most S_GROUP_MAX a group: fills self->order and self->groups. Returns
//  the number of groups.
static size_t s_group(ingest_locks_t *self)
{
    size_t count = 0;
    ingest_index_reset(self->org_group);
    for (size_t i = 0; i < self->pair_count; i++) {
        const char *org = self->pairs[i].org;
        size_t len = strlen(org), g = ingest_index_get(self->org_group, org, len);
        if (!g || self->groups[g - 1].size == S_GROUP_MAX) {
            self->groups[count].size = 0;
            g = ++count;
            ingest_index_put(self->org_group, org, len, g);
        }
        self->group_of[i] = g - 1;
        self->groups[g - 1].size++;
    }
    size_t at = 0;
    for (size_t g = 0; g < count; g++) {
        self->groups[g].next = at;
        at += self->groups[g].size;
        snprintf(self->groups[g].count, sizeof self->groups[g].count, "%zu", self->groups[g].size);
    }
    for (size_t i = 0; i < self->pair_count; i++) {
        self->order[self->groups[self->group_of[i]].next++] = i;
    }
    return count;
}

//  Appends one string to the call.
static void s_push(ingest_locks_t *self, size_t *n, const char *arg, size_t len)
{
    if (*n == self->argv_cap) {
        self->argv_cap = self->argv_cap ? 2 * self->argv_cap : 64;
        self->argv = (const char **)realloc(self->argv, self->argv_cap * sizeof *self->argv);
        self->lens = (size_t *)realloc(self->lens, self->argv_cap * sizeof *self->lens);
        assert(self->argv && self->lens);
    }
    self->argv[*n] = arg;
    self->lens[(*n)++] = len;
}

size_t ingest_locks_argv(ingest_locks_t *self, const char *const *keys, const char *const *fixed,
                         const size_t *fixed_lens, const char *const *extra,
                         const size_t *extra_lens, size_t extra_count, const char *who,
                         const char *role, const char *via, const char *request, const char ***argv,
                         size_t **lens, int *nkeys)
{
    assert(self && keys && fixed && fixed_lens);
    size_t n = 0, groups = s_group(self);
    for (size_t i = 0; i < INGEST_LOCKS_KEYS; i++) {
        s_push(self, &n, keys[i], strlen(keys[i]));
    }
    for (size_t g = 0, at = 0; g < groups; at += self->groups[g++].size) {
        s_pair_t *first = &self->pairs[self->order[at]];
        sti_redis_key(self->redis, first->hash, sizeof first->hash, "approval", first->org, NULL);
        s_push(self, &n, first->hash, strlen(first->hash));
    }
    *nkeys = (int)n;
    for (size_t i = 0; i < INGEST_LOCKS_FIXED; i++) {
        s_push(self, &n, fixed[i], fixed_lens[i]);
    }
    snprintf(self->text[0], sizeof self->text[0], "%zu", groups);
    s_push(self, &n, self->text[0], strlen(self->text[0]));
    for (size_t g = 0, at = 0; g < groups; g++) {
        s_push(self, &n, self->groups[g].count, strlen(self->groups[g].count));
        for (size_t end = at + self->groups[g].size; at < end; at++) {
            const char *period = self->pairs[self->order[at]].period;
            s_push(self, &n, period, strlen(period));
        }
    }
    snprintf(self->text[1], sizeof self->text[1], "%zu", ingest_locks_refusal_count(self));
    s_push(self, &n, self->text[1], strlen(self->text[1]));
    for (s_lock_t *lock = (s_lock_t *)zhashx_first(self->locks); lock;
         lock = (s_lock_t *)zhashx_next(self->locks)) {
        if (!lock->refused) {
            continue;
        }
        s_refusal(lock, who, role, via, request);
        size_t size;
        const void *data = sti_writer_data(lock->data, &size);
        s_push(self, &n, lock->org, strlen(lock->org));
        s_push(self, &n, lock->period, strlen(lock->period));
        s_push(self, &n, lock->rows_text, strlen(lock->rows_text));
        s_push(self, &n, lock->by, strlen(lock->by));
        s_push(self, &n, (const char *)data, size);
    }
    for (size_t i = 0; i < extra_count; i++) {
        s_push(self, &n, extra[i], extra_lens[i]);
    }
    *argv = self->argv;
    *lens = self->lens;
    return n;
}
