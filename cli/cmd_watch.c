/*  stictl watch: prints indicator-change events as they happen.

    Built on the reliable subscriber (sti_events_sub, docs/events.md): the
    SUB socket takes the whole stream "ind." from the broker's XPUB address,
    and any gap (a lost message, a restart of the broker or of
    sti-indicators, a start from an earlier seq) is filled from the event log
    with events.since on sti.indicators. So the lines come once each and in
    seq order, and a watch stopped after seq S and started again with
    --from S continues exactly where it stopped.

    The event address is --sub, else STI_EVENTS_SUB, else the one the
    broker gives (mmi.events, a `*` host replaced by the broker's host),
    and the watch says on stderr which it watches. It never waits in
    silence: when nothing (not even a heartbeat, which comes every second)
    came from that address for a few seconds, it says so, and when the bus
    and the log disagree (another stack's bus) the subscriber's notice is
    printed.

    The subscriber queues events ahead of the caller, so its cursor can be
    past the last line printed; the seq to resume from is therefore the last
    one printed, which stderr gives when the watch stops. When the log no
    longer holds events that were missed (trimmed), the watch says so and
    exits 1 rather than carry on with a hole.
*/
#include <czmq.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sti_events.h"
#include "stictl.h"

#define S_DEFAULT_SUB "tcp://127.0.0.1:5556"
#define S_WAIT_MS 250   // how often Ctrl-C is looked at while nothing comes
#define S_QUIET_MS 5000 // the bus silent this long is said

const char stictl_watch_usage[] =
    "usage: stictl watch [PREFIX] [--count N] [--from SEQ] [--sub ENDPOINT] [--json]\n"
    "\n"
    "Prints indicator-change events (stream ind) as they happen, one line each:\n"
    "seq, time, type, subject, then the event's data as JSON. --json prints one\n"
    "JSON object a line: the CloudEvents fields (specversion, id, source, type,\n"
    "time, subject, topic, seq, prev) and data.\n"
    "PREFIX keeps the events whose topic starts with it (topics are\n"
    "ind.<indicator>.<org>; \"ind.\" is put in front of a PREFIX without it).\n"
    "--from SEQ first prints every event after SEQ the log holds (0: all of\n"
    "them), then goes on live; without it the watch starts at the live point.\n"
    "--count N exits 0 after N events; Ctrl-C exits 0. Either way stderr ends\n"
    "with `stopped after seq S`: --from S continues with no gap and no repeat.\n"
    "--sub ENDPOINT is the broker's event (XPUB) address (default $STI_EVENTS_SUB,\n"
    "else the address the broker gives, else " S_DEFAULT_SUB "); stderr says\n"
    "which, and says so when nothing comes from it or it disagrees with the log.\n"
    "Missed events are fetched from sti.indicators through the broker (--broker).\n"
    "Exit 1 when the event log no longer holds events that were missed.\n";

//  The command line of a watch.
typedef struct {
    const char *prefix;   // topic prefix as given ("" for all)
    long long count;      // events to print before exiting, 0 for no limit
    uint64_t from;        // last seq already seen, or STI_EVENTS_LIVE
    const char *endpoint; // --sub or STI_EVENTS_SUB, or NULL: ask the broker
    const char *named_by; // which of the two named it
} s_watch_args_t;

//  Parses the arguments. Returns 0, or STICTL_USAGE after saying why.
static int s_parse(int argc, char **argv, s_watch_args_t *args)
{
    const char *env = getenv("STI_EVENTS_SUB");
    *args = (s_watch_args_t){"", 0, STI_EVENTS_LIVE, env && *env ? env : NULL, "STI_EVENTS_SUB"};
    bool prefix_seen = false;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        long long from = 0;
        if (strcmp(arg, "--count") == 0 && i + 1 < argc) {
            if (stictl_parse_int(argv[++i], 1, INT64_MAX, &args->count) != 0) {
                return stictl_usage_error(argv[0], "--count wants a number above 0, not '%s'",
                                          argv[i]);
            }
        } else if (strcmp(arg, "--from") == 0 && i + 1 < argc) {
            if (stictl_parse_int(argv[++i], 0, INT64_MAX, &from) != 0) {
                return stictl_usage_error(argv[0], "--from wants a seq (0 or more), not '%s'",
                                          argv[i]);
            }
            args->from = (uint64_t)from;
        } else if (strcmp(arg, "--sub") == 0 && i + 1 < argc) {
            args->endpoint = argv[++i];
            args->named_by = "--sub";
        } else if (arg[0] == '-' || prefix_seen) {
            return stictl_usage_error(argv[0], "unexpected argument '%s'", arg);
        } else {
            args->prefix = arg;
            prefix_seen = true;
        }
    }
    return 0;
}

//  Copies endpoint into buf, a `*`, `0.0.0.0` or `::` host replaced by the
//  host of the broker's endpoint (as this client reaches it).
static void s_public(const char *endpoint, const char *broker, char *buf, size_t cap)
{
    const char *host = strstr(endpoint, "://");
    const char *colon = host ? strrchr(host + 3, ':') : NULL;
    const char *bhost = strstr(broker, "://");
    const char *bcolon = bhost ? strrchr(bhost + 3, ':') : NULL;
    if (!colon || !bcolon) {
        snprintf(buf, cap, "%s", endpoint);
        return;
    }
    host += 3;
    int len = (int)(colon - host);
    bool wild = (len == 1 && *host == '*') || (len == 7 && strncmp(host, "0.0.0.0", 7) == 0) ||
                (len == 4 && strncmp(host, "[::]", 4) == 0);
    if (wild) {
        snprintf(buf, cap, "%.*s%.*s%s", (int)(host - endpoint), endpoint,
                 (int)(bcolon - bhost - 3), bhost + 3, colon);
    } else {
        snprintf(buf, cap, "%s", endpoint);
    }
}

//  The event address to watch into buf, and on stderr where it came from:
//  --sub or STI_EVENTS_SUB, else the broker's answer to mmi.events, else
//  the default.
static void s_endpoint(stictl_t *ctl, const s_watch_args_t *args, char *buf, size_t cap)
{
    if (args->endpoint) {
        snprintf(buf, cap, "%s", args->endpoint);
        fprintf(stderr, "stictl watch: events from %s (%s)\n", buf, args->named_by);
        return;
    }
    zmsg_t *request = zmsg_new();
    zmsg_addstr(request, "");
    zmsg_t *reply = sti_mdp_client_request(stictl_client(ctl), "mmi.events", &request);
    char *code = reply ? zmsg_popstr(reply) : NULL;
    char *address = reply ? zmsg_popstr(reply) : NULL;
    if (code && strcmp(code, "200") == 0 && address && *address) {
        s_public(address, ctl->broker, buf, cap);
        fprintf(stderr, "stictl watch: events from %s (the broker's event address)\n", buf);
    } else {
        snprintf(buf, cap, "%s", S_DEFAULT_SUB);
        fprintf(stderr,
                "stictl watch: the broker at %s %s; watching events from %s (--sub or "
                "STI_EVENTS_SUB names another)\n",
                ctl->broker, reply ? "gives no event address" : "did not answer", buf);
    }
    zstr_free(&code);
    zstr_free(&address);
    zmsg_destroy(&reply);
}

//  Says once that the bus answers (its first message came), and, once each
//  time it happens, that the bus has been silent: nothing since the start,
//  or nothing for a while after something.
static void s_quiet(sti_events_sub_t *sub, const char *endpoint, int64_t start, bool *said,
                    bool *heard)
{
    int64_t now = zclock_mono(), live = sti_events_sub_live_at(sub);
    if (live && !*heard) {
        *heard = true;
        fprintf(stderr, "stictl watch: the event bus answers: live after seq %" PRIu64 "\n",
                sti_events_sub_cursor(sub));
    }
    int64_t since = live ? live : start;
    if (now - since < S_QUIET_MS) {
        *said = false;
        return;
    }
    if (*said) {
        return;
    }
    *said = true;
    fprintf(stderr,
            "stictl watch: nothing %s from %s for %lld s (sti-indicators sends a heartbeat every "
            "second): is it the broker's event address, and is sti-indicators up? Events come "
            "from the log meanwhile, not live\n",
            live ? "more" : "came", endpoint, (long long)((now - since) / 1000));
}

//  Prints events until the count is reached, Ctrl-C, or a loss. Sets
//  *last to the seq of the last event printed. Returns an exit code.
static int s_run(stictl_t *ctl, sti_events_sub_t *sub, const char *endpoint, long long count,
                 uint64_t *last)
{
    long long printed = 0;
    int64_t start = zclock_mono();
    bool said = false, heard = false;
    while (!zsys_interrupted && (count == 0 || printed < count)) {
        s_quiet(sub, endpoint, start, &said, &heard);
        bool lost = false;
        sti_event_t *event = sti_events_sub_recv(sub, S_WAIT_MS, &lost);
        char notice[512];
        if (sti_events_sub_notice(sub, notice, sizeof notice)) {
            fprintf(stderr, "stictl watch: %s\n", notice);
        }
        if (lost) {
            fprintf(stderr,
                    "stictl watch: events after seq %" PRIu64 " are no longer in the event log: "
                    "they are lost (the log goes on at seq %" PRIu64 ")\n",
                    *last, event ? event->seq : sti_events_sub_cursor(sub) + 1);
            sti_event_destroy(&event);
            return STICTL_FAILED;
        }
        if (event) {
            stictl_event_print(event, ctl->json);
            *last = event->seq;
            printed++;
            sti_event_destroy(&event);
        }
    }
    return STICTL_OK;
}

int stictl_watch(stictl_t *ctl, int argc, char **argv)
{
    s_watch_args_t args;
    if (s_parse(argc, argv, &args) != 0) {
        return STICTL_USAGE;
    }
    char prefix[STI_EVENTS_TOPIC_MAX + 8];
    stictl_event_prefix(args.prefix, prefix, sizeof prefix);
    if (!sti_events_topic_valid(prefix, strlen(prefix)) && *prefix) {
        return stictl_usage_error(argv[0], "PREFIX '%s' cannot start a topic", args.prefix);
    }
    char endpoint[512];
    s_endpoint(ctl, &args, endpoint, sizeof endpoint);
    sti_events_sub_t *sub =
        sti_events_sub_new(endpoint, ctl->broker, "sti.indicators", "ind", prefix, args.from);
    if (!sub) {
        return stictl_usage_error(argv[0], "'%s' is not an event endpoint (like %s)", endpoint,
                                  S_DEFAULT_SUB);
    }
    uint64_t last = args.from == STI_EVENTS_LIVE ? 0 : args.from;
    int rc = s_run(ctl, sub, endpoint, args.count, &last);
    char epoch[STI_EVENTS_EPOCH_MAX + 1];
    snprintf(epoch, sizeof epoch, "%s", sti_events_sub_epoch(sub));
    sti_events_sub_destroy(&sub);
    if (rc == STICTL_OK && (last > 0 || args.from != STI_EVENTS_LIVE)) {
        fprintf(stderr, "stictl watch: %s%s%sstopped after seq %" PRIu64 "\n",
                *epoch ? "in epoch " : "", epoch, *epoch ? ", " : "", last);
    }
    return rc;
}
