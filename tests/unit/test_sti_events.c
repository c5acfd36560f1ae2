/*  Unit tests for sti_events against a real redis-server on a spare port: the
    wire map round trip, decoding hostile input, the Lua append (gap-free seq,
    prev per topic, reuse from a service's own script, the batch form), events.since with a
    prefix and paging, trimming and `first`, the events.since op handler, and
    the frames a publisher sends (live, logged, heartbeat).
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "redis_server.h"
#include "sti_dataset.h"
#include "sti_events.h"
#include "sti_events_log.h"
#include "sti_log.h"
#include "sti_lua_sti.h"

static test_redis_t s_server;
static sti_redis_t *s_redis;

static int s_setup(void **state)
{
    (void)state;
    sti_log_init("test_sti_events", (sti_log_level_t)(STI_LOG_ERROR + 1)); // refusals are expected
    test_redis_start(&s_server, NULL);
    char err[256];
    s_redis = sti_redis_new(s_server.url, "stitest", err, sizeof err);
    assert_non_null(s_redis);
    assert_int_equal(sti_redis_wait(s_redis, 5000), 0);
    return 0;
}

static int s_teardown(void **state)
{
    (void)state;
    sti_redis_destroy(&s_redis);
    test_redis_stop(&s_server);
    return 0;
}

static void s_flush(void)
{
    freeReplyObject(sti_redis_command(s_redis, "FLUSHALL"));
}

//  {"value": n} encoded.
static sti_writer_t *s_data(int64_t value)
{
    sti_writer_t *writer = sti_writer_new();
    sti_writer_map(writer, 1);
    sti_writer_kv_int(writer, "value", value);
    return writer;
}

static sti_events_pub_t *s_pub(const char *stream)
{
    sti_events_pub_t *pub = sti_events_pub_new(s_redis, stream, "inproc://nowhere", "sti-test");
    assert_non_null(pub);
    return pub;
}

static uint64_t s_publish(sti_events_pub_t *pub, const char *topic, int64_t value)
{
    sti_writer_t *data = s_data(value);
    size_t size;
    const void *bytes = sti_writer_data(data, &size);
    uint64_t seq = 0;
    assert_int_equal(sti_events_publish(pub, topic, "test.changed", "subj", bytes, size, &seq), 0);
    sti_writer_destroy(&data);
    return seq;
}

static void test_round_trip(void **state)
{
    (void)state;
    sti_writer_t *data = s_data(42);
    size_t dsize;
    const void *dbytes = sti_writer_data(data, &dsize);
    sti_event_t event = {.seq = 7,
                         .prev = 3,
                         .topic = "ind.gdp.linping",
                         .type = "indicator.changed",
                         .id = "ind-7",
                         .source = "sti-indicators",
                         .subject = "gdp/linping/2023",
                         .time = "2026-11-25T18:40:01.123Z",
                         .data = (void *)dbytes,
                         .data_size = dsize};
    sti_writer_t *writer = sti_writer_new();
    sti_event_encode(&event, writer);
    size_t size;
    const void *bytes = sti_writer_data(writer, &size);
    char err[256];
    sti_event_t *copy = sti_event_decode("ind.gdp.linping", bytes, size, err, sizeof err);
    assert_non_null(copy);
    assert_int_equal(copy->seq, 7);
    assert_int_equal(copy->prev, 3);
    assert_string_equal(copy->topic, event.topic);
    assert_string_equal(copy->type, event.type);
    assert_string_equal(copy->id, event.id);
    assert_string_equal(copy->source, event.source);
    assert_string_equal(copy->subject, event.subject);
    assert_string_equal(copy->time, event.time);
    assert_int_equal(copy->data_size, dsize);
    assert_memory_equal(copy->data, dbytes, dsize);
    sti_event_destroy(&copy);
    sti_event_destroy(&copy);
    //  The topic frame must agree with the map.
    assert_null(sti_event_decode("ind.other", bytes, size, err, sizeof err));
    //  Without data.
    event.data = NULL;
    event.data_size = 0;
    sti_writer_reset(writer);
    sti_event_encode(&event, writer);
    bytes = sti_writer_data(writer, &size);
    copy = sti_event_decode("ind.gdp.linping", bytes, size, err, sizeof err);
    assert_non_null(copy);
    assert_null(copy->data);
    sti_event_destroy(&copy);
    sti_writer_destroy(&writer);
    sti_writer_destroy(&data);
}

//  Encodes a map from key/type/value triples: 's' string, 'i' int, 'n' nil.
static sti_writer_t *s_map(int pairs, ...)
{
    sti_writer_t *writer = sti_writer_new();
    sti_writer_map(writer, (size_t)pairs);
    va_list args;
    va_start(args, pairs);
    for (int i = 0; i < pairs; i++) {
        sti_writer_str(writer, va_arg(args, const char *));
        int kind = va_arg(args, int);
        if (kind == 's') {
            sti_writer_str(writer, va_arg(args, const char *));
        } else if (kind == 'i') {
            sti_writer_int(writer, va_arg(args, int64_t));
        } else {
            sti_writer_nil(writer);
        }
    }
    va_end(args);
    return writer;
}

static void s_refused(sti_writer_t *writer)
{
    size_t size;
    const void *bytes = sti_writer_data(writer, &size);
    char err[256] = "";
    sti_event_t *event = sti_event_decode("ind.x", bytes, size, err, sizeof err);
    assert_null(event);
    assert_true(strlen(err) > 0);
    sti_writer_destroy(&writer);
}

#define S_BASE                                                                                     \
    "specversion", 's', "1.0", "id", 's', "ind-1", "source", 's', "s", "type", 's', "t", "time",   \
        's', "now", "subject", 's', "x"

static void test_decode_hostile(void **state)
{
    (void)state;
    char err[256];
    //  Accepted as a baseline, then each field broken in turn.
    sti_writer_t *good = s_map(8, S_BASE, "seq", 'i', (int64_t)2, "prev", 'i', (int64_t)1);
    size_t size;
    const void *bytes = sti_writer_data(good, &size);
    sti_event_t *event = sti_event_decode("ind.x", bytes, size, err, sizeof err);
    assert_non_null(event);
    sti_event_destroy(&event);
    for (size_t cut = 0; cut < size; cut++) {
        assert_null(sti_event_decode("ind.x", bytes, cut, err, sizeof err));
    }
    sti_writer_destroy(&good);

    s_refused(s_map(8, S_BASE, "seq", 'i', (int64_t)0, "prev", 'i', (int64_t)0));
    s_refused(s_map(8, S_BASE, "seq", 'i', (int64_t)2, "prev", 'i', (int64_t)2));
    s_refused(s_map(8, S_BASE, "seq", 'i', (int64_t)2, "prev", 'i', (int64_t)-1));
    s_refused(s_map(8, S_BASE, "seq", 's', "2", "prev", 'i', (int64_t)1));
    s_refused(s_map(7, S_BASE, "seq", 'i', (int64_t)2));
    s_refused(s_map(9, S_BASE, "seq", 'i', (int64_t)2, "prev", 'i', (int64_t)1, "data", 's', "x"));
    s_refused(s_map(9, S_BASE, "seq", 'i', (int64_t)2, "prev", 'i', (int64_t)1, "topic", 's', "y"));
    s_refused(s_map(8, "specversion", 's', "0.3", "id", 's', "ind-1", "source", 's', "s", "type",
                    's', "t", "time", 's', "now", "subject", 's', "x", "seq", 'i', (int64_t)2,
                    "prev", 'i', (int64_t)1));
    s_refused(s_map(8, "specversion", 's', "1.0", "id", 'i', (int64_t)1, "source", 's', "s", "type",
                    's', "t", "time", 's', "now", "subject", 's', "x", "seq", 'i', (int64_t)2,
                    "prev", 'i', (int64_t)1));
    //  Not a map, huge declared counts, deep nesting, random bytes.
    const uint8_t array[] = {0x91, 0x01};
    const uint8_t huge_map[] = {0xdf, 0xff, 0xff, 0xff, 0xff, 0xa1, 'x'};
    const uint8_t huge_str[] = {0x81, 0xdb, 0xff, 0xff, 0xff, 0xf0, 'x'};
    assert_null(sti_event_decode("ind.x", array, sizeof array, err, sizeof err));
    assert_null(sti_event_decode("ind.x", huge_map, sizeof huge_map, err, sizeof err));
    assert_null(sti_event_decode("ind.x", huge_str, sizeof huge_str, err, sizeof err));
    uint8_t deep[200];
    memset(deep, 0x91, sizeof deep);
    assert_null(sti_event_decode("ind.x", deep, sizeof deep, err, sizeof err));
    assert_null(sti_event_decode("ind.x", NULL, 0, err, sizeof err));
    assert_null(sti_event_decode(NULL, array, sizeof array, err, sizeof err));
    uint32_t seed = 12345;
    uint8_t noise[256];
    for (int round = 0; round < 20000; round++) {
        size_t len = 1 + (seed % sizeof noise);
        for (size_t i = 0; i < len; i++) {
            seed = seed * 1103515245u + 12345u;
            noise[i] = (uint8_t)(seed >> 16);
        }
        noise[0] = (uint8_t)(0x80 | (noise[0] & 0x0f)); // mostly maps
        event = sti_event_decode("ind.x", noise, len, err, sizeof err);
        sti_event_destroy(&event);
    }
    assert_false(sti_events_topic_valid("ind. x", 6));
    assert_false(sti_events_topic_valid("ind.\x01", 5));
    assert_true(sti_events_topic_valid("ind.x", 5));
    assert_false(sti_events_stream_valid("in.d"));
    assert_false(sti_events_stream_valid(""));
    assert_true(sti_events_stream_valid("ind"));
}

static void test_append_seq_prev(void **state)
{
    (void)state;
    s_flush();
    sti_events_pub_t *pub = s_pub("ind");
    const char *topics[] = {"ind.a", "ind.b", "ind.c"};
    uint64_t last[3] = {0, 0, 0};
    for (int i = 0; i < 300; i++) {
        int t = (i * 7 + i / 5) % 3;
        uint64_t seq = s_publish(pub, topics[t], i);
        assert_int_equal(seq, (uint64_t)i + 1);
        //  Read back the entry's prev from the log.
        redisReply *reply = sti_redis_command(s_redis, "XRANGE stitest:events:ind 0-%llu 0-%llu",
                                              (unsigned long long)seq, (unsigned long long)seq);
        assert_int_equal(reply->elements, 1);
        redisReply *fields = reply->element[0]->element[1];
        char prev[32] = "";
        for (size_t f = 0; f < fields->elements; f += 2) {
            if (strcmp(fields->element[f]->str, "prev") == 0) {
                snprintf(prev, sizeof prev, "%s", fields->element[f + 1]->str);
            }
        }
        assert_int_equal(strtoull(prev, NULL, 10), last[t]);
        freeReplyObject(reply);
        last[t] = seq;
    }
    assert_int_equal(sti_events_latest(pub), 300);
    //  Bad input is refused before anything is logged.
    assert_int_equal(sti_events_publish(pub, "tal.a", "t", "s", NULL, 0, NULL), -1);
    assert_int_equal(sti_events_publish(pub, "ind.$hb", "t", "s", NULL, 0, NULL), -1);
    assert_int_equal(sti_events_publish(pub, "ind.", "t", "s", NULL, 0, NULL), -1);
    assert_int_equal(sti_events_publish(pub, "ind.a", "t", "s", "\x91\x01", 2, NULL), -1);
    assert_int_equal(sti_events_publish(pub, "ind.a", "t", "s", "\xc1", 1, NULL), -1);
    uint64_t seq;
    assert_int_equal(sti_events_publish(pub, "ind.a", "t", "s", NULL, 0, &seq), 0);
    assert_int_equal(seq, 301);

    //  A service's own script reuses the function: two events in one call.
    size_t len = strlen(sti_lua_events_append) + 512;
    char *source = malloc(len);
    snprintf(source, len,
             "%s\nlocal a = sti_events_append(KEYS[1], KEYS[2], KEYS[3], 1000, 'ind.a', 't', "
             "'s', 'now', 'own', '\\128')\n"
             "local b = sti_events_append(KEYS[1], KEYS[2], KEYS[3], 1000, 'ind.z', 't', 's', "
             "'now', 'own', '\\128')\nreturn {a, b}\n",
             sti_lua_events_append);
    sti_script_t *own = sti_redis_script(s_redis, source);
    free(source);
    const char *keys[] = {"stitest:events:ind", "stitest:events:ind:seq",
                          "stitest:events:ind:prev"};
    redisReply *reply = sti_redis_eval(s_redis, own, 3, 0, keys, NULL);
    assert_non_null(reply);
    assert_int_equal(reply->type, REDIS_REPLY_ARRAY);
    assert_int_equal(reply->element[0]->integer, 302);
    assert_int_equal(reply->element[1]->integer, 303);
    freeReplyObject(reply);

    //  A lost counter continues after the log's last id, so XADD cannot fail.
    freeReplyObject(sti_redis_command(s_redis, "DEL stitest:events:ind:seq"));
    assert_int_equal(s_publish(pub, "ind.a", 1), 304);
    sti_events_pub_destroy(&pub);
    sti_events_pub_destroy(&pub);
}

//  The prev of event seq in the log (read as every reader does: the entry
//  holding seq, an event entry or a batch entry), or -1 when it is missing.
static int64_t s_logged_prev(uint64_t seq)
{
    redisReply *reply = sti_redis_command(s_redis, "XRANGE stitest:events:ind 0-%llu + COUNT 1",
                                          (unsigned long long)seq);
    int64_t prev = -1;
    if (reply->elements == 1) {
        size_t count;
        uint64_t last;
        sti_event_t **events = sti_events_log_entry_events(reply->element[0], "ind", &count, &last);
        for (size_t i = 0; i < count; i++) {
            if (events[i]->seq == seq) {
                prev = (int64_t)events[i]->prev;
            }
        }
        sti_events_log_events_destroy(&events, count);
    }
    freeReplyObject(reply);
    return prev;
}

//  Appends events on the given topics with sti_events_append_many in one
//  call; checks first..last are next..next+count-1 and each prev, as logged
//  and as returned, against last[] (updated). Returns the seq after the last.
static uint64_t s_append_many(sti_script_t *many, const char **topics, size_t count, uint64_t next,
                              uint64_t *last)
{
    const char *argv[16];
    argv[0] = "stitest:events:ind";
    argv[1] = "stitest:events:ind:seq";
    argv[2] = "stitest:events:ind:prev";
    for (size_t i = 0; i < count; i++) {
        argv[3 + i] = topics[i];
    }
    redisReply *reply = sti_redis_eval(s_redis, many, 3, (int)count, argv, NULL);
    assert_non_null(reply);
    assert_int_equal(reply->type, REDIS_REPLY_ARRAY);
    assert_int_equal(reply->element[0]->integer, count ? (long long)next : 0);
    assert_int_equal(reply->element[1]->integer, count ? (long long)(next + count - 1) : 0);
    assert_int_equal(reply->elements, 2 + count);
    uint64_t prev[3] = {last[0], last[1], last[2]};
    for (size_t i = 0; i < count; i++) {
        int t = topics[i][4] - 'a';
        char text[24];
        snprintf(text, sizeof text, "%llu", (unsigned long long)prev[t]);
        assert_string_equal(reply->element[2 + i]->str, text);
        prev[t] = next + i;
    }
    freeReplyObject(reply);
    for (size_t i = 0; i < count; i++) {
        int t = topics[i][4] - 'a';
        assert_int_equal(s_logged_prev(next + i), (int64_t)last[t]);
        last[t] = next + i;
    }
    return next + count;
}

static void test_append_many(void **state)
{
    (void)state;
    s_flush();
    sti_events_pub_t *pub = s_pub("ind");
    uint64_t last[3] = {0, 0, 0}; // ind.a, ind.b, ind.c
    last[0] = s_publish(pub, "ind.a", 1);
    last[0] = s_publish(pub, "ind.a", 2);
    assert_int_equal(last[0], 2);
    size_t len = strlen(sti_lua_events_append) + 512;
    char *source = malloc(len);
    snprintf(source, len,
             "%s\nlocal list = {}\nfor i = 1, #ARGV do list[i] = {ARGV[i], 't', 's', 'now', "
             "'own', '\\128'} end\n"
             "local first, last, prevs = sti_events_append_many(KEYS[1], KEYS[2], KEYS[3], 1000, "
             "list)\n"
             "local out = {first, last}\nfor i = 1, #prevs do out[2 + i] = prevs[i] end\n"
             "return out\n",
             sti_lua_events_append);
    sti_script_t *many = sti_redis_script(s_redis, source);
    free(source);
    //  Topics repeat within one call and across calls, and mix with single appends.
    const char *one[] = {"ind.a", "ind.b", "ind.a", "ind.c", "ind.b", "ind.b"};
    const char *two[] = {"ind.c", "ind.a"};
    uint64_t next = s_append_many(many, one, 6, 3, last);
    next = s_append_many(many, two, 2, next, last);
    next = s_append_many(many, two, 0, next, last); // nothing, the counter stays
    assert_int_equal(s_publish(pub, "ind.b", 3), next);
    assert_int_equal(s_logged_prev(next), (int64_t)last[1]);
    last[1] = next++;
    //  A lost counter continues after the log's last id.
    freeReplyObject(sti_redis_command(s_redis, "DEL stitest:events:ind:seq"));
    next = s_append_many(many, one, 6, next, last);
    assert_int_equal(s_publish(pub, "ind.c", 4), next);
    assert_int_equal(s_logged_prev(next), (int64_t)last[2]);
    last[2] = next++;
    //  A counter restored behind the log's last id, inside its last entries:
    //  the seqs continue after the log's last id all the same.
    freeReplyObject(sti_redis_command(s_redis, "SET stitest:events:ind:seq %llu",
                                      (unsigned long long)(next - 4)));
    next = s_append_many(many, two, 2, next, last) - 1;
    //  The log is gap-free, 1..next, in fewer entries: one per call of
    //  sti_events_append_many (a batch entry), one per single append.
    redisReply *reply = sti_redis_command(s_redis, "XLEN stitest:events:ind");
    assert_int_equal(reply->integer, 2 + 2 + 1 + 1 + 1 + 1);
    freeReplyObject(reply);
    for (uint64_t seq = 1; seq <= next; seq++) {
        assert_true(s_logged_prev(seq) >= 0 && (uint64_t)s_logged_prev(seq) < seq);
    }
    sti_events_pub_destroy(&pub);
}

//  Runs events.since and decodes the reply into a reader (caller destroys).
static sti_reader_t *s_since(uint64_t seq, const char *prefix, size_t limit, size_t max_scan)
{
    sti_writer_t *writer = sti_writer_new();
    int rc = max_scan ? sti_events_since_scan(s_redis, "ind", seq, prefix, limit, max_scan, writer)
                      : sti_events_since(s_redis, "ind", seq, prefix, limit, writer);
    assert_int_equal(rc, 0);
    size_t size;
    const void *bytes = sti_writer_data(writer, &size);
    char err[256];
    sti_reader_t *reader = sti_reader_new(bytes, size, NULL, err, sizeof err);
    assert_non_null(reader);
    sti_writer_destroy(&writer);
    return reader;
}

static uint64_t s_get(sti_reader_t *reader, const char *key)
{
    int64_t value;
    assert_int_equal(sti_map_int(sti_reader_root(reader), key, &value, NULL), 0);
    return (uint64_t)value;
}

static void test_since_paging(void **state)
{
    (void)state;
    s_flush();
    sti_events_pub_t *pub = s_pub("ind");
    for (int i = 0; i < 100; i++) {
        s_publish(pub, i % 2 ? "ind.b.y" : "ind.a.x", i);
    }
    sti_reader_t *reader = s_since(0, "ind.a.", 10, 0);
    sti_node_t events = sti_node_get(sti_reader_root(reader), "events");
    assert_int_equal(sti_node_size(events), 10);
    for (size_t i = 0; i < 10; i++) {
        char err[256];
        sti_event_t *event = sti_event_from_node(sti_node_at(events, i), NULL, err, sizeof err);
        assert_non_null(event);
        assert_int_equal(event->seq, 2 * i + 1);
        assert_int_equal(event->prev, i ? 2 * i - 1 : 0);
        assert_string_equal(event->topic, "ind.a.x");
        assert_string_equal(event->source, "sti-test");
        sti_event_destroy(&event);
    }
    assert_int_equal(s_get(reader, "upto"), 19);
    assert_int_equal(s_get(reader, "first"), 1);
    assert_int_equal(s_get(reader, "latest"), 100);
    sti_reader_destroy(&reader);

    //  A narrow scan pages through: every matching event once, in order.
    uint64_t cursor = 0, expect = 2;
    int pages = 0;
    while (cursor < 100) {
        reader = s_since(cursor, "ind.b.", 1000, 7);
        events = sti_node_get(sti_reader_root(reader), "events");
        for (size_t i = 0; i < sti_node_size(events); i++) {
            int64_t seq;
            assert_int_equal(sti_map_int(sti_node_at(events, i), "seq", &seq, NULL), 0);
            assert_int_equal(seq, expect);
            expect += 2;
        }
        uint64_t upto = s_get(reader, "upto");
        assert_true(upto > cursor && upto <= cursor + 7);
        cursor = upto;
        pages++;
        sti_reader_destroy(&reader);
    }
    assert_int_equal(expect, 102);
    assert_int_equal(pages, 15);

    //  At the end: nothing more, upto stays at latest.
    reader = s_since(100, "", 10, 0);
    assert_int_equal(sti_node_size(sti_node_get(sti_reader_root(reader), "events")), 0);
    assert_int_equal(s_get(reader, "upto"), 100);
    sti_reader_destroy(&reader);
    sti_events_pub_destroy(&pub);
}

//  XADDs a batch entry 0-<last> with first and events as given.
static void s_xadd_batch(uint64_t last, const char *first, const void *packed, size_t size)
{
    char id[32];
    snprintf(id, sizeof id, "0-%llu", (unsigned long long)last);
    const char *argv[] = {"XADD", "stitest:events:ind", id, "first", first, "events", packed};
    size_t lens[] = {4, 18, strlen(id), 5, strlen(first), 6, size};
    freeReplyObject(sti_redis_argv(s_redis, 7, argv, lens));
}

//  Batch entries are sliced by seq and checked as hostile input: a batch
//  whose count does not match its ids is skipped whole, a malformed event of
//  a batch alone; an event entry after them is read as before.
static void test_since_batches(void **state)
{
    (void)state;
    s_flush();
    sti_writer_t *packed = sti_writer_new();
    sti_writer_array(packed, 4); // seqs 1..4; the third is not an event
    for (int i = 1; i <= 4; i++) {
        sti_writer_array(packed, i == 3 ? 2 : 7);
        sti_writer_str(packed, i % 2 ? "ind.a.x" : "ind.b.y");
        sti_writer_str(packed, "t");
        if (i != 3) {
            sti_writer_str(packed, "s");
            sti_writer_str(packed, "now");
            sti_writer_str(packed, "own");
            sti_writer_strn(packed, "\x81\xa1v\x01", 4); // {"v": 1}: bytes, not UTF-8 text
            sti_writer_uint(packed, i == 4 ? 2 : 0);
        }
    }
    size_t size;
    const void *bytes = sti_writer_data(packed, &size);
    s_xadd_batch(4, "1", bytes, size);
    s_xadd_batch(7, "6", bytes, size); // 2 seqs, 4 events: skipped whole
    freeReplyObject(sti_redis_command(s_redis,
                                      "XADD stitest:events:ind 0-8 topic ind.a.x type t subject s "
                                      "time now source own data %b prev 1",
                                      "\x80", (size_t)1));
    freeReplyObject(sti_redis_command(s_redis, "SET stitest:events:ind:seq 8"));
    sti_writer_destroy(&packed);
    //  From inside the first batch: 2, 4 (3 left out), then 8.
    sti_reader_t *reader = s_since(1, "", 10, 0);
    sti_node_t events = sti_node_get(sti_reader_root(reader), "events");
    const int64_t want[] = {2, 4, 8}, prevs[] = {0, 2, 1};
    assert_int_equal(sti_node_size(events), 3);
    for (size_t i = 0; i < 3; i++) {
        char err[256];
        sti_event_t *event = sti_event_from_node(sti_node_at(events, i), NULL, err, sizeof err);
        assert_non_null(event);
        assert_int_equal(event->seq, want[i]);
        assert_int_equal(event->prev, prevs[i]);
        sti_event_destroy(&event);
    }
    assert_int_equal(s_get(reader, "first"), 1);
    assert_int_equal(s_get(reader, "upto"), 8);
    sti_reader_destroy(&reader);
    //  A limit that ends inside a batch: upto is the last event handed over.
    reader = s_since(0, "ind.b.", 1, 0);
    assert_int_equal(sti_node_size(sti_node_get(sti_reader_root(reader), "events")), 1);
    assert_int_equal(s_get(reader, "upto"), 2);
    sti_reader_destroy(&reader);
}

static void test_trim_first(void **state)
{
    (void)state;
    s_flush();
    sti_events_pub_t *pub = s_pub("ind");
    sti_events_pub_set_maxlen(pub, 10);
    for (int i = 0; i < 500; i++) {
        s_publish(pub, "ind.a", i);
    }
    sti_reader_t *reader = s_since(0, "", 5, 0);
    uint64_t first = s_get(reader, "first");
    assert_true(first > 1 && first <= 491);
    int64_t seq;
    sti_node_t events = sti_node_get(sti_reader_root(reader), "events");
    assert_int_equal(sti_map_int(sti_node_at(events, 0), "seq", &seq, NULL), 0);
    assert_int_equal((uint64_t)seq, first);
    assert_int_equal(s_get(reader, "upto"), first + 4);
    sti_reader_destroy(&reader);
    redisReply *reply = sti_redis_command(s_redis, "XLEN stitest:events:ind");
    assert_true(reply->integer < 200);
    freeReplyObject(reply);
    //  An empty log: first is latest + 1.
    s_flush();
    reader = s_since(0, "", 5, 0);
    assert_int_equal(s_get(reader, "first"), 1);
    assert_int_equal(s_get(reader, "latest"), 0);
    assert_int_equal(s_get(reader, "upto"), 0);
    sti_reader_destroy(&reader);
    sti_events_pub_destroy(&pub);
}

//  Runs the events.since handler on a request body; returns the decoded reply.
static void s_serve(sti_writer_t *body, sti_reply_t *reply)
{
    sti_writer_t *request = sti_writer_new();
    sti_envelope_request(request, "events.since", "r1");
    size_t size;
    const void *bytes = sti_writer_data(body, &size);
    sti_writer_raw(request, bytes, size);
    bytes = sti_writer_data(request, &size);
    sti_request_t decoded;
    char err[256];
    assert_int_equal(sti_request_decode(bytes, size, NULL, &decoded, err, sizeof err), 0);
    sti_writer_t *out = sti_writer_new();
    sti_events_since_reply(s_redis, "ind", &decoded, out);
    bytes = sti_writer_data(out, &size);
    assert_int_equal(sti_reply_decode(bytes, size, NULL, reply, err, sizeof err), 0);
    sti_request_release(&decoded);
    sti_writer_destroy(&out);
    sti_writer_destroy(&request);
    sti_writer_destroy(&body);
}

static void test_since_reply(void **state)
{
    (void)state;
    s_flush();
    sti_events_pub_t *pub = s_pub("ind");
    s_publish(pub, "ind.a", 1);
    sti_reply_t reply;
    s_serve(s_map(4, "stream", 's', "ind", "seq", 'i', (int64_t)0, "prefix", 's', "ind.", "limit",
                  'i', (int64_t)10),
            &reply);
    assert_true(reply.ok);
    assert_int_equal(sti_node_size(sti_node_get(reply.body, "events")), 1);
    sti_reply_release(&reply);
    s_serve(s_map(2, "stream", 's', "ind", "seq", 'i', (int64_t)0), &reply);
    assert_true(reply.ok);
    sti_reply_release(&reply);
    struct {
        sti_writer_t *body;
    } bad[] = {
        {s_map(2, "stream", 's', "tal", "seq", 'i', (int64_t)0)},
        {s_map(2, "stream", 's', "ind", "seq", 'i', (int64_t)-1)},
        {s_map(1, "stream", 's', "ind")},
        {s_map(3, "stream", 's', "ind", "seq", 'i', (int64_t)0, "limit", 'i', (int64_t)0)},
        {s_map(3, "stream", 's', "ind", "seq", 'i', (int64_t)0, "limit", 'i', (int64_t)5000)},
        {s_map(3, "stream", 's', "ind", "seq", 'i', (int64_t)0, "other", 'i', (int64_t)1)},
        {s_map(2, "stream", 'i', (int64_t)1, "seq", 'i', (int64_t)0)},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        s_serve(bad[i].body, &reply);
        assert_false(reply.ok);
        assert_int_equal(reply.code, STI_ERR_INVALID_ARGUMENT);
        sti_reply_release(&reply);
    }
    sti_events_pub_destroy(&pub);
}

//  Redis loses the log's tail: the guard refuses every publisher until an
//  accepted loss moves the stream to a new epoch at the seq it is at; the
//  events carry the epoch; events.since from beyond the log answers the true
//  latest with the epoch and its start.
static void test_loss_and_epoch(void **state)
{
    (void)state;
    s_flush();
    sti_dataset_t dataset, accepted;
    assert_int_equal(sti_dataset_init(s_redis, "test", &dataset), 1);
    sti_events_pub_t *pub = s_pub("ind");
    sti_events_pub_tick(pub); // takes the dataset's id as the stream's first epoch
    for (int i = 1; i <= 2; i++) {
        assert_int_equal(s_publish(pub, "ind.a", i), (uint64_t)i);
    }
    redisReply *older = sti_redis_command(s_redis, "DUMP stitest:events:ind");
    assert_int_equal(older->type, REDIS_REPLY_STRING);
    assert_int_equal(s_publish(pub, "ind.a", 3), 3);
    redisReply *reply = sti_redis_command(s_redis, "HGET stitest:events:ind:epoch id");
    assert_string_equal(reply->str, dataset.id);
    freeReplyObject(reply);
    //  The tail is lost: the log and the counter are as they were at seq 2.
    freeReplyObject(sti_redis_command(s_redis, "RESTORE stitest:events:ind 0 %b REPLACE",
                                      older->str, older->len));
    freeReplyObject(older);
    freeReplyObject(sti_redis_command(s_redis, "SET stitest:events:ind:seq 2"));
    assert_null(sti_events_pub_lost(pub));
    uint64_t seq = 0;
    assert_int_equal(sti_events_publish(pub, "ind.a", "t", "s", NULL, 0, &seq), -1);
    assert_non_null(strstr(sti_events_pub_lost(pub), "went back from seq 3 to 2"));
    //  Another publisher, which saw nothing, is refused too: the mark is in Redis.
    sti_events_pub_t *other = s_pub("ind");
    assert_int_equal(sti_events_publish(other, "ind.a", "t", "s", NULL, 0, &seq), -1);
    reply = sti_redis_command(s_redis, "GET stitest:events:ind:seq");
    assert_string_equal(reply->str, "2");
    freeReplyObject(reply);
    //  An operator accepts: the first heartbeat of any publisher (here a new
    //  one's) moves the stream to the new epoch at 2, and the others go on.
    assert_int_equal(sti_dataset_accept_loss(s_redis, "test", "root", &accepted), 0);
    sti_events_pub_t *third = s_pub("ind");
    sti_events_pub_tick(third);
    assert_null(sti_events_pub_lost(third));
    assert_int_equal(sti_events_publish(pub, "ind.a", "t", "s", NULL, 0, &seq), 0);
    assert_int_equal(seq, 3);
    assert_null(sti_events_pub_lost(pub));
    sti_events_pub_destroy(&third);
    assert_int_equal(sti_events_publish(other, "ind.a", "t", "s", NULL, 0, &seq), 0);
    assert_int_equal(seq, 4);
    //  events.since from beyond the log: the true latest, the epoch and its start.
    sti_reply_t since;
    s_serve(s_map(2, "stream", 's', "ind", "seq", 'i', (int64_t)1000000000), &since);
    assert_true(since.ok);
    sti_field_error_t ferr;
    int64_t latest = 0, start = -1, upto = 0;
    char epoch[64];
    assert_int_equal(sti_map_int(since.body, "latest", &latest, &ferr), 0);
    assert_int_equal(sti_map_int(since.body, "upto", &upto, &ferr), 0);
    assert_int_equal(sti_map_int(since.body, "epoch_start", &start, &ferr), 0);
    assert_int_equal(sti_map_str_copy(since.body, "epoch", epoch, sizeof epoch, &ferr), 0);
    assert_int_equal(latest, 4);
    assert_int_equal(upto, 1000000000);
    assert_int_equal(start, 2);
    assert_string_equal(epoch, accepted.id);
    sti_reply_release(&since);
    sti_events_pub_destroy(&other);
    sti_events_pub_destroy(&pub);
}

//  Receives one two-frame message within 5 s; returns it (caller destroys) or NULL.
static zmsg_t *s_recv(zsock_t *sub, int timeout_ms)
{
    zpoller_t *poller = zpoller_new(sub, NULL);
    zmsg_t *msg = zpoller_wait(poller, timeout_ms) ? zmsg_recv(sub) : NULL;
    zpoller_destroy(&poller);
    return msg;
}

static void test_publisher_frames(void **state)
{
    (void)state;
    s_flush();
    zsock_t *sub = zsock_new_sub("@inproc://test-events", "ind.");
    sti_events_pub_t *pub = sti_events_pub_new(s_redis, "ind", "inproc://test-events", "sti-test");
    s_publish(pub, "ind.a", 5);
    //  The subscription reaches the PUB socket asynchronously: resend the
    //  logged event until it arrives (bounded).
    zmsg_t *msg = NULL;
    for (int i = 0; i < 100 && !msg; i++) {
        assert_int_equal(sti_events_send_logged(pub, 1, 1), 0);
        msg = s_recv(sub, 50);
    }
    assert_non_null(msg);
    zmsg_destroy(&msg);
    while ((msg = s_recv(sub, 0))) {
        zmsg_destroy(&msg);
    }
    uint64_t seq = s_publish(pub, "ind.b", 6);
    assert_int_equal(seq, 2);
    msg = s_recv(sub, 5000);
    assert_non_null(msg);
    assert_int_equal(zmsg_size(msg), 2);
    char *topic = zmsg_popstr(msg);
    assert_string_equal(topic, "ind.b");
    zframe_t *body = zmsg_pop(msg);
    char err[256];
    sti_event_t *event =
        sti_event_decode(topic, zframe_data(body), zframe_size(body), err, sizeof err);
    assert_non_null(event);
    assert_int_equal(event->seq, 2);
    assert_string_equal(event->id, "ind-2");
    assert_string_equal(event->type, "test.changed");
    assert_int_equal(strlen(event->time), 24);
    sti_event_destroy(&event);
    zframe_destroy(&body);
    free(topic);
    zmsg_destroy(&msg);
    //  Logged events 1..2 again, in order.
    assert_int_equal(sti_events_send_logged(pub, 1, 2), 0);
    for (uint64_t expect = 1; expect <= 2; expect++) {
        msg = s_recv(sub, 5000);
        assert_non_null(msg);
        topic = zmsg_popstr(msg);
        body = zmsg_pop(msg);
        event = sti_event_decode(topic, zframe_data(body), zframe_size(body), err, sizeof err);
        assert_non_null(event);
        assert_int_equal(event->seq, expect);
        sti_event_destroy(&event);
        zframe_destroy(&body);
        free(topic);
        zmsg_destroy(&msg);
    }
    //  An event the caller holds is sent as given; one of another stream is not.
    sti_event_t held = {.seq = 2,
                        .prev = 1,
                        .topic = "ind.b",
                        .type = "test.changed",
                        .source = "sti-test",
                        .subject = "s",
                        .time = "t",
                        .data = "\x80",
                        .data_size = 1};
    assert_int_equal(sti_events_send_event(pub, &held), 0);
    msg = s_recv(sub, 5000);
    assert_non_null(msg);
    topic = zmsg_popstr(msg);
    body = zmsg_pop(msg);
    event = sti_event_decode(topic, zframe_data(body), zframe_size(body), err, sizeof err);
    assert_non_null(event);
    assert_int_equal(event->seq, 2);
    assert_int_equal(event->prev, 1);
    assert_string_equal(event->id, "ind-2");
    assert_string_equal(event->subject, "s");
    sti_event_destroy(&event);
    zframe_destroy(&body);
    free(topic);
    zmsg_destroy(&msg);
    held.topic = "tal.b";
    assert_int_equal(sti_events_send_event(pub, &held), -1);
    held.topic = "ind.b", held.prev = 2;
    assert_int_equal(sti_events_send_event(pub, &held), -1);
    //  The heartbeat carries the latest seq.
    sti_events_pub_tick(pub);
    msg = s_recv(sub, 5000);
    assert_non_null(msg);
    topic = zmsg_popstr(msg);
    assert_string_equal(topic, "ind.$hb");
    body = zmsg_pop(msg);
    sti_reader_t *reader =
        sti_reader_new(zframe_data(body), zframe_size(body), NULL, err, sizeof err);
    int64_t latest;
    assert_int_equal(sti_map_int(sti_reader_root(reader), "seq", &latest, NULL), 0);
    assert_int_equal(latest, 2);
    sti_reader_destroy(&reader);
    zframe_destroy(&body);
    free(topic);
    zmsg_destroy(&msg);
    sti_events_pub_destroy(&pub);
    zsock_destroy(&sub);
}

//  A publisher that needs a replica to hold a seq names in its heartbeat
//  only what one confirmed: here Redis has no replica, so the seq another
//  writer appended after the one the publisher sent is not named, and the
//  guard's floor stays below it.
static void test_heartbeat_confirmed(void **state)
{
    (void)state;
    s_flush();
    sti_events_pub_t *writer = s_pub("ind");
    s_publish(writer, "ind.a", 1);
    s_publish(writer, "ind.b", 2);
    zsock_t *sub = zsock_new_sub("@inproc://test-confirm", "ind.");
    for (int64_t replicas = 0; replicas <= 1; replicas++) {
        sti_events_pub_t *pub =
            sti_events_pub_new(s_redis, "ind", "inproc://test-confirm", "sti-test");
        //  The subscription reaches the PUB socket asynchronously: send event
        //  1 until it arrives (bounded); the publisher has then seen seq 1.
        //  (With replicas to reach, it would hold an event no replica
        //  confirmed: they are set after.)
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
        sti_events_pub_set_replicas(pub, replicas);
        sti_events_pub_tick(pub);
        msg = s_recv(sub, 5000);
        assert_non_null(msg);
        char *topic = zmsg_popstr(msg);
        assert_string_equal(topic, "ind.$hb");
        zframe_t *body = zmsg_last(msg);
        char err[256], floor[24];
        sti_reader_t *reader =
            sti_reader_new(zframe_data(body), zframe_size(body), NULL, err, sizeof err);
        int64_t named;
        assert_int_equal(sti_map_int(sti_reader_root(reader), "seq", &named, NULL), 0);
        assert_int_equal(named, replicas ? 1 : 2);
        const char *epoch;
        sti_events_pub_floor(pub, floor, sizeof floor, &epoch);
        assert_string_equal(floor, replicas ? "1" : "2");
        sti_reader_destroy(&reader);
        free(topic);
        zmsg_destroy(&msg);
        sti_events_pub_destroy(&pub);
    }
    //  The confirmation wrote the seq back unchanged.
    redisReply *reply = sti_redis_command(s_redis, "GET stitest:events:ind:seq");
    assert_string_equal(reply->str, "2");
    freeReplyObject(reply);
    sti_events_pub_destroy(&writer);
    zsock_destroy(&sub);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),          cmocka_unit_test(test_decode_hostile),
        cmocka_unit_test(test_append_seq_prev),     cmocka_unit_test(test_append_many),
        cmocka_unit_test(test_since_paging),        cmocka_unit_test(test_trim_first),
        cmocka_unit_test(test_since_reply),         cmocka_unit_test(test_publisher_frames),
        cmocka_unit_test(test_loss_and_epoch),      cmocka_unit_test(test_since_batches),
        cmocka_unit_test(test_heartbeat_confirmed),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
