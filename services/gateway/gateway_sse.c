/*  gateway_sse: see gateway_sse.h.

    A client has a cursor (the last seq of its stream it is past, whether
    its prefix matched or not) and a queue of frames not yet taken by
    libmicrohttpd (gateway_frame): a live event's frame is made once, when
    the event comes, and shared by the ring and every client that takes
    it; the frames of a replay, the first comment and the last are the
    client's own. Feeding it: when the ring holds everything after the
    cursor (cursor >= first - 1), the ring's events after the cursor are
    queued while the client owes less than sse_buffer_max, the rest as it
    reads; once it took them all, the cursor moves to upto and the client
    is live: each new event is queued as it comes, until one would make it
    owe more than sse_buffer_max (a burst, or a slow reader): it then
    catches up from the ring again. Otherwise it asks events.since from
    its cursor (for its person), appends the page, and asks again; a page
    is asked only while the queue owes less than half of sse_buffer_max,
    for as many events as the room left holds, and appended only while it
    fits, so a replay goes at the client's pace and its frames, which are
    the client's own, stay within the bound. The cut: a client that was live,
    owes frames and fell behind the ring (sse_ring events went past it)
    reads too slowly.
*/
#include "gateway_sse.h"

#include <assert.h>
#include <inttypes.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway_body.h"
#include "gateway_frame.h"
#include "gateway_ring.h"
#include "sti_json.h"
#include "sti_log.h"

#define S_STREAMS_MAX 8   // streams served
#define S_PAGE 500        // events asked for in one events.since, at most
#define S_FRAME_GUESS 512 // bytes of a frame, until a stream's events say
#define S_RETRY_MS 1000   // a replay that failed is asked again
#define S_QUIET_MS 10000  // a client at the log's end, its stream not seen live, asks again
#define S_BLOCK 16384     // bytes libmicrohttpd takes from a stream at most per send (one a turn)

typedef struct {
    char name[STI_EVENTS_STREAM_MAX + 1];  // "ind"
    char service[GATEWAY_SERVICE_MAX + 1]; // who replays it: "sti.indicators"
    gateway_ring_t *ring;                  // its latest events
    bool moved;                            // events came this turn (gateway_sse_fed)
    size_t frame_bytes;                    // a frame's bytes, a running mean (the pages' size)
} s_stream_t;

typedef struct {
    gateway_sse_t *sse;                    // whose
    gateway_request_t *req;                // the request (its connection)
    s_stream_t *stream;                    // which stream
    char prefix[STI_EVENTS_TOPIC_MAX + 1]; // topics wanted
    size_t prefix_len;                     // its bytes
    uint64_t cursor;                       // past this seq
    bool live;                             // fed from the ring as events come
    bool was_live;                         // has been live: falling out of the ring is a cut
    bool replaying;                        // an events.since is out
    bool probing;                          // the first one, of a client that starts live
    bool awaiting;                         // at the log's end before the stream was seen live
    int64_t next_try;                      // no replay before (zclock_mono)
    uint64_t replays;                      // counter, for call ids
    gateway_frame_queue_t *queue;          // frames not yet taken
    bool ended;                            // nothing more will be appended
    bool suspended;                        // waiting for something to send
    void *handle;                          // place in the list of clients
} s_client_t;

struct _gateway_sse_t {
    gateway_server_t *server;          // borrowed
    s_stream_t streams[S_STREAMS_MAX]; // served
    size_t stream_count;               // entries
    zlistx_t *clients;                 // s_client_t *
    int64_t next_heartbeat;            // zclock_mono
    gateway_frame_t *heartbeat;        // the comment, shared by every stream
};

gateway_sse_t *gateway_sse_new(gateway_server_t *server)
{
    assert(server);
    const gateway_config_t *config = gateway_server_config(server);
    gateway_sse_t *self = calloc(1, sizeof *self);
    assert(self);
    self->server = server;
    self->clients = zlistx_new();
    self->heartbeat = gateway_frame_new(": heartbeat\n\n", 13);
    char *list = strdup(config->streams);
    assert(list);
    for (char *save = NULL, *item = strtok_r(list, ",", &save);
         item && self->stream_count < S_STREAMS_MAX; item = strtok_r(NULL, ",", &save)) {
        char *colon = strchr(item, ':');
        if (colon) {
            s_stream_t *stream = &self->streams[self->stream_count++];
            snprintf(stream->name, sizeof stream->name, "%.*s", (int)(colon - item), item);
            snprintf(stream->service, sizeof stream->service, "%s", colon + 1);
            stream->ring = gateway_ring_new((size_t)config->sse_ring);
            stream->frame_bytes = S_FRAME_GUESS;
        }
    }
    free(list);
    return self;
}

void gateway_sse_destroy(gateway_sse_t **self_p)
{
    assert(self_p);
    gateway_sse_t *self = *self_p;
    if (self) {
        //  Clients are freed with their requests (gateway_sse_closed).
        zlistx_destroy(&self->clients);
        for (size_t i = 0; i < self->stream_count; i++) {
            gateway_ring_destroy(&self->streams[i].ring);
        }
        gateway_frame_unref(&self->heartbeat);
        free(self);
        *self_p = NULL;
    }
}

size_t gateway_sse_count(gateway_sse_t *self)
{
    assert(self);
    return zlistx_size(self->clients);
}

static s_stream_t *s_stream(gateway_sse_t *self, const char *name)
{
    for (size_t i = 0; name && i < self->stream_count; i++) {
        if (strcmp(self->streams[i].name, name) == 0) {
            return &self->streams[i];
        }
    }
    return NULL;
}

//  --- a client's queue ---

//  Wakes the connection when it sleeps.
static void s_wake(s_client_t *client)
{
    if (client->suspended) {
        client->suspended = false;
        MHD_resume_connection(client->req->connection);
    }
}

//  Queues a frame of this client only.
static void s_append(s_client_t *client, const char *text, size_t len)
{
    gateway_frame_queue_push_text(client->queue, text, len);
    s_wake(client);
}

//  Queues a shared frame.
static void s_push(s_client_t *client, gateway_frame_t *frame)
{
    gateway_frame_queue_push(client->queue, frame);
    s_wake(client);
}

static size_t s_waiting(const s_client_t *client)
{
    return gateway_frame_queue_owed(client->queue);
}

//  Ends the stream with a last comment.
static void s_end(s_client_t *client, const char *why)
{
    char line[320];
    int n = snprintf(line, sizeof line, ": %s\n\n", why);
    s_append(client, line, (size_t)n);
    client->ended = true;
}

//  Cuts the client: it owes too much.
static void s_cut(s_client_t *client)
{
    char why[256];
    snprintf(why, sizeof why,
             "cut: this client reads too slowly (%zu bytes were waiting for it); reconnect "
             "with Last-Event-ID to go on",
             s_waiting(client));
    //  What it was owed is sent again when it resumes: only the frame
    //  begun is finished, then the comment, so the cut frees its frames.
    gateway_frame_queue_drop(client->queue);
    s_end(client, why);
    gateway_server_cut(client->sse->server, "slow_reader");
}

//  An event of the ring for the client: queued while the client owes less
//  than sse_buffer_max, else the walk stops there and the client, live or
//  not, catches up from the ring as it reads (a burst of events larger
//  than the bound is no cut: only falling out of the ring is, s_feed).
//  Returns false to stop the walk.
static bool s_ring_event(void *arg, uint64_t seq, gateway_frame_t *frame)
{
    s_client_t *client = (s_client_t *)arg;
    if (client->ended) {
        return false;
    }
    if (seq <= client->cursor) {
        return true;
    }
    if (strncmp(gateway_frame_topic(frame), client->prefix, client->prefix_len) != 0) {
        client->cursor = seq;
        return true;
    }
    const gateway_config_t *config = gateway_server_config(client->sse->server);
    if (s_waiting(client) + gateway_frame_len(frame) > (size_t)config->sse_buffer_max) {
        client->live = false;
        return false;
    }
    client->cursor = seq;
    s_push(client, frame);
    return true;
}

//  --- feeding ---

static void s_ask(s_client_t *client);

//  Feeds the client from the ring, or asks the log. The ring must hold
//  everything after the cursor for the first; a client that took all of
//  it is live. A client that was live, still owes frames and fell behind
//  the ring reads too slowly: it is cut (one with nothing owed, behind
//  because the ring started again, replays from the log).
static void s_feed(s_client_t *client)
{
    if (client->ended || client->replaying) {
        return;
    }
    gateway_ring_t *ring = client->stream->ring;
    if (gateway_ring_known(ring) && client->cursor + 1 >= gateway_ring_first(ring)) {
        bool all = gateway_ring_each(ring, client->cursor, s_ring_event, client);
        if (all && !client->ended && gateway_ring_upto(ring) > client->cursor) {
            client->cursor = gateway_ring_upto(ring);
        }
        client->live = all && !client->ended;
        client->was_live = client->was_live || client->live;
        client->awaiting = false;
        return;
    }
    if (client->was_live && s_waiting(client) > 0) {
        s_cut(client);
        return;
    }
    client->live = false;
    if (client->awaiting && gateway_ring_known(ring)) {
        //  The stream was seen live after the client read its log to the
        //  end: the few events between are asked at once.
        client->awaiting = false;
        client->next_try = 0;
    }
    const gateway_config_t *config = gateway_server_config(client->sse->server);
    if (zclock_mono() >= client->next_try &&
        s_waiting(client) < (size_t)config->sse_buffer_max / 2) {
        s_ask(client);
    }
}

//  Queues the frame of an event of an events.since reply, unless the
//  client already owes frames and this one would take it past
//  sse_buffer_max: a replay's frames are the client's own, so the page
//  stops there and the rest is asked again as it reads. Returns false
//  when the frame was not queued for that.
static bool s_replayed_event(s_client_t *client, sti_node_t map)
{
    char err[160];
    sti_event_t *event = sti_event_from_node(map, NULL, err, sizeof err);
    if (!event || event->seq <= client->cursor) {
        sti_event_destroy(&event);
        return true;
    }
    char *json = gateway_event_json(event);
    gateway_frame_t *frame = gateway_frame_event(event->seq, event->topic, json);
    const gateway_config_t *config = gateway_server_config(client->sse->server);
    bool fits = s_waiting(client) == 0 ||
                s_waiting(client) + gateway_frame_len(frame) <= (size_t)config->sse_buffer_max;
    if (fits) {
        client->cursor = event->seq;
        s_push(client, frame);
    }
    gateway_frame_unref(&frame);
    free(json);
    sti_event_destroy(&event);
    return fits;
}

//  Takes a page of events.since: what is gone, the events, the new cursor.
//  Returns true when the log has more after the cursor.
static bool s_take_page(s_client_t *client, sti_node_t body)
{
    sti_field_error_t err;
    int64_t upto = 0, first = 0, latest = 0;
    if (sti_map_int(body, "upto", &upto, &err) != 0 ||
        sti_map_int(body, "first", &first, &err) != 0 ||
        sti_map_int(body, "latest", &latest, &err) != 0) {
        return false;
    }
    if ((uint64_t)first > client->cursor + 1 && (uint64_t)first <= (uint64_t)latest + 1) {
        char frame[256];
        int n = snprintf(frame, sizeof frame,
                         "event: lost\ndata: {\"stream\":\"%s\",\"from\":%" PRIu64
                         ",\"to\":%" PRId64 "}\n\n",
                         client->stream->name, client->cursor + 1, first - 1);
        s_append(client, frame, (size_t)n);
        client->cursor = (uint64_t)first - 1;
    }
    sti_node_t events = sti_node_get(body, "events");
    for (size_t i = 0; i < sti_node_size(events); i++) {
        if (!s_replayed_event(client, sti_node_at(events, i))) {
            return true; // the page's rest did not fit: asked again from the cursor
        }
    }
    bool moved = (uint64_t)upto > client->cursor;
    if (moved) {
        client->cursor = (uint64_t)upto;
    }
    return moved && client->cursor < (uint64_t)latest;
}

//  The client is at the end of the log. While the stream has not been
//  seen live (no event since the gateway started, on a quiet stream) it
//  waits for that, asking the log again only every S_QUIET_MS: a
//  thousand streams opened on a quiet stream asked once a second each,
//  and when the events began each took its own page of them from the log
//  instead of the shared frames of the ring.
static void s_await(s_client_t *client)
{
    if (!gateway_ring_known(client->stream->ring)) {
        client->awaiting = true;
        client->next_try = zclock_mono() + S_QUIET_MS;
    }
}

static void s_on_page(void *arg, const sti_reply_t *reply, const char *why)
{
    gateway_request_t *req = (gateway_request_t *)arg;
    s_client_t *client = (s_client_t *)req->state;
    client->replaying = false;
    if (!reply || !reply->ok) {
        if (reply &&
            (reply->code == STI_ERR_FORBIDDEN || reply->code == STI_ERR_INVALID_ARGUMENT)) {
            char text[600];
            snprintf(text, sizeof text, "ended: %s", reply->message);
            s_end(client, text);
            return;
        }
        client->next_try = zclock_mono() + S_RETRY_MS;
        sti_debug("gateway: a replay of %s: %s", client->stream->name,
                  reply ? reply->message : why);
        return;
    }
    if (client->probing) {
        //  A live start: the cursor is the stream's latest seq.
        sti_field_error_t err;
        int64_t latest = 0;
        client->probing = false;
        if (sti_map_int(reply->body, "latest", &latest, &err) == 0 && latest > 0) {
            client->cursor = (uint64_t)latest;
        }
        s_await(client);
        s_feed(client);
        return;
    }
    if (!s_take_page(client, reply->body)) {
        s_await(client);
    }
    s_feed(client);
}

//  Sends events.since from the cursor for the client's person, for as
//  many events as the room left under sse_buffer_max holds (by the
//  stream's mean frame), S_PAGE at most.
static void s_ask(s_client_t *client)
{
    gateway_request_t *req = client->req;
    const gateway_config_t *config = gateway_server_config(client->sse->server);
    size_t max = (size_t)config->sse_buffer_max;
    size_t room = s_waiting(client) < max ? max - s_waiting(client) : 0;
    size_t limit = room / client->stream->frame_bytes;
    limit = limit < 1 ? 1 : limit > S_PAGE ? S_PAGE : limit;
    sti_writer_t *writer = sti_writer_new();
    sti_writer_map(writer, 4);
    sti_writer_kv_str(writer, "stream", client->stream->name);
    sti_writer_str(writer, "seq");
    sti_writer_uint(writer, client->probing ? (uint64_t)INT64_MAX : client->cursor);
    sti_writer_kv_str(writer, "prefix", client->prefix);
    sti_writer_kv_int(writer, "limit", (int64_t)limit);
    size_t size;
    const void *data = sti_writer_data(writer, &size);
    char id[STI_ID_MAX + 1];
    snprintf(id, sizeof id, "%.100s.%" PRIu64, req->id, ++client->replays);
    client->replaying = gateway_server_call(client->sse->server, req, client->stream->service,
                                            "events.since", id, data, size, s_on_page) == 0;
    if (!client->replaying) {
        gateway_reply_clear(req); // the call's error answer: the stream is already answered
        client->next_try = zclock_mono() + S_RETRY_MS;
    }
    sti_writer_destroy(&writer);
}

//  --- the stream's response ---

static ssize_t s_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    s_client_t *client = (s_client_t *)cls;
    //  As many frames as libmicrohttpd's block holds: one send a wake-up.
    size_t n = gateway_frame_queue_take(client->queue, buf, max);
    if (n) {
        gateway_server_sent(client->sse->server, n);
        if (!client->ended && client->live == false) {
            s_feed(client); // room again for the next page of a replay
        }
        return (ssize_t)n;
    }
    if (client->ended) {
        return MHD_CONTENT_READER_END_OF_STREAM;
    }
    client->suspended = true;
    MHD_suspend_connection(client->req->connection);
    return 0;
}

static void s_client_free(void *state)
{
    s_client_t *client = (s_client_t *)state;
    if (client) {
        gateway_frame_queue_destroy(&client->queue);
        free(client);
    }
}

//  Reads stream, prefix and where to start. Returns 0, or -1 with 400 set.
static int s_read_query(gateway_sse_t *self, gateway_request_t *req, s_client_t *client,
                        bool *from_given)
{
    gateway_query_t query;
    if (gateway_body_query(req, &query) != 0) {
        return -1;
    }
    const char *name = gateway_query_get(&query, "stream");
    const char *prefix = gateway_query_get(&query, "prefix");
    const char *from = gateway_query_get(&query, "from");
    const char *last =
        MHD_lookup_connection_value(req->connection, MHD_HEADER_KIND, "Last-Event-ID");
    client->stream = s_stream(self, name ? name : "ind");
    char *end = NULL;
    const char *start = last ? last : from;
    if (!client->stream) {
        gateway_reply_invalid(req,
                              "stream: not a stream this gateway serves (its setting streams)");
    } else if (prefix && strlen(prefix) > STI_EVENTS_TOPIC_MAX) {
        gateway_reply_invalid(req, "prefix: longer than 255 bytes");
    } else if (start && (!*start || (client->cursor = strtoull(start, &end, 10), *end))) {
        gateway_reply_invalid(req, last ? "Last-Event-ID: must be a seq (an integer)"
                                        : "from: must be a seq (an integer)");
    } else {
        snprintf(client->prefix, sizeof client->prefix, "%s", prefix ? prefix : "");
        client->prefix_len = strlen(client->prefix);
        *from_given = start != NULL;
        return 0;
    }
    return -1;
}

void gateway_sse_open(gateway_sse_t *self, gateway_request_t *req)
{
    assert(self && req);
    s_client_t *client = calloc(1, sizeof *client);
    assert(client);
    client->sse = self;
    client->req = req;
    bool from_given = false;
    if (s_read_query(self, req, client, &from_given) != 0) {
        free(client);
        return;
    }
    client->queue = gateway_frame_queue_new();
    req->state = client;
    req->free_state = s_client_free;
    req->event_stream = true;
    client->handle = zlistx_add_end(self->clients, client);
    client->probing = !from_given;
    char hello[320];
    int n = snprintf(hello, sizeof hello, "retry: 2000\n: stream %s, prefix '%s', %s\n\n",
                     client->stream->name, client->prefix, from_given ? "resumed" : "live");
    s_append(client, hello, (size_t)n);
    s_ask(client); // a live start learns the latest seq; a resume replays; both check the role
    struct MHD_Response *response =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, S_BLOCK, s_read, client, NULL);
    gateway_server_headers(self->server, response);
    MHD_add_response_header(response, "Content-Type", "text/event-stream; charset=utf-8");
    MHD_add_response_header(response, "Cache-Control", "no-store");
    MHD_add_response_header(response, "X-Accel-Buffering", "no");
    MHD_queue_response(req->connection, MHD_HTTP_OK, response);
    MHD_destroy_response(response);
    req->answered = true;
}

void gateway_sse_closed(gateway_sse_t *self, gateway_request_t *req)
{
    assert(self && req);
    s_client_t *client = (s_client_t *)req->state;
    if (client && client->handle) {
        zlistx_delete(self->clients, client->handle);
        client->handle = NULL;
    }
}

//  --- the events thread ---

void gateway_sse_take(gateway_sse_t *self, const gateway_event_msg_t *msg)
{
    assert(self && msg);
    s_stream_t *stream = s_stream(self, msg->stream);
    if (!stream) {
        return;
    }
    if (msg->kind == GATEWAY_NOTICE) {
        sti_warn("gateway: stream %s: %s", stream->name, msg->json);
        return;
    }
    if (msg->kind == GATEWAY_CURSOR) {
        gateway_ring_cursor(stream->ring, msg->seq);
    } else {
        //  The event's frame, made once: the ring and each client that
        //  takes it share it.
        gateway_frame_t *frame = gateway_frame_event(msg->seq, msg->topic, msg->json);
        stream->frame_bytes = (stream->frame_bytes * 7 + gateway_frame_len(frame)) / 8;
        gateway_ring_add(stream->ring, msg->seq, frame);
        gateway_frame_unref(&frame);
    }
    stream->moved = true;
}

void gateway_sse_fed(gateway_sse_t *self)
{
    assert(self);
    for (s_client_t *client = zlistx_first(self->clients); client;
         client = zlistx_next(self->clients)) {
        if (client->stream->moved && (client->live || client->awaiting)) {
            s_feed(client);
        }
    }
    for (size_t i = 0; i < self->stream_count; i++) {
        self->streams[i].moved = false;
    }
}

void gateway_sse_tick(gateway_sse_t *self, int64_t now)
{
    assert(self);
    const gateway_config_t *config = gateway_server_config(self->server);
    bool beat = now >= self->next_heartbeat;
    if (beat) {
        self->next_heartbeat = now + config->sse_heartbeat_s * 1000;
    }
    for (s_client_t *client = zlistx_first(self->clients); client;
         client = zlistx_next(self->clients)) {
        if (!client->live) {
            s_feed(client);
        }
        if (beat && !client->ended && s_waiting(client) == 0) {
            s_push(client, self->heartbeat);
        }
    }
}

void gateway_sse_stop(gateway_sse_t *self)
{
    assert(self);
    for (s_client_t *client = zlistx_first(self->clients); client;
         client = zlistx_next(self->clients)) {
        if (!client->ended) {
            gateway_server_cancel(self->server, client->req);
            client->replaying = false;
            s_end(client, "the gateway is stopping: reconnect with Last-Event-ID to go on");
        }
    }
}

//  --- /api/v1/events/since ---

static void s_on_since(void *arg, const sti_reply_t *reply, const char *why)
{
    gateway_request_t *req = (gateway_request_t *)arg;
    if (!reply || !reply->ok) {
        if (reply) {
            gateway_reply_envelope(req, reply);
        } else {
            gateway_reply_errorf(req, STI_ERR_UNAVAILABLE, "the service did not answer: %s", why);
        }
        gateway_server_done(req->server, req);
        return;
    }
    cJSON *json = sti_json_from_node(reply->body);
    cJSON *events = cJSON_CreateArray();
    sti_node_t list = sti_node_get(reply->body, "events");
    char err[160];
    for (size_t i = 0; i < sti_node_size(list); i++) {
        sti_event_t *event = sti_event_from_node(sti_node_at(list, i), NULL, err, sizeof err);
        if (event) {
            char *text = gateway_event_json(event);
            cJSON_AddItemToArray(events, cJSON_Parse(text));
            free(text);
            sti_event_destroy(&event);
        }
    }
    cJSON_ReplaceItemInObjectCaseSensitive(json, "events", events);
    gateway_reply_json(req, 200, &json);
    gateway_server_done(req->server, req);
}

void gateway_sse_since(gateway_sse_t *self, gateway_request_t *req)
{
    assert(self && req);
    gateway_query_t query;
    if (gateway_body_query(req, &query) != 0) {
        return;
    }
    const char *name = gateway_query_get(&query, "stream");
    s_stream_t *stream = s_stream(self, name ? name : "ind");
    if (!stream) {
        gateway_reply_invalid(req,
                              "stream: not a stream this gateway serves (its setting streams)");
        return;
    }
    //  The body of events.since from the query: stream, seq, prefix?, limit?
    sti_writer_t *writer = sti_writer_new();
    sti_writer_map(writer, query.count + (name ? 0 : 1));
    if (!name) {
        sti_writer_kv_str(writer, "stream", stream->name);
    }
    char err[200] = "";
    for (size_t i = 0; i < query.count && !err[0]; i++) {
        sti_writer_str(writer, query.key[i]);
        char *end = NULL;
        bool number = strcmp(query.key[i], "seq") == 0 || strcmp(query.key[i], "limit") == 0;
        long long value = number ? strtoll(query.value[i], &end, 10) : 0;
        if (number && (!*query.value[i] || *end)) {
            snprintf(err, sizeof err, "%s: must be an integer", query.key[i]);
        } else if (number) {
            sti_writer_int(writer, value);
        } else {
            sti_writer_str(writer, query.value[i]);
        }
    }
    if (err[0]) {
        gateway_reply_invalid(req, err);
    } else {
        size_t size;
        const void *data = sti_writer_data(writer, &size);
        gateway_server_call(self->server, req, stream->service, "events.since", req->id, data, size,
                            s_on_since);
    }
    sti_writer_destroy(&writer);
}
