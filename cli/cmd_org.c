/*  stictl org: the org units values are reported for (org.add, org.list,
    org.rename, org.retire on sti.indicators).

    The plan brings only its root, the district; towns, streets and
    platforms are added by operators under an existing unit. The service
    checks the code and the parent and says why it refuses; adding a unit
    that already exists with the same parent and names changes nothing.
    `org list` prints a table whose columns line up with Chinese names. A
    rename keeps the code (and so every value and target); a retired unit
    takes no new values, and everything it had stays readable.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sti_catalog.h"
#include "stictl.h"

const char stictl_org_usage[] =
    "usage: stictl org add CODE --parent PARENT --name NAME [--name-en NAME] [--json]\n"
    "       stictl org list [--json]\n"
    "       stictl org rename CODE [--name NAME] [--name-en NAME] [--json]\n"
    "       stictl org retire CODE --reason TEXT [--undo] [--json]\n"
    "\n"
    "add: adds org unit CODE (a-z, 0-9, _ and -, at most 64) under PARENT, an\n"
    "existing unit (the plan's root is the district, e.g. linping). NAME is the\n"
    "Chinese name, --name-en the English one. Adding the same unit again changes\n"
    "nothing. Prints `org CODE: added` (or `unchanged`); --json {\"code\", \"changed\"}.\n"
    "list: prints every unit: code, parent, Chinese and English names; --json\n"
    "prints the service's {\"orgs\": [{\"code\", \"parent\", \"name_zh\", \"name_en\",\n"
    "\"former_names\", \"retired\", \"retired_at\", \"retired_reason\"}]}; a retired\n"
    "unit's line ends with 已撤销 (retired), the time in local time and the reason,\n"
    "a renamed unit's with 曾用名 and its names before.\n"
    "rename: gives CODE new names (the code, its values, targets and history stay;\n"
    "the names before are kept). Prints `org CODE: renamed` (or `unchanged`).\n"
    "retire: CODE takes no new values or targets from now on (sti-ingest refuses\n"
    "its rows, naming it); what it had stays readable. TEXT says why. --undo\n"
    "brings it back. Prints `org CODE: retired` (`restored`, `unchanged`).\n"
    "Exit 1 when the service refuses (unknown parent, bad code), with its reason.\n";

//  Sends request (org.add, org.rename or org.retire) and prints
//  `org CODE: WORD` with the word for a change or `unchanged`. Returns an exit code.
static int s_change(stictl_t *ctl, sti_writer_t *request, const char *code, const char *word)
{
    sti_reply_t reply;
    int rc = stictl_call_ok(ctl, "sti.indicators", &request, &reply);
    if (rc) {
        return rc;
    }
    bool changed = false;
    sti_field_error_t err;
    if (sti_map_bool(reply.body, "changed", &changed, &err) != 0) {
        fprintf(stderr, "stictl org: sti.indicators answered oddly: %s: %s\n", err.field,
                err.reason);
        rc = STICTL_FAILED;
    } else if (ctl->json) {
        cJSON *json = cJSON_CreateObject();
        cJSON_AddStringToObject(json, "code", code);
        cJSON_AddBoolToObject(json, "changed", changed);
        stictl_json_print(&json);
    } else {
        printf("org %s: %s\n", code, changed ? word : "unchanged");
    }
    sti_reply_release(&reply);
    return rc;
}

//  `org add`. Returns an exit code.
static int s_add(stictl_t *ctl, int argc, char **argv)
{
    const char *code = NULL, *parent = NULL, *name = NULL, *name_en = NULL, *value = NULL;
    for (int i = 2; i < argc; i++) {
        if ((value = stictl_flag_value(argc, argv, &i, "--parent"))) {
            parent = value;
        } else if ((value = stictl_flag_value(argc, argv, &i, "--name-en"))) {
            name_en = value;
        } else if ((value = stictl_flag_value(argc, argv, &i, "--name"))) {
            name = value;
        } else if (argv[i][0] == '-') {
            return stictl_usage_error(argv[0], "unknown flag %s, or it needs a value", argv[i]);
        } else if (!code) {
            code = argv[i];
        } else {
            return stictl_usage_error(argv[0], "one CODE only ('%s' is extra)", argv[i]);
        }
    }
    if (!code || !parent || !name) {
        return stictl_usage_error(argv[0], "add needs %s",
                                  !code     ? "CODE"
                                  : !parent ? "--parent PARENT"
                                            : "--name NAME");
    }
    sti_writer_t *request = stictl_request("org.add", NULL, 0);
    sti_writer_map(request, name_en ? 4 : 3);
    sti_writer_kv_str(request, "code", code);
    sti_writer_kv_str(request, "parent", parent);
    sti_writer_kv_str(request, "name_zh", name);
    if (name_en) {
        sti_writer_kv_str(request, "name_en", name_en);
    }
    return s_change(ctl, request, code, "added");
}

//  Ends a unit's line with its former names and retirement, when it has them.
static void s_print_state(sti_node_t org)
{
    char text[STI_TEXT_MAX], when[64];
    bool retired = false;
    sti_field_error_t err;
    stictl_map_text(org, "former_names", text, sizeof text);
    if (*text && strcmp(text, "-") != 0) {
        printf("  曾用名 %s", text);
    }
    if (sti_map_bool(org, "retired", &retired, &err) == 0 && retired) {
        printf("  已撤销 %s: %s", stictl_map_time(org, "retired_at", when, sizeof when),
               stictl_map_text(org, "retired_reason", text, sizeof text));
    }
}

//  Prints the org units as a table, columns sized to their widest cell.
static void s_print_orgs(sti_node_t orgs)
{
    static const char *const keys[] = {"code", "parent", "name_zh", "name_en"};
    static const char *const heads[] = {"CODE", "PARENT", "NAME", "NAME (EN)"};
    size_t count = sti_node_size(orgs), width[4];
    char cell[STI_NAME_MAX];
    for (int k = 0; k < 4; k++) {
        width[k] = strlen(heads[k]);
        for (size_t i = 0; i < count; i++) {
            stictl_map_text(sti_node_at(orgs, i), keys[k], cell, sizeof cell);
            size_t w = stictl_text_width(cell);
            width[k] = w > width[k] ? w : width[k];
        }
    }
    for (int k = 0; k < 4; k++) {
        stictl_print_padded(stdout, heads[k], k < 3 ? width[k] + 2 : 0);
    }
    putchar('\n');
    for (size_t i = 0; i < count; i++) {
        for (int k = 0; k < 4; k++) {
            stictl_map_text(sti_node_at(orgs, i), keys[k], cell, sizeof cell);
            stictl_print_padded(stdout, cell, k < 3 ? width[k] + 2 : 0);
        }
        s_print_state(sti_node_at(orgs, i));
        putchar('\n');
    }
}

//  `org list`. Returns an exit code.
static int s_list(stictl_t *ctl, int argc, char **argv)
{
    if (argc > 2) {
        return stictl_usage_error(argv[0], "list takes no arguments ('%s')", argv[2]);
    }
    sti_writer_t *request = stictl_request("org.list", NULL, 0);
    sti_writer_map(request, 0);
    sti_reply_t reply;
    int rc = stictl_call_ok(ctl, "sti.indicators", &request, &reply);
    if (rc) {
        return rc;
    }
    sti_node_t orgs = sti_node_get(reply.body, "orgs");
    if (sti_node_type(orgs) != STI_TYPE_ARRAY) {
        fprintf(stderr, "stictl org: sti.indicators answered without an orgs array\n");
        rc = STICTL_FAILED;
    } else if (ctl->json) {
        cJSON *json = stictl_json_from_node(reply.body);
        stictl_json_print(&json);
    } else {
        s_print_orgs(orgs);
    }
    sti_reply_release(&reply);
    return rc;
}

//  `org rename` and `org retire`. Returns an exit code.
static int s_rename_retire(stictl_t *ctl, int argc, char **argv, bool rename)
{
    const char *code = NULL, *name = NULL, *name_en = NULL, *reason = NULL, *value = NULL;
    bool undo = false;
    for (int i = 2; i < argc; i++) {
        if (rename && (value = stictl_flag_value(argc, argv, &i, "--name-en"))) {
            name_en = value;
        } else if (rename && (value = stictl_flag_value(argc, argv, &i, "--name"))) {
            name = value;
        } else if (!rename && (value = stictl_flag_value(argc, argv, &i, "--reason"))) {
            reason = value;
        } else if (!rename && strcmp(argv[i], "--undo") == 0) {
            undo = true;
        } else if (argv[i][0] == '-') {
            return stictl_usage_error(argv[0], "unknown flag %s, or it needs a value", argv[i]);
        } else if (!code) {
            code = argv[i];
        } else {
            return stictl_usage_error(argv[0], "one CODE only ('%s' is extra)", argv[i]);
        }
    }
    if (!code || (rename && !name && !name_en) || (!rename && !reason && !undo)) {
        return stictl_usage_error(argv[0], "%s needs %s", argv[1],
                                  !code    ? "CODE"
                                  : rename ? "--name NAME or --name-en NAME"
                                           : "--reason TEXT (or --undo)");
    }
    sti_writer_t *request = stictl_request(rename ? "org.rename" : "org.retire", NULL, 0);
    if (rename) {
        sti_writer_map(request, 1 + (name ? 1 : 0) + (name_en ? 1 : 0));
        sti_writer_kv_str(request, "code", code);
        if (name) {
            sti_writer_kv_str(request, "name_zh", name);
        }
        if (name_en) {
            sti_writer_kv_str(request, "name_en", name_en);
        }
        return s_change(ctl, request, code, "renamed");
    }
    sti_writer_map(request, 3);
    sti_writer_kv_str(request, "code", code);
    sti_writer_kv_str(request, "reason", reason ? reason : "restored");
    sti_writer_kv_bool(request, "undo", undo);
    return s_change(ctl, request, code, undo ? "restored" : "retired");
}

int stictl_org(stictl_t *ctl, int argc, char **argv)
{
    if (argc < 2) {
        return stictl_usage_error(argv[0], "which action? (add, list, rename, retire)");
    }
    if (strcmp(argv[1], "add") == 0) {
        return s_add(ctl, argc, argv);
    }
    if (strcmp(argv[1], "list") == 0) {
        return s_list(ctl, argc, argv);
    }
    if (strcmp(argv[1], "rename") == 0 || strcmp(argv[1], "retire") == 0) {
        return s_rename_retire(ctl, argc, argv, strcmp(argv[1], "rename") == 0);
    }
    return stictl_usage_error(argv[0], "unknown action '%s' (add, list, rename, retire)", argv[1]);
}
