/*  stictl project import: a table of projects (.csv in UTF-8 or GBK, or
    an .xlsx's first sheet, read by stictl_table) sent as one
    project.import: every row is taken, or none.

    A row's cells are turned into the map project.add takes (cmd_project.h:
    amounts with their unit, milestones, investment made); a cell that does
    not read, and every problem the service finds, is reported as `row K:
    FIELD: reason`, K counting data rows from 1 in a CSV and being the
    sheet's row number in an .xlsx. With any problem nothing is imported
    (exit 1). The request id is the run's (--request-id), so the same
    command again after a time-out imports nothing twice.
*/
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_project.h"

#define S_ROWS_MAX 1000 // rows of one import (the service's bound)

//  The columns, the required ones first; Chinese headers as aliases.
static const stictl_column_t s_columns[] = {
    {"code", "代码|项目代码|项目编号"},
    {"name_zh", "名称|项目名称"},
    {"kind", "类型|项目类型"},
    {"level", "级别|项目级别"},
    {"org", "责任单位|组织"},
    {"start", "开始|开始期间"},
    {"end", "结束|结束期间"},
    {"name_en", "英文名称"},
    {"programme", "工程|所属工程"},
    {"lead", "牵头单位"},
    {"investment", "计划投资"},
    {"investment_unit", "投资单位"},
    {"status", "状态"},
    {"status_on", "状态日期"},
    {"reason", "原因"},
    {"milestones", "里程碑"},
    {"invested", "已完成投资"},
    {NULL, NULL},
};
#define S_REQUIRED 7
#define S_COLUMNS 17

//  The state of one import.
typedef struct {
    stictl_t *ctl;             // global options and the client
    bool dry_run;              // --dry-run: check only
    sti_writer_t *rows;        // the rows read, without the array header
    size_t count;              // how many
    size_t row_of[S_ROWS_MAX]; // the number each row is reported under
    size_t problems;           // rows refused here
    FILE *report;              // the problems, until the summary is out
} s_import_t;

//  Records one refused row in the report.
static void s_report(s_import_t *self, size_t row, const char *field, const char *reason)
{
    stictl_report_row(self->report, self->ctl->json, row, field, reason);
}

//  Fills fields from a row's cells (cells[c] is column c, or NULL / "").
//  investment and the lists are put in buffers the row owns.
static void s_fields(char *const *cells, stictl_project_fields_t *f, char *investment, size_t cap)
{
    const char *v[S_COLUMNS];
    for (int c = 0; c < S_COLUMNS; c++) {
        v[c] = cells[c] && cells[c][0] ? cells[c] : NULL;
    }
    memset(f, 0, sizeof *f);
    f->code = v[0];
    f->name_zh = v[1];
    f->kind = v[2];
    f->level = v[3];
    f->org = v[4];
    f->start = v[5];
    f->end = v[6];
    f->name_en = v[7];
    f->programme = v[8];
    f->lead = v[9];
    f->status = v[12];
    f->status_on = v[13];
    f->reason = v[14];
    if (v[10]) {
        snprintf(investment, cap, "%s%s", v[10], v[11] ? v[11] : "");
        f->investment = investment;
    }
}

//  Writes the row's map into the rows to send. A value that does not read
//  here is reported and left out (its key dropped), so the service still
//  checks the rest of the row.
static void s_take(s_import_t *self, size_t row, stictl_project_fields_t *f)
{
    char field[32], reason[256];
    for (int attempt = 0; attempt < 4; attempt++) {
        sti_writer_t *one = sti_writer_new();
        int rc = stictl_project_fields_write(f, 0, one, field, sizeof field, reason, sizeof reason);
        if (rc == 0) {
            size_t size;
            const void *data = sti_writer_data(one, &size);
            sti_writer_raw(self->rows, data, size);
            self->row_of[self->count++] = row;
        }
        sti_writer_destroy(&one);
        if (rc == 0) {
            return;
        }
        s_report(self, row, field, reason);
        self->problems++;
        if (strcmp(field, "investment") == 0) {
            f->investment = NULL;
        } else if (strcmp(field, "milestones") == 0) {
            f->milestone_count = 0;
        } else {
            f->invested_count = 0;
        }
    }
}

static int s_row(void *arg, size_t row, char *const *cells, const char *problem)
{
    s_import_t *self = (s_import_t *)arg;
    stictl_project_fields_t f;
    char investment[128];
    if (self->count == S_ROWS_MAX || problem) {
        s_report(self, row, "row",
                 problem ? problem
                         : "more than 1000 rows: import the file "
                           "in parts");
        self->problems++;
        return problem ? 0 : -1;
    }
    s_fields(cells, &f, investment, sizeof investment);
    int milestones =
        cells[15] ? stictl_project_split(cells[15], f.milestone, STICTL_PROJECT_LIST_MAX) : 0;
    int invested =
        cells[16] ? stictl_project_split(cells[16], f.invested, STICTL_PROJECT_LIST_MAX) : 0;
    f.milestone_count = milestones > 0 ? (size_t)milestones : 0;
    f.invested_count = invested > 0 ? (size_t)invested : 0;
    if (milestones < 0 || invested < 0) {
        char reason[64];
        snprintf(reason, sizeof reason, "more than %d entries", STICTL_PROJECT_LIST_MAX);
        s_report(self, row, milestones < 0 ? "milestones" : "invested", reason);
        self->problems++;
    }
    s_take(self, row, &f);
    return 0;
}

//  Sends the rows as one project.import (dry_run: checks only). Returns
//  the exit code (the service's problems are reported under their rows).
static int s_send(s_import_t *self, bool dry_run, sti_reply_t *reply)
{
    char id[STI_ID_MAX + 1];
    sti_writer_t *request = stictl_request("project.import", id, sizeof id);
    size_t size;
    const void *rows = sti_writer_data(self->rows, &size);
    sti_writer_map(request, 3);
    sti_writer_kv_str(request, "request_id", id);
    sti_writer_kv_bool(request, "dry_run", dry_run);
    sti_writer_str(request, "rows");
    sti_writer_array(request, self->count);
    sti_writer_raw(request, rows, size);
    int rc = stictl_project_call(self->ctl, request, reply);
    if (rc != 0 || reply->ok) {
        return rc;
    }
    if (sti_node_size(reply->details) == 0) {
        rc = stictl_print_error(reply);
        sti_reply_release(reply);
        return rc;
    }
    for (size_t i = 0; i < sti_node_size(reply->details); i++) {
        sti_node_t detail = sti_node_at(reply->details, i);
        int64_t index = -1;
        char field[128] = "?", reason[512] = "?";
        sti_field_error_t fe;
        sti_map_int(detail, "index", &index, &fe);
        sti_map_str_copy(detail, "field", field, sizeof field, &fe);
        sti_map_str_copy(detail, "reason", reason, sizeof reason, &fe);
        s_report(self, index >= 0 && (size_t)index < self->count ? self->row_of[index] : 0, field,
                 reason);
        self->problems++;
    }
    sti_reply_release(reply);
    return STICTL_FAILED;
}

//  Prints what happened: the projects imported, or the problems.
static int s_summary(s_import_t *self, const sti_reply_t *reply)
{
    int64_t added = 0, unchanged = 0;
    sti_field_error_t fe;
    if (!self->problems) {
        sti_map_int(reply->body, "added", &added, &fe);
        sti_map_int(reply->body, "unchanged", &unchanged, &fe);
    }
    if (self->ctl->json) {
        printf("{\"imported\": %s, \"dry_run\": %s, \"added\": %lld, \"unchanged\": %lld, "
               "\"errors\": [",
               self->problems || self->dry_run ? "false" : "true", self->dry_run ? "true" : "false",
               (long long)added, (long long)unchanged);
    } else if (self->problems) {
        printf("nothing was imported: %zu problem%s\n", self->problems,
               self->problems == 1 ? "" : "s");
    } else {
        printf("%s %zu projects: %lld %s, %lld unchanged\n", self->dry_run ? "checked" : "imported",
               self->count, (long long)added,
               self->dry_run ? "would be added (nothing was written)" : "added",
               (long long)unchanged);
    }
    stictl_report_print(self->report, self->ctl->json);
    return self->problems ? STICTL_FAILED : STICTL_OK;
}

//  Sends the rows read: an import, or with problems found here a dry run,
//  so that the service checks the other rows and every problem of the
//  file is told at once. Returns STICTL_OK (the outcome is in *reply, or
//  with problems in the report), or the exit code of a failure (printed).
static int s_send_rows(s_import_t *self, sti_reply_t *reply)
{
    bool checked = self->problems > 0;
    size_t before = self->problems;
    if (self->count == 0) {
        return STICTL_OK;
    }
    int rc = s_send(self, self->dry_run || checked, reply);
    if (rc == STICTL_FAILED && self->problems > before) {
        return STICTL_OK; // the service's problems are in the report
    }
    if (rc == STICTL_OK && checked) {
        sti_reply_release(reply);
    }
    return rc;
}

int stictl_project_import(stictl_t *ctl, int argc, char **argv)
{
    bool dry_run = argc == 3 && strcmp(argv[2], "--dry-run") == 0;
    if ((argc != 2 && !dry_run) || argv[1][0] == '-' ||
        !(stictl_table_is_csv(argv[1]) || stictl_table_is_xlsx(argv[1]))) {
        return stictl_usage_error("project", "import: one FILE.csv or FILE.xlsx [--dry-run]");
    }
    s_import_t *self = calloc(1, sizeof *self);
    self->ctl = ctl;
    self->dry_run = dry_run;
    self->rows = sti_writer_new();
    self->report = tmpfile();
    stictl_table_info_t info = {0};
    sti_reply_t reply = {0};
    char err[768];
    int rc = STICTL_OK;
    if (!self->report) {
        fprintf(stderr, "stictl project import: no temporary file: %s\n", strerror(errno));
        rc = STICTL_FAILED;
    } else if (stictl_table_read(argv[1], s_columns, S_REQUIRED, s_row, NULL, self, &info, err,
                                 sizeof err) != 0 &&
               !self->problems) {
        fprintf(stderr, "stictl project import: %s\n", err);
        rc = STICTL_USAGE;
    } else if (info.rows == 0) {
        fprintf(stderr, "stictl project import: %s has no data rows: nothing was sent\n", argv[1]);
        rc = STICTL_USAGE;
    }
    if (info.note[0]) {
        fprintf(stderr, "stictl project import: %s\n", info.note);
    }
    rc = rc == STICTL_OK ? s_send_rows(self, &reply) : rc;
    if (rc == STICTL_OK) {
        bool answered = !self->problems;
        rc = s_summary(self, &reply);
        if (answered) {
            sti_reply_release(&reply);
        }
    }
    if (self->report) {
        fclose(self->report);
    }
    sti_writer_destroy(&self->rows);
    free(self);
    return rc;
}
