/*  sti_events_log: a stream's event log in Redis, read back: the stream's
    keys (one function builds them), its entries decoded as hostile input,
    its latest seq and epoch, and the replay op events.since. See
    sti_events_log.h and docs/events.md.

    Everything read back from Redis is checked as hostile input: entry ids must
    be 0-<seq>, fields must be strings within their bounds, and data must be a
    valid MessagePack map, else the entry is skipped with a log line (a
    subscriber then skips it too, as upto moves past it).
*/
#include "sti_events_log.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sti_dataset.h"
#include "sti_log.h"

#define S_BATCH 256     // entries per XRANGE at most
#define S_FIRST_READ 16 // entries of a walk's first XRANGE

//  Builds the four keys of a stream (epoch_key may be NULL). Returns 0, or
//  -1 when they do not fit.
int sti_events_log_keys(sti_redis_t *redis, const char *stream, char *log_key, char *seq_key,
                        char *prev_key, char *epoch_key, size_t cap)
{
    if (!sti_redis_key(redis, log_key, cap, "events", stream, NULL) ||
        !sti_redis_key(redis, seq_key, cap, "events", stream, "seq", NULL) ||
        !sti_redis_key(redis, prev_key, cap, "events", stream, "prev", NULL) ||
        (epoch_key && !sti_redis_key(redis, epoch_key, cap, "events", stream, "epoch", NULL))) {
        return -1;
    }
    return 0;
}

//  Parses a log entry id "0-<seq>". Returns 0 or -1.
int sti_events_log_entry_seq(const redisReply *id, uint64_t *seq)
{
    if (!id || id->type != REDIS_REPLY_STRING || id->len < 3 || id->len > 22 ||
        strncmp(id->str, "0-", 2) != 0) {
        return -1;
    }
    char *end;
    errno = 0;
    unsigned long long value = strtoull(id->str + 2, &end, 10);
    if (errno || *end || value == 0 || value > INT64_MAX || id->str[2] < '0' || id->str[2] > '9') {
        return -1;
    }
    *seq = value;
    return 0;
}

//  Copies a field value of an entry, bounded. Returns a new string or NULL.
static char *s_entry_str(const redisReply *value, size_t max)
{
    if (value->type != REDIS_REPLY_STRING || value->len > max ||
        memchr(value->str, 0, value->len)) {
        return NULL;
    }
    return strndup(value->str, value->len);
}

//  Sets one named field of event from an entry value. Returns 0 or -1.
static int s_entry_field(sti_event_t *event, const char *name, const redisReply *value)
{
    char **slot = NULL;
    size_t max = STI_EVENTS_FIELD_MAX;
    if (strcmp(name, "topic") == 0) {
        slot = &event->topic, max = STI_EVENTS_TOPIC_MAX;
    } else if (strcmp(name, "type") == 0) {
        slot = &event->type;
    } else if (strcmp(name, "subject") == 0) {
        slot = &event->subject, max = STI_EVENTS_SUBJECT_MAX;
    } else if (strcmp(name, "time") == 0) {
        slot = &event->time;
    } else if (strcmp(name, "source") == 0) {
        slot = &event->source;
    } else if (strcmp(name, "prev") == 0) {
        char *text = s_entry_str(value, 20), *end;
        unsigned long long prev = text ? strtoull(text, &end, 10) : 0;
        int rc = text && *text >= '0' && *text <= '9' && !*end && prev < event->seq ? 0 : -1;
        event->prev = prev;
        free(text);
        return rc;
    } else if (strcmp(name, "data") == 0) {
        if (value->type != REDIS_REPLY_STRING || value->len > STI_EVENTS_MAX_SIZE) {
            return -1;
        }
        char err[128];
        sti_reader_t *reader = sti_reader_new(value->str, value->len, NULL, err, sizeof err);
        bool map = reader && sti_node_type(sti_reader_root(reader)) == STI_TYPE_MAP;
        sti_reader_destroy(&reader);
        if (!map || event->data) {
            return -1;
        }
        event->data = malloc(value->len ? value->len : 1);
        assert(event->data);
        memcpy(event->data, value->str, value->len);
        event->data_size = value->len;
        return 0;
    } else {
        return 0; // a field added later: ignored
    }
    if (*slot) {
        return -1; // repeated field
    }
    *slot = s_entry_str(value, max);
    return *slot ? 0 : -1;
}

//  Checks that event has every field and a valid topic, and gives it its id.
//  Returns 0 or -1.
static int s_event_finish(sti_event_t *event, const char *stream)
{
    if (!event->topic || !event->type || !event->subject || !event->time || !event->source ||
        !sti_events_topic_valid(event->topic, strlen(event->topic))) {
        return -1;
    }
    char id[STI_EVENTS_STREAM_MAX + 32];
    snprintf(id, sizeof id, "%s-%" PRIu64, stream, event->seq);
    event->id = strdup(id);
    assert(event->id);
    return 0;
}

//  Turns one XRANGE entry [id, [field, value, ...]] into an event (caller
//  destroys). Returns NULL for an entry that is not a well-formed event.
sti_event_t *sti_events_log_entry(const redisReply *entry, const char *stream)
{
    if (entry->type != REDIS_REPLY_ARRAY || entry->elements != 2 ||
        entry->element[1]->type != REDIS_REPLY_ARRAY || entry->element[1]->elements % 2) {
        return NULL;
    }
    sti_event_t *event = calloc(1, sizeof *event);
    assert(event);
    if (sti_events_log_entry_seq(entry->element[0], &event->seq) != 0) {
        goto fail;
    }
    const redisReply *fields = entry->element[1];
    for (size_t i = 0; i < fields->elements; i += 2) {
        const redisReply *name = fields->element[i];
        if (name->type != REDIS_REPLY_STRING ||
            s_entry_field(event, name->str, fields->element[i + 1]) != 0) {
            goto fail;
        }
    }
    if (s_event_finish(event, stream) == 0) {
        return event;
    }
fail:
    sti_event_destroy(&event);
    return NULL;
}

//  --- batch entries ---

//  The prev of an event of a batch entry whose seq is seq, from its last
//  element: an integer >= 0 is the prev itself; -d (a packed entry) is d
//  seqs back; nil (a packed entry) is *nil_prev, the entry's `prevs` number
//  for it (NULL when there is none). Returns 0 or -1.
static int s_batch_prev(sti_node_t node, uint64_t seq, const uint64_t *nil_prev, uint64_t *prev)
{
    int64_t value;
    if (sti_node_type(node) == STI_TYPE_NIL) {
        if (!nil_prev) {
            return -1;
        }
        *prev = *nil_prev;
        return 0;
    }
    if (sti_node_int(node, &value, NULL) != 0 || value == INT64_MIN ||
        (value < 0 && (uint64_t)-value >= seq)) {
        return -1;
    }
    *prev = value >= 0 ? (uint64_t)value : seq - (uint64_t)-value;
    return 0;
}

//  One event of a batch entry: [topic, type, subject, time, source, data,
//  prev], checked by the same rules as an event entry's fields (prev: see
//  s_batch_prev). Returns a new event or NULL.
static sti_event_t *s_batch_event(sti_node_t item, uint64_t seq, const char *stream,
                                  const uint64_t *nil_prev)
{
    static const char *const names[] = {"topic",  "type", "subject", "time",
                                        "source", "data", "prev"};
    if (sti_node_type(item) != STI_TYPE_ARRAY || sti_node_size(item) != 7) {
        return NULL;
    }
    sti_event_t *event = calloc(1, sizeof *event);
    assert(event);
    event->seq = seq;
    for (size_t k = 0; k < 7; k++) {
        sti_node_t node = sti_node_at(item, k);
        char text[24];
        redisReply value = {.type = REDIS_REPLY_STRING};
        const void *bytes;
        uint64_t prev;
        if (k == 6) {
            if (s_batch_prev(node, seq, nil_prev, &prev) != 0) {
                goto fail;
            }
            value.len = (size_t)snprintf(text, sizeof text, "%" PRIu64, prev);
            value.str = text;
        } else if (sti_node_bytes(node, &bytes, &value.len, NULL) == 0) {
            value.str = (char *)bytes;
        } else {
            goto fail;
        }
        if (s_entry_field(event, names[k], &value) != 0) {
            goto fail;
        }
    }
    if (s_event_finish(event, stream) == 0) {
        return event;
    }
fail:
    sti_event_destroy(&event);
    return NULL;
}

//  Reads a batch entry's `first`, 1 <= first <= last, `events`, and
//  `prevs` (a packed entry's; NULL when absent). Returns 0 or -1.
static int s_batch_fields(const redisReply *fields, uint64_t last, uint64_t *first,
                          const redisReply **packed, const redisReply **prevs)
{
    const redisReply *first_text = NULL;
    *packed = *prevs = NULL;
    for (size_t i = 0; i < fields->elements; i += 2) {
        const redisReply *name = fields->element[i], *value = fields->element[i + 1];
        if (name->type != REDIS_REPLY_STRING || value->type != REDIS_REPLY_STRING) {
            return -1;
        }
        const redisReply **slot = strcmp(name->str, "first") == 0    ? &first_text
                                  : strcmp(name->str, "events") == 0 ? packed
                                  : strcmp(name->str, "prevs") == 0  ? prevs
                                                                     : NULL;
        if (slot && *slot) {
            return -1; // repeated field
        }
        if (slot) {
            *slot = value;
        }
    }
    if (!first_text || !*packed || first_text->len < 1 || first_text->len > 20 ||
        first_text->str[0] < '1' || first_text->str[0] > '9') {
        return -1;
    }
    char *end;
    *first = strtoull(first_text->str, &end, 10);
    return !*end && *first <= last && last - *first < STI_EVENTS_ENTRY_MAX ? 0 : -1;
}

//  Parses a packed entry's `prevs`, decimal seqs separated by one space,
//  into at most max numbers. Returns how many, or -1 when malformed.
static long s_batch_prevs(const redisReply *text, uint64_t *out, size_t max)
{
    size_t n = 0, at = 0;
    while (text && at < text->len) {
        uint64_t value = 0;
        size_t digits = 0;
        for (; at < text->len && text->str[at] >= '0' && text->str[at] <= '9'; at++, digits++) {
            value = value * 10 + (uint64_t)(text->str[at] - '0');
        }
        if (digits == 0 || digits > 18 || n == max ||
            (at < text->len && (text->str[at] != ' ' || at + 1 == text->len))) {
            return -1;
        }
        out[n++] = value;
        at += at < text->len ? 1 : 0;
    }
    return (long)n;
}

//  The events of a batch entry whose last seq is last, in seq order (a
//  malformed event is left out, logged). Returns a new array, or NULL.
static sti_event_t **s_batch_events(const redisReply *fields, uint64_t last, const char *stream,
                                    size_t *count)
{
    uint64_t first;
    const redisReply *packed, *prevs_text;
    if (s_batch_fields(fields, last, &first, &packed, &prevs_text) != 0) {
        return NULL;
    }
    size_t n = (size_t)(last - first + 1);
    char err[128];
    sti_limits_t limits = {.max_items = STI_EVENTS_ENTRY_MAX, .max_depth = 2};
    sti_reader_t *reader = sti_reader_new(packed->str, packed->len, &limits, err, sizeof err);
    sti_node_t root = reader ? sti_reader_root(reader) : (sti_node_t){0};
    uint64_t *prevs = calloc(n, sizeof *prevs);
    assert(prevs);
    long nils = s_batch_prevs(prevs_text, prevs, n);
    if (!reader || nils < 0 || sti_node_type(root) != STI_TYPE_ARRAY || sti_node_size(root) != n) {
        sti_reader_destroy(&reader);
        free(prevs);
        return NULL;
    }
    sti_event_t **events = calloc(n, sizeof *events);
    assert(events);
    *count = 0;
    for (size_t k = 0, used = 0; k < n; k++) {
        //  A nil prev takes the next number, whether or not its event is well formed.
        sti_node_t item = sti_node_at(root, k);
        bool nil = sti_node_type(item) == STI_TYPE_ARRAY && sti_node_size(item) == 7 &&
                   sti_node_type(sti_node_at(item, 6)) == STI_TYPE_NIL;
        const uint64_t *nil_prev = nil && used < (size_t)nils ? &prevs[used] : NULL;
        used += nil ? 1 : 0;
        events[*count] = s_batch_event(item, first + k, stream, nil_prev);
        if (events[*count]) {
            (*count)++;
        } else {
            sti_warn("events: event %" PRIu64 " of a batch entry is malformed, skipped", first + k);
        }
    }
    sti_reader_destroy(&reader);
    free(prevs);
    return events;
}

sti_event_t **sti_events_log_entry_events(const redisReply *entry, const char *stream,
                                          size_t *count, uint64_t *last)
{
    assert(entry && stream && count && last);
    *count = 0, *last = 0;
    if (entry->type != REDIS_REPLY_ARRAY || entry->elements != 2 ||
        sti_events_log_entry_seq(entry->element[0], last) != 0 ||
        entry->element[1]->type != REDIS_REPLY_ARRAY || entry->element[1]->elements % 2) {
        return NULL;
    }
    if (sti_events_log_entry_is_batch(entry)) {
        return s_batch_events(entry->element[1], *last, stream, count);
    }
    sti_event_t *event = sti_events_log_entry(entry, stream);
    if (!event) {
        return NULL;
    }
    sti_event_t **events = calloc(1, sizeof *events);
    assert(events);
    events[0] = event, *count = 1;
    return events;
}

void sti_events_log_events_destroy(sti_event_t ***events_p, size_t count)
{
    assert(events_p);
    for (size_t i = 0; *events_p && i < count; i++) {
        sti_event_destroy(&(*events_p)[i]);
    }
    free(*events_p);
    *events_p = NULL;
}

bool sti_events_log_entry_is_batch(const redisReply *entry)
{
    if (entry->type != REDIS_REPLY_ARRAY || entry->elements != 2 ||
        entry->element[1]->type != REDIS_REPLY_ARRAY) {
        return false;
    }
    const redisReply *fields = entry->element[1];
    for (size_t i = 0; i + 1 < fields->elements; i += 2) {
        if (fields->element[i]->type == REDIS_REPLY_STRING &&
            strcmp(fields->element[i]->str, "events") == 0) {
            return true;
        }
    }
    return false;
}

int sti_events_log_entry_first(const redisReply *entry, uint64_t *first)
{
    uint64_t last;
    const redisReply *packed, *prevs;
    if (entry->type != REDIS_REPLY_ARRAY || entry->elements != 2 ||
        sti_events_log_entry_seq(entry->element[0], &last) != 0) {
        return -1;
    }
    if (!sti_events_log_entry_is_batch(entry) || entry->element[1]->elements % 2) {
        *first = last;
        return 0;
    }
    return s_batch_fields(entry->element[1], last, first, &packed, &prevs);
}

//  XRANGE log 0-<from> <end> COUNT count. Returns the reply or NULL.
redisReply *sti_events_log_range(sti_redis_t *redis, const char *log_key, uint64_t from,
                                 const char *end, size_t count)
{
    char start[32], count_text[32];
    snprintf(start, sizeof start, "0-%" PRIu64, from);
    snprintf(count_text, sizeof count_text, "%zu", count);
    const char *argv[] = {"XRANGE", log_key, start, end, "COUNT", count_text};
    redisReply *reply = sti_redis_argv_retry(redis, 6, argv, NULL);
    if (reply && reply->type != REDIS_REPLY_ARRAY) {
        sti_warn("events: XRANGE %s: %s", log_key,
                 reply->type == REDIS_REPLY_ERROR ? reply->str : "not an array");
        freeReplyObject(reply);
        return NULL;
    }
    return reply;
}

//  Reads the stream's latest seq (0 before the first event). Returns 0 or -1.
int sti_events_log_latest(sti_redis_t *redis, const char *seq_key, uint64_t *latest)
{
    const char *get[] = {"GET", seq_key};
    redisReply *reply = sti_redis_argv_retry(redis, 2, get, NULL);
    if (!reply) {
        return -1;
    }
    char *end = NULL;
    *latest = 0;
    if (reply->type == REDIS_REPLY_STRING && reply->len > 0 && reply->len <= 20) {
        *latest = strtoull(reply->str, &end, 10);
    }
    bool ok = reply->type == REDIS_REPLY_NIL || (end && !*end && reply->str[0] >= '0' &&
                                                 reply->str[0] <= '9' && *latest <= INT64_MAX);
    freeReplyObject(reply);
    if (!ok) {
        sti_warn("events: %s does not hold a sequence number", seq_key);
        return -1;
    }
    return 0;
}

//  A seq key's value: nil (0) or a decimal seq. Returns 0 or -1.
static int s_seq_value(const redisReply *reply, uint64_t *seq)
{
    char *end = NULL;
    *seq = 0;
    if (reply->type == REDIS_REPLY_NIL) {
        return 0;
    }
    if (reply->type == REDIS_REPLY_STRING && reply->len > 0 && reply->len <= 20 &&
        reply->str[0] >= '0' && reply->str[0] <= '9') {
        *seq = strtoull(reply->str, &end, 10);
    }
    return end && !*end && *seq <= INT64_MAX ? 0 : -1;
}

int sti_events_log_head(sti_redis_t *redis, const char *seq_key, const char *epoch_key,
                        uint64_t *latest, char *epoch)
{
    assert(redis && seq_key && epoch_key && latest && epoch);
    const char *get[] = {"GET", seq_key};
    const char *hget[] = {"HGET", epoch_key, "id"};
    epoch[0] = 0;
    *latest = 0;
    if (sti_redis_append(redis, 2, get, NULL) || sti_redis_append(redis, 3, hget, NULL)) {
        return -1;
    }
    redisReply *seq = sti_redis_reply(redis);
    redisReply *id = seq ? sti_redis_reply(redis) : NULL;
    int rc = seq && id && s_seq_value(seq, latest) == 0 ? 0 : -1;
    if (rc == 0 && id->type == REDIS_REPLY_STRING && id->len <= STI_EVENTS_EPOCH_MAX &&
        !memchr(id->str, 0, id->len)) {
        snprintf(epoch, STI_EVENTS_EPOCH_MAX + 1, "%s", id->str);
    } else if (rc == 0 && id->type != REDIS_REPLY_NIL) {
        rc = -1;
    }
    if (rc != 0) {
        sti_warn("events: %s or %s cannot be read: %s", seq_key, epoch_key,
                 seq && id ? "malformed" : sti_redis_errstr(redis));
    }
    if (seq) {
        freeReplyObject(seq);
    }
    if (id) {
        freeReplyObject(id);
    }
    return rc;
}

//  Reads the stream's latest seq and the oldest one its log holds
//  (latest + 1 when the log is empty). Returns 0 or -1.
static int s_bounds(sti_redis_t *redis, const char *log_key, const char *seq_key, uint64_t *latest,
                    uint64_t *first)
{
    if (sti_events_log_latest(redis, seq_key, latest) != 0) {
        return -1;
    }
    redisReply *reply = sti_events_log_range(redis, log_key, 0, "+", 1);
    if (!reply) {
        return -1;
    }
    *first = *latest + 1;
    uint64_t seq;
    if (reply->elements == 1 && sti_events_log_entry_first(reply->element[0], &seq) == 0) {
        *first = seq;
    }
    freeReplyObject(reply);
    return 0;
}

//  The stream's epoch as its hash holds it: id ("" for none), start, the
//  reason of a loss ("" for none), the confirmed mark (0 for none) and
//  whether there is one. Returns 0 or -1.
int sti_events_log_epoch(sti_redis_t *redis, const char *epoch_key, char *id, uint64_t *start,
                         char *lost, size_t lost_cap, uint64_t *confirmed, bool *marked)
{
    const char *argv[] = {"HMGET", epoch_key, "id", "start", "lost", "confirmed"};
    redisReply *reply = sti_redis_argv_retry(redis, 6, argv, NULL);
    if (!reply) {
        return -1;
    }
    if (reply->type == REDIS_REPLY_ERROR) {
        sti_warn("events: %s: %s", epoch_key, reply->str);
        freeReplyObject(reply);
        return -1;
    }
    int rc = reply->type == REDIS_REPLY_ARRAY && reply->elements == 4 ? 0 : -1;
    id[0] = 0, *start = 0;
    uint64_t mark = 0;
    if (lost) {
        lost[0] = 0;
    }
    for (size_t i = 0; rc == 0 && i < 4; i++) {
        const redisReply *value = reply->element[i];
        if (value->type == REDIS_REPLY_NIL) {
            continue;
        }
        if (value->type != REDIS_REPLY_STRING || memchr(value->str, 0, value->len)) {
            rc = -1;
        } else if (i == 0) {
            rc = value->len <= STI_EVENTS_EPOCH_MAX ? 0 : -1;
            snprintf(id, STI_EVENTS_EPOCH_MAX + 1, "%s", value->str);
        } else if (i == 1 || i == 3) {
            char *end;
            uint64_t number = strtoull(value->str, &end, 10);
            rc = value->len > 0 && !*end && value->str[0] != '-' ? 0 : -1;
            *(i == 1 ? start : &mark) = number;
        } else if (lost) {
            snprintf(lost, lost_cap, "%s", value->len ? value->str : "lost");
        }
    }
    if (rc != 0) {
        sti_warn("events: %s is malformed", epoch_key);
    }
    if (confirmed) {
        *confirmed = mark;
    }
    if (marked) {
        *marked = rc == 0 && reply->element[3]->type != REDIS_REPLY_NIL;
    }
    freeReplyObject(reply);
    return rc;
}

//  --- walking the log ---

//  Entries to ask for, to get about `remaining` events: from the events per
//  entry seen so far (a log mixes event entries and batch entries), at first
//  S_FIRST_READ, always 1 to S_BATCH.
static size_t s_entries_wanted(size_t remaining, size_t entries_seen, size_t events_seen)
{
    size_t want =
        events_seen ? (size_t)(((uint64_t)remaining * entries_seen + events_seen - 1) / events_seen)
                    : S_FIRST_READ;
    want = want < remaining ? want : remaining;
    return want < 1 ? 1 : want > S_BATCH ? S_BATCH : want;
}

//  Hands the events of one entry with seqs in walk->upto+1 .. to over to fn,
//  while fn asks for more and max allows. Returns true when fn or max
//  stopped the walk, or an event past to was reached.
static bool s_walk_entry(sti_event_t **events, size_t count, uint64_t last, uint64_t to, size_t max,
                         sti_events_log_fn *fn, void *arg, sti_events_walk_t *walk)
{
    for (size_t k = 0; k < count; k++) {
        if (events[k]->seq <= walk->upto) {
            continue; // before the cursor: the entry holds it and more
        }
        if (events[k]->seq > to) {
            walk->at_end = true;
            return true;
        }
        if (walk->examined >= max) {
            return true;
        }
        walk->upto = events[k]->seq;
        walk->examined++;
        if (fn(events[k], arg) != 0) {
            return true;
        }
    }
    //  Every event of the entry examined: its seqs that are not there (left
    //  out as malformed) are past too.
    walk->upto = last < to ? last : to;
    return false;
}

int sti_events_log_walk(sti_redis_t *redis, const char *log_key, const char *stream, uint64_t to,
                        size_t max, sti_events_log_fn *fn, void *arg, sti_events_walk_t *walk)
{
    assert(redis && log_key && stream && fn && walk);
    size_t entries_seen = 0, events_seen = 0;
    bool stop = false;
    walk->at_end = false;
    while (!stop && walk->examined < max && walk->upto < to && walk->upto < INT64_MAX) {
        size_t want = s_entries_wanted(max - walk->examined, entries_seen, events_seen);
        redisReply *reply = sti_events_log_range(redis, log_key, walk->upto + 1, "+", want);
        if (!reply) {
            return -1;
        }
        size_t i = 0;
        for (; i < reply->elements && !stop; i++) {
            const redisReply *entry = reply->element[i];
            uint64_t last;
            size_t count;
            sti_event_t **events = sti_events_log_entry_events(entry, stream, &count, &last);
            if (last <= walk->upto) {
                sti_warn("events: %s holds a malformed entry id", log_key);
                sti_events_log_events_destroy(&events, count);
                freeReplyObject(reply);
                return -1;
            }
            entries_seen++, events_seen += count ? count : 1;
            if (!events) {
                sti_warn("events: %s entry %" PRIu64 " is malformed, skipped", log_key, last);
                walk->examined++;
                walk->upto = last < to ? last : to;
                stop = walk->examined >= max;
            } else {
                stop = s_walk_entry(events, count, last, to, max, fn, arg, walk);
            }
            sti_events_log_events_destroy(&events, count);
        }
        if (!stop && i == reply->elements && reply->elements < want) {
            walk->at_end = true;
            stop = true;
        }
        freeReplyObject(reply);
    }
    if (walk->upto >= to) {
        walk->at_end = true;
    }
    return 0;
}

//  --- events.since ---

//  What s_match needs: the prefix, the reply's events, how many at most.
typedef struct {
    const char *prefix; // only events whose topic starts with it
    size_t prefix_len;  // its length
    size_t limit;       // events of the reply at most
    size_t matched;     // events written so far
    sti_writer_t *out;  // the encoded events
} s_match_t;

//  Adds an event of the prefix to the reply. Returns 1 when the reply is full.
static int s_match(sti_event_t *event, void *arg)
{
    s_match_t *match = arg;
    if (strncmp(event->topic, match->prefix, match->prefix_len) == 0) {
        sti_event_encode(event, match->out);
        match->matched++;
    }
    return match->matched >= match->limit;
}

int sti_events_since_scan(sti_redis_t *redis, const char *stream, uint64_t seq, const char *prefix,
                          size_t limit, size_t max_scan, sti_writer_t *writer)
{
    assert(redis && stream && writer);
    char log_key[256], seq_key[256], prev_key[256], epoch_key[256];
    if (!sti_events_stream_valid(stream) ||
        sti_events_log_keys(redis, stream, log_key, seq_key, prev_key, epoch_key, sizeof log_key) !=
            0) {
        return -1;
    }
    char epoch[STI_EVENTS_EPOCH_MAX + 1];
    uint64_t epoch_start, confirmed;
    bool marked;
    if (sti_events_log_epoch(redis, epoch_key, epoch, &epoch_start, NULL, 0, &confirmed, &marked) !=
        0) {
        return -1;
    }
    limit = limit < 1 ? 1 : limit > STI_EVENTS_SINCE_MAX ? STI_EVENTS_SINCE_MAX : limit;
    max_scan = max_scan < 1 ? 1 : max_scan;
    uint64_t latest, first;
    if (s_bounds(redis, log_key, seq_key, &latest, &first) != 0) {
        return -1;
    }
    //  Where writes must reach replicas, only what they confirmed is handed
    //  out: a seq beyond it can be taken back by a fail-over and given to
    //  another event, and so can a new epoch, which the heartbeats name only
    //  once confirmed (the publishers mark it, from its start, after their
    //  WAIT). Refused until then (unavailable): the subscriber asks again.
    uint64_t to = UINT64_MAX;
    if (sti_redis_replicas(redis) > 0) {
        if (epoch[0] && !marked) {
            return -2;
        }
        to = confirmed > epoch_start ? confirmed : epoch_start;
    }
    sti_events_walk_t walk = {.upto = seq > INT64_MAX ? INT64_MAX : seq};
    s_match_t match = {.prefix = prefix ? prefix : "", .limit = limit, .out = sti_writer_new()};
    match.prefix_len = strlen(match.prefix);
    int rc = sti_events_log_walk(redis, log_key, stream, to, max_scan, s_match, &match, &walk);
    uint64_t upto = walk.upto;
    //  Every seq up to latest was logged before the walk read it: what is not
    //  there now is a hole (a failed script) or gone; either way, past. (Not
    //  past what the replicas confirmed.)
    uint64_t end = latest < to ? latest : to;
    if (rc == 0 && walk.at_end && end > upto) {
        upto = end;
    }
    size_t matched = match.matched;
    sti_writer_t *events = match.out;
    if (rc == 0) {
        //  latest is the stream's own, even when the subscriber asked from
        //  beyond it (its log went back: it must see that); only entries
        //  logged while this call read can be past it.
        if (upto > seq && upto > latest) {
            latest = upto;
        }
        size_t size;
        const void *data = sti_writer_data(events, &size);
        sti_writer_map(writer, 6);
        sti_writer_str(writer, "events");
        sti_writer_array(writer, matched);
        if (size) {
            sti_writer_raw(writer, data, size);
        }
        sti_writer_str(writer, "upto");
        sti_writer_uint(writer, upto);
        sti_writer_str(writer, "first");
        sti_writer_uint(writer, first);
        sti_writer_str(writer, "latest");
        sti_writer_uint(writer, latest);
        sti_writer_kv_str(writer, "epoch", epoch);
        sti_writer_str(writer, "epoch_start");
        sti_writer_uint(writer, epoch_start);
    }
    sti_writer_destroy(&events);
    return rc;
}

int sti_events_since(sti_redis_t *redis, const char *stream, uint64_t seq, const char *prefix,
                     size_t limit, sti_writer_t *writer)
{
    return sti_events_since_scan(redis, stream, seq, prefix, limit, 10 * limit, writer);
}

const sti_arg_t sti_events_since_args[] = {
    {"stream", STI_ARG_STR, STI_REQUIRED, 0, STI_EVENTS_STREAM_MAX, NULL,
     "the stream this service publishes (another is invalid_argument)"},
    {"seq", STI_ARG_INT, STI_REQUIRED, 0, INT64_MAX, NULL,
     "the last seq the subscriber has handled; the reply starts after it"},
    {"prefix", STI_ARG_STR, STI_OPTIONAL, 0, STI_EVENTS_TOPIC_MAX, NULL,
     "only events whose topic starts with it (default \"\": all)"},
    {"limit", STI_ARG_INT, STI_OPTIONAL, 1, STI_EVENTS_SINCE_MAX, NULL,
     "events of the reply at most (default 100)"},
    STI_ARGS_END,
};

void sti_events_since_reply(sti_redis_t *redis, const char *stream, const sti_request_t *request,
                            sti_writer_t *writer)
{
    assert(redis && stream && request && writer);
    static const sti_op_decl_t decl = {.name = "events.since", .body = sti_events_since_args};
    sti_field_error_t ferr;
    char asked[STI_EVENTS_STREAM_MAX + 1], prefix[STI_EVENTS_TOPIC_MAX + 1] = "";
    int64_t seq = 0, limit = 100;
    sti_node_t body = request->body;
    sti_writer_reset(writer);
    //  The declaration's checks (a frame has run them already; a test server
    //  has not), then what it cannot say: which stream is this one.
    bool bad = sti_op_check(&decl, body, &ferr) != 0 ||
               sti_map_str_copy(body, "stream", asked, sizeof asked, &ferr) != 0;
    if (!bad && strcmp(asked, stream) != 0) {
        ferr = (sti_field_error_t){.field = "stream",
                                   .reason = "this service does not publish that stream"};
        bad = true;
    }
    if (bad) {
        sti_envelope_reply_invalid(writer, request->id, &ferr);
        return;
    }
    sti_map_int(body, "seq", &seq, &ferr);
    if (!sti_node_is_missing(sti_node_get(body, "prefix"))) {
        sti_map_str_copy(body, "prefix", prefix, sizeof prefix, &ferr);
    }
    if (!sti_node_is_missing(sti_node_get(body, "limit"))) {
        sti_map_int(body, "limit", &limit, &ferr);
    }
    sti_envelope_reply_ok(writer, request->id);
    int rc = sti_events_since(redis, stream, (uint64_t)seq, prefix, (size_t)limit, writer);
    if (rc != 0) {
        const char *why = rc == -2 ? "the stream's new epoch is not confirmed by the replicas yet"
                                   : "the event log cannot be read now";
        sti_writer_reset(writer);
        sti_envelope_reply_error(writer, request->id, STI_ERR_UNAVAILABLE, why, NULL, 0);
    }
}
