/*  fuzz_events: the event decoders (sti_event_decode on the two frames of a
    published event, sti_event_from_node on a decoded map) on arbitrary bytes.

    Input layout: byte 0 is the topic frame's length n (0 means no topic
    frame is given to sti_event_from_node, as in an events.since entry),
    bytes 1..n the topic, the rest the body frame. Any input: no crash, no
    leak, a reason when refused. An event that decodes is written again with
    sti_event_encode and must decode to the same fields and data, and both
    decoders must agree on the same body.
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sti_events.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

//  A property the code promises; breaking it is a bug the fuzzer reports.
#define S_REQUIRE(condition)                                                                       \
    do {                                                                                           \
        if (!(condition)) {                                                                        \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

//  True when two events hold the same fields and data.
static bool s_same(const sti_event_t *a, const sti_event_t *b)
{
    return a->seq == b->seq && a->prev == b->prev && strcmp(a->topic, b->topic) == 0 &&
           strcmp(a->type, b->type) == 0 && strcmp(a->id, b->id) == 0 &&
           strcmp(a->source, b->source) == 0 && strcmp(a->subject, b->subject) == 0 &&
           strcmp(a->time, b->time) == 0 && a->data_size == b->data_size &&
           (a->data_size == 0 || memcmp(a->data, b->data, a->data_size) == 0);
}

//  Writes the event again and decodes it with the same topic frame.
static void s_round_trip(const sti_event_t *event, const char *topic)
{
    sti_writer_t *writer = sti_writer_new();
    sti_event_encode(event, writer);
    size_t size;
    const void *bytes = sti_writer_data(writer, &size);
    char err[256] = "";
    sti_event_t *again = sti_event_decode(topic, bytes, size, err, sizeof err);
    S_REQUIRE(again && s_same(event, again));
    sti_event_destroy(&again);
    sti_writer_destroy(&writer);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) {
        return 0;
    }
    size_t topic_len = data[0];
    if (topic_len > size - 1) {
        topic_len = size - 1;
    }
    char topic[256];
    memcpy(topic, data + 1, topic_len);
    topic[topic_len] = 0;
    const uint8_t *body = data + 1 + topic_len;
    size_t body_size = size - 1 - topic_len;

    char err[256] = "";
    sti_event_t *event = sti_event_decode(topic, body, body_size, err, sizeof err);
    if (event) {
        S_REQUIRE(strcmp(event->topic, topic) == 0);
        S_REQUIRE(sti_events_topic_valid(event->topic, strlen(event->topic)));
        S_REQUIRE(event->seq >= 1 && event->prev < event->seq);
        s_round_trip(event, topic);
    } else {
        S_REQUIRE(err[0] != 0);
    }

    sti_reader_t *reader = sti_reader_new(body, body_size, NULL, err, sizeof err);
    if (reader) {
        err[0] = 0;
        sti_event_t *other =
            sti_event_from_node(sti_reader_root(reader), topic_len ? topic : NULL, err, sizeof err);
        if (other) {
            S_REQUIRE(sti_events_topic_valid(other->topic, strlen(other->topic)));
            if (topic_len) {
                //  the same frames: the same verdict and the same event
                S_REQUIRE(event && s_same(event, other));
            }
            s_round_trip(other, other->topic);
        } else {
            S_REQUIRE(err[0] != 0);
        }
        sti_event_destroy(&other);
        sti_reader_destroy(&reader);
    }
    sti_event_destroy(&event);
    return 0;
}
