/*  test_gateway_ring: the latest events of a stream, a run without holes;
    the oldest go when it is full; an event that does not follow, or a
    cursor ahead, starts the run again. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "gateway_ring.h"

typedef struct {
    uint64_t seqs[16];
    size_t count;
    size_t stop_at; // the walk stops after this many
} s_seen_t;

static bool s_collect(void *arg, uint64_t seq, gateway_frame_t *frame)
{
    s_seen_t *seen = (s_seen_t *)arg;
    assert_string_equal(gateway_frame_topic(frame), "ind.x.y");
    assert_true(gateway_frame_len(frame) > 4 && memcmp(gateway_frame_text(frame), "id: ", 4) == 0);
    seen->seqs[seen->count++] = seq;
    return seen->count < seen->stop_at;
}

static void s_add(gateway_ring_t *ring, uint64_t seq)
{
    gateway_frame_t *frame = gateway_frame_event(seq, "ind.x.y", "{}");
    gateway_ring_add(ring, seq, frame);
    gateway_frame_unref(&frame); // the ring holds its own reference
}

static void test_run(void **state)
{
    (void)state;
    gateway_ring_t *ring = gateway_ring_new(3);
    assert_false(gateway_ring_known(ring));
    gateway_ring_cursor(ring, 10);
    assert_true(gateway_ring_known(ring));
    assert_int_equal(gateway_ring_upto(ring), 10);
    assert_int_equal(gateway_ring_first(ring), 11);
    for (uint64_t seq = 11; seq <= 14; seq++) {
        s_add(ring, seq);
    }
    //  Full at 3: 12, 13, 14.
    assert_int_equal(gateway_ring_first(ring), 12);
    assert_int_equal(gateway_ring_upto(ring), 14);
    s_seen_t seen = {{0}, 0, 16};
    assert_true(gateway_ring_each(ring, 12, s_collect, &seen));
    assert_int_equal(seen.count, 2);
    assert_int_equal(seen.seqs[0], 13);
    assert_int_equal(seen.seqs[1], 14);
    //  A walk stopped early says so (a client catching up at its pace).
    seen = (s_seen_t){{0}, 0, 1};
    assert_false(gateway_ring_each(ring, 11, s_collect, &seen));
    assert_int_equal(seen.count, 1);
    assert_int_equal(seen.seqs[0], 12);
    //  A cursor not ahead changes nothing.
    gateway_ring_cursor(ring, 14);
    assert_int_equal(gateway_ring_first(ring), 12);
    //  An event that does not follow starts the run again.
    s_add(ring, 20);
    assert_int_equal(gateway_ring_first(ring), 20);
    assert_int_equal(gateway_ring_upto(ring), 20);
    //  A cursor ahead too: nothing held, upto moves.
    gateway_ring_cursor(ring, 25);
    assert_int_equal(gateway_ring_first(ring), 26);
    seen = (s_seen_t){{0}, 0, 16};
    assert_true(gateway_ring_each(ring, 0, s_collect, &seen));
    assert_int_equal(seen.count, 0);
    gateway_ring_destroy(&ring);
    gateway_ring_destroy(&ring);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_run),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
