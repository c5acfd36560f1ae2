/*  stictl token: API tokens for machines (token.new, token.list,
    token.revoke on sti.gateway; admin only; docs/gateway.md).

    `new` prints the token once, alone on its last line (so a script takes
    `tail -n 1`): only its digest is kept. --expires takes 90s, 30m, 12h or
    30d.
*/
#include <stdio.h>
#include <string.h>

#include "sti_quantity.h"
#include "stictl.h"

const char stictl_token_usage[] =
    "usage: stictl token new NAME --role ROLE [--org UNIT] [--expires 30d]\n"
    "       stictl token list [--json]\n"
    "       stictl token revoke NAME\n"
    "\n"
    "API tokens for other systems: `Authorization: Bearer TOKEN` on sti-gateway.\n"
    "new: ROLE is reader, clerk, officer or admin; UNIT limits the token to an org\n"
    "unit and the units under it; --expires (90s, 30m, 12h, 30d; at least 60s)\n"
    "ends it, else it works until revoked. The token is printed once, alone on the\n"
    "last line: only its digest is kept.\n"
    "revoke: the token stops working at once.\n"
    "Admin only.\n";

//  Parses --expires: a duration (sti_quantity: 90s, 30m, 12h, 30d) of 60
//  seconds to ten years, into whole seconds. Returns 0 or -1.
static int s_expires(const char *text, long long *seconds)
{
    int64_t ms;
    if (sti_quantity_parse(STI_QUANTITY_DURATION, text, STI_QUANTITY_BARE_NONE, &ms) != 0 ||
        ms < 60000 || ms > 3650LL * 86400000) {
        return -1;
    }
    *seconds = ms / 1000;
    return 0;
}

//  Prints token.new's answer; arg: the name, role and org (or NULL) asked.
static void s_show_new(sti_node_t body, void *arg)
{
    const char **asked = (const char **)arg;
    const char *org = asked[2];
    char token[80], expiry[48];
    stictl_map_text(body, "token", token, sizeof token);
    stictl_map_time(body, "expires", expiry, sizeof expiry);
    printf("token %s, role %s%s%s, %s%s; shown once:\n%s\n", asked[0], asked[1],
           org ? ", org " : "", org ? org : "", strcmp(expiry, "-") ? "expires " : "until revoked",
           strcmp(expiry, "-") ? expiry : "", token);
}

static int s_new(stictl_t *ctl, int argc, char **argv)
{
    const char *name = NULL, *role = NULL, *org = NULL;
    long long expires = 0;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--role") == 0 && i + 1 < argc) {
            role = argv[++i];
        } else if (strcmp(argv[i], "--org") == 0 && i + 1 < argc) {
            org = argv[++i];
        } else if (strcmp(argv[i], "--expires") == 0 && i + 1 < argc) {
            if (s_expires(argv[++i], &expires) != 0) {
                return stictl_usage_error(
                    argv[0],
                    "--expires: '%s' is not a duration from 60s to 3650d (90s, 30m, 12h, 30d)",
                    argv[i]);
            }
        } else if (argv[i][0] != '-' && !name) {
            name = argv[i];
        } else {
            return stictl_usage_error(argv[0], "unexpected argument '%s'", argv[i]);
        }
    }
    if (!name || !role) {
        return stictl_usage_error(argv[0], "new needs NAME and --role ROLE");
    }
    sti_writer_t *request = stictl_request("token.new", NULL, 0);
    sti_writer_map(request, 2 + (org ? 1 : 0) + (expires ? 1 : 0));
    sti_writer_kv_str(request, "name", name);
    sti_writer_kv_str(request, "role", role);
    if (org) {
        sti_writer_kv_str(request, "org", org);
    }
    if (expires) {
        sti_writer_kv_int(request, "expires_s", expires);
    }
    const char *asked[] = {name, role, org};
    return stictl_call_show(ctl, "sti.gateway", &request, s_show_new, asked);
}

static int s_list(stictl_t *ctl)
{
    sti_writer_t *request = stictl_request("token.list", NULL, 0);
    sti_writer_map(request, 0);
    sti_reply_t reply;
    int rc = stictl_call_ok(ctl, "sti.gateway", &request, &reply);
    if (rc != 0) {
        return rc;
    }
    sti_node_t tokens = sti_node_get(reply.body, "tokens");
    if (ctl->json) {
        cJSON *json = stictl_json_from_node(tokens);
        stictl_json_print(&json);
    } else {
        printf("%-20s %-8s %-16s %-26s %s\n", "NAME", "ROLE", "ORG", "EXPIRES", "BY");
        for (size_t i = 0; i < sti_node_size(tokens); i++) {
            sti_node_t token = sti_node_at(tokens, i);
            char name[80], role[32], org[80], expires[48], by[80];
            stictl_map_text(token, "name", name, sizeof name);
            stictl_map_text(token, "role", role, sizeof role);
            stictl_map_text(token, "org", org, sizeof org);
            stictl_map_time(token, "expires", expires, sizeof expires);
            stictl_map_text(token, "by", by, sizeof by);
            printf("%-20s %-8s %-16s %-26s %s\n", name, role, org[0] ? org : "-",
                   strcmp(expires, "-") ? expires : "never", by);
        }
    }
    sti_reply_release(&reply);
    return STICTL_OK;
}

static int s_revoke(stictl_t *ctl, int argc, char **argv)
{
    if (argc != 3) {
        return stictl_usage_error(argv[0], "revoke takes NAME");
    }
    return stictl_call_on(ctl, "sti.gateway", "token.revoke", argv[2], "token", "revoked");
}

int stictl_token(stictl_t *ctl, int argc, char **argv)
{
    const char *action = argc >= 2 ? argv[1] : "";
    if (strcmp(action, "new") == 0) {
        return s_new(ctl, argc, argv);
    }
    if (strcmp(action, "list") == 0) {
        return argc == 2 ? s_list(ctl) : stictl_usage_error(argv[0], "list takes no arguments");
    }
    if (strcmp(action, "revoke") == 0) {
        return s_revoke(ctl, argc, argv);
    }
    return stictl_usage_error(argv[0], "which action? (new, list, revoke)");
}
