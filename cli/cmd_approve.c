/*  stictl approve, stictl reopen: sign-off (数据审核) of an org unit's
    figures for a period (approval.approve and approval.reopen on
    sti.indicators; docs/signoff.md).

    An officer of a unit above (or an admin) approves a unit's period,
    which locks it: sti-ingest refuses further rows for it, naming who
    approved it when, until an officer reopens it with a reason. Like every
    write, the same command with --request-id is applied once.
*/
#include <czmq.h>
#include <stdio.h>
#include <string.h>

#include "stictl.h"

#define S_WAIT_MS 5000 // longest wait for the intake log to be applied before an approval
#define S_AGAIN_MS 250 // pause between two tries

const char stictl_approve_usage[] =
    "usage: stictl approve ORG PERIOD [--json]\n"
    "\n"
    "Approves org unit ORG's figures for PERIOD (2025, 2025Q2, 2025-05; a period\n"
    "that has begun), which locks them: rows for ORG and PERIOD are refused\n"
    "(已审核锁定, naming who approved them and when) and values are not withdrawn,\n"
    "until `stictl reopen`. Allowed to an admin, or an officer whose scope is the\n"
    "whole plan or a unit above ORG; a clerk is refused. While the intake log holds\n"
    "rows accepted and not yet applied the service refuses the approval (conflict):\n"
    "approve asks again for up to 5 seconds (said on stderr), then says so. Prints `approved ORG "
    "PERIOD by WHO at TIME`; --json prints\n"
    "the service's {\"org\", \"period\", \"state\", \"by\", \"role\", \"via\", \"at\",\n"
    "\"time\", \"reason\", \"request\", \"replayed\"}.\n"
    "Exit 4 when there is no org unit ORG; 1 when refused (approved already, not\n"
    "allowed, the intake log not applied yet).\n";

const char stictl_reopen_usage[] =
    "usage: stictl reopen ORG PERIOD --reason TEXT [--json]\n"
    "\n"
    "Reopens org unit ORG's approved figures for PERIOD, saying why (TEXT, kept\n"
    "in the record, the audit and the event): rows for ORG and PERIOD are taken\n"
    "again until the next `stictl approve`. Allowed as approve is. Prints\n"
    "`reopened ORG PERIOD by WHO at TIME: TEXT`; --json prints the service's reply\n"
    "(as approve's).\n"
    "Exit 4 when there is no org unit ORG; 1 when refused (not approved, not\n"
    "allowed).\n";

//  True when reply is the refusal of an approval while the intake log
//  holds rows not applied yet (its detail's field is `intake`).
static bool s_backlog(const sti_reply_t *reply)
{
    char field[16];
    return !reply->ok && reply->code == STI_ERR_CONFLICT && sti_node_size(reply->details) > 0 &&
           strcmp(stictl_map_text(sti_node_at(reply->details, 0), "field", field, sizeof field),
                  "intake") == 0;
}

//  Sends approve (reason NULL) or reopen under one request id, again while
//  the intake log is being applied (S_WAIT_MS at most). Returns 0 with the
//  reply (caller releases), or an exit code.
static int s_send(stictl_t *ctl, const char *op, const char *org, const char *period,
                  const char *reason, sti_reply_t *reply)
{
    char id[STI_ID_MAX + 1];
    sti_writer_t *first = stictl_request(op, id, sizeof id); // takes the run's next id
    sti_writer_destroy(&first);
    int64_t deadline = zclock_mono() + S_WAIT_MS;
    for (int tries = 0;; tries++) {
        sti_writer_t *request = stictl_request_as(op, id);
        sti_writer_map(request, reason ? 4 : 3);
        sti_writer_kv_str(request, "org", org);
        sti_writer_kv_str(request, "period", period);
        if (reason) {
            sti_writer_kv_str(request, "reason", reason);
        }
        sti_writer_kv_str(request, "request_id", id);
        int rc = stictl_call(ctl, "sti.indicators", request, reply);
        sti_writer_destroy(&request);
        if (rc != 0 || !s_backlog(reply) || zclock_mono() > deadline) {
            return rc;
        }
        if (tries == 0) {
            fprintf(stderr,
                    "stictl %s: rows accepted before are still being applied; waiting for "
                    "them (at most %d s)\n",
                    reason ? "reopen" : "approve", S_WAIT_MS / 1000);
        }
        sti_reply_release(reply);
        zclock_sleep(S_AGAIN_MS);
    }
}

//  Sends approve (reason NULL) or reopen, prints the answer. Returns an exit code.
static int s_change(stictl_t *ctl, const char *op, const char *org, const char *period,
                    const char *reason)
{
    sti_reply_t reply;
    int rc = s_send(ctl, op, org, period, reason, &reply);
    if (rc != 0) {
        return rc;
    }
    if (!reply.ok) {
        rc = stictl_print_error(&reply);
        sti_reply_release(&reply);
        return rc ? rc : STICTL_FAILED;
    }
    if (ctl->json) {
        cJSON *json = stictl_json_from_node(reply.body);
        stictl_json_print(&json);
    } else {
        char org_code[STI_ID_MAX + 1], by[128], time[40], text[520];
        printf("%s %s %s by %s at %s%s%s\n", reason ? "reopened" : "approved",
               stictl_map_text(reply.body, "org", org_code, sizeof org_code), period,
               stictl_map_text(reply.body, "by", by, sizeof by),
               stictl_map_text(reply.body, "time", time, sizeof time), reason ? ": " : "",
               reason ? stictl_map_text(reply.body, "reason", text, sizeof text) : "");
    }
    sti_reply_release(&reply);
    return STICTL_OK;
}

//  Reads ORG PERIOD [--reason TEXT]. Returns 0, or an exit code.
static int s_args(int argc, char **argv, const char **org, const char **period, const char **reason)
{
    const char *positional[2] = {NULL, NULL};
    int count = 0;
    for (int i = 1; i < argc; i++) {
        if (reason && strcmp(argv[i], "--reason") == 0 && i + 1 < argc) {
            *reason = argv[++i];
        } else if (reason && strncmp(argv[i], "--reason=", 9) == 0) {
            *reason = argv[i] + 9;
        } else if (argv[i][0] == '-') {
            return stictl_usage_error(argv[0], "unknown flag %s, or it needs a value", argv[i]);
        } else if (count < 2) {
            positional[count++] = argv[i];
        } else {
            return stictl_usage_error(argv[0], "'%s' is extra", argv[i]);
        }
    }
    if (count != 2) {
        return stictl_usage_error(argv[0], "%s wants ORG PERIOD%s", argv[0],
                                  reason ? " --reason TEXT" : "");
    }
    if (reason && (!*reason || !**reason)) {
        return stictl_usage_error(argv[0], "reopen wants --reason TEXT: say why");
    }
    *org = positional[0];
    *period = positional[1];
    return 0;
}

int stictl_approve(stictl_t *ctl, int argc, char **argv)
{
    const char *org, *period;
    int rc = s_args(argc, argv, &org, &period, NULL);
    return rc ? rc : s_change(ctl, "approval.approve", org, period, NULL);
}

int stictl_reopen(stictl_t *ctl, int argc, char **argv)
{
    const char *org, *period, *reason = NULL;
    int rc = s_args(argc, argv, &org, &period, &reason);
    return rc ? rc : s_change(ctl, "approval.reopen", org, period, reason);
}
