/*  events_watch: a subscriber for the event tests. Prints one line per event
    it is handed, "<seq> <topic>", flushed at once, and a line "lost" when the
    log no longer held what it missed. A test checks the lines are every seq
    once and in order; to resume, it passes the last printed seq as --from.
    Started with --from live, it prints "cursor <seq>" once it knows where the
    stream is.

    events_watch [--stream S] [--prefix P] [--from N|live] [--service NAME]
                 [--until SEQ]
    Environment: STI_EVENTS_SUB, STI_BROKER. Exits 0 on SIGTERM / SIGINT, or
    once it has printed an event with seq >= SEQ (--until).
*/
#include <czmq.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sti_events.h"
#include "sti_log.h"

int main(int argc, char **argv)
{
    const char *stream = "ind", *prefix = "", *service = "sti.events-test";
    uint64_t from = 0, until = UINT64_MAX;
    for (int i = 1; i + 1 < argc; i += 2) {
        const char *value = argv[i + 1];
        if (strcmp(argv[i], "--stream") == 0) {
            stream = value;
        } else if (strcmp(argv[i], "--prefix") == 0) {
            prefix = value;
        } else if (strcmp(argv[i], "--service") == 0) {
            service = value;
        } else if (strcmp(argv[i], "--from") == 0) {
            from = strcmp(value, "live") == 0 ? STI_EVENTS_LIVE : strtoull(value, NULL, 10);
        } else if (strcmp(argv[i], "--until") == 0) {
            until = strtoull(value, NULL, 10);
        } else {
            fprintf(stderr, "usage: events_watch [--stream S] [--prefix P] [--from N|live] "
                            "[--service NAME] [--until SEQ]\n");
            return 2;
        }
    }
    if (argc % 2 == 0) {
        fprintf(stderr, "events_watch: every option takes a value\n");
        return 2;
    }
    sti_log_init("events_watch", STI_LOG_INFO);
    const char *sub = getenv("STI_EVENTS_SUB") ? getenv("STI_EVENTS_SUB") : "tcp://127.0.0.1:5556";
    const char *broker = getenv("STI_BROKER") ? getenv("STI_BROKER") : "tcp://127.0.0.1:5555";
    sti_events_sub_t *watch = sti_events_sub_new(sub, broker, service, stream, prefix, from);
    if (!watch) {
        return 1;
    }
    bool announced = from != STI_EVENTS_LIVE;
    while (!zsys_interrupted) {
        if (!announced && sti_events_sub_cursor(watch) > 0) {
            printf("cursor %" PRIu64 "\n", sti_events_sub_cursor(watch));
            announced = true;
        }
        bool lost = false;
        sti_event_t *event = sti_events_sub_recv(watch, 200, &lost);
        if (lost) {
            printf("lost\n");
        }
        if (event) {
            printf("%" PRIu64 " %s\n", event->seq, event->topic);
        }
        fflush(stdout);
        bool done = event && event->seq >= until;
        sti_event_destroy(&event);
        if (done) {
            break;
        }
    }
    sti_events_sub_destroy(&watch);
    return 0;
}
