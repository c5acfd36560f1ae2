/*  stictl delivery: the deliveries of sti-notify, and re-sending a dead
    letter (delivery.list / delivery.retry on sti.notify).
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stictl.h"

const char stictl_delivery_usage[] =
    "usage: stictl delivery list [--failed] [--rule ID] [--limit N] [--json]\n"
    "       stictl delivery retry ID\n"
    "\n"
    "list shows the newest deliveries first: id, state (queued, retrying, delivered,\n"
    "dead, silenced), attempts, rule, receiver (secret masked), what it is about and\n"
    "the last error. --failed shows only dead and retrying ones. retry sends a dead\n"
    "letter again, under the same id (idempotency key).\n";

static void s_print(sti_node_t d)
{
    char id[64], state[16], attempts[16], rule[64], receiver[2400], label[256], error[300];
    printf("%s %-9s %3s %-8s %s %s", stictl_map_text(d, "id", id, sizeof id),
           stictl_map_text(d, "state", state, sizeof state),
           stictl_map_text(d, "attempts", attempts, sizeof attempts),
           stictl_map_text(d, "rule", rule, sizeof rule),
           stictl_map_text(d, "receiver", receiver, sizeof receiver),
           stictl_map_text(d, "label", label, sizeof label));
    stictl_map_text(d, "last_error", error, sizeof error);
    printf("%s%s\n", *error && strcmp(error, "-") != 0 ? " error: " : "",
           strcmp(error, "-") != 0 ? error : "");
}

static int s_list(stictl_t *ctl, int argc, char **argv)
{
    bool failed = false;
    const char *rule = NULL;
    long long limit = 100;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--failed") == 0) {
            failed = true;
        } else if (strcmp(argv[i], "--rule") == 0 && i + 1 < argc) {
            rule = argv[++i];
        } else if (strcmp(argv[i], "--limit") == 0 && i + 1 < argc &&
                   stictl_parse_int(argv[i + 1], 1, 1000, &limit) == 0) {
            i++;
        } else {
            return stictl_usage_error(argv[0], "bad argument '%s'", argv[i]);
        }
    }
    sti_writer_t *request = stictl_request("delivery.list", NULL, 0);
    sti_writer_map(request, 2 + (rule != NULL));
    sti_writer_kv_bool(request, "failed", failed);
    sti_writer_kv_int(request, "limit", limit);
    if (rule) {
        sti_writer_kv_str(request, "rule", rule);
    }
    sti_reply_t reply;
    int rc = stictl_call_ok(ctl, "sti.notify", &request, &reply);
    if (rc != 0) {
        return rc;
    }
    sti_node_t list = sti_node_get(reply.body, "deliveries");
    for (size_t i = 0; i < sti_node_size(list); i++) {
        if (ctl->json) {
            cJSON *json = stictl_json_from_node(sti_node_at(list, i));
            stictl_json_print(&json);
        } else {
            s_print(sti_node_at(list, i));
        }
    }
    sti_reply_release(&reply);
    return STICTL_OK;
}

static int s_retry(stictl_t *ctl, const char *id)
{
    sti_writer_t *request = stictl_request("delivery.retry", NULL, 0);
    sti_writer_map(request, 1);
    sti_writer_kv_str(request, "id", id);
    sti_reply_t reply;
    int rc = stictl_call_ok(ctl, "sti.notify", &request, &reply);
    if (rc == 0) {
        printf("requeued %s\n", id);
        sti_reply_release(&reply);
    }
    return rc;
}

int stictl_delivery(stictl_t *ctl, int argc, char **argv)
{
    const char *action = argc > 1 ? argv[1] : "";
    if (strcmp(action, "list") == 0) {
        return s_list(ctl, argc, argv);
    }
    if (strcmp(action, "retry") == 0 && argc == 3) {
        return s_retry(ctl, argv[2]);
    }
    return stictl_usage_error(argv[0], "which action? (list [--failed] [--rule ID], retry ID)");
}
