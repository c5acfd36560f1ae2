/*  stictl ingest: submits a file of observations to sti.ingest.

    A table file (.csv or .xlsx, read by stictl_table: the header in English
    or Chinese, in any order; a CSV in UTF-8 with or without a BOM, or in
    GBK, converted; an .xlsx's first sheet) or JSON (an array of row
    objects), chosen by the file's extension. Rows are sent in batches of
    1,000, each with a request id made from its rows (stictl_batch), so a
    batch retried after a time-out, or sent again by a rerun of the same
    file, is applied once; a rate_limited answer is waited out and the batch
    sent again; Ctrl-C finishes the batch in flight and stops. The run
    always ends with the summary, which says how far it got when it did not
    finish. Refused rows are reported as `row K: FIELD: reason`:
    K counts data rows from 1 in a CSV or JSON file, and is the sheet's row
    number, as Excel shows it, in an .xlsx; each batch keeps the number of
    each of its rows for that.

    In a table file a row whose value is empty is skipped and counted, not
    refused: a fill-in template has a row for every indicator and a clerk
    fills in some. A file with no data rows, or with no row that has a
    value, submits nothing and exits 2, saying so: a clerk who sent the
    wrong file, or the template before filling it in, must not read
    `accepted 0, rejected 0` as done. Values are sent as numbers when they
    are plain ones, else as the text typed (`2,134`, `3.5%`), which
    sti-ingest reads or refuses naming it.

    --wait then asks sti.indicators (intake.status) until the intake entry
    of the last batch, and every one before it, is applied.

    The file is read as a stream: memory stays bounded by one batch, one
    row (stictl_csv: fields of at most 64 KiB; an .xlsx is held whole, at
    most 64 MiB) and the error report, which goes to a temporary file until
    the summary has been printed.
*/
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "stictl.h"

const char stictl_ingest_usage[] =
    "usage: stictl ingest FILE [--source NAME] [--dry-run] [--wait] [--json]\n"
    "\n"
    "Submits the observations in FILE to sti.ingest. FILE is a table (.csv, or\n"
    ".xlsx: its first sheet) or JSON (.json: an array of {indicator, org, period,\n"
    "value, unit?, source?, note?}). A table's first row names its columns, in any\n"
    "order, in English or Chinese:\n"
    "  indicator  指标      the indicator's code (stictl indicator list)    required\n"
    "  org        组织      the org unit's code (stictl org list)           required\n"
    "  period     期间      2023 (a year), 2023Q2 (a quarter), 2023-05      required\n"
    "  value      数值      a number: 1234.5, 1,234.5, 3.5%                 required\n"
    "  unit       单位      the value's unit when it is not the indicator's (万元 for 亿元)\n"
    "  source     来源      where the figure comes from\n"
    "  note       备注      a remark\n"
    "  name       指标名称  the indicator's name, for the reader: not sent\n"
    "A CSV is UTF-8 (Excel: \"CSV UTF-8\"); a GBK file (Excel's \"CSV\" on a Chinese\n"
    "Windows) is found out, read as GBK, and said so. In an .xlsx, a period typed as\n"
    "2023 or as a month Excel turned into a date reads as 2023 or 2023-05, and a\n"
    "formula counts by its saved result. A row whose value is empty is skipped.\n"
    "data/examples/values.csv and values.xlsx are samples; stictl template writes a\n"
    "form to fill in.\n"
    "\n"
    "Refused too: a period that has not begun (2031 in 2026), a fraction in a unit\n"
    "that counts whole things (1000.5 家), a row for a retired org unit. A row taken\n"
    "whose value is more than 10 times (the service's warn_factor) above or below its\n"
    "series' last value is reported `row K: value: reason (warning)`.\n"
    "Rows are sent in batches of 1,000, each under a request id made from its rows:\n"
    "the same file sent again applies nothing twice. A rate limit is waited out.\n"
    "Prints `accepted N, rejected M` (and `, skipped K without a value`, `, W with a\n"
    "warning`), then\n"
    "`row K: FIELD: reason` for each refused row: K counts data rows from 1 in a CSV\n"
    "or JSON file, and is the row number Excel shows in an .xlsx. A run that stops\n"
    "early (Ctrl-C, an error, no answer) adds `; the last row committed is row R;\n"
    "WHY: run the same command again to finish: nothing is applied twice`. --json\n"
    "prints {\"accepted\", \"rejected\", \"skipped\", \"replayed\", \"finished\",\n"
    "\"last_row\", \"errors\": [{\"row\", \"field\", \"reason\"}], \"warnings\": [...]}. --dry-run "
    "checks every\n"
    "row and keeps nothing (it is not a write: no rate limit). --wait then waits\n"
    "until sti-indicators has applied the rows (stictl status shows the backlog).\n"
    "Exit 3 when any row was refused; 130 after Ctrl-C; 5 when the last batch got no\n"
    "answer. Exit 2 when the file cannot be read to its end (the message names the\n"
    "row, cell or column; the batches sent before stay) or has no data row with a\n"
    "value (nothing is sent).\n";

#define S_BATCH 1000            // rows per request
#define S_JSON_MAX (256u << 20) // largest JSON file, bytes

//  The state of one ingest run.
typedef struct {
    stictl_t *ctl;                // global options and the client
    const char *source;           // --source, or NULL
    bool wait;                    // --wait
    sti_writer_t *rows;           // the batch's rows, without the array header
    size_t batch_rows;            // rows in the batch
    size_t row_of[S_BATCH];       // the number each row of the batch is reported under
    bool refused[S_BATCH];        // the service refused that row of the batch
    size_t batches;               // batches sent
    stictl_batch_t run;           // how far the run got (counts, failure)
    char entry[STICTL_ENTRY_MAX]; // the latest intake entry a batch was kept as, or ""
    FILE *errors;                 // the error report, until the summary is out
    FILE *warnings;               // the warnings on taken rows, likewise
    bool progress;                // draw a progress bar
} s_ingest_t;

//  Records one refused row in the report (or in out: a warning).
static void s_report_to(s_ingest_t *self, FILE *out, size_t row, const char *field,
                        const char *reason)
{
    if (self->ctl->json) {
        cJSON *error = cJSON_CreateObject();
        cJSON_AddNumberToObject(error, "row", (double)row);
        cJSON_AddStringToObject(error, "field", field);
        cJSON_AddStringToObject(error, "reason", reason);
        char *text = cJSON_PrintUnformatted(error);
        fprintf(out, "%s%s", ftell(out) > 0 ? "," : "", text);
        cJSON_free(text);
        cJSON_Delete(error);
    } else {
        fprintf(out, "row %zu: %s: %s%s\n", row, field, reason,
                out == self->warnings ? " (warning)" : "");
    }
}

static void s_report(s_ingest_t *self, size_t row, const char *field, const char *reason)
{
    s_report_to(self, self->errors, row, field, reason);
}

//  Records the details of a reply's list (errors, or warnings into out).
static void s_details(s_ingest_t *self, sti_node_t list, FILE *out)
{
    sti_field_error_t err;
    for (size_t i = 0; i < sti_node_size(list); i++) {
        sti_node_t detail = sti_node_at(list, i);
        int64_t index = 0;
        char field[128] = "?", reason[512] = "?";
        sti_map_int(detail, "index", &index, &err);
        sti_map_str_copy(detail, "field", field, sizeof field, &err);
        sti_map_str_copy(detail, "reason", reason, sizeof reason, &err);
        size_t row = index >= 0 && (size_t)index < self->batch_rows ? self->row_of[index] : 0;
        s_report_to(self, out, row, field, reason);
    }
}

static void s_draw_progress(void *arg, long long done, long long total)
{
    s_ingest_t *self = (s_ingest_t *)arg;
    if (self->progress && total > 0) {
        int percent = (int)(100 * done / total);
        int filled = percent / 4;
        fprintf(stderr, "\r[%.*s%*s] %3d%%", filled, "#########################", 25 - filled, "",
                percent);
    }
}

//  Takes what the reply says beyond the counts: the intake entry (the
//  latest one is kept) and the last row of the batch that was committed.
static void s_take_committed(s_ingest_t *self, const sti_reply_t *reply, int64_t accepted)
{
    sti_field_error_t err;
    bool replayed = false;
    char entry[STICTL_ENTRY_MAX] = "";
    if (!sti_node_is_missing(sti_node_get(reply->body, "replayed")) &&
        sti_map_bool(reply->body, "replayed", &replayed, &err) == 0 && replayed) {
        self->run.replayed += (size_t)accepted;
    }
    if (sti_node_type(sti_node_get(reply->body, "entry")) == STI_TYPE_STR &&
        sti_map_str_copy(reply->body, "entry", entry, sizeof entry, &err) == 0 &&
        stictl_entry_compare(entry, self->entry) > 0) {
        snprintf(self->entry, sizeof self->entry, "%s", entry);
    }
    for (size_t i = self->batch_rows; accepted > 0 && !self->run.dry_run && i-- > 0;) {
        if (!self->refused[i]) {
            self->run.last_row = self->row_of[i];
            break;
        }
    }
}

//  Reads the reply of one batch into the totals. Returns 0, or an exit code.
static int s_take_reply(s_ingest_t *self, const sti_reply_t *reply)
{
    if (!reply->ok) {
        return stictl_print_error(reply);
    }
    sti_field_error_t err;
    int64_t accepted = 0, rejected = 0;
    if (sti_map_int(reply->body, "accepted", &accepted, &err) ||
        sti_map_int(reply->body, "rejected", &rejected, &err)) {
        fprintf(stderr, "stictl: sti.ingest answered without counts: %s: %s\n", err.field,
                err.reason);
        return STICTL_FAILED;
    }
    self->run.accepted += (size_t)accepted;
    self->run.rejected += (size_t)rejected;
    memset(self->refused, 0, sizeof self->refused);
    sti_node_t errors = sti_node_get(reply->body, "errors");
    for (size_t i = 0; i < sti_node_size(errors); i++) {
        int64_t index = -1;
        sti_map_int(sti_node_at(errors, i), "index", &index, &err);
        if (index >= 0 && (size_t)index < self->batch_rows) {
            self->refused[index] = true;
        }
    }
    s_details(self, errors, self->errors);
    sti_node_t warnings = sti_node_get(reply->body, "warnings");
    self->run.warned += sti_node_size(warnings);
    s_details(self, warnings, self->warnings);
    s_take_committed(self, reply, accepted);
    return 0;
}

//  Sends the rows gathered so far as one obs.submit request, under the
//  request id its rows make (stictl_batch_send).
static void s_flush(s_ingest_t *self)
{
    if (self->run.failed || self->batch_rows == 0) {
        return;
    }
    stictl_batch_op_t op = {"ingest",     "sti.ingest", "obs.submit",
                            self->source, true,         self->run.dry_run};
    sti_reply_t reply;
    int rc =
        stictl_batch_send(self->ctl, &op, ++self->batches, self->rows, self->batch_rows, &reply);
    self->run.failed = rc ? rc : s_take_reply(self, &reply);
    if (rc == 0) {
        sti_reply_release(&reply);
    }
    sti_writer_reset(self->rows);
    self->batch_rows = 0;
}

//  The row just written to the batch is done: it is reported as `row`.
static void s_row_done(s_ingest_t *self, size_t row)
{
    self->row_of[self->batch_rows++] = row;
    if (self->batch_rows == S_BATCH) {
        s_flush(self);
    }
}

//  A row refused before sending: counted and reported, not sent.
static void s_row_refused(s_ingest_t *self, size_t row, const char *field, const char *reason)
{
    s_report(self, row, field, reason);
    self->run.rejected++;
}

//  True when the run must not take another row (a failure, or a signal).
static bool s_halted(s_ingest_t *self)
{
    if (!self->run.failed && stictl_batch_stopping()) {
        self->run.failed = STICTL_INTERRUPTED;
    }
    return self->run.failed != 0;
}

//  --- tables (.csv, .xlsx) ---

//  One data row of a table: sent in the batch, skipped, or refused here.
static int s_table_row(void *arg, size_t row, char *const *fields, const char *problem)
{
    s_ingest_t *self = (s_ingest_t *)arg;
    if (s_halted(self)) {
        return -1;
    }
    if (problem) {
        s_row_refused(self, row, "row", problem);
        return 0;
    }
    if (stictl_observation_row(self->rows, fields) != 0) {
        self->run.skipped++;
        return 0;
    }
    s_row_done(self, row);
    return 0;
}

//  Reads a table file. Returns the data rows it had.
static size_t s_read_table(s_ingest_t *self, const char *path)
{
    stictl_table_info_t info;
    char err[768];
    if (stictl_table_read(path, stictl_observation_columns, STICTL_OBSERVATION_REQUIRED,
                          s_table_row, s_draw_progress, self, &info, err, sizeof err) != 0 &&
        !self->run.failed) {
        fprintf(stderr, "stictl ingest: %s\n", err);
        self->run.failed = STICTL_USAGE;
    }
    if (info.note[0]) {
        fprintf(stderr, "stictl ingest: %s\n", info.note);
    }
    return info.rows;
}

//  --- JSON ---

//  Writes one JSON row object; returns NULL, or why the row is refused here.
static const char *s_json_row(s_ingest_t *self, const cJSON *row)
{
    if (!cJSON_IsObject(row)) {
        return "must be an object {indicator, org, period, value, ...}";
    }
    size_t count = 0;
    for (const cJSON *item = row->child; item; item = item->next) {
        count++;
    }
    sti_writer_map(self->rows, count);
    for (const cJSON *item = row->child; item; item = item->next) {
        sti_writer_str(self->rows, item->string);
        if (cJSON_IsNumber(item)) {
            sti_writer_double(self->rows, item->valuedouble);
        } else if (cJSON_IsString(item)) {
            sti_writer_str(self->rows, item->valuestring);
        } else if (cJSON_IsBool(item)) {
            sti_writer_bool(self->rows, cJSON_IsTrue(item));
        } else {
            sti_writer_nil(self->rows); // the service names the field and what it wants
        }
    }
    return NULL;
}

//  Reads a JSON file. Returns the rows it had.
static size_t s_read_json(s_ingest_t *self, const char *path)
{
    FILE *file = fopen(path, "rb");
    struct stat st;
    if (!file || fstat(fileno(file), &st) != 0 || !S_ISREG(st.st_mode)) {
        fprintf(stderr, "stictl ingest: cannot read %s: %s\n", path,
                file ? "not a regular file" : strerror(errno));
        self->run.failed = STICTL_USAGE;
        if (file) {
            fclose(file);
        }
        return 0;
    }
    if ((unsigned long long)st.st_size > S_JSON_MAX) {
        fprintf(stderr, "stictl ingest: JSON files are read whole: at most %u MiB\n",
                S_JSON_MAX >> 20);
        self->run.failed = STICTL_USAGE;
        fclose(file);
        return 0;
    }
    char *text = (char *)malloc((size_t)st.st_size + 1);
    size_t got = fread(text, 1, (size_t)st.st_size, file);
    fclose(file);
    text[got] = 0;
    const char *start = got >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0 ? text + 3 : text;
    cJSON *root = cJSON_ParseWithLength(start, got - (size_t)(start - text));
    if (!cJSON_IsArray(root)) {
        fprintf(stderr, "stictl ingest: the JSON file must be an array of rows%s\n",
                root ? "" : " (it does not parse)");
        self->run.failed = STICTL_USAGE;
    }
    size_t row = 0;
    for (const cJSON *item = root ? root->child : NULL; item && !s_halted(self);
         item = item->next) {
        const char *problem = s_json_row(self, item);
        if (problem) {
            s_row_refused(self, ++row, "row", problem);
        } else {
            s_row_done(self, ++row);
        }
    }
    cJSON_Delete(root);
    free(text);
    return row;
}

//  --- the command ---

//  Says so when the file held nothing to submit. Returns true then.
static bool s_nothing(const s_ingest_t *self, const char *path, size_t rows)
{
    if (rows == 0) {
        fprintf(stderr,
                "stictl ingest: %s has no data rows (only a header, or nothing): nothing was "
                "submitted\n",
                path);
        return true;
    }
    if (self->run.skipped == rows) {
        fprintf(stderr,
                "stictl ingest: none of the %zu rows of %s has a value: nothing was submitted\n",
                rows, path);
        return true;
    }
    return false;
}

//  Parses the command line. Returns 0, or the exit code of a usage error.
static int s_arguments(s_ingest_t *self, int argc, char **argv, const char **path)
{
    *path = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--dry-run") == 0) {
            self->run.dry_run = true;
        } else if (strcmp(argv[i], "--wait") == 0) {
            self->wait = true;
        } else if (strcmp(argv[i], "--source") == 0 && i + 1 < argc) {
            self->source = argv[++i];
        } else if (strncmp(argv[i], "--source=", 9) == 0) {
            self->source = argv[i] + 9;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return stictl_usage_error(argv[0], "unknown flag %s", argv[i]);
        } else if (!*path) {
            *path = argv[i];
        } else {
            return stictl_usage_error(argv[0], "one FILE only");
        }
    }
    if (!*path) {
        return stictl_usage_error(argv[0], "FILE is missing");
    }
    const char *dot = strrchr(*path, '.');
    if (!dot || (strcasecmp(dot, ".json") != 0 && !stictl_table_is_csv(*path) &&
                 !stictl_table_is_xlsx(*path))) {
        return stictl_usage_error(
            argv[0], "FILE must end in .csv, .xlsx or .json%s",
            dot && strcasecmp(dot, ".xls") == 0 ? " (an old .xls: save it in Excel as .xlsx)" : "");
    }
    return 0;
}

//  Ends the run: the summary (unless nothing was sent and the reason was
//  said already), then with --wait the wait for the rows to be applied.
//  Returns the exit code.
static int s_finish(s_ingest_t *self)
{
    if (self->progress) {
        fputc('\n', stderr);
    }
    if (self->run.failed == STICTL_USAGE && self->batches == 0) {
        return STICTL_USAGE;
    }
    stictl_batch_print(&self->run, self->ctl->json, self->errors, self->warnings);
    int rc = stictl_batch_exit(&self->run);
    if (self->wait && !self->run.failed && !self->run.dry_run) {
        int waited = self->entry[0] ? stictl_intake_wait(self->ctl, self->entry) : STICTL_OK;
        rc = waited ? waited : rc;
    }
    return rc;
}

int stictl_ingest(stictl_t *ctl, int argc, char **argv)
{
    s_ingest_t self = {.ctl = ctl, .run = {.command = "stictl ingest"}};
    const char *path;
    int rc = s_arguments(&self, argc, argv, &path);
    if (rc) {
        return rc;
    }
    struct stat st;
    self.progress = isatty(STDERR_FILENO) && stat(path, &st) == 0 && st.st_size > 1000000;
    self.rows = sti_writer_new();
    self.errors = tmpfile();
    self.warnings = tmpfile();
    stictl_batch_signals();
    size_t rows = 0;
    if (!self.errors || !self.warnings) {
        fprintf(stderr, "stictl ingest: no temporary file for the report: %s\n", strerror(errno));
        if (self.errors) {
            fclose(self.errors);
        }
        if (self.warnings) {
            fclose(self.warnings);
        }
        sti_writer_destroy(&self.rows);
        return STICTL_FAILED;
    }
    if (stictl_table_is_csv(path) || stictl_table_is_xlsx(path)) {
        rows = s_read_table(&self, path);
    } else {
        rows = s_read_json(&self, path);
    }
    if (!self.run.failed && s_nothing(&self, path, rows)) {
        self.run.failed = STICTL_USAGE;
    }
    s_flush(&self);
    rc = s_finish(&self);
    fclose(self.errors);
    fclose(self.warnings);
    sti_writer_destroy(&self.rows);
    return rc;
}
