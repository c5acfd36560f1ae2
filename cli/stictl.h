/*  stictl: the command-line client for clerks and operators.

    stictl [--broker ENDPOINT] [--timeout MS] [--json] COMMAND [ARGS]

    Each command is one file, cli/cmd_<name>.c, defining
        const char stictl_<name>_usage[];   // the text `stictl <name> --help` prints
        int stictl_<name>(stictl_t *ctl, int argc, char **argv);
    plus one line in STICTL_COMMANDS below. argv[0] is the command's name;
    --help and --json anywhere before "--" have been taken out already.
    A command returns one of the exit codes below.

    The helpers here make a request envelope with a fresh id, call a service
    through the broker, and print an error reply the same way everywhere.
*/
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "sti_codec.h"
#include "sti_envelope.h"
#include "sti_mdp_client.h"

//  Exit codes, the same for every command.
enum {
    STICTL_OK = 0,        // done
    STICTL_FAILED = 1,    // the service said no, or did not answer
    STICTL_USAGE = 2,     // the command line was wrong
    STICTL_PARTIAL = 3,   // some input was refused, the rest was taken
    STICTL_NOT_FOUND = 4, // what was asked for does not exist
};

//  What every command gets.
typedef struct {
    const char *broker;       // broker endpoint (--broker, STI_BROKER)
    int timeout_ms;           // how long to wait for a reply (--timeout)
    bool json;                // print JSON instead of text (--json)
    sti_mdp_client_t *client; // created by main before the command runs
} stictl_t;

typedef int(stictl_fn)(stictl_t *ctl, int argc, char **argv);

//  The command table: X(name, one-line help). Keep it sorted by name.
#define STICTL_COMMANDS(X)                                                                         \
    X(health, "show whether the broker and each service answer")                                   \
    X(ingest, "submit a CSV or JSON file of observations")

#define STICTL_DECLARE(name, help)                                                                 \
    extern const char stictl_##name##_usage[];                                                     \
    int stictl_##name(stictl_t *ctl, int argc, char **argv);
STICTL_COMMANDS(STICTL_DECLARE)
#undef STICTL_DECLARE

//  The services stictl knows, NULL-terminated.
extern const char *const stictl_services[];

//  Returns the client main connected (never NULL).
sti_mdp_client_t *stictl_client(stictl_t *ctl);

//  Starts a request envelope {op, id, body: ...} with a fresh id into a new
//  writer (caller destroys); the caller then writes exactly one value, the body.
//  id_out (may be NULL) receives the id, cap at least STI_ID_MAX + 1.
sti_writer_t *stictl_request(const char *op, char *id_out, size_t cap);

//  Sends the request to service and decodes the reply into *reply (release
//  it with sti_reply_release). Returns 0 when a reply came (ok or not), or
//  -1 after printing why there was none.
int stictl_call(stictl_t *ctl, const char *service, sti_writer_t *request, sti_reply_t *reply);

//  Prints an error reply on stderr: "error: CODE: message", then one line
//  per detail, "row K: FIELD: reason". Returns the exit code for it.
int stictl_print_error(const sti_reply_t *reply);

//  The exit code for an error code: 0 for none, 4 for not_found, 1 else.
int stictl_exit_code(sti_errcode_t code);

//  Prints "stictl CMD: message" and the command's usage line on stderr.
//  Returns STICTL_USAGE.
int stictl_usage_error(const char *command, const char *format, ...)
    __attribute__((format(printf, 2, 3)));
