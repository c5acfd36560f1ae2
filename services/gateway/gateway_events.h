/*  gateway_events: the event streams, followed live for the event streams
    the gateway serves (gateway_sse), on a thread of their own.

    One reliable subscriber (sti_events_sub) per stream of the `streams`
    setting ("ind", "tal", "prj"), from the live point, with no prefix: every event of the stream
    once and in seq order, whatever the broker and the network do. They run
    on their own thread because a subscriber may ask the stream's service
    for a replay and wait for it; the HTTP thread never waits. Each event is
    turned into its JSON text once (CloudEvents attributes, as `stictl watch
    --json` prints them) and handed over through an inproc socket, as are
    the subscriber's cursor (so a stream's position is known before its
    first event) and its notices (a stream that went back or lost events).
*/
#pragma once
#include <czmq.h>
#include <stdint.h>

#include "sti_event_codec.h"

typedef struct _gateway_events_t gateway_events_t;

typedef enum {
    GATEWAY_EVENT = 1, // an event: seq, topic, json
    GATEWAY_CURSOR,    // the stream's position: seq (every event up to it was handed over)
    GATEWAY_NOTICE,    // something to say about the stream: text in json
} gateway_event_kind_t;

//  One message from the thread.
typedef struct {
    gateway_event_kind_t kind;
    char stream[STI_EVENTS_STREAM_MAX + 1];
    uint64_t seq;
    char *topic; // (owned)
    char *json;  // the event's JSON, or the notice's text (owned)
} gateway_event_msg_t;

//  streams: "ind:sti.indicators,tal:sti.talent": each stream and the
//  service that replays it. as_user: the name the subscribers' replays are
//  asked under (role reader). Returns NULL with a reason in err.
gateway_events_t *gateway_events_new(const char *streams, const char *sub_endpoint,
                                     const char *broker, const char *as_user, char *err,
                                     size_t errlen);
void gateway_events_destroy(gateway_events_t **self_p);
//  Readable when a message waits.
zsock_t *gateway_events_sock(gateway_events_t *self);
//  Takes the next message without waiting. Returns 0, or -1 when none.
int gateway_events_recv(gateway_events_t *self, gateway_event_msg_t *msg);
void gateway_event_msg_clear(gateway_event_msg_t *msg);
//  The JSON text of an event (CloudEvents attributes, seq, prev, topic,
//  data); caller frees.
char *gateway_event_json(const sti_event_t *event);
