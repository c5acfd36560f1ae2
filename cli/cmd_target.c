/*  stictl target: the values indicators should reach, per year and org
    unit (target.set, target.remove, target.list on sti.indicators).

    The plan's own target table is not part of the text the catalog was
    built from, so targets are entered by operators, one at a time: the
    district's (the root's, the plan's own) and any town's or department's
    share. The command line is checked here (a whole year, a finite
    number); whether the indicator and the org unit exist and the value
    suits its unit is the service's call, and its reason is printed as it
    comes. A change that moves progress sends progress.changed events; the
    command says how many.
*/
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sti_catalog.h"
#include "stictl.h"

const char stictl_target_usage[] =
    "usage: stictl target set CODE YEAR VALUE [--org ORG] [--json]\n"
    "       stictl target rm CODE YEAR [--org ORG] [--json]\n"
    "       stictl target list [--indicator CODE] [--org ORG] [--json]\n"
    "\n"
    "set: sets the target of indicator CODE for YEAR (2000 to 2100) to VALUE, in\n"
    "the indicator's unit (see `stictl indicator show CODE`), at org unit ORG\n"
    "(default: the root, the district; a town's target is its share, and its\n"
    "progress is measured from its own value of the baseline period). Setting it\n"
    "again replaces it. Prints `target CODE YEAR VALUE [at ORG]: changed` (or\n"
    "`unchanged`), with the number of progress.changed events the change sent\n"
    "and of indicator.forecast_changed events (a forecast's class moved, the\n"
    "plan's early warning); --json prints {\"indicator\", \"org\", \"year\",\n"
    "\"value\", \"changed\", \"events\", \"forecast_events\"}.\n"
    "rm: removes that target: `removed`, or `not set` when there was none.\n"
    "list: every target set, one line each: CODE ORG ORG-NAME YEAR VALUE.\n"
    "Exit 4 when there is no indicator CODE or org unit ORG, 1 when the service\n"
    "refuses the value (or ORG is retired).\n";

//  Sends target.set (value) or target.remove (value NULL) and prints the
//  outcome. Returns an exit code.
static int s_change(stictl_t *ctl, const char *code, long long year, const double *value,
                    const char *org)
{
    sti_writer_t *request = stictl_request(value ? "target.set" : "target.remove", NULL, 0);
    sti_writer_map(request, 2 + (value ? 1 : 0) + (org ? 1 : 0));
    sti_writer_kv_str(request, "indicator", code);
    sti_writer_kv_int(request, "year", year);
    if (value) {
        sti_writer_kv_double(request, "value", *value);
    }
    if (org) {
        sti_writer_kv_str(request, "org", org);
    }
    sti_reply_t reply;
    int rc = stictl_call_ok(ctl, "sti.indicators", &request, &reply);
    if (rc != 0) {
        return rc;
    }
    bool changed = false;
    int64_t events = 0, forecasts = 0;
    sti_field_error_t err;
    if (sti_map_bool(reply.body, "changed", &changed, &err) != 0) {
        fprintf(stderr, "stictl target: sti.indicators answered oddly: %s: %s\n", err.field,
                err.reason);
        sti_reply_release(&reply);
        return STICTL_FAILED;
    }
    sti_map_int(reply.body, "events", &events, &err);
    sti_map_int(reply.body, "forecast_events", &forecasts, &err);
    if (ctl->json) {
        cJSON *json = cJSON_CreateObject();
        cJSON_AddStringToObject(json, "indicator", code);
        org ? cJSON_AddStringToObject(json, "org", org) : cJSON_AddNullToObject(json, "org");
        cJSON_AddNumberToObject(json, "year", (double)year);
        value ? cJSON_AddNumberToObject(json, "value", *value)
              : cJSON_AddNullToObject(json, "value");
        cJSON_AddBoolToObject(json, "changed", changed);
        cJSON_AddNumberToObject(json, "events", (double)events);
        cJSON_AddNumberToObject(json, "forecast_events", (double)forecasts);
        stictl_json_print(&json);
    } else {
        char what[64] = "", sent[96];
        if (value) {
            snprintf(what, sizeof what, " %.10g", *value);
        }
        printf("target %s %lld%s%s%s: %s%s\n", code, year, what, org ? " at " : "", org ? org : "",
               value ? (changed ? "changed" : "unchanged") : (changed ? "removed" : "not set"),
               stictl_events_sent(reply.body, sent, sizeof sent));
    }
    sti_reply_release(&reply);
    return STICTL_OK;
}

//  `target list`. Returns an exit code.
static int s_list(stictl_t *ctl, const char *indicator, const char *org)
{
    sti_writer_t *request = stictl_request("target.list", NULL, 0);
    sti_writer_map(request, (indicator ? 1 : 0) + (org ? 1 : 0));
    if (indicator) {
        sti_writer_kv_str(request, "indicator", indicator);
    }
    if (org) {
        sti_writer_kv_str(request, "org", org);
    }
    sti_reply_t reply;
    int rc = stictl_call_ok(ctl, "sti.indicators", &request, &reply);
    if (rc != 0) {
        return rc;
    }
    sti_node_t targets = sti_node_get(reply.body, "targets");
    if (ctl->json) {
        cJSON *json = stictl_json_from_node(reply.body);
        stictl_json_print(&json);
    } else {
        char a[80], b[80], c[24], d[64], name[STI_NAME_MAX];
        stictl_orgs_t orgs;
        if (sti_node_size(targets) > 0) {
            stictl_orgs_get(ctl, &orgs); // without it, the name column shows codes
        } else {
            memset(&orgs, 0, sizeof orgs);
        }
        for (size_t i = 0; i < sti_node_size(targets); i++) {
            sti_node_t t = sti_node_at(targets, i);
            stictl_map_text(t, "org", b, sizeof b);
            printf("%-36s %-20s ", stictl_map_text(t, "indicator", a, sizeof a), b);
            stictl_orgs_name(&orgs, b, name, sizeof name);
            stictl_print_padded(stdout, stictl_text_fit(name, 20), 20);
            printf(" %s %s\n", stictl_map_text(t, "year", c, sizeof c),
                   stictl_map_text(t, "value", d, sizeof d));
        }
        stictl_orgs_release(&orgs);
    }
    sti_reply_release(&reply);
    return STICTL_OK;
}

//  Parses set / rm: CODE YEAR [VALUE] and --org. Returns an exit code.
static int s_set_or_remove(stictl_t *ctl, int argc, char **argv, bool set)
{
    const char *positional[3] = {NULL, NULL, NULL}, *org = NULL, *value_text = NULL;
    int count = 0, want = set ? 3 : 2;
    for (int i = 2; i < argc; i++) {
        if ((value_text = stictl_flag_value(argc, argv, &i, "--org"))) {
            org = value_text;
        } else if (argv[i][0] == '-' && argv[i][1] && !isdigit((unsigned char)argv[i][1])) {
            return stictl_usage_error(argv[0], "unknown flag %s, or it needs a value", argv[i]);
        } else if (count < 3) {
            positional[count++] = argv[i];
        } else {
            return stictl_usage_error(argv[0], "'%s' is extra", argv[i]);
        }
    }
    if (count != want) {
        return stictl_usage_error(argv[0], "%s wants CODE YEAR%s, got %d argument%s", argv[1],
                                  set ? " VALUE" : "", count, count == 1 ? "" : "s");
    }
    long long year = 0;
    if (stictl_parse_int(positional[1], 2000, 2100, &year) != 0) {
        return stictl_usage_error(argv[0], "YEAR must be a year from 2000 to 2100, not '%s'",
                                  positional[1]);
    }
    double value = 0;
    if (set) {
        char *end = NULL;
        errno = 0;
        value = strtod(positional[2], &end);
        if (errno || !*positional[2] || *end || !isfinite(value)) {
            return stictl_usage_error(argv[0], "VALUE must be a number, not '%s'", positional[2]);
        }
    }
    return s_change(ctl, positional[0], year, set ? &value : NULL, org);
}

int stictl_target(stictl_t *ctl, int argc, char **argv)
{
    if (argc < 2) {
        return stictl_usage_error(argv[0], "which action? (set, rm, list)");
    }
    if (strcmp(argv[1], "set") == 0 || strcmp(argv[1], "rm") == 0 ||
        strcmp(argv[1], "remove") == 0) {
        return s_set_or_remove(ctl, argc, argv, strcmp(argv[1], "set") == 0);
    }
    if (strcmp(argv[1], "list") != 0) {
        return stictl_usage_error(argv[0], "unknown action '%s' (set, rm, list)", argv[1]);
    }
    const char *indicator = NULL, *org = NULL, *value = NULL;
    for (int i = 2; i < argc; i++) {
        if ((value = stictl_flag_value(argc, argv, &i, "--org"))) {
            org = value;
        } else if ((value = stictl_flag_value(argc, argv, &i, "--indicator"))) {
            indicator = value;
        } else {
            return stictl_usage_error(argv[0], "list: unexpected argument '%s'", argv[i]);
        }
    }
    return s_list(ctl, indicator, org);
}
