/*  stictl ingest: submits a file of observations to sti.ingest.

    CSV (header indicator,org,period,value and optionally unit,source,note,
    in any order; UTF-8 with or without a BOM; quoting, embedded commas and
    newlines as RFC 4180 has them, read with libcsv) or JSON (an array of
    such objects), chosen by the file's extension. Rows are sent in batches of
    1,000, each with its own request id, so a batch retried after a time-out
    is applied once. Refused rows are reported as `row K: FIELD: reason`,
    K counting data rows from 1.

    The file is read as a stream: memory stays bounded by one batch, one CSV
    row (stictl_csv.c: fields of at most 64 KiB) and the error report, which
    goes to a temporary file until the summary has been printed. A CSV row with the wrong number
    of fields, a field with a NUL byte, or a header with an unknown or missing
    column is refused here, with the same kind of message.
*/
#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "stictl.h"

const char stictl_ingest_usage[] =
    "usage: stictl ingest FILE [--source NAME] [--dry-run] [--json]\n"
    "\n"
    "Submits the observations in FILE to sti.ingest. FILE is CSV (.csv: a header\n"
    "indicator,org,period,value and optionally unit,source,note) or JSON (.json: an\n"
    "array of {indicator, org, period, value, unit?, source?, note?}).\n"
    "Prints `accepted N, rejected M`, then `row K: FIELD: reason` for each refused\n"
    "row (K counts data rows from 1). --json prints\n"
    "{\"accepted\": N, \"rejected\": M, \"errors\": [{\"row\", \"field\", \"reason\"}]}.\n"
    "--dry-run checks every row and keeps nothing. Exit 3 when any row was refused.\n";

#define S_BATCH 1000             // rows per request
#define S_COLUMNS 7              // the columns a file may have
#define S_JSON_MAX (256u << 20)  // largest JSON file, bytes

//  The columns, the four required ones first (NULL-terminated for stictl_csv).
static const char *const s_columns[S_COLUMNS + 1] = {"indicator", "org",  "period", "value",
                                                     "unit",      "source", "note",  NULL};

//  The state of one ingest run.
typedef struct {
    stictl_t *ctl;              // global options and the client
    const char *source;         // --source, or NULL
    bool dry_run;               // --dry-run
    sti_writer_t *rows;         // the batch's rows, without the array header
    size_t batch_rows;          // rows in the batch
    size_t batch_first;         // data-row number (from 1) of the batch's first row
    size_t next_row;            // data-row number of the next row read
    size_t accepted;            // rows accepted so far
    size_t rejected;            // rows refused so far (here or by the service)
    FILE *errors;               // the error report, until the summary is out
    int failed;                 // exit code of a failure that stops the run, or 0
    // progress
    long long file_size;        // bytes in the file
    long long file_done;        // bytes read
    bool progress;              // draw a progress bar
} s_ingest_t;

//  Records one refused row in the report.
static void s_report(s_ingest_t *self, size_t row, const char *field, const char *reason)
{
    if (self->ctl->json) {
        cJSON *error = cJSON_CreateObject();
        cJSON_AddNumberToObject(error, "row", (double)row);
        cJSON_AddStringToObject(error, "field", field);
        cJSON_AddStringToObject(error, "reason", reason);
        char *text = cJSON_PrintUnformatted(error);
        fprintf(self->errors, "%s%s", ftell(self->errors) > 0 ? "," : "", text);
        cJSON_free(text);
        cJSON_Delete(error);
    } else {
        fprintf(self->errors, "row %zu: %s: %s\n", row, field, reason);
    }
}

static void s_draw_progress(s_ingest_t *self)
{
    if (self->progress && self->file_size > 0) {
        int percent = (int)(100 * self->file_done / self->file_size);
        int filled = percent / 4;
        fprintf(stderr, "\r[%.*s%*s] %3d%%  %zu rows", filled, "#########################",
                25 - filled, "", percent, self->next_row - 1);
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
        s_report(self, self->batch_first + (size_t)index, field, reason);
    }
    return 0;
}

//  Sends the rows gathered so far as one obs.submit request.
static void s_flush(s_ingest_t *self)
{
    if (self->failed || self->batch_rows == 0) {
        self->batch_first = self->next_row;
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
    self->batch_first = self->next_row;
    s_draw_progress(self);
}

//  Adds a row of the file to the batch: row is the data-row number.
static void s_row_done(s_ingest_t *self)
{
    self->batch_rows++;
    self->next_row++;
    if (self->batch_rows == S_BATCH) {
        s_flush(self);
    }
}

//  A row refused before sending: counted and reported, not sent.
static void s_row_refused(s_ingest_t *self, const char *field, const char *reason)
{
    if (self->batch_rows == 0) {
        self->batch_first = self->next_row + 1;
    }
    s_report(self, self->next_row, field, reason);
    self->rejected++;
    self->next_row++;
    //  The batch's row numbers must stay contiguous: send what came before.
    if (self->batch_rows) {
        size_t next = self->next_row;
        self->next_row--;
        s_flush(self);
        self->next_row = next;
        self->batch_first = next;
    }
}

//  Writes a value as a number when the text is one, else as the text, so the
//  service names what is wrong with it.
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

//  --- CSV ---

//  One data row of the CSV reader: sent in the batch, or refused here.
static void s_csv_row(void *arg, size_t row, char *const *fields, const char *problem)
{
    (void)row; // rows are counted here too, with the JSON path's counter
    s_ingest_t *self = (s_ingest_t *)arg;
    if (self->failed) {
        return;
    }
    if (problem) {
        s_row_refused(self, "row", problem);
        return;
    }
    size_t present = 0;
    for (int c = 0; c < S_COLUMNS; c++) {
        present += fields[c] && (c < 4 || fields[c][0]);
    }
    sti_writer_map(self->rows, present);
    for (int c = 0; c < S_COLUMNS; c++) {
        if (fields[c] && (c < 4 || fields[c][0])) {
            sti_writer_str(self->rows, s_columns[c]);
            if (c == 3) {
                s_write_value(self->rows, fields[c]);
            } else {
                sti_writer_str(self->rows, fields[c]);
            }
        }
    }
    s_row_done(self);
}

static void s_read_csv(s_ingest_t *self, FILE *file)
{
    stictl_csv_t *csv = stictl_csv_new(s_columns, 4, s_csv_row, self);
    char buffer[64 * 1024];
    char err[256];
    size_t got;
    while (!self->failed && (got = fread(buffer, 1, sizeof buffer, file)) > 0) {
        self->file_done += (long long)got;
        if (stictl_csv_feed(csv, buffer, got, err, sizeof err)) {
            fprintf(stderr, "stictl ingest: %s\n", err);
            self->failed = STICTL_USAGE;
        }
    }
    if (!self->failed && stictl_csv_finish(csv, err, sizeof err)) {
        fprintf(stderr, "stictl ingest: %s\n", err);
        self->failed = STICTL_USAGE;
    }
    stictl_csv_destroy(&csv);
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

static void s_read_json(s_ingest_t *self, FILE *file)
{
    if (self->file_size > (long long)S_JSON_MAX) {
        fprintf(stderr, "stictl ingest: JSON files are read whole: at most %u MiB\n",
                S_JSON_MAX >> 20);
        self->failed = STICTL_USAGE;
        return;
    }
    char *text = (char *)malloc((size_t)self->file_size + 1);
    size_t got = fread(text, 1, (size_t)self->file_size, file);
    text[got] = 0;
    self->file_done = (long long)got;
    const char *start = got >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0 ? text + 3 : text;
    cJSON *root = cJSON_ParseWithLength(start, got - (size_t)(start - text));
    if (!cJSON_IsArray(root)) {
        fprintf(stderr, "stictl ingest: the JSON file must be an array of rows%s\n",
                root ? "" : " (it does not parse)");
        self->failed = STICTL_USAGE;
    }
    for (const cJSON *row = root ? root->child : NULL; row && !self->failed; row = row->next) {
        size_t mark;
        sti_writer_data(self->rows, &mark);
        const char *problem = s_json_row(self, row);
        if (problem) {
            s_row_refused(self, "row", problem);
        } else {
            s_row_done(self);
        }
    }
    cJSON_Delete(root);
    free(text);
}

//  --- the command ---

static int s_summary(s_ingest_t *self)
{
    if (self->progress) {
        fputc('\n', stderr);
    }
    rewind(self->errors);
    char buffer[8192];
    size_t got;
    if (self->ctl->json) {
        printf("{\"accepted\": %zu, \"rejected\": %zu, \"errors\": [", self->accepted,
               self->rejected);
    } else {
        printf("accepted %zu, rejected %zu\n", self->accepted, self->rejected);
    }
    while ((got = fread(buffer, 1, sizeof buffer, self->errors)) > 0) {
        fwrite(buffer, 1, got, stdout);
    }
    if (self->ctl->json) {
        printf("]}\n");
    }
    return self->rejected ? STICTL_PARTIAL : STICTL_OK;
}

int stictl_ingest(stictl_t *ctl, int argc, char **argv)
{
    s_ingest_t self = {.ctl = ctl, .next_row = 1, .batch_first = 1};
    const char *path = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--dry-run") == 0) {
            self.dry_run = true;
        } else if (strcmp(argv[i], "--source") == 0 && i + 1 < argc) {
            self.source = argv[++i];
        } else if (strncmp(argv[i], "--source=", 9) == 0) {
            self.source = argv[i] + 9;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return stictl_usage_error(argv[0], "unknown flag %s", argv[i]);
        } else if (!path) {
            path = argv[i];
        } else {
            return stictl_usage_error(argv[0], "one FILE only");
        }
    }
    if (!path) {
        return stictl_usage_error(argv[0], "FILE is missing");
    }
    const char *dot = strrchr(path, '.');
    bool csv = dot && strcasecmp(dot, ".csv") == 0, json = dot && strcasecmp(dot, ".json") == 0;
    if (!csv && !json) {
        return stictl_usage_error(argv[0], "FILE must end in .csv or .json");
    }
    FILE *file = fopen(path, "rb");
    struct stat st;
    if (!file || fstat(fileno(file), &st) != 0 || !S_ISREG(st.st_mode)) {
        fprintf(stderr, "stictl ingest: cannot read %s: %s\n", path,
                file ? "not a regular file" : strerror(errno));
        if (file) {
            fclose(file);
        }
        return STICTL_USAGE;
    }
    self.file_size = st.st_size;
    self.progress = isatty(STDERR_FILENO) && st.st_size > 1000000;
    self.rows = sti_writer_new();
    self.errors = tmpfile();
    if (!self.errors) {
        fprintf(stderr, "stictl ingest: no temporary file for the report: %s\n", strerror(errno));
        self.failed = STICTL_FAILED;
    } else if (csv) {
        s_read_csv(&self, file);
    } else {
        s_read_json(&self, file);
    }
    s_flush(&self);
    fclose(file);
    int rc = self.failed ? self.failed : s_summary(&self);
    if (self.errors) {
        fclose(self.errors);
    }
    sti_writer_destroy(&self.rows);
    return rc;
}
