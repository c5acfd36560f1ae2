/*  stictl org: the org units values are reported for (org.add, org.list on
    sti.indicators).

    The plan brings only its root, the district; towns, streets and
    platforms are added by operators under an existing unit. The service
    checks the code and the parent and says why it refuses; adding a unit
    that already exists with the same parent and names changes nothing.
    `org list` prints a table whose columns line up with Chinese names.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sti_catalog.h"
#include "stictl.h"

const char stictl_org_usage[] =
    "usage: stictl org add CODE --parent PARENT --name NAME [--name-en NAME] [--json]\n"
    "       stictl org list [--json]\n"
    "\n"
    "add: adds org unit CODE (a-z, 0-9, _ and -, at most 64) under PARENT, an\n"
    "existing unit (the plan's root is the district, e.g. linping). NAME is the\n"
    "Chinese name, --name-en the English one. Adding the same unit again changes\n"
    "nothing. Prints `org CODE: added` (or `unchanged`); --json {\"code\", \"changed\"}.\n"
    "list: prints every unit: code, parent, Chinese and English names; --json\n"
    "prints the service's {\"orgs\": [{\"code\", \"parent\", \"name_zh\", \"name_en\"}]}.\n"
    "Exit 1 when the service refuses (unknown parent, bad code), with its reason.\n";

//  `org add`. Returns an exit code.
static int s_add(stictl_t *ctl, int argc, char **argv)
{
    const char *code = NULL, *parent = NULL, *name = NULL, *name_en = NULL, *value = NULL;
    for (int i = 2; i < argc; i++) {
        if ((value = stictl_flag(argc, argv, &i, "--parent"))) {
            parent = value;
        } else if ((value = stictl_flag(argc, argv, &i, "--name-en"))) {
            name_en = value;
        } else if ((value = stictl_flag(argc, argv, &i, "--name"))) {
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
        printf("org %s: %s\n", code, changed ? "added" : "unchanged");
    }
    sti_reply_release(&reply);
    return rc;
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

int stictl_org(stictl_t *ctl, int argc, char **argv)
{
    if (argc < 2) {
        return stictl_usage_error(argv[0], "which action? (add, list)");
    }
    if (strcmp(argv[1], "add") == 0) {
        return s_add(ctl, argc, argv);
    }
    if (strcmp(argv[1], "list") == 0) {
        return s_list(ctl, argc, argv);
    }
    return stictl_usage_error(argv[0], "unknown action '%s' (add, list)", argv[1]);
}
