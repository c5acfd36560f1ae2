/*  stictl watch: prints indicator-change events as they happen.

    Built on the reliable subscriber (sti_events_sub, docs/events.md): the
    SUB socket takes the whole stream "ind." from the broker's XPUB address,
    and any gap (a lost message, a restart of the broker or of
    sti-indicators, a start from an earlier seq) is filled from the event log
    with events.since on sti.indicators. So the lines come once each and in
    seq order, and a watch stopped after seq S and started again with
    --from S continues exactly where it stopped.

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
#define S_WAIT_MS 250 // how often Ctrl-C is looked at while nothing comes

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
    "else " S_DEFAULT_SUB "); missed events are fetched from sti.indicators\n"
    "through the broker (--broker).\n"
    "Exit 1 when the event log no longer holds events that were missed.\n";

//  The command line of a watch.
typedef struct {
    const char *prefix;   // topic prefix as given ("" for all)
    long long count;      // events to print before exiting, 0 for no limit
    uint64_t from;        // last seq already seen, or STI_EVENTS_LIVE
    const char *endpoint; // the broker's XPUB address
} s_watch_args_t;

//  Parses the arguments. Returns 0, or STICTL_USAGE after saying why.
static int s_parse(int argc, char **argv, s_watch_args_t *args)
{
    const char *env = getenv("STI_EVENTS_SUB");
    *args = (s_watch_args_t){"", 0, STI_EVENTS_LIVE, env && *env ? env : S_DEFAULT_SUB};
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
        } else if (arg[0] == '-' || prefix_seen) {
            return stictl_usage_error(argv[0], "unexpected argument '%s'", arg);
        } else {
            args->prefix = arg;
            prefix_seen = true;
        }
    }
    return 0;
}

//  Prints events until the count is reached, Ctrl-C, or a loss. Sets
//  *last to the seq of the last event printed. Returns an exit code.
static int s_run(stictl_t *ctl, sti_events_sub_t *sub, long long count, uint64_t *last)
{
    long long printed = 0;
    while (!zsys_interrupted && (count == 0 || printed < count)) {
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
    sti_events_sub_t *sub =
        sti_events_sub_new(args.endpoint, ctl->broker, "sti.indicators", "ind", prefix, args.from);
    if (!sub) {
        return stictl_usage_error(argv[0], "'%s' is not an event endpoint (like %s)", args.endpoint,
                                  S_DEFAULT_SUB);
    }
    uint64_t last = args.from == STI_EVENTS_LIVE ? 0 : args.from;
    int rc = s_run(ctl, sub, args.count, &last);
    char epoch[STI_EVENTS_EPOCH_MAX + 1];
    snprintf(epoch, sizeof epoch, "%s", sti_events_sub_epoch(sub));
    sti_events_sub_destroy(&sub);
    if (rc == STICTL_OK && (last > 0 || args.from != STI_EVENTS_LIVE)) {
        fprintf(stderr, "stictl watch: %s%s%sstopped after seq %" PRIu64 "\n",
                *epoch ? "in epoch " : "", epoch, *epoch ? ", " : "", last);
    }
    return rc;
}
