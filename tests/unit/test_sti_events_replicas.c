/*  Unit tests for the event path where writes must reach a replica
    (STI_REDIS_REPLICAS), against a real primary and a real replica on spare
    ports. The replica is cut off by stopping its process (SIGSTOP): it keeps
    what it had, acknowledges nothing, and a WAIT on the primary times out,
    as when a fail-over is about to promote a replica that missed the last
    writes. SIGCONT lets it catch up.

    - events.since hands out no seq the replicas have not confirmed
      (sti_events_log.c, the publisher's confirmed mark in sti_events.c);
    - a publisher holds events back from the bus until the replicas confirm
      them, by the caller's WAIT or by the heartbeat's;
    - sti_redis_wait_replicas lets a WAIT run longer than the connection's
      command timeout without the connection being dropped;
    - a WAIT on a connection made again after a break confirms none of the
      writes of the one before (sti_redis_generation): neither the events
      the publisher holds nor the op the frame acknowledges;
    - an op's note of the seqs its own script appended
      (sti_events_pub_appended), made before the frame's WAIT, confirms
      nothing: when that WAIT fails, no seq beyond the replicas' is marked,
      named by a heartbeat, handed out or sent, and no epoch the replicas
      lack is taken;
    - events.since names no epoch the replicas have not confirmed.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "redis_server.h"
#include "sti_events.h"
#include "sti_events_log.h"
#include "sti_log.h"
#include "sti_lua_sti.h"
#include "sti_service_guard.h"

static test_redis_t s_primary;
static test_redis_t s_replica;
static sti_redis_t *s_redis; // the services' connection to the primary

//  True once the primary counts the replica online (a WAIT on a connection
//  that wrote nothing asks no more: the tests' own WAITs check the data).
static bool s_replica_in_sync(void)
{
    redisContext *ctx = redisConnect("127.0.0.1", s_primary.port);
    redisReply *reply = ctx ? redisCommand(ctx, "WAIT 1 100") : NULL;
    bool synced = reply && reply->type == REDIS_REPLY_INTEGER && reply->integer == 1;
    if (reply) {
        freeReplyObject(reply);
    }
    if (ctx) {
        redisFree(ctx);
    }
    return synced;
}

static void s_wait_in_sync(void)
{
    int64_t deadline = zclock_mono() + 10000;
    while (!s_replica_in_sync()) {
        assert_true(zclock_mono() < deadline);
        zclock_sleep(20); // a bounded poll for the replication link
    }
}

static int s_setup(void **state)
{
    (void)state;
    sti_log_init("test_sti_events_replicas", (sti_log_level_t)(STI_LOG_ERROR + 1));
    test_redis_start(&s_primary, NULL);
    char port[16];
    snprintf(port, sizeof port, "%d", s_primary.port);
    const char *extra[] = {"--replicaof", "127.0.0.1", port, NULL};
    test_redis_start(&s_replica, extra);
    s_wait_in_sync();
    char err[256];
    s_redis = sti_redis_new(s_primary.url, "stitest", err, sizeof err);
    assert_non_null(s_redis);
    assert_int_equal(sti_redis_wait(s_redis, 5000), 0);
    sti_redis_set_replicas(s_redis, 1);
    return 0;
}

static int s_teardown(void **state)
{
    (void)state;
    sti_redis_destroy(&s_redis);
    kill(s_replica.pid, SIGCONT);
    test_redis_stop(&s_replica);
    test_redis_stop(&s_primary);
    return 0;
}

//  After each test, even a failed one: the replica runs again.
static int s_resume(void **state)
{
    (void)state;
    kill(s_replica.pid, SIGCONT);
    return 0;
}

static void s_cut_replica(void)
{
    assert_int_equal(kill(s_replica.pid, SIGSTOP), 0);
}

static void s_restore_replica(void)
{
    assert_int_equal(kill(s_replica.pid, SIGCONT), 0);
    s_wait_in_sync();
}

static void s_flush(void)
{
    freeReplyObject(sti_redis_command(s_redis, "FLUSHALL"));
    s_wait_in_sync();
}

static sti_events_pub_t *s_pub(const char *endpoint)
{
    sti_events_pub_t *pub = sti_events_pub_new(s_redis, "ind", endpoint, "sti-test");
    assert_non_null(pub);
    sti_events_pub_set_replicas(pub, 1);
    return pub;
}

//  Logs one event {"value": n} on topic; returns its seq.
static uint64_t s_publish(sti_events_pub_t *pub, const char *topic, int64_t value)
{
    sti_writer_t *data = sti_writer_new();
    sti_writer_map(data, 1);
    sti_writer_kv_int(data, "value", value);
    size_t size;
    const void *bytes = sti_writer_data(data, &size);
    uint64_t seq = 0;
    assert_int_equal(sti_events_publish(pub, topic, "test.changed", "subj", bytes, size, &seq), 0);
    sti_writer_destroy(&data);
    return seq;
}

//  What the service frame does after a write: WAIT, then release.
static bool s_confirm(sti_events_pub_t *pub, int timeout_ms)
{
    bool held = sti_redis_wait_replicas(s_redis, 1, timeout_ms) >= 1;
    sti_events_pub_replicated(pub, held);
    return held;
}

//  events.since from seq: when it answers, sets *count (events in the
//  reply), *upto, and the epoch it names with its start (epoch may be NULL:
//  not read). Returns what sti_events_since returned (-1: refused).
static int s_since_in(uint64_t seq, size_t *count, uint64_t *upto, char *epoch, uint64_t *start)
{
    sti_writer_t *writer = sti_writer_new();
    int rc = sti_events_since(s_redis, "ind", seq, "", 100, writer);
    size_t size;
    const void *bytes = sti_writer_data(writer, &size);
    char err[256];
    sti_reader_t *reader = rc == 0 ? sti_reader_new(bytes, size, NULL, err, sizeof err) : NULL;
    assert_true(rc != 0 || reader);
    if (reader) {
        sti_node_t root = sti_reader_root(reader);
        *count = sti_node_size(sti_node_get(root, "events"));
        int64_t value;
        assert_int_equal(sti_map_int(root, "upto", &value, NULL), 0);
        *upto = (uint64_t)value;
        if (epoch) {
            assert_int_equal(sti_map_str_copy(root, "epoch", epoch, STI_EVENTS_EPOCH_MAX + 1, NULL),
                             0);
            assert_int_equal(sti_map_int(root, "epoch_start", &value, NULL), 0);
            *start = (uint64_t)value;
        }
    }
    sti_reader_destroy(&reader);
    sti_writer_destroy(&writer);
    return rc;
}

//  events.since from seq, which must answer: sets *count and *upto.
static void s_since(uint64_t seq, size_t *count, uint64_t *upto)
{
    assert_int_equal(s_since_in(seq, count, upto, NULL, NULL), 0);
}

static zmsg_t *s_recv(zsock_t *sub, int timeout_ms)
{
    zpoller_t *poller = zpoller_new(sub, NULL);
    zmsg_t *msg = zpoller_wait(poller, timeout_ms) ? zmsg_recv(sub) : NULL;
    zpoller_destroy(&poller);
    return msg;
}

//  The seq of an event message (0 for a heartbeat), and destroys it.
static uint64_t s_seq_of(zmsg_t **msg_p)
{
    char *topic = zmsg_popstr(*msg_p);
    zframe_t *body = zmsg_pop(*msg_p);
    uint64_t seq = 0;
    if (strcmp(topic, "ind.$hb") != 0) {
        char err[256];
        sti_event_t *event =
            sti_event_decode(topic, zframe_data(body), zframe_size(body), err, sizeof err);
        assert_non_null(event);
        seq = event->seq;
        sti_event_destroy(&event);
    }
    zframe_destroy(&body);
    free(topic);
    zmsg_destroy(msg_p);
    return seq;
}

//  Ticks pub until event seq reaches sub (bounded).
static void s_tick_until(sti_events_pub_t *pub, zsock_t *sub, uint64_t seq)
{
    int64_t deadline = zclock_mono() + 5000;
    uint64_t got = 0;
    while (got != seq) {
        assert_true(zclock_mono() < deadline);
        sti_events_pub_tick(pub);
        zmsg_t *msg = s_recv(sub, 50);
        got = msg ? s_seq_of(&msg) : 0;
    }
}

//  Events logged while the replica is cut off are not handed out by
//  events.since, though the primary holds them: a fail-over to that replica
//  would give their seqs to other events. The heartbeat's WAIT, once the
//  replica is back, confirms them.
static void test_since_confirmed(void **state)
{
    (void)state;
    s_flush();
    sti_events_pub_t *pub = s_pub("inproc://nowhere");
    assert_int_equal(s_publish(pub, "ind.a", 1), 1);
    assert_true(s_confirm(pub, 2000));
    size_t count;
    uint64_t upto;
    s_since(0, &count, &upto);
    assert_int_equal(count, 1);
    assert_int_equal(upto, 1);
    s_cut_replica();
    assert_int_equal(s_publish(pub, "ind.a", 2), 2);
    assert_int_equal(s_publish(pub, "ind.b", 3), 3);
    assert_false(s_confirm(pub, 100));
    sti_events_pub_tick(pub); // its WAIT fails too: nothing more is confirmed
    s_since(0, &count, &upto);
    assert_int_equal(count, 1);
    assert_int_equal(upto, 1);
    s_since(1, &count, &upto);
    assert_int_equal(count, 0);
    assert_int_equal(upto, 1);
    //  Without replicas to reach, the reader hands out what the log holds.
    sti_redis_set_replicas(s_redis, 0);
    s_since(0, &count, &upto);
    assert_int_equal(count, 3);
    sti_redis_set_replicas(s_redis, 1);
    s_restore_replica();
    int64_t deadline = zclock_mono() + 5000;
    do {
        assert_true(zclock_mono() < deadline);
        zclock_sleep(50); // the heartbeat runs once a second
        sti_events_pub_tick(pub);
        s_since(0, &count, &upto);
    } while (count < 3);
    assert_int_equal(upto, 3);
    sti_events_pub_destroy(&pub);
}

//  A mark that lags what the publisher knows confirmed (a fail-over to a
//  replica that missed the mark's write) is raised by the next heartbeat.
static void test_mark_lags(void **state)
{
    (void)state;
    s_flush();
    sti_events_pub_t *pub = s_pub("inproc://nowhere");
    s_publish(pub, "ind.a", 1);
    s_publish(pub, "ind.a", 2);
    assert_true(s_confirm(pub, 2000));
    freeReplyObject(sti_redis_command(s_redis, "HDEL stitest:events:ind:epoch confirmed"));
    size_t count;
    uint64_t upto;
    s_since(0, &count, &upto);
    assert_int_equal(count, 0);
    int64_t deadline = zclock_mono() + 5000;
    do {
        assert_true(zclock_mono() < deadline);
        zclock_sleep(50); // the heartbeat runs once a second
        sti_events_pub_tick(pub);
        s_since(0, &count, &upto);
    } while (count < 2);
    sti_events_pub_destroy(&pub);
}

//  An event logged while the replica is cut off goes on the bus only once
//  it is confirmed: by the caller's WAIT (the service frame's), or the
//  heartbeat's.
static void test_publish_after_confirm(void **state)
{
    (void)state;
    s_flush();
    zsock_t *sub = zsock_new_sub("@inproc://test-replicas", "ind.");
    sti_events_pub_t *pub = s_pub("inproc://test-replicas");
    assert_int_equal(s_publish(pub, "ind.a", 1), 1);
    assert_true(s_confirm(pub, 2000));
    //  The subscription reaches the PUB socket asynchronously: send the
    //  confirmed event 1 until it arrives (bounded).
    zmsg_t *msg = NULL;
    for (int i = 0; i < 100 && !msg; i++) {
        assert_int_equal(sti_events_send_logged(pub, 1, 1), 0);
        msg = s_recv(sub, 50);
    }
    assert_non_null(msg);
    while (msg) {
        zmsg_destroy(&msg);
        msg = s_recv(sub, 0);
    }
    s_cut_replica();
    assert_int_equal(s_publish(pub, "ind.b", 2), 2);
    assert_int_equal(sti_events_send_logged(pub, 2, 2), 0);
    sti_event_t event = {.seq = 2,
                         .prev = 0,
                         .topic = "ind.b",
                         .type = "test.changed",
                         .source = "sti-test",
                         .subject = "subj",
                         .time = "t",
                         .data = "\x80",
                         .data_size = 1};
    assert_int_equal(sti_events_send_event(pub, &event), 0);
    assert_false(s_confirm(pub, 100));
    assert_null(msg = s_recv(sub, 300));
    //  The write was answered unavailable; the heartbeat's WAIT, once the
    //  replica is back, confirms it and sends it, once.
    s_restore_replica();
    s_tick_until(pub, sub, 2);
    while ((msg = s_recv(sub, 100))) {
        assert_int_not_equal(s_seq_of(&msg), 2);
    }
    //  Held again, and sent at once after the caller's WAIT confirms it.
    s_cut_replica();
    assert_int_equal(s_publish(pub, "ind.c", 3), 3);
    assert_null(msg = s_recv(sub, 300));
    s_restore_replica();
    assert_true(s_confirm(pub, 2000));
    msg = s_recv(sub, 5000);
    assert_non_null(msg);
    assert_int_equal(s_seq_of(&msg), 3);
    sti_events_pub_destroy(&pub);
    zsock_destroy(&sub);
}

//  Subscribes on endpoint and waits (bounded) until event 1, logged and
//  confirmed, arrives: the subscription reaches the PUB socket
//  asynchronously. Drains what else came.
static zsock_t *s_subscribed(sti_events_pub_t *pub, const char *endpoint)
{
    char bind[128];
    snprintf(bind, sizeof bind, "@%s", endpoint);
    zsock_t *sub = zsock_new_sub(bind, "ind.");
    assert_non_null(sub);
    zmsg_t *msg = NULL;
    for (int i = 0; i < 100 && !msg; i++) {
        assert_int_equal(sti_events_send_logged(pub, 1, 1), 0);
        msg = s_recv(sub, 50);
    }
    assert_non_null(msg);
    while (msg) {
        zmsg_destroy(&msg);
        msg = s_recv(sub, 0);
    }
    return sub;
}

//  Closes the services' connection from the server's side, as a network
//  break or a fail-over does: its next command fails on the wire.
static void s_break_connection(void)
{
    redisReply *id = sti_redis_command(s_redis, "CLIENT ID");
    assert_non_null(id);
    assert_int_equal(id->type, REDIS_REPLY_INTEGER);
    redisContext *ctx = redisConnect("127.0.0.1", s_primary.port);
    assert_non_null(ctx);
    redisReply *reply = redisCommand(ctx, "CLIENT KILL ID %lld", id->integer);
    assert_non_null(reply);
    assert_int_equal(reply->type, REDIS_REPLY_INTEGER);
    assert_int_equal(reply->integer, 1);
    freeReplyObject(reply);
    freeReplyObject(id);
    redisFree(ctx);
}

//  An op logs an event while the replica is cut off; its next command fails
//  and the connection is made again (through the Sentinels it may reach a
//  promoted replica that lacks the event). The frame's WAIT then runs on
//  the new connection, which wrote nothing: it is answered at once, and
//  covers none of the old connection's writes. The event is neither sent
//  nor marked confirmed; the heartbeat's WAIT, which reads the seq the
//  server holds, confirms it once the replica has it, and sends it once.
static void test_wait_after_reconnect(void **state)
{
    (void)state;
    s_flush();
    sti_events_pub_t *pub = s_pub("inproc://test-reconnect");
    assert_int_equal(s_publish(pub, "ind.a", 1), 1);
    assert_true(s_confirm(pub, 2000));
    zsock_t *sub = s_subscribed(pub, "inproc://test-reconnect");
    s_cut_replica();
    uint64_t generation = sti_redis_generation(s_redis);
    assert_int_equal(s_publish(pub, "ind.b", 2), 2);
    s_break_connection();
    assert_null(sti_redis_command(s_redis, "PING"));
    assert_true(s_confirm(pub, 100));
    assert_true(sti_redis_generation(s_redis) > generation);
    assert_int_equal(sti_redis_waited(s_redis), sti_redis_generation(s_redis));
    zmsg_t *msg = s_recv(sub, 300);
    assert_null(msg);
    size_t count;
    uint64_t upto;
    s_since(0, &count, &upto);
    assert_int_equal(count, 1);
    assert_int_equal(upto, 1);
    s_restore_replica();
    s_tick_until(pub, sub, 2);
    while ((msg = s_recv(sub, 100))) {
        assert_int_not_equal(s_seq_of(&msg), 2);
    }
    s_since(0, &count, &upto);
    assert_int_equal(count, 2);
    assert_int_equal(upto, 2);
    sti_events_pub_destroy(&pub);
    zsock_destroy(&sub);
}

//  The frame's WAIT for an op (sti_service_guard_replicated): a write made
//  on a connection that broke and was made again during the op is not
//  confirmed by a WAIT on the new one, though that WAIT is answered at once.
static void test_guard_after_reconnect(void **state)
{
    (void)state;
    s_flush();
    sti_service_guard_t *guard = sti_service_guard_new(s_redis, "", 1, 100);
    uint64_t generation = sti_redis_generation(s_redis);
    freeReplyObject(sti_redis_command(s_redis, "SET stitest:op 1"));
    assert_true(sti_service_guard_replicated(guard, generation));
    assert_true(sti_service_guard_replicated(guard, 0));
    s_cut_replica();
    freeReplyObject(sti_redis_command(s_redis, "SET stitest:op 2"));
    s_break_connection();
    assert_null(sti_redis_command(s_redis, "PING"));
    //  The WAIT is answered (at once, with 1: the new connection wrote
    //  nothing), on the new connection.
    assert_false(sti_service_guard_replicated(guard, generation));
    assert_true(sti_redis_generation(s_redis) > generation);
    assert_int_equal(sti_redis_waited(s_redis), sti_redis_generation(s_redis));
    //  Down: the connection the write went on is gone.
    freeReplyObject(sti_redis_command(s_redis, "SET stitest:op 3"));
    s_break_connection();
    assert_null(sti_redis_command(s_redis, "PING"));
    assert_false(sti_service_guard_replicated(guard, 0));
    s_restore_replica();
    sti_service_guard_destroy(&guard);
}

//  What an op handler's own script does (indicators_orgs.c and the like):
//  the guard, then one event appended with sti_events_append_many. KEYS log,
//  seq, prev, epoch; ARGV maxlen, floor, floor epoch, topic. Returns {first,
//  last, epoch}, or {0, why}.
static const char s_op_call[] =
    "\nlocal epoch, why = sti_events_guard(KEYS[1], KEYS[4], KEYS[2], ARGV[2], ARGV[3])\n"
    "if not epoch then return {0, why} end\n"
    "local first, last = sti_events_append_many(KEYS[1], KEYS[2], KEYS[3], ARGV[1],\n"
    "    {{ARGV[4], 'test.changed', 'subj', 't', 'sti-test', string.char(128)}})\n"
    "return {first, last, epoch}\n";

//  An op that logs one event on topic, as a service runs it: its script,
//  the note (sti_events_pub_appended), the send, then the frame's WAIT
//  (sti_service_guard_replicated, 100 ms) and sti_events_pub_replicated.
//  Sets *epoch to the epoch the script returned. Returns the event's seq.
static uint64_t s_op(sti_events_pub_t *pub, const char *topic, char *epoch, size_t cap, bool *held)
{
    size_t len = strlen(sti_lua_events_append) + sizeof s_op_call;
    char *source = malloc(len);
    assert_non_null(source);
    snprintf(source, len, "%s%s", sti_lua_events_append, s_op_call);
    sti_script_t *script = sti_redis_script(s_redis, source);
    free(source);
    char log[256], seq[256], prev[256], epoch_key[256], floor[24];
    assert_int_equal(sti_events_log_keys(s_redis, "ind", log, seq, prev, epoch_key, 256), 0);
    const char *floor_epoch;
    sti_events_pub_floor(pub, floor, sizeof floor, &floor_epoch);
    const char *argv[] = {log, seq, prev, epoch_key, "1000", floor, floor_epoch, topic};
    uint64_t generation = sti_redis_generation(s_redis);
    redisReply *reply = sti_redis_eval(s_redis, script, 4, 4, argv, NULL);
    assert_non_null(reply);
    assert_int_equal(reply->type, REDIS_REPLY_ARRAY);
    assert_int_equal(reply->elements, 3);
    uint64_t first = (uint64_t)reply->element[0]->integer;
    uint64_t last = (uint64_t)reply->element[1]->integer;
    snprintf(epoch, cap, "%s", reply->element[2]->str);
    sti_events_pub_appended(pub, reply->element[2]->str, last);
    freeReplyObject(reply);
    assert_int_equal(first, last);
    assert_int_equal(sti_events_send_logged(pub, first, last), 0);
    sti_service_guard_t *guard = sti_service_guard_new(s_redis, "", 1, 100);
    *held = sti_service_guard_replicated(guard, generation);
    sti_events_pub_replicated(pub, *held);
    sti_service_guard_destroy(&guard);
    return last;
}

//  Moves the stream from epoch `from` to `to` as events_epoch.lua does for
//  a publisher's switch (at seq `at` the replicas held, "" for any).
static void s_move_epoch(const char *from, const char *to, const char *at)
{
    sti_script_t *script = sti_redis_script(s_redis, sti_lua_events_epoch);
    const char *argv[] = {"stitest:events:ind:epoch", "stitest:events:ind:seq", from, to, at};
    redisReply *reply = sti_redis_eval(s_redis, script, 2, at[0] ? 3 : 2, argv, NULL);
    assert_non_null(reply);
    assert_int_equal(reply->type, REDIS_REPLY_ARRAY);
    assert_string_equal(reply->element[0]->str, to);
    freeReplyObject(reply);
}

//  The stream's confirmed mark (0 for none).
static uint64_t s_mark_of(void)
{
    redisReply *reply = sti_redis_command(s_redis, "HGET stitest:events:ind:epoch confirmed");
    assert_non_null(reply);
    uint64_t mark = reply->type == REDIS_REPLY_STRING ? strtoull(reply->str, NULL, 10) : 0;
    freeReplyObject(reply);
    return mark;
}

//  Ticks the publisher for ms and checks what reaches sub: no event beyond
//  seq upto, and heartbeats that name at most upto in epoch (NULL: any).
//  Returns the heartbeats that came; the last one's epoch in last_epoch.
static int s_watch(sti_events_pub_t *pub, zsock_t *sub, int ms, uint64_t upto, const char *epoch,
                   char *last_epoch)
{
    int heartbeats = 0;
    int64_t deadline = zclock_mono() + ms;
    while (zclock_mono() < deadline) {
        sti_events_pub_tick(pub);
        zmsg_t *msg = s_recv(sub, 20);
        if (!msg) {
            continue;
        }
        char *topic = zmsg_popstr(msg);
        zframe_t *body = zmsg_pop(msg);
        char err[256];
        if (strcmp(topic, "ind.$hb") == 0) {
            sti_reader_t *reader =
                sti_reader_new(zframe_data(body), zframe_size(body), NULL, err, sizeof err);
            assert_non_null(reader);
            int64_t seq;
            assert_int_equal(sti_map_int(sti_reader_root(reader), "seq", &seq, NULL), 0);
            assert_true((uint64_t)seq <= upto);
            assert_int_equal(sti_map_str_copy(sti_reader_root(reader), "epoch", last_epoch,
                                              STI_EVENTS_EPOCH_MAX + 1, NULL),
                             0);
            if (epoch) {
                assert_string_equal(last_epoch, epoch);
            }
            sti_reader_destroy(&reader);
            heartbeats++;
        } else {
            sti_event_t *event =
                sti_event_decode(topic, zframe_data(body), zframe_size(body), err, sizeof err);
            assert_non_null(event);
            assert_true(event->seq <= upto);
            sti_event_destroy(&event);
        }
        zframe_destroy(&body);
        free(topic);
        zmsg_destroy(&msg);
    }
    return heartbeats;
}

//  Ticks the publisher until a heartbeat names epoch (bounded), checking
//  what reaches sub as s_watch does: no seq beyond upto.
static void s_until_named(sti_events_pub_t *pub, zsock_t *sub, uint64_t upto, const char *epoch)
{
    char named[STI_EVENTS_EPOCH_MAX + 1] = "";
    int64_t deadline = zclock_mono() + 5000;
    while (strcmp(named, epoch) != 0) {
        assert_true(zclock_mono() < deadline);
        s_watch(pub, sub, 100, upto, NULL, named);
    }
}

//  An op logs an event with its own script while the replica is cut off;
//  it notes the seq (sti_events_pub_appended) before the frame's WAIT,
//  which fails. The note confirms nothing: the mark, the heartbeat, the
//  bus and events.since stay at the replica's seq. Once the replica is
//  back, the heartbeat's WAIT confirms the event and sends it.
static void test_op_note_unconfirmed(void **state)
{
    (void)state;
    s_flush();
    sti_events_pub_t *pub = s_pub("inproc://test-op-note");
    assert_int_equal(s_publish(pub, "ind.a", 1), 1);
    assert_true(s_confirm(pub, 2000));
    zsock_t *sub = s_subscribed(pub, "inproc://test-op-note");
    char epoch[STI_EVENTS_EPOCH_MAX + 1], named[STI_EVENTS_EPOCH_MAX + 1];
    s_cut_replica();
    bool held = true;
    assert_int_equal(s_op(pub, "ind.b", epoch, sizeof epoch, &held), 2);
    assert_false(held);
    assert_int_equal(sti_events_latest(pub), 1);
    assert_int_equal(s_mark_of(), 1);
    size_t count;
    uint64_t upto;
    s_since(0, &count, &upto);
    assert_int_equal(count, 1);
    assert_int_equal(upto, 1);
    assert_true(s_watch(pub, sub, 1500, 1, "", named) > 0);
    assert_int_equal(s_mark_of(), 1);
    s_since(1, &count, &upto);
    assert_int_equal(count, 0);
    assert_int_equal(upto, 1);
    s_restore_replica();
    s_tick_until(pub, sub, 2);
    assert_int_equal(s_mark_of(), 2);
    s_since(1, &count, &upto);
    assert_int_equal(count, 1);
    assert_int_equal(upto, 2);
    sti_events_pub_destroy(&pub);
    zsock_destroy(&sub);
}

//  The same where the stream moved to a new epoch that the replica lacks (a
//  switch after its WAIT, which the replica missed): the op's script
//  returns the new epoch, and the note does not take it. The heartbeat goes
//  on naming the epoch the replicas hold until its WAIT confirms the new
//  one; a fail-over meanwhile takes the new epoch back.
static void test_op_note_new_epoch(void **state)
{
    (void)state;
    s_flush();
    sti_events_pub_t *pub = s_pub("inproc://test-op-epoch");
    assert_int_equal(s_publish(pub, "ind.a", 1), 1);
    assert_true(s_confirm(pub, 2000));
    zsock_t *sub = s_subscribed(pub, "inproc://test-op-epoch");
    char epoch[STI_EVENTS_EPOCH_MAX + 1], named[STI_EVENTS_EPOCH_MAX + 1] = "";
    s_move_epoch("", "e1", "");
    s_wait_in_sync();
    s_until_named(pub, sub, 1, "e1");
    s_cut_replica();
    s_move_epoch("e1", "e2", "1");
    bool held = true;
    assert_int_equal(s_op(pub, "ind.b", epoch, sizeof epoch, &held), 2);
    assert_string_equal(epoch, "e2");
    assert_false(held);
    assert_true(s_watch(pub, sub, 1500, 1, "e1", named) > 0);
    char floor[24];
    const char *floor_epoch = NULL;
    sti_events_pub_floor(pub, floor, sizeof floor, &floor_epoch);
    assert_string_equal(floor_epoch, "e1");
    assert_string_equal(floor, "1");
    assert_int_equal(s_mark_of(), 0);
    size_t count;
    uint64_t upto;
    assert_int_equal(s_since_in(1, &count, &upto, NULL, NULL), -2); // nor does events.since
    //  Back: the heartbeat takes e2 and names seq 2; events.since hands it out.
    s_restore_replica();
    int64_t deadline = zclock_mono() + 5000;
    do {
        assert_true(zclock_mono() < deadline);
        s_watch(pub, sub, 100, 2, NULL, named);
    } while (strcmp(named, "e2") != 0 || s_since_in(1, &count, &upto, NULL, NULL) != 0 ||
             upto != 2);
    assert_int_equal(count, 1);
    //  Where the frame's WAIT confirms the op, it confirms the move too: the
    //  publisher takes the epoch then, and sends the event in it.
    s_move_epoch("e2", "e3", "2");
    assert_int_equal(s_op(pub, "ind.b", epoch, sizeof epoch, &held), 3);
    assert_true(held);
    sti_events_pub_floor(pub, floor, sizeof floor, &floor_epoch);
    assert_string_equal(floor_epoch, "e3");
    assert_string_equal(floor, "3");
    assert_int_equal(s_mark_of(), 3);
    zmsg_t *msg;
    char *topic = NULL;
    zframe_t *body = NULL;
    while ((msg = s_recv(sub, 2000))) {
        topic = zmsg_popstr(msg);
        body = zmsg_pop(msg);
        zmsg_destroy(&msg);
        if (strcmp(topic, "ind.b") == 0) {
            break;
        }
        zframe_destroy(&body);
        free(topic);
        topic = NULL;
    }
    assert_non_null(topic);
    char err[256];
    sti_event_t *event =
        sti_event_decode(topic, zframe_data(body), zframe_size(body), err, sizeof err);
    assert_non_null(event);
    assert_int_equal(event->seq, 3);
    assert_string_equal(event->epoch, "e3");
    sti_event_destroy(&event);
    zframe_destroy(&body);
    free(topic);
    sti_events_pub_destroy(&pub);
    zsock_destroy(&sub);
}

//  A publisher moved the stream to a new epoch after its WAIT, and the
//  replica missed the move: a fail-over can take the epoch back, and the
//  heartbeats do not name it. Neither does events.since: it refuses
//  (unavailable, and the subscriber asks again) rather than tell a
//  subscriber to reset to an epoch that may go away. Once the heartbeat's
//  WAIT confirms the move, it answers in the new epoch, also on a quiet
//  stream and from an epoch that starts at 0 (the publisher marks the
//  start confirmed when it takes the epoch).
static void test_since_unconfirmed_epoch(void **state)
{
    (void)state;
    s_flush();
    sti_events_pub_t *pub = s_pub("inproc://test-since-epoch");
    char epoch[STI_EVENTS_EPOCH_MAX + 1];
    uint64_t start, upto;
    size_t count;
    //  The log is gone (an empty Redis whose loss was accepted): e1 starts at 0.
    s_move_epoch("", "e1", "0");
    int64_t deadline = zclock_mono() + 5000;
    do {
        assert_true(zclock_mono() < deadline);
        zclock_sleep(50); // the heartbeat runs once a second
        sti_events_pub_tick(pub);
    } while (s_since_in(0, &count, &upto, epoch, &start) != 0);
    assert_string_equal(epoch, "e1");
    assert_int_equal(start, 0);
    assert_int_equal(s_publish(pub, "ind.a", 1), 1);
    assert_true(s_confirm(pub, 2000));
    zsock_t *sub = s_subscribed(pub, "inproc://test-since-epoch");
    s_cut_replica();
    s_move_epoch("e1", "e2", "1");
    char named[STI_EVENTS_EPOCH_MAX + 1];
    assert_true(s_watch(pub, sub, 1500, 1, "e1", named) > 0);
    assert_int_equal(s_since_in(1, &count, &upto, epoch, &start), -2);
    //  Without replicas to reach, the reader names the epoch Redis holds.
    sti_redis_set_replicas(s_redis, 0);
    assert_int_equal(s_since_in(1, &count, &upto, epoch, &start), 0);
    assert_string_equal(epoch, "e2");
    sti_redis_set_replicas(s_redis, 1);
    s_restore_replica();
    s_until_named(pub, sub, 1, "e2");
    assert_int_equal(s_since_in(0, &count, &upto, epoch, &start), 0);
    assert_string_equal(epoch, "e2");
    assert_int_equal(start, 1);
    assert_int_equal(count, 1);
    assert_int_equal(upto, 1);
    sti_events_pub_destroy(&pub);
    zsock_destroy(&sub);
}

//  A WAIT longer than the command timeout is answered, not taken for a dead
//  server: the connection stays.
static void test_wait_outlasts_command_timeout(void **state)
{
    (void)state;
    s_flush();
    sti_redis_set_timeouts(s_redis, 2000, 300);
    s_cut_replica();
    freeReplyObject(sti_redis_command(s_redis, "SET stitest:touch 1"));
    int64_t start = zclock_mono();
    assert_int_equal(sti_redis_wait_replicas(s_redis, 1, 800), 0);
    assert_true(zclock_mono() - start >= 700);
    assert_true(sti_redis_connected(s_redis));
    //  The command timeout is back to 300 ms afterwards: a command still
    //  answers at once.
    redisReply *reply = sti_redis_command(s_redis, "PING");
    assert_non_null(reply);
    freeReplyObject(reply);
    s_restore_replica();
    sti_redis_set_timeouts(s_redis, 2000, 5000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_since_confirmed, s_resume),
        cmocka_unit_test_teardown(test_mark_lags, s_resume),
        cmocka_unit_test_teardown(test_publish_after_confirm, s_resume),
        cmocka_unit_test_teardown(test_wait_outlasts_command_timeout, s_resume),
        cmocka_unit_test_teardown(test_wait_after_reconnect, s_resume),
        cmocka_unit_test_teardown(test_guard_after_reconnect, s_resume),
        cmocka_unit_test_teardown(test_op_note_unconfirmed, s_resume),
        cmocka_unit_test_teardown(test_op_note_new_epoch, s_resume),
        cmocka_unit_test_teardown(test_since_unconfirmed_epoch, s_resume),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
