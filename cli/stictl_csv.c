/*  stictl_csv: the CSV reader stictl's import commands share (see
    stictl.h): bytes in, rows of named columns out.

    libcsv does the RFC 4180 part (quoting, embedded commas and newlines) in
    strict mode; this file maps the header to the caller's columns and checks
    it, then hands each data row to the caller's callback as one string per
    column. Everything is hostile: a field is at most STICTL_CSV_FIELD_MAX
    bytes, a header names each column at most once and only known ones, a
    field with a NUL byte or a row with the wrong number of fields is refused
    with a reason, and memory stays bounded by one row of known columns
    however many fields a line holds.
*/
#include <assert.h>
#include <csv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stictl.h"

struct _stictl_csv_t {
    const char *const *columns;       // the caller's column names (borrowed)
    size_t column_count;              // entries of columns
    size_t required;                  // the first `required` columns must be in the header
    stictl_csv_row_fn *on_row;        // called for each data row
    void *arg;                        // passed to on_row
    struct csv_parser parser;         // libcsv's state
    int column_of[STICTL_CSV_COLUMNS_MAX + 1]; // header position -> column (-1: unknown)
    size_t header_fields;             // fields in the header
    bool header_done;                 // the header has been read
    char *fields[STICTL_CSV_COLUMNS_MAX]; // the current row's fields by column (NULL: absent)
    size_t field_count;               // fields seen in the current row
    const char *row_problem;          // why the current row is refused, or NULL
    char header_error[160];           // why the header is refused ("" when it is good)
    size_t next_row;                  // data-row number of the next row (from 1)
};

stictl_csv_t *stictl_csv_new(const char *const *columns, size_t required,
                             stictl_csv_row_fn *on_row, void *arg)
{
    assert(columns && on_row);
    stictl_csv_t *self = calloc(1, sizeof *self);
    assert(self);
    while (columns[self->column_count]) {
        self->column_count++;
    }
    assert(self->column_count <= STICTL_CSV_COLUMNS_MAX && required <= self->column_count);
    self->columns = columns;
    self->required = required;
    self->on_row = on_row;
    self->arg = arg;
    self->next_row = 1;
    csv_init(&self->parser, CSV_STRICT | CSV_STRICT_FINI);
    return self;
}

//  Forgets the current row's fields.
static void s_clear(stictl_csv_t *self)
{
    for (size_t c = 0; c < self->column_count; c++) {
        free(self->fields[c]);
        self->fields[c] = NULL;
    }
    self->field_count = 0;
    self->row_problem = NULL;
}

void stictl_csv_destroy(stictl_csv_t **self_p)
{
    assert(self_p);
    stictl_csv_t *self = *self_p;
    if (self) {
        s_clear(self);
        csv_free(&self->parser);
        free(self);
        *self_p = NULL;
    }
}

//  One header field: which of the caller's columns it names.
static void s_header_field(stictl_csv_t *self, size_t at, const char *text, size_t len)
{
    if (at == 0 && len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
        text += 3; // a UTF-8 byte order mark
        len -= 3;
    }
    int column = -1;
    for (size_t c = 0; c < self->column_count; c++) {
        if (strlen(self->columns[c]) == len && memcmp(self->columns[c], text, len) == 0) {
            column = (int)c;
        }
    }
    if (at < self->column_count + 1) {
        self->column_of[at] = column;
    }
    if (column < 0 && !self->header_error[0]) {
        int n = snprintf(self->header_error, sizeof self->header_error,
                         "header: unknown column (allowed:");
        for (size_t c = 0; c < self->column_count && n > 0 && (size_t)n < sizeof self->header_error;
             c++) {
            n += snprintf(self->header_error + n, sizeof self->header_error - (size_t)n, "%s %s",
                          c ? "," : "", self->columns[c]);
        }
        if (n > 0 && (size_t)n < sizeof self->header_error) {
            snprintf(self->header_error + n, sizeof self->header_error - (size_t)n, ")");
        }
    }
}

static void s_field(void *data, size_t len, void *arg)
{
    stictl_csv_t *self = (stictl_csv_t *)arg;
    size_t at = self->field_count++;
    const char *text = data ? (const char *)data : "";
    if (!self->header_done) {
        s_header_field(self, at, text, len);
        return;
    }
    if (self->header_error[0] || at >= self->header_fields || self->row_problem) {
        return;
    }
    if (memchr(text, 0, len)) {
        self->row_problem = "contains a NUL byte";
        return;
    }
    int column = self->column_of[at];
    self->fields[column] = malloc(len + 1);
    assert(self->fields[column]);
    memcpy(self->fields[column], text, len);
    self->fields[column][len] = 0;
}

//  The header is read: every column known, none twice, the required ones there.
static void s_header_done(stictl_csv_t *self)
{
    self->header_done = true;
    self->header_fields = self->field_count;
    if (self->header_error[0]) {
        return;
    }
    int seen[STICTL_CSV_COLUMNS_MAX] = {0};
    if (self->header_fields > self->column_count) {
        snprintf(self->header_error, sizeof self->header_error, "header: more than %zu columns",
                 self->column_count);
        return;
    }
    for (size_t i = 0; i < self->header_fields; i++) {
        if (seen[self->column_of[i]]++) {
            snprintf(self->header_error, sizeof self->header_error,
                     "header: the column %s appears twice", self->columns[self->column_of[i]]);
            return;
        }
    }
    for (size_t c = 0; c < self->required; c++) {
        if (!seen[c]) {
            int n = snprintf(self->header_error, sizeof self->header_error,
                             "header: needs the columns");
            for (size_t r = 0; r < self->required && n > 0 && (size_t)n < sizeof self->header_error;
                 r++) {
                n += snprintf(self->header_error + n, sizeof self->header_error - (size_t)n,
                              "%s %s", r == 0 ? "" : r + 1 == self->required ? " and" : ",",
                              self->columns[r]);
            }
            return;
        }
    }
}

static void s_row(int terminator, void *arg)
{
    (void)terminator;
    stictl_csv_t *self = (stictl_csv_t *)arg;
    if (!self->header_done) {
        s_header_done(self);
    } else if (self->header_error[0]) {
        //  nothing more is read once the header is refused
    } else if (self->field_count == 1 && !self->fields[self->column_of[0]] &&
               self->header_fields > 1) {
        //  an empty line: libcsv reports it as one empty field; skip it
    } else if (self->row_problem) {
        self->on_row(self->arg, self->next_row++, NULL, self->row_problem);
    } else if (self->field_count != self->header_fields) {
        char reason[96];
        snprintf(reason, sizeof reason, "has %zu fields, the header has %zu", self->field_count,
                 self->header_fields);
        self->on_row(self->arg, self->next_row++, NULL, reason);
    } else {
        self->on_row(self->arg, self->next_row++, self->fields, NULL);
    }
    s_clear(self);
}

int stictl_csv_feed(stictl_csv_t *self, const void *data, size_t size, char *err, size_t errlen)
{
    assert(self && (data || size == 0));
    if (self->header_error[0]) {
        snprintf(err, errlen, "%s", self->header_error);
        return -1;
    }
    if (csv_parse(&self->parser, data, size, s_field, s_row, self) != size) {
        snprintf(err, errlen, "CSV near data row %zu: %s", self->next_row,
                 csv_strerror(csv_error(&self->parser)));
        return -1;
    }
    if (self->header_error[0]) {
        snprintf(err, errlen, "%s", self->header_error);
        return -1;
    }
    if (self->parser.entry_pos > STICTL_CSV_FIELD_MAX) {
        snprintf(err, errlen, "data row %zu: a field is longer than %d bytes", self->next_row,
                 STICTL_CSV_FIELD_MAX);
        return -1;
    }
    return 0;
}

int stictl_csv_finish(stictl_csv_t *self, char *err, size_t errlen)
{
    assert(self);
    if (!self->header_error[0] && csv_fini(&self->parser, s_field, s_row, self) != 0) {
        snprintf(err, errlen, "CSV at the end: %s", csv_strerror(csv_error(&self->parser)));
        return -1;
    }
    if (self->header_error[0]) {
        snprintf(err, errlen, "%s", self->header_error);
        return -1;
    }
    if (!self->header_done) {
        snprintf(err, errlen, "the file is empty: it needs a header");
        return -1;
    }
    return 0;
}
