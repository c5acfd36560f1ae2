/*  stictl plan load: loads a plan directory (docs/plan-format.md), talent
    codes included, into the catalog of sti.indicators.

    The directory is read and checked here, in full, with the same loader
    the services use (sti_catalog_load_dir), so a broken file is named with
    its record and field before anything is sent; the catalog then goes to
    plan.load as the bytes sti_catalog_write makes. The service stores it
    and says whether anything changed: loading the same plan twice is
    harmless.
*/
#include <stdio.h>
#include <string.h>

#include "sti_catalog.h"
#include "sti_catalog_io.h"
#include "stictl.h"

const char stictl_plan_usage[] =
    "usage: stictl plan load DIR [--json]\n"
    "\n"
    "Reads the plan directory DIR (plan.json, units.json, tags.json,\n"
    "org_units.json, indicators.json; talent.json when the plan has a talent\n"
    "registry, projects.json when its projects feed indicators; see\n"
    "docs/plan-format.md), checks it, and loads it into sti.indicators, where\n"
    "every service reads it (sti-talent its talent codes, sti-projects its feeds).\n"
    "Loading the same plan again changes nothing.\n"
    "Prints `plan CODE: changed` (or `unchanged`), with the number of\n"
    "progress.changed events when the new plan moved progress (a baseline, a\n"
    "formula) and of indicator.forecast_changed events when it moved a forecast's\n"
    "class; --json {\"code\", \"changed\", \"events\", \"forecast_events\"}.\n"
    "Exit 2 when DIR cannot be read or is not a valid plan (the error names the\n"
    "file, the record and the field), 1 when the service refuses it (a plan of\n"
    "another code than the one loaded: conflict).\n";

//  Sends the catalog as plan.load and prints the outcome. Returns an exit code.
static int s_send(stictl_t *ctl, const sti_catalog_t *catalog)
{
    sti_writer_t *request = stictl_request("plan.load", NULL, 0);
    sti_writer_map(request, 1);
    sti_writer_str(request, "plan");
    sti_catalog_write(catalog, request);
    sti_reply_t reply;
    int rc = stictl_call_ok(ctl, "sti.indicators", &request, &reply);
    if (rc != 0) {
        return rc;
    }
    bool changed = false;
    int64_t events = 0;
    char code[STI_CODE_MAX] = "";
    sti_field_error_t err;
    if (sti_map_int(reply.body, "events", &events, &err) != 0) {
        events = 0; // a service from before progress events
    }
    if (sti_map_bool(reply.body, "changed", &changed, &err) != 0 ||
        sti_map_str_copy(reply.body, "code", code, sizeof code, &err) != 0) {
        fprintf(stderr, "stictl plan: sti.indicators answered oddly: %s: %s\n", err.field,
                err.reason);
        rc = STICTL_FAILED;
    } else if (ctl->json) {
        cJSON *json = cJSON_CreateObject();
        cJSON_AddStringToObject(json, "code", code);
        cJSON_AddBoolToObject(json, "changed", changed);
        cJSON_AddNumberToObject(json, "events", (double)events);
        int64_t forecasts = 0;
        sti_map_int(reply.body, "forecast_events", &forecasts, &err);
        cJSON_AddNumberToObject(json, "forecast_events", (double)forecasts);
        stictl_json_print(&json);
    } else {
        char sent[96];
        printf("plan %s: %s%s\n", code, changed ? "changed" : "unchanged",
               stictl_events_sent(reply.body, sent, sizeof sent));
    }
    sti_reply_release(&reply);
    return rc;
}

int stictl_plan(stictl_t *ctl, int argc, char **argv)
{
    if (argc < 2) {
        return stictl_usage_error(argv[0], "which action? (load)");
    }
    if (strcmp(argv[1], "load") != 0) {
        return stictl_usage_error(argv[0], "unknown action '%s' (load)", argv[1]);
    }
    if (argc != 3 || argv[2][0] == '-') {
        return stictl_usage_error(argv[0], "load wants one DIR");
    }
    char err[1024] = "";
    sti_catalog_t *catalog = sti_catalog_load_dir(argv[2], err, sizeof err);
    if (!catalog) {
        fprintf(stderr, "stictl plan load: %s: %s\n", argv[2], err);
        return STICTL_USAGE;
    }
    int rc = s_send(ctl, catalog);
    sti_catalog_destroy(&catalog);
    return rc;
}
