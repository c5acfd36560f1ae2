/*  sti_event_codec: the event as it travels: its wire map (the second frame
    of a published event, and each entry of an events.since reply), decoded
    as hostile input, and the checks on stream names and topics. See
    sti_event_codec.h and docs/events.md.

    A decoded event owns copies of everything it holds; its data is the
    encoded MessagePack map, re-encoded from the reader so it is exactly one
    valid value. Unknown keys are ignored, so fields can be added later.
*/
#include "sti_event_codec.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  --- the event ---

void sti_event_destroy(sti_event_t **self_p)
{
    assert(self_p);
    sti_event_t *self = *self_p;
    if (!self) {
        return;
    }
    free(self->topic);
    free(self->type);
    free(self->id);
    free(self->source);
    free(self->subject);
    free(self->time);
    free(self->data);
    free(self->epoch);
    free(self);
    *self_p = NULL;
}

bool sti_events_stream_valid(const char *stream)
{
    size_t len = stream ? strlen(stream) : 0;
    if (len == 0 || len > STI_EVENTS_STREAM_MAX) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        char c = stream[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-')) {
            return false;
        }
    }
    return true;
}

bool sti_events_topic_valid(const char *topic, size_t len)
{
    if (!topic || len == 0 || len > STI_EVENTS_TOPIC_MAX) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)topic[i];
        if (c <= 0x20 || c == 0x7f) {
            return false;
        }
    }
    //  the topic travels as a MessagePack string too (events.since), which must be UTF-8
    return sti_utf8_valid(topic, len);
}

//  Copies a string field of map into a new string. Returns 0 or -1 with a reason.
static int s_field(sti_node_t map, const char *key, size_t max, char **out, char *err,
                   size_t errlen)
{
    sti_field_error_t ferr = {.field = ""};
    char *buf = malloc(max + 1);
    assert(buf);
    if (sti_map_str_copy(map, key, buf, max + 1, &ferr) != 0) {
        snprintf(err, errlen, "%s: %s", key, ferr.reason);
        free(buf);
        return -1;
    }
    *out = buf;
    return 0;
}

//  Reads seq and prev; checks 1 <= seq and prev < seq. Returns 0 or -1.
static int s_numbers(sti_node_t map, sti_event_t *event, char *err, size_t errlen)
{
    sti_field_error_t ferr = {.field = ""};
    int64_t seq, prev;
    if (sti_map_int(map, "seq", &seq, &ferr) != 0 || sti_map_int(map, "prev", &prev, &ferr) != 0) {
        snprintf(err, errlen, "%s: %s", ferr.field, ferr.reason);
        return -1;
    }
    if (seq < 1 || prev < 0 || prev >= seq) {
        snprintf(err, errlen, "seq must be at least 1 and prev from 0 to seq - 1");
        return -1;
    }
    event->seq = (uint64_t)seq;
    event->prev = (uint64_t)prev;
    return 0;
}

//  Takes the data field: a map (encoded copy kept) or nil / missing (none).
static int s_data(sti_node_t map, sti_event_t *event, char *err, size_t errlen)
{
    sti_node_t data = sti_node_get(map, "data");
    sti_type_t type = sti_node_type(data);
    if (type == STI_TYPE_MISSING || type == STI_TYPE_NIL) {
        return 0;
    }
    if (type != STI_TYPE_MAP) {
        snprintf(err, errlen, "data: must be a map");
        return -1;
    }
    event->data = sti_node_encode(data, &event->data_size);
    return event->data ? 0 : -1;
}

sti_event_t *sti_event_from_node(sti_node_t map, const char *topic, char *err, size_t errlen)
{
    if (sti_node_type(map) != STI_TYPE_MAP) {
        snprintf(err, errlen, "event must be a map");
        return NULL;
    }
    sti_event_t *event = calloc(1, sizeof *event);
    assert(event);
    char *version = NULL;
    if (s_field(map, "specversion", 8, &version, err, errlen) != 0) {
        goto fail;
    }
    bool v1 = strcmp(version, "1.0") == 0;
    free(version);
    if (!v1) {
        snprintf(err, errlen, "specversion: must be \"1.0\"");
        goto fail;
    }
    if (topic && sti_node_is_missing(sti_node_get(map, "topic"))) {
        event->topic = strdup(topic);
        assert(event->topic);
    } else if (s_field(map, "topic", STI_EVENTS_TOPIC_MAX, &event->topic, err, errlen) != 0) {
        goto fail;
    }
    if ((topic && strcmp(topic, event->topic) != 0) ||
        !sti_events_topic_valid(event->topic, strlen(event->topic))) {
        snprintf(err, errlen, "topic: must be printable and match the topic frame");
        goto fail;
    }
    if (s_field(map, "id", STI_EVENTS_FIELD_MAX, &event->id, err, errlen) != 0 ||
        s_field(map, "source", STI_EVENTS_FIELD_MAX, &event->source, err, errlen) != 0 ||
        s_field(map, "type", STI_EVENTS_FIELD_MAX, &event->type, err, errlen) != 0 ||
        s_field(map, "time", STI_EVENTS_FIELD_MAX, &event->time, err, errlen) != 0 ||
        s_field(map, "subject", STI_EVENTS_SUBJECT_MAX, &event->subject, err, errlen) != 0 ||
        s_numbers(map, event, err, errlen) != 0 || s_data(map, event, err, errlen) != 0) {
        goto fail;
    }
    //  epoch is optional: an older publisher does not send it.
    if (!sti_node_is_missing(sti_node_get(map, "epoch")) &&
        s_field(map, "epoch", STI_EVENTS_EPOCH_MAX, &event->epoch, err, errlen) != 0) {
        goto fail;
    }
    return event;
fail:
    sti_event_destroy(&event);
    return NULL;
}

sti_event_t *sti_event_decode(const char *topic, const void *body, size_t size, char *err,
                              size_t errlen)
{
    assert(err);
    if (!topic || !body) {
        snprintf(err, errlen, "event without topic or body");
        return NULL;
    }
    sti_limits_t limits = {.max_size = STI_EVENTS_MAX_SIZE};
    sti_reader_t *reader = sti_reader_new(body, size, &limits, err, errlen);
    if (!reader) {
        return NULL;
    }
    sti_event_t *event = sti_event_from_node(sti_reader_root(reader), topic, err, errlen);
    sti_reader_destroy(&reader);
    return event;
}

void sti_event_encode(const sti_event_t *event, sti_writer_t *writer)
{
    assert(event && writer);
    bool epoch = event->epoch && event->epoch[0];
    sti_writer_map(writer, epoch ? 11 : 10);
    sti_writer_kv_str(writer, "specversion", "1.0");
    sti_writer_kv_str(writer, "id", event->id);
    sti_writer_kv_str(writer, "source", event->source);
    sti_writer_kv_str(writer, "type", event->type);
    sti_writer_kv_str(writer, "time", event->time);
    sti_writer_kv_str(writer, "subject", event->subject);
    sti_writer_kv_str(writer, "topic", event->topic);
    sti_writer_str(writer, "seq");
    sti_writer_uint(writer, event->seq);
    sti_writer_str(writer, "prev");
    sti_writer_uint(writer, event->prev);
    sti_writer_str(writer, "data");
    if (event->data) {
        sti_writer_raw(writer, event->data, event->data_size);
    } else {
        sti_writer_nil(writer);
    }
    if (epoch) {
        sti_writer_kv_str(writer, "epoch", event->epoch);
    }
}
