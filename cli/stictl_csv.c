/*  stictl_csv: CSV files of stictl's commands. See stictl_csv.h. */
#include "stictl_csv.h"

#include <assert.h>
#include <csv.h>
#include <stdlib.h>
#include <string.h>

#include "stictl.h"

//  The state of one read.
typedef struct {
    const stictl_csv_def_t *def;             // what to read
    int column_of[STICTL_CSV_COLUMNS_MAX + 1]; // header position -> column (-1: unknown)
    size_t header_fields;                    // fields in the header
    bool header_done;                        // the header has been read
    char *fields[STICTL_CSV_COLUMNS_MAX];    // the current row's fields by column
    size_t field_count;                      // fields seen in the current row
    const char *problem;                     // why the current row is refused, or NULL
    size_t data_row;                         // data rows seen, for messages
    int failed;                              // an exit code that stops the read, or 0
} s_csv_t;

static void s_field(void *data, size_t len, void *arg)
{
    s_csv_t *self = (s_csv_t *)arg;
    size_t at = self->field_count++;
    const char *text = data ? (const char *)data : "";
    if (!self->header_done) {
        if (at == 0 && len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
            text += 3;
            len -= 3;
        }
        int column = -1;
        for (size_t c = 0; c < self->def->count; c++) {
            if (strlen(self->def->columns[c]) == len &&
                memcmp(self->def->columns[c], text, len) == 0) {
                column = (int)c;
            }
        }
        if (at < STICTL_CSV_COLUMNS_MAX + 1) {
            self->column_of[at] = column;
        }
        if (column < 0 && !self->problem) {
            self->problem = "header: unknown column";
        }
        return;
    }
    if (at >= self->header_fields || self->problem) {
        return;
    }
    if (memchr(text, 0, len)) {
        self->problem = "contains a NUL byte";
        return;
    }
    int column = self->column_of[at];
    self->fields[column] = (char *)malloc(len + 1);
    assert(self->fields[column]);
    memcpy(self->fields[column], text, len);
    self->fields[column][len] = 0;
}

static void s_clear(s_csv_t *self)
{
    for (size_t c = 0; c < STICTL_CSV_COLUMNS_MAX; c++) {
        free(self->fields[c]);
        self->fields[c] = NULL;
    }
    self->field_count = 0;
    self->problem = NULL;
}

//  The header is read: checks the required columns are there, once each.
static void s_header(s_csv_t *self)
{
    self->header_done = true;
    self->header_fields = self->field_count;
    int seen[STICTL_CSV_COLUMNS_MAX] = {0};
    for (size_t i = 0; i < self->header_fields && i < STICTL_CSV_COLUMNS_MAX + 1; i++) {
        if (self->column_of[i] >= 0 && seen[self->column_of[i]]++) {
            self->problem = "header: a column appears twice";
        }
    }
    if (self->header_fields > self->def->count) {
        self->problem = "header: more columns than a file may have";
    }
    for (size_t c = 0; c < self->def->required && !self->problem; c++) {
        if (!seen[c]) {
            self->problem = "header: a required column is missing";
        }
    }
    if (!self->problem) {
        return;
    }
    fprintf(stderr, "stictl %s: %s", self->def->command, self->problem);
    if (strcmp(self->problem, "header: a required column is missing") == 0) {
        fprintf(stderr, ": needs the columns %s", self->def->required_text);
    } else if (strcmp(self->problem, "header: a column appears twice") != 0) {
        fprintf(stderr, " (allowed: ");
        for (size_t c = 0; c < self->def->count; c++) {
            fprintf(stderr, "%s%s", c ? ", " : "", self->def->columns[c]);
        }
        fprintf(stderr, ")");
    }
    fprintf(stderr, "\n");
    self->failed = STICTL_USAGE;
}

static void s_row(int terminator, void *arg)
{
    (void)terminator;
    s_csv_t *self = (s_csv_t *)arg;
    if (self->failed || (self->def->stop && *self->def->stop)) {
        s_clear(self);
        return;
    }
    if (!self->header_done) {
        s_header(self);
    } else if (self->field_count == 1 && !self->fields[self->column_of[0]] &&
               self->header_fields > 1) {
        //  an empty line: libcsv reports it as one empty field; skip it
    } else {
        char reason[96];
        const char *problem = self->problem;
        if (!problem && self->field_count != self->header_fields) {
            snprintf(reason, sizeof reason, "has %zu fields, the header has %zu",
                     self->field_count, self->header_fields);
            problem = reason;
        }
        self->data_row++;
        self->def->row(self->def->arg, self->fields, problem);
    }
    s_clear(self);
}

int stictl_csv_read(const stictl_csv_def_t *def, FILE *file)
{
    assert(def && file && def->count <= STICTL_CSV_COLUMNS_MAX);
    s_csv_t *self = (s_csv_t *)calloc(1, sizeof *self);
    assert(self);
    self->def = def;
    struct csv_parser parser;
    csv_init(&parser, CSV_STRICT | CSV_STRICT_FINI);
    char buffer[64 * 1024];
    size_t got;
    long long done = 0;
    while (!self->failed && !(def->stop && *def->stop) &&
           (got = fread(buffer, 1, sizeof buffer, file)) > 0) {
        done += (long long)got;
        if (csv_parse(&parser, buffer, got, s_field, s_row, self) != got) {
            fprintf(stderr, "stictl %s: CSV near data row %zu: %s\n", def->command,
                    self->data_row + 1, csv_strerror(csv_error(&parser)));
            self->failed = STICTL_USAGE;
        } else if (parser.entry_pos > STICTL_CSV_FIELD_MAX) {
            fprintf(stderr, "stictl %s: data row %zu: a field is longer than %d bytes\n",
                    def->command, self->data_row + 1, STICTL_CSV_FIELD_MAX);
            self->failed = STICTL_USAGE;
        }
        if (def->progress) {
            def->progress(def->arg, done);
        }
    }
    if (!self->failed && !(def->stop && *def->stop) &&
        csv_fini(&parser, s_field, s_row, self) != 0) {
        fprintf(stderr, "stictl %s: CSV at the end: %s\n", def->command,
                csv_strerror(csv_error(&parser)));
        self->failed = STICTL_USAGE;
    }
    if (!self->failed && !self->header_done) {
        fprintf(stderr, "stictl %s: the file is empty: it needs a header\n", def->command);
        self->failed = STICTL_USAGE;
    }
    csv_free(&parser);
    s_clear(self);
    int rc = self->failed;
    free(self);
    return rc;
}
