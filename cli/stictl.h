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

//  --- CSV files (stictl_csv.c) ---
//
//  A CSV reader for the import commands: RFC 4180 (libcsv, strict), a
//  header naming the caller's columns in any order (an optional UTF-8 BOM
//  first), then data rows handed over one at a time. Bytes are fed in any
//  pieces; memory stays bounded by one row of known columns.

#define STICTL_CSV_FIELD_MAX (64 * 1024) // longest field, bytes
#define STICTL_CSV_COLUMNS_MAX 32        // most columns a caller may name

typedef struct _stictl_csv_t stictl_csv_t;

//  Called for each data row. row counts data rows from 1 (blank lines are
//  skipped and not counted). fields[c] is the text of columns[c],
//  NUL-terminated (NULL when the header lacks the column); both borrowed
//  for the call. When the row is refused here (a NUL byte, the wrong number
//  of fields), fields is NULL and problem says why.
typedef void(stictl_csv_row_fn)(void *arg, size_t row, char *const *fields, const char *problem);

//  columns: the NULL-terminated names the header may use (borrowed, at most
//  STICTL_CSV_COLUMNS_MAX), of which the first `required` must be there.
//  Returns a new reader (never NULL; aborts on out-of-memory).
stictl_csv_t *stictl_csv_new(const char *const *columns, size_t required,
                             stictl_csv_row_fn *on_row, void *arg);
void stictl_csv_destroy(stictl_csv_t **self_p);
//  Parses the next size bytes, calling on_row for each complete row.
//  Returns 0, or -1 with a reason in err when reading must stop (CSV
//  syntax, a field longer than STICTL_CSV_FIELD_MAX, a bad header).
int stictl_csv_feed(stictl_csv_t *self, const void *data, size_t size, char *err, size_t errlen);
//  Ends the input (the last row may lack its newline). Returns 0, or -1
//  with a reason in err (as feed, and an empty input: no header).
int stictl_csv_finish(stictl_csv_t *self, char *err, size_t errlen);
