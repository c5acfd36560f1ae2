/*  stictl events since: the indicator-change events after a sequence number,
    read from the event log of sti.indicators (events.since, docs/events.md).

    One request, one page: at most --limit events (1 to 1000). The service
    examines at most ten times the limit per call, so with a narrow prefix a
    page may hold fewer events than exist; the command then says on stderr
    where to go on from. The event lines are the same as `stictl watch`
    prints (stictl_event_print, defined here and used there too).
*/
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sti_events.h"
#include "stictl.h"

const char stictl_events_usage[] =
    "usage: stictl events since SEQ [--limit N] [--prefix P] [--json]\n"
    "\n"
    "Prints the indicator-change events (stream ind) after sequence number SEQ\n"
    "(0: from the first the log holds), oldest first, at most N (1 to 1000,\n"
    "default 100), only those whose topic starts with P (e.g.\n"
    "ind.hitech_enterprises.; \"ind.\" is put in front of a P without it).\n"
    "One line an event: seq, time, type, subject, then its data as JSON.\n"
    "--json prints one JSON object a line: the CloudEvents fields (specversion,\n"
    "id, source, type, time, subject, topic, seq, prev), data, and the epoch its\n"
    "seq belongs to (docs/events.md).\n"
    "When more may follow, stderr says `more: stictl events since U`; a SEQ at or\n"
    "past the end of the log is said too.\n"
    "Exit 1 when the log no longer holds events right after SEQ (they are lost;\n"
    "the ones it holds are still printed).\n";

//  Converts an event's data (encoded MessagePack) to JSON; null when absent.
static cJSON *s_data(const sti_event_t *event)
{
    if (!event->data || event->data_size == 0) {
        return cJSON_CreateNull();
    }
    char err[256];
    sti_reader_t *reader = sti_reader_new(event->data, event->data_size, NULL, err, sizeof err);
    if (!reader) {
        return cJSON_CreateNull(); // data that does not decode is shown as null
    }
    cJSON *json = stictl_json_from_node(sti_reader_root(reader));
    sti_reader_destroy(&reader);
    return json;
}

void stictl_event_print(const sti_event_t *event, bool json)
{
    cJSON *data = s_data(event);
    if (json) {
        cJSON *line = cJSON_CreateObject();
        cJSON_AddStringToObject(line, "specversion", "1.0");
        cJSON_AddStringToObject(line, "id", event->id);
        cJSON_AddStringToObject(line, "source", event->source);
        cJSON_AddStringToObject(line, "type", event->type);
        cJSON_AddStringToObject(line, "time", event->time);
        cJSON_AddStringToObject(line, "subject", event->subject);
        cJSON_AddStringToObject(line, "topic", event->topic);
        cJSON_AddNumberToObject(line, "seq", (double)event->seq);
        cJSON_AddNumberToObject(line, "prev", (double)event->prev);
        cJSON_AddItemToObject(line, "data", data);
        if (event->epoch && event->epoch[0]) {
            cJSON_AddStringToObject(line, "epoch", event->epoch);
        }
        stictl_json_print(&line);
    } else {
        char *text = cJSON_PrintUnformatted(data);
        char when[48];
        assert(text);
        printf("%" PRIu64 " %s %s %s %s\n", event->seq,
               stictl_time_text(event->time, when, sizeof when), event->type, event->subject, text);
        cJSON_free(text);
        cJSON_Delete(data);
    }
    fflush(stdout);
}

const char *stictl_event_prefix(const char *prefix, char *buf, size_t cap)
{
    if (strcmp(prefix, "ind") == 0) {
        prefix = "ind.";
    }
    snprintf(buf, cap, "%s%s", strncmp(prefix, "ind.", 4) == 0 || !*prefix ? "" : "ind.", prefix);
    return buf;
}

//  Prints the events of an events.since reply body asked from seq with
//  limit; says on stderr where the next page starts and whether events
//  after seq are gone from the log. Returns an exit code.
static int s_print(stictl_t *ctl, sti_node_t body, uint64_t seq, size_t limit)
{
    sti_field_error_t err;
    int64_t upto = 0, first = 0, latest = 0;
    sti_node_t events = sti_node_get(body, "events");
    if (sti_map_int(body, "upto", &upto, &err) || sti_map_int(body, "first", &first, &err) ||
        sti_map_int(body, "latest", &latest, &err) || sti_node_type(events) != STI_TYPE_ARRAY) {
        fprintf(stderr, "stictl events: sti.indicators answered oddly: %s: %s\n", err.field,
                err.reason);
        return STICTL_FAILED;
    }
    char epoch[STI_EVENTS_EPOCH_MAX + 1] = "";
    if (!sti_node_is_missing(sti_node_get(body, "epoch")) &&
        sti_map_str_copy(body, "epoch", epoch, sizeof epoch, &err) != 0) {
        epoch[0] = 0;
    }
    for (size_t i = 0; i < sti_node_size(events); i++) {
        char reason[256];
        sti_event_t *event =
            sti_event_from_node(sti_node_at(events, i), NULL, reason, sizeof reason);
        if (!event) {
            fprintf(stderr, "stictl events: event %zu of the reply is broken: %s\n", i, reason);
            return STICTL_FAILED;
        }
        if (!event->epoch && epoch[0]) {
            event->epoch = strdup(epoch);
        }
        stictl_event_print(event, ctl->json);
        sti_event_destroy(&event);
    }
    if ((uint64_t)latest < seq) {
        fprintf(stderr,
                "stictl events: seq %" PRIu64
                " is past the end of the log, which ends at seq %" PRId64
                "%s%s: there is nothing after it\n",
                seq, latest, epoch[0] ? " of epoch " : "", epoch);
    } else if ((uint64_t)latest == seq) {
        fprintf(stderr,
                "stictl events: nothing after seq %" PRIu64 " yet: it is the log's latest%s%s "
                "(stictl watch --from %" PRIu64 " waits for what comes)\n",
                seq, epoch[0] ? " in epoch " : "", epoch, seq);
    }
    if (upto < latest) {
        fprintf(stderr, "more: stictl events since %" PRId64 "%s\n", upto,
                sti_node_size(events) < limit ? " (the page examined its share of the log)" : "");
    }
    if ((uint64_t)first > seq + 1) {
        fprintf(stderr,
                "stictl events: the log no longer holds events %" PRIu64 " to %" PRId64
                ": they are lost\n",
                seq + 1, first - 1);
        return STICTL_FAILED;
    }
    return STICTL_OK;
}

int stictl_events(stictl_t *ctl, int argc, char **argv)
{
    if (argc < 2) {
        return stictl_usage_error(argv[0], "which action? (since SEQ)");
    }
    if (strcmp(argv[1], "since") != 0) {
        return stictl_usage_error(argv[0], "unknown action '%s' (since SEQ)", argv[1]);
    }
    long long seq = -1, limit = 100;
    const char *prefix = "";
    for (int i = 2; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--limit") == 0 && i + 1 < argc) {
            if (stictl_parse_int(argv[++i], 1, STI_EVENTS_SINCE_MAX, &limit) != 0) {
                return stictl_usage_error(argv[0], "--limit wants 1 to %d, not '%s'",
                                          STI_EVENTS_SINCE_MAX, argv[i]);
            }
        } else if (strcmp(arg, "--prefix") == 0 && i + 1 < argc) {
            prefix = argv[++i];
        } else if (arg[0] == '-' || seq >= 0) {
            return stictl_usage_error(argv[0], "unexpected argument '%s'", arg);
        } else if (stictl_parse_int(arg, 0, INT64_MAX, &seq) != 0) {
            return stictl_usage_error(argv[0],
                                      "SEQ must be a sequence number (0 or more), not '%s'", arg);
        }
    }
    if (seq < 0) {
        return stictl_usage_error(argv[0], "since needs SEQ");
    }
    char topic[STI_EVENTS_TOPIC_MAX + 8];
    stictl_event_prefix(prefix, topic, sizeof topic);
    sti_writer_t *request = stictl_request("events.since", NULL, 0);
    sti_writer_map(request, 4);
    sti_writer_kv_str(request, "stream", "ind");
    sti_writer_kv_int(request, "seq", seq);
    sti_writer_kv_str(request, "prefix", topic);
    sti_writer_kv_int(request, "limit", limit);
    sti_reply_t reply;
    int rc = stictl_call(ctl, "sti.indicators", request, &reply);
    sti_writer_destroy(&request);
    if (rc != 0) {
        return rc;
    }
    rc = reply.ok ? s_print(ctl, reply.body, (uint64_t)seq, (size_t)limit)
                  : stictl_print_error(&reply);
    sti_reply_release(&reply);
    return rc;
}
