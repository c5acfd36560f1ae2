/*  Unit tests for the subscriber of sti_events, in one process: a real
    redis-server, an in-process bus (zproxy, XSUB -> XPUB, as the broker's) and
    a stand-in broker (a ROUTER in an actor that answers events.since with
    sti_events_since_reply). A publisher whose PUB goes nowhere makes gaps; a
    raw PUB injects duplicates and hostile messages. Checked: catch-up at
    start, live delivery, gaps filled in order, duplicates dropped, garbage
    survived, prefix filtering with an exact cursor, `lost` after trimming,
    a start at the live point, a service that does not answer, and a bus
    that disagrees with the log.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "redis_server.h"
#include "sti_events.h"
#include "sti_log.h"
#include "sti_mdp.h"

#define S_BUS_IN "inproc://bus-in"   // publishers connect here (XSUB)
#define S_BUS_OUT "inproc://bus-out" // subscribers connect here (XPUB)
#define S_BROKER "inproc://broker"   // the stand-in broker
#define S_SERVICE "sti.test"

static test_redis_t s_server;
static sti_redis_t *s_redis;
static zactor_t *s_proxy;
static zactor_t *s_broker;

//  The stand-in broker: answers every MDP client request with events.since.
static void s_broker_actor(zsock_t *pipe, void *args)
{
    (void)args;
    zsock_t *router = zsock_new_router("@" S_BROKER);
    char err[256];
    sti_redis_t *redis = sti_redis_new(s_server.url, "stitest", err, sizeof err);
    sti_writer_t *writer = sti_writer_new();
    zsock_signal(pipe, 0);
    zpoller_t *poller = zpoller_new(pipe, router, NULL);
    while (true) {
        void *which = zpoller_wait(poller, -1);
        if (which != router) {
            break; // $TERM or interrupted
        }
        zmsg_t *msg = zmsg_recv(router);
        zframe_t *identity = zmsg_pop(msg);
        zframe_t *empty = zmsg_pop(msg);
        char *header = zmsg_popstr(msg);
        char *service = zmsg_popstr(msg);
        zframe_t *body = zmsg_pop(msg);
        sti_request_t request;
        if (body && sti_request_decode(zframe_data(body), zframe_size(body), NULL, &request, err,
                                       sizeof err) == 0) {
            sti_events_since_reply(redis, "ind", &request, writer);
            sti_request_release(&request);
            size_t size;
            const void *data = sti_writer_data(writer, &size);
            zmsg_t *reply = zmsg_new();
            zmsg_append(reply, &identity);
            zmsg_addmem(reply, NULL, 0);
            zmsg_addstr(reply, STI_MDPC);
            zmsg_addstr(reply, service);
            zmsg_addmem(reply, data, size);
            zmsg_send(&reply, router);
        }
        zframe_destroy(&identity);
        zframe_destroy(&empty);
        zframe_destroy(&body);
        free(header);
        free(service);
        zmsg_destroy(&msg);
    }
    zpoller_destroy(&poller);
    sti_writer_destroy(&writer);
    sti_redis_destroy(&redis);
    zsock_destroy(&router);
}

static int s_setup(void **state)
{
    (void)state;
    sti_log_init("test_sti_events_sub", (sti_log_level_t)(STI_LOG_ERROR + 1));
    test_redis_start(&s_server, NULL);
    char err[256];
    s_redis = sti_redis_new(s_server.url, "stitest", err, sizeof err);
    assert_int_equal(sti_redis_wait(s_redis, 5000), 0);
    s_proxy = zactor_new(zproxy, NULL);
    zstr_sendx(s_proxy, "FRONTEND", "XSUB", "@" S_BUS_IN, NULL);
    zsock_wait(s_proxy);
    zstr_sendx(s_proxy, "BACKEND", "XPUB", "@" S_BUS_OUT, NULL);
    zsock_wait(s_proxy);
    s_broker = zactor_new(s_broker_actor, NULL);
    return 0;
}

static int s_teardown(void **state)
{
    (void)state;
    zactor_destroy(&s_broker);
    zactor_destroy(&s_proxy);
    sti_redis_destroy(&s_redis);
    test_redis_stop(&s_server);
    return 0;
}

static sti_events_pub_t *s_pub(const char *endpoint)
{
    sti_events_pub_t *pub = sti_events_pub_new(s_redis, "ind", endpoint, "sti-test");
    assert_non_null(pub);
    return pub;
}

static uint64_t s_publish(sti_events_pub_t *pub, const char *topic)
{
    uint64_t seq;
    assert_int_equal(sti_events_publish(pub, topic, "test.event", "s", NULL, 0, &seq), 0);
    return seq;
}

//  Receives the next event within 5 s, ticking the publisher's heartbeat
//  meanwhile (so a loss at the tail is found). Returns it (caller destroys).
static sti_event_t *s_next(sti_events_sub_t *sub, sti_events_pub_t *pub, bool *lost)
{
    int64_t deadline = zclock_mono() + 5000;
    while (zclock_mono() < deadline) {
        if (pub) {
            sti_events_pub_tick(pub);
        }
        sti_event_t *event = sti_events_sub_recv(sub, 100, lost);
        if (event) {
            return event;
        }
    }
    return NULL;
}

//  Expects the next event to be seq (and its lost flag as given).
static void s_expect(sti_events_sub_t *sub, sti_events_pub_t *pub, uint64_t seq)
{
    bool lost = true;
    sti_event_t *event = s_next(sub, pub, &lost);
    if (!event) {
        fail_msg("expected event %" PRIu64 ", got none", seq);
    }
    assert_int_equal(event->seq, seq);
    assert_false(lost);
    sti_event_destroy(&event);
}

static void s_flush(void)
{
    freeReplyObject(sti_redis_command(s_redis, "FLUSHALL"));
}

static void test_replay_live_gaps_duplicates(void **state)
{
    (void)state;
    s_flush();
    sti_events_pub_t *mute = s_pub("inproc://nowhere");
    sti_events_pub_t *pub = s_pub(S_BUS_IN);
    for (int i = 0; i < 5; i++) {
        s_publish(mute, "ind.a");
    }
    sti_events_sub_t *sub = sti_events_sub_new(S_BUS_OUT, S_BROKER, S_SERVICE, "ind", "", 0);
    assert_non_null(sub);
    for (uint64_t seq = 1; seq <= 5; seq++) {
        s_expect(sub, NULL, seq); // from the log, at start
    }
    //  Live, then a gap of two events that never reached the bus.
    s_publish(pub, "ind.a");
    s_expect(sub, pub, 6);
    s_publish(mute, "ind.b");
    s_publish(mute, "ind.a");
    s_publish(pub, "ind.b");
    for (uint64_t seq = 7; seq <= 9; seq++) {
        s_expect(sub, pub, seq);
    }
    //  A tail the bus never saw: found by the heartbeat.
    s_publish(mute, "ind.c");
    s_expect(sub, pub, 10);
    //  Everything again on the bus: all duplicates, nothing delivered.
    assert_int_equal(sti_events_send_logged(pub, 1, 10), 0);
    s_publish(pub, "ind.a");
    s_expect(sub, pub, 11);
    assert_int_equal(sti_events_sub_cursor(sub), 11);
    sti_events_sub_destroy(&sub);
    sti_events_sub_destroy(&sub);
    sti_events_pub_destroy(&pub);
    sti_events_pub_destroy(&mute);
}

//  Sends raw frames on the bus.
static void s_raw(zsock_t *raw, int frames, ...)
{
    va_list args;
    va_start(args, frames);
    zmsg_t *msg = zmsg_new();
    for (int i = 0; i < frames; i++) {
        const char *data = va_arg(args, const char *);
        size_t size = va_arg(args, size_t);
        zmsg_addmem(msg, data, size);
    }
    va_end(args);
    zmsg_send(&msg, raw);
}

static void test_hostile_bus(void **state)
{
    (void)state;
    s_flush();
    sti_events_pub_t *pub = s_pub(S_BUS_IN);
    s_publish(pub, "ind.a");
    sti_events_sub_t *sub = sti_events_sub_new(S_BUS_OUT, S_BROKER, S_SERVICE, "ind", "", 0);
    s_expect(sub, NULL, 1);
    zsock_t *raw = zsock_new_pub(">" S_BUS_IN);
    //  Hostile traffic, repeated so some of it certainly arrives, then real events.
    uint8_t noise[64];
    for (size_t i = 0; i < sizeof noise; i++) {
        noise[i] = (uint8_t)(i * 37 + 11);
    }
    const uint8_t forged_hb[] = {0x82, 0xa6, 's',  't',  'r',  'e',  'a', 'm',  0xa3,
                                 'i',  'n',  'd',  0xa3, 's',  'e',  'q', 0xcf, 0x7f,
                                 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    for (int round = 0; round < 50; round++) {
        s_raw(raw, 1, "ind.a", (size_t)5);
        s_raw(raw, 3, "ind.a", (size_t)5, "x", (size_t)1, "y", (size_t)1);
        s_raw(raw, 2, "ind.a", (size_t)5, (const char *)noise, sizeof noise);
        s_raw(raw, 2, "ind.\0a", (size_t)6, "\x80", (size_t)1);
        s_raw(raw, 2, "ind.$hb", (size_t)7, (const char *)noise, sizeof noise);
        s_raw(raw, 2, "ind.$hb", (size_t)7, "\x80", (size_t)1);
        s_raw(raw, 2, "ind.$hb", (size_t)7, (const char *)forged_hb, sizeof forged_hb);
        sti_event_t *event = sti_events_sub_recv(sub, 0, NULL);
        assert_null(event);
    }
    s_publish(pub, "ind.b");
    s_expect(sub, pub, 2);
    s_publish(pub, "ind.b");
    s_expect(sub, pub, 3);
    zsock_destroy(&raw);
    sti_events_sub_destroy(&sub);
    sti_events_pub_destroy(&pub);
}

static void test_prefix_cursor(void **state)
{
    (void)state;
    s_flush();
    sti_events_pub_t *mute = s_pub("inproc://nowhere");
    sti_events_pub_t *pub = s_pub(S_BUS_IN);
    for (int i = 0; i < 30; i++) {
        s_publish(i % 3 ? mute : pub, i % 2 ? "ind.a.x" : "ind.b.y");
    }
    sti_events_sub_t *sub = sti_events_sub_new(S_BUS_OUT, S_BROKER, S_SERVICE, "ind", "ind.a.", 0);
    for (uint64_t seq = 2; seq <= 30; seq += 2) {
        s_expect(sub, pub, seq);
    }
    s_publish(pub, "ind.b.y"); // 31, not ours: the cursor moves anyway
    s_publish(pub, "ind.a.x"); // 32
    s_expect(sub, pub, 32);
    assert_int_equal(sti_events_sub_cursor(sub), 32);
    sti_events_sub_destroy(&sub);
    assert_null(sti_events_sub_new(S_BUS_OUT, S_BROKER, S_SERVICE, "ind", "tal.a", 0));
    assert_null(sti_events_sub_new(S_BUS_OUT, S_BROKER, S_SERVICE, "in.d", "", 0));
    sti_events_pub_destroy(&pub);
    sti_events_pub_destroy(&mute);
}

static void test_lost_and_live(void **state)
{
    (void)state;
    s_flush();
    sti_events_pub_t *mute = s_pub("inproc://nowhere");
    sti_events_pub_t *pub = s_pub(S_BUS_IN);
    sti_events_pub_set_maxlen(mute, 10);
    for (int i = 0; i < 500; i++) {
        s_publish(mute, "ind.a");
    }
    //  Resuming from 3: the log starts far later, so the caller is told.
    sti_events_sub_t *sub = sti_events_sub_new(S_BUS_OUT, S_BROKER, S_SERVICE, "ind", "", 3);
    bool lost = false;
    sti_event_t *event = s_next(sub, NULL, &lost);
    assert_non_null(event);
    assert_true(lost);
    assert_true(event->seq > 4);
    uint64_t seq = event->seq;
    sti_event_destroy(&event);
    while (seq < 500) {
        s_expect(sub, NULL, ++seq);
    }
    sti_events_sub_destroy(&sub);

    //  At the live point: nothing old, then what comes.
    sub = sti_events_sub_new(S_BUS_OUT, S_BROKER, S_SERVICE, "ind", "", STI_EVENTS_LIVE);
    int64_t deadline = zclock_mono() + 5000;
    while (sti_events_sub_cursor(sub) == 0 && zclock_mono() < deadline) {
        sti_events_pub_tick(pub);
        event = sti_events_sub_recv(sub, 50, NULL);
        assert_null(event);
    }
    assert_int_equal(sti_events_sub_cursor(sub), 500);
    s_publish(mute, "ind.a");
    s_publish(pub, "ind.a");
    s_expect(sub, pub, 501);
    s_expect(sub, pub, 502);
    sti_events_sub_destroy(&sub);
    sti_events_pub_destroy(&pub);
    sti_events_pub_destroy(&mute);
}

//  A bus that names a seq the log does not hold (another stack's bus, here
//  a forged heartbeat) is said: the caller is told the two disagree.
static void test_bus_and_log_disagree(void **state)
{
    (void)state;
    s_flush();
    sti_events_pub_t *pub = s_pub(S_BUS_IN);
    s_publish(pub, "ind.a");
    sti_events_sub_t *sub = sti_events_sub_new(S_BUS_OUT, S_BROKER, S_SERVICE, "ind", "", 0);
    s_expect(sub, pub, 1);
    zsock_t *raw = zsock_new_pub(">" S_BUS_IN);
    const uint8_t other_hb[] = {0x82, 0xa6, 's',  't', 'r', 'e', 'a',  'm',  0xa3, 'i',
                                'n',  'd',  0xa3, 's', 'e', 'q', 0xcd, 0x03, 0x84}; // seq 900
    char notice[512] = "";
    bool said = false;
    for (int64_t deadline = zclock_mono() + 5000; !said && zclock_mono() < deadline;) {
        s_raw(raw, 2, "ind.$hb", (size_t)7, (const char *)other_hb, sizeof other_hb);
        assert_null(sti_events_sub_recv(sub, 50, NULL));
        said = sti_events_sub_notice(sub, notice, sizeof notice);
    }
    assert_true(said);
    assert_non_null(strstr(notice, "disagree"));
    assert_non_null(strstr(notice, "seq 900"));
    assert_true(sti_events_sub_live_at(sub) > 0);
    zsock_destroy(&raw);
    sti_events_sub_destroy(&sub);
    sti_events_pub_destroy(&pub);
}

//  A heartbeat below the cursor that the log does not confirm (one that
//  left before a replay moved the cursor past it) is no loss: nothing is
//  said and events go on.
static void test_stale_heartbeat(void **state)
{
    (void)state;
    s_flush();
    sti_events_pub_t *pub = s_pub(S_BUS_IN);
    sti_events_sub_t *sub = sti_events_sub_new(S_BUS_OUT, S_BROKER, S_SERVICE, "ind", "", 0);
    for (uint64_t seq = 1; seq <= 3; seq++) {
        s_publish(pub, "ind.a");
        s_expect(sub, pub, seq);
    }
    zsock_t *raw = zsock_new_pub(">" S_BUS_IN);
    const uint8_t stale_hb[] = {0x82, 0xa6, 's', 't',  'r', 'e', 'a', 'm', 0xa3,
                                'i',  'n',  'd', 0xa3, 's', 'e', 'q', 0x01}; // seq 1
    char notice[512] = "";
    for (int i = 0; i < 20; i++) {
        s_raw(raw, 2, "ind.$hb", (size_t)7, (const char *)stale_hb, sizeof stale_hb);
        assert_null(sti_events_sub_recv(sub, 50, NULL));
        assert_false(sti_events_sub_notice(sub, notice, sizeof notice));
    }
    s_publish(pub, "ind.a");
    s_expect(sub, pub, 4);
    assert_false(sti_events_sub_notice(sub, notice, sizeof notice));
    zsock_destroy(&raw);
    sti_events_sub_destroy(&sub);
    sti_events_pub_destroy(&pub);
}

static void test_service_away(void **state)
{
    (void)state;
    s_flush();
    sti_events_pub_t *mute = s_pub("inproc://nowhere");
    s_publish(mute, "ind.a");
    sti_events_sub_t *sub =
        sti_events_sub_new(S_BUS_OUT, "inproc://no-broker", S_SERVICE, "ind", "", 0);
    assert_non_null(sub);
    int64_t start = zclock_mono();
    bool lost = true;
    assert_null(sti_events_sub_recv(sub, 100, &lost));
    assert_false(lost);
    assert_true(zclock_mono() - start < 10000);
    assert_int_equal(sti_events_sub_cursor(sub), 0);
    sti_events_sub_destroy(&sub);
    sti_events_pub_destroy(&mute);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_replay_live_gaps_duplicates),
        cmocka_unit_test(test_hostile_bus),
        cmocka_unit_test(test_prefix_cursor),
        cmocka_unit_test(test_lost_and_live),
        cmocka_unit_test(test_service_away),
        cmocka_unit_test(test_bus_and_log_disagree),
        cmocka_unit_test(test_stale_heartbeat),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
