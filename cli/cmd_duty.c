/*  stictl duty: who owes which figure, by when (the reporting duties:
    org.set_type, duty.assign, duty.set, duty.rule, duty.list on
    sti.indicators; docs/completeness.md).

    The command line is checked here (flags and their values); whether the
    org units, types and indicators exist is the service's call, and its
    reasons are printed as they come, one line per refused code.
*/
#include <stdio.h>
#include <string.h>

#include "stictl.h"

const char stictl_duty_usage[] =
    "usage: stictl duty type ORG TYPE\n"
    "       stictl duty assign TYPE [CODE...]\n"
    "       stictl duty set ORG [--add CODE]... [--drop CODE]... [--contact NAME]\n"
    "                           [--phone PHONE] [--email EMAIL] [--dingtalk ID]\n"
    "       stictl duty rule CODE [--frequency year|quarter|month] [--due P2M]\n"
    "       stictl duty list [--org ORG] [--json]\n"
    "\n"
    "type: sets org unit ORG's unit type (town, street, platform, department,\n"
    "district). assign: the indicators every unit of TYPE reports (replaces the\n"
    "list; none: assigns nothing). set: ORG's own duties, added to or dropped from\n"
    "its type's, and its responsible contact (replaces what was set before).\n"
    "rule: how often indicator CODE is reported and by when after its period\n"
    "ends (ISO 8601: P2M = by the end of the second month, P20D = within 20\n"
    "days), over the catalog's; neither flag: back to the catalog's.\n"
    "Each write prints `changed` or `unchanged` (it was so already).\n"
    "list: the types' indicators, then each unit with its type, contact and\n"
    "indicators (CODE/FREQUENCY/DUE, * where an admin set the rule).\n"
    "Exit 4 when there is no org unit ORG or indicator CODE, 1 when the service\n"
    "refuses a code or value (each named on stderr).\n";

//  Sends a write and prints changed/unchanged. Returns an exit code.
static int s_send(stictl_t *ctl, sti_writer_t *request, const char *what)
{
    sti_reply_t reply;
    int rc = stictl_call_ok(ctl, "sti.indicators", &request, &reply);
    if (rc != 0) {
        return rc;
    }
    bool changed = false;
    sti_field_error_t err;
    sti_map_bool(reply.body, "changed", &changed, &err);
    if (ctl->json) {
        cJSON *json = stictl_json_from_node(reply.body);
        stictl_json_print(&json);
    } else {
        printf("%s: %s\n", what, changed ? "changed" : "unchanged");
    }
    sti_reply_release(&reply);
    return 0;
}

static int s_type(stictl_t *ctl, int argc, char **argv)
{
    if (argc != 3) {
        return stictl_usage_error("duty", "type wants ORG TYPE");
    }
    sti_writer_t *request = stictl_request("org.set_type", NULL, 0);
    sti_writer_map(request, 2);
    sti_writer_kv_str(request, "org", argv[1]);
    sti_writer_kv_str(request, "type", argv[2]);
    char what[160];
    snprintf(what, sizeof what, "org %.64s type %.32s", argv[1], argv[2]);
    return s_send(ctl, request, what);
}

static int s_assign(stictl_t *ctl, int argc, char **argv)
{
    if (argc < 2) {
        return stictl_usage_error("duty", "assign wants TYPE [CODE...]");
    }
    sti_writer_t *request = stictl_request("duty.assign", NULL, 0);
    sti_writer_map(request, 2);
    sti_writer_kv_str(request, "type", argv[1]);
    sti_writer_str(request, "indicators");
    sti_writer_array(request, (size_t)(argc - 2));
    for (int i = 2; i < argc; i++) {
        sti_writer_str(request, argv[i]);
    }
    char what[160];
    snprintf(what, sizeof what, "type %.32s: %d indicators", argv[1], argc - 2);
    return s_send(ctl, request, what);
}

//  Writes the codes given with flag (--add, --drop) as an array.
static void s_codes(sti_writer_t *request, int argc, char **argv, const char *flag)
{
    size_t count = 0;
    for (int i = 2; i < argc; i++) {
        count += strcmp(argv[i - 1], flag) == 0;
    }
    sti_writer_str(request, flag + 2);
    sti_writer_array(request, count);
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i - 1], flag) == 0) {
            sti_writer_str(request, argv[i]);
        }
    }
}

static int s_set(stictl_t *ctl, int argc, char **argv)
{
    static const char *const flags[] = {"--contact", "--phone", "--email", "--dingtalk"};
    static const char *const keys[] = {"contact_name", "contact_phone", "contact_email",
                                       "contact_dingtalk"};
    const char *contact[4] = {"", "", "", ""};
    if (argc < 2 || argv[1][0] == '-') {
        return stictl_usage_error("duty", "set wants ORG first");
    }
    for (int i = 2; i < argc; i++) {
        bool known =
            (strcmp(argv[i], "--add") == 0 || strcmp(argv[i], "--drop") == 0) && i + 1 < argc;
        for (size_t f = 0; f < 4 && !known; f++) {
            if (strcmp(argv[i], flags[f]) == 0 && i + 1 < argc) {
                contact[f] = argv[i + 1];
                known = true;
            }
        }
        if (!known) {
            return stictl_usage_error("duty", "unexpected argument '%s'", argv[i]);
        }
        i++;
    }
    sti_writer_t *request = stictl_request("duty.set", NULL, 0);
    sti_writer_map(request, 7);
    sti_writer_kv_str(request, "org", argv[1]);
    s_codes(request, argc, argv, "--add");
    s_codes(request, argc, argv, "--drop");
    for (size_t f = 0; f < 4; f++) {
        sti_writer_kv_str(request, keys[f], contact[f]);
    }
    char what[160];
    snprintf(what, sizeof what, "duties of %.64s", argv[1]);
    return s_send(ctl, request, what);
}

static int s_rule(stictl_t *ctl, int argc, char **argv)
{
    const char *frequency = NULL, *due = NULL, *value;
    if (argc < 2 || argv[1][0] == '-') {
        return stictl_usage_error("duty", "rule wants CODE first");
    }
    for (int i = 2; i < argc; i++) {
        if ((value = stictl_flag_value(argc, argv, &i, "--frequency"))) {
            frequency = value;
        } else if ((value = stictl_flag_value(argc, argv, &i, "--due"))) {
            due = value;
        } else {
            return stictl_usage_error("duty", "unexpected argument '%s'", argv[i]);
        }
    }
    sti_writer_t *request = stictl_request("duty.rule", NULL, 0);
    sti_writer_map(request, 1 + (frequency != NULL) + (due != NULL));
    sti_writer_kv_str(request, "indicator", argv[1]);
    if (frequency) {
        sti_writer_kv_str(request, "frequency", frequency);
    }
    if (due) {
        sti_writer_kv_str(request, "due", due);
    }
    char what[160];
    snprintf(what, sizeof what, "rule of %.64s", argv[1]);
    return s_send(ctl, request, what);
}

//  Prints one unit of duty.list.
static void s_print_unit(sti_node_t unit)
{
    char code[80], name[300], type[32], text[300];
    printf("%s %s [%s]", stictl_map_text(unit, "org", code, sizeof code),
           stictl_map_text(unit, "name_zh", name, sizeof name),
           stictl_map_text(unit, "type", type, sizeof type));
    static const char *const keys[] = {"contact_name", "contact_phone", "contact_email",
                                       "contact_dingtalk"};
    for (size_t k = 0; k < 4; k++) {
        stictl_map_text(unit, keys[k], text, sizeof text);
        if (text[0] && strcmp(text, "-") != 0) {
            printf(" %s", text);
        }
    }
    putchar('\n');
    sti_node_t duties = sti_node_get(unit, "indicators");
    for (size_t i = 0; i < sti_node_size(duties); i++) {
        sti_node_t duty = sti_node_at(duties, i);
        char freq[16], due[16];
        bool set = false;
        sti_field_error_t err;
        sti_map_bool(duty, "rule_set", &set, &err);
        printf("  %s/%s/%s%s\n", stictl_map_text(duty, "indicator", code, sizeof code),
               stictl_map_text(duty, "frequency", freq, sizeof freq),
               stictl_map_text(duty, "due", due, sizeof due), set ? " *" : "");
    }
}

//  Prints duty.list's answer: each type's indicators, then each unit's.
static void s_show_list(sti_node_t body, void *arg)
{
    (void)arg;
    char type[32], list[4096];
    sti_node_t types = sti_node_get(body, "types");
    for (size_t i = 0; i < sti_node_size(types); i++) {
        sti_node_t one = sti_node_at(types, i);
        printf("type %s: %s\n", stictl_map_text(one, "type", type, sizeof type),
               stictl_map_text(one, "indicators", list, sizeof list));
    }
    sti_node_t units = sti_node_get(body, "units");
    for (size_t i = 0; i < sti_node_size(units); i++) {
        s_print_unit(sti_node_at(units, i));
    }
}

static int s_list(stictl_t *ctl, int argc, char **argv)
{
    const char *org = NULL;
    for (int i = 1; i < argc; i++) {
        if (!(org = stictl_flag_value(argc, argv, &i, "--org"))) {
            return stictl_usage_error("duty", "unexpected argument '%s'", argv[i]);
        }
    }
    sti_writer_t *request = stictl_request("duty.list", NULL, 0);
    sti_writer_map(request, org != NULL);
    if (org) {
        sti_writer_kv_str(request, "org", org);
    }
    return stictl_call_show(ctl, "sti.indicators", &request, s_show_list, NULL);
}

int stictl_duty(stictl_t *ctl, int argc, char **argv)
{
    const char *sub = argc > 1 ? argv[1] : "";
    if (strcmp(sub, "type") == 0) {
        return s_type(ctl, argc - 1, argv + 1);
    }
    if (strcmp(sub, "assign") == 0) {
        return s_assign(ctl, argc - 1, argv + 1);
    }
    if (strcmp(sub, "set") == 0) {
        return s_set(ctl, argc - 1, argv + 1);
    }
    if (strcmp(sub, "rule") == 0) {
        return s_rule(ctl, argc - 1, argv + 1);
    }
    if (strcmp(sub, "list") == 0) {
        return s_list(ctl, argc - 1, argv + 1);
    }
    return stictl_usage_error(argv[0], "wants type, assign, set, rule or list");
}
