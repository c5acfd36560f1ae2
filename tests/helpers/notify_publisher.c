/*  notify_publisher: a publishing service for the sti-notify tests, standing
    in for sti-indicators (stream ind) or sti-talent (stream tal). A
    Majordomo worker serving

      events.since {stream, seq, prefix?, limit?}   (sti_events_since_reply)
      emit {events: [{topic, type, subject?, data}]} -> {first, last}

    where each event's data map is published as it came (with
    sti_events_publish: logged in Redis, then sent). It heartbeats its stream.

    notify_publisher [--stream ind] [--service sti.indicators]
    Environment: STI_REDIS_URL, STI_NAMESPACE, STI_BROKER, STI_EVENTS_PUB.
    Exits 0 on SIGTERM / SIGINT.
*/
#include <czmq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sti_events.h"
#include "sti_log.h"
#include "sti_mdp_worker.h"

//  What the loop holds.
typedef struct {
    const char *stream;       // stream published
    sti_redis_t *redis;       // connection
    sti_events_pub_t *pub;    // publisher
    sti_mdp_worker_t *worker; // serves the ops
} s_server_t;

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

static void s_emit(s_server_t *self, sti_request_t *request, sti_writer_t *reply)
{
    sti_node_t events = sti_node_get(request->body, "events");
    uint64_t first = 0, last = 0;
    for (size_t i = 0; i < sti_node_size(events); i++) {
        if (s_emit_one(self, sti_node_at(events, i), &last) != 0) {
            sti_envelope_reply_error(reply, request->id, STI_ERR_INVALID_ARGUMENT,
                                     "emit takes {events: [{topic, type, subject?, data}]}",
                                     NULL, 0);
            return;
        }
        first = first ? first : last;
    }
    sti_envelope_reply_ok(reply, request->id);
    sti_writer_map(reply, 2);
    sti_writer_str(reply, "first");
    sti_writer_uint(reply, first);
    sti_writer_str(reply, "last");
    sti_writer_uint(reply, last);
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
            sti_events_since_reply(self->redis, self->stream, &request, reply);
        } else if (strcmp(request.op, "emit") == 0) {
            s_emit(self, &request, reply);
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

int main(int argc, char **argv)
{
    const char *stream = "ind", *service = "sti.indicators";
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--stream") == 0) {
            stream = argv[i + 1];
        } else if (strcmp(argv[i], "--service") == 0) {
            service = argv[i + 1];
        }
    }
    sti_log_init("notify_publisher", STI_LOG_INFO);
    const char *url = getenv("STI_REDIS_URL") ? getenv("STI_REDIS_URL") : "redis://127.0.0.1:6379";
    const char *broker = getenv("STI_BROKER") ? getenv("STI_BROKER") : "tcp://127.0.0.1:5555";
    const char *pub = getenv("STI_EVENTS_PUB") ? getenv("STI_EVENTS_PUB") : "tcp://127.0.0.1:5557";
    char err[256];
    s_server_t server = {.stream = stream};
    server.redis = sti_redis_new(url, getenv("STI_NAMESPACE"), err, sizeof err);
    if (!server.redis) {
        sti_error("%s", err);
        return 1;
    }
    server.pub = sti_events_pub_new(server.redis, stream, pub, "notify_publisher");
    server.worker = sti_mdp_worker_new(broker, service);
    if (!server.pub || !server.worker) {
        return 1;
    }
    while (!zsys_interrupted) {
        sti_events_pub_tick(server.pub);
        zframe_t *client = NULL;
        zmsg_t *request = sti_mdp_worker_recv(server.worker, &client, 100);
        if (request) {
            s_serve(&server, request, client);
            zmsg_destroy(&request);
        }
    }
    sti_mdp_worker_destroy(&server.worker);
    sti_events_pub_destroy(&server.pub);
    sti_redis_destroy(&server.redis);
    return 0;
}
