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
    - Epochs (docs/events.md, "Resets"): every event, heartbeat and reply
      names the epoch of the stream's seqs (the dataset id). An epoch other
      than the cursor's means the seqs were handed out again after a loss:
      the reply's epoch_start says from where, so the cursor goes back to it
      (saying which events of the old epoch are gone) and the replay goes on
      in the new epoch. A reply whose latest is below the cursor in the same
      epoch means Redis lost the tail of the log: that is said, once, and the
      subscriber waits for the new epoch an operator's decision brings,
      instead of taking the next events as duplicates. A heartbeat below the
      cursor only makes it ask the log: in a flood a heartbeat can leave
      before a replay moves the cursor past it, and is then no loss.
    - The bus against the log: a reply whose epoch is not the one the bus
      names, or whose latest is below a seq the bus named, is said (at most
      once a minute): the SUB address is likely another stack's.

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

#include "sti_events_sub.h"
#include "sti_curve.h"
#include "sti_log.h"
#include "sti_mdp.h"
#include "sti_behalf.h"
#include "sti_mdp_client.h"

#define S_QUEUE_MAX 1000       // events held for the caller
#define S_DISAGREE_MS 60000    // a disagreement of the bus and the log is said this often
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
    bool started;                         // cursor holds a real value (false: LIVE, nothing seen)
    uint64_t cursor;                      // last seq handled (queued or skipped)
    uint64_t target;                      // highest seq known to exist
    bool replay;                          // a replay is needed (target > cursor, or at start)
    uint64_t replay_start;                // cursor when the current replay began (for the log)
    int64_t next_replay;                  // zclock_mono time before which no replay is tried
    bool lost;                            // events were lost for good: tell the caller
    char epoch[STI_EVENTS_EPOCH_MAX + 1]; // the epoch of the cursor ("" unknown)
    bool reset;                           // an event of another epoch came: wait for the replay
    bool back;                            // the stream was seen below the cursor (said once)
    char notice[512];                     // what the caller is to be told, or ""
    zlist_t *queue;                       // sti_event_t *, in seq order
    sti_writer_t *writer;                 // request encoding
    uint64_t requests;                    // request counter, for request ids
    sti_log_limit_t malformed_log;        // at most one line a second about malformed input
    int64_t live_at; // zclock_mono time of the last message from the bus (0: none)
    char bus_epoch[STI_EVENTS_EPOCH_MAX + 1]; // the epoch the bus named last ("" none)
    uint64_t bus_seq;                         // the highest seq the bus named in that epoch
    int64_t disagree_at; // zclock_mono time the bus and the log were last said to disagree
    char *as_user;       // asks events.since on this person's behalf (a gateway), or NULL
    char *as_role;       // the person's role
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
    free(self->as_user);
    free(self->as_role);
    free(self);
    *self_p = NULL;
}

void sti_events_sub_set_behalf(sti_events_sub_t *self, const char *user, const char *role)
{
    assert(self && user && role);
    free(self->as_user);
    free(self->as_role);
    self->as_user = strdup(user);
    self->as_role = strdup(role);
    assert(self->as_user && self->as_role);
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

bool sti_events_sub_notice(sti_events_sub_t *self, char *buf, size_t cap)
{
    assert(self && buf && cap);
    if (!self->notice[0]) {
        return false;
    }
    snprintf(buf, cap, "%s", self->notice);
    self->notice[0] = 0;
    return true;
}

int64_t sti_events_sub_live_at(sti_events_sub_t *self)
{
    assert(self);
    return self->live_at;
}

const char *sti_events_sub_epoch(sti_events_sub_t *self)
{
    assert(self);
    return self->epoch;
}

void sti_events_sub_set_epoch(sti_events_sub_t *self, const char *epoch)
{
    assert(self && epoch);
    snprintf(self->epoch, sizeof self->epoch, "%s", epoch);
}

//  Sets what the caller is told next (and logs it).
static void s_notice(sti_events_sub_t *self, const char *text)
{
    snprintf(self->notice, sizeof self->notice, "%s", text);
    sti_warn("events: %s", text);
}

//  Says, once, that the stream went below the cursor in the same epoch.
static void s_back(sti_events_sub_t *self, uint64_t seq)
{
    if (self->back) {
        return;
    }
    self->back = true;
    char text[400];
    snprintf(text, sizeof text,
             "stream %s went back from seq %" PRIu64 " to %" PRIu64
             " in epoch %s: Redis lost events this subscriber has; waiting for the new epoch "
             "that an operator's decision brings (stictl dataset accept-loss)",
             self->stream, self->cursor, seq, self->epoch[0] ? self->epoch : "(none)");
    s_notice(self, text);
}

//  True when epoch (from the bus or a reply) is not the cursor's.
static bool s_other_epoch(sti_events_sub_t *self, const char *epoch)
{
    return epoch && epoch[0] && self->epoch[0] && strcmp(epoch, self->epoch) != 0;
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

//  Remembers what the bus said of the stream, to compare with the log.
static void s_bus_saw(sti_events_sub_t *self, const char *epoch, uint64_t seq)
{
    if (epoch && strcmp(epoch, self->bus_epoch) != 0) {
        snprintf(self->bus_epoch, sizeof self->bus_epoch, "%s", epoch);
        self->bus_seq = 0;
    }
    self->bus_seq = seq > self->bus_seq ? seq : self->bus_seq;
}

static void s_on_event(sti_events_sub_t *self, sti_event_t *event)
{
    s_bus_saw(self, event->epoch, event->seq);
    if (s_other_epoch(self, event->epoch) || self->reset) {
        //  Another epoch: the replay says from where, and brings this one.
        self->reset = true;
        self->replay = true;
        sti_event_destroy(&event);
        return;
    }
    if (event->epoch && event->epoch[0] && !self->epoch[0]) {
        snprintf(self->epoch, sizeof self->epoch, "%s", event->epoch);
    }
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

//  A heartbeat: seq is the stream's latest in epoch.
static void s_heartbeat(sti_events_sub_t *self, const char *epoch, uint64_t seq)
{
    if (s_other_epoch(self, epoch)) {
        self->reset = true;
        self->replay = true;
    } else if (!self->started) {
        self->started = true;
        self->cursor = seq;
        snprintf(self->epoch, sizeof self->epoch, "%s", epoch);
    } else if (seq < self->cursor) {
        //  A heartbeat is no proof: it may have left before a replay moved
        //  the cursor past it (the log runs ahead of the bus in a flood).
        //  The log says whether the stream went back (s_replay).
        if (!self->back) {
            self->replay = true;
        }
    } else {
        if (epoch[0] && !self->epoch[0]) {
            snprintf(self->epoch, sizeof self->epoch, "%s", epoch);
        }
        self->back = false;
        s_ahead(self, seq);
    }
}

static void s_on_heartbeat(sti_events_sub_t *self, zframe_t *body)
{
    char err[128];
    sti_reader_t *reader =
        sti_reader_new(zframe_data(body), zframe_size(body), NULL, err, sizeof err);
    sti_field_error_t ferr = {.field = ""};
    char stream[STI_EVENTS_STREAM_MAX + 1], epoch[STI_EVENTS_EPOCH_MAX + 1] = "";
    int64_t seq;
    sti_node_t root = reader ? sti_reader_root(reader) : (sti_node_t){0};
    if (!reader || sti_map_str_copy(root, "stream", stream, sizeof stream, &ferr) != 0 ||
        sti_map_int(root, "seq", &seq, &ferr) != 0 || seq < 0 ||
        strcmp(stream, self->stream) != 0 ||
        (!sti_node_is_missing(sti_node_get(root, "epoch")) &&
         sti_map_str_copy(root, "epoch", epoch, sizeof epoch, &ferr) != 0)) {
        s_malformed(self, "heartbeat", NULL);
    } else {
        s_bus_saw(self, epoch, (uint64_t)seq);
        s_heartbeat(self, epoch, (uint64_t)seq);
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
    self->live_at = zclock_mono();
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
    if (self->as_user) {
        sti_behalf_t as = {self->as_user, self->as_role, NULL};
        sti_behalf_request(self->writer, "events.since", id, &as);
    } else {
        sti_envelope_request(self->writer, "events.since", id);
    }
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

//  What an events.since reply says about the stream.
typedef struct {
    uint64_t upto, first, latest;         // as the reply has them
    char epoch[STI_EVENTS_EPOCH_MAX + 1]; // "" from a service that sends none
    uint64_t epoch_start;                 // 0 likewise
} s_since_t;

//  Checks an events.since reply body and takes its events, in order, into
//  batch. Returns 0, or -1 for a reply that breaks the protocol.
static int s_take(sti_events_sub_t *self, sti_node_t body, zlist_t *batch, s_since_t *since)
{
    sti_field_error_t ferr = {.field = ""};
    int64_t values[4] = {0, 0, 0, 0};
    const char *names[] = {"upto", "first", "latest", "epoch_start"};
    for (int i = 0; i < 4; i++) {
        if (i == 3 && sti_node_is_missing(sti_node_get(body, names[i]))) {
            break;
        }
        if (sti_map_int(body, names[i], &values[i], &ferr) != 0 || values[i] < 0) {
            return -1;
        }
    }
    since->upto = (uint64_t)values[0], since->first = (uint64_t)values[1];
    since->latest = (uint64_t)values[2], since->epoch_start = (uint64_t)values[3];
    since->epoch[0] = 0;
    if (!sti_node_is_missing(sti_node_get(body, "epoch")) &&
        sti_map_str_copy(body, "epoch", since->epoch, sizeof since->epoch, &ferr) != 0) {
        return -1;
    }
    sti_node_t events = sti_node_get(body, "events");
    if (since->upto < self->cursor || sti_node_type(events) != STI_TYPE_ARRAY) {
        return -1;
    }
    uint64_t last = self->cursor;
    for (size_t i = 0; i < sti_node_size(events); i++) {
        char err[256];
        sti_event_t *event = sti_event_from_node(sti_node_at(events, i), NULL, err, sizeof err);
        size_t slen = strlen(self->stream);
        if (!event || event->seq <= last || event->seq > since->upto ||
            strncmp(event->topic, self->stream, slen) != 0 || event->topic[slen] != '.') {
            sti_warn("events: events.since reply: bad event: %s", event ? "out of order" : err);
            sti_event_destroy(&event);
            return -1;
        }
        //  An event at or before the epoch's start may be of an older epoch.
        if (!event->epoch && since->epoch[0] && event->seq > since->epoch_start) {
            event->epoch = strdup(since->epoch);
            assert(event->epoch);
        }
        last = event->seq;
        zlist_append(batch, event);
    }
    return 0;
}

//  The reply names another epoch than the cursor's: the seqs after its
//  start were handed out again. The cursor goes back to the start, saying
//  which events of the old epoch are gone, and the replay goes on.
static void s_reset(sti_events_sub_t *self, const s_since_t *since)
{
    char text[512];
    if (self->cursor > since->epoch_start) {
        snprintf(text, sizeof text,
                 "stream %s moved from epoch %s to %s at seq %" PRIu64 ": events %" PRIu64
                 "..%" PRIu64
                 " of the old epoch are gone (Redis lost them); the seqs after %" PRIu64
                 " are new events",
                 self->stream, self->epoch, since->epoch, since->epoch_start,
                 since->epoch_start + 1, self->cursor, since->epoch_start);
        self->cursor = since->epoch_start;
    } else {
        snprintf(text, sizeof text,
                 "stream %s moved from epoch %s to %s at seq %" PRIu64 "; nothing this "
                 "subscriber had is gone",
                 self->stream, self->epoch, since->epoch, since->epoch_start);
    }
    s_notice(self, text);
    snprintf(self->epoch, sizeof self->epoch, "%s", since->epoch);
    self->reset = false;
    self->back = false;
    self->target = since->latest;
    self->replay = true;
    self->replay_start = self->cursor;
}

//  Queues the batch's events of the prefix (the rest is destroyed).
static void s_queue(sti_events_sub_t *self, zlist_t *batch)
{
    while (zlist_size(batch)) {
        sti_event_t *event = zlist_pop(batch);
        if (strncmp(event->topic, self->prefix, self->prefix_len) == 0) {
            zlist_append(self->queue, event);
        } else {
            sti_event_destroy(&event);
        }
    }
}

//  Says (at most once a minute) when the bus names another epoch than the
//  log, or a seq the log does not hold: the bus and the service then belong
//  to different stacks (a SUB address of another stack), or the log lost
//  events. Events then come by replay only, every time the bus says more.
static void s_compare(sti_events_sub_t *self, const s_since_t *since)
{
    bool epochs =
        self->bus_epoch[0] && since->epoch[0] && strcmp(self->bus_epoch, since->epoch) != 0;
    bool beyond = !epochs && self->bus_seq > since->latest;
    int64_t now = zclock_mono();
    if (!(epochs || beyond) || (self->disagree_at && now - self->disagree_at < S_DISAGREE_MS)) {
        return;
    }
    self->disagree_at = now;
    char text[400];
    if (epochs) {
        snprintf(text, sizeof text,
                 "the event bus and the event log of stream %s disagree: the bus is in epoch %s, "
                 "%s's log in epoch %s; is the SUB address this stack's?",
                 self->stream, self->bus_epoch, self->service, since->epoch);
    } else {
        snprintf(text, sizeof text,
                 "the event bus and the event log of stream %s disagree: the bus names seq %" PRIu64
                 ", %s's log ends at seq %" PRIu64 "; is the SUB address this stack's?",
                 self->stream, self->bus_seq, self->service, since->latest);
    }
    s_notice(self, text);
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
    s_since_t since;
    int taken = s_take(self, reply.body, batch, &since);
    if (taken == 0) {
        s_compare(self, &since);
    }
    if (taken != 0) {
        sti_warn("events: malformed events.since reply from %s", self->service);
        self->next_replay = zclock_mono() + S_RETRY_MS;
    } else if (s_other_epoch(self, since.epoch)) {
        s_reset(self, &since); // the batch was asked from the old cursor: asked again
    } else if (since.latest < self->cursor) {
        s_back(self, since.latest);
        self->replay = false;
        self->reset = false;
    } else {
        if (since.epoch[0] && !self->epoch[0]) {
            snprintf(self->epoch, sizeof self->epoch, "%s", since.epoch);
        }
        self->reset = false;
        if (since.latest > self->cursor) {
            self->back = false;
        }
        if (since.first > self->cursor + 1 && since.upto > self->cursor) {
            sti_warn("events: %s: events %" PRIu64 " to %" PRIu64 " are no longer in the log",
                     self->stream, self->cursor + 1, since.first - 1);
            self->lost = true;
        }
        bool progress = since.upto > self->cursor;
        s_queue(self, batch);
        self->cursor = since.upto;
        //  The service's latest is the truth; a heartbeat or event from the bus
        //  that claimed more (a forged one) is forgotten here.
        self->target = since.latest > since.upto ? since.latest : since.upto;
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
