/*  gateway_frame: see gateway_frame.h.

    A frame is one allocation: its counts, then the text, a NUL, and the
    topic. A queue is a circular array of frames; its slots grow by
    doubling and are given back when the queue drains, so that 1,000 quiet
    streams hold a few slots each.
*/
#include "gateway_frame.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_SLOTS_MIN 8   // slots of a queue's first array
#define S_SLOTS_KEPT 64 // a drained queue's array larger than this is freed

struct _gateway_frame_t {
    size_t refs;  // references held: the ring's, each queue's
    size_t len;   // bytes of text
    size_t topic; // offset of the topic in body (after the text's NUL)
    char body[];  // text, NUL, topic, NUL
};

struct _gateway_frame_queue_t {
    gateway_frame_t **slots; // [cap], circular
    size_t cap;              // slots allocated
    size_t head;             // index of the first frame
    size_t count;            // frames queued
    size_t taken;            // bytes of the first frame already taken
    size_t owed;             // bytes queued and not yet taken
};

//  A frame of room bytes of text and the topic, refs 1, len 0.
static gateway_frame_t *s_alloc(size_t room, const char *topic)
{
    size_t topic_len = strlen(topic);
    gateway_frame_t *self = malloc(sizeof *self + room + 1 + topic_len + 1);
    assert(self);
    self->refs = 1;
    self->len = 0;
    self->topic = room + 1;
    memcpy(self->body + self->topic, topic, topic_len + 1);
    return self;
}

gateway_frame_t *gateway_frame_new(const char *text, size_t len)
{
    assert(text);
    gateway_frame_t *self = s_alloc(len, "");
    memcpy(self->body, text, len);
    self->body[len] = 0;
    self->len = len;
    return self;
}

gateway_frame_t *gateway_frame_event(uint64_t seq, const char *topic, const char *json)
{
    assert(topic && json);
    size_t room = strlen(json) + 48; // "id: " 20 digits "\ndata: " "\n\n"
    gateway_frame_t *self = s_alloc(room, topic);
    int n = snprintf(self->body, room + 1, "id: %" PRIu64 "\ndata: %s\n\n", seq, json);
    assert(n > 0 && (size_t)n <= room);
    self->len = (size_t)n;
    return self;
}

gateway_frame_t *gateway_frame_ref(gateway_frame_t *self)
{
    assert(self && self->refs > 0);
    self->refs++;
    return self;
}

void gateway_frame_unref(gateway_frame_t **self_p)
{
    assert(self_p);
    gateway_frame_t *self = *self_p;
    if (self) {
        assert(self->refs > 0);
        if (--self->refs == 0) {
            free(self);
        }
        *self_p = NULL;
    }
}

const char *gateway_frame_text(const gateway_frame_t *self)
{
    assert(self);
    return self->body;
}

size_t gateway_frame_len(const gateway_frame_t *self)
{
    assert(self);
    return self->len;
}

const char *gateway_frame_topic(const gateway_frame_t *self)
{
    assert(self);
    return self->body + self->topic;
}

size_t gateway_frame_refs(const gateway_frame_t *self)
{
    assert(self);
    return self->refs;
}

//  --- the queue ---

gateway_frame_queue_t *gateway_frame_queue_new(void)
{
    gateway_frame_queue_t *self = calloc(1, sizeof *self);
    assert(self);
    return self;
}

void gateway_frame_queue_destroy(gateway_frame_queue_t **self_p)
{
    assert(self_p);
    gateway_frame_queue_t *self = *self_p;
    if (self) {
        for (size_t i = 0; i < self->count; i++) {
            gateway_frame_unref(&self->slots[(self->head + i) % self->cap]);
        }
        free(self->slots);
        free(self);
        *self_p = NULL;
    }
}

//  Room for one more frame: the slots doubled, the run made contiguous.
static void s_grow(gateway_frame_queue_t *self)
{
    size_t cap = self->cap ? self->cap * 2 : S_SLOTS_MIN;
    gateway_frame_t **slots = malloc(cap * sizeof *slots);
    assert(slots);
    for (size_t i = 0; i < self->count; i++) {
        slots[i] = self->slots[(self->head + i) % self->cap];
    }
    free(self->slots);
    self->slots = slots;
    self->cap = cap;
    self->head = 0;
}

void gateway_frame_queue_push(gateway_frame_queue_t *self, gateway_frame_t *frame)
{
    assert(self && frame);
    if (self->count == self->cap) {
        s_grow(self);
    }
    self->slots[(self->head + self->count) % self->cap] = gateway_frame_ref(frame);
    self->count++;
    self->owed += frame->len;
}

void gateway_frame_queue_push_text(gateway_frame_queue_t *self, const char *text, size_t len)
{
    gateway_frame_t *frame = gateway_frame_new(text, len);
    gateway_frame_queue_push(self, frame);
    gateway_frame_unref(&frame);
}

void gateway_frame_queue_drop(gateway_frame_queue_t *self)
{
    assert(self);
    size_t kept = self->taken ? 1 : 0;
    while (self->count > kept) {
        size_t last = (self->head + self->count - 1) % self->cap;
        self->owed -= self->slots[last]->len;
        gateway_frame_unref(&self->slots[last]);
        self->count--;
    }
}

size_t gateway_frame_queue_owed(const gateway_frame_queue_t *self)
{
    assert(self);
    return self->owed;
}

size_t gateway_frame_queue_take(gateway_frame_queue_t *self, char *buf, size_t max)
{
    assert(self && buf);
    size_t copied = 0;
    while (self->count && copied < max) {
        gateway_frame_t *first = self->slots[self->head];
        size_t left = first->len - self->taken;
        size_t n = left < max - copied ? left : max - copied;
        memcpy(buf + copied, first->body + self->taken, n);
        copied += n;
        self->taken += n;
        if (self->taken == first->len) {
            gateway_frame_unref(&self->slots[self->head]);
            self->head = (self->head + 1) % self->cap;
            self->count--;
            self->taken = 0;
        }
    }
    self->owed -= copied;
    if (self->count == 0 && self->cap > S_SLOTS_KEPT) {
        //  Drained after a burst: its slots are given back.
        free(self->slots);
        self->slots = NULL;
        self->cap = self->head = 0;
    }
    return copied;
}
