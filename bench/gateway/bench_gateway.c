/*  bench_gateway: the yardstick of bench/gateway/run, the same operations
    done directly over ZeroMQ with stictl's client (sti_mdp_client), as the
    gateway does them for an HTTP client.

    --mode progress  progress.report {year} to sti.indicators, --inflight at
                     a time, for --seconds; prints {"requests", "seconds",
                     "rate"}.
    --mode submit    --requests obs.submit of --rows rows to sti.ingest,
                     --inflight at a time; prints {"rows", "seconds", "rate"}.
                     Rows are made up (hitech_enterprises at town0..town99,
                     monthly periods), each request with its own id.
*/
#include <czmq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sti_mdp_client.h"

typedef struct {
    const char *broker;
    const char *mode;
    int inflight, seconds, requests, rows, seed;
} s_args_t;

static zmsg_t *s_progress(sti_writer_t *writer, long n)
{
    char id[48];
    snprintf(id, sizeof id, "bench-progress-%ld", n);
    sti_writer_reset(writer);
    sti_envelope_request(writer, "progress.report", id);
    sti_writer_map(writer, 1);
    sti_writer_kv_int(writer, "year", 2025);
    size_t size;
    const void *data = sti_writer_data(writer, &size);
    zmsg_t *msg = zmsg_new();
    zmsg_addmem(msg, data, size);
    return msg;
}

static zmsg_t *s_submit(const s_args_t *args, sti_writer_t *writer, long n)
{
    char id[64], org[16], period[16];
    snprintf(id, sizeof id, "bench-gw-%d-%ld", args->seed, n);
    sti_writer_reset(writer);
    sti_envelope_request(writer, "obs.submit", id);
    sti_writer_map(writer, 2);
    sti_writer_kv_str(writer, "request_id", id);
    sti_writer_str(writer, "rows");
    sti_writer_array(writer, (size_t)args->rows);
    for (int i = 0; i < args->rows; i++) {
        long row = n * args->rows + i;
        snprintf(org, sizeof org, "town%ld", row % 100);
        snprintf(period, sizeof period, "%04ld-%02ld", 2001 + (row / 100 / 12) % 99,
                 1 + (row / 100) % 12);
        sti_writer_map(writer, 4);
        sti_writer_kv_str(writer, "indicator", "hitech_enterprises");
        sti_writer_kv_str(writer, "org", org);
        sti_writer_kv_str(writer, "period", period);
        sti_writer_kv_int(writer, "value", args->seed * 1000 + i);
    }
    size_t size;
    const void *data = sti_writer_data(writer, &size);
    zmsg_t *msg = zmsg_new();
    zmsg_addmem(msg, data, size);
    return msg;
}

static void s_run(const s_args_t *args)
{
    bool progress = strcmp(args->mode, "progress") == 0;
    const char *service = progress ? "sti.indicators" : "sti.ingest";
    sti_mdp_client_t *client = sti_mdp_client_new(args->broker, 30000, 0);
    sti_writer_t *writer = sti_writer_new();
    long sent = 0, done = 0, total = progress ? -1 : args->requests;
    int64_t start = zclock_mono(), end = start + args->seconds * 1000LL;
    while ((progress && zclock_mono() < end) || (!progress && done < total)) {
        while (sent - done < args->inflight && (total < 0 || sent < total)) {
            zmsg_t *msg = progress ? s_progress(writer, sent) : s_submit(args, writer, sent);
            sti_mdp_client_send(client, service, &msg);
            sent++;
        }
        zmsg_t *reply = sti_mdp_client_recv(client, 30000);
        if (!reply) {
            fprintf(stderr, "bench_gateway: no reply\n");
            exit(1);
        }
        zmsg_destroy(&reply);
        done++;
    }
    double seconds = (double)(zclock_mono() - start) / 1000.0;
    if (progress) {
        printf("{\"requests\": %ld, \"seconds\": %.2f, \"rate\": %.0f}\n", done, seconds,
               done / seconds);
    } else {
        printf("{\"rows\": %ld, \"seconds\": %.2f, \"rate\": %.0f}\n", done * args->rows, seconds,
               done * args->rows / seconds);
    }
    sti_writer_destroy(&writer);
    sti_mdp_client_destroy(&client);
}

int main(int argc, char **argv)
{
    s_args_t args = {"tcp://127.0.0.1:5555", "progress", 16, 10, 100, 1000, 1};
    for (int i = 1; i + 1 < argc; i += 2) {
        const char *flag = argv[i], *value = argv[i + 1];
        if (strcmp(flag, "--broker") == 0) {
            args.broker = value;
        } else if (strcmp(flag, "--mode") == 0) {
            args.mode = value;
        } else if (strcmp(flag, "--inflight") == 0) {
            args.inflight = atoi(value);
        } else if (strcmp(flag, "--seconds") == 0) {
            args.seconds = atoi(value);
        } else if (strcmp(flag, "--requests") == 0) {
            args.requests = atoi(value);
        } else if (strcmp(flag, "--rows") == 0) {
            args.rows = atoi(value);
        } else if (strcmp(flag, "--seed") == 0) {
            args.seed = atoi(value);
        } else {
            fprintf(stderr, "bench_gateway: unknown flag %s\n", flag);
            return 2;
        }
    }
    s_run(&args);
    return 0;
}
