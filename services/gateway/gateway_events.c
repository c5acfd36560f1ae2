/*  gateway_events: see gateway_events.h.

    The thread is a CZMQ actor: its pipe carries the messages to the HTTP
    thread (frames: kind, stream, seq, topic, json) and $TERM from it.
*/
#include "gateway_events.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sti_events_sub.h"
#include "sti_json.h"
#include "sti_log.h"

#define S_STREAMS_MAX 8 // streams followed, at most
#define S_CURSOR_MS 500 // how often a stream's position is handed over when it moved

typedef struct {
    char *streams;      // the setting
    char *sub_endpoint; // the broker's XPUB
    char *broker;       // the broker, for replays
    char *as_user;      // whom replays are asked for
} s_args_t;

struct _gateway_events_t {
    zactor_t *actor; // the thread
    s_args_t args;   // what it was started with (owned)
};

char *gateway_event_json(const sti_event_t *event)
{
    assert(event);
    cJSON *json = cJSON_CreateObject();
    cJSON_AddStringToObject(json, "specversion", "1.0");
    cJSON_AddStringToObject(json, "id", event->id);
    cJSON_AddStringToObject(json, "source", event->source);
    cJSON_AddStringToObject(json, "type", event->type);
    cJSON_AddStringToObject(json, "time", event->time);
    cJSON_AddStringToObject(json, "subject", event->subject);
    cJSON_AddStringToObject(json, "topic", event->topic);
    cJSON_AddNumberToObject(json, "seq", (double)event->seq);
    cJSON_AddNumberToObject(json, "prev", (double)event->prev);
    char err[128];
    sti_reader_t *reader = sti_reader_new(event->data, event->data_size, NULL, err, sizeof err);
    cJSON_AddItemToObject(
        json, "data", reader ? sti_json_from_node(sti_reader_root(reader)) : cJSON_CreateNull());
    sti_reader_destroy(&reader);
    if (event->epoch && event->epoch[0]) {
        cJSON_AddStringToObject(json, "epoch", event->epoch);
    }
    char *text = cJSON_PrintUnformatted(json);
    assert(text);
    cJSON_Delete(json);
    return text;
}

//  Sends one message to the HTTP thread.
static void s_send(zsock_t *pipe, gateway_event_kind_t kind, const char *stream, uint64_t seq,
                   const char *topic, const char *json)
{
    char seq_text[24];
    snprintf(seq_text, sizeof seq_text, "%" PRIu64, seq);
    zmsg_t *msg = zmsg_new();
    zmsg_addstrf(msg, "%d", (int)kind);
    zmsg_addstr(msg, stream);
    zmsg_addstr(msg, seq_text);
    zmsg_addstr(msg, topic ? topic : "");
    zmsg_addstr(msg, json ? json : "");
    zmsg_send(&msg, pipe);
}

typedef struct {
    sti_events_sub_t *sub[S_STREAMS_MAX]; // one per stream
    char stream[S_STREAMS_MAX][STI_EVENTS_STREAM_MAX + 1];
    uint64_t told[S_STREAMS_MAX]; // the cursor last handed over
    size_t count;                 // streams
} s_subs_t;

//  Opens a subscriber per stream of the setting. Returns 0 or -1.
static int s_open(s_subs_t *subs, const s_args_t *args)
{
    char *list = strdup(args->streams);
    assert(list);
    int rc = 0;
    for (char *save = NULL, *item = strtok_r(list, ",", &save); item && rc == 0;
         item = strtok_r(NULL, ",", &save)) {
        char *colon = strchr(item, ':');
        if (!colon || subs->count == S_STREAMS_MAX) {
            rc = -1;
            break;
        }
        *colon = 0;
        size_t i = subs->count;
        snprintf(subs->stream[i], sizeof subs->stream[i], "%s", item);
        subs->sub[i] = sti_events_sub_new(args->sub_endpoint, args->broker, colon + 1, item, "",
                                          STI_EVENTS_LIVE);
        if (!subs->sub[i]) {
            rc = -1;
            break;
        }
        sti_events_sub_set_behalf(subs->sub[i], args->as_user, "reader");
        subs->count++;
    }
    free(list);
    return rc;
}

//  Hands over what stream i has: its events, notices and position.
static void s_drain(s_subs_t *subs, size_t i, zsock_t *pipe, bool cursor_due)
{
    bool lost = false;
    sti_event_t *event;
    while ((event = sti_events_sub_recv(subs->sub[i], 0, &lost)) != NULL) {
        char *json = gateway_event_json(event);
        s_send(pipe, GATEWAY_EVENT, subs->stream[i], event->seq, event->topic, json);
        subs->told[i] = event->seq;
        free(json);
        sti_event_destroy(&event);
    }
    char notice[512];
    if (sti_events_sub_notice(subs->sub[i], notice, sizeof notice)) {
        s_send(pipe, GATEWAY_NOTICE, subs->stream[i], 0, NULL, notice);
    }
    uint64_t cursor = sti_events_sub_cursor(subs->sub[i]);
    //  0 is also "nothing seen yet" (a subscriber from the live point): a
    //  stream at 0 is then learnt from its first event instead.
    if (cursor_due && cursor > 0 && cursor != subs->told[i]) {
        s_send(pipe, GATEWAY_CURSOR, subs->stream[i], cursor, NULL, NULL);
        subs->told[i] = cursor;
    }
}

static void s_actor(zsock_t *pipe, void *arg)
{
    const s_args_t *args = (const s_args_t *)arg;
    s_subs_t subs = {0};
    if (s_open(&subs, args) != 0) {
        sti_error("gateway: cannot follow the event streams %s", args->streams);
    }
    zsock_signal(pipe, 0);
    zpoller_t *poller = zpoller_new(pipe, NULL);
    for (size_t i = 0; i < subs.count; i++) {
        zpoller_add(poller, sti_events_sub_sock(subs.sub[i]));
    }
    int64_t next_cursor = zclock_mono();
    bool done = false;
    while (!done) {
        void *which = zpoller_wait(poller, 100);
        if (which == pipe) {
            char *command = zstr_recv(pipe);
            done = !command || strcmp(command, "$TERM") == 0;
            zstr_free(&command);
            continue;
        }
        if (zpoller_terminated(poller)) {
            break;
        }
        int64_t now = zclock_mono();
        bool cursor_due = now >= next_cursor;
        next_cursor = cursor_due ? now + S_CURSOR_MS : next_cursor;
        for (size_t i = 0; i < subs.count; i++) {
            s_drain(&subs, i, pipe, cursor_due);
        }
    }
    zpoller_destroy(&poller);
    for (size_t i = 0; i < subs.count; i++) {
        sti_events_sub_destroy(&subs.sub[i]);
    }
}

gateway_events_t *gateway_events_new(const char *streams, const char *sub_endpoint,
                                     const char *broker, const char *as_user, char *err,
                                     size_t errlen)
{
    assert(streams && sub_endpoint && broker && as_user);
    gateway_events_t *self = calloc(1, sizeof *self);
    assert(self);
    self->args = (s_args_t){strdup(streams), strdup(sub_endpoint), strdup(broker), strdup(as_user)};
    assert(self->args.streams && self->args.sub_endpoint && self->args.broker &&
           self->args.as_user);
    self->actor = zactor_new(s_actor, &self->args);
    if (!self->actor) {
        snprintf(err, errlen, "cannot start the events thread");
        gateway_events_destroy(&self);
    }
    return self;
}

void gateway_events_destroy(gateway_events_t **self_p)
{
    assert(self_p);
    gateway_events_t *self = *self_p;
    if (self) {
        zactor_destroy(&self->actor);
        free(self->args.streams);
        free(self->args.sub_endpoint);
        free(self->args.broker);
        free(self->args.as_user);
        free(self);
        *self_p = NULL;
    }
}

zsock_t *gateway_events_sock(gateway_events_t *self)
{
    assert(self);
    return zactor_sock(self->actor);
}

int gateway_events_recv(gateway_events_t *self, gateway_event_msg_t *msg)
{
    assert(self && msg);
    memset(msg, 0, sizeof *msg);
    if (!(zsock_events(zactor_sock(self->actor)) & ZMQ_POLLIN)) {
        return -1;
    }
    zmsg_t *in = zmsg_recv_nowait(zactor_sock(self->actor));
    if (!in || zmsg_size(in) != 5) {
        zmsg_destroy(&in);
        return -1;
    }
    char *kind = zmsg_popstr(in), *stream = zmsg_popstr(in), *seq = zmsg_popstr(in);
    msg->kind = (gateway_event_kind_t)atoi(kind);
    snprintf(msg->stream, sizeof msg->stream, "%s", stream);
    msg->seq = strtoull(seq, NULL, 10);
    msg->topic = zmsg_popstr(in);
    msg->json = zmsg_popstr(in);
    zstr_free(&kind);
    zstr_free(&stream);
    zstr_free(&seq);
    zmsg_destroy(&in);
    return 0;
}

void gateway_event_msg_clear(gateway_event_msg_t *msg)
{
    assert(msg);
    zstr_free(&msg->topic);
    zstr_free(&msg->json);
}
