/*  stictl ingest: submits a file of observations to sti.ingest.

    A table file (.csv or .xlsx, read by stictl_table: the header in English
    or Chinese, in any order; a CSV in UTF-8 with or without a BOM, or in
    GBK, converted; an .xlsx's first sheet) or JSON (an array of row
    objects), chosen by the file's extension. Rows are sent in batches of
    1,000, each with its own request id, so a batch retried after a time-out
    is applied once. Refused rows are reported as `row K: FIELD: reason`:
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

    The file is read as a stream: memory stays bounded by one batch, one
    row (stictl_csv: fields of at most 64 KiB; an .xlsx is held whole, at
    most 64 MiB) and the error report, which goes to a temporary file until
    the summary has been printed.
*/
#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "stictl.h"

const char stictl_ingest_usage[] =
    "usage: stictl ingest FILE [--source NAME] [--dry-run] [--json]\n"
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
    "Prints `accepted N, rejected M` (and `, skipped K without a value`), then\n"
    "`row K: FIELD: reason` for each refused row: K counts data rows from 1 in a CSV\n"
    "or JSON file, and is the row number Excel shows in an .xlsx. --json prints\n"
    "{\"accepted\": N, \"rejected\": M, \"skipped\": K, \"errors\": [{\"row\", \"field\",\n"
    "\"reason\"}]}. --dry-run checks every row and keeps nothing.\n"
    "Exit 3 when any row was refused. Exit 2 when the file cannot be read to its\n"
    "end (the message names the row, cell or column; batches of 1,000 rows sent\n"
    "before stay, and sending the mended file again changes nothing for them) or\n"
    "has no data row with a value (nothing is sent).\n";

#define S_BATCH 1000            // rows per request
#define S_SENT 7                // the columns sent (the ones before name)
#define S_JSON_MAX (256u << 20) // largest JSON file, bytes

//  The columns of a table, the four required ones first.
static const stictl_column_t s_columns[] = {{"indicator", "指标|指标代码"},
                                            {"org", "组织|填报单位|组织代码"},
                                            {"period", "期间|报告期"},
                                            {"value", "数值"},
                                            {"unit", "单位|计量单位"},
                                            {"source", "来源|数据来源"},
                                            {"note", "备注"},
                                            {"name", "指标名称|名称"},
                                            {NULL, NULL}};

//  The state of one ingest run.
typedef struct {
    stictl_t *ctl;          // global options and the client
    const char *source;     // --source, or NULL
    bool dry_run;           // --dry-run
    sti_writer_t *rows;     // the batch's rows, without the array header
    size_t batch_rows;      // rows in the batch
    size_t row_of[S_BATCH]; // the number each row of the batch is reported under
    size_t accepted;        // rows accepted so far
    size_t rejected;        // rows refused so far (here or by the service)
    size_t skipped;         // rows without a value
    FILE *errors;           // the error report, until the summary is out
    int failed;             // exit code of a failure that stops the run, or 0
    bool progress;          // draw a progress bar
} s_ingest_t;

//  Records one refused row in the report.
static void s_report(s_ingest_t *self, size_t row, const char *field, const char *reason)
{
    stictl_report_row(self->errors, self->ctl->json, row, field, reason);
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
    self->accepted += (size_t)accepted;
    self->rejected += (size_t)rejected;
    sti_node_t errors = sti_node_get(reply->body, "errors");
    for (size_t i = 0; i < sti_node_size(errors); i++) {
        sti_node_t detail = sti_node_at(errors, i);
        int64_t index = 0;
        char field[128] = "?", reason[512] = "?";
        sti_map_int(detail, "index", &index, &err);
        sti_map_str_copy(detail, "field", field, sizeof field, &err);
        sti_map_str_copy(detail, "reason", reason, sizeof reason, &err);
        size_t row = index >= 0 && (size_t)index < self->batch_rows ? self->row_of[index] : 0;
        s_report(self, row, field, reason);
    }
    return 0;
}

//  Sends the rows gathered so far as one obs.submit request.
static void s_flush(s_ingest_t *self)
{
    if (self->failed || self->batch_rows == 0) {
        return;
    }
    char id[STI_ID_MAX + 1];
    sti_writer_t *request = stictl_request("obs.submit", id, sizeof id);
    size_t size;
    const void *rows = sti_writer_data(self->rows, &size);
    sti_writer_map(request, self->source ? 4 : 3);
    sti_writer_str(request, "rows");
    sti_writer_array(request, self->batch_rows);
    sti_writer_raw(request, rows, size);
    sti_writer_kv_bool(request, "dry_run", self->dry_run);
    sti_writer_kv_str(request, "request_id", id);
    if (self->source) {
        sti_writer_kv_str(request, "source", self->source);
    }
    sti_reply_t reply;
    int rc = stictl_call(self->ctl, "sti.ingest", request, &reply);
    if (rc != 0) {
        self->failed = rc;
    } else {
        self->failed = s_take_reply(self, &reply);
        sti_reply_release(&reply);
    }
    sti_writer_destroy(&request);
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
    self->rejected++;
}

//  Writes a value as a number when the text is a plain one, else as the
//  text, which the service reads (`1,234`, `3.5%`) or refuses naming it.
static void s_write_value(sti_writer_t *writer, const char *text)
{
    char *end = NULL;
    errno = 0;
    double value = strtod(text, &end);
    if (*text && end && *end == 0 && !errno && isfinite(value)) {
        sti_writer_double(writer, value);
    } else {
        sti_writer_str(writer, text);
    }
}

//  True when text is empty or only spaces.
static bool s_blank(const char *text)
{
    return !text || text[strspn(text, " \t\r\n")] == 0;
}

//  --- tables (.csv, .xlsx) ---

//  One data row of a table: sent in the batch, skipped, or refused here.
static int s_table_row(void *arg, size_t row, char *const *fields, const char *problem)
{
    s_ingest_t *self = (s_ingest_t *)arg;
    if (self->failed) {
        return -1;
    }
    if (problem) {
        s_row_refused(self, row, "row", problem);
        return 0;
    }
    if (s_blank(fields[3])) {
        self->skipped++;
        return 0;
    }
    size_t present = 0;
    for (int c = 0; c < S_SENT; c++) {
        present += fields[c] && (c < 4 || fields[c][0]);
    }
    sti_writer_map(self->rows, present);
    for (int c = 0; c < S_SENT; c++) {
        if (fields[c] && (c < 4 || fields[c][0])) {
            sti_writer_str(self->rows, s_columns[c].name);
            if (c == 3) {
                s_write_value(self->rows, fields[c]);
            } else {
                sti_writer_str(self->rows, fields[c]);
            }
        }
    }
    s_row_done(self, row);
    return 0;
}

//  Reads a table file. Returns the data rows it had.
static size_t s_read_table(s_ingest_t *self, const char *path)
{
    stictl_table_info_t info;
    char err[768];
    if (stictl_table_read(path, s_columns, 4, s_table_row, s_draw_progress, self, &info, err,
                          sizeof err) != 0 &&
        !self->failed) {
        fprintf(stderr, "stictl ingest: %s\n", err);
        self->failed = STICTL_USAGE;
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
        self->failed = STICTL_USAGE;
        if (file) {
            fclose(file);
        }
        return 0;
    }
    if ((unsigned long long)st.st_size > S_JSON_MAX) {
        fprintf(stderr, "stictl ingest: JSON files are read whole: at most %u MiB\n",
                S_JSON_MAX >> 20);
        self->failed = STICTL_USAGE;
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
        self->failed = STICTL_USAGE;
    }
    size_t row = 0;
    for (const cJSON *item = root ? root->child : NULL; item && !self->failed; item = item->next) {
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

static int s_summary(s_ingest_t *self)
{
    if (self->progress) {
        fputc('\n', stderr);
    }
    if (self->ctl->json) {
        printf("{\"accepted\": %zu, \"rejected\": %zu, \"skipped\": %zu, \"errors\": [",
               self->accepted, self->rejected, self->skipped);
    } else if (self->skipped) {
        printf("accepted %zu, rejected %zu, skipped %zu without a value\n", self->accepted,
               self->rejected, self->skipped);
    } else {
        printf("accepted %zu, rejected %zu\n", self->accepted, self->rejected);
    }
    stictl_report_print(self->errors, self->ctl->json);
    return self->rejected ? STICTL_PARTIAL : STICTL_OK;
}

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
    if (self->skipped == rows) {
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
            self->dry_run = true;
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

int stictl_ingest(stictl_t *ctl, int argc, char **argv)
{
    s_ingest_t self = {.ctl = ctl};
    const char *path;
    int rc = s_arguments(&self, argc, argv, &path);
    if (rc) {
        return rc;
    }
    struct stat st;
    self.progress = isatty(STDERR_FILENO) && stat(path, &st) == 0 && st.st_size > 1000000;
    self.rows = sti_writer_new();
    self.errors = tmpfile();
    size_t rows = 0;
    if (!self.errors) {
        fprintf(stderr, "stictl ingest: no temporary file for the report: %s\n", strerror(errno));
        self.failed = STICTL_FAILED;
    } else if (stictl_table_is_csv(path) || stictl_table_is_xlsx(path)) {
        rows = s_read_table(&self, path);
    } else {
        rows = s_read_json(&self, path);
    }
    if (!self.failed && s_nothing(&self, path, rows)) {
        self.failed = STICTL_USAGE;
    }
    s_flush(&self);
    rc = self.failed ? self.failed : s_summary(&self);
    if (self.errors) {
        fclose(self.errors);
    }
    sti_writer_destroy(&self.rows);
    return rc;
}
