/*  indicators_receipts: the received-or-not map, kept current. See the header.

    The seq is read before the epoch, in one pipeline (sti_events_log_head):
    an epoch the same as the one kept then says the seq belongs to it too
    (an operator's new epoch after a loss changes the epoch before any seq
    of it is handed out). The values a question reads are as new as the
    seq read after them (indicators_receipts_read_done, on the same
    connection and without sending again: a connection broken meanwhile may
    be a Redis that restarted with less, and then what was read is not
    kept); a later seq below that one says Redis went back, and everything
    is forgotten. A refresh that cannot read the log keeps what
    is kept: the next one that can judges it against the epoch and seqs
    kept, as any other.
*/
#include "indicators_receipts.h"

#include <assert.h>
#include <czmq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "indicators_values.h"
#include "sti_events_log.h"
#include "sti_log.h"

#define S_EVENTS_MAX 4096 // events read at most; past that, everything is read again
#define S_SLOTS ((STI_PERIOD_MAX_YEAR - STI_PERIOD_MIN_YEAR + 1) * 17) // periods there can be
#define S_KEY_MAX 256                                                  // one key name
#define S_HASH_MAX (2 * STI_CODE_MAX + 2)                              // "<indicator>|<org>"

struct _indicators_receipts_t {
    sti_redis_t *redis;                   // borrowed: the values' connection
    char log_key[S_KEY_MAX];              // the `ind` log
    char seq_key[S_KEY_MAX];              // its latest seq
    char epoch_key[S_KEY_MAX];            // its epoch
    zhashx_t *known;                      // "<indicator>|<org>" -> per period slot:
                                          // INDICATORS_RECEIPT_*
    char epoch[STI_EVENTS_EPOCH_MAX + 1]; // the stream's epoch when last refreshed
    uint64_t seq;                         // every change up to it is in known
    uint64_t seen;                        // the latest seq a value read may reflect
    bool fresh;                           // false until the first refresh
    uint64_t next;                        // a walk's next seq expected (0: a gap seen)
};

static void s_slots_free(void **item)
{
    free(*item);
    *item = NULL;
}

indicators_receipts_t *indicators_receipts_new(indicators_store_t *store)
{
    assert(store);
    indicators_receipts_t *self = (indicators_receipts_t *)calloc(1, sizeof *self);
    assert(self);
    self->redis = indicators_store_redis(store);
    char prev_key[S_KEY_MAX];
    int rc = sti_events_log_keys(self->redis, "ind", self->log_key, self->seq_key, prev_key,
                                 self->epoch_key, S_KEY_MAX);
    assert(rc == 0);
    self->known = zhashx_new();
    assert(self->known);
    zhashx_set_destructor(self->known, s_slots_free);
    return self;
}

void indicators_receipts_destroy(indicators_receipts_t **self_p)
{
    assert(self_p);
    indicators_receipts_t *self = *self_p;
    if (self) {
        zhashx_destroy(&self->known);
        free(self);
        *self_p = NULL;
    }
}

//  Forgets everything kept (why: for the log).
static void s_forget_all(indicators_receipts_t *self, const char *why)
{
    if (zhashx_size(self->known)) {
        sti_debug("receipts: every report is read again: %s", why);
    }
    zhashx_purge(self->known);
}

//  The hash key "<indicator>|<org>" of an event's subject
//  "<indicator>/<org>/<period>". Returns key, or NULL when malformed.
static char *s_subject_hash(const char *subject, char *key)
{
    const char *slash = subject ? strchr(subject, '/') : NULL;
    const char *second = slash ? strchr(slash + 1, '/') : NULL;
    if (!slash || !second || slash == subject || second == slash + 1 ||
        (size_t)(second - subject) >= S_HASH_MAX) {
        return NULL;
    }
    memcpy(key, subject, (size_t)(second - subject));
    key[slash - subject] = '|';
    key[second - subject] = 0;
    return key;
}

//  One event of the walk: a value's change forgets its hash. A gap in the
//  seqs (an event malformed or trimmed away) stops the walk.
static int s_event(sti_event_t *event, void *arg)
{
    indicators_receipts_t *self = (indicators_receipts_t *)arg;
    if (event->seq != self->next) {
        self->next = 0;
        return 1;
    }
    self->next++;
    if (event->type && strcmp(event->type, INDICATORS_EVENT_TYPE) == 0) {
        char key[S_HASH_MAX];
        if (!s_subject_hash(event->subject, key)) {
            self->next = 0;
            return 1;
        }
        zhashx_delete(self->known, key);
    }
    return 0;
}

//  Forgets the hashes the events seq+1 .. latest changed. Returns NULL, or
//  why the log cannot say.
static const char *s_walk(indicators_receipts_t *self, uint64_t latest)
{
    sti_events_walk_t walk = {.upto = self->seq};
    self->next = self->seq + 1;
    if (sti_events_log_walk(self->redis, self->log_key, "ind", latest, S_EVENTS_MAX, s_event, self,
                            &walk)) {
        return "the event log cannot be read";
    }
    if (!self->next || walk.upto < latest || self->next != latest + 1) {
        return "the event log does not hold every event since";
    }
    return NULL;
}

int indicators_receipts_refresh(indicators_receipts_t *self)
{
    assert(self);
    uint64_t latest;
    char epoch[STI_EVENTS_EPOCH_MAX + 1];
    if (sti_events_log_head(self->redis, self->seq_key, self->epoch_key, &latest, epoch)) {
        return -1; // what is kept is judged at the next refresh that reads the log
    }
    const char *why = !self->fresh                        ? "nothing read yet"
                      : strcmp(epoch, self->epoch) != 0   ? "a new epoch"
                      : latest < self->seen               ? "the event log went back"
                      : latest - self->seq > S_EVENTS_MAX ? "too many changes"
                      : latest > self->seq                ? s_walk(self, latest)
                                                          : NULL;
    if (why) {
        s_forget_all(self, why);
    }
    snprintf(self->epoch, sizeof self->epoch, "%s", epoch);
    self->seq = latest;
    self->seen = latest; // not below the one kept: else the log went back
    self->fresh = true;
    return 0;
}

int indicators_receipts_read_done(indicators_receipts_t *self)
{
    assert(self);
    uint64_t latest;
    char epoch[STI_EVENTS_EPOCH_MAX + 1];
    if (sti_events_log_head(self->redis, self->seq_key, self->epoch_key, &latest, epoch)) {
        return -1; // the values read are not kept
    }
    self->seen = latest > self->seen ? latest : self->seen;
    self->fresh = strcmp(epoch, self->epoch) == 0; // else: forgotten at the next refresh
    return 0;
}

size_t indicators_receipts_slot(const sti_period_t *period)
{
    int within = period->kind == STI_PERIOD_YEAR      ? 0
                 : period->kind == STI_PERIOD_QUARTER ? period->index
                                                      : 4 + period->index;
    return (size_t)((period->year - STI_PERIOD_MIN_YEAR) * 17 + within) % S_SLOTS;
}

static char *s_hash_key(const sti_indicator_t *indicator, const sti_org_unit_t *org, char *key)
{
    snprintf(key, S_HASH_MAX, "%s|%s", indicator->code, org->code);
    return key;
}

const uint8_t *indicators_receipts_find(indicators_receipts_t *self,
                                        const sti_indicator_t *indicator, const sti_org_unit_t *org)
{
    char key[S_HASH_MAX];
    return (const uint8_t *)zhashx_lookup(self->known, s_hash_key(indicator, org, key));
}

uint8_t *indicators_receipts_keep(indicators_receipts_t *self, const sti_indicator_t *indicator,
                                  const sti_org_unit_t *org)
{
    char key[S_HASH_MAX];
    uint8_t *slots = zhashx_lookup(self->known, s_hash_key(indicator, org, key));
    if (!slots) {
        slots = (uint8_t *)calloc(S_SLOTS, 1);
        assert(slots);
        zhashx_insert(self->known, key, slots);
    }
    return slots;
}
