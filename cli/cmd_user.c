/*  stictl user: the people who sign in to sti-gateway (user.add, user.list,
    user.passwd, user.disable on sti.gateway; admin only; docs/gateway.md).

    A password is never given on the command line (it would stay in the
    shell's history and in the process list): `add` and `passwd` have one
    made and print it once, alone on the last line, or read it from the
    first line of standard input with --password-stdin.
*/
#include <stdio.h>
#include <string.h>

#include "stictl.h"

#define S_PASSWORD_MAX 256 // longest password read from stdin, bytes

const char stictl_user_usage[] =
    "usage: stictl user add NAME --role ROLE [--org UNIT] [--display TEXT] [--password-stdin]\n"
    "       stictl user list [--json]\n"
    "       stictl user passwd NAME [--password-stdin]\n"
    "       stictl user disable NAME\n"
    "\n"
    "The people who sign in to sti-gateway's web API (POST /api/v1/session).\n"
    "add: ROLE is reader, clerk, officer or admin; UNIT (an org unit's code) limits\n"
    "the user to that unit and the units under it (a town's clerk submits only for\n"
    "that town). Without --password-stdin a password is made and printed once, alone\n"
    "on the last line: it is kept only as an argon2id hash.\n"
    "passwd: sets a new password (made, or read from stdin), enables the user,\n"
    "clears a lock-out, and ends the user's sessions.\n"
    "disable: the user can no longer sign in; its sessions end.\n"
    "Admin only.\n";

//  Reads a password from the first line of stdin into buf. Returns 0 or -1.
static int s_read_password(char *buf, size_t cap)
{
    if (!fgets(buf, (int)cap, stdin)) {
        return -1;
    }
    buf[strcspn(buf, "\r\n")] = 0;
    return buf[0] ? 0 : -1;
}

//  Prints the reply of add / passwd: the user, then a made password alone on
//  its last line.
static void s_print_made(stictl_t *ctl, sti_node_t body)
{
    if (ctl->json) {
        cJSON *json = stictl_json_from_node(body);
        stictl_json_print(&json);
        return;
    }
    char name[80], role[32], org[80], password[64];
    stictl_map_text(body, "name", name, sizeof name);
    stictl_map_text(body, "role", role, sizeof role);
    stictl_map_text(body, "org", org, sizeof org);
    stictl_map_text(body, "password", password, sizeof password);
    printf("user %s%s%s%s%s\n", name, strcmp(role, "-") ? ", role " : "",
           strcmp(role, "-") ? role : "", strcmp(org, "-") && org[0] ? ", org " : "",
           strcmp(org, "-") && org[0] ? org : "");
    if (strcmp(password, "-") != 0) {
        printf("password (shown once):\n%s\n", password);
    }
}

//  Sends op with the body in request; prints as s_print_made.
static int s_write(stictl_t *ctl, sti_writer_t *request)
{
    sti_reply_t reply;
    int rc = stictl_call_ok(ctl, "sti.gateway", &request, &reply);
    if (rc != 0) {
        return rc;
    }
    s_print_made(ctl, reply.body);
    sti_reply_release(&reply);
    return STICTL_OK;
}

static int s_add(stictl_t *ctl, int argc, char **argv)
{
    const char *name = NULL, *role = NULL, *org = NULL, *display = NULL;
    bool from_stdin = false;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--role") == 0 && i + 1 < argc) {
            role = argv[++i];
        } else if (strcmp(argv[i], "--org") == 0 && i + 1 < argc) {
            org = argv[++i];
        } else if (strcmp(argv[i], "--display") == 0 && i + 1 < argc) {
            display = argv[++i];
        } else if (strcmp(argv[i], "--password-stdin") == 0) {
            from_stdin = true;
        } else if (argv[i][0] != '-' && !name) {
            name = argv[i];
        } else {
            return stictl_usage_error(argv[0], "unexpected argument '%s'", argv[i]);
        }
    }
    if (!name || !role) {
        return stictl_usage_error(argv[0], "add needs NAME and --role ROLE");
    }
    char password[S_PASSWORD_MAX + 2] = "";
    if (from_stdin && s_read_password(password, sizeof password) != 0) {
        return stictl_usage_error(argv[0], "--password-stdin: no password on stdin");
    }
    sti_writer_t *request = stictl_request("user.add", NULL, 0);
    sti_writer_map(request, 2 + (org ? 1 : 0) + (display ? 1 : 0) + (password[0] ? 1 : 0));
    sti_writer_kv_str(request, "name", name);
    sti_writer_kv_str(request, "role", role);
    if (org) {
        sti_writer_kv_str(request, "org", org);
    }
    if (display) {
        sti_writer_kv_str(request, "display", display);
    }
    if (password[0]) {
        sti_writer_kv_str(request, "password", password);
    }
    memset(password, 0, sizeof password);
    return s_write(ctl, request);
}

static int s_passwd(stictl_t *ctl, int argc, char **argv)
{
    bool from_stdin = argc == 4 && strcmp(argv[3], "--password-stdin") == 0;
    if (argc != 3 && !from_stdin) {
        return stictl_usage_error(argv[0], "passwd takes NAME [--password-stdin]");
    }
    char password[S_PASSWORD_MAX + 2] = "";
    if (from_stdin && s_read_password(password, sizeof password) != 0) {
        return stictl_usage_error(argv[0], "--password-stdin: no password on stdin");
    }
    sti_writer_t *request = stictl_request("user.passwd", NULL, 0);
    sti_writer_map(request, password[0] ? 2 : 1);
    sti_writer_kv_str(request, "name", argv[2]);
    if (password[0]) {
        sti_writer_kv_str(request, "password", password);
    }
    memset(password, 0, sizeof password);
    return s_write(ctl, request);
}

static int s_list(stictl_t *ctl)
{
    sti_writer_t *request = stictl_request("user.list", NULL, 0);
    sti_writer_map(request, 0);
    sti_reply_t reply;
    int rc = stictl_call_ok(ctl, "sti.gateway", &request, &reply);
    if (rc != 0) {
        return rc;
    }
    sti_node_t users = sti_node_get(reply.body, "users");
    if (ctl->json) {
        cJSON *json = stictl_json_from_node(users);
        stictl_json_print(&json);
    } else {
        printf("%-20s %-8s %-16s %-8s %s\n", "NAME", "ROLE", "ORG", "STATE", "DISPLAY");
        for (size_t i = 0; i < sti_node_size(users); i++) {
            sti_node_t user = sti_node_at(users, i);
            char name[80], role[32], org[80], display[160], disabled[8];
            stictl_map_text(user, "name", name, sizeof name);
            stictl_map_text(user, "role", role, sizeof role);
            stictl_map_text(user, "org", org, sizeof org);
            stictl_map_text(user, "display", display, sizeof display);
            stictl_map_text(user, "disabled", disabled, sizeof disabled);
            printf("%-20s %-8s %-16s %-8s %s\n", name, role, org[0] ? org : "-",
                   strcmp(disabled, "true") == 0 ? "disabled" : "active", display);
        }
    }
    sti_reply_release(&reply);
    return STICTL_OK;
}

static int s_disable(stictl_t *ctl, int argc, char **argv)
{
    if (argc != 3) {
        return stictl_usage_error(argv[0], "disable takes NAME");
    }
    return stictl_call_on(ctl, "sti.gateway", "user.disable", argv[2], "user", "disabled");
}

int stictl_user(stictl_t *ctl, int argc, char **argv)
{
    const char *action = argc >= 2 ? argv[1] : "";
    if (strcmp(action, "add") == 0) {
        return s_add(ctl, argc, argv);
    }
    if (strcmp(action, "list") == 0) {
        return argc == 2 ? s_list(ctl) : stictl_usage_error(argv[0], "list takes no arguments");
    }
    if (strcmp(action, "passwd") == 0) {
        return s_passwd(ctl, argc, argv);
    }
    if (strcmp(action, "disable") == 0) {
        return s_disable(ctl, argc, argv);
    }
    return stictl_usage_error(argv[0], "which action? (add, list, passwd, disable)");
}
