/*  stictl: main, the command table and the helpers every command uses.
    See stictl.h.

    Global flags come before the command and are parsed here by hand (not by
    sti_config) because the command's own flags follow it and only the
    command knows them. --help and --json are also accepted after the
    command, anywhere before "--", and taken out before the command runs.

    Library log lines are JSON for services; for a person at a terminal
    stictl keeps only errors, and prints its own messages as plain text.
*/
#include "stictl.h"

#include <czmq.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sti_curve.h"
#include "sti_log.h"

#define STICTL_DEFAULT_BROKER "tcp://127.0.0.1:5555"
#define STICTL_DEFAULT_TIMEOUT_MS 3000

typedef struct {
    const char *name;  // command word
    const char *help;  // one line for `stictl --help`
    const char *usage; // `stictl NAME --help`
    stictl_fn *run;    // the command
} s_command_t;

#define STICTL_ENTRY(name, help) {#name, help, stictl_##name##_usage, stictl_##name},
static const s_command_t s_commands[] = {STICTL_COMMANDS(STICTL_ENTRY){NULL, NULL, NULL, NULL}};
#undef STICTL_ENTRY

const char *const stictl_services[] = {"sti.ingest", "sti.indicators", "sti.talent",
                                       "sti.notify", "sti.projects",   NULL};

static void s_usage(FILE *out)
{
    fprintf(out,
            "usage: stictl [--broker ENDPOINT] [--timeout MS] [--request-id ID] [--json] COMMAND "
            "[ARGS]\n"
            "\n"
            "  --broker ENDPOINT  the broker (default $STI_BROKER, else %s)\n"
            "  --timeout MS       how long to wait for the answer to each request (default %d)\n"
            "  --request-id ID    the request id of the command's first request (its n-th is\n"
            "                     ID-n); default a fresh one. Letters, digits, . _ : -\n"
            "  --json             print JSON\n"
            "\ncommands:\n",
            STICTL_DEFAULT_BROKER, STICTL_DEFAULT_TIMEOUT_MS);
    for (const s_command_t *c = s_commands; c->name; c++) {
        fprintf(out, "  %-12s %s\n", c->name, c->help);
    }
    fprintf(out,
            "\nRetries. A request with no answer after a third of --timeout is sent again, the\n"
            "same request with the same request id, at most 3 times within --timeout; the first\n"
            "answer counts, and each send again is said on stderr. Reads and writes alike: every\n"
            "service applies a request id once, so a write is never applied twice (a write\n"
            "applied whose answer was lost may be answered as a repeat: not_found for a\n"
            "removal, conflict for a versioned update). When a write gets no answer at all,\n"
            "stictl does not say it failed: it says the outcome is unknown and which request id\n"
            "can be retried safely (the same command with --request-id sends the same ids\n"
            "again), and exits 5; --json also prints\n"
            "{\"error\": {\"code\": \"outcome_unknown\", \"message\", \"service\", \"op\", "
            "\"request_id\", \"retry_safe\", \"sends\"}}\n"
            "(code \"unavailable\" for a read).\n"
            "\n`stictl COMMAND --help` tells more. Exit codes: 0 ok, 1 service error or "
            "unreachable, 2 usage error, 3 input partly rejected, 4 not found, 5 no answer to a "
            "write: outcome unknown.\n");
}

static const s_command_t *s_find(const char *name)
{
    for (const s_command_t *c = s_commands; c->name; c++) {
        if (strcmp(c->name, name) == 0) {
            return c;
        }
    }
    return NULL;
}

//  --- helpers for commands ---

sti_mdp_client_t *stictl_client(stictl_t *ctl)
{
    assert(ctl->client); // main connects before any command runs
    return ctl->client;
}

int stictl_exit_code(sti_errcode_t code)
{
    return code == STI_ERR_NONE        ? STICTL_OK
           : code == STI_ERR_NOT_FOUND ? STICTL_NOT_FOUND
                                       : STICTL_FAILED;
}

//  The run's settings, for the helpers that print (set by main).
static const stictl_t *s_ctl;

//  Under --json: prints {"error": {"code", "message", "details": [...]}} on stdout.
static void s_print_error_json(const sti_reply_t *reply)
{
    cJSON *json = cJSON_CreateObject();
    cJSON *error = cJSON_AddObjectToObject(json, "error");
    cJSON_AddStringToObject(error, "code", sti_errcode_name(reply->code));
    cJSON_AddStringToObject(error, "message", reply->message);
    cJSON_AddItemToObject(error, "details", stictl_json_from_node(reply->details));
    if (!cJSON_IsArray(cJSON_GetObjectItem(error, "details"))) {
        cJSON_ReplaceItemInObject(error, "details", cJSON_CreateArray());
    }
    stictl_json_print(&json);
}

int stictl_print_error(const sti_reply_t *reply)
{
    if (s_ctl && s_ctl->json) {
        s_print_error_json(reply);
    }
    fprintf(stderr, "error: %s: %s\n", sti_errcode_name(reply->code), reply->message);
    size_t count = sti_node_size(reply->details);
    for (size_t i = 0; i < count; i++) {
        sti_node_t detail = sti_node_at(reply->details, i);
        sti_field_error_t err;
        int64_t index = -1;
        char field[128] = "", reason[512] = "";
        if (sti_map_int(detail, "index", &index, &err) != 0) {
            index = -1;
        }
        sti_map_str_copy(detail, "field", field, sizeof field, &err);
        sti_map_str_copy(detail, "reason", reason, sizeof reason, &err);
        if (index >= 0) {
            fprintf(stderr, "row %lld: %s: %s\n", (long long)index, field, reason);
        } else {
            fprintf(stderr, "%s: %s\n", *field ? field : "request", reason);
        }
    }
    return stictl_exit_code(reply->code);
}

const char *stictl_flag_value(int argc, char **argv, int *i, const char *flag)
{
    size_t len = strlen(flag);
    if (strncmp(argv[*i], flag, len) != 0) {
        return NULL;
    }
    if (argv[*i][len] == '=') {
        return argv[*i] + len + 1;
    }
    if (argv[*i][len] == 0 && *i + 1 < argc) {
        return argv[++*i];
    }
    return NULL;
}

int stictl_table_flag(int argc, char **argv, int *i, stictl_table_flags_t *flags)
{
    const char *value;
    if ((value = stictl_flag_value(argc, argv, i, "--year"))) {
        if (stictl_parse_int(value, 2000, 2100, &flags->year) != 0) {
            return stictl_usage_error(argv[0], "--year wants a year from 2000 to 2100, not '%s'",
                                      value);
        }
    } else if ((value = stictl_flag_value(argc, argv, i, "--org"))) {
        flags->org = value;
    } else if ((value = stictl_flag_value(argc, argv, i, "--output")) ||
               (value = stictl_flag_value(argc, argv, i, "-o"))) {
        if (!stictl_table_is_xlsx(value)) {
            return stictl_usage_error(argv[0], "-o wants a file ending in .xlsx, not '%s'", value);
        }
        flags->path = value;
    } else {
        return -1;
    }
    return 0;
}

int stictl_usage_error(const char *command, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    fprintf(stderr, "stictl %s: ", command);
    vfprintf(stderr, format, args);
    va_end(args);
    if (s_ctl && s_ctl->json) {
        char message[512];
        va_start(args, format);
        vsnprintf(message, sizeof message, format, args);
        va_end(args);
        cJSON *json = cJSON_CreateObject();
        cJSON *error = cJSON_AddObjectToObject(json, "error");
        cJSON_AddStringToObject(error, "code", "usage");
        cJSON_AddStringToObject(error, "message", message);
        cJSON_AddStringToObject(error, "command", command);
        stictl_json_print(&json);
    }
    const s_command_t *c = s_find(command);
    const char *usage = c ? c->usage : "";
    const char *newline = strchr(usage, '\n');
    fprintf(stderr, "\n%.*s\n", newline ? (int)(newline - usage) : (int)strlen(usage), usage);
    return STICTL_USAGE;
}

//  --- main ---

//  Parses one global flag at argv[*i]. Returns 0, 1 for --help, -1 on error.
static int s_global_flag(stictl_t *ctl, int argc, char **argv, int *i)
{
    const char *arg = argv[*i];
    const char *value = NULL;
    if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
        return 1;
    }
    if (strcmp(arg, "--json") == 0) {
        ctl->json = true;
        return 0;
    }
    size_t len = strcspn(arg, "=");
    bool broker = len == 8 && strncmp(arg, "--broker", 8) == 0;
    bool timeout = len == 9 && strncmp(arg, "--timeout", 9) == 0;
    bool request_id = len == 12 && strncmp(arg, "--request-id", 12) == 0;
    if (!broker && !timeout && !request_id) {
        fprintf(stderr, "stictl: unknown flag %s (try stictl --help)\n", arg);
        return -1;
    }
    if (arg[len] == '=') {
        value = arg + len + 1;
    } else if (*i + 1 < argc) {
        value = argv[++*i];
    } else {
        fprintf(stderr, "stictl: %s needs a value (try stictl --help)\n", arg);
        return -1;
    }
    if (broker) {
        ctl->broker = value;
        return 0;
    }
    if (request_id) {
        if (!stictl_request_id_valid(value)) {
            fprintf(stderr,
                    "stictl: --request-id wants 1 to %d letters, digits, . _ : -, not '%s'\n",
                    STICTL_REQUEST_ID_MAX, value);
            return -1;
        }
        stictl_set_request_id(value);
        return 0;
    }
    char *end = NULL;
    errno = 0;
    long ms = strtol(value, &end, 10);
    if (errno || !*value || *end || ms <= 0 || ms > 3600000) {
        fprintf(stderr, "stictl: --timeout wants milliseconds, 1 to 3600000, not '%s'\n", value);
        return -1;
    }
    ctl->timeout_ms = (int)ms;
    return 0;
}

//  Takes --help and --json out of a command's arguments (before "--").
//  Returns true when --help was among them.
static bool s_take_common(stictl_t *ctl, int *argc_p, char **argv)
{
    bool help = false, done = false;
    int kept = 1;
    for (int i = 1; i < *argc_p; i++) {
        if (!done && strcmp(argv[i], "--") == 0) {
            done = true;
        } else if (!done && (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)) {
            help = true;
            continue;
        } else if (!done && strcmp(argv[i], "--json") == 0) {
            ctl->json = true;
            continue;
        }
        argv[kept++] = argv[i];
    }
    argv[kept] = NULL;
    *argc_p = kept;
    return help;
}

int main(int argc, char **argv)
{
    sti_log_init("stictl", STI_LOG_ERROR);
    stictl_time_init();
    const char *env_broker = getenv("STI_BROKER");
    stictl_t ctl = {env_broker && *env_broker ? env_broker : STICTL_DEFAULT_BROKER,
                    STICTL_DEFAULT_TIMEOUT_MS, false, NULL};
    int i = 1;
    for (; i < argc && strncmp(argv[i], "-", 1) == 0; i++) {
        int rc = s_global_flag(&ctl, argc, argv, &i);
        if (rc == 1) {
            s_usage(stdout);
            return STICTL_OK;
        }
        if (rc != 0) {
            return STICTL_USAGE; // s_global_flag said what was wrong
        }
    }
    if (i >= argc) {
        s_usage(stderr);
        return STICTL_USAGE;
    }
    const s_command_t *command = s_find(argv[i]);
    if (!command) {
        fprintf(stderr, "stictl: unknown command '%s' (try stictl --help)\n", argv[i]);
        return STICTL_USAGE;
    }
    int cmd_argc = argc - i;
    char **cmd_argv = argv + i;
    if (s_take_common(&ctl, &cmd_argc, cmd_argv)) {
        fputs(command->usage, stdout);
        return STICTL_OK;
    }
    s_ctl = &ctl;
    if (command->run == stictl_keys) {
        return stictl_keys(&ctl, cmd_argc, cmd_argv); // makes keys: no broker
    }
    //  CURVE settings are checked first, so that a missing key file is
    //  reported as such (STI_CURVE_CERT, STI_CURVE_BROKER_KEY).
    zsock_t *probe = sti_curve_client_wanted() ? zsock_new(ZMQ_DEALER) : NULL;
    char curve_err[512];
    int curve_rc = probe ? sti_curve_client_setup(probe, curve_err, sizeof curve_err) : 0;
    zsock_destroy(&probe);
    if (curve_rc < 0) {
        fprintf(stderr, "stictl: %s\n", curve_err);
        return STICTL_USAGE;
    }
    //  Connecting is local (libzmq connects in the background): it fails only
    //  for an endpoint that is not one, which is a usage error.
    //  The timeout and retries given here are for sti_mdp_client_request
    //  (stictl health); stictl_call has its own sending within the timeout.
    ctl.client = sti_mdp_client_new(ctl.broker, ctl.timeout_ms, 0);
    if (!ctl.client) {
        fprintf(stderr, "stictl: '%s' is not a broker endpoint (like tcp://127.0.0.1:5555)\n",
                ctl.broker);
        return STICTL_USAGE;
    }
    int rc = command->run(&ctl, cmd_argc, cmd_argv);
    s_ctl = NULL;
    sti_mdp_client_destroy(&ctl.client);
    return rc;
}
