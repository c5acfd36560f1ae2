/*  Unit tests for sti_events_pack against a real redis-server on a spare
    port: events packed in C and appended by sti_events_append_packed
    (events_append.lua), mixed with single appends, read back by the log's
    reader (sti_events_log_entry_events and events.since) with every seq and
    prev exact; the prevs the pack works out from the script's reply; the
    cut into entries of at most STI_EVENTS_PACK_EVENTS; and hostile `prevs`
    fields.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "redis_server.h"
#include "sti_events.h"
#include "sti_events_log.h"
#include "sti_events_pack.h"
#include "sti_log.h"
#include "sti_lua_sti.h"

static test_redis_t s_server;
static sti_redis_t *s_redis;
static sti_script_t *s_packed; // events_append.lua + a driver of sti_events_append_packed

//  KEYS log, seq, prev; ARGV n, T, E, T x (topic, last), E x (events,
//  topics, packed). Returns {first, last, prev of each topic...}.
static const char *s_driver =
    "\nlocal n, T, E = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])\n"
    "local topics, lasts, entries, a = {}, {}, {}, 4\n"
    "for t = 1, T do topics[t] = ARGV[a]; lasts[t] = tonumber(ARGV[a + 1]); a = a + 2 end\n"
    "for e = 1, E do entries[e] = {tonumber(ARGV[a]), tonumber(ARGV[a + 1]), ARGV[a + 2]}; "
    "a = a + 3 end\n"
    "local first, last, prevs = sti_events_append_packed(KEYS[1], KEYS[2], KEYS[3], 1000, n, "
    "topics, lasts, entries)\n"
    "local out = {first, last}\nfor t = 1, #prevs do out[2 + t] = tonumber(prevs[t]) end\n"
    "return out\n";

static int s_setup(void **state)
{
    (void)state;
    sti_log_init("test_sti_events_pack", (sti_log_level_t)(STI_LOG_ERROR + 1));
    test_redis_start(&s_server, NULL);
    char err[256];
    s_redis = sti_redis_new(s_server.url, "stitest", err, sizeof err);
    assert_non_null(s_redis);
    assert_int_equal(sti_redis_wait(s_redis, 5000), 0);
    char *source = malloc(strlen(sti_lua_events_append) + strlen(s_driver) + 1);
    assert_non_null(source);
    strcpy(source, sti_lua_events_append);
    strcat(source, s_driver);
    s_packed = sti_redis_script(s_redis, source);
    free(source);
    return 0;
}

static int s_teardown(void **state)
{
    (void)state;
    sti_redis_destroy(&s_redis);
    test_redis_stop(&s_server);
    return 0;
}

//  Packs count events on topics (each "ind.<letter>"), data {"value": seq
//  guess}, appends them, and checks the seqs and the prevs the pack works
//  out against last[] (per letter, updated). Returns the seq after the last.
static uint64_t s_append(sti_events_pack_t *pack, const char **topics, size_t count, uint64_t next,
                         uint64_t *last)
{
    sti_events_pack_reset(pack);
    sti_writer_t *data = sti_writer_new();
    for (size_t i = 0; i < count; i++) {
        sti_writer_reset(data);
        sti_writer_map(data, 1);
        sti_writer_kv_int(data, "value", (int64_t)(next + i));
        size_t size;
        const void *bytes = sti_writer_data(data, &size);
        sti_event_t event = {.topic = (char *)topics[i],
                             .type = "test.changed",
                             .subject = "subj",
                             .time = "now",
                             .source = "own",
                             .data = (void *)bytes,
                             .data_size = size};
        sti_events_pack_add(pack, &event); // copies the bytes
    }
    sti_writer_destroy(&data);
    sti_events_pack_finish(pack);
    assert_int_equal(sti_events_pack_count(pack), count);
    //  The arguments, as indicators_store.c gives them.
    size_t topic_count = sti_events_pack_topic_count(pack);
    size_t entries = sti_events_pack_entry_count(pack);
    size_t argc = 6 + 2 * topic_count + 3 * entries;
    const char **argv = calloc(argc, sizeof *argv);
    size_t *lens = calloc(argc, sizeof *lens);
    char(*text)[24] = calloc(argc, sizeof *text);
    assert_true(argv && lens && text);
    argv[0] = "stitest:events:ind", argv[1] = "stitest:events:ind:seq";
    argv[2] = "stitest:events:ind:prev";
    size_t a = 3;
    snprintf(text[a], 24, "%zu", count), argv[a] = text[a], a++;
    snprintf(text[a], 24, "%zu", topic_count), argv[a] = text[a], a++;
    snprintf(text[a], 24, "%zu", entries), argv[a] = text[a], a++;
    for (size_t t = 0; t < topic_count; t++) {
        size_t at;
        argv[a++] = sti_events_pack_topic(pack, t, &at);
        snprintf(text[a], 24, "%zu", at), argv[a] = text[a], a++;
    }
    for (size_t e = 0; e < entries; e++) {
        size_t size, events, started;
        const void *bytes = sti_events_pack_entry(pack, e, &size, &events, &started);
        snprintf(text[a], 24, "%zu", events), argv[a] = text[a], a++;
        snprintf(text[a], 24, "%zu", started), argv[a] = text[a], a++;
        argv[a] = bytes, lens[a] = size, a++;
    }
    for (size_t i = 0; i < a; i++) {
        lens[i] = lens[i] ? lens[i] : strlen(argv[i]);
    }
    redisReply *reply = sti_redis_eval(s_redis, s_packed, 3, (int)(a - 3), argv, lens);
    assert_non_null(reply);
    assert_int_equal(reply->type, REDIS_REPLY_ARRAY);
    assert_int_equal(reply->element[0]->integer, count ? (long long)next : 0);
    assert_int_equal(reply->element[1]->integer, count ? (long long)(next + count - 1) : 0);
    assert_int_equal(reply->elements, 2 + topic_count);
    uint64_t topic_prevs[16], prevs[600];
    for (size_t t = 0; t < topic_count; t++) {
        topic_prevs[t] = (uint64_t)reply->element[2 + t]->integer;
    }
    sti_events_pack_prevs(pack, next, topic_prevs, prevs);
    for (size_t i = 0; i < count; i++) {
        int t = topics[i][4] - 'a';
        assert_int_equal(prevs[i], last[t]);
        last[t] = next + i;
    }
    freeReplyObject(reply);
    free(argv), free(lens), free(text);
    return next + count;
}

//  Reads the whole log back, entry by entry, and checks every seq 1..upto
//  is there once, in order, with the prev of its topic (from the topics
//  given in seq order: topics[seq - 1]) and its data.
static void s_check_log(const char **topics, uint64_t upto)
{
    redisReply *reply = sti_redis_command(s_redis, "XRANGE stitest:events:ind - +");
    assert_int_equal(reply->type, REDIS_REPLY_ARRAY);
    uint64_t seen = 0, last[26] = {0};
    for (size_t r = 0; r < reply->elements; r++) {
        size_t count;
        uint64_t id;
        sti_event_t **events = sti_events_log_entry_events(reply->element[r], "ind", &count, &id);
        assert_non_null(events);
        for (size_t i = 0; i < count; i++) {
            sti_event_t *event = events[i];
            assert_int_equal(event->seq, ++seen);
            assert_string_equal(event->topic, topics[seen - 1]);
            int t = event->topic[4] - 'a';
            assert_int_equal(event->prev, last[t]);
            last[t] = event->seq;
        }
        sti_events_log_events_destroy(&events, count);
    }
    assert_int_equal(seen, upto);
    freeReplyObject(reply);
}

static void test_packed_append(void **state)
{
    (void)state;
    freeReplyObject(sti_redis_command(s_redis, "FLUSHALL"));
    sti_events_pub_t *pub = sti_events_pub_new(s_redis, "ind", "inproc://nowhere", "own");
    sti_events_pack_t *pack = sti_events_pack_new();
    const char *log[700];
    uint64_t last[3] = {0, 0, 0}, next = 1;
    //  A single append first, then packs mixing topics, within and across calls.
    sti_writer_t *data = sti_writer_new();
    sti_writer_map(data, 0);
    size_t size;
    const void *bytes = sti_writer_data(data, &size);
    assert_int_equal(sti_events_publish(pub, "ind.a", "test.changed", "subj", bytes, size, &next),
                     0);
    log[0] = "ind.a", last[0] = next++;
    const char *one[] = {"ind.b", "ind.a", "ind.b", "ind.c", "ind.a", "ind.a"};
    next = s_append(pack, one, 6, next, last);
    for (size_t i = 0; i < 6; i++) {
        log[next - 7 + i] = one[i];
    }
    //  Over two entries: 600 events, each topic's first ones in the first entry.
    const char *many[600];
    for (size_t i = 0; i < 600; i++) {
        many[i] = i % 3 == 0 ? "ind.c" : i % 3 == 1 ? "ind.a" : "ind.b";
        log[next - 1 + i] = many[i];
    }
    next = s_append(pack, many, 600, next, last);
    assert_int_equal(sti_events_pack_entry_count(pack), 3); // 256 + 256 + 88
    next = s_append(pack, one, 0, next, last);              // nothing: the counter stays
    assert_int_equal(sti_events_publish(pub, "ind.b", "test.changed", "subj", bytes, size, &next),
                     0);
    log[next - 1] = "ind.b", last[1] = next++;
    //  A counter restored behind the log's last id, inside its batch entries:
    //  the seqs continue after the log's last id all the same.
    freeReplyObject(sti_redis_command(s_redis, "SET stitest:events:ind:seq %llu",
                                      (unsigned long long)(next - 300)));
    next = s_append(pack, one, 6, next, last);
    for (size_t i = 0; i < 6; i++) {
        log[next - 7 + i] = one[i];
    }
    s_check_log(log, --next);
    //  events.since reads the packed entries with the same prevs, sliced by seq.
    sti_writer_t *writer = sti_writer_new();
    assert_int_equal(sti_events_since(s_redis, "ind", 300, "ind.a", 10, writer), 0);
    const void *answer = sti_writer_data(writer, &size);
    char err[256];
    sti_reader_t *reader = sti_reader_new(answer, size, NULL, err, sizeof err);
    sti_node_t events = sti_node_get(sti_reader_root(reader), "events");
    assert_int_equal(sti_node_size(events), 10);
    int64_t seq, prev;
    assert_int_equal(sti_map_int(sti_node_at(events, 0), "seq", &seq, NULL), 0);
    assert_int_equal(sti_map_int(sti_node_at(events, 1), "prev", &prev, NULL), 0);
    assert_int_equal(prev, seq);
    sti_reader_destroy(&reader);
    sti_writer_destroy(&writer);
    sti_writer_destroy(&data);
    sti_events_pack_destroy(&pack);
    sti_events_pack_destroy(&pack);
    sti_events_pub_destroy(&pub);
}

//  A hand-made packed entry with the given prevs field, read back: returns
//  the number of well-formed events (prev of the last in *prev).
static size_t s_read_prevs(const char *prevs, int64_t second, uint64_t *prev)
{
    sti_writer_t *packed = sti_writer_new();
    sti_writer_array(packed, 2);
    for (int i = 0; i < 2; i++) {
        sti_writer_array(packed, 7);
        const char *fields[] = {"ind.a", "t", "s", "now", "own"};
        for (int k = 0; k < 5; k++) {
            sti_writer_str(packed, fields[k]);
        }
        sti_writer_strn(packed, "\x80", 1); // {}
        if (i == 0) {
            sti_writer_nil(packed);
        } else {
            sti_writer_int(packed, second);
        }
    }
    size_t size;
    const void *bytes = sti_writer_data(packed, &size);
    const char *argv[] = {
        "XADD", "stitest:events:odd", "0-11", "first", "10", "events", bytes, "prevs", prevs};
    size_t lens[] = {4, 18, 4, 5, 2, 6, size, 5, strlen(prevs)};
    freeReplyObject(sti_redis_argv(s_redis, 9, argv, lens));
    sti_writer_destroy(&packed);
    redisReply *reply = sti_redis_command(s_redis, "XRANGE stitest:events:odd - +");
    size_t count = 0;
    uint64_t id;
    sti_event_t **events = sti_events_log_entry_events(reply->element[0], "ind", &count, &id);
    *prev = count ? events[count - 1]->prev : 0;
    sti_events_log_events_destroy(&events, count);
    freeReplyObject(reply);
    freeReplyObject(sti_redis_command(s_redis, "DEL stitest:events:odd"));
    return count;
}

static void test_hostile_prevs(void **state)
{
    (void)state;
    uint64_t prev;
    assert_int_equal(s_read_prevs("7", -1, &prev), 2); // 10 (prev 7), 11 (prev 10)
    assert_int_equal(prev, 10);
    assert_int_equal(s_read_prevs("7", 3, &prev), 2); // an absolute prev, as before
    assert_int_equal(prev, 3);
    assert_int_equal(s_read_prevs("", -1, &prev), 1);      // no number for the nil: 10 is left out
    assert_int_equal(s_read_prevs("7", -11, &prev), 1);    // before seq 1
    assert_int_equal(s_read_prevs("7", 11, &prev), 1);     // not before its event
    assert_int_equal(s_read_prevs("12", -1, &prev), 1);    // the nil's prev after its seq
    assert_int_equal(s_read_prevs("7 ", -1, &prev), 0);    // a malformed field: the entry
    assert_int_equal(s_read_prevs("x", -1, &prev), 0);     //
    assert_int_equal(s_read_prevs("7 8 9", -1, &prev), 0); // more numbers than events
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_packed_append),
        cmocka_unit_test(test_hostile_prevs),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
