/*  stictl dataset: which dataset Redis holds, and an operator's decision to
    go on after a loss (dataset.get and dataset.accept_loss on
    sti.indicators; docs/operations.md, "When Redis loses data").

    `show` prints the dataset's id, when and by whom it was made, the one it
    continues after an accepted loss, and whether the answering replica
    finds the dataset lost (and why). `accept-loss --reason TEXT` makes a new
    id: every service takes it within a second and goes on, every event
    stream starts a new epoch there, and subscribers learn which events are
    gone. It is the explicit step that going on after a loss needs.
*/
#include <stdio.h>
#include <string.h>

#include "stictl.h"

const char stictl_dataset_usage[] =
    "usage: stictl dataset show [--json]\n"
    "       stictl dataset accept-loss --reason TEXT [--json]\n"
    "\n"
    "show: the dataset Redis holds (made by the first plan load): its id, when\n"
    "and by whom it was made, the dataset it continues after an accepted loss,\n"
    "and whether the services find data lost, with the reason.\n"
    "accept-loss: after Redis lost data (the services refuse writes and say why),\n"
    "go on with what Redis holds: a new dataset id continues the old one, every\n"
    "service takes it and goes on, and every event stream starts a new epoch so\n"
    "that subscribers learn which events are gone. TEXT (1 to 200 bytes) says why;\n"
    "it is kept with the dataset. Admin only. Restoring Redis from a backup is the\n"
    "other way out (docs/operations.md).\n";

//  Prints a dataset.get / dataset.accept_loss reply body.
static void s_print(stictl_t *ctl, sti_node_t body)
{
    if (ctl->json) {
        cJSON *json = stictl_json_from_node(body);
        stictl_json_print(&json);
        return;
    }
    char id[64], created[64], previous[64], reason[256], by[80], why[400];
    stictl_map_text(body, "id", id, sizeof id);
    stictl_map_time(body, "created", created, sizeof created);
    stictl_map_text(body, "previous", previous, sizeof previous);
    stictl_map_text(body, "reason", reason, sizeof reason);
    stictl_map_text(body, "by", by, sizeof by);
    stictl_map_text(body, "why", why, sizeof why);
    bool lost = false;
    sti_field_error_t err;
    if (sti_map_bool(body, "lost", &lost, &err) != 0) {
        lost = false;
    }
    if (!strcmp(id, "") || !strcmp(id, "-")) {
        printf("dataset: none (no plan was ever loaded into this Redis)\n");
    } else {
        printf("dataset:  %s\ncreated:  %s by %s\n", id, created, by);
        if (strcmp(reason, "") != 0 && strcmp(reason, "-") != 0) {
            printf("continues %s after an accepted loss: %s\n",
                   strcmp(previous, "") && strcmp(previous, "-") ? previous : "(nothing)", reason);
        }
    }
    printf("state:    %s%s\n", lost ? "LOST: " : "ok", lost ? why : "");
}

static int s_show(stictl_t *ctl)
{
    sti_writer_t *request = stictl_request("dataset.get", NULL, 0);
    sti_writer_map(request, 0);
    sti_reply_t reply;
    int rc = stictl_call_ok(ctl, "sti.indicators", &request, &reply);
    if (rc != 0) {
        return rc;
    }
    s_print(ctl, reply.body);
    sti_reply_release(&reply);
    return STICTL_OK;
}

static int s_accept(stictl_t *ctl, const char *reason)
{
    sti_writer_t *request = stictl_request("dataset.accept_loss", NULL, 0);
    sti_writer_map(request, 1);
    sti_writer_kv_str(request, "reason", reason);
    sti_reply_t reply;
    int rc = stictl_call_ok(ctl, "sti.indicators", &request, &reply);
    if (rc != 0) {
        return rc;
    }
    if (!ctl->json) {
        printf("loss accepted: the services go on with what Redis holds\n");
    }
    s_print(ctl, reply.body);
    sti_reply_release(&reply);
    return STICTL_OK;
}

int stictl_dataset(stictl_t *ctl, int argc, char **argv)
{
    if (argc < 2) {
        return stictl_usage_error(argv[0], "which action? (show, accept-loss)");
    }
    if (strcmp(argv[1], "show") == 0) {
        if (argc != 2) {
            return stictl_usage_error(argv[0], "show takes no arguments");
        }
        return s_show(ctl);
    }
    if (strcmp(argv[1], "accept-loss") == 0) {
        const char *reason = NULL;
        for (int i = 2; i < argc; i++) {
            if (strcmp(argv[i], "--reason") == 0 && i + 1 < argc) {
                reason = argv[++i];
            } else if (strncmp(argv[i], "--reason=", 9) == 0) {
                reason = argv[i] + 9;
            } else {
                return stictl_usage_error(argv[0], "unexpected argument '%s'", argv[i]);
            }
        }
        if (!reason) {
            return stictl_usage_error(argv[0], "accept-loss needs --reason TEXT");
        }
        return s_accept(ctl, reason);
    }
    return stictl_usage_error(argv[0], "unknown action '%s' (show, accept-loss)", argv[1]);
}
