/*  stictl: the command-line client for clerks and operators.

    stictl [--broker ENDPOINT] [--timeout MS] [--request-id ID] [--json] COMMAND [ARGS]

    Each command is one file, cli/cmd_<name>.c, defining
        const char stictl_<name>_usage[];   // the text `stictl <name> --help` prints
        int stictl_<name>(stictl_t *ctl, int argc, char **argv);
    plus one line in STICTL_COMMANDS below. argv[0] is the command's name;
    --help and --json anywhere before "--" have been taken out already.
    A command returns one of the exit codes below.

    The helpers here make a request envelope with the run's next request id,
    call a service through the broker (sending the request again within the
    timeout when no answer comes: stictl_call.c), and print an error reply
    the same way everywhere.
*/
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "sti_codec.h"
#include "sti_envelope.h"
#include "sti_events.h"
#include "sti_mdp_client.h"

//  Exit codes, the same for every command.
enum {
    STICTL_OK = 0,            // done
    STICTL_FAILED = 1,        // the service said no, or did not answer
    STICTL_USAGE = 2,         // the command line was wrong
    STICTL_PARTIAL = 3,       // some input was refused, the rest was taken
    STICTL_NOT_FOUND = 4,     // what was asked for does not exist
    STICTL_UNKNOWN = 5,       // a write got no answer: it may or may not have been applied
    STICTL_INTERRUPTED = 130, // Ctrl-C (SIGINT) or SIGTERM stopped it: it said how far it got
};

#define STICTL_REQUEST_ID_MAX 100 // longest --request-id (room for "-<n>" within STI_ID_MAX)

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
    X(approvals, "show which org units' figures are signed off for a period")                      \
    X(approve, "approve an org unit's figures for a period, which locks them (数据审核)")          \
    X(completeness, "show how complete and timely a period's reports are, or which are overdue")   \
    X(dataset, "show the dataset Redis holds, or go on after a loss")                              \
    X(delivery, "list sti-notify's deliveries, or send a dead letter again")                       \
    X(duty, "who reports which indicator by when: unit types, duties, contacts, due rules")        \
    X(events, "print the indicator-change events after a sequence number")                         \
    X(forecast, "show where each indicator will land at the plan's end, and its early warning")    \
    X(health, "show whether the broker and each service answer")                                   \
    X(indicator, "list the plan's indicators, or show one with its series")                        \
    X(ingest, "submit a CSV, .xlsx or JSON file of observations")                                  \
    X(keys, "make a CURVE key pair for the broker's allow-list, or show one")                      \
    X(org, "add, list, rename or retire org units")                                                \
    X(plan, "load a plan directory into the catalog")                                              \
    X(progress, "show each indicator's progress towards its target")                               \
    X(project, "the plan's projects: add, update, milestone, list, show, import")                  \
    X(report, "write the evaluation report of a year (annual, midterm, final) as a workbook")      \
    X(reports, "list the evaluation reports issued, newest first")                                 \
    X(reopen, "reopen an approved org unit's period, with a reason")                               \
    X(rule, "add, list, show or remove notification rules")                                        \
    X(silence, "add, list or remove silences of notifications")                                    \
    X(status, "show each service's workers, and the backlog sti-indicators has to apply")          \
    X(talent, "the talent registry: add, show, update, search, import, export, teams")             \
    X(target, "set, remove or list targets, per year and org unit")                                \
    X(template, "write an .xlsx form to fill in with a year's values")                             \
    X(token, "make, list or revoke API tokens of sti-gateway")                                     \
    X(user, "add, list, disable users of sti-gateway, or set a password")                          \
    X(value, "withdraw a wrong value (its history keeps it)")                                      \
    X(watch, "print indicator-change events as they happen")

#define STICTL_DECLARE(name, help)                                                                 \
    extern const char stictl_##name##_usage[];                                                     \
    int stictl_##name(stictl_t *ctl, int argc, char **argv);
STICTL_COMMANDS(STICTL_DECLARE)
#undef STICTL_DECLARE

//  The services stictl knows, NULL-terminated.
extern const char *const stictl_services[];

//  Returns the client main connected (never NULL).
sti_mdp_client_t *stictl_client(stictl_t *ctl);

//  --- requests (stictl_call.c) ---

//  True when ID may be a run's request id: 1 to STICTL_REQUEST_ID_MAX of
//  A-Z a-z 0-9 . _ : -
bool stictl_request_id_valid(const char *id);
//  Sets the run's request id (--request-id), before any request is made.
void stictl_set_request_id(const char *id);
//  True when --request-id set the run's request id.
bool stictl_request_id_given(void);
//  The run's request id: the one set, else "stictl-<uuid>" made on first use
//  (borrowed).
const char *stictl_run_id(void);
//  True unless op is one of stictl's reads (an op it does not know counts
//  as a write).
bool stictl_op_writes(const char *op);

//  Starts a request envelope {op, id, body: ...} into a new writer (caller
//  destroys); the caller then writes exactly one value, the body. The id is
//  the run's next one: the run's id for its first request, "<id>-<n>" for
//  the n-th, so the same command run again with --request-id sends the same
//  ids. id_out (may be NULL) receives the id, cap at least STI_ID_MAX + 1.
sti_writer_t *stictl_request(const char *op, char *id_out, size_t cap);
//  The same with the id given (stictl_batch_id), which does not count as
//  one of the run's numbered requests.
sti_writer_t *stictl_request_as(const char *op, const char *id);

//  Sends the request to service and decodes the reply into *reply (release
//  it with sti_reply_release). The request is sent again, the same bytes,
//  each third of --timeout without an answer (said on stderr), and the
//  first answer to any send is taken. Returns 0 when a reply came (ok or
//  not); else, after saying why on stderr (and under --json as a JSON error
//  object on stdout), STICTL_UNKNOWN for a write (its outcome is unknown;
//  the message names its request id, which can be retried safely) or
//  STICTL_FAILED for a read.
int stictl_call(stictl_t *ctl, const char *service, sti_writer_t *request, sti_reply_t *reply);

//  stictl_call, then: destroys the request; on an error reply prints it and
//  releases the reply. Returns 0 with an ok reply in *reply (caller releases
//  it), or the exit code to return (stictl_call's when there was no reply).
int stictl_call_ok(stictl_t *ctl, const char *service, sti_writer_t **request_p,
                   sti_reply_t *reply);

//  What a command prints of an ok reply's body (not under --json).
typedef void(stictl_show_fn)(sti_node_t body, void *arg);

//  stictl_call_ok, then prints the ok reply: its body as JSON under --json,
//  else show(body, arg). Returns an exit code (STICTL_OK when it printed).
int stictl_call_show(stictl_t *ctl, const char *service, sti_writer_t **request_p,
                     stictl_show_fn *show, void *arg);

//  Calls op of service with the body {name: NAME}; prints the reply under
//  --json, else "WHAT NAME DONE" ("token bot revoked"). Returns an exit code.
int stictl_call_on(stictl_t *ctl, const char *service, const char *op, const char *name,
                   const char *what, const char *done);

//  Prints an error reply on stderr: "error: CODE: message", then one line
//  per detail, "row K: FIELD: reason". Returns the exit code for it.
int stictl_print_error(const sti_reply_t *reply);

//  The exit code for an error code: 0 for none, 4 for not_found, 1 else.
int stictl_exit_code(sti_errcode_t code);

//  A command's flag with a value at argv[*i]: "--flag VALUE" or
//  "--flag=VALUE". Returns the value (moving *i past it), or NULL when
//  argv[*i] is not that flag or it has no value.
const char *stictl_flag_value(int argc, char **argv, int *i, const char *flag);

//  The flags of the commands that write a year's table: --year Y (2000 to
//  2100), --org ORG, -o/--output FILE.xlsx.
typedef struct {
    long long year;   // 0 when not given
    const char *org;  // NULL when not given
    const char *path; // NULL when not given
} stictl_table_flags_t;

//  Takes argv[*i] into flags (moving *i past its value) when it is one of
//  them. Returns 0 when taken, -1 when argv[*i] is none of them, or
//  STICTL_USAGE after saying what is wrong with its value.
int stictl_table_flag(int argc, char **argv, int *i, stictl_table_flags_t *flags);

//  Prints "stictl CMD: message" and the command's usage line on stderr.
//  Returns STICTL_USAGE.
int stictl_usage_error(const char *command, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

//  --- files sent in batches (stictl_batch.c): ingest, talent import ---
//
//  A batch's request id comes from its content, so the same file sent again
//  sends the same ids and a rerun applies nothing twice; a rate_limited
//  answer is waited out and the batch sent again; Ctrl-C finishes the batch
//  in flight (a second one abandons it); and the run always ends with one
//  summary line that says how far it got.

//  How far a run got.
typedef struct {
    const char *command; // "stictl ingest", for messages
    size_t accepted;     // rows the service accepted (committed, unless a dry run)
    size_t rejected;     // rows refused, here or by the service
    size_t skipped;      // rows not sent (no value)
    size_t replayed;     // accepted rows whose answer was kept from an earlier run
    size_t warned;       // accepted rows with a warning
    size_t last_row;     // the file's number of the last row committed, 0 while none
    bool dry_run;        // nothing is kept
    int failed;          // the exit code of what stopped the run, 0 while none
} stictl_batch_t;

//  Catches SIGINT and SIGTERM for the rest of the run: the first asks it to
//  stop (stictl_batch_stopping) after the batch in flight, the second
//  abandons that batch (its call returns, the outcome unknown).
void stictl_batch_signals(void);
//  True once a signal asked the run to stop.
bool stictl_batch_stopping(void);
//  One batch's request: op on service with {rows, request_id, dry_run?,
//  source?}.
typedef struct {
    const char *kind;    // names the request ids: "ingest", "talent-import"
    const char *service; // "sti.ingest"
    const char *op;      // "obs.submit"
    const char *source;  // the rows' source, sent and part of the id; NULL for none
    bool with_dry_run;   // the op takes dry_run: send it
    bool dry_run;        // its value
} stictl_batch_op_t;

//  Sends batch number `batch` (from 1): count rows (rows holds them without
//  the array header) under the request id they make, "<kind>-<24 hex
//  digits of SHA-1 over kind, batch, source and rows>-<batch>" (or the
//  run's numbered ids with --request-id), so a run again sends the same
//  ids. A rate_limited answer is waited out and the request sent again.
//  Returns 0 with the reply in *reply (caller releases it), or an exit code
//  (stictl_call's; STICTL_INTERRUPTED when a signal asked the run to stop:
//  nothing of the batch was applied).
int stictl_batch_send(stictl_t *ctl, const stictl_batch_op_t *op, size_t batch, sti_writer_t *rows,
                      size_t count, sti_reply_t *reply);
//  Prints the summary on stdout: `accepted N, rejected M[, skipped K without
//  a value]`, and when the run stopped early `; the last row committed is
//  row R; WHY: run the same command again to finish: nothing is applied
//  twice`; then the refused rows from report (or with json one object
//  {accepted, rejected, skipped, replayed, finished, last_row, errors}, and
//  warnings when that report is given). Says on stderr how many rows an
//  earlier run had committed.
void stictl_batch_print(const stictl_batch_t *self, bool json, FILE *report, FILE *warnings);
//  The run's exit code: what stopped it, else 3 when a row was refused, else 0.
int stictl_batch_exit(const stictl_batch_t *self);

//  --- the intake log's backlog (cmd_status.c) ---

#define STICTL_ENTRY_MAX 48 // bytes of an intake entry id "<ms>-<seq>", with NUL

//  Compares two intake entry ids as the stream orders them: <0, 0, >0 (an
//  id that does not parse, "" too, counts as 0-0).
int stictl_entry_compare(const char *a, const char *b);
//  Waits until sti.indicators says intake entry `entry` (and every one
//  before it) is applied, saying on stderr every few seconds how much is
//  left; then prints `applied: ...` (or {"applied": true, "entry"}).
//  Returns 0, STICTL_INTERRUPTED after Ctrl-C, or the exit code of an
//  answer that will not change.
int stictl_intake_wait(stictl_t *ctl, const char *entry);

//  --- reports of refused rows (stictl_report.c) ---

//  Adds one refused row to a report: "row K: FIELD: reason" and a new
//  line, or with json a JSON object {row, field, reason}, comma-separated
//  (the caller prints the brackets).
void stictl_report_row(FILE *report, bool json, size_t row, const char *field, const char *reason);
//  Prints the report on stdout after the summary line, and with json closes
//  the summary's object ("]}" after its errors array).
void stictl_report_print(FILE *report, bool json);

//  --- output (stictl_json.c) ---

//  Converts a MessagePack value to JSON: nil -> null, integers and floats ->
//  numbers, binary -> a hex string, a map key that is not a string -> its
//  text. Returns a new cJSON (caller deletes with cJSON_Delete); never NULL.
cJSON *stictl_json_from_node(sti_node_t node);
//  Prints json on one line on stdout and deletes it; *json_p is set to NULL.
void stictl_json_print(cJSON **json_p);
//  Writes a scalar node as text for a table, as sti_node_text (sti_text.h):
//  nil or missing -> "-", numbers with up to 10 significant digits, strings
//  as they are (cut to fit cap). Returns buf.
const char *stictl_node_text(sti_node_t node, char *buf, size_t cap);
//  Looks up key in map and writes it as stictl_node_text does. Returns buf.
const char *stictl_map_text(sti_node_t map, const char *key, char *buf, size_t cap);
//  "VALUE (WHEN)": map's key and its when key as text (a value and its
//  period or time), or "-" when key is nil or missing. Returns buf.
const char *stictl_map_with(sti_node_t map, const char *key, const char *when, char *buf,
                            size_t cap);
//  The columns a UTF-8 string takes on a terminal: East Asian wide and
//  fullwidth characters (CJK) take 2, combining marks 0, others 1.
size_t stictl_text_width(const char *text);
//  Prints text then spaces up to width display columns (nothing when wider).
void stictl_print_padded(FILE *out, const char *text, size_t width);
//  What a catalog change's reply (target.set, target.remove, plan.load)
//  says it sent: ", 5 progress events, 1 forecast event", or "" for none.
//  Returns buf.
const char *stictl_events_sent(sti_node_t body, char *buf, size_t cap);
//  The text of a row's cell in column k (written to buf, or a constant);
//  ctx is the caller's, as given to stictl_print_grid.
typedef const char *(stictl_cell_fn)(const void *ctx, sti_node_t row, int column, char *buf,
                                     size_t cap);
//  Prints the rows as a table to stdout: the heads' line, then a line per
//  row, each column as wide as its widest text (in display columns).
void stictl_print_grid(const char *const *heads, int columns, sti_node_t rows, stictl_cell_fn *cell,
                       const void *ctx);
//  Cuts text in place to at most width display columns, ending it with "…"
//  when it was cut. Returns text.
char *stictl_text_fit(char *text, size_t width);
//  Parses a whole decimal integer within [min, max]. Returns 0, or -1.
int stictl_parse_int(const char *text, long long min, long long max, long long *out);

//  --- org units by name (stictl_orgs.c) ---

//  The org units as org.list answered them.
typedef struct {
    sti_reply_t reply; // the org.list reply (held while `held`)
    sti_node_t units;  // its orgs array
    bool held;         // reply must be released
} stictl_orgs_t;

//  Asks sti.indicators for its org units. Returns 0, or the exit code after
//  the error was printed (*orgs is then empty: names fall back to codes).
int stictl_orgs_get(stictl_t *ctl, stictl_orgs_t *orgs);
void stictl_orgs_release(stictl_orgs_t *orgs);
//  The unit's Chinese name, or its code when it has none or is unknown.
//  Returns buf.
const char *stictl_orgs_name(const stictl_orgs_t *orgs, const char *code, char *buf, size_t cap);
//  The root unit's code (the district) into buf, or NULL when there is none.
const char *stictl_orgs_root(const stictl_orgs_t *orgs, char *buf, size_t cap);

//  --- times (stictl_time.c) ---

//  Sets the zone plain text shows times in: STI_TIMEZONE, else TZ, else
//  Asia/Shanghai. main calls it once before a command runs.
void stictl_time_init(void);
//  ms since the epoch as local time, "2026-12-07 05:04:24 CST" ("-" for 0
//  or less). Returns buf.
const char *stictl_time_ms(int64_t ms, char *buf, size_t cap);
//  RFC 3339 UTC text ("2026-12-06T21:04:24.123Z") as local time; text that
//  is not such a time is copied as it is. Returns buf.
const char *stictl_time_text(const char *rfc3339, char *buf, size_t cap);
//  The time under key in map, ms or RFC 3339 text, as local time ("-" when
//  absent). Returns buf.
const char *stictl_map_time(sti_node_t map, const char *key, char *buf, size_t cap);

//  --- events (cmd_events.c) ---

//  Prints one event on one line: "SEQ TIME TYPE SUBJECT DATA-AS-JSON", or
//  with json one JSON object (the CloudEvents fields and data); flushes.
void stictl_event_print(const sti_event_t *event, bool json);
//  A topic prefix of the ind stream: "ind." put in front of prefix unless it
//  has it (or is empty). Returns buf.
const char *stictl_event_prefix(const char *prefix, char *buf, size_t cap);

//  --- table files: CSV (stictl_csv.c), .csv and .xlsx (stictl_table.c) ---
//
//  A reader for the import commands: a header naming the caller's columns
//  in any order (by name in any case, or by an alias such as the Chinese
//  name; an optional UTF-8 BOM first), then data rows handed over one at a
//  time. CSV is RFC 4180 (libcsv, strict), fed in any pieces; a
//  spreadsheet's cells are pushed one by one. Memory stays bounded by one
//  row of known columns.

#define STICTL_CSV_FIELD_MAX (64 * 1024) // longest field, bytes
#define STICTL_CSV_COLUMNS_MAX 32        // most columns a caller may name
#define STICTL_CSV_HEADER_MAX 64         // most fields a header may have

//  A column the caller knows.
typedef struct {
    const char *name; // its name, as messages use it ("indicator")
    const char
        *aliases; // other names a header may give it, '|'-separated ("指标|指标代码"), or NULL
} stictl_column_t;

//  The column (index into columns, NULL-name-terminated) whose name (in
//  any case) or alias is text, spaces around ignored; -1 when none is.
int stictl_column_find(const stictl_column_t *columns, const char *text, size_t len);
//  Writes "indicator (指标), org (组织), ..." into buf. Returns its length.
size_t stictl_columns_list(const stictl_column_t *columns, char *buf, size_t cap);

typedef struct _stictl_csv_t stictl_csv_t;

//  Called for each data row. row counts data rows from 1 (blank lines are
//  skipped and not counted), or is the number a pushed row was given.
//  fields[c] is the text of columns[c], NUL-terminated (NULL when the
//  header lacks the column); both borrowed for the call. When the row is
//  refused here (a NUL byte, the wrong number of fields, a value under an
//  empty header cell), fields is NULL and problem says why. Return 0 to go
//  on; anything else drops the rows after this one.
typedef int(stictl_csv_row_fn)(void *arg, size_t row, char *const *fields, const char *problem);

//  columns: the caller's columns (borrowed, terminated by a NULL name, at
//  most STICTL_CSV_COLUMNS_MAX), of which the first `required` must be in
//  the header. Returns a new reader (never NULL; aborts on out-of-memory).
stictl_csv_t *stictl_csv_new(const stictl_column_t *columns, size_t required,
                             stictl_csv_row_fn *on_row, void *arg);
void stictl_csv_destroy(stictl_csv_t **self_p);
//  Parses the next size bytes, calling on_row for each complete row.
//  Returns 0, or -1 with a reason in err when reading must stop (CSV
//  syntax, a field longer than STICTL_CSV_FIELD_MAX, a bad header: an
//  unknown column is named, with the columns there are).
int stictl_csv_feed(stictl_csv_t *self, const void *data, size_t size, char *err, size_t errlen);
//  Ends the input (the last row may lack its newline). Returns 0, or -1
//  with a reason in err (as feed, and an empty input: no header).
int stictl_csv_finish(stictl_csv_t *self, char *err, size_t errlen);
//  Instead of bytes, a spreadsheet's rows: each cell's text, then the end
//  of the row with the number to report it under and a problem found by
//  the caller (or NULL). The first row pushed is the header. push_row
//  returns 0, or -1 with a reason in err when the header is refused.
void stictl_csv_push_field(stictl_csv_t *self, const char *text, size_t len);
int stictl_csv_push_row(stictl_csv_t *self, size_t row, const char *problem, char *err,
                        size_t errlen);
//  The number of fields of the header (0 before it is read).
size_t stictl_csv_header_fields(const stictl_csv_t *self);
//  The number of data rows read so far (handed over or not).
size_t stictl_csv_rows(const stictl_csv_t *self);

//  What a table file held, beyond its rows.
typedef struct {
    size_t rows;    // data rows (refused ones included; blank lines not)
    char note[160]; // something to tell the clerk ("read as GB18030 (GBK)"), or ""
} stictl_table_info_t;

//  The columns of a table of observations (stictl_observation.c), the
//  STICTL_OBSERVATION_REQUIRED required ones first: indicator, org,
//  period, value, unit, source, note, name (aliases in Chinese).
extern const stictl_column_t stictl_observation_columns[];
#define STICTL_OBSERVATION_REQUIRED 4
//  Writes a row of those columns as a row of obs.submit: a map of the
//  columns given (optional ones only when not empty; name never), the
//  value as a number when it is a plain one, else as its text. Returns 0,
//  or 1 when the value is empty (the row is skipped: nothing is written).
int stictl_observation_row(sti_writer_t *writer, char *const *fields);

//  True when path ends in .xlsx (any case); stictl_table_is_csv for .csv.
bool stictl_table_is_xlsx(const char *path);

bool stictl_table_is_csv(const char *path);

//  Reads the table file at path (.csv or .xlsx) through a stictl_csv_t with
//  these columns: a CSV in UTF-8, or in GBK (found out and converted, said
//  in info->note); an .xlsx's first sheet, each cell as the sheet shows it
//  (sti_xlsx_cell_text), rows numbered as Excel numbers them. progress (may
//  be NULL) is called now and then with the bytes read and the file's size.
//  Returns 0, or -1 with a reason in err when the file cannot be read to
//  its end (not there, another encoding, broken, a bad header).
int stictl_table_read(const char *path, const stictl_column_t *columns, size_t required,
                      stictl_csv_row_fn *on_row, void (*progress)(void *, long long, long long),
                      void *arg, stictl_table_info_t *info, char *err, size_t errlen);
