/*  stictl_call: the requests of one stictl run, their ids, and sending them.
    See stictl.h.

    Request ids. The requests of a run are numbered: the first takes the
    run's id (--request-id, else "stictl-<uuid>"), the n-th "<id>-<n>". The
    same command with the same input and the same --request-id therefore
    sends the same requests under the same ids, and every service applies a
    request id once (sti-ingest and sti-talent keep the first answer or what
    it made, sti-notify likewise for its adds; the other writes change
    nothing the second time): a run whose outcome is unknown can be run again
    safely that way. The batches of a file (stictl ingest, talent import)
    take ids from their content instead (stictl_batch.c), so the same
    command run again sends the same ids without --request-id.

    Sending. Each request has one budget, --timeout. It is sent, and sent
    again, the same bytes on the same socket, each time a third of the
    budget passes without an answer (sti_mdp_client_call_resend); the first
    answer to any send counts. So the first request after a worker was
    killed, which the broker may hand to the dead worker until its
    heartbeats run out, is answered by the next worker. Reads and writes are
    sent again alike: a write carries its request id, and the services apply
    it once. Each send again is said on stderr, never on stdout.

    No answer. For a read: "did not answer". For a write, nothing is known:
    it may have been applied and its answer lost, so stictl never says it
    failed: it says the outcome is unknown, names the request id and exits
    STICTL_UNKNOWN; under --json it also prints a JSON error object on
    stdout.
*/
#include "stictl.h"

#include <czmq.h>
#include <stdio.h>
#include <string.h>

#define S_SENDS 3 // sends of one request within its budget

//  The run's request ids.
static char s_run_id[STICTL_REQUEST_ID_MAX + 1]; // the first request's id ("" until set)
static int s_requests;                           // requests made so far
static bool s_given;                             // --request-id set s_run_id

//  Every op of every service, and whether it changes state, from the
//  services' own declarations (made at build time: cli/CMakeLists.txt). An
//  op missing here counts as a write (the careful way: its time-out says
//  the outcome is unknown).
static const struct {
    const char *op; // as the request carries it
    bool write;     // changes something (a read is harmless to repeat)
} s_ops[] = {
#include "stictl_ops.inc"
};

bool stictl_op_writes(const char *op)
{
    for (size_t i = 0; i < sizeof s_ops / sizeof s_ops[0]; i++) {
        if (strcmp(s_ops[i].op, op) == 0) {
            return s_ops[i].write;
        }
    }
    return true;
}

bool stictl_request_id_valid(const char *id)
{
    size_t len = strlen(id);
    return len > 0 && len <= STICTL_REQUEST_ID_MAX &&
           strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:-") == len;
}

void stictl_set_request_id(const char *id)
{
    assert(stictl_request_id_valid(id) && s_requests == 0);
    snprintf(s_run_id, sizeof s_run_id, "%s", id);
    s_given = true;
}

bool stictl_request_id_given(void)
{
    return s_given;
}

const char *stictl_run_id(void)
{
    if (!s_run_id[0]) {
        zuuid_t *uuid = zuuid_new();
        assert(uuid);
        snprintf(s_run_id, sizeof s_run_id, "stictl-%s", zuuid_str_canonical(uuid));
        zuuid_destroy(&uuid);
    }
    return s_run_id;
}

sti_writer_t *stictl_request(const char *op, char *id_out, size_t cap)
{
    char id[STI_ID_MAX + 1];
    if (s_requests++ == 0) {
        snprintf(id, sizeof id, "%s", stictl_run_id());
    } else {
        snprintf(id, sizeof id, "%s-%d", stictl_run_id(), s_requests);
    }
    if (id_out) {
        snprintf(id_out, cap, "%s", id);
    }
    sti_writer_t *writer = sti_writer_new();
    sti_envelope_request(writer, op, id);
    return writer;
}

sti_writer_t *stictl_request_as(const char *op, const char *id)
{
    sti_writer_t *writer = sti_writer_new();
    sti_envelope_request(writer, op, id);
    return writer;
}

//  What one call is, for its messages.
typedef struct {
    const char *service; // where it goes
    const char *op;      // what it asks
    const char *id;      // its request id
    bool write;          // a write: an answer lost leaves its outcome unknown
    int interval_ms;     // the wait before each send again
} s_call_t;

//  Says on stderr that the request is sent again.
static void s_on_resend(void *arg, int send, int sends, int waited_ms)
{
    const s_call_t *call = (const s_call_t *)arg;
    (void)waited_ms;
    if (call->write) {
        fprintf(stderr,
                "stictl: no answer from %s in %d ms; sending %s again with the same request id "
                "%s (%d of %d): it is applied once\n",
                call->service, call->interval_ms, call->op, call->id, send, sends);
    } else {
        fprintf(stderr, "stictl: no answer from %s in %d ms; asking again (%d of %d)\n",
                call->service, call->interval_ms, send, sends);
    }
}

//  Says that no answer came: on stderr, and under --json as a JSON error
//  object on stdout. Returns the exit code.
static int s_no_answer(stictl_t *ctl, const s_call_t *call, const char *why, int sent)
{
    char message[1024];
    if (call->write && sent > 0) {
        char again[256] = "";
        const char *run = stictl_run_id();
        size_t run_len = strlen(run);
        if (strcmp(call->id, run) == 0) {
            snprintf(again, sizeof again, " (stictl --request-id %s sends it again)", call->id);
        } else if (strncmp(call->id, run, run_len) == 0 && call->id[run_len] == '-') {
            snprintf(again, sizeof again, " (the same command with --request-id %s sends it again)",
                     run);
        } else {
            snprintf(again, sizeof again,
                     " (the same command sends it again under the same id: it comes from the "
                     "rows sent)");
        }
        snprintf(message, sizeof message,
                 "%s did not answer %s: %s: the outcome is unknown; request id %s can be retried "
                 "safely%s",
                 call->service, call->op, why, call->id, again);
    } else {
        snprintf(message, sizeof message, "%s did not answer %s: %s", call->service, call->op, why);
    }
    fprintf(stderr, "stictl: %s\n", message);
    bool unknown = call->write && sent > 0;
    if (ctl->json) {
        cJSON *json = cJSON_CreateObject();
        cJSON *error = cJSON_AddObjectToObject(json, "error");
        cJSON_AddStringToObject(error, "code", unknown ? "outcome_unknown" : "unavailable");
        cJSON_AddStringToObject(error, "message", message);
        cJSON_AddStringToObject(error, "service", call->service);
        cJSON_AddStringToObject(error, "op", call->op);
        cJSON_AddStringToObject(error, "request_id", call->id);
        cJSON_AddBoolToObject(error, "retry_safe", true);
        cJSON_AddNumberToObject(error, "sends", sent);
        stictl_json_print(&json);
    }
    return unknown ? STICTL_UNKNOWN : STICTL_FAILED;
}

int stictl_call(stictl_t *ctl, const char *service, sti_writer_t *request, sti_reply_t *reply)
{
    size_t size = 0;
    const void *data = sti_writer_data(request, &size);
    //  The op and id, read back from what stictl_request wrote: bounds as
    //  wide as the request, which is ours (the service holds it to its own).
    sti_request_t decoded;
    char err[128];
    sti_limits_t limits = {size, size, size, 32};
    bool known = sti_request_decode(data, size, &limits, &decoded, err, sizeof err) == 0;
    s_call_t call = {service, known ? decoded.op : "?", known ? decoded.id : "?",
                     !known || stictl_op_writes(decoded.op),
                     ctl->timeout_ms / S_SENDS > 0 ? ctl->timeout_ms / S_SENDS : 1};
    sti_mdp_resend_t resend = {call.id, S_SENDS, ctl->timeout_ms, s_on_resend, &call};
    sti_mdp_client_t *client = stictl_client(ctl);
    int sent = 0, rc = 0;
    if (sti_mdp_client_call_resend(client, service, data, size, &resend, reply, &sent) != 0) {
        rc = s_no_answer(ctl, &call, sti_mdp_client_error(client), sent);
    }
    if (known) {
        sti_request_release(&decoded);
    }
    return rc;
}

int stictl_call_ok(stictl_t *ctl, const char *service, sti_writer_t **request_p, sti_reply_t *reply)
{
    int rc = stictl_call(ctl, service, *request_p, reply);
    sti_writer_destroy(request_p);
    if (rc != 0) {
        return rc;
    }
    if (!reply->ok) {
        rc = stictl_print_error(reply);
        sti_reply_release(reply);
        return rc ? rc : STICTL_FAILED;
    }
    return 0;
}

int stictl_call_show(stictl_t *ctl, const char *service, sti_writer_t **request_p,
                     stictl_show_fn *show, void *arg)
{
    sti_reply_t reply;
    int rc = stictl_call_ok(ctl, service, request_p, &reply);
    if (rc != 0) {
        return rc;
    }
    if (ctl->json) {
        cJSON *json = stictl_json_from_node(reply.body);
        stictl_json_print(&json);
    } else {
        show(reply.body, arg);
    }
    sti_reply_release(&reply);
    return STICTL_OK;
}

//  "WHAT NAME DONE" of stictl_call_on.
static void s_show_done(sti_node_t body, void *arg)
{
    (void)body;
    const char **words = (const char **)arg;
    printf("%s %s %s\n", words[0], words[1], words[2]);
}

int stictl_call_on(stictl_t *ctl, const char *service, const char *op, const char *name,
                   const char *what, const char *done)
{
    sti_writer_t *request = stictl_request(op, NULL, 0);
    sti_writer_map(request, 1);
    sti_writer_kv_str(request, "name", name);
    const char *words[] = {what, name, done};
    return stictl_call_show(ctl, service, &request, s_show_done, words);
}
