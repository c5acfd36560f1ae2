/*  mdp_load: a Majordomo client for tests. Sends N requests one at a time
    through sti_mdp_client_request (Lazy Pirate: timeout and retries from the
    flags), each carrying a unique id, checks that every reply echoes its
    request, and prints a JSON summary on stdout:
      {"sent":N,"answers":A,"missing":M,"duplicates":D,"mismatched":X,
       "workers":{"name":count,...},"elapsed_ms":T}
    Progress goes to stderr as "progress K" every --progress requests.
    Exits 0 only when every request got exactly one matching answer.

    mdp_load [--broker EP] [--service S] [-n N] [--timeout MS] [--retries R]
             [--size BYTES] [--progress K]
*/
#include <czmq.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sti_mdp_client.h"

//  Parsed command line.
typedef struct {
    const char *broker;  // endpoint
    const char *service; // service asked
    long count;          // requests to send
    int timeout_ms;      // per attempt
    int retries;         // attempts after the first
    size_t size;         // padding frame bytes (0: none)
    long progress;       // progress line every this many requests
} s_args_t;

//  Tallies.
typedef struct {
    long answers;      // requests answered with their own id
    long missing;      // requests without an answer
    long duplicates;   // answers for an id already answered
    long mismatched;   // answers that did not echo the request
    zhashx_t *workers; // worker name -> count (as a pointer-sized integer)
    zhashx_t *seen;    // ids answered
} s_tally_t;

static int s_parse(int argc, char **argv, s_args_t *args)
{
    args->broker = getenv("STI_BROKER") ? getenv("STI_BROKER") : "tcp://127.0.0.1:5555";
    args->service = "echo";
    args->count = 1000;
    args->timeout_ms = 1000;
    args->retries = 3;
    args->progress = 1000;
    for (int i = 1; i < argc; i++) {
        const char *flag = argv[i];
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;
        if (!value) {
            return -1;
        }
        i++;
        if (strcmp(flag, "--broker") == 0) {
            args->broker = value;
        } else if (strcmp(flag, "--service") == 0) {
            args->service = value;
        } else if (strcmp(flag, "-n") == 0) {
            args->count = atol(value);
        } else if (strcmp(flag, "--timeout") == 0) {
            args->timeout_ms = atoi(value);
        } else if (strcmp(flag, "--retries") == 0) {
            args->retries = atoi(value);
        } else if (strcmp(flag, "--size") == 0) {
            args->size = (size_t)atol(value);
        } else if (strcmp(flag, "--progress") == 0) {
            args->progress = atol(value) > 0 ? atol(value) : 1000;
        } else {
            return -1;
        }
    }
    return args->count > 0 ? 0 : -1;
}

//  Checks one reply against the id and padding sent. Takes the reply.
static void s_check(s_tally_t *tally, const char *id, size_t size, zmsg_t **reply_p)
{
    zmsg_t *reply = *reply_p;
    size_t expect_frames = size > 0 ? 3 : 2;
    char *got = zmsg_size(reply) == expect_frames ? zframe_strdup(zmsg_first(reply)) : NULL;
    if (!got || strcmp(got, id) != 0 || (size > 0 && zframe_size(zmsg_next(reply)) != size)) {
        tally->mismatched++;
        fprintf(stderr, "mismatch: sent %s, got %s\n", id, got ? got : "(bad framing)");
    } else if (zhashx_lookup(tally->seen, id)) {
        tally->duplicates++;
    } else {
        zhashx_insert(tally->seen, id, (void *)1);
        tally->answers++;
        char *name = zframe_strdup(zmsg_last(reply));
        size_t count = (size_t)zhashx_lookup(tally->workers, name);
        zhashx_update(tally->workers, name, (void *)(count + 1));
        free(name);
    }
    free(got);
    zmsg_destroy(reply_p);
}

static void s_print(const s_args_t *args, s_tally_t *tally, int64_t elapsed)
{
    printf("{\"sent\":%ld,\"answers\":%ld,\"missing\":%ld,\"duplicates\":%ld,"
           "\"mismatched\":%ld,\"workers\":{",
           args->count, tally->answers, tally->missing, tally->duplicates, tally->mismatched);
    const char *sep = "";
    for (void *count = zhashx_first(tally->workers); count; count = zhashx_next(tally->workers)) {
        printf("%s\"%s\":%zu", sep, (const char *)zhashx_cursor(tally->workers), (size_t)count);
        sep = ",";
    }
    printf("},\"elapsed_ms\":%" PRId64 "}\n", elapsed);
    fflush(stdout);
}

int main(int argc, char **argv)
{
    s_args_t args = {0};
    if (s_parse(argc, argv, &args) != 0) {
        fprintf(stderr, "usage: mdp_load [--broker EP] [--service S] [-n N] [--timeout MS] "
                        "[--retries R] [--size BYTES] [--progress K]\n");
        return 2;
    }
    sti_mdp_client_t *client = sti_mdp_client_new(args.broker, args.timeout_ms, args.retries);
    if (!client) {
        return 1;
    }
    s_tally_t tally = {0, 0, 0, 0, zhashx_new(), zhashx_new()};
    char *padding = args.size ? (char *)zmalloc(args.size) : NULL;
    if (padding) {
        memset(padding, 'p', args.size);
    }
    int64_t start = zclock_mono();
    for (long i = 0; i < args.count && !zsys_interrupted; i++) {
        char id[64];
        snprintf(id, sizeof(id), "req-%d-%ld", (int)getpid(), i);
        zmsg_t *request = zmsg_new();
        zmsg_addstr(request, id);
        if (padding) {
            zmsg_addmem(request, padding, args.size);
        }
        zmsg_t *reply = sti_mdp_client_request(client, args.service, &request);
        if (reply) {
            s_check(&tally, id, args.size, &reply);
        } else {
            tally.missing++;
            fprintf(stderr, "missing %s: %s\n", id, sti_mdp_client_error(client));
        }
        if ((i + 1) % args.progress == 0) {
            fprintf(stderr, "progress %ld\n", i + 1);
        }
    }
    s_print(&args, &tally, zclock_mono() - start);
    bool ok = tally.answers == args.count && tally.duplicates == 0 && tally.mismatched == 0;
    free(padding);
    zhashx_destroy(&tally.workers);
    zhashx_destroy(&tally.seen);
    sti_mdp_client_destroy(&client);
    return ok ? 0 : 1;
}
