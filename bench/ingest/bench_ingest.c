/*  bench_ingest: load for bench/ingest/run.

    --mode accept   sends --requests requests of --rows rows each to sti.ingest
                    through the broker, --inflight at a time, each with its
                    own request id, and prints {"rows", "seconds", "rate"}
                    once every reply has come (an accepted row is in the
                    intake log then).
    --mode latency  submits --rate rows a second for --seconds seconds, in
                    requests of --rows rows, and subscribes to the event
                    stream "ind": for every row, the time from its request's
                    reply to the first event whose subject is the row's
                    indicator/org/period. Prints {"events", "median_ms",
                    "p99_ms", "missing"}.
    --mode naive    the data path's yardstick (issue 17): the least a path
                    from a socket to Redis does per row. A thread PUSHes the
                    same --requests requests as accept mode over inproc; the
                    main thread PULLs each one, decodes it, and for each row
                    pipelines HSET <ns>:naive:val:<indicator>:<org> <period>
                    <value> and XADD <ns>:naive:log * org, period, value to
                    --redis, then reads the request's replies: no validation,
                    no revisions, no events. Prints {"rows", "seconds",
                    "rate"}.

    Rows are made up: indicator --indicator, org units town0..town{--orgs - 1}
    (bench/ingest/run creates them), monthly periods from 2001-01 on, so
    every row is a distinct key and a change. Each run takes a --seed so two
    runs on one Redis never repeat a value.
*/
#include <czmq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sti_codec.h"
#include "sti_events.h"
#include "sti_mdp_client.h"
#include "sti_redis.h"

#define S_NAIVE_ENDPOINT "inproc://bench-naive"

typedef struct {
    const char *broker;    // broker requests endpoint
    const char *events;    // broker XPUB endpoint
    const char *mode;      // accept | latency | naive
    const char *redis;     // naive: the Redis URL
    const char *indicator; // the indicator every row reports
    int requests;          // accept: how many requests
    int rows;              // rows per request
    int inflight;          // accept: requests in flight
    int orgs;              // org units town0.. to spread rows over
    int rate;              // latency: rows per second
    int seconds;           // latency: how long
    int seed;              // makes values and request ids unique to a run
} s_args_t;

//  The key of row number n: org and period text.
static void s_key(const s_args_t *args, long n, char *org, size_t org_cap, char *period,
                  size_t period_cap)
{
    long months = n / args->orgs;
    snprintf(org, org_cap, "town%ld", n % args->orgs);
    snprintf(period, period_cap, "%04d-%02d", (int)(2001 + (months / 12) % 100),
             (int)(1 + months % 12));
}

//  Encodes one obs.submit request of rows [first, first + count).
static zmsg_t *s_request(const s_args_t *args, long first, int count, sti_writer_t *writer)
{
    char id[64], org[32], period[32];
    snprintf(id, sizeof id, "bench-%d-%ld", args->seed, first);
    sti_writer_reset(writer);
    sti_envelope_request(writer, "obs.submit", id);
    sti_writer_map(writer, 3);
    sti_writer_kv_str(writer, "request_id", id);
    sti_writer_kv_str(writer, "source", "bench");
    sti_writer_str(writer, "rows");
    sti_writer_array(writer, (size_t)count);
    for (long n = first; n < first + count; n++) {
        s_key(args, n, org, sizeof org, period, sizeof period);
        sti_writer_map(writer, 4);
        sti_writer_kv_str(writer, "indicator", args->indicator);
        sti_writer_kv_str(writer, "org", org);
        sti_writer_kv_str(writer, "period", period);
        sti_writer_kv_double(writer, "value", args->seed * 1000.0 + (double)(n % 1000) + 1);
    }
    size_t size;
    const void *data = sti_writer_data(writer, &size);
    zmsg_t *msg = zmsg_new();
    zmsg_addmem(msg, data, size);
    return msg;
}

//  Checks one reply: ok and every row accepted. Returns accepted rows or -1.
static long s_check(zmsg_t **reply_p, int expected)
{
    zframe_t *frame = zmsg_first(*reply_p);
    sti_reply_t reply;
    char err[256];
    long accepted = -1;
    if (frame && sti_reply_decode(zframe_data(frame), zframe_size(frame), NULL, &reply, err,
                                  sizeof err) == 0) {
        int64_t n = 0;
        sti_field_error_t field_err;
        if (reply.ok && sti_map_int(reply.body, "accepted", &n, &field_err) == 0 && n == expected) {
            accepted = (long)n;
        } else {
            fprintf(stderr, "bench_ingest: a request was not accepted whole: %s\n",
                    reply.ok ? "rows refused" : reply.message);
        }
        sti_reply_release(&reply);
    }
    zmsg_destroy(reply_p);
    return accepted;
}

static int s_accept(const s_args_t *args)
{
    sti_mdp_client_t *client = sti_mdp_client_new(args->broker, 30000, 0);
    sti_writer_t *writer = sti_writer_new();
    int sent = 0, answered = 0;
    long rows = 0;
    int64_t start = zclock_usecs();
    while (answered < args->requests) {
        while (sent < args->requests && sent - answered < args->inflight) {
            zmsg_t *msg = s_request(args, (long)sent * args->rows, args->rows, writer);
            if (sti_mdp_client_send(client, "sti.ingest", &msg) != 0) {
                fprintf(stderr, "bench_ingest: send: %s\n", sti_mdp_client_error(client));
                return 1;
            }
            sent++;
        }
        zmsg_t *reply = sti_mdp_client_recv(client, 30000);
        long accepted = reply ? s_check(&reply, args->rows) : -1;
        if (accepted < 0) {
            fprintf(stderr, "bench_ingest: no good reply (%s)\n", sti_mdp_client_error(client));
            return 1;
        }
        rows += accepted;
        answered++;
    }
    double seconds = (double)(zclock_usecs() - start) / 1e6;
    printf("{\"rows\": %ld, \"seconds\": %.3f, \"rate\": %.0f}\n", rows, seconds, rows / seconds);
    sti_writer_destroy(&writer);
    sti_mdp_client_destroy(&client);
    return 0;
}

static int s_compare(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

//  Takes events off the subscriber and records latencies against replied rows.
static void s_drain(sti_events_sub_t *sub, const s_args_t *args, zhashx_t *replied, double *lat,
                    long *events, int timeout)
{
    bool lost = false;
    sti_event_t *event;
    while ((event = sti_events_sub_recv(sub, timeout, &lost)) != NULL) {
        int64_t *at = (int64_t *)zhashx_lookup(replied, event->subject);
        if (at && *at >= 0) {
            lat[(*events)++] = (double)(zclock_usecs() - *at) / 1000.0;
            *at = -1; // the first event of the row counts
        }
        sti_event_destroy(&event);
        timeout = 0;
    }
    (void)args;
}

static int s_latency(const s_args_t *args)
{
    long total = (long)args->rate * args->seconds;
    int per_second = args->rate / args->rows;
    sti_mdp_client_t *client = sti_mdp_client_new(args->broker, 10000, 2);
    sti_events_sub_t *sub = sti_events_sub_new(args->events, args->broker, "sti.indicators", "ind",
                                               "ind.", STI_EVENTS_LIVE);
    sti_writer_t *writer = sti_writer_new();
    zhashx_t *replied = zhashx_new();
    zhashx_set_destructor(replied, (zhashx_destructor_fn *)zstr_free);
    double *lat = (double *)calloc((size_t)total + 1, sizeof(double));
    long events = 0;
    char subject[128], org[32], period[32];
    //  Let the subscription reach the publisher before the first row.
    s_drain(sub, args, replied, lat, &events, 1500);
    int64_t start = zclock_mono();
    for (long first = 0; first < total; first += args->rows) {
        int64_t due = start + (first / args->rows) * 1000 / (per_second ? per_second : 1);
        while (zclock_mono() < due) {
            s_drain(sub, args, replied, lat, &events, (int)(due - zclock_mono()));
        }
        zmsg_t *msg = s_request(args, first, args->rows, writer);
        zmsg_t *reply = sti_mdp_client_request(client, "sti.ingest", &msg);
        int64_t now = zclock_usecs();
        if (!reply || s_check(&reply, args->rows) < 0) {
            fprintf(stderr, "bench_ingest: a request failed\n");
            return 1;
        }
        for (long n = first; n < first + args->rows; n++) {
            s_key(args, n, org, sizeof org, period, sizeof period);
            snprintf(subject, sizeof subject, "%s/%s/%s", args->indicator, org, period);
            int64_t *at = (int64_t *)malloc(sizeof(int64_t));
            *at = now;
            zhashx_update(replied, subject, at);
        }
    }
    int64_t deadline = zclock_mono() + 10000;
    while (events < total && zclock_mono() < deadline) {
        s_drain(sub, args, replied, lat, &events, 100);
    }
    qsort(lat, (size_t)events, sizeof(double), s_compare);
    printf("{\"events\": %ld, \"median_ms\": %.3f, \"p99_ms\": %.3f, \"missing\": %ld}\n", events,
           events ? lat[events / 2] : 0, events ? lat[(long)(events * 0.99)] : 0, total - events);
    free(lat);
    zhashx_destroy(&replied);
    sti_writer_destroy(&writer);
    sti_events_sub_destroy(&sub);
    sti_mdp_client_destroy(&client);
    return events == total ? 0 : 1;
}

//  --- the yardstick ---

//  The pusher of naive mode: sends every request over PUSH.
static void s_pusher(zsock_t *pipe, void *arg)
{
    const s_args_t *args = (const s_args_t *)arg;
    zsock_t *push = zsock_new_push(S_NAIVE_ENDPOINT);
    zsock_set_sndhwm(push, 16);
    zsock_signal(pipe, 0);
    sti_writer_t *writer = sti_writer_new();
    for (int r = 0; r < args->requests && !zsys_interrupted; r++) {
        zmsg_t *msg = s_request(args, (long)r * args->rows, args->rows, writer);
        zmsg_send(&msg, push);
    }
    sti_writer_destroy(&writer);
    char *term = zstr_recv(pipe); // zactor_destroy's $TERM: the PUSH lives until then
    zstr_free(&term);
    zsock_destroy(&push);
}

//  Pipelines HSET + XADD for each row of one request. Returns the number of
//  rows, or -1 for a request that does not decode.
static long s_naive_rows(sti_redis_t *redis, zmsg_t *msg)
{
    zframe_t *frame = zmsg_first(msg);
    char err[256];
    sti_reader_t *reader =
        frame ? sti_reader_new(zframe_data(frame), zframe_size(frame), NULL, err, sizeof err)
              : NULL;
    sti_node_t rows = reader ? sti_node_get(sti_node_get(sti_reader_root(reader), "body"), "rows")
                             : (sti_node_t){0};
    long n = reader && sti_node_type(rows) == STI_TYPE_ARRAY ? (long)sti_node_size(rows) : -1;
    for (long i = 0; i < n; i++) {
        sti_node_t row = sti_node_at(rows, (size_t)i);
        char indicator[64], org[64], period[16], value[32], key[256];
        double number = 0;
        if (sti_map_str_copy(row, "indicator", indicator, sizeof indicator, NULL) ||
            sti_map_str_copy(row, "org", org, sizeof org, NULL) ||
            sti_map_str_copy(row, "period", period, sizeof period, NULL) ||
            sti_map_double(row, "value", &number, NULL)) {
            n = -1;
            break;
        }
        snprintf(value, sizeof value, "%.17g", number);
        sti_redis_key(redis, key, sizeof key, "naive", "val", indicator, org, NULL);
        const char *hset[] = {"HSET", key, period, value};
        sti_redis_append(redis, 4, hset, NULL);
        sti_redis_key(redis, key, sizeof key, "naive", "log", NULL);
        const char *xadd[] = {"XADD", key, "*", "org", org, "period", period, "value", value};
        sti_redis_append(redis, 9, xadd, NULL);
    }
    sti_reader_destroy(&reader);
    return n;
}

static int s_naive(const s_args_t *args)
{
    char err[256];
    sti_redis_t *redis = sti_redis_new(args->redis, "bench", err, sizeof err);
    if (!redis || sti_redis_wait(redis, 5000)) {
        fprintf(stderr, "bench_ingest: redis %s: %s\n", args->redis, redis ? "down" : err);
        return 1;
    }
    zsock_t *pull = zsock_new_pull(S_NAIVE_ENDPOINT);
    int64_t start = zclock_usecs();
    zactor_t *pusher = zactor_new(s_pusher, (void *)args);
    long rows = 0;
    int rc = 0;
    for (int r = 0; r < args->requests && rc == 0; r++) {
        zmsg_t *msg = zmsg_recv(pull);
        long n = msg ? s_naive_rows(redis, msg) : -1;
        zmsg_destroy(&msg);
        for (long i = 0; i < 2 * n; i++) {
            redisReply *reply = sti_redis_reply(redis);
            if (!reply || reply->type == REDIS_REPLY_ERROR) {
                n = -1;
            }
            if (reply) {
                freeReplyObject(reply);
            }
        }
        rc = n < 0 ? 1 : 0;
        rows += n > 0 ? n : 0;
    }
    double seconds = (double)(zclock_usecs() - start) / 1e6;
    if (rc == 0) {
        printf("{\"rows\": %ld, \"seconds\": %.3f, \"rate\": %.0f}\n", rows, seconds,
               rows / seconds);
    } else {
        fprintf(stderr, "bench_ingest: naive: a request failed (%s)\n", sti_redis_errstr(redis));
    }
    zactor_destroy(&pusher);
    zsock_destroy(&pull);
    sti_redis_destroy(&redis);
    return rc;
}

int main(int argc, char **argv)
{
    s_args_t args = {"tcp://127.0.0.1:5555",
                     "tcp://127.0.0.1:5556",
                     "accept",
                     "redis://127.0.0.1:6379",
                     "hitech_enterprises",
                     100,
                     1000,
                     4,
                     100,
                     1000,
                     10,
                     1};
    for (int i = 1; i + 1 < argc; i += 2) {
        const char *flag = argv[i], *value = argv[i + 1];
        if (!strcmp(flag, "--broker")) {
            args.broker = value;
        } else if (!strcmp(flag, "--events")) {
            args.events = value;
        } else if (!strcmp(flag, "--mode")) {
            args.mode = value;
        } else if (!strcmp(flag, "--redis")) {
            args.redis = value;
        } else if (!strcmp(flag, "--indicator")) {
            args.indicator = value;
        } else {
            int number = atoi(value);
            int *slot = !strcmp(flag, "--requests")   ? &args.requests
                        : !strcmp(flag, "--rows")     ? &args.rows
                        : !strcmp(flag, "--inflight") ? &args.inflight
                        : !strcmp(flag, "--orgs")     ? &args.orgs
                        : !strcmp(flag, "--rate")     ? &args.rate
                        : !strcmp(flag, "--seconds")  ? &args.seconds
                        : !strcmp(flag, "--seed")     ? &args.seed
                                                      : NULL;
            if (!slot || number <= 0) {
                fprintf(stderr, "bench_ingest: bad flag %s %s\n", flag, value);
                return 2;
            }
            *slot = number;
        }
    }
    zsys_init();
    if (strcmp(args.mode, "naive") == 0) {
        return s_naive(&args);
    }
    return strcmp(args.mode, "latency") == 0 ? s_latency(&args) : s_accept(&args);
}
