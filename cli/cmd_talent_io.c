/*  stictl talent import / export: files of talents.

    import reads a .csv (UTF-8, or GBK found out and converted) or an .xlsx
    (its first sheet) through stictl_table, sends rows in batches of 500,
    each batch under a request id made from its rows (stictl_batch), so
    that a batch retried after a time-out, or sent again by a rerun of the
    same file, registers each row once; a rate_limited answer is waited out;
    Ctrl-C finishes the batch in flight. It prints `accepted N, rejected M`
    (with where it stopped, when it did not finish) then `row K: FIELD:
    reason` for every refused row (K counts data rows from 1 in a CSV, and
    is the sheet's row number in an .xlsx); exit 3 when a row was refused,
    exit 2 when the file has no data rows. A progress bar is drawn on a
    terminal for CSV files over 1 MB.

    export pages through talent.export and writes every record as a CSV row
    (RFC 4180 quoting), personal data masked as the service gives it.
*/
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd_talent.h"

#define S_BATCH 500 // rows per talent.import request

//  The columns of an import file, the required ones first.
static const stictl_column_t s_columns[] = {
    {"name", NULL},     {"id_type", NULL},  {"id_number", NULL},  {"category", NULL},
    {"field", NULL},    {"channel", NULL},  {"arrived", NULL},    {"phone", NULL},
    {"email", NULL},    {"employer", NULL}, {"uscc", NULL},       {"station", NULL},
    {"overseas", NULL}, {"gender", NULL},   {"birth_year", NULL}, {"notes", NULL},
    {NULL, NULL}};
#define S_REQUIRED 7

//  The state of one import.
typedef struct {
    stictl_t *ctl;          // global options and the client
    sti_writer_t *rows;     // the batch's rows, without the array header
    size_t batch_rows;      // rows in the batch
    size_t row_of[S_BATCH]; // the number each row of the batch is reported under
    bool refused[S_BATCH];  // the service refused that row of the batch
    size_t batches;         // batches sent
    stictl_batch_t run;     // how far the run got (counts, failure)
    FILE *report;           // refused rows, until the summary is out
    bool progress;          // draw a progress bar
} s_import_t;

//  Records one refused row in the report.
static void s_report(s_import_t *self, size_t row, const char *field, const char *reason)
{
    stictl_report_row(self->report, self->ctl->json, row, field, reason);
}

//  Takes the results of one batch's answer. Returns 0, or an exit code.
static int s_take_reply(s_import_t *self, const sti_reply_t *reply)
{
    if (!reply->ok) {
        return stictl_print_error(reply);
    }
    sti_field_error_t err;
    int64_t accepted = 0, rejected = 0, replayed = 0;
    sti_map_int(reply->body, "accepted", &accepted, &err);
    sti_map_int(reply->body, "rejected", &rejected, &err);
    if (!sti_node_is_missing(sti_node_get(reply->body, "replayed"))) {
        sti_map_int(reply->body, "replayed", &replayed, &err);
    }
    self->run.accepted += (size_t)accepted;
    self->run.rejected += (size_t)rejected;
    self->run.replayed += (size_t)replayed;
    memset(self->refused, 0, sizeof self->refused);
    sti_node_t errors = sti_node_get(reply->body, "errors");
    for (size_t i = 0; i < sti_node_size(errors); i++) {
        sti_node_t detail = sti_node_at(errors, i);
        int64_t index = 0;
        char field[128] = "?", reason[512] = "?";
        sti_map_int(detail, "index", &index, &err);
        sti_map_str_copy(detail, "field", field, sizeof field, &err);
        sti_map_str_copy(detail, "reason", reason, sizeof reason, &err);
        bool ours = index >= 0 && (size_t)index < self->batch_rows;
        if (ours) {
            self->refused[index] = true;
        }
        s_report(self, ours ? self->row_of[index] : 0, field, reason);
    }
    for (size_t i = self->batch_rows; accepted > 0 && i-- > 0;) {
        if (!self->refused[i]) {
            self->run.last_row = self->row_of[i];
            break;
        }
    }
    return 0;
}

//  Sends the batch as one talent.import request, under the request id its
//  rows make (stictl_batch_send), and takes its results.
static void s_flush(s_import_t *self)
{
    if (self->run.failed || self->batch_rows == 0) {
        return;
    }
    stictl_batch_op_t op = {"talent-import", "sti.talent", "talent.import", NULL, false, false};
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

//  The overseas column: 1, 0, or -1 when empty; -2 when it is not a yes or no.
static int s_overseas(const char *text)
{
    static const char *const yes[] = {"true", "yes", "1", "y"}, *const no[] = {"false", "no", "0",
                                                                               "n"};
    if (!text || !*text) {
        return -1;
    }
    for (int i = 0; i < 4; i++) {
        if (strcasecmp(text, yes[i]) == 0) {
            return 1;
        }
        if (strcasecmp(text, no[i]) == 0) {
            return 0;
        }
    }
    return -2;
}

static int s_row(void *arg, size_t row, char *const *fields, const char *problem)
{
    s_import_t *self = (s_import_t *)arg;
    if (!self->run.failed && stictl_batch_stopping()) {
        self->run.failed = STICTL_INTERRUPTED;
    }
    if (self->run.failed) {
        return -1;
    }
    int overseas = problem ? -1 : s_overseas(fields[12]);
    if (problem || overseas == -2) {
        s_report(self, row, problem ? "row" : "overseas",
                 problem ? problem : "must be true or false (yes, no, 1, 0)");
        self->run.rejected++;
        return 0;
    }
    const char *v[16];
    for (int c = 0; c < 16; c++) {
        v[c] = fields[c] && fields[c][0] ? fields[c] : NULL;
    }
    stictl_talent_fields_t record = {.name = v[0],
                                     .id_type = v[1],
                                     .id_number = v[2],
                                     .category = v[3],
                                     .field = v[4],
                                     .channel = v[5],
                                     .arrived = v[6],
                                     .phone = v[7],
                                     .email = v[8],
                                     .employer = v[9],
                                     .uscc = v[10],
                                     .station = v[11],
                                     .overseas = overseas,
                                     .gender = v[13],
                                     .birth_year = v[14],
                                     .notes = v[15]};
    stictl_talent_fields_write(&record, self->rows);
    self->row_of[self->batch_rows] = row;
    if (++self->batch_rows == S_BATCH) {
        s_flush(self);
    }
    return 0;
}

static void s_progress(void *arg, long long done, long long total)
{
    s_import_t *self = (s_import_t *)arg;
    if (self->progress && total > 0) {
        int percent = (int)(100 * done / total), filled = percent / 4;
        fprintf(stderr, "\r[%.*s%*s] %3d%%", filled, "#########################", 25 - filled, "",
                percent);
    }
}

int stictl_talent_import(stictl_t *ctl, int argc, char **argv)
{
    if (argc != 2 || argv[1][0] == '-' ||
        !(stictl_table_is_csv(argv[1]) || stictl_table_is_xlsx(argv[1]))) {
        return stictl_usage_error("talent", "import: one FILE.csv or FILE.xlsx");
    }
    struct stat st;
    s_import_t self = {.ctl = ctl, .run = {.command = "stictl talent import"}};
    self.progress = isatty(STDERR_FILENO) && stat(argv[1], &st) == 0 && st.st_size > 1000000;
    self.report = tmpfile();
    if (!self.report) {
        fprintf(stderr, "stictl talent import: no temporary file: %s\n", strerror(errno));
        return STICTL_FAILED;
    }
    self.rows = sti_writer_new();
    stictl_batch_signals();
    stictl_table_info_t info = {0};
    char err[768];
    if (stictl_table_read(argv[1], s_columns, S_REQUIRED, s_row, s_progress, &self, &info, err,
                          sizeof err) != 0 &&
        !self.run.failed) {
        fprintf(stderr, "stictl talent import: %s\n", err);
        self.run.failed = STICTL_USAGE;
    }
    if (info.note[0]) {
        fprintf(stderr, "stictl talent import: %s\n", info.note);
    }
    if (!self.run.failed && info.rows == 0) {
        fprintf(stderr, "stictl talent import: %s has no data rows: nothing was submitted\n",
                argv[1]);
        self.run.failed = STICTL_USAGE;
    }
    s_flush(&self);
    if (self.progress) {
        fputc('\n', stderr);
    }
    int rc = self.run.failed;
    if (self.run.failed != STICTL_USAGE || self.batches > 0) {
        stictl_batch_print(&self.run, ctl->json, self.report, NULL);
        rc = stictl_batch_exit(&self.run);
    }
    fclose(self.report);
    sti_writer_destroy(&self.rows);
    return rc;
}

//  --- export ---

//  The export's columns: a record key, or "map.key" inside a nested map.
static const char *const s_export_columns[] = {
    "id",       "version",       "name",          "gender",       "birth_year",
    "id_type",  "id_number",     "phone",         "email",        "category",
    "field",    "employer.name", "employer.uscc", "channel.kind", "channel.station",
    "overseas", "arrived",       "status",        "left_on",      "notes",
    NULL};

//  Writes text as one CSV field (quoted when it needs to be).
static void s_csv_field(FILE *out, const char *text)
{
    if (!strpbrk(text, ",\"\r\n")) {
        fputs(text, out);
        return;
    }
    fputc('"', out);
    for (const char *p = text; *p; p++) {
        if (*p == '"') {
            fputc('"', out);
        }
        fputc(*p, out);
    }
    fputc('"', out);
}

static void s_export_row(FILE *out, sti_node_t talent)
{
    for (int c = 0; s_export_columns[c]; c++) {
        char key[32], value[4096] = "";
        snprintf(key, sizeof key, "%s", s_export_columns[c]);
        char *dot = strchr(key, '.');
        sti_node_t node = talent;
        if (dot) {
            *dot = 0;
            node = sti_node_get(talent, key);
            node = sti_node_get(node, dot + 1);
        } else {
            node = sti_node_get(talent, key);
        }
        if (!sti_node_is_missing(node) && sti_node_type(node) != STI_TYPE_NIL) {
            stictl_node_text(node, value, sizeof value);
        }
        if (c) {
            fputc(',', out);
        }
        s_csv_field(out, value);
    }
    fputc('\n', out);
}

int stictl_talent_export(stictl_t *ctl, int argc, char **argv)
{
    sti_writer_t *filters = sti_writer_new();
    const char *path = NULL;
    int pairs = stictl_talent_filters(argc, argv, filters, NULL, NULL, NULL, &path);
    if (pairs < 0) {
        sti_writer_destroy(&filters);
        return STICTL_USAGE;
    }
    FILE *out = path && strcmp(path, "-") != 0 ? fopen(path, "w") : stdout;
    if (!out) {
        fprintf(stderr, "stictl talent export: cannot write %s: %s\n", path, strerror(errno));
        sti_writer_destroy(&filters);
        return STICTL_USAGE;
    }
    for (int c = 0; s_export_columns[c]; c++) {
        fprintf(out, "%s%s", c ? "," : "", s_export_columns[c]);
    }
    fputc('\n', out);
    int64_t cursor = 0;
    size_t rows = 0;
    int rc = STICTL_OK;
    do {
        sti_reply_t reply;
        rc = stictl_talent_page(ctl, "talent.export", filters, pairs, 1000, cursor, &reply);
        if (rc != STICTL_OK) {
            break;
        }
        sti_node_t talents = sti_node_get(reply.body, "talents");
        for (size_t i = 0; i < sti_node_size(talents); i++) {
            s_export_row(out, sti_node_at(talents, i));
            rows++;
        }
        sti_field_error_t err;
        sti_node_t next = sti_node_get(reply.body, "next");
        cursor = 0;
        if (sti_node_type(next) == STI_TYPE_INT) {
            sti_node_int(next, &cursor, &err);
        }
        sti_reply_release(&reply);
    } while (cursor > 0);
    if (out != stdout) {
        fclose(out);
        if (rc == STICTL_OK) {
            fprintf(stderr, "exported %zu talents to %s\n", rows, path);
        }
    }
    sti_writer_destroy(&filters);
    return rc;
}
