/*  echo_worker: a Majordomo worker for tests. It answers every request with
    the request's frames followed by one frame holding its own name, so a test
    can count who answered. Exits 0 on SIGTERM / SIGINT.

    echo_worker [--broker EP] [--name NAME] [--heartbeat-ms MS] [--stall] SERVICE
      --broker     default $STI_BROKER, else tcp://127.0.0.1:5555
      --name       default echo-<pid>
      --stall      take one request and never answer it, heartbeating meanwhile
                   (a busy worker, for the broker's dead-worker tests)
*/
#include <czmq.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sti_log.h"
#include "sti_mdp_worker.h"

//  Parsed command line.
typedef struct {
    const char *broker;  // endpoint
    const char *service; // service to serve
    char name[64];       // appended to every answer
    int heartbeat_ms;    // 0: the library's default
    bool stall;          // hold the first request forever
} s_args_t;

static int s_usage(void)
{
    fprintf(stderr, "usage: echo_worker [--broker EP] [--name NAME] [--heartbeat-ms MS] "
                    "[--stall] SERVICE\n");
    return 2;
}

static int s_parse(int argc, char **argv, s_args_t *args)
{
    args->broker = getenv("STI_BROKER") ? getenv("STI_BROKER") : "tcp://127.0.0.1:5555";
    snprintf(args->name, sizeof(args->name), "echo-%d", (int)getpid());
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--broker") == 0 && i + 1 < argc) {
            args->broker = argv[++i];
        } else if (strcmp(argv[i], "--name") == 0 && i + 1 < argc) {
            snprintf(args->name, sizeof(args->name), "%s", argv[++i]);
        } else if (strcmp(argv[i], "--heartbeat-ms") == 0 && i + 1 < argc) {
            args->heartbeat_ms = atoi(argv[++i]);
        } else if (strcmp(argv[i], "--stall") == 0) {
            args->stall = true;
        } else if (argv[i][0] != '-' && !args->service) {
            args->service = argv[i];
        } else {
            return -1;
        }
    }
    return args->service ? 0 : -1;
}

//  Holds a request without answering, heartbeating, until interrupted.
static void s_stall(sti_mdp_worker_t *worker)
{
    zpoller_t *poller = zpoller_new(NULL);
    while (!zsys_interrupted) {
        sti_mdp_worker_tick(worker);
        zpoller_wait(poller, 50);
    }
    zpoller_destroy(&poller);
}

int main(int argc, char **argv)
{
    s_args_t args = {0};
    if (s_parse(argc, argv, &args) != 0) {
        return s_usage();
    }
    sti_log_init("echo_worker", STI_LOG_INFO);
    sti_mdp_worker_t *worker = sti_mdp_worker_new(args.broker, args.service);
    if (!worker) {
        return 1;
    }
    if (args.heartbeat_ms > 0) {
        sti_mdp_worker_set_heartbeat(worker, args.heartbeat_ms);
    }
    printf("ready %s %s\n", args.name, args.service);
    fflush(stdout);
    long answered = 0;
    while (!zsys_interrupted) {
        zframe_t *client = NULL;
        zmsg_t *request = sti_mdp_worker_recv(worker, &client, -1);
        if (!request) {
            continue;
        }
        if (args.stall) {
            printf("stalled\n");
            fflush(stdout);
            zmsg_destroy(&request);
            zframe_destroy(&client);
            s_stall(worker);
            break;
        }
        zmsg_addstr(request, args.name);
        sti_mdp_worker_send(worker, &client, &request);
        answered++;
    }
    printf("answered %ld\n", answered);
    sti_mdp_worker_destroy(&worker);
    return 0;
}
