/*  stictl status: what each service is doing: its workers and the requests
    queued for it at the broker (MMI, mmi.workers), and for sti.indicators
    the intake log's backlog, the rate it is applied at and when it will be
    done (intake.status, docs/data-path.md "The backlog").

    Also here: the wait of `stictl ingest --wait`, which asks intake.status
    whether the last intake entry of the run is applied (that entry and
    every one before it) until it is, saying now and then on stderr how
    much is left.
*/
#include <cjson/cJSON.h>
#include <czmq.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stictl.h"

#define S_POLL_FIRST_MS 100 // the first look of a wait
#define S_POLL_MAX_MS 1000  // the longest pause between looks
#define S_SAY_EVERY_MS 5000 // how often a wait says how far it is

const char stictl_status_usage[] =
    "usage: stictl status [--json]\n"
    "\n"
    "One line per service: its workers (replicas connected to the broker), the\n"
    "requests queued for it at the broker, and for sti.indicators the intake log's\n"
    "backlog (entries, and rows estimated), the rate it is applied at (the last\n"
    "30 s, every replica together) and when the backlog will be applied at that\n"
    "rate. A service with 0 workers is down. --json prints {\"broker\": true,\n"
    "\"services\": {\"sti.ingest\": {\"workers\", \"queued\"}, \"sti.indicators\": {...,\n"
    "\"backlog\": {\"entries\", \"lag\", \"pending\", \"rows\", \"entries_per_second\",\n"
    "\"rows_per_second\", \"eta_seconds\", \"consumers\", \"last_delivered\"}}}}.\n"
    "Exit 0 when the broker answers, else 1.\n";

int stictl_entry_compare(const char *a, const char *b)
{
    unsigned long long ams = 0, aseq = 0, bms = 0, bseq = 0;
    if (sscanf(a, "%llu-%llu", &ams, &aseq) < 1) {
        ams = aseq = 0;
    }
    if (sscanf(b, "%llu-%llu", &bms, &bseq) < 1) {
        bms = bseq = 0;
    }
    if (ams != bms) {
        return ams < bms ? -1 : 1;
    }
    return aseq < bseq ? -1 : aseq > bseq ? 1 : 0;
}

//  A number of the map as a double, NAN when missing or nil.
static double s_number(sti_node_t map, const char *key)
{
    sti_node_t node = sti_node_get(map, key);
    sti_field_error_t err;
    double value = NAN;
    if (sti_node_type(node) == STI_TYPE_FLOAT) {
        sti_node_double(node, &value, &err);
    } else if (sti_node_type(node) == STI_TYPE_INT) {
        int64_t whole = 0;
        sti_node_int(node, &whole, &err);
        value = (double)whole;
    }
    return value;
}

//  "8 min", "about 40 s", "2 h 5 min" for a number of seconds.
static const char *s_duration(double seconds, char *buf, size_t cap)
{
    long long s = llround(seconds);
    if (s < 1) {
        snprintf(buf, cap, "under a second");
    } else if (s < 90) {
        snprintf(buf, cap, "%lld s", s);
    } else if (s < 5400) {
        snprintf(buf, cap, "%lld min", (s + 30) / 60);
    } else {
        snprintf(buf, cap, "%lld h %lld min", s / 3600, (s % 3600 + 30) / 60);
    }
    return buf;
}

//  "12,345" for a count.
static const char *s_count(double value, char *buf, size_t cap)
{
    char digits[32];
    snprintf(digits, sizeof digits, "%lld", llround(value));
    size_t len = strlen(digits), used = 0;
    for (size_t i = 0; i < len && used + 2 < cap; i++) {
        if (i > 0 && (len - i) % 3 == 0) {
            buf[used++] = ',';
        }
        buf[used++] = digits[i];
    }
    buf[used] = 0;
    return buf;
}

//  The backlog of an intake.status body: "2,774 entries (about 2,774,000 rows)".
static const char *s_backlog_text(sti_node_t body, char *buf, size_t cap)
{
    double entries = s_number(body, "entries"), rows = s_number(body, "rows");
    char a[32], b[32];
    if (isnan(entries)) {
        snprintf(buf, cap, "unknown");
    } else if (isnan(rows) || entries == 0) {
        snprintf(buf, cap, "%s entries", s_count(entries, a, sizeof a));
    } else {
        snprintf(buf, cap, "%s entries (about %s rows)", s_count(entries, a, sizeof a),
                 s_count(rows, b, sizeof b));
    }
    return buf;
}

//  The rate and the time left of an intake.status body.
static void s_rate_text(sti_node_t body, char *rate, size_t rate_cap, char *eta, size_t eta_cap)
{
    double rows_per_s = s_number(body, "rows_per_second");
    double entries_per_s = s_number(body, "entries_per_second");
    double seconds = s_number(body, "eta_seconds"), entries = s_number(body, "entries");
    char a[32], b[32];
    if (!isnan(rows_per_s)) {
        snprintf(rate, rate_cap, "%s rows/s", s_count(rows_per_s, a, sizeof a));
    } else if (!isnan(entries_per_s)) {
        snprintf(rate, rate_cap, "%.1f entries/s", entries_per_s);
    } else {
        snprintf(rate, rate_cap, "%s", entries == 0 ? "-" : "unknown yet");
    }
    if (entries == 0) {
        snprintf(eta, eta_cap, "applied");
    } else if (!isnan(seconds)) {
        snprintf(eta, eta_cap, "in about %s", s_duration(seconds, b, sizeof b));
    } else {
        snprintf(eta, eta_cap, "unknown (nothing applied lately)");
    }
}

//  Asks sti.indicators for intake.status (with entry when not NULL).
//  Returns 0 with an ok reply in *reply (caller releases), or an exit code.
static int s_intake_status(stictl_t *ctl, const char *entry, sti_reply_t *reply)
{
    sti_writer_t *request = stictl_request("intake.status", NULL, 0);
    sti_writer_map(request, entry ? 1 : 0);
    if (entry) {
        sti_writer_kv_str(request, "entry", entry);
    }
    return stictl_call_ok(ctl, "sti.indicators", &request, reply);
}

//  Asks the broker mmi.workers for one service. Returns 0 with *workers and
//  *queued, or -1 when the broker did not answer.
static int s_workers(stictl_t *ctl, const char *service, long long *workers, long long *queued)
{
    zmsg_t *request = zmsg_new();
    zmsg_addstr(request, service);
    zmsg_t *reply = sti_mdp_client_request(stictl_client(ctl), "mmi.workers", &request);
    if (!reply) {
        return -1;
    }
    char *code = zmsg_popstr(reply), *count = zmsg_popstr(reply), *waiting = zmsg_popstr(reply);
    bool known = code && strcmp(code, "501") != 0 && count && waiting;
    *workers = known ? strtoll(count, NULL, 10) : -1; // -1: a broker without mmi.workers
    *queued = known ? strtoll(waiting, NULL, 10) : -1;
    zstr_free(&code);
    zstr_free(&count);
    zstr_free(&waiting);
    zmsg_destroy(&reply);
    return 0;
}

//  Prints one service's line, asking sti.indicators for its backlog.
static void s_line(stictl_t *ctl, const char *service, long long workers, long long queued,
                   cJSON *json)
{
    char backlog[96] = "-", rate[48] = "-", eta[64] = "-", w[24] = "?", q[24] = "?";
    cJSON *entry = cJSON_AddObjectToObject(json, service);
    workers >= 0 ? cJSON_AddNumberToObject(entry, "workers", (double)workers)
                 : cJSON_AddNullToObject(entry, "workers");
    queued >= 0 ? cJSON_AddNumberToObject(entry, "queued", (double)queued)
                : cJSON_AddNullToObject(entry, "queued");
    if (workers >= 0) {
        snprintf(w, sizeof w, "%lld", workers);
    }
    if (queued >= 0) {
        snprintf(q, sizeof q, "%lld", queued);
    }
    if (strcmp(service, "sti.indicators") == 0 && workers != 0) {
        sti_reply_t reply;
        if (s_intake_status(ctl, NULL, &reply) == 0) {
            s_backlog_text(reply.body, backlog, sizeof backlog);
            s_rate_text(reply.body, rate, sizeof rate, eta, sizeof eta);
            cJSON_AddItemToObject(entry, "backlog", stictl_json_from_node(reply.body));
            sti_reply_release(&reply);
        } else {
            snprintf(backlog, sizeof backlog, "unknown (no answer)");
        }
    }
    if (!ctl->json) {
        stictl_print_padded(stdout, service, 17);
        printf("%-8s %-7s %-34s %-16s %s\n", w, q, backlog, rate, eta);
    }
}

int stictl_status(stictl_t *ctl, int argc, char **argv)
{
    if (argc > 1) {
        return stictl_usage_error(argv[0], "unexpected argument '%s'", argv[1]);
    }
    cJSON *json = cJSON_CreateObject();
    cJSON *services = cJSON_CreateObject();
    bool broker = true;
    if (!ctl->json) {
        printf("%-16s %-8s %-7s %-34s %-16s %s\n", "SERVICE", "WORKERS", "QUEUED", "BACKLOG",
               "APPLY RATE", "APPLIED");
    }
    for (size_t i = 0; stictl_services[i] && broker; i++) {
        long long workers = 0, queued = 0;
        if (s_workers(ctl, stictl_services[i], &workers, &queued) != 0) {
            broker = false;
            break;
        }
        s_line(ctl, stictl_services[i], workers, queued, services);
    }
    cJSON_AddBoolToObject(json, "broker", broker);
    cJSON_AddItemToObject(json, "services", services);
    if (ctl->json) {
        stictl_json_print(&json);
    } else {
        cJSON_Delete(json);
    }
    if (!broker) {
        fprintf(stderr, "stictl: the broker at %s did not answer within %d ms\n", ctl->broker,
                ctl->timeout_ms);
        return STICTL_FAILED;
    }
    return STICTL_OK;
}

//  Says on stderr how much of the backlog is left.
static void s_say_left(sti_node_t body)
{
    char backlog[96], rate[48], eta[64];
    s_backlog_text(body, backlog, sizeof backlog);
    s_rate_text(body, rate, sizeof rate, eta, sizeof eta);
    fprintf(stderr, "stictl: waiting: sti-indicators' backlog is %s at %s; %s\n", backlog, rate,
            eta);
}

//  Pauses ms, or less when a signal comes. Returns true when one came.
static bool s_pause(int ms)
{
    for (int64_t until = zclock_mono() + ms; zclock_mono() < until;) {
        if (stictl_batch_stopping()) {
            return true;
        }
        zclock_sleep(20);
    }
    return stictl_batch_stopping();
}

int stictl_intake_wait(stictl_t *ctl, const char *entry)
{
    fprintf(stderr,
            "stictl: waiting until sti-indicators has applied the rows (intake entry %s; Ctrl-C "
            "stops waiting, the rows stay committed)\n",
            entry);
    int pause = S_POLL_FIRST_MS;
    int64_t said = zclock_mono();
    for (;;) {
        sti_reply_t reply;
        int rc = s_intake_status(ctl, entry, &reply);
        if (rc == 0) {
            bool applied = false;
            sti_field_error_t err;
            sti_map_bool(reply.body, "applied", &applied, &err);
            if (applied) {
                sti_reply_release(&reply);
                break;
            }
            if (zclock_mono() - said >= S_SAY_EVERY_MS) {
                s_say_left(reply.body);
                said = zclock_mono();
            }
            sti_reply_release(&reply);
        } else if (rc == STICTL_NOT_FOUND || rc == STICTL_USAGE) {
            return rc; // an answer that will not change
        }
        if (s_pause(pause)) {
            fprintf(stderr, "stictl: stopped waiting: the rows are committed and sti-indicators "
                            "goes on applying them (stictl status shows the backlog)\n");
            return STICTL_INTERRUPTED;
        }
        pause = pause * 2 > S_POLL_MAX_MS ? S_POLL_MAX_MS : pause * 2;
    }
    if (ctl->json) {
        printf("{\"applied\": true, \"entry\": \"%s\"}\n", entry);
    } else {
        printf("applied: sti-indicators has applied every accepted row\n");
    }
    return STICTL_OK;
}
