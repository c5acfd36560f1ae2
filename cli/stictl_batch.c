/*  stictl_batch: what the commands that send a file in batches share
    (stictl ingest, stictl talent import). See stictl.h.

    Request ids. A batch's request id comes from what it sends: the op's
    kind, the source, the batch's number and its rows' bytes (SHA-1, the
    first 96 bits in hex), so the same file sent again sends the same ids,
    and every batch that was committed before is answered from what the
    service kept for its id: a rerun after an interruption, a failure or an
    unknown outcome applies nothing twice. A batch whose rows changed gets
    another id and is sent as new. With --request-id the ids are the run's
    (ID, ID-2, ...), as for every other command.

    Rate limits. A `rate_limited` answer names the wait (retry_after_ms):
    the batch is sent again, the same bytes under the same id, after it.
    Nothing of a refused batch was applied, so giving up during the wait is
    clean.

    Signals. The first SIGINT or SIGTERM asks the run to stop: the batch in
    flight is finished (its answer says what was committed), no other is
    sent, and the summary says where the file stopped. A second one
    abandons the batch in flight (zsys_interrupted: the call returns at
    once, its outcome unknown). The handler only counts and sets flags.
*/
#include <czmq.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stictl.h"

#define S_WAIT_MAX_MS 10000 // longest wait a rate_limited answer is taken for
#define S_NAP_MS 20         // how often a wait looks at the stop flag
#define S_HASH_HEX 24       // hex digits of the digest kept in an id

static volatile sig_atomic_t s_signals; // SIGINT and SIGTERM received

static void s_on_signal(int signal)
{
    (void)signal;
    if (++s_signals >= 2) {
        zsys_interrupted = 1; // abandon the call in flight
    }
}

void stictl_batch_signals(void)
{
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = s_on_signal;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, NULL);
    sigaction(SIGTERM, &action, NULL);
}

bool stictl_batch_stopping(void)
{
    return s_signals > 0 || zsys_interrupted;
}

//  Batch number batch's request id (stictl_batch_send).
static void s_batch_id(const char *kind, const char *source, size_t batch, const void *rows,
                       size_t size, char *id, size_t cap)
{
    if (stictl_request_id_given()) {
        if (batch <= 1) {
            snprintf(id, cap, "%s", stictl_run_id());
        } else {
            snprintf(id, cap, "%s-%zu", stictl_run_id(), batch);
        }
        return;
    }
    char head[64];
    int len = snprintf(head, sizeof head, "%s\n%zu\n", kind, batch);
    zdigest_t *digest = zdigest_new();
    assert(digest);
    zdigest_update(digest, (const byte *)head, (size_t)len);
    if (source) {
        zdigest_update(digest, (const byte *)source, strlen(source) + 1);
    }
    zdigest_update(digest, (const byte *)rows, size);
    const char *hex = zdigest_string(digest);
    if (hex) {
        snprintf(id, cap, "%s-%.*s-%zu", kind, S_HASH_HEX, hex, batch);
    } else { // a CZMQ without SHA-1: the run's ids, which a rerun does not repeat
        snprintf(id, cap, "%s-%zu", stictl_run_id(), batch);
    }
    zdigest_destroy(&digest);
    for (char *c = id; *c; c++) {
        *c = (char)(*c >= 'A' && *c <= 'F' ? *c - 'A' + 'a' : *c);
    }
}

//  The wait a rate_limited reply names, in ms (at least 1, at most S_WAIT_MAX_MS).
static int s_retry_after(const sti_reply_t *reply)
{
    long long wait = 1000;
    for (size_t i = 0; i < sti_node_size(reply->details); i++) {
        sti_node_t detail = sti_node_at(reply->details, i);
        char field[32] = "", reason[32] = "";
        sti_field_error_t err;
        sti_map_str_copy(detail, "field", field, sizeof field, &err);
        sti_map_str_copy(detail, "reason", reason, sizeof reason, &err);
        if (strcmp(field, "retry_after_ms") == 0) {
            wait = strtoll(reason, NULL, 10);
        }
    }
    return wait < 1 ? 1 : wait > S_WAIT_MAX_MS ? S_WAIT_MAX_MS : (int)wait;
}

//  stictl_call, again after the wait a rate_limited answer names
//  (stictl_batch_send).
static int s_batch_call(stictl_t *ctl, const char *service, sti_writer_t *request,
                        sti_reply_t *reply)
{
    for (;;) {
        int rc = stictl_call(ctl, service, request, reply);
        if (rc != 0 || reply->ok || reply->code != STI_ERR_RATE_LIMITED) {
            return rc;
        }
        //  Nothing of the batch was applied: wait as told, then the same again.
        int64_t until = zclock_mono() + s_retry_after(reply);
        sti_reply_release(reply);
        while (zclock_mono() < until) {
            if (stictl_batch_stopping()) {
                return STICTL_INTERRUPTED;
            }
            int64_t left = until - zclock_mono();
            zclock_sleep((int)(left < S_NAP_MS ? (left > 0 ? left : 0) : S_NAP_MS));
        }
    }
}

int stictl_batch_send(stictl_t *ctl, const stictl_batch_op_t *op, size_t batch, sti_writer_t *rows,
                      size_t count, sti_reply_t *reply)
{
    assert(ctl && op && rows && reply);
    if (stictl_batch_stopping()) {
        return STICTL_INTERRUPTED;
    }
    char id[STI_ID_MAX + 1];
    size_t size;
    const void *data = sti_writer_data(rows, &size);
    s_batch_id(op->kind, op->source, batch, data, size, id, sizeof id);
    sti_writer_t *request = stictl_request_as(op->op, id);
    sti_writer_map(request, 2 + (op->source ? 1 : 0) + (op->with_dry_run ? 1 : 0));
    sti_writer_str(request, "rows");
    sti_writer_array(request, count);
    sti_writer_raw(request, data, size);
    sti_writer_kv_str(request, "request_id", id);
    if (op->with_dry_run) {
        sti_writer_kv_bool(request, "dry_run", op->dry_run);
    }
    if (op->source) {
        sti_writer_kv_str(request, "source", op->source);
    }
    int rc = s_batch_call(ctl, op->service, request, reply);
    sti_writer_destroy(&request);
    return rc;
}

//  "the last row committed is row 7" or "no row was committed".
static const char *s_last_row(const stictl_batch_t *self, char *buf, size_t cap)
{
    if (self->dry_run) {
        snprintf(buf, cap, "a dry run: nothing was kept");
    } else if (self->last_row > 0) {
        snprintf(buf, cap, "the last row committed is row %zu", self->last_row);
    } else {
        snprintf(buf, cap, "no row was committed");
    }
    return buf;
}

//  Why the run did not finish, for the summary.
static const char *s_why(const stictl_batch_t *self)
{
    if (self->failed == STICTL_INTERRUPTED) {
        return "interrupted";
    }
    if (self->failed == STICTL_UNKNOWN) {
        return "the outcome of the last batch sent is unknown";
    }
    return "stopped by the error above";
}

//  Copies what was written to file to stdout.
static void s_copy_out(FILE *file)
{
    char buffer[8192];
    size_t got;
    rewind(file);
    while ((got = fread(buffer, 1, sizeof buffer, file)) > 0) {
        fwrite(buffer, 1, got, stdout);
    }
}

void stictl_batch_print(const stictl_batch_t *self, bool json, FILE *report, FILE *warnings)
{
    bool finished = self->failed == 0;
    char last[96];
    if (json) {
        printf("{\"accepted\": %zu, \"rejected\": %zu, \"skipped\": %zu, \"replayed\": %zu, "
               "\"finished\": %s, \"last_row\": ",
               self->accepted, self->rejected, self->skipped, self->replayed,
               finished ? "true" : "false");
        self->last_row > 0 ? printf("%zu", self->last_row) : printf("null");
        printf(", \"errors\": [");
    } else {
        printf("accepted %zu, rejected %zu", self->accepted, self->rejected);
        if (self->skipped) {
            printf(", skipped %zu without a value", self->skipped);
        }
        if (self->warned) {
            printf(", %zu with a warning", self->warned);
        }
        if (!finished) {
            printf("; %s; %s: run the same command again to finish: nothing is applied twice",
                   s_last_row(self, last, sizeof last), s_why(self));
        }
        putchar('\n');
    }
    s_copy_out(report);
    if (json && warnings) {
        printf("], \"warnings\": [");
    }
    if (warnings) {
        s_copy_out(warnings);
    }
    if (json) {
        printf("]}\n");
    }
    fflush(stdout);
    if (self->replayed > 0 && !json) {
        fprintf(stderr,
                "%s: %zu of the accepted rows were committed by an earlier run (the same rows "
                "under the same request ids): nothing was applied twice\n",
                self->command, self->replayed);
    }
}

int stictl_batch_exit(const stictl_batch_t *self)
{
    if (self->failed) {
        return self->failed;
    }
    return self->rejected ? STICTL_PARTIAL : STICTL_OK;
}
