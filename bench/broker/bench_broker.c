/*  bench_broker: the client side of the broker benchmark (bench/broker/run).

    bench_broker --broker EP --service S --mode sync|async|flood
                 [-n N] [--size BYTES] [--inflight K]
      sync   one request at a time, each waiting for its reply
      async  K requests in flight: a new one goes out as each reply comes in
      direct one request at a time straight to an "echo" peer, no broker: the
             round trip of the transport itself, the yardstick for sync
      echo   be that peer: a ROUTER on --broker that sends back what it gets,
             until SIGTERM
      forward be the reference behaviour for the broker rows: a minimal
             Majordomo broker on --broker (one ROUTER for clients and workers,
             as the guide's) that only hands each request to a ready worker
             and its reply back; no heartbeats of its own (a worker's HEARTBEAT
             is echoed so the worker keeps it), no limits, no metrics, until
             SIGTERM
      flood  N requests sent as fast as the socket takes them, no replies read
             (for a service nobody serves: the broker's memory under a queue);
             then it stays until SIGTERM, so nothing sent is lost
    Prints one JSON line: {"mode":..,"size":..,"inflight":..,"requests":..,
    "elapsed_ms":..,"rate":..}. Exits 1 when a reply is missing (30 s bound).
*/
#include <czmq.h>
#include <stdio.h>
#include <string.h>

#include "sti_auth.h"
#include "sti_mdp.h"
#include "sti_mdp_client.h"

//  Parsed command line.
typedef struct {
    const char *broker;  // endpoint
    const char *service; // service asked
    const char *mode;    // sync, async, flood
    long count;          // requests
    size_t size;         // body bytes
    long inflight;       // async: requests in flight
} s_args_t;

static int s_parse(int argc, char **argv, s_args_t *args)
{
    *args = (s_args_t){"tcp://127.0.0.1:5555", "bench.echo", "sync", 10000, 100, 100};
    for (int i = 1; i + 1 < argc; i += 2) {
        const char *flag = argv[i], *value = argv[i + 1];
        if (strcmp(flag, "--broker") == 0) {
            args->broker = value;
        } else if (strcmp(flag, "--service") == 0) {
            args->service = value;
        } else if (strcmp(flag, "--mode") == 0) {
            args->mode = value;
        } else if (strcmp(flag, "-n") == 0) {
            args->count = atol(value);
        } else if (strcmp(flag, "--size") == 0) {
            args->size = (size_t)atol(value);
        } else if (strcmp(flag, "--inflight") == 0) {
            args->inflight = atol(value);
        } else {
            return -1;
        }
    }
    return (argc % 2 == 1 && args->count > 0 && args->inflight > 0) ? 0 : -1;
}

static zmsg_t *s_body(const char *body, size_t size)
{
    zmsg_t *msg = zmsg_new();
    zmsg_addmem(msg, body, size);
    return msg;
}

//  Round trips straight to the echo peer, framed as a REQ socket would.
//  Returns the round trips done.
static long s_direct(const s_args_t *args, const char *body)
{
    zsock_t *sock = zsock_new(ZMQ_DEALER);
    zsock_connect(sock, "%s", args->broker);
    zpoller_t *poller = zpoller_new(sock, NULL);
    long done = 0;
    for (; done < args->count; done++) {
        zmsg_t *msg = s_body(body, args->size);
        zmsg_pushmem(msg, NULL, 0);
        zmsg_send(&msg, sock);
        if (!zpoller_wait(poller, 30000)) {
            break;
        }
        msg = zmsg_recv(sock);
        zmsg_destroy(&msg);
    }
    zpoller_destroy(&poller);
    zsock_destroy(&sock);
    return done;
}

//  Echoes every message back to its sender until interrupted.
static int s_echo(const char *endpoint)
{
    zsock_t *router = zsock_new(ZMQ_ROUTER);
    if (zsock_bind(router, "%s", endpoint) < 0) {
        zsock_destroy(&router);
        return 1;
    }
    while (!zsys_interrupted) {
        zmsg_t *msg = zmsg_recv(router);
        if (!msg) {
            break;
        }
        zmsg_send(&msg, router);
    }
    zsock_destroy(&router);
    return 0;
}

//  The forwarder's queues: requests as "client "" body..." and idle workers'
//  routing ids, oldest first. It serves one service, the one the workers name.
typedef struct {
    zsock_t *router;   // clients and workers
    zlistx_t *waiting; // zmsg_t, requests for a worker
    zlistx_t *idle;    // zframe_t, workers with nothing to do
    zframe_t *caller;  // the identity frame sti-broker would send (local, admin)
    bool identity;     // the workers asked for it (READY ... "sti-identity-1")
    char service[STI_MDP_SERVICE_MAX + 1]; // the service, as the workers' READY names it
} s_forwarder_t;

//  Hands waiting requests to idle workers while both last.
static void s_forwarder_dispatch(s_forwarder_t *fwd)
{
    while (zlistx_size(fwd->waiting) > 0 && zlistx_size(fwd->idle) > 0) {
        zframe_t *worker = (zframe_t *)zlistx_detach(fwd->idle, NULL);
        zmsg_t *request = (zmsg_t *)zlistx_detach(fwd->waiting, NULL);
        if (fwd->identity) {
            zframe_t *client = zmsg_pop(request);
            zframe_t *empty = zmsg_pop(request);
            zframe_t *caller = zframe_dup(fwd->caller);
            zmsg_prepend(request, &caller);
            zmsg_prepend(request, &empty);
            zmsg_prepend(request, &client);
        }
        zmsg_pushstr(request, STI_MDPW_REQUEST);
        zmsg_pushstr(request, STI_MDPW);
        zmsg_pushmem(request, NULL, 0);
        zmsg_prepend(request, &worker);
        zmsg_send(&request, fwd->router);
    }
}

//  One message from a worker (after its "" and header): READY, REPLY, HEARTBEAT.
static void s_forwarder_worker(s_forwarder_t *fwd, zframe_t **sender_p, zmsg_t *msg)
{
    zframe_t *command = zmsg_pop(msg);
    bool reply = command && zframe_streq(command, STI_MDPW_REPLY);
    bool ready = command && zframe_streq(command, STI_MDPW_READY);
    if (reply) {
        zframe_t *client = zmsg_pop(msg);
        zframe_t *empty = zmsg_pop(msg);
        zframe_destroy(&empty);
        zmsg_pushstr(msg, fwd->service);
        zmsg_pushstr(msg, STI_MDPC);
        zmsg_pushmem(msg, NULL, 0);
        zmsg_prepend(msg, &client);
        zmsg_send(&msg, fwd->router);
    } else if (ready && zmsg_first(msg)) {
        zframe_t *service = zmsg_first(msg);
        snprintf(fwd->service, sizeof fwd->service, "%.*s", (int)zframe_size(service),
                 (const char *)zframe_data(service));
        fwd->identity = zframe_streq(zmsg_last(msg), STI_MDPW_IDENTITY);
    } else if (command && zframe_streq(command, STI_MDPW_HEARTBEAT)) {
        zmsg_t *beat = zmsg_new();
        zmsg_addmem(beat, NULL, 0);
        zmsg_addstr(beat, STI_MDPW);
        zmsg_addstr(beat, STI_MDPW_HEARTBEAT);
        zframe_t *to = zframe_dup(*sender_p);
        zmsg_prepend(beat, &to);
        zmsg_send(&beat, fwd->router);
    }
    if (reply || ready) {
        zlistx_add_end(fwd->idle, *sender_p);
        *sender_p = NULL;
        s_forwarder_dispatch(fwd);
    }
    zframe_destroy(&command);
    zmsg_destroy(&msg);
}

//  Forwards requests and replies until interrupted.
static int s_forwarder(const char *endpoint)
{
    s_forwarder_t fwd = {zsock_new(ZMQ_ROUTER), zlistx_new(), zlistx_new(), NULL, false, ""};
    if (zsock_bind(fwd.router, "%s", endpoint) < 0) {
        zsock_destroy(&fwd.router);
        return 1;
    }
    sti_identity_t local;
    sti_identity_local(&local);
    size_t size = 0;
    void *encoded = sti_identity_encode(&local, &size);
    fwd.caller = zframe_new(encoded, size);
    free(encoded);
    while (!zsys_interrupted) {
        zmsg_t *msg = zmsg_recv(fwd.router);
        if (!msg) {
            break;
        }
        zframe_t *sender = zmsg_pop(msg);
        zframe_t *empty = zmsg_pop(msg);
        zframe_t *header = zmsg_pop(msg);
        if (header && zframe_streq(header, STI_MDPC)) {
            zframe_t *service = zmsg_pop(msg);
            zframe_destroy(&service);
            zmsg_prepend(msg, &empty);
            zmsg_prepend(msg, &sender);
            zlistx_add_end(fwd.waiting, msg);
            s_forwarder_dispatch(&fwd);
        } else if (header && zframe_streq(header, STI_MDPW)) {
            s_forwarder_worker(&fwd, &sender, msg);
        } else {
            zmsg_destroy(&msg);
        }
        zframe_destroy(&header);
        zframe_destroy(&empty);
        zframe_destroy(&sender);
    }
    zmsg_t *request;
    while ((request = (zmsg_t *)zlistx_detach(fwd.waiting, NULL))) {
        zmsg_destroy(&request);
    }
    zframe_t *worker;
    while ((worker = (zframe_t *)zlistx_detach(fwd.idle, NULL))) {
        zframe_destroy(&worker);
    }
    zlistx_destroy(&fwd.waiting);
    zlistx_destroy(&fwd.idle);
    zframe_destroy(&fwd.caller);
    zsock_destroy(&fwd.router);
    return 0;
}

//  Runs the benchmark. Returns the requests answered (or sent, for flood).
static long s_run(const s_args_t *args, sti_mdp_client_t *client, const char *body)
{
    long done = 0, sent = 0;
    if (strcmp(args->mode, "sync") == 0) {
        for (; done < args->count; done++) {
            zmsg_t *request = s_body(body, args->size);
            zmsg_t *reply = sti_mdp_client_request(client, args->service, &request);
            if (!reply) {
                break;
            }
            zmsg_destroy(&reply);
        }
    } else if (strcmp(args->mode, "async") == 0) {
        for (; sent < args->inflight && sent < args->count; sent++) {
            zmsg_t *request = s_body(body, args->size);
            sti_mdp_client_send(client, args->service, &request);
        }
        while (done < args->count) {
            zmsg_t *reply = sti_mdp_client_recv(client, 30000);
            if (!reply) {
                break;
            }
            zmsg_destroy(&reply);
            done++;
            if (sent < args->count) {
                zmsg_t *request = s_body(body, args->size);
                sti_mdp_client_send(client, args->service, &request);
                sent++;
            }
        }
    } else if (strcmp(args->mode, "direct") == 0) {
        done = s_direct(args, body);
    } else {
        for (; done < args->count && !zsys_interrupted; done++) {
            zmsg_t *request = s_body(body, args->size);
            if (sti_mdp_client_send(client, args->service, &request) != 0) {
                break;
            }
        }
    }
    return done;
}

int main(int argc, char **argv)
{
    s_args_t args;
    if (s_parse(argc, argv, &args) != 0) {
        fprintf(stderr, "usage: bench_broker --broker EP --service S --mode "
                        "sync|async|flood|direct|echo|forward "
                        "[-n N] [--size BYTES] [--inflight K]\n");
        return 2;
    }
    if (strcmp(args.mode, "echo") == 0) {
        return s_echo(args.broker);
    }
    if (strcmp(args.mode, "forward") == 0) {
        return s_forwarder(args.broker);
    }
    sti_mdp_client_t *client = sti_mdp_client_new(args.broker, 30000, 0);
    if (!client) {
        return 1;
    }
    char *body = (char *)zmalloc(args.size + 1);
    memset(body, 'b', args.size);
    int64_t start = zclock_mono();
    long done = s_run(&args, client, body);
    int64_t elapsed = zclock_mono() - start;
    printf("{\"mode\":\"%s\",\"size\":%zu,\"inflight\":%ld,\"requests\":%ld,"
           "\"elapsed_ms\":%" PRId64 ",\"rate\":%.0f}\n",
           args.mode, args.size, strcmp(args.mode, "async") == 0 ? args.inflight : 1, done, elapsed,
           elapsed > 0 ? done * 1000.0 / (double)elapsed : 0.0);
    fflush(stdout);
    free(body);
    if (strcmp(args.mode, "flood") == 0) {
        //  What was sent may still sit in the socket: stay until told to go.
        zpoller_t *poller = zpoller_new(NULL);
        while (!zsys_interrupted) {
            zpoller_wait(poller, 100);
        }
        zpoller_destroy(&poller);
    }
    sti_mdp_client_destroy(&client);
    return done == args.count ? 0 : 1;
}
