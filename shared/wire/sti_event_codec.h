/*  sti_event_codec: one event as it travels, and the rules of its names.

    An event is two frames on the bus: the topic (<stream>.<...>) and a
    MessagePack map with CloudEvents 1.0 attribute names {specversion, id,
    source, type, time, subject, data, seq, prev, epoch?} (docs/events.md).
    Decoding treats the bytes as hostile: bounded fields, type checks, a
    reason for what is wrong. The publisher (sti_events.h) and the
    subscriber (sti_events_sub.h) both stand on this.
*/
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sti_codec.h"

#define STI_EVENTS_LIVE UINT64_MAX         // start a subscriber at the live point
#define STI_EVENTS_STREAM_MAX 16           // longest stream name ([A-Za-z0-9_-])
#define STI_EVENTS_TOPIC_MAX 255           // longest topic, bytes
#define STI_EVENTS_FIELD_MAX 128           // longest id, source, type or time
#define STI_EVENTS_SUBJECT_MAX 512         // longest subject
#define STI_EVENTS_MAX_SIZE (1024u * 1024) // largest event body
#define STI_EVENTS_SINCE_MAX 1000          // most events one events.since reply holds
#define STI_EVENTS_MAXLEN 1000000          // events a log keeps at least (XADD MINID ~ by seq)
#define STI_EVENTS_EPOCH_MAX 32            // longest epoch id (a dataset id, sti_dataset.h)

//  One event as the subscriber hands it over. Caller destroys.
typedef struct {
    uint64_t seq;
    uint64_t prev;
    char *topic;
    char *type;    // "indicator.changed", ...
    char *id;      // CloudEvents id: "<stream>-<seq>"
    char *source;  // "sti-indicators"
    char *subject; // "hitech_enterprises/linping/2023"
    char *time;    // RFC 3339, UTC
    void *data;    // the event's data: encoded MessagePack map
    size_t data_size;
    char *epoch; // the epoch its seq belongs to (the dataset id), or NULL: unknown
} sti_event_t;

void sti_event_destroy(sti_event_t **self_p);
//  Decodes the two frames of a published event. Returns NULL with a reason.
sti_event_t *sti_event_decode(const char *topic, const void *body, size_t size, char *err,
                              size_t errlen);
//  Reads one event from a decoded wire map (an entry of an events.since reply,
//  which carries its topic inside; or a map whose topic frame is `topic`).
//  Returns a new event (caller destroys), or NULL with a reason in err.
sti_event_t *sti_event_from_node(sti_node_t map, const char *topic, char *err, size_t errlen);
//  Writes the event's wire map (the second frame) into writer.
void sti_event_encode(const sti_event_t *event, sti_writer_t *writer);
//  True for a valid stream name, and for a topic of printable UTF-8 within bounds.
bool sti_events_stream_valid(const char *stream);
bool sti_events_topic_valid(const char *topic, size_t len);
