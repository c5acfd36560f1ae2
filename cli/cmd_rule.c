/*  stictl rule: add, list, show and remove the rules of sti-notify
    (rule.add / rule.list / rule.get / rule.remove on sti.notify).

    The command line is turned into the rule's map (docs/notify.md); every
    check of the rule itself (condition, receivers, indicator codes against
    the catalog) is the service's, and its field and reason are printed as
    they come.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sti_quantity.h"
#include "stictl.h"

const char stictl_rule_usage[] =
    "usage: stictl rule add NAME [--event indicator.changed|progress.changed|talent.*|project.*]\n"
    "                   [--indicator CODE[,CODE...]] [--lang zh|en|zh,en]\n"
    "                   [--org ORG[,ORG...]] [--category CAT[,CAT...]] --when CONDITION\n"
    "                   --to RECEIVER [--to RECEIVER ...] [--severity info|warning|critical]\n"
    "                   [--group-by LABELS] [--group-wait DURATION] [--group-interval DURATION]\n"
    "                   [--repeat-interval DURATION]\n"
    "       stictl rule list [--json]\n"
    "       stictl rule show ID [--json]\n"
    "       stictl rule rm ID\n"
    "\n"
    "CONDITION: status_changed[:STATUS,...], crosses_above:V, crosses_below:V, achieved,\n"
    "           stale:DAYS or any (talent events: any); project events: any or milestone_late\n"
    "           (--when milestone_late alone watches project.milestone_late); overdue\n"
    "           (alone it watches duty.overdue: a report past its due date, nothing received).\n"
    "--category: talent categories, or for project rules project kinds (incubator, ...).\n"
    "A status rule (status_changed, achieved) on indicator.changed also hears\n"
    "progress.changed: a status moved by a target or the plan, not by a value.\n"
    "--lang: the messages' language, zh, en or zh,en (default: Chinese, then English).\n"
    "RECEIVER:  webhook:URL[#SECRET], email:ADDRESS, dingtalk:URL[#SECRET] or wecom:URL.\n"
    "--indicator PREFIX* matches every indicator whose code starts with PREFIX.\n"
    "LABELS: a comma list of indicator, org, period, category. DURATION: 0, 500ms, 30s, 5m,\n"
    "2h, 1d. `add` prints the new rule's id.\n";

//  Writes a comma list as an array of strings.
static void s_list(sti_writer_t *w, const char *key, const char *list)
{
    char copy[4096];
    const char *items[64];
    size_t count = 0;
    snprintf(copy, sizeof copy, "%s", list ? list : "");
    for (char *save = NULL, *t = strtok_r(copy, ",", &save); t && count < 64;
         t = strtok_r(NULL, ",", &save)) {
        items[count++] = t;
    }
    sti_writer_str(w, key);
    sti_writer_array(w, count);
    for (size_t i = 0; i < count; i++) {
        sti_writer_str(w, items[i]);
    }
}

//  What `rule add` was given.
typedef struct {
    const char *name, *event, *indicators, *orgs, *categories, *when, *severity, *group_by, *lang;
    const char *to[16];             // receivers
    size_t to_count;                // how many
    int64_t wait, interval, repeat; // durations (ms), -1 when not given
} s_add_t;

//  Reads the flags of `rule add`. Returns 0 or an exit code.
static int s_parse_add(int argc, char **argv, s_add_t *add)
{
    memset(add, 0, sizeof *add);
    add->wait = add->interval = add->repeat = -1;
    add->name = argv[2];
    for (int i = 3; i < argc; i += 2) {
        const char *flag = argv[i], *value = i + 1 < argc ? argv[i + 1] : NULL;
        int64_t *duration = strcmp(flag, "--group-wait") == 0        ? &add->wait
                            : strcmp(flag, "--group-interval") == 0  ? &add->interval
                            : strcmp(flag, "--repeat-interval") == 0 ? &add->repeat
                                                                     : NULL;
        if (!value) {
            return stictl_usage_error(argv[0], "%s needs a value", flag);
        } else if (duration) {
            //  The service bounds the value (at most 30 days); a bare number
            //  is refused, as it could mean seconds or milliseconds.
            if (sti_quantity_parse(STI_QUANTITY_DURATION, value, STI_QUANTITY_BARE_NONE,
                                   duration) != 0) {
                return stictl_usage_error(argv[0], "%s: '%s' is not a duration (30s, 5m, 2h, 1d)",
                                          flag, value);
            }
        } else if (strcmp(flag, "--to") == 0 && add->to_count < 16) {
            add->to[add->to_count++] = value;
        } else if (strcmp(flag, "--event") == 0) {
            add->event = value;
        } else if (strcmp(flag, "--indicator") == 0) {
            add->indicators = value;
        } else if (strcmp(flag, "--org") == 0) {
            add->orgs = value;
        } else if (strcmp(flag, "--category") == 0) {
            add->categories = value;
        } else if (strcmp(flag, "--when") == 0) {
            add->when = value;
        } else if (strcmp(flag, "--severity") == 0) {
            add->severity = value;
        } else if (strcmp(flag, "--lang") == 0) {
            add->lang = value;
        } else if (strcmp(flag, "--group-by") == 0) {
            add->group_by = value;
        } else {
            return stictl_usage_error(argv[0], "unknown flag '%s'", flag);
        }
    }
    if (!add->when || add->to_count == 0) {
        return stictl_usage_error(argv[0], "add needs --when CONDITION and at least one --to");
    }
    return 0;
}

//  Writes the rule's map for rule.add.
static void s_write_add(sti_writer_t *w, const s_add_t *add)
{
    size_t len = add->indicators ? strlen(add->indicators) : 0;
    bool prefix = len > 1 && add->indicators[len - 1] == '*';
    size_t pairs = 3 + (add->event != NULL) + (add->indicators != NULL) + (add->orgs != NULL) +
                   (add->categories != NULL) + (add->severity != NULL) + (add->lang != NULL) +
                   (add->group_by != NULL) + (add->wait >= 0) + (add->interval >= 0) +
                   (add->repeat >= 0);
    sti_writer_map(w, pairs);
    sti_writer_kv_str(w, "name", add->name);
    sti_writer_kv_str(w, "when", add->when);
    sti_writer_str(w, "to");
    sti_writer_array(w, add->to_count);
    for (size_t i = 0; i < add->to_count; i++) {
        sti_writer_str(w, add->to[i]);
    }
    if (add->event) {
        sti_writer_kv_str(w, "event", add->event);
    }
    if (prefix) {
        sti_writer_str(w, "prefix");
        sti_writer_strn(w, add->indicators, len - 1);
    } else if (add->indicators) {
        s_list(w, "indicators", add->indicators);
    }
    if (add->orgs) {
        s_list(w, "orgs", add->orgs);
    }
    if (add->categories) {
        s_list(w, "categories", add->categories);
    }
    if (add->severity) {
        sti_writer_kv_str(w, "severity", add->severity);
    }
    if (add->lang) {
        sti_writer_kv_str(w, "lang", add->lang);
    }
    if (add->group_by) {
        s_list(w, "group_by", add->group_by);
    }
    if (add->wait >= 0) {
        sti_writer_kv_int(w, "group_wait", add->wait);
    }
    if (add->interval >= 0) {
        sti_writer_kv_int(w, "group_interval", add->interval);
    }
    if (add->repeat >= 0) {
        sti_writer_kv_int(w, "repeat_interval", add->repeat);
    }
}

static int s_add(stictl_t *ctl, int argc, char **argv)
{
    s_add_t add;
    int rc = s_parse_add(argc, argv, &add);
    if (rc != 0) {
        return rc;
    }
    sti_writer_t *request = stictl_request("rule.add", NULL, 0);
    s_write_add(request, &add);
    sti_reply_t reply;
    if ((rc = stictl_call_ok(ctl, "sti.notify", &request, &reply)) != 0) {
        return rc;
    }
    char id[64];
    if (ctl->json) {
        cJSON *json = stictl_json_from_node(reply.body);
        stictl_json_print(&json);
    } else {
        printf("%s\n", stictl_map_text(reply.body, "id", id, sizeof id));
    }
    sti_reply_release(&reply);
    return STICTL_OK;
}

//  Prints one rule's line: ID NAME EVENT WHEN SEVERITY RECEIVERS.
static void s_print_rule(sti_node_t rule)
{
    char id[64], name[256], event[64], when[256], severity[32];
    stictl_map_text(rule, "id", id, sizeof id);
    stictl_map_text(rule, "name", name, sizeof name);
    stictl_map_text(rule, "event", event, sizeof event);
    stictl_map_text(rule, "when", when, sizeof when);
    stictl_map_text(rule, "severity", severity, sizeof severity);
    printf("%-8s ", id);
    stictl_print_padded(stdout, stictl_text_fit(name, 24), 25);
    printf("%-18s %-24s %-9s", event, when, severity);
    sti_node_t to = sti_node_get(rule, "to");
    for (size_t i = 0; i < sti_node_size(to); i++) {
        char spec[2400];
        printf("%s%s", i ? ", " : " ", stictl_node_text(sti_node_at(to, i), spec, sizeof spec));
    }
    printf("\n");
}

static int s_show(stictl_t *ctl, const char *op, const char *id)
{
    sti_writer_t *request = stictl_request(op, NULL, 0);
    if (id) {
        sti_writer_map(request, 1);
        sti_writer_kv_str(request, "id", id);
    } else {
        sti_writer_map(request, 0);
    }
    sti_reply_t reply;
    int rc = stictl_call_ok(ctl, "sti.notify", &request, &reply);
    if (rc != 0) {
        return rc;
    }
    if (ctl->json || strcmp(op, "rule.get") == 0) {
        cJSON *json = stictl_json_from_node(reply.body);
        if (!ctl->json) {
            char *text = cJSON_Print(json);
            printf("%s\n", text);
            free(text);
            cJSON_Delete(json);
        } else {
            stictl_json_print(&json);
        }
    } else if (strcmp(op, "rule.list") == 0) {
        sti_node_t rules = sti_node_get(reply.body, "rules");
        for (size_t i = 0; i < sti_node_size(rules); i++) {
            s_print_rule(sti_node_at(rules, i));
        }
    } else {
        printf("removed %s\n", id);
    }
    sti_reply_release(&reply);
    return STICTL_OK;
}

int stictl_rule(stictl_t *ctl, int argc, char **argv)
{
    const char *action = argc > 1 ? argv[1] : "";
    if (strcmp(action, "add") == 0 && argc >= 3) {
        return s_add(ctl, argc, argv);
    }
    if (strcmp(action, "list") == 0 && argc == 2) {
        return s_show(ctl, "rule.list", NULL);
    }
    if (strcmp(action, "show") == 0 && argc == 3) {
        return s_show(ctl, "rule.get", argv[2]);
    }
    if ((strcmp(action, "rm") == 0 || strcmp(action, "remove") == 0) && argc == 3) {
        return s_show(ctl, "rule.remove", argv[2]);
    }
    return stictl_usage_error(argv[0], "which action? (add NAME ..., list, show ID, rm ID)");
}
