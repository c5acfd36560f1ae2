/*  gateway_report_book: see gateway_report_book.h. */
#include "gateway_report_book.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sti_report_book.h"
#include "sti_text.h"

#define S_TYPE "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

//  One answer's body, encoded.
typedef struct {
    void *bytes; // MessagePack (owned)
    size_t size; // bytes
} s_body_t;

struct _gateway_report_book_t {
    bool en;              // English text (else Chinese)
    s_body_t data;        // report.data's body
    s_body_t *projects;   // project.get's body of each project
    size_t project_count; // entries
    char *book;           // the workbook written (owned), or NULL
    size_t book_size;     // its bytes
    char file[160];       // its ASCII name: report-PLAN-YEAR-KIND.xlsx
    char name[1024];      // its name in the report's language (UTF-8)
    char made[40];        // report.data's made ("" when it has none)
    char kind[16];        // annual, midterm or final
    int64_t year;         // the year reported
};

gateway_report_book_t *gateway_report_book_new(bool en)
{
    gateway_report_book_t *self = calloc(1, sizeof *self);
    assert(self);
    self->en = en;
    return self;
}

void gateway_report_book_destroy(gateway_report_book_t **self_p)
{
    assert(self_p);
    gateway_report_book_t *self = *self_p;
    if (self) {
        free(self->data.bytes);
        for (size_t i = 0; i < self->project_count; i++) {
            free(self->projects[i].bytes);
        }
        free(self->projects);
        free(self->book);
        free(self);
        *self_p = NULL;
    }
}

void gateway_report_book_data(gateway_report_book_t *self, sti_node_t body)
{
    assert(self && !self->data.bytes);
    self->data.bytes = sti_node_encode(body, &self->data.size);
    assert(self->data.bytes);
}

void gateway_report_book_project(gateway_report_book_t *self, sti_node_t body)
{
    assert(self);
    self->projects = realloc(self->projects, (self->project_count + 1) * sizeof *self->projects);
    assert(self->projects);
    s_body_t *project = &self->projects[self->project_count++];
    project->bytes = sti_node_encode(body, &project->size);
    assert(project->bytes);
}

size_t gateway_report_book_projects(const gateway_report_book_t *self)
{
    assert(self);
    return self->project_count;
}

//  The workbook's names, kind, year and made, from report.data's body.
static void s_names(gateway_report_book_t *self, const sti_report_t *report)
{
    char plan[128], plan_name[600], title[256];
    sti_field_error_t err;
    sti_node_t about = sti_node_get(report->data, "plan");
    if (sti_map_str_copy(report->data, "made", self->made, sizeof self->made, &err) != 0) {
        self->made[0] = 0;
    }
    sti_map_text(report->data, "kind", self->kind, sizeof self->kind);
    if (sti_map_int(report->data, "year", &self->year, &err) != 0) {
        self->year = 0;
    }
    snprintf(self->file, sizeof self->file, "report-%s-%lld-%s.xlsx",
             sti_map_text(about, "code", plan, sizeof plan), (long long)self->year, self->kind);
    for (char *c = self->file; *c; c++) {
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-", *c)) {
            *c = '_'; // a name any client takes as it is
        }
    }
    sti_map_text(about, self->en ? "name_en" : "name_zh", plan_name, sizeof plan_name);
    sti_report_book_name(report, title, sizeof title);
    snprintf(self->name, sizeof self->name, "%s%s%s.xlsx",
             strcmp(plan_name, "-") == 0 ? "" : plan_name, strcmp(plan_name, "-") == 0 ? "" : " ",
             title);
}

//  Reads the workbook at path into self->book. Returns 0, or -1 with err.
static int s_read_back(gateway_report_book_t *self, const char *path, char *err, size_t errlen)
{
    FILE *file = fopen(path, "rb");
    struct stat info;
    if (!file || fstat(fileno(file), &info) != 0) {
        snprintf(err, errlen, "cannot read the workbook back: %s", strerror(errno));
        if (file) {
            fclose(file);
        }
        return -1;
    }
    if (info.st_size > (off_t)GATEWAY_BOOK_MAX) {
        snprintf(err, errlen, "the workbook is %lld bytes, more than the %u the gateway answers",
                 (long long)info.st_size, GATEWAY_BOOK_MAX);
        fclose(file);
        return -1;
    }
    self->book_size = (size_t)info.st_size;
    self->book = malloc(self->book_size + 1);
    assert(self->book);
    size_t got = fread(self->book, 1, self->book_size, file);
    fclose(file);
    if (got != self->book_size) {
        snprintf(err, errlen, "cannot read the workbook back: %zu of %zu bytes", got,
                 self->book_size);
        free(self->book);
        self->book = NULL;
        return -1;
    }
    return 0;
}

//  Writes the workbook of report to a new file in dir, reads it back and
//  removes the file. Returns 0, or -1 with err.
static int s_write_file(gateway_report_book_t *self, const sti_report_t *report, const char *dir,
                        char *err, size_t errlen)
{
    char path[512];
    snprintf(path, sizeof path, "%s/sti-gateway-report-XXXXXX.xlsx", dir);
    int fd = mkstemps(path, 5);
    if (fd < 0) {
        snprintf(err, errlen, "cannot make a file in %s: %s", dir, strerror(errno));
        return -1;
    }
    close(fd);
    int rc = sti_report_book_write(report, path, dir, err, errlen);
    if (rc == 0) {
        rc = s_read_back(self, path, err, errlen);
    }
    unlink(path);
    return rc;
}

int gateway_report_book_write(gateway_report_book_t *self, const gateway_config_t *config,
                              char *err, size_t errlen)
{
    assert(self && config && self->data.bytes && !self->book);
    size_t count = self->project_count;
    sti_reader_t *data = sti_reader_new(self->data.bytes, self->data.size, NULL, err, errlen);
    sti_reader_t **readers = calloc(count + 1, sizeof *readers);
    sti_node_t *projects = calloc(count + 1, sizeof *projects);
    assert(readers && projects);
    int rc = data ? 0 : -1;
    for (size_t i = 0; i < count && rc == 0; i++) {
        readers[i] =
            sti_reader_new(self->projects[i].bytes, self->projects[i].size, NULL, err, errlen);
        rc = readers[i] ? 0 : -1;
        projects[i] = readers[i] ? sti_reader_root(readers[i]) : projects[i];
    }
    if (rc == 0) {
        sti_report_t report = {sti_reader_root(data), projects, count, self->en};
        s_names(self, &report);
        rc = s_write_file(self, &report, config->upload_dir, err, errlen);
    }
    for (size_t i = 0; i < count; i++) {
        sti_reader_destroy(&readers[i]);
    }
    free(readers);
    free(projects);
    sti_reader_destroy(&data);
    return rc;
}

void gateway_report_book_issue(const gateway_report_book_t *self, const char *request_id,
                               sti_writer_t *writer)
{
    assert(self && self->book && request_id && writer);
    sti_writer_map(writer, self->made[0] ? 5 : 4);
    sti_writer_kv_int(writer, "year", self->year);
    sti_writer_kv_str(writer, "kind", self->kind);
    if (self->made[0]) {
        sti_writer_kv_str(writer, "made", self->made);
    }
    sti_writer_kv_str(writer, "file", self->file);
    sti_writer_kv_str(writer, "request_id", request_id);
}

void gateway_report_book_reply(const gateway_report_book_t *self, gateway_request_t *req)
{
    assert(self && self->book && req);
    //  RFC 6266: filename for every client, filename* (RFC 8187: UTF-8,
    //  percent-encoded but for letters, digits and -._~) for those that read it.
    char value[sizeof self->file + 3 * sizeof self->name + 64];
    size_t at = (size_t)snprintf(value, sizeof value,
                                 "attachment; filename=\"%s\"; filename*=UTF-8''", self->file);
    for (const unsigned char *c = (const unsigned char *)self->name; *c; c++) {
        if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
            (*c && strchr("-._~", *c))) {
            value[at++] = (char)*c;
        } else {
            at += (size_t)snprintf(value + at, sizeof value - at, "%%%02X", *c);
        }
    }
    value[at] = 0;
    gateway_reply_text(req, 200, S_TYPE, self->book, self->book_size);
    gateway_reply_header(req, "Content-Disposition", value);
    gateway_reply_header(req, "Cache-Control", "no-store");
}
