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

#define S_BATCH 256 // entries per XRANGE

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
    if (!event->topic || !event->type || !event->subject || !event->time || !event->source ||
        !sti_events_topic_valid(event->topic, strlen(event->topic))) {
        goto fail;
    }
    char id[STI_EVENTS_STREAM_MAX + 32];
    snprintf(id, sizeof id, "%s-%" PRIu64, stream, event->seq);
    event->id = strdup(id);
    assert(event->id);
    return event;
fail:
    sti_event_destroy(&event);
    return NULL;
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
    if (reply->elements == 1 && reply->element[0]->type == REDIS_REPLY_ARRAY &&
        reply->element[0]->elements == 2 &&
        sti_events_log_entry_seq(reply->element[0]->element[0], &seq) == 0) {
        *first = seq;
    }
    freeReplyObject(reply);
    return 0;
}

//  The stream's epoch as its hash holds it: id ("" for none), start, and
//  the reason of a loss ("" for none). Returns 0 or -1.
int sti_events_log_epoch(sti_redis_t *redis, const char *epoch_key, char *id, uint64_t *start,
                         char *lost, size_t lost_cap)
{
    const char *argv[] = {"HMGET", epoch_key, "id", "start", "lost"};
    redisReply *reply = sti_redis_argv_retry(redis, 5, argv, NULL);
    if (!reply) {
        return -1;
    }
    if (reply->type == REDIS_REPLY_ERROR) {
        sti_warn("events: %s: %s", epoch_key, reply->str);
        freeReplyObject(reply);
        return -1;
    }
    int rc = reply->type == REDIS_REPLY_ARRAY && reply->elements == 3 ? 0 : -1;
    id[0] = 0, *start = 0;
    if (lost) {
        lost[0] = 0;
    }
    for (size_t i = 0; rc == 0 && i < 3; i++) {
        const redisReply *value = reply->element[i];
        if (value->type == REDIS_REPLY_NIL) {
            continue;
        }
        if (value->type != REDIS_REPLY_STRING || memchr(value->str, 0, value->len)) {
            rc = -1;
        } else if (i == 0) {
            rc = value->len <= STI_EVENTS_EPOCH_MAX ? 0 : -1;
            snprintf(id, STI_EVENTS_EPOCH_MAX + 1, "%s", value->str);
        } else if (i == 1) {
            char *end;
            *start = strtoull(value->str, &end, 10);
            rc = value->len > 0 && !*end && value->str[0] != '-' ? 0 : -1;
        } else if (lost) {
            snprintf(lost, lost_cap, "%s", value->len ? value->str : "lost");
        }
    }
    if (rc != 0) {
        sti_warn("events: %s is malformed", epoch_key);
    }
    freeReplyObject(reply);
    return rc;
}

//  --- events.since ---

//  Scans the log after *upto, adding events of prefix to events (as encoded
//  wire maps) until limit matched or max_scan examined. Returns 0 or -1.
static int s_scan(sti_redis_t *redis, const char *stream, const char *log_key, const char *prefix,
                  size_t limit, size_t max_scan, uint64_t latest, uint64_t *upto, size_t *matched,
                  sti_writer_t *events)
{
    size_t scanned = 0, plen = strlen(prefix);
    while (scanned < max_scan && *matched < limit && *upto < INT64_MAX) {
        size_t want = max_scan - scanned < S_BATCH ? max_scan - scanned : S_BATCH;
        redisReply *reply = sti_events_log_range(redis, log_key, *upto + 1, "+", want);
        if (!reply) {
            return -1;
        }
        size_t i = 0;
        for (; i < reply->elements && *matched < limit; i++) {
            uint64_t seq;
            const redisReply *entry = reply->element[i];
            if (entry->type != REDIS_REPLY_ARRAY || entry->elements != 2 ||
                sti_events_log_entry_seq(entry->element[0], &seq) != 0 || seq <= *upto) {
                sti_warn("events: %s holds a malformed entry id", log_key);
                freeReplyObject(reply);
                return -1;
            }
            scanned++;
            *upto = seq;
            sti_event_t *event = sti_events_log_entry(entry, stream);
            if (!event) {
                sti_warn("events: %s entry %" PRIu64 " is malformed, skipped", log_key, seq);
            } else if (strncmp(event->topic, prefix, plen) == 0) {
                sti_event_encode(event, events);
                (*matched)++;
            }
            sti_event_destroy(&event);
        }
        bool at_end = i == reply->elements && reply->elements < want;
        freeReplyObject(reply);
        if (at_end) {
            //  Every seq up to latest was logged before we read it: what is not
            //  there now is a hole (a failed script) or gone; either way, past.
            if (latest > *upto) {
                *upto = latest;
            }
            break;
        }
    }
    return 0;
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
    uint64_t epoch_start;
    if (sti_events_log_epoch(redis, epoch_key, epoch, &epoch_start, NULL, 0) != 0) {
        return -1;
    }
    limit = limit < 1 ? 1 : limit > STI_EVENTS_SINCE_MAX ? STI_EVENTS_SINCE_MAX : limit;
    max_scan = max_scan < 1 ? 1 : max_scan;
    uint64_t latest, first;
    if (s_bounds(redis, log_key, seq_key, &latest, &first) != 0) {
        return -1;
    }
    uint64_t upto = seq > INT64_MAX ? INT64_MAX : seq;
    size_t matched = 0;
    sti_writer_t *events = sti_writer_new();
    int rc = s_scan(redis, stream, log_key, prefix ? prefix : "", limit, max_scan, latest, &upto,
                    &matched, events);
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
    sti_writer_reset(writer);
    sti_envelope_reply_ok(writer, request->id);
    if (sti_events_since(redis, stream, (uint64_t)seq, prefix, (size_t)limit, writer) != 0) {
        sti_writer_reset(writer);
        sti_envelope_reply_error(writer, request->id, STI_ERR_UNAVAILABLE,
                                 "the event log cannot be read now", NULL, 0);
    }
}
