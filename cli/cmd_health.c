/*  stictl health: asks the broker's MMI (mmi.service, RFC 8) whether each
    service has a worker, and says so.

    The broker counts as up when it answers MMI at all within the timeout;
    when the first question gets no answer the broker is down and nothing
    else is asked, so an unreachable broker costs one timeout, not five.
    Exit 0 only when the broker and every service answer.
*/
#include <cjson/cJSON.h>
#include <czmq.h>
#include <stdio.h>
#include <string.h>

#include "stictl.h"

const char stictl_health_usage[] =
    "usage: stictl health [--json]\n"
    "\n"
    "Asks the broker (MMI, mmi.service) whether sti.ingest, sti.indicators,\n"
    "sti.talent, sti.notify and sti.projects each have a worker, and prints one\n"
    "line each:\n"
    "  broker up\n"
    "  sti.ingest up\n"
    "  sti.talent down\n"
    "--json prints {\"broker\": true, \"services\": {\"sti.ingest\": true, ...}}.\n"
    "Exit 0 when the broker and every service answer, else 1.\n";

//  Asks MMI about one service. Returns 1 (up), 0 (down), -1 (no answer).
static int s_ask(stictl_t *ctl, const char *service)
{
    zmsg_t *request = zmsg_new();
    zmsg_addstr(request, service);
    zmsg_t *reply = sti_mdp_client_request(stictl_client(ctl), "mmi.service", &request);
    if (!reply) {
        return -1;
    }
    char *code = zmsg_popstr(reply);
    int up = code && strcmp(code, "200") == 0;
    zstr_free(&code);
    zmsg_destroy(&reply);
    return up;
}

static void s_print_json(bool broker, const int *up, size_t count)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddBoolToObject(root, "broker", broker);
    cJSON *services = cJSON_AddObjectToObject(root, "services");
    for (size_t i = 0; i < count; i++) {
        cJSON_AddBoolToObject(services, stictl_services[i], up[i] == 1);
    }
    char *text = cJSON_PrintUnformatted(root);
    puts(text);
    cJSON_free(text);
    cJSON_Delete(root);
}

int stictl_health(stictl_t *ctl, int argc, char **argv)
{
    if (argc > 1) {
        return stictl_usage_error(argv[0], "unexpected argument '%s'", argv[1]);
    }
    int up[8] = {0};
    size_t count = 0;
    bool broker = true, all = true;
    for (; stictl_services[count] && count < 8; count++) {
        up[count] = broker ? s_ask(ctl, stictl_services[count]) : 0;
        if (up[count] < 0) {
            broker = false;
            up[count] = 0;
        }
        all = all && up[count] == 1;
    }
    if (ctl->json) {
        s_print_json(broker, up, count);
    } else {
        printf("broker %s\n", broker ? "up" : "down");
        for (size_t i = 0; i < count; i++) {
            printf("%s %s\n", stictl_services[i], up[i] == 1 ? "up" : "down");
        }
    }
    if (!broker) {
        fprintf(stderr, "stictl: the broker at %s did not answer within %d ms\n", ctl->broker,
                ctl->timeout_ms);
    }
    return broker && all ? STICTL_OK : STICTL_FAILED;
}
