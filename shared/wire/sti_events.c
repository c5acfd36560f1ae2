/*  sti_events: the publisher. See sti_events.h and docs/events.md; the
    event's wire codec is sti_event_codec.c, the log read back and the replay op
    sti_events_log.c, the subscriber sti_events_sub.c.

    Publishing is two steps in a fixed order: the Lua function of
    lua/events_append.lua appends the event to the stream's log and takes its
    seq and prev in one atomic call; only then are the two frames sent on a PUB
    socket connected to the broker's XSUB. A crash between the two loses
    nothing a subscriber cannot get back: the heartbeat (read from the seq key,
    so it also covers events that a service's own Lua script appended) shows
    the seq, and events.since serves the entry from the log.

    With replicas to reach (sti_events_pub_set_replicas), "logged" is not
    enough: an event goes on the bus, a heartbeat names its seq, and the
    stream's confirmed mark (events.since's bound) covers it only once a
    WAIT says the replicas hold it. Until then it is held back as a range of
    seqs, and sent as the log holds it when a WAIT confirms it (a fail-over
    meanwhile may have given those seqs to other events: the log's are the
    ones that stay).
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

#define S_PUB_HWM 100000    // events queued towards the broker before PUB drops
#define S_HEARTBEAT_MS 1000 // interval between heartbeats
#define S_CONFIRM_MS 100    // how long a heartbeat waits for replicas to confirm a seq

//  The call that turns events_append.lua's functions into a script:
//  KEYS log, seq, prev, epoch; ARGV maxlen, topic, type, subject, time,
//  source, data, floor, floor epoch. Returns {seq, prev, epoch}, or {0, why}
//  when the guard refuses.
static const char s_append_call[] =
    "\nlocal epoch, why = sti_events_guard(KEYS[1], KEYS[4], KEYS[2], ARGV[8], ARGV[9])\n"
    "if not epoch then return {0, why} end\n"
    "local seq, prev = sti_events_append(KEYS[1], KEYS[2], KEYS[3], ARGV[1], ARGV[2],"
    " ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7])\nreturn {seq, prev, epoch}\n";

//  The heartbeat's confirmation (s_confirmed): KEYS seq. Reads the seq and
//  writes it back unchanged (INCRBY 0 is a write, replicated like any), so
//  that a WAIT after it covers every write Redis took before. Returns the seq.
static const char s_touch_seq[] = "local seq = redis.call('GET', KEYS[1])\n"
                                  "if not seq then return 0 end\n"
                                  "return redis.call('INCRBY', KEYS[1], 0)\n";

//  The confirmed mark (s_mark): KEYS epoch hash; ARGV seq, epoch. Raises the
//  hash's `confirmed` to seq, or sets it where there is none (a new epoch's
//  start), in that epoch only and never down (another publisher may have
//  marked more). Returns 1 when it wrote it.
static const char s_mark_confirmed[] =
    "local e = redis.call('HMGET', KEYS[1], 'id', 'confirmed')\n"
    "if (e[1] or '') ~= ARGV[2] or (e[2] and tonumber(e[2]) >= tonumber(ARGV[1])) then\n"
    "    return 0\nend\n"
    "redis.call('HSET', KEYS[1], 'confirmed', ARGV[1])\nreturn 1\n";

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
    sti_script_t *touch_seq;                // s_touch_seq
    sti_script_t *mark_confirmed;           // s_mark_confirmed
    int64_t replicas;                       // replicas a seq must reach to be named (0: none)
    size_t maxlen;                          // approximate bound on the log's length
    uint64_t latest;                        // highest seq known logged (and confirmed) in epoch
    uint64_t appended;                      // highest seq this publisher's calls appended
    uint64_t appended_on;                   // the connection's generation they were appended on
    uint64_t held_from;                     // first seq held back from the bus (0: none)
    uint64_t held_to;                       // last seq held back until the replicas confirm
    char epoch[STI_EVENTS_EPOCH_MAX + 1];   // the epoch latest belongs to ("" for none)
    char moved[STI_EVENTS_EPOCH_MAX + 1];   // another epoch a script appended in, not taken yet
    bool moving;                            // moved is set: the caller's WAIT takes it
    uint64_t epoch_start;                   // the stream's seq when the epoch began
    char lost[STI_DATASET_WHY_MAX];         // why the stream stopped after a loss, or ""
    int64_t next_heartbeat;                 // zclock_mono time of the next heartbeat
    sti_writer_t *writer;                   // reused for each frame
};

//  --- the log in Redis ---

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
    if (!self->source ||
        sti_events_log_keys(redis, stream, self->log_key, self->seq_key, self->prev_key,
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
    self->touch_seq = sti_redis_script(redis, s_touch_seq);
    self->mark_confirmed = sti_redis_script(redis, s_mark_confirmed);
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

void sti_events_pub_set_replicas(sti_events_pub_t *self, int64_t replicas)
{
    assert(self && replicas >= 0);
    self->replicas = replicas;
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
        self->appended = start;
        self->held_from = self->held_to = 0; // seqs of the old epoch: not to be sent
        self->moving = false;
        self->lost[0] = 0;
    }
}

//  Whether an event logged as seq waits for the replicas before it goes on
//  the bus: with replicas to reach, every seq beyond the last confirmed one.
static bool s_holding(const sti_events_pub_t *self, uint64_t seq)
{
    return self->replicas > 0 && seq > self->latest;
}

//  Holds the logged seqs from..to back from the bus until the replicas
//  confirm them (s_confirm sends what the log then holds).
static void s_hold(sti_events_pub_t *self, uint64_t from, uint64_t to)
{
    if (!self->held_from || from < self->held_from) {
        self->held_from = from;
    }
    if (to > self->held_to) {
        self->held_to = to;
    }
}

void sti_events_pub_appended(sti_events_pub_t *self, const char *epoch, uint64_t last)
{
    assert(self && epoch);
    if (self->replicas > 0 && strcmp(epoch, self->epoch) != 0) {
        //  The stream moved to another epoch, which the replicas may not
        //  hold yet (a switch after its WAIT, whose write they missed): taken
        //  only with the caller's WAIT that confirms these seqs, or by the
        //  heartbeat's. Taken now, a heartbeat would name it, and a fail-over
        //  could take it back. What is held back is of the old epoch: not
        //  to be sent (as s_adopt).
        if (!self->moving || strcmp(self->moved, epoch) != 0) {
            self->held_from = self->held_to = 0;
        }
        snprintf(self->moved, sizeof self->moved, "%s", epoch);
        self->moving = true;
    } else {
        s_adopt(self, epoch, self->epoch_start);
        self->moving = false;
    }
    uint64_t generation = sti_redis_generation(self->redis);
    if (generation != self->appended_on) {
        //  What was appended before a reconnect: no caller's WAIT from now on
        //  covers it (sti_events_pub_replicated); the heartbeat's, which
        //  reads the seq the server holds, may.
        self->appended = self->latest;
        self->appended_on = generation;
    }
    if (last > self->appended) {
        self->appended = last;
    }
    if (self->replicas <= 0 && last > self->latest) {
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
    sti_events_pub_appended(self, reply->element[2]->str, event.seq);
    event.epoch = self->epoch;
    freeReplyObject(reply);
    char id[STI_EVENTS_STREAM_MAX + 32];
    snprintf(id, sizeof id, "%s-%" PRIu64, self->stream, event.seq);
    event.id = id;
    if (s_holding(self, event.seq)) {
        s_hold(self, event.seq, event.seq);
    } else {
        s_send(self, &event);
        if (event.seq > self->latest) {
            self->latest = event.seq;
        }
    }
    if (seq) {
        *seq = event.seq;
    }
    return 0;
}

//  Sends one event read back from the log, in the publisher's epoch.
static int s_send_logged(sti_event_t *event, void *arg)
{
    sti_events_pub_t *self = arg;
    event->epoch = strdup(self->epoch);
    assert(event->epoch);
    s_send(self, event);
    if (event->seq > self->latest) {
        self->latest = event->seq;
    }
    return 0;
}

int sti_events_send_logged(sti_events_pub_t *self, uint64_t from, uint64_t to)
{
    assert(self);
    from = from < 1 ? 1 : from;
    if (from > to) {
        return 0;
    }
    if (s_holding(self, to)) {
        s_hold(self, from, to);
        return 0;
    }
    sti_events_walk_t walk = {.upto = from - 1};
    return sti_events_log_walk(self->redis, self->log_key, self->stream, to, SIZE_MAX,
                               s_send_logged, self, &walk);
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
    if (s_holding(self, event->seq)) {
        s_hold(self, event->seq, event->seq);
        return 0;
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

static bool s_replicated(sti_events_pub_t *self, uint64_t *seq);

//  Moves the stream to the dataset's epoch when that is due: the stream has
//  no epoch yet (the first plan load), or an operator accepted a loss (a
//  dataset id with a reason). With replicas to reach, only once they hold
//  every seq so far: the epoch starts at the stream's seq, and events.since
//  hands out up to a new epoch's start once it is taken, so a start only
//  the primary holds (an applier's window whose WAIT failed) is not one to
//  begin at: a fail-over takes it back. Updates epoch, start and lost as
//  the stream has them after. Returns 0 or -1.
static int s_switch(sti_events_pub_t *self, char *epoch, uint64_t *start, char *lost)
{
    sti_dataset_t dataset;
    if (sti_dataset_read(self->redis, &dataset) != 0 || !dataset.id[0] ||
        strcmp(dataset.id, epoch) == 0 || (epoch[0] || lost[0] ? !dataset.reason[0] : false)) {
        return 0;
    }
    uint64_t held = 0;
    char held_text[24] = "";
    if (self->replicas > 0) {
        if (!s_replicated(self, &held)) {
            return 0; // the next heartbeat tries again
        }
        snprintf(held_text, sizeof held_text, "%" PRIu64, held);
    }
    const char *argv[] = {self->epoch_key, self->seq_key, epoch, dataset.id, held_text};
    redisReply *reply =
        sti_redis_eval(self->redis, self->switch_epoch, 2, self->replicas > 0 ? 3 : 2, argv, NULL);
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
        sti_events_log_entry_seq(reply->element[0]->element[0], &seq) != 0) {
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

//  Whether the replicas hold every write Redis took so far: a write that
//  changes nothing (the seq, read in *seq), then a WAIT of at most
//  S_CONFIRM_MS. True at once without replicas to reach.
static bool s_replicated(sti_events_pub_t *self, uint64_t *seq)
{
    if (self->replicas <= 0) {
        return true;
    }
    const char *keys[] = {self->seq_key};
    redisReply *reply = sti_redis_eval(self->redis, self->touch_seq, 1, 0, keys, NULL);
    bool read = reply && reply->type == REDIS_REPLY_INTEGER && reply->integer >= 0;
    if (read && seq) {
        *seq = (uint64_t)reply->integer;
    }
    if (reply) {
        freeReplyObject(reply);
    }
    if (!read) {
        return false;
    }
    //  The WAIT must run on the connection that read the seq.
    uint64_t generation = sti_redis_generation(self->redis);
    return sti_redis_wait_replicas(self->redis, (int)self->replicas, S_CONFIRM_MS) >=
               self->replicas &&
           sti_redis_waited(self->redis) == generation;
}

//  Writes the confirmed mark (events.since hands out no seq beyond it):
//  seq, which the replicas hold, in the publisher's epoch.
static void s_mark(sti_events_pub_t *self, uint64_t seq)
{
    char text[24];
    snprintf(text, sizeof text, "%" PRIu64, seq);
    const char *argv[] = {self->epoch_key, text, self->epoch};
    redisReply *reply = sti_redis_eval(self->redis, self->mark_confirmed, 1, 2, argv, NULL);
    if (!reply || reply->type == REDIS_REPLY_ERROR) {
        sti_warn("events: cannot mark seq %" PRIu64 " of %s confirmed: %s", seq, self->stream,
                 reply ? reply->str : sti_redis_errstr(self->redis));
    }
    if (reply) {
        freeReplyObject(reply);
    }
}

//  The replicas hold every seq up to upto: names it from now on, marks it
//  for events.since, and sends what was held back, as the log holds it.
static void s_confirm(sti_events_pub_t *self, uint64_t upto)
{
    if (upto <= self->latest && !self->held_to) {
        return;
    }
    if (upto > self->latest) {
        self->latest = upto;
        s_mark(self, upto);
    }
    uint64_t from = self->held_from, to = self->held_to < upto ? self->held_to : upto;
    if (!self->held_to || from > to) {
        return;
    }
    self->held_from = to < self->held_to ? to + 1 : 0;
    self->held_to = self->held_from ? self->held_to : 0;
    sti_events_walk_t walk = {.upto = from - 1};
    if (sti_events_log_walk(self->redis, self->log_key, self->stream, to, SIZE_MAX, s_send_logged,
                            self, &walk) != 0) {
        sti_warn("events: %" PRIu64 "..%" PRIu64 " of %s are logged and confirmed but not sent",
                 from, to, self->stream);
    }
}

void sti_events_pub_replicated(sti_events_pub_t *self, bool held)
{
    assert(self);
    if (self->replicas <= 0) {
        return;
    }
    //  A WAIT covers the writes of its own connection only: what was
    //  appended on an earlier one (a command failed and the connection was
    //  made again, maybe to a promoted replica that lacks it) is not
    //  confirmed by it.
    if (held && sti_redis_waited(self->redis) == self->appended_on) {
        //  The WAIT covers the move to the epoch the seqs were appended in
        //  too: Redis took it before them.
        uint64_t appended = self->appended, from = self->held_from, to = self->held_to;
        if (self->moving) {
            s_adopt(self, self->moved, self->epoch_start);
            self->held_from = from; // held since: of that epoch
            self->held_to = to;
        }
        s_confirm(self, appended);
    } else {
        //  What was appended is confirmed only by what Redis holds when a
        //  later WAIT succeeds (the heartbeat's reads it): the connection
        //  may follow the Sentinels to a replica that lacks it meanwhile.
        self->appended = self->latest;
        self->moving = false;
    }
}

//  The seq a heartbeat may name when Redis holds seq, beyond the publisher's
//  latest: with replicas to reach, only once they hold it. Redis may have
//  taken writes that no WAIT confirmed (an applier's window whose WAIT
//  failed): a fail-over can take them back and hand their seqs out again,
//  so naming them would make subscribers fetch events that go away, and
//  would raise the guard's floor (sti_events_guard) above what the promoted
//  replica holds, which stops the stream for good although nothing
//  acknowledged was lost. Returns seq, or latest while not confirmed.
static uint64_t s_confirmed(sti_events_pub_t *self, uint64_t seq)
{
    if (self->replicas <= 0 || seq <= self->latest) {
        return seq;
    }
    uint64_t touched = self->latest;
    if (s_replicated(self, &touched)) {
        s_confirm(self, touched);
    }
    return self->latest;
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
    uint64_t start, latest, marked;
    bool has_mark;
    if (sti_events_log_epoch(self->redis, self->epoch_key, epoch, &start, lost, sizeof lost,
                             &marked, &has_mark) != 0 ||
        sti_events_log_latest(self->redis, self->seq_key, &latest) != 0) {
        return; // no heartbeat beats a wrong one
    }
    s_check(self, epoch, latest, lost, sizeof lost);
    char before[STI_EVENTS_EPOCH_MAX + 1];
    snprintf(before, sizeof before, "%s", epoch);
    if (s_switch(self, epoch, &start, lost) != 0) {
        return;
    }
    if (strcmp(before, epoch) != 0) {
        has_mark = false; // moved here: the move cleared the mark read before
        marked = 0;
    }
    if (lost[0]) {
        s_lost(self, lost);
    } else if (strcmp(epoch, self->epoch) != 0 && !s_replicated(self, NULL)) {
        //  An epoch the replicas do not hold yet (moved to, or first seen,
        //  where writes are not confirmed) is not taken: its start is a seq
        //  no replica may have. The heartbeat names what was.
        snprintf(epoch, sizeof epoch, "%s", self->epoch);
        start = self->epoch_start;
        latest = self->latest;
    } else {
        s_adopt(self, epoch, start);
        self->epoch_start = start;
        self->lost[0] = 0;
        if (self->replicas > 0 &&
            ((marked < self->latest && self->latest > start) || (!has_mark && epoch[0]))) {
            //  The mark lags what is confirmed (a fail-over to a replica that
            //  missed the last mark), or the epoch, taken after a WAIT, has
            //  none yet: events.since would stop short, or not answer in it.
            s_mark(self, self->latest);
        }
        latest = s_confirmed(self, latest);
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
