/*  stictl target set: sets the value an indicator should reach in a year
    (target.set on sti.indicators).

    The plan's own target table is not part of the text the catalog was
    built from, so targets are entered by operators, one at a time. The
    command line is checked here (a whole year, a finite number); whether
    the indicator exists and the value suits its unit is the service's call,
    and its reason is printed as it comes.
*/
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stictl.h"

const char stictl_target_usage[] =
    "usage: stictl target set CODE YEAR VALUE [--json]\n"
    "\n"
    "Sets the target of indicator CODE for YEAR (2000 to 2100) to VALUE, in the\n"
    "indicator's unit (see `stictl indicator show CODE`). Setting it again\n"
    "replaces it. Prints `target CODE YEAR VALUE: changed` (or `unchanged`);\n"
    "--json prints {\"indicator\", \"year\", \"value\", \"changed\"}.\n"
    "Exit 4 when there is no indicator CODE, 1 when the service refuses the value.\n";

//  Sends target.set and prints the outcome. Returns an exit code.
static int s_set(stictl_t *ctl, const char *code, long long year, double value)
{
    sti_writer_t *request = stictl_request("target.set", NULL, 0);
    sti_writer_map(request, 3);
    sti_writer_kv_str(request, "indicator", code);
    sti_writer_kv_int(request, "year", year);
    sti_writer_kv_double(request, "value", value);
    sti_reply_t reply;
    int rc = stictl_call(ctl, "sti.indicators", request, &reply);
    sti_writer_destroy(&request);
    if (rc != 0) {
        return rc;
    }
    if (!reply.ok) {
        rc = stictl_print_error(&reply);
        sti_reply_release(&reply);
        return rc;
    }
    bool changed = false;
    sti_field_error_t err;
    if (sti_map_bool(reply.body, "changed", &changed, &err) != 0) {
        fprintf(stderr, "stictl target: sti.indicators answered oddly: %s: %s\n", err.field,
                err.reason);
        sti_reply_release(&reply);
        return STICTL_FAILED;
    }
    if (ctl->json) {
        cJSON *json = cJSON_CreateObject();
        cJSON_AddStringToObject(json, "indicator", code);
        cJSON_AddNumberToObject(json, "year", (double)year);
        cJSON_AddNumberToObject(json, "value", value);
        cJSON_AddBoolToObject(json, "changed", changed);
        stictl_json_print(&json);
    } else {
        printf("target %s %lld %.10g: %s\n", code, year, value, changed ? "changed" : "unchanged");
    }
    sti_reply_release(&reply);
    return STICTL_OK;
}

int stictl_target(stictl_t *ctl, int argc, char **argv)
{
    if (argc < 2) {
        return stictl_usage_error(argv[0], "which action? (set)");
    }
    if (strcmp(argv[1], "set") != 0) {
        return stictl_usage_error(argv[0], "unknown action '%s' (set)", argv[1]);
    }
    if (argc != 5) {
        return stictl_usage_error(argv[0], "set wants CODE YEAR VALUE, got %d argument%s", argc - 2,
                                  argc == 3 ? "" : "s");
    }
    long long year = 0;
    if (stictl_parse_int(argv[3], 2000, 2100, &year) != 0) {
        return stictl_usage_error(argv[0], "YEAR must be a year from 2000 to 2100, not '%s'",
                                  argv[3]);
    }
    char *end = NULL;
    errno = 0;
    double value = strtod(argv[4], &end);
    if (errno || !*argv[4] || *end || !isfinite(value)) {
        return stictl_usage_error(argv[0], "VALUE must be a number, not '%s'", argv[4]);
    }
    return s_set(ctl, argv[2], year, value);
}
