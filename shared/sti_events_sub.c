/*  sti_events_sub: the subscriber half of sti_events (see sti_events.h and
    docs/events.md, which gives this algorithm for other languages).

    The SUB socket takes the whole stream ("<stream>."), so every event of the
    stream passes here and the next one must have seq cursor + 1:

    - seq <= cursor: a duplicate (a live copy of what a replay gave): dropped.
    - seq == cursor + 1: the cursor moves on; the event is queued for the
      caller when its topic starts with the prefix.
    - seq > cursor + 1, or a heartbeat whose seq is above the cursor: events
      were lost on the way. The subscriber asks the publishing service for
      events.since {stream, seq: cursor, prefix, limit}, queues what comes
      back, and sets the cursor to the reply's upto, repeating until it reaches
      the latest seq. When the reply's first is above cursor + 1, the log no
      longer holds what was missed: the caller is told (*lost) and the cursor
      jumps ahead.

    The queue is bounded (S_QUEUE_MAX): a replay asks for no more than fits,
    and the socket is read only when the queue is empty, so a slow caller makes
    the SUB socket's high-water mark drop live events, which come back by
    replay. When the service does not answer, the replay is tried again a
    second later; meanwhile live events past the gap are dropped (the replay
    brings them). A replay call blocks up to S_CALL_TIMEOUT_MS x 2 (one retry),
    so recv can overrun its timeout by that much while the service is away.
*/
#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sti_events.h"
#include "sti_curve.h"
#include "sti_log.h"
#include "sti_mdp.h"
#include "sti_mdp_client.h"

#define S_QUEUE_MAX 1000       // events held for the caller
#define S_REPLAY_LIMIT 200     // events asked for in one events.since
#define S_CALL_TIMEOUT_MS 1500 // per events.since attempt
#define S_RETRY_MS 1000        // wait after a failed replay
#define S_SUB_HWM 100000       // live events buffered before the socket drops

struct _sti_events_sub_t {
    zsock_t *sock;                             // SUB on "<stream>."
    sti_mdp_client_t *client;                  // for events.since, opened on first use
    char *broker;                              // broker endpoint for the client
    char *service;                             // service that serves events.since
    char stream[STI_EVENTS_STREAM_MAX + 1];    // the stream
    char *prefix;                              // topic prefix delivered to the caller
    size_t prefix_len;                         // strlen(prefix)
    char heartbeat[STI_EVENTS_STREAM_MAX + 8]; // "<stream>.$hb"
    bool started;          // cursor holds a real value (false: LIVE, nothing seen)
    uint64_t cursor;       // last seq handled (queued or skipped)
    uint64_t target;       // highest seq known to exist
    bool replay;           // a replay is needed (target > cursor, or at start)
    uint64_t replay_start; // cursor when the current replay began (for the log)
    int64_t next_replay;   // zclock_mono time before which no replay is tried
    bool lost;             // events were lost for good: tell the caller
    zlist_t *queue;        // sti_event_t *, in seq order
    sti_writer_t *writer;  // request encoding
    uint64_t requests;     // request counter, for request ids
    sti_log_limit_t malformed_log; // at most one line a second about malformed input
};

sti_events_sub_t *sti_events_sub_new(const char *sub_endpoint, const char *broker,
                                     const char *service, const char *stream, const char *prefix,
                                     uint64_t from)
{
    assert(sub_endpoint && broker && service);
    prefix = prefix ? prefix : "";
    size_t slen = stream ? strlen(stream) : 0;
    if (!sti_events_stream_valid(stream) ||
        (prefix[0] && (strncmp(prefix, stream, slen) != 0 || prefix[slen] != '.')) ||
        strlen(prefix) > STI_EVENTS_TOPIC_MAX) {
        sti_error("events: bad stream or prefix (a prefix starts with \"<stream>.\")");
        return NULL;
    }
    sti_events_sub_t *self = calloc(1, sizeof *self);
    assert(self);
    snprintf(self->stream, sizeof self->stream, "%s", stream);
    snprintf(self->heartbeat, sizeof self->heartbeat, "%s.$hb", stream);
    self->broker = strdup(broker);
    self->service = strdup(service);
    self->prefix = strdup(prefix);
    assert(self->broker && self->service && self->prefix);
    self->prefix_len = strlen(prefix);
    self->queue = zlist_new();
    self->writer = sti_writer_new();
    self->started = from != STI_EVENTS_LIVE;
    self->cursor = self->started ? from : 0;
    self->replay = self->started; // learn how far the stream is, and catch up
    self->replay_start = self->cursor;
    self->sock = zsock_new(ZMQ_SUB);
    if (!self->sock) {
        sti_events_sub_destroy(&self);
        return NULL;
    }
    sti_mdp_socket_limits(self->sock, S_SUB_HWM);
    char err[256];
    if (sti_curve_client_setup(self->sock, err, sizeof err) < 0) {
        sti_error("events: %s", err);
        sti_events_sub_destroy(&self);
        return NULL;
    }
    char subscription[STI_EVENTS_STREAM_MAX + 2];
    snprintf(subscription, sizeof subscription, "%s.", stream);
    zsock_set_subscribe(self->sock, subscription);
    if (zsock_connect(self->sock, "%s", sub_endpoint) != 0) {
        sti_error("events: cannot connect to %s", sub_endpoint);
        sti_events_sub_destroy(&self);
    }
    return self;
}

void sti_events_sub_destroy(sti_events_sub_t **self_p)
{
    assert(self_p);
    sti_events_sub_t *self = *self_p;
    if (!self) {
        return;
    }
    while (zlist_size(self->queue)) {
        sti_event_t *event = zlist_pop(self->queue);
        sti_event_destroy(&event);
    }
    zlist_destroy(&self->queue);
    zsock_destroy(&self->sock);
    sti_mdp_client_destroy(&self->client);
    sti_writer_destroy(&self->writer);
    free(self->broker);
    free(self->service);
    free(self->prefix);
    free(self);
    *self_p = NULL;
}

uint64_t sti_events_sub_cursor(sti_events_sub_t *self)
{
    assert(self);
    return self->cursor;
}

zsock_t *sti_events_sub_sock(sti_events_sub_t *self)
{
    assert(self);
    return self->sock;
}

size_t sti_events_sub_queued(sti_events_sub_t *self)
{
    assert(self);
    return zlist_size(self->queue);
}

//  Logs one malformed message dropped (at most one line a second, since
//  anyone who reaches the bus can send them).
static void s_malformed(sti_events_sub_t *self, const char *what, const char *detail)
{
    int64_t suppressed;
    if (sti_log_due(&self->malformed_log, zclock_mono(), 1000, &suppressed)) {
        sti_warn("events: malformed %s on stream %s dropped%s%s; %" PRId64
                 " more dropped since the last line",
                 what, self->stream, detail ? ": " : "", detail ? detail : "", suppressed);
    }
}

//  Notes that seq exists; a replay is needed when it is past the cursor.
static void s_ahead(sti_events_sub_t *self, uint64_t seq)
{
    if (seq > self->target) {
        self->target = seq;
    }
    if (self->target > self->cursor && !self->replay) {
        self->replay = true;
        self->replay_start = self->cursor;
    }
}

static void s_on_event(sti_events_sub_t *self, sti_event_t *event)
{
    if (!self->started) {
        self->started = true;
        self->cursor = event->seq - 1;
    }
    if (event->seq == self->cursor + 1) {
        self->cursor = event->seq;
        if (strncmp(event->topic, self->prefix, self->prefix_len) == 0) {
            zlist_append(self->queue, event);
            return;
        }
    } else if (event->seq > self->cursor + 1) {
        s_ahead(self, event->seq); // the replay brings this one too
    }
    sti_event_destroy(&event);
}

static void s_on_heartbeat(sti_events_sub_t *self, zframe_t *body)
{
    char err[128];
    sti_reader_t *reader =
        sti_reader_new(zframe_data(body), zframe_size(body), NULL, err, sizeof err);
    sti_field_error_t ferr = {.field = ""};
    char stream[STI_EVENTS_STREAM_MAX + 1];
    int64_t seq;
    if (!reader ||
        sti_map_str_copy(sti_reader_root(reader), "stream", stream, sizeof stream, &ferr) != 0 ||
        sti_map_int(sti_reader_root(reader), "seq", &seq, &ferr) != 0 || seq < 0 ||
        strcmp(stream, self->stream) != 0) {
        s_malformed(self, "heartbeat", NULL);
    } else if (!self->started) {
        self->started = true;
        self->cursor = (uint64_t)seq;
    } else {
        s_ahead(self, (uint64_t)seq);
    }
    sti_reader_destroy(&reader);
}

//  Reads one message from the socket and handles it.
static void s_on_message(sti_events_sub_t *self)
{
    zmsg_t *msg = zmsg_recv(self->sock);
    if (!msg) {
        return;
    }
    zframe_t *topic_frame = zmsg_first(msg);
    zframe_t *body = zmsg_next(msg);
    char topic[STI_EVENTS_TOPIC_MAX + 1];
    size_t tlen = topic_frame ? zframe_size(topic_frame) : 0;
    if (zmsg_size(msg) != 2 || !sti_events_topic_valid((char *)zframe_data(topic_frame), tlen)) {
        s_malformed(self, "message", NULL);
        zmsg_destroy(&msg);
        return;
    }
    memcpy(topic, zframe_data(topic_frame), tlen);
    topic[tlen] = 0;
    if (strcmp(topic, self->heartbeat) == 0) {
        s_on_heartbeat(self, body);
    } else {
        char err[256];
        sti_event_t *event =
            sti_event_decode(topic, zframe_data(body), zframe_size(body), err, sizeof err);
        if (event) {
            s_on_event(self, event);
        } else {
            s_malformed(self, "event", err);
        }
    }
    zmsg_destroy(&msg);
}

//  Sends events.since and decodes the reply. Returns 0 or -1 (logged).
static int s_ask(sti_events_sub_t *self, size_t limit, sti_reply_t *reply)
{
    if (!self->client) {
        self->client = sti_mdp_client_new(self->broker, S_CALL_TIMEOUT_MS, 1);
        if (!self->client) {
            sti_warn("events: cannot open a client to %s", self->broker);
            return -1;
        }
    }
    char id[64];
    snprintf(id, sizeof id, "%s.since.%d.%" PRIu64, self->stream, (int)getpid(), ++self->requests);
    sti_writer_reset(self->writer);
    sti_envelope_request(self->writer, "events.since", id);
    sti_writer_map(self->writer, 4);
    sti_writer_kv_str(self->writer, "stream", self->stream);
    sti_writer_str(self->writer, "seq");
    sti_writer_uint(self->writer, self->cursor);
    sti_writer_kv_str(self->writer, "prefix", self->prefix);
    sti_writer_kv_int(self->writer, "limit", (int64_t)limit);
    size_t size;
    const void *data = sti_writer_data(self->writer, &size);
    if (sti_mdp_client_call(self->client, self->service, data, size, reply) != 0) {
        sti_warn("events: events.since to %s: %s", self->service,
                 sti_mdp_client_error(self->client));
        return -1;
    }
    if (!reply->ok) {
        sti_warn("events: events.since to %s: %s: %s", self->service, sti_errcode_name(reply->code),
                 reply->message);
        sti_reply_release(reply);
        return -1;
    }
    return 0;
}

//  Checks an events.since reply body and takes its events, in order, into
//  batch. Returns 0, or -1 for a reply that breaks the protocol.
static int s_take(sti_events_sub_t *self, sti_node_t body, zlist_t *batch, uint64_t *upto,
                  uint64_t *first, uint64_t *latest)
{
    sti_field_error_t ferr = {.field = ""};
    int64_t values[3];
    const char *names[] = {"upto", "first", "latest"};
    for (int i = 0; i < 3; i++) {
        if (sti_map_int(body, names[i], &values[i], &ferr) != 0 || values[i] < 0) {
            return -1;
        }
    }
    *upto = (uint64_t)values[0], *first = (uint64_t)values[1], *latest = (uint64_t)values[2];
    sti_node_t events = sti_node_get(body, "events");
    if (*upto < self->cursor || sti_node_type(events) != STI_TYPE_ARRAY) {
        return -1;
    }
    uint64_t last = self->cursor;
    for (size_t i = 0; i < sti_node_size(events); i++) {
        char err[256];
        sti_event_t *event = sti_event_from_node(sti_node_at(events, i), NULL, err, sizeof err);
        size_t slen = strlen(self->stream);
        if (!event || event->seq <= last || event->seq > *upto ||
            strncmp(event->topic, self->stream, slen) != 0 || event->topic[slen] != '.') {
            sti_warn("events: events.since reply: bad event: %s", event ? "out of order" : err);
            sti_event_destroy(&event);
            return -1;
        }
        last = event->seq;
        zlist_append(batch, event);
    }
    return 0;
}

//  One events.since round trip; queues what it brings and moves the cursor.
static void s_replay(sti_events_sub_t *self)
{
    size_t room = S_QUEUE_MAX - zlist_size(self->queue);
    if (room == 0) {
        return;
    }
    sti_reply_t reply;
    if (s_ask(self, room < S_REPLAY_LIMIT ? room : S_REPLAY_LIMIT, &reply) != 0) {
        self->next_replay = zclock_mono() + S_RETRY_MS;
        return;
    }
    zlist_t *batch = zlist_new();
    uint64_t upto, first, latest;
    if (s_take(self, reply.body, batch, &upto, &first, &latest) != 0) {
        sti_warn("events: malformed events.since reply from %s", self->service);
        self->next_replay = zclock_mono() + S_RETRY_MS;
    } else {
        if (first > self->cursor + 1 && upto > self->cursor) {
            sti_warn("events: %s: events %" PRIu64 " to %" PRIu64 " are no longer in the log",
                     self->stream, self->cursor + 1, first - 1);
            self->lost = true;
        }
        bool progress = upto > self->cursor;
        while (zlist_size(batch)) {
            sti_event_t *event = zlist_pop(batch);
            if (strncmp(event->topic, self->prefix, self->prefix_len) == 0) {
                zlist_append(self->queue, event);
            } else {
                sti_event_destroy(&event);
            }
        }
        self->cursor = upto;
        //  The service's latest is the truth; a heartbeat or event from the bus
        //  that claimed more (a forged one) is forgotten here.
        self->target = latest > upto ? latest : upto;
        //  No progress means the log holds nothing past the cursor yet: stop
        //  until a heartbeat or event says otherwise.
        self->replay = progress && self->target > self->cursor;
        if (!self->replay && self->cursor > self->replay_start) {
            sti_info("events: %s: replayed %" PRIu64 "..%" PRIu64 " from the log", self->stream,
                     self->replay_start + 1, self->cursor);
        }
    }
    while (zlist_size(batch)) {
        sti_event_t *event = zlist_pop(batch);
        sti_event_destroy(&event);
    }
    zlist_destroy(&batch);
    sti_reply_release(&reply);
}

//  Hands over the next queued event (or NULL) and the lost flag.
static sti_event_t *s_deliver(sti_events_sub_t *self, bool *lost)
{
    if (lost) {
        *lost = self->lost;
    }
    self->lost = false;
    return zlist_pop(self->queue);
}

sti_event_t *sti_events_sub_recv(sti_events_sub_t *self, int timeout_ms, bool *lost)
{
    assert(self);
    int64_t deadline = zclock_mono() + (timeout_ms > 0 ? timeout_ms : 0);
    void *handle = zsock_resolve(self->sock);
    bool polled = false;
    while (true) {
        if (zlist_size(self->queue)) {
            return s_deliver(self, lost);
        }
        int64_t now = zclock_mono();
        if (self->replay && now >= self->next_replay) {
            s_replay(self);
            if (zlist_size(self->queue)) {
                continue;
            }
            now = zclock_mono();
        }
        if (polled && now >= deadline) {
            break;
        }
        int64_t until = deadline;
        if (self->replay && self->next_replay < until) {
            until = self->next_replay > now ? self->next_replay : now;
        }
        zmq_pollitem_t item = {.socket = handle, .events = ZMQ_POLLIN};
        int rc = zmq_poll(&item, 1, until > now ? (long)(until - now) : 0);
        polled = true;
        if (rc > 0) {
            s_on_message(self);
        } else if (rc < 0 || zsys_interrupted) {
            break;
        }
    }
    return s_deliver(self, lost);
}
