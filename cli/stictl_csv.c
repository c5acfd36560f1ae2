/*  stictl_csv: the table reader stictl's import commands share (see
    stictl.h): CSV bytes, or a spreadsheet's cells, in; rows of named
    columns out.

    libcsv does the RFC 4180 part (quoting, embedded commas and newlines) in
    strict mode; a spreadsheet reader pushes its cells instead. Either way
    this file maps the header to the caller's columns (each by its name, in
    any case, or by one of its aliases, such as a Chinese name; spaces
    around are ignored) and checks it, then hands each data row to the
    caller's callback as one string per column. Everything is hostile: a
    field is at most STICTL_CSV_FIELD_MAX bytes, a header has at most
    STICTL_CSV_HEADER_MAX fields, names each column at most once and only
    known ones (a header cell left empty is allowed, as long as the rows
    leave that column empty too), a field with a NUL byte or a row with
    the wrong number of fields is refused with a reason, and memory stays
    bounded by one row of known columns however many fields a line holds.
*/
#include <assert.h>
#include <csv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "stictl.h"

#define S_UNNAMED -2 // a header field left empty
#define S_UNKNOWN -1 // a header field that names no column

struct _stictl_csv_t {
    const stictl_column_t *columns;       // the caller's columns (borrowed)
    size_t column_count;                  // entries of columns
    size_t required;                      // the first `required` columns must be in the header
    stictl_csv_row_fn *on_row;            // called for each data row
    void *arg;                            // passed to on_row
    struct csv_parser parser;             // libcsv's state
    int column_of[STICTL_CSV_HEADER_MAX]; // header position -> column (or S_UNNAMED)
    size_t header_fields;                 // fields in the header
    bool header_done;                     // the header has been read
    char *fields[STICTL_CSV_COLUMNS_MAX]; // the current row's fields by column (NULL: absent)
    size_t field_count;                   // fields seen in the current row
    size_t row_bytes;                     // bytes in the current row's fields
    const char *row_problem;              // why the current row is refused, or NULL
    char problem[96];                     // room for a row_problem made here
    size_t row_number;                    // the number to report the pushed row under (0: count)
    char header_error[600];               // why the header is refused ("" when it is good)
    size_t next_row;                      // data-row number of the next row (from 1)
    bool stopped;                         // on_row asked to stop: later rows are dropped
};

stictl_csv_t *stictl_csv_new(const stictl_column_t *columns, size_t required,
                             stictl_csv_row_fn *on_row, void *arg)
{
    assert(columns && on_row);
    stictl_csv_t *self = calloc(1, sizeof *self);
    assert(self);
    while (columns[self->column_count].name) {
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
    self->field_count = self->row_bytes = 0;
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

//  Trims ASCII white space and ideographic spaces (U+3000) from both ends.
static void s_trim(const char **text, size_t *len)
{
    for (;;) {
        if (*len && strchr(" \t\r\n", (*text)[0])) {
            (*text)++, (*len)--;
        } else if (*len >= 3 && memcmp(*text, "\xE3\x80\x80", 3) == 0) {
            *text += 3, *len -= 3;
        } else if (*len && strchr(" \t\r\n", (*text)[*len - 1])) {
            (*len)--;
        } else if (*len >= 3 && memcmp(*text + *len - 3, "\xE3\x80\x80", 3) == 0) {
            *len -= 3;
        } else {
            return;
        }
    }
}

int stictl_column_find(const stictl_column_t *columns, const char *text, size_t len)
{
    assert(columns && (text || len == 0));
    s_trim(&text, &len);
    for (int c = 0; columns[c].name; c++) {
        if (strlen(columns[c].name) == len && strncasecmp(columns[c].name, text, len) == 0) {
            return c;
        }
        for (const char *alias = columns[c].aliases; alias && *alias;) {
            size_t n = strcspn(alias, "|");
            if (n == len && memcmp(alias, text, len) == 0) {
                return c;
            }
            alias += n + (alias[n] == '|');
        }
    }
    return S_UNKNOWN;
}

size_t stictl_columns_list(const stictl_column_t *columns, char *buf, size_t cap)
{
    assert(columns && buf && cap > 0);
    size_t used = 0;
    buf[0] = 0;
    for (size_t c = 0; columns[c].name && used < cap; c++) {
        const char *alias = columns[c].aliases;
        int n = alias ? snprintf(buf + used, cap - used, "%s%s (%.*s)", c ? ", " : "",
                                 columns[c].name, (int)strcspn(alias, "|"), alias)
                      : snprintf(buf + used, cap - used, "%s%s", c ? ", " : "", columns[c].name);
        used += n > 0 ? (size_t)n : 0;
    }
    return used < cap ? used : cap - 1;
}

//  One header field: which of the caller's columns it names.
static void s_header_field(stictl_csv_t *self, size_t at, const char *text, size_t len)
{
    if (at == 0 && len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
        text += 3; // a UTF-8 byte order mark
        len -= 3;
    }
    const char *name = text;
    size_t name_len = len;
    s_trim(&name, &name_len);
    int column = name_len == 0 ? S_UNNAMED : stictl_column_find(self->columns, text, len);
    if (at < STICTL_CSV_HEADER_MAX) {
        self->column_of[at] = column;
    }
    if (column == S_UNKNOWN && !self->header_error[0]) {
        char list[400];
        stictl_columns_list(self->columns, list, sizeof list);
        snprintf(self->header_error, sizeof self->header_error,
                 "header: unknown column '%.*s' (column %zu); the columns are %s",
                 (int)(name_len > 60 ? 60 : name_len), name, at + 1, list);
    }
}

static void s_field(void *data, size_t len, void *arg)
{
    stictl_csv_t *self = (stictl_csv_t *)arg;
    size_t at = self->field_count++;
    const char *text = data ? (const char *)data : "";
    self->row_bytes += len;
    if (!self->header_done) {
        s_header_field(self, at, text, len);
        return;
    }
    if (self->header_error[0] || at >= self->header_fields || self->row_problem || self->stopped) {
        return;
    }
    if (memchr(text, 0, len)) {
        self->row_problem = "contains a NUL byte";
        return;
    }
    int column = self->column_of[at];
    if (column == S_UNNAMED) {
        const char *value = text;
        s_trim(&value, &len);
        if (len) {
            snprintf(self->problem, sizeof self->problem,
                     "column %zu has a value but no name in the header", at + 1);
            self->row_problem = self->problem;
        }
        return;
    }
    self->fields[column] = malloc(len + 1);
    assert(self->fields[column]);
    memcpy(self->fields[column], text, len);
    self->fields[column][len] = 0;
}

//  Says which required columns the header lacks.
static void s_missing(stictl_csv_t *self)
{
    int n = snprintf(self->header_error, sizeof self->header_error, "header: needs the columns");
    for (size_t r = 0; r < self->required && n > 0 && (size_t)n < sizeof self->header_error; r++) {
        const char *alias = self->columns[r].aliases;
        n +=
            snprintf(self->header_error + n, sizeof self->header_error - (size_t)n, "%s %s%s%.*s%s",
                     r == 0                    ? ""
                     : r + 1 == self->required ? " and"
                                               : ",",
                     self->columns[r].name, alias ? " (" : "", alias ? (int)strcspn(alias, "|") : 0,
                     alias ? alias : "", alias ? ")" : "");
    }
}

//  The header is read: every column known, none twice, the required ones there.
static void s_header_done(stictl_csv_t *self)
{
    self->header_done = true;
    self->header_fields = self->field_count;
    if (self->header_error[0]) {
        return;
    }
    if (self->header_fields > STICTL_CSV_HEADER_MAX) {
        snprintf(self->header_error, sizeof self->header_error, "header: more than %d columns",
                 STICTL_CSV_HEADER_MAX);
        return;
    }
    int seen[STICTL_CSV_COLUMNS_MAX] = {0};
    for (size_t i = 0; i < self->header_fields; i++) {
        int column = self->column_of[i];
        if (column >= 0 && seen[column]++) {
            snprintf(self->header_error, sizeof self->header_error,
                     "header: the column %s appears twice", self->columns[column].name);
            return;
        }
    }
    for (size_t c = 0; c < self->required; c++) {
        if (!seen[c]) {
            s_missing(self);
            return;
        }
    }
}

//  Hands a data row over (or its problem).
static void s_hand_over(stictl_csv_t *self, const char *problem)
{
    size_t row = self->row_number ? self->row_number : self->next_row;
    self->next_row++;
    if (self->stopped) {
        return;
    }
    if (self->on_row(self->arg, row, problem ? NULL : self->fields, problem) != 0) {
        self->stopped = true;
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
    } else if (self->field_count == 1 && self->row_bytes == 0 && self->header_fields > 1) {
        //  an empty line: libcsv reports it as one empty field; skip it
    } else if (self->row_problem) {
        s_hand_over(self, self->row_problem);
    } else if (self->field_count != self->header_fields) {
        snprintf(self->problem, sizeof self->problem, "has %zu fields, the header has %zu",
                 self->field_count, self->header_fields);
        s_hand_over(self, self->problem);
    } else {
        s_hand_over(self, NULL);
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

void stictl_csv_push_field(stictl_csv_t *self, const char *text, size_t len)
{
    assert(self && (text || len == 0));
    if (self->header_error[0]) {
        return;
    }
    if (len > STICTL_CSV_FIELD_MAX) {
        if (self->header_done && !self->row_problem) {
            snprintf(self->problem, sizeof self->problem, "a field is longer than %d bytes",
                     STICTL_CSV_FIELD_MAX);
            self->row_problem = self->problem;
        }
        len = 0;
    }
    s_field((void *)text, len, self);
}

int stictl_csv_push_row(stictl_csv_t *self, size_t row, const char *problem, char *err,
                        size_t errlen)
{
    assert(self);
    self->row_number = row;
    if (problem && self->header_done && !self->row_problem) {
        self->row_problem = problem;
    }
    s_row(0, self);
    self->row_number = 0;
    if (self->header_error[0]) {
        snprintf(err, errlen, "%s", self->header_error);
        return -1;
    }
    return 0;
}

size_t stictl_csv_header_fields(const stictl_csv_t *self)
{
    assert(self);
    return self->header_done ? self->header_fields : 0;
}

size_t stictl_csv_rows(const stictl_csv_t *self)
{
    assert(self);
    return self->next_row - 1;
}
