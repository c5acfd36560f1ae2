/*  sti_events: the publisher, the log in Redis and the replay op. See
    sti_events.h and docs/events.md; the wire codec is in sti_events_codec.c
    and the subscriber in sti_events_sub.c.

    Publishing is two steps in a fixed order: the Lua function of
    lua/events_append.lua appends the event to the stream's log and takes its
    seq and prev in one atomic call; only then are the two frames sent on a PUB
    socket connected to the broker's XSUB. A crash between the two loses
    nothing a subscriber cannot get back: the heartbeat (read from the seq key,
    so it also covers events that a service's own Lua script appended) shows
    the seq, and events.since serves the entry from the log.

    Everything read back from Redis is checked as hostile input: entry ids must
    be 0-<seq>, fields must be strings within their bounds, and data must be a
    valid MessagePack map, else the entry is skipped with a log line (a
    subscriber then skips it too, as upto moves past it).
*/
#include "sti_events.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "sti_curve.h"
#include "sti_dataset.h"
#include "sti_log.h"
#include "sti_lua_sti.h"
#include "sti_mdp.h"
#include "sti_time.h"

#define S_BATCH 256         // entries per XRANGE when sending logged events
#define S_PUB_HWM 100000    // events queued towards the broker before PUB drops
#define S_HEARTBEAT_MS 1000 // interval between heartbeats

//  The call that turns events_append.lua's functions into a script:
//  KEYS log, seq, prev, epoch; ARGV maxlen, topic, type, subject, time,
//  source, data, floor, floor epoch. Returns {seq, prev, epoch}, or {0, why}
//  when the guard refuses.
static const char s_append_call[] =
    "\nlocal epoch, why = sti_events_guard(KEYS[1], KEYS[4], KEYS[2], ARGV[8], ARGV[9])\n"
    "if not epoch then return {0, why} end\n"
    "local seq, prev = sti_events_append(KEYS[1], KEYS[2], KEYS[3], ARGV[1], ARGV[2],"
    " ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7])\nreturn {seq, prev, epoch}\n";

struct _sti_events_pub_t {
    sti_redis_t *redis;                     // borrowed connection
    char stream[STI_EVENTS_STREAM_MAX + 1]; // the stream this publisher owns
    char *source;                           // CloudEvents source: the service's name
    zsock_t *pub;                           // PUB connected to the broker's XSUB
    sti_script_t *append;                   // events_append.lua plus the call
    char log_key[256];                      // <ns>:events:<stream>
    char seq_key[256];                      // <ns>:events:<stream>:seq
    char prev_key[256];                     // <ns>:events:<stream>:prev
    char epoch_key[256];                    // <ns>:events:<stream>:epoch
    sti_script_t *switch_epoch;             // events_epoch.lua
    size_t maxlen;                          // approximate bound on the log's length
    uint64_t latest;                        // highest seq known to be logged (in epoch)
    char epoch[STI_EVENTS_EPOCH_MAX + 1];   // the epoch latest belongs to ("" for none)
    uint64_t epoch_start;                   // the stream's seq when the epoch began
    char lost[STI_DATASET_WHY_MAX];         // why the stream stopped after a loss, or ""
    int64_t next_heartbeat;                 // zclock_mono time of the next heartbeat
    sti_writer_t *writer;                   // reused for each frame
};

//  --- the log in Redis ---

//  Builds the four keys of a stream (epoch_key may be NULL). Returns 0, or
//  -1 when they do not fit.
static int s_keys(sti_redis_t *redis, const char *stream, char *log_key, char *seq_key,
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
static int s_entry_seq(const redisReply *id, uint64_t *seq)
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
static sti_event_t *s_entry_event(const redisReply *entry, const char *stream)
{
    if (entry->type != REDIS_REPLY_ARRAY || entry->elements != 2 ||
        entry->element[1]->type != REDIS_REPLY_ARRAY || entry->element[1]->elements % 2) {
        return NULL;
    }
    sti_event_t *event = calloc(1, sizeof *event);
    assert(event);
    if (s_entry_seq(entry->element[0], &event->seq) != 0) {
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
static redisReply *s_range(sti_redis_t *redis, const char *log_key, uint64_t from, const char *end,
                           size_t count)
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
static int s_latest(sti_redis_t *redis, const char *seq_key, uint64_t *latest)
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
    if (s_latest(redis, seq_key, latest) != 0) {
        return -1;
    }
    redisReply *reply = s_range(redis, log_key, 0, "+", 1);
    if (!reply) {
        return -1;
    }
    *first = *latest + 1;
    uint64_t seq;
    if (reply->elements == 1 && reply->element[0]->type == REDIS_REPLY_ARRAY &&
        reply->element[0]->elements == 2 && s_entry_seq(reply->element[0]->element[0], &seq) == 0) {
        *first = seq;
    }
    freeReplyObject(reply);
    return 0;
}

//  The stream's epoch as its hash holds it: id ("" for none), start, and
//  the reason of a loss ("" for none). Returns 0 or -1.
static int s_epoch(sti_redis_t *redis, const char *epoch_key, char *id, uint64_t *start,
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
        redisReply *reply = s_range(redis, log_key, *upto + 1, "+", want);
        if (!reply) {
            return -1;
        }
        size_t i = 0;
        for (; i < reply->elements && *matched < limit; i++) {
            uint64_t seq;
            const redisReply *entry = reply->element[i];
            if (entry->type != REDIS_REPLY_ARRAY || entry->elements != 2 ||
                s_entry_seq(entry->element[0], &seq) != 0 || seq <= *upto) {
                sti_warn("events: %s holds a malformed entry id", log_key);
                freeReplyObject(reply);
                return -1;
            }
            scanned++;
            *upto = seq;
            sti_event_t *event = s_entry_event(entry, stream);
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
        s_keys(redis, stream, log_key, seq_key, prev_key, epoch_key, sizeof log_key) != 0) {
        return -1;
    }
    char epoch[STI_EVENTS_EPOCH_MAX + 1];
    uint64_t epoch_start;
    if (s_epoch(redis, epoch_key, epoch, &epoch_start, NULL, 0) != 0) {
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

//  Writes a whole error reply for a bad events.since body field.
static void s_bad_request(sti_writer_t *writer, const char *id, const sti_field_error_t *ferr)
{
    sti_detail_t detail = {.index = -1, .field = ferr->field, .reason = ferr->reason};
    sti_envelope_reply_error(writer, id, STI_ERR_INVALID_ARGUMENT, "bad events.since request",
                             &detail, 1);
}

void sti_events_since_reply(sti_redis_t *redis, const char *stream, const sti_request_t *request,
                            sti_writer_t *writer)
{
    assert(redis && stream && request && writer);
    static const char *const keys[] = {"stream", "seq", "prefix", "limit", NULL};
    sti_field_error_t ferr = {.field = ""};
    char asked[STI_EVENTS_STREAM_MAX + 1], prefix[STI_EVENTS_TOPIC_MAX + 1] = "";
    int64_t seq, limit = 100;
    sti_node_t body = request->body;
    sti_writer_reset(writer);
    if (sti_node_type(body) != STI_TYPE_MAP) {
        ferr = (sti_field_error_t){.field = "body", .reason = "must be a map"};
        s_bad_request(writer, request->id, &ferr);
        return;
    }
    if (sti_map_only(body, keys, &ferr) != 0 ||
        sti_map_str_copy(body, "stream", asked, sizeof asked, &ferr) != 0 ||
        sti_map_int(body, "seq", &seq, &ferr) != 0 ||
        (!sti_node_is_missing(sti_node_get(body, "prefix")) &&
         sti_map_str_copy(body, "prefix", prefix, sizeof prefix, &ferr) != 0) ||
        (!sti_node_is_missing(sti_node_get(body, "limit")) &&
         sti_map_int(body, "limit", &limit, &ferr) != 0)) {
        s_bad_request(writer, request->id, &ferr);
        return;
    }
    if (strcmp(asked, stream) != 0 || seq < 0 || limit < 1 || limit > STI_EVENTS_SINCE_MAX) {
        snprintf(ferr.field, sizeof ferr.field, "%s",
                 strcmp(asked, stream) != 0 ? "stream"
                 : seq < 0                  ? "seq"
                                            : "limit");
        snprintf(ferr.reason, sizeof ferr.reason, "%s",
                 strcmp(asked, stream) != 0 ? "this service does not publish that stream"
                 : seq < 0                  ? "must not be negative"
                                            : "must be from 1 to 1000");
        s_bad_request(writer, request->id, &ferr);
        return;
    }
    sti_writer_reset(writer);
    sti_envelope_reply_ok(writer, request->id);
    if (sti_events_since(redis, stream, (uint64_t)seq, prefix, (size_t)limit, writer) != 0) {
        sti_writer_reset(writer);
        sti_envelope_reply_error(writer, request->id, STI_ERR_UNAVAILABLE,
                                 "the event log cannot be read now", NULL, 0);
    }
}

//  --- publishing ---

sti_events_pub_t *sti_events_pub_new(sti_redis_t *redis, const char *stream, const char *endpoint,
                                     const char *source)
{
    assert(redis && endpoint && source);
    if (!sti_events_stream_valid(stream)) {
        sti_error("events: bad stream name");
        return NULL;
    }
    sti_events_pub_t *self = calloc(1, sizeof *self);
    assert(self);
    snprintf(self->stream, sizeof self->stream, "%s", stream);
    self->redis = redis;
    self->source = strdup(source);
    self->maxlen = STI_EVENTS_MAXLEN;
    self->writer = sti_writer_new();
    if (!self->source || s_keys(redis, stream, self->log_key, self->seq_key, self->prev_key,
                                self->epoch_key, sizeof self->log_key) != 0) {
        sti_events_pub_destroy(&self);
        return NULL;
    }
    size_t len = strlen(sti_lua_events_append) + sizeof s_append_call;
    char *source_text = malloc(len);
    assert(source_text);
    snprintf(source_text, len, "%s%s", sti_lua_events_append, s_append_call);
    self->append = sti_redis_script(redis, source_text);
    free(source_text);
    self->switch_epoch = sti_redis_script(redis, sti_lua_events_epoch);
    self->pub = zsock_new(ZMQ_PUB);
    if (!self->pub) {
        sti_events_pub_destroy(&self);
        return NULL;
    }
    sti_mdp_socket_limits(self->pub, S_PUB_HWM);
    zsock_set_linger(self->pub, 1000);
    char err[256];
    if (sti_curve_client_setup(self->pub, err, sizeof err) < 0) {
        sti_error("events: %s", err);
        sti_events_pub_destroy(&self);
        return NULL;
    }
    if (zsock_connect(self->pub, "%s", endpoint) != 0) {
        sti_error("events: cannot connect to %s", endpoint);
        sti_events_pub_destroy(&self);
    }
    return self;
}

void sti_events_pub_destroy(sti_events_pub_t **self_p)
{
    assert(self_p);
    sti_events_pub_t *self = *self_p;
    if (!self) {
        return;
    }
    zsock_destroy(&self->pub);
    sti_writer_destroy(&self->writer);
    free(self->source);
    free(self);
    *self_p = NULL;
}

void sti_events_pub_set_maxlen(sti_events_pub_t *self, size_t maxlen)
{
    assert(self && maxlen > 0);
    self->maxlen = maxlen;
}

//  Sends the two frames of an event.
static void s_send(sti_events_pub_t *self, const sti_event_t *event)
{
    sti_writer_reset(self->writer);
    sti_event_encode(event, self->writer);
    size_t size;
    const void *body = sti_writer_data(self->writer, &size);
    zmsg_t *msg = zmsg_new();
    zmsg_addstr(msg, event->topic);
    zmsg_addmem(msg, body, size);
    if (zmsg_send(&msg, self->pub) != 0) {
        zmsg_destroy(&msg);
    }
}

//  Notes a loss of the stream (once; logged).
static void s_lost(sti_events_pub_t *self, const char *why)
{
    if (!self->lost[0]) {
        snprintf(self->lost, sizeof self->lost, "%s", why && *why ? why : "lost");
        sti_error("events: stream %s stopped: %s; nothing more is appended until an operator "
                  "accepts the loss (stictl dataset accept-loss)",
                  self->stream, self->lost);
    }
}

//  Takes what the stream's hash or a script said its epoch is: a new epoch
//  starts this publisher's count again.
static void s_adopt(sti_events_pub_t *self, const char *epoch, uint64_t start)
{
    if (strcmp(epoch, self->epoch) != 0) {
        if (self->epoch[0] || self->latest) {
            sti_info("events: stream %s is in epoch %s from seq %" PRIu64, self->stream,
                     epoch[0] ? epoch : "(none)", start);
        }
        snprintf(self->epoch, sizeof self->epoch, "%s", epoch);
        self->epoch_start = start;
        self->latest = start;
        self->lost[0] = 0;
    }
}

void sti_events_pub_appended(sti_events_pub_t *self, const char *epoch, uint64_t last)
{
    assert(self && epoch);
    s_adopt(self, epoch, self->epoch_start);
    if (last > self->latest) {
        self->latest = last;
    }
}

void sti_events_pub_refused(sti_events_pub_t *self, const char *why)
{
    assert(self);
    s_lost(self, why);
}

const char *sti_events_pub_lost(sti_events_pub_t *self)
{
    assert(self);
    return self->lost[0] ? self->lost : NULL;
}

const char *sti_events_pub_epoch_key(sti_events_pub_t *self)
{
    assert(self);
    return self->epoch_key;
}

void sti_events_pub_floor(sti_events_pub_t *self, char *floor, size_t cap, const char **epoch)
{
    assert(self && floor && epoch);
    snprintf(floor, cap, "%" PRIu64, self->latest);
    *epoch = self->epoch;
}

//  Checks what a caller wants to publish. Returns 0 or -1 (logged).
static int s_check_publish(sti_events_pub_t *self, const char *topic, const char *type,
                           const char *subject, const void *data, size_t size)
{
    size_t slen = strlen(self->stream);
    if (!topic || !sti_events_topic_valid(topic, strlen(topic)) ||
        strncmp(topic, self->stream, slen) != 0 || topic[slen] != '.' || !topic[slen + 1] ||
        topic[slen + 1] == '$') {
        sti_error("events: topic must be %s.<name> (not %s.$...)", self->stream, self->stream);
        return -1;
    }
    if (!type || strlen(type) > STI_EVENTS_FIELD_MAX || !subject ||
        strlen(subject) > STI_EVENTS_SUBJECT_MAX || (size > 0 && !data) ||
        size > STI_EVENTS_MAX_SIZE) {
        sti_error("events: type, subject or data missing or too long");
        return -1;
    }
    if (data) {
        char err[128];
        sti_reader_t *reader = sti_reader_new(data, size, NULL, err, sizeof err);
        bool map = reader && sti_node_type(sti_reader_root(reader)) == STI_TYPE_MAP;
        sti_reader_destroy(&reader);
        if (!map) {
            sti_error("events: data must be one MessagePack map");
            return -1;
        }
    }
    return 0;
}

int sti_events_publish(sti_events_pub_t *self, const char *topic, const char *type,
                       const char *subject, const void *data, size_t size, uint64_t *seq)
{
    assert(self);
    if (s_check_publish(self, topic, type, subject, data, size) != 0) {
        return -1;
    }
    static const uint8_t empty_map = 0x80;
    if (!data) {
        data = &empty_map, size = 1;
    }
    char time[40], maxlen[32], floor[24];
    sti_time_rfc3339(sti_time_now_ms(), time, sizeof time);
    snprintf(maxlen, sizeof maxlen, "%zu", self->maxlen);
    snprintf(floor, sizeof floor, "%" PRIu64, self->latest);
    const char *argv[] = {self->log_key, self->seq_key, self->prev_key, self->epoch_key,
                          maxlen,        topic,         type,           subject,
                          time,          self->source,  data,           floor,
                          self->epoch};
    size_t lens[13];
    for (int i = 0; i < 13; i++) {
        lens[i] = i == 10 ? size : strlen(argv[i]);
    }
    redisReply *reply = sti_redis_eval(self->redis, self->append, 4, 9, argv, lens);
    if (reply && reply->type == REDIS_REPLY_ARRAY && reply->elements == 2 &&
        reply->element[0]->type == REDIS_REPLY_INTEGER && reply->element[0]->integer == 0 &&
        reply->element[1]->type == REDIS_REPLY_STRING) {
        s_lost(self, reply->element[1]->str);
        freeReplyObject(reply);
        return -1;
    }
    if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements != 3 ||
        reply->element[0]->type != REDIS_REPLY_INTEGER ||
        reply->element[1]->type != REDIS_REPLY_INTEGER ||
        reply->element[2]->type != REDIS_REPLY_STRING ||
        reply->element[2]->len > STI_EVENTS_EPOCH_MAX || reply->element[0]->integer < 1) {
        sti_error("events: append to %s failed: %s", self->log_key,
                  reply && reply->type == REDIS_REPLY_ERROR ? reply->str
                                                            : sti_redis_errstr(self->redis));
        if (reply) {
            freeReplyObject(reply);
        }
        return -1;
    }
    sti_event_t event = {
        .seq = (uint64_t)reply->element[0]->integer,
        .prev = (uint64_t)reply->element[1]->integer,
        .topic = (char *)topic,
        .type = (char *)type,
        .source = self->source,
        .subject = (char *)subject,
        .time = time,
        .data = (void *)data,
        .data_size = size,
    };
    sti_events_pub_appended(self, reply->element[2]->str, 0);
    event.epoch = self->epoch;
    freeReplyObject(reply);
    char id[STI_EVENTS_STREAM_MAX + 32];
    snprintf(id, sizeof id, "%s-%" PRIu64, self->stream, event.seq);
    event.id = id;
    s_send(self, &event);
    if (event.seq > self->latest) {
        self->latest = event.seq;
    }
    if (seq) {
        *seq = event.seq;
    }
    return 0;
}

int sti_events_send_logged(sti_events_pub_t *self, uint64_t from, uint64_t to)
{
    assert(self);
    from = from < 1 ? 1 : from;
    char end[32];
    snprintf(end, sizeof end, "0-%" PRIu64, to);
    while (from <= to && from <= INT64_MAX) {
        redisReply *reply = s_range(self->redis, self->log_key, from, end, S_BATCH);
        if (!reply) {
            return -1;
        }
        size_t count = reply->elements;
        for (size_t i = 0; i < count; i++) {
            sti_event_t *event = s_entry_event(reply->element[i], self->stream);
            if (!event || event->seq < from) {
                sti_warn("events: %s entry %zu of a range is malformed, skipped", self->log_key, i);
                sti_event_destroy(&event);
                continue;
            }
            event->epoch = strdup(self->epoch);
            assert(event->epoch);
            s_send(self, event);
            from = event->seq + 1;
            if (event->seq > self->latest) {
                self->latest = event->seq;
            }
            sti_event_destroy(&event);
        }
        freeReplyObject(reply);
        if (count < S_BATCH) {
            break;
        }
    }
    return 0;
}

int sti_events_send_event(sti_events_pub_t *self, const sti_event_t *event)
{
    assert(self && event);
    size_t slen = strlen(self->stream);
    if (!event->topic || !event->type || !event->source || !event->subject || !event->time ||
        !sti_events_topic_valid(event->topic, strlen(event->topic)) ||
        strncmp(event->topic, self->stream, slen) != 0 || event->topic[slen] != '.' ||
        event->seq < 1 || event->prev >= event->seq || event->data_size > STI_EVENTS_MAX_SIZE ||
        strlen(event->subject) > STI_EVENTS_SUBJECT_MAX ||
        strlen(event->type) > STI_EVENTS_FIELD_MAX || strlen(event->time) > STI_EVENTS_FIELD_MAX) {
        sti_warn("events: event %" PRIu64 " to send is malformed, not sent", event->seq);
        return -1;
    }
    char id[STI_EVENTS_STREAM_MAX + 32];
    snprintf(id, sizeof id, "%s-%" PRIu64, self->stream, event->seq);
    sti_event_t sent = *event;
    sent.id = id;
    sent.epoch = self->epoch;
    s_send(self, &sent);
    if (sent.seq > self->latest) {
        self->latest = sent.seq;
    }
    return 0;
}

//  Moves the stream to the dataset's epoch when that is due: the stream has
//  no epoch yet (the first plan load), or an operator accepted a loss (a
//  dataset id with a reason). Updates epoch, start and lost as the stream
//  has them after. Returns 0 or -1.
static int s_switch(sti_events_pub_t *self, char *epoch, uint64_t *start, char *lost)
{
    sti_dataset_t dataset;
    if (sti_dataset_read(self->redis, &dataset) != 0 || !dataset.id[0] ||
        strcmp(dataset.id, epoch) == 0 || (epoch[0] || lost[0] ? !dataset.reason[0] : false)) {
        return 0;
    }
    const char *argv[] = {self->epoch_key, self->seq_key, epoch, dataset.id};
    redisReply *reply = sti_redis_eval(self->redis, self->switch_epoch, 2, 2, argv, NULL);
    int rc = reply && reply->type == REDIS_REPLY_ARRAY && reply->elements == 2 &&
                     reply->element[0]->type == REDIS_REPLY_STRING &&
                     reply->element[0]->len <= STI_EVENTS_EPOCH_MAX &&
                     reply->element[1]->type == REDIS_REPLY_INTEGER &&
                     reply->element[1]->integer >= 0
                 ? 0
                 : -1;
    if (rc == 0) {
        if (strcmp(reply->element[0]->str, epoch) != 0) {
            lost[0] = 0;
        }
        snprintf(epoch, STI_EVENTS_EPOCH_MAX + 1, "%s", reply->element[0]->str);
        *start = (uint64_t)reply->element[1]->integer;
    } else {
        sti_warn("events: moving stream %s to epoch %s failed: %s", self->stream, dataset.id,
                 reply && reply->type == REDIS_REPLY_ERROR ? reply->str
                                                           : sti_redis_errstr(self->redis));
    }
    if (reply) {
        freeReplyObject(reply);
    }
    return rc;
}

//  The seq of the log's last entry (0 when empty or unreadable).
static uint64_t s_log_last(sti_events_pub_t *self)
{
    const char *argv[] = {"XREVRANGE", self->log_key, "+", "-", "COUNT", "1"};
    redisReply *reply = sti_redis_argv_retry(self->redis, 6, argv, NULL);
    uint64_t seq = 0;
    if (reply && reply->type == REDIS_REPLY_ARRAY && reply->elements == 1 &&
        reply->element[0]->type == REDIS_REPLY_ARRAY && reply->element[0]->elements == 2 &&
        s_entry_seq(reply->element[0]->element[0], &seq) != 0) {
        seq = 0;
    }
    if (reply) {
        freeReplyObject(reply);
    }
    return seq;
}

//  Compares what Redis holds with what this publisher saw: an epoch that is
//  gone, or a seq below the one seen in the same epoch (in the counter and
//  in the log: a counter alone behind is advanced by the next append), is a
//  loss, marked on the stream (HSETNX, so the first reason stays).
static void s_check(sti_events_pub_t *self, const char *epoch, uint64_t latest, char *lost,
                    size_t cap)
{
    if (lost[0]) {
        return;
    }
    if (strcmp(epoch, self->epoch) == 0 && latest < self->latest) {
        uint64_t last = s_log_last(self);
        latest = last > latest ? last : latest;
    }
    if (!epoch[0] && self->epoch[0]) {
        snprintf(lost, cap, "the event log lost its epoch %s (Redis lost its data)", self->epoch);
    } else if (strcmp(epoch, self->epoch) == 0 && latest < self->latest) {
        snprintf(lost, cap,
                 "the event log went back from seq %" PRIu64 " to %" PRIu64
                 " (Redis lost the tail of its data)",
                 self->latest, latest);
    } else {
        return;
    }
    const char *argv[] = {"HSETNX", self->epoch_key, "lost", lost};
    redisReply *reply = sti_redis_argv(self->redis, 4, argv, NULL);
    if (reply) {
        freeReplyObject(reply);
    }
}

void sti_events_pub_tick(sti_events_pub_t *self)
{
    assert(self);
    int64_t now = zclock_mono();
    if (now < self->next_heartbeat) {
        return;
    }
    self->next_heartbeat = now + S_HEARTBEAT_MS;
    char epoch[STI_EVENTS_EPOCH_MAX + 1], lost[STI_DATASET_WHY_MAX];
    uint64_t start, latest;
    if (s_epoch(self->redis, self->epoch_key, epoch, &start, lost, sizeof lost) != 0 ||
        s_latest(self->redis, self->seq_key, &latest) != 0) {
        return; // no heartbeat beats a wrong one
    }
    s_check(self, epoch, latest, lost, sizeof lost);
    if (s_switch(self, epoch, &start, lost) != 0) {
        return;
    }
    if (lost[0]) {
        s_lost(self, lost);
    } else {
        s_adopt(self, epoch, start);
        self->epoch_start = start;
        self->lost[0] = 0;
        if (latest > self->latest) {
            self->latest = latest;
        }
    }
    char topic[STI_EVENTS_STREAM_MAX + 8];
    snprintf(topic, sizeof topic, "%s.$hb", self->stream);
    sti_writer_reset(self->writer);
    sti_writer_map(self->writer, 4);
    sti_writer_kv_str(self->writer, "stream", self->stream);
    sti_writer_str(self->writer, "seq");
    sti_writer_uint(self->writer, latest);
    sti_writer_kv_str(self->writer, "epoch", epoch);
    sti_writer_str(self->writer, "epoch_start");
    sti_writer_uint(self->writer, start);
    size_t size;
    const void *body = sti_writer_data(self->writer, &size);
    zmsg_t *msg = zmsg_new();
    zmsg_addstr(msg, topic);
    zmsg_addmem(msg, body, size);
    if (zmsg_send(&msg, self->pub) != 0) {
        zmsg_destroy(&msg);
    }
}

uint64_t sti_events_latest(sti_events_pub_t *self)
{
    assert(self);
    return self->latest;
}
