/*  stictl silence: add, list and remove silences of sti-notify
    (silence.add / silence.list / silence.remove on sti.notify).

    A silence holds back the alerts its matchers match until its end time;
    they are still recorded as deliveries in state "silenced".
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sti_quantity.h"
#include "stictl.h"

const char stictl_silence_usage[] =
    "usage: stictl silence add [--rule ID] [--indicator CODE] [--org ORG] [--category CAT]\n"
    "                      [--severity S] (--for DURATION | --until UNIX_SECONDS)\n"
    "                      [--comment TEXT]\n"
    "       stictl silence list [--json]\n"
    "       stictl silence rm ID\n"
    "\n"
    "At least one matcher is needed; every matcher given must equal the alert's value.\n"
    "DURATION: 30s, 5m, 2h, 1d. `add` prints the new silence's id.\n";

static const char *const s_matchers[] = {"rule",     "indicator", "org",
                                         "category", "severity",  "comment"};
#define S_MATCHERS (sizeof s_matchers / sizeof s_matchers[0])

#define S_FOR_MAX_MS (3660LL * 86400000) // the longest --for: ten years

//  Parses --for: a duration (sti_quantity: 30s, 5m, 2h, 1d) above 0 and at
//  most ten years. Returns 0 or -1.
static int s_for(const char *text, long long *ms)
{
    int64_t value;
    if (sti_quantity_parse(STI_QUANTITY_DURATION, text, STI_QUANTITY_BARE_NONE, &value) != 0 ||
        value <= 0 || value > S_FOR_MAX_MS) {
        return -1;
    }
    *ms = value;
    return 0;
}

static int s_add(stictl_t *ctl, int argc, char **argv)
{
    const char *values[S_MATCHERS] = {NULL};
    long long ends_at = -1;
    for (int i = 2; i < argc; i += 2) {
        const char *flag = argv[i], *value = i + 1 < argc ? argv[i + 1] : NULL;
        size_t m = 0;
        while (m < S_MATCHERS && (strncmp(flag, "--", 2) != 0 || strcmp(flag + 2, s_matchers[m])))
            m++;
        long long ms = 0;
        if (!value) {
            return stictl_usage_error(argv[0], "%s needs a value", flag);
        } else if (m < S_MATCHERS) {
            values[m] = value;
        } else if (strcmp(flag, "--for") == 0 && s_for(value, &ms) == 0) {
            ends_at = (long long)time(NULL) * 1000 + ms;
        } else if (strcmp(flag, "--until") == 0 &&
                   stictl_parse_int(value, 0, 4102444800LL, &ms) == 0) {
            ends_at = ms * 1000;
        } else {
            return stictl_usage_error(argv[0], "bad flag or value: %s %s", flag, value);
        }
    }
    if (ends_at < 0) {
        return stictl_usage_error(argv[0], "add needs --for DURATION or --until UNIX_SECONDS");
    }
    size_t pairs = 1;
    for (size_t m = 0; m < S_MATCHERS; m++) {
        pairs += values[m] != NULL;
    }
    sti_writer_t *request = stictl_request("silence.add", NULL, 0);
    sti_writer_map(request, pairs);
    sti_writer_kv_int(request, "ends_at", ends_at);
    for (size_t m = 0; m < S_MATCHERS; m++) {
        if (values[m]) {
            sti_writer_kv_str(request, s_matchers[m], values[m]);
        }
    }
    sti_reply_t reply;
    int rc = stictl_call_ok(ctl, "sti.notify", &request, &reply);
    if (rc == 0) {
        char id[64];
        printf("%s\n", stictl_map_text(reply.body, "id", id, sizeof id));
        sti_reply_release(&reply);
    }
    return rc;
}

static void s_print(sti_node_t silence)
{
    char text[300];
    printf("%-8s", stictl_map_text(silence, "id", text, sizeof text));
    for (size_t m = 0; m + 1 < S_MATCHERS; m++) {
        stictl_map_text(silence, s_matchers[m], text, sizeof text);
        if (*text && strcmp(text, "-") != 0) {
            printf(" %s=%s", s_matchers[m], text);
        }
    }
    int64_t ends = 0;
    sti_field_error_t err;
    if (sti_map_int(silence, "ends_at", &ends, &err) == 0) {
        char when[48];
        printf(" until %s", stictl_time_ms(ends, when, sizeof when));
    }
    printf(" %s\n", stictl_map_text(silence, "comment", text, sizeof text));
}

static int s_simple(stictl_t *ctl, const char *op, const char *id)
{
    sti_writer_t *request = stictl_request(op, NULL, 0);
    sti_writer_map(request, id ? 1 : 0);
    if (id) {
        sti_writer_kv_str(request, "id", id);
    }
    sti_reply_t reply;
    int rc = stictl_call_ok(ctl, "sti.notify", &request, &reply);
    if (rc != 0) {
        return rc;
    }
    if (ctl->json) {
        cJSON *json = stictl_json_from_node(reply.body);
        stictl_json_print(&json);
    } else if (id) {
        printf("removed %s\n", id);
    } else {
        sti_node_t list = sti_node_get(reply.body, "silences");
        for (size_t i = 0; i < sti_node_size(list); i++) {
            s_print(sti_node_at(list, i));
        }
    }
    sti_reply_release(&reply);
    return STICTL_OK;
}

int stictl_silence(stictl_t *ctl, int argc, char **argv)
{
    const char *action = argc > 1 ? argv[1] : "";
    if (strcmp(action, "add") == 0) {
        return s_add(ctl, argc, argv);
    }
    if (strcmp(action, "list") == 0 && argc == 2) {
        return s_simple(ctl, "silence.list", NULL);
    }
    if ((strcmp(action, "rm") == 0 || strcmp(action, "remove") == 0) && argc == 3) {
        return s_simple(ctl, "silence.remove", argv[2]);
    }
    return stictl_usage_error(argv[0], "which action? (add ..., list, rm ID)");
}
