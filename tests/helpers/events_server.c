/*  events_server: a small publishing service for the event and notification
    tests, standing in for sti-indicators (stream ind) or sti-talent (stream
    tal). It is a Majordomo worker that serves

      events.since {stream, seq, prefix?, limit?}   (sti_events_since_reply)
      publish {topics: [..], count, log_only?}       -> {first, last}
      emit {events: [{topic, type, subject?, data}]} -> {first, last}

    and, from its command line, publishes COUNT events at RATE per second,
    cycling through TOPICS, each with data {n: <i>}. It heartbeats its stream
    once a second. Events in the --log-only range are appended to the log but
    never sent, as if the publisher died between the two steps. emit
    publishes each event as it came (its data map unchanged).

    events_server [--stream S] [--service NAME] [--count N] [--rate R]
                  [--topics T1,T2,..] [--log-only FROM-TO] [--maxlen N]
                  [--heartbeat-ms MS]
    Environment: STI_REDIS_URL, STI_NAMESPACE, STI_BROKER, STI_EVENTS_PUB.
    Exits 0 on SIGTERM / SIGINT.
*/
#include <czmq.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sti_events.h"
#include "sti_log.h"
#include "sti_mdp_worker.h"

#define S_TOPICS_MAX 16 // topics on the command line

//  Parsed command line and environment.
typedef struct {
    const char *stream;         // stream published
    const char *service;        // MDP service name
    long count;                 // events to publish from the command line
    long rate;                  // events per second
    char *topics[S_TOPICS_MAX]; // topics to cycle through
    int ntopics;                // how many
    uint64_t log_only_from;     // first seq logged without publishing (0: none)
    uint64_t log_only_to;       // last such seq
    long maxlen;                // log bound (0: default)
    int heartbeat_ms;           // MDP heartbeat (0: default)
} s_args_t;

//  What the loop holds.
typedef struct {
    s_args_t *args;           // the command line
    sti_redis_t *redis;       // connection
    sti_events_pub_t *pub;    // publishes on the bus
    sti_events_pub_t *mute;   // logs without reaching the bus (log-only)
    sti_mdp_worker_t *worker; // serves the ops
    sti_writer_t *writer;     // replies and event data
} s_server_t;

static int s_parse(int argc, char **argv, s_args_t *args)
{
    args->stream = "ind";
    args->service = "sti.events-test";
    args->rate = 100;
    static char topics[1024] = "";
    //  options come in pairs: NAME VALUE
    for (int i = 1; i < argc; i += 2) {
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;
        if (!value) {
            return -1;
        } else if (strcmp(argv[i], "--stream") == 0) {
            args->stream = value;
        } else if (strcmp(argv[i], "--service") == 0) {
            args->service = value;
        } else if (strcmp(argv[i], "--count") == 0) {
            args->count = atol(value);
        } else if (strcmp(argv[i], "--rate") == 0) {
            args->rate = atol(value);
        } else if (strcmp(argv[i], "--topics") == 0) {
            snprintf(topics, sizeof topics, "%s", value);
        } else if (strcmp(argv[i], "--log-only") == 0) {
            if (sscanf(value, "%" SCNu64 "-%" SCNu64, &args->log_only_from, &args->log_only_to) !=
                2) {
                return -1;
            }
        } else if (strcmp(argv[i], "--maxlen") == 0) {
            args->maxlen = atol(value);
        } else if (strcmp(argv[i], "--heartbeat-ms") == 0) {
            args->heartbeat_ms = atoi(value);
        } else {
            return -1;
        }
    }
    for (char *save = NULL, *t = strtok_r(topics, ",", &save); t && args->ntopics < S_TOPICS_MAX;
         t = strtok_r(NULL, ",", &save)) {
        args->topics[args->ntopics++] = t;
    }
    if (args->ntopics == 0) {
        static char fallback[64];
        snprintf(fallback, sizeof fallback, "%s.test", args->stream);
        args->topics[args->ntopics++] = fallback;
    }
    return args->rate > 0 ? 0 : -1;
}

//  Publishes one event {n} on topic; log_only appends without sending.
static int s_publish_one(s_server_t *self, const char *topic, long n, bool log_only, uint64_t *seq)
{
    sti_writer_reset(self->writer);
    sti_writer_map(self->writer, 1);
    sti_writer_kv_int(self->writer, "n", n);
    size_t size;
    const void *data = sti_writer_data(self->writer, &size);
    return sti_events_publish(log_only ? self->mute : self->pub, topic, "test.event", topic, data,
                              size, seq);
}

//  The next command-line event: logged-only when its seq will fall in the range.
static int s_publish_next(s_server_t *self, long n)
{
    uint64_t next = sti_events_latest(self->pub) > sti_events_latest(self->mute)
                        ? sti_events_latest(self->pub) + 1
                        : sti_events_latest(self->mute) + 1;
    bool log_only = next >= self->args->log_only_from && next <= self->args->log_only_to;
    return s_publish_one(self, self->args->topics[n % self->args->ntopics], n, log_only, NULL);
}

//  Writes the ok reply {first, last} of the events a request published.
static void s_reply_range(sti_writer_t *reply, sti_request_t *request, uint64_t first,
                          uint64_t last)
{
    sti_envelope_reply_ok(reply, request->id);
    sti_writer_map(reply, 2);
    sti_writer_str(reply, "first");
    sti_writer_uint(reply, first);
    sti_writer_str(reply, "last");
    sti_writer_uint(reply, last);
}

//  Handles the publish op: writes the whole reply into the writer's place.
static void s_op_publish(s_server_t *self, sti_request_t *request, sti_writer_t *reply)
{
    sti_node_t topics = sti_node_get(request->body, "topics");
    int64_t count = 0;
    bool log_only = false;
    sti_node_t flag = sti_node_get(request->body, "log_only");
    if (sti_node_type(topics) != STI_TYPE_ARRAY || sti_node_size(topics) == 0 ||
        sti_map_int(request->body, "count", &count, NULL) != 0 || count < 1 || count > 100000 ||
        (!sti_node_is_missing(flag) && sti_node_bool(flag, &log_only, NULL) != 0)) {
        sti_envelope_reply_error(reply, request->id, STI_ERR_INVALID_ARGUMENT,
                                 "publish takes {topics: [..], count, log_only?}", NULL, 0);
        return;
    }
    uint64_t first = 0, last = 0;
    for (int64_t i = 0; i < count; i++) {
        char topic[STI_EVENTS_TOPIC_MAX + 1];
        if (sti_node_str_copy(sti_node_at(topics, (size_t)i % sti_node_size(topics)), topic,
                              sizeof topic, NULL) != 0 ||
            s_publish_one(self, topic, (long)i, log_only, &last) != 0) {
            sti_envelope_reply_error(reply, request->id, STI_ERR_UNAVAILABLE, "publish failed",
                                     NULL, 0);
            return;
        }
        first = first ? first : last;
    }
    s_reply_range(reply, request, first, last);
}

//  Publishes one {topic, type, subject?, data}. Returns 0 or -1.
static int s_emit_one(s_server_t *self, sti_node_t event, uint64_t *seq)
{
    char topic[STI_EVENTS_TOPIC_MAX + 1], type[STI_EVENTS_FIELD_MAX + 1];
    char subject[STI_EVENTS_SUBJECT_MAX + 1] = "";
    sti_field_error_t err;
    if (sti_map_str_copy(event, "topic", topic, sizeof topic, &err) ||
        sti_map_str_copy(event, "type", type, sizeof type, &err)) {
        return -1;
    }
    if (!sti_node_is_missing(sti_node_get(event, "subject"))) {
        sti_map_str_copy(event, "subject", subject, sizeof subject, &err);
    }
    size_t size = 0;
    void *data = sti_node_encode(sti_node_get(event, "data"), &size);
    int rc = data ? sti_events_publish(self->pub, topic, type, subject, data, size, seq) : -1;
    free(data);
    return rc;
}

//  Handles the emit op.
static void s_op_emit(s_server_t *self, sti_request_t *request, sti_writer_t *reply)
{
    sti_node_t events = sti_node_get(request->body, "events");
    uint64_t first = 0, last = 0;
    for (size_t i = 0; i < sti_node_size(events); i++) {
        if (s_emit_one(self, sti_node_at(events, i), &last) != 0) {
            sti_envelope_reply_error(reply, request->id, STI_ERR_INVALID_ARGUMENT,
                                     "emit takes {events: [{topic, type, subject?, data}]}", NULL,
                                     0);
            return;
        }
        first = first ? first : last;
    }
    s_reply_range(reply, request, first, last);
}

static void s_serve(s_server_t *self, zmsg_t *request_msg, zframe_t *client)
{
    sti_writer_t *reply = sti_writer_new();
    zframe_t *frame = zmsg_first(request_msg);
    sti_request_t request;
    char err[256];
    if (!frame || sti_request_decode(zframe_data(frame), zframe_size(frame), NULL, &request, err,
                                     sizeof err) != 0) {
        sti_envelope_reply_error(reply, "", STI_ERR_INVALID_ARGUMENT, "bad envelope", NULL, 0);
    } else {
        if (strcmp(request.op, "events.since") == 0) {
            sti_events_since_reply(self->redis, self->args->stream, &request, reply);
        } else if (strcmp(request.op, "publish") == 0) {
            s_op_publish(self, &request, reply);
        } else if (strcmp(request.op, "emit") == 0) {
            s_op_emit(self, &request, reply);
        } else {
            sti_envelope_reply_error(reply, request.id, STI_ERR_NOT_FOUND, "unknown op", NULL, 0);
        }
        sti_request_release(&request);
    }
    size_t size;
    const void *data = sti_writer_data(reply, &size);
    zmsg_t *msg = zmsg_new();
    zmsg_addmem(msg, data, size);
    sti_mdp_worker_send(self->worker, &client, &msg);
    sti_writer_destroy(&reply);
}

//  Serves requests and publishes on schedule until interrupted.
static void s_run(s_server_t *self)
{
    int64_t start = zclock_mono();
    long published = 0;
    while (!zsys_interrupted) {
        int64_t now = zclock_mono();
        while (published < self->args->count &&
               now >= start + published * 1000 / self->args->rate) {
            if (s_publish_next(self, published) != 0) {
                break; // Redis away: try again on the next round
            }
            published++;
        }
        if (published == self->args->count && self->args->count > 0) {
            printf("published %ld\n", published);
            fflush(stdout);
            published++; // print once
        }
        sti_events_pub_tick(self->pub);
        zframe_t *client = NULL;
        zmsg_t *request = sti_mdp_worker_recv(self->worker, &client, 10);
        if (request) {
            s_serve(self, request, client);
            zmsg_destroy(&request);
        }
    }
}

int main(int argc, char **argv)
{
    s_args_t args = {0};
    if (s_parse(argc, argv, &args) != 0) {
        fprintf(stderr, "usage: events_server [--stream S] [--service NAME] [--count N] "
                        "[--rate R] [--topics T1,T2] [--log-only FROM-TO] [--maxlen N] "
                        "[--heartbeat-ms MS]\n");
        return 2;
    }
    sti_log_init("events_server", STI_LOG_INFO);
    const char *url = getenv("STI_REDIS_URL") ? getenv("STI_REDIS_URL") : "redis://127.0.0.1:6379";
    const char *broker = getenv("STI_BROKER") ? getenv("STI_BROKER") : "tcp://127.0.0.1:5555";
    const char *pub_endpoint =
        getenv("STI_EVENTS_PUB") ? getenv("STI_EVENTS_PUB") : "tcp://127.0.0.1:5557";
    char err[256];
    s_server_t server = {.args = &args};
    server.redis = sti_redis_new(url, getenv("STI_NAMESPACE"), err, sizeof err);
    if (!server.redis) {
        sti_error("%s", err);
        return 1;
    }
    server.pub = sti_events_pub_new(server.redis, args.stream, pub_endpoint, "events_server");
    server.mute =
        sti_events_pub_new(server.redis, args.stream, "inproc://nowhere", "events_server");
    server.worker = sti_mdp_worker_new(broker, args.service);
    server.writer = sti_writer_new();
    if (!server.pub || !server.mute || !server.worker) {
        return 1;
    }
    if (args.heartbeat_ms > 0) {
        sti_mdp_worker_set_heartbeat(server.worker, args.heartbeat_ms);
    }
    if (args.maxlen > 0) {
        sti_events_pub_set_maxlen(server.pub, (size_t)args.maxlen);
        sti_events_pub_set_maxlen(server.mute, (size_t)args.maxlen);
    }
    s_run(&server);
    sti_writer_destroy(&server.writer);
    sti_mdp_worker_destroy(&server.worker);
    sti_events_pub_destroy(&server.mute);
    sti_events_pub_destroy(&server.pub);
    sti_redis_destroy(&server.redis);
    return 0;
}
