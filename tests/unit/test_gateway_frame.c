/*  test_gateway_frame: a frame is encoded once and shared by the queues
    that take it; it is freed when the last of them let it go (ASan would
    say a leak or a use after free); a queue hands out its frames in
    order, whole or in part, one block at a time; a slow queue cut leaves
    the others their every frame. The events are made up. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "gateway_frame.h"

static void test_event(void **state)
{
    (void)state;
    gateway_frame_t *frame = gateway_frame_event(42, "ind.rd.linping", "{\"seq\":42}");
    const char *want = "id: 42\ndata: {\"seq\":42}\n\n";
    assert_int_equal(gateway_frame_len(frame), strlen(want));
    assert_memory_equal(gateway_frame_text(frame), want, strlen(want));
    assert_string_equal(gateway_frame_topic(frame), "ind.rd.linping");
    assert_int_equal(gateway_frame_refs(frame), 1);
    gateway_frame_unref(&frame);
    assert_null(frame);
    gateway_frame_unref(&frame);

    frame = gateway_frame_new(": heartbeat\n\n", 13);
    assert_string_equal(gateway_frame_topic(frame), "");
    assert_memory_equal(gateway_frame_text(frame), ": heartbeat\n\n", 13);
    gateway_frame_unref(&frame);
}

//  One frame in three queues and a ring's reference: each queue lets go of
//  it as it is taken whole or the queue is destroyed.
static void test_shared(void **state)
{
    (void)state;
    gateway_frame_t *frame = gateway_frame_event(7, "ind.x", "{}");
    gateway_frame_queue_t *a = gateway_frame_queue_new();
    gateway_frame_queue_t *b = gateway_frame_queue_new();
    gateway_frame_queue_t *c = gateway_frame_queue_new();
    gateway_frame_queue_push(a, frame);
    gateway_frame_queue_push(b, frame);
    gateway_frame_queue_push(c, frame);
    assert_int_equal(gateway_frame_refs(frame), 4);
    size_t len = gateway_frame_len(frame);
    assert_int_equal(gateway_frame_queue_owed(a), len);

    //  a takes it in two parts: the reference goes with the last byte.
    char buf[64];
    assert_int_equal(gateway_frame_queue_take(a, buf, 5), 5);
    assert_int_equal(gateway_frame_queue_owed(a), len - 5);
    assert_int_equal(gateway_frame_refs(frame), 4);
    assert_int_equal(gateway_frame_queue_take(a, buf + 5, sizeof buf - 5), len - 5);
    assert_memory_equal(buf, gateway_frame_text(frame), len);
    assert_int_equal(gateway_frame_refs(frame), 3);
    assert_int_equal(gateway_frame_queue_take(a, buf, sizeof buf), 0);

    //  b is cut with the frame still owed; c takes it whole.
    gateway_frame_queue_destroy(&b);
    assert_null(b);
    assert_int_equal(gateway_frame_refs(frame), 2);
    assert_int_equal(gateway_frame_queue_take(c, buf, sizeof buf), len);
    assert_int_equal(gateway_frame_refs(frame), 1);

    //  The ring's reference is the last: the frame is freed with it.
    gateway_frame_unref(&frame);
    gateway_frame_queue_destroy(&a);
    gateway_frame_queue_destroy(&c);
    gateway_frame_queue_destroy(&c);
}

//  Many frames through a small block: they come out in order, split
//  anywhere, and the queue's slots grow and are given back.
static void test_blocks(void **state)
{
    (void)state;
    gateway_frame_queue_t *queue = gateway_frame_queue_new();
    char want[64 * 1024] = "";
    size_t want_len = 0;
    for (uint64_t seq = 1; seq <= 1000; seq++) {
        gateway_frame_t *frame = gateway_frame_event(seq, "ind.x", "{\"v\":1}");
        gateway_frame_queue_push(queue, frame);
        memcpy(want + want_len, gateway_frame_text(frame), gateway_frame_len(frame));
        want_len += gateway_frame_len(frame);
        gateway_frame_unref(&frame); // the queue's reference is the only one
    }
    gateway_frame_queue_push_text(queue, ": bye\n\n", 7);
    memcpy(want + want_len, ": bye\n\n", 7);
    want_len += 7;
    assert_int_equal(gateway_frame_queue_owed(queue), want_len);
    static char got[64 * 1024];
    size_t got_len = 0, n;
    while ((n = gateway_frame_queue_take(queue, got + got_len, 100)) > 0) {
        assert_true(n <= 100);
        got_len += n;
    }
    assert_int_equal(got_len, want_len);
    assert_memory_equal(got, want, want_len);
    assert_int_equal(gateway_frame_queue_owed(queue), 0);
    //  Drained, then used again.
    gateway_frame_queue_push_text(queue, ": x\n\n", 5);
    assert_int_equal(gateway_frame_queue_take(queue, got, sizeof got), 5);
    gateway_frame_queue_destroy(&queue);
}

//  A cut: the frames not begun are let go at once, the one begun stays to
//  be finished, then the last comment.
static void test_drop(void **state)
{
    (void)state;
    gateway_frame_t *frames[3];
    gateway_frame_queue_t *queue = gateway_frame_queue_new();
    for (uint64_t seq = 1; seq <= 3; seq++) {
        frames[seq - 1] = gateway_frame_event(seq, "ind.x", "{}");
        gateway_frame_queue_push(queue, frames[seq - 1]);
    }
    char buf[256];
    assert_int_equal(gateway_frame_queue_take(queue, buf, 3), 3);
    gateway_frame_queue_drop(queue);
    size_t first = gateway_frame_len(frames[0]);
    assert_int_equal(gateway_frame_queue_owed(queue), first - 3);
    assert_int_equal(gateway_frame_refs(frames[0]), 2);
    assert_int_equal(gateway_frame_refs(frames[1]), 1);
    assert_int_equal(gateway_frame_refs(frames[2]), 1);
    gateway_frame_queue_push_text(queue, ": cut\n\n", 7);
    size_t n = gateway_frame_queue_take(queue, buf + 3, sizeof buf - 3);
    assert_int_equal(n, first - 3 + 7);
    assert_memory_equal(buf, gateway_frame_text(frames[0]), first);
    assert_memory_equal(buf + first, ": cut\n\n", 7);
    //  Nothing begun: everything goes.
    gateway_frame_queue_push(queue, frames[1]);
    gateway_frame_queue_drop(queue);
    assert_int_equal(gateway_frame_queue_owed(queue), 0);
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(gateway_frame_refs(frames[i]), 1);
        gateway_frame_unref(&frames[i]);
    }
    gateway_frame_queue_destroy(&queue);
}

//  A publisher's loop as gateway_sse runs it: each event to every queue;
//  the slow one never reads and is cut when it would owe more than a
//  bound; the fast one reads after each event and gets every one.
static void test_slow_cut(void **state)
{
    (void)state;
    const size_t bound = 2048;
    gateway_frame_queue_t *fast = gateway_frame_queue_new();
    gateway_frame_queue_t *slow = gateway_frame_queue_new();
    gateway_frame_t *kept[200];
    uint64_t cut_at = 0, next_seq = 1;
    char buf[256], expect[64];
    for (uint64_t seq = 1; seq <= 200; seq++) {
        gateway_frame_t *frame = gateway_frame_event(seq, "ind.x", "{\"made_up\":true}");
        kept[seq - 1] = gateway_frame_ref(frame); // to see each one's references
        gateway_frame_queue_push(fast, frame);
        if (slow && gateway_frame_queue_owed(slow) + gateway_frame_len(frame) > bound) {
            gateway_frame_queue_destroy(&slow);
            cut_at = seq;
        } else if (slow) {
            gateway_frame_queue_push(slow, frame);
        }
        gateway_frame_unref(&frame);
        size_t n = gateway_frame_queue_take(fast, buf, sizeof buf);
        int len = snprintf(expect, sizeof expect, "id: %llu\n", (unsigned long long)next_seq);
        assert_true(n > (size_t)len && memcmp(buf, expect, (size_t)len) == 0);
        next_seq++;
    }
    assert_int_equal(next_seq, 201);
    assert_true(cut_at > 1 && cut_at < 200);
    assert_null(slow);
    for (size_t i = 0; i < 200; i++) {
        //  Every frame's only reference left is the test's.
        assert_int_equal(gateway_frame_refs(kept[i]), 1);
        gateway_frame_unref(&kept[i]);
    }
    gateway_frame_queue_destroy(&fast);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_event),    cmocka_unit_test(test_shared),
        cmocka_unit_test(test_blocks),   cmocka_unit_test(test_drop),
        cmocka_unit_test(test_slow_cut),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
