/*  stictl_table: the rows of a .csv or .xlsx file, by named columns (see
    stictl.h), for stictl's import commands.

    A CSV is read twice: once to find out its encoding (sti_charset: UTF-8,
    or GBK as Excel saves "CSV (逗号分隔)" on a Chinese Windows), once to
    parse it, converted to UTF-8 on the way when it is GBK, and the clerk is
    told so. A UTF-16 file ("Unicode text") is refused with what to do.
    An .xlsx is read with sti_xlsx_reader: its first sheet, each cell as the
    sheet shows it (a number typed as 2023 is "2023", a date shown as a
    month is "2023-05", a percentage "3.5%"), pushed into the same
    stictl_csv reader, so headers and rows are checked the same way; a
    row's number is the sheet's, as Excel shows it. A formula without a
    saved result, or a value in a column the header leaves unnamed, refuses
    that row with the cell's name.
*/
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "sti_charset.h"
#include "sti_xlsx_reader.h"
#include "stictl.h"

#define S_PIECE (64 * 1024) // bytes read at a time

//  The state of one read.
typedef struct {
    stictl_csv_t *csv;         // the header and rows
    stictl_csv_row_fn *on_row; // the caller's callback
    void *arg;                 // and its argument
    bool stopped;              // the caller asked to stop
    char problem[200];         // a row's problem found here
    char *err;                 // where a reason goes
    size_t errlen;             // its room
    bool failed;               // err holds a reason
} s_table_t;

static bool s_ends_with(const char *path, const char *suffix)
{
    const char *dot = strrchr(path, '.');
    return dot && strcasecmp(dot, suffix) == 0;
}

bool stictl_table_is_xlsx(const char *path)
{
    return s_ends_with(path, ".xlsx");
}

bool stictl_table_is_csv(const char *path)
{
    return s_ends_with(path, ".csv");
}

//  Passes rows on to the caller, noting when it asks to stop.
static int s_on_row(void *arg, size_t row, char *const *fields, const char *problem)
{
    s_table_t *self = (s_table_t *)arg;
    if (self->on_row(self->arg, row, fields, problem) != 0) {
        self->stopped = true;
    }
    return self->stopped;
}

//  --- CSV ---

//  Reads the whole file to find its encoding. Returns it, or -1 on a read error.
static int s_sniff(FILE *file, char *buffer)
{
    sti_charset_sniff_t sniff;
    sti_charset_sniff_init(&sniff);
    size_t got;
    while ((got = fread(buffer, 1, S_PIECE, file)) > 0) {
        sti_charset_sniff_feed(&sniff, buffer, got);
    }
    if (ferror(file)) {
        return -1;
    }
    rewind(file);
    return (int)sti_charset_sniff_end(&sniff, NULL);
}

//  Feeds one piece (converted first when there is a decoder). Returns 0 or -1.
static int s_feed(s_table_t *self, sti_charset_decoder_t *decoder, const char *data, size_t len,
                  bool last)
{
    if (decoder) {
        char reason[128];
        if (sti_charset_decode(decoder, data, len, last, &data, &len, reason, sizeof reason)) {
            snprintf(self->err, self->errlen, "the file was read as GB18030 (GBK), but %s", reason);
            return -1;
        }
    }
    return len && stictl_csv_feed(self->csv, data, len, self->err, self->errlen) ? -1 : 0;
}

//  Reads a CSV file into self->csv. Returns 0 or -1 with err set.
static int s_read_csv(s_table_t *self, FILE *file, long long size,
                      void (*progress)(void *, long long, long long), stictl_table_info_t *info)
{
    char *buffer = malloc(S_PIECE);
    int rc = 0;
    sti_charset_decoder_t *decoder = NULL;
    int charset = s_sniff(file, buffer);
    if (charset < 0) {
        rc = -1;
        snprintf(self->err, self->errlen, "cannot read the file: %s", strerror(errno));
    } else if (charset == STI_CHARSET_UTF16) {
        rc = -1;
        snprintf(self->err, self->errlen,
                 "the file is UTF-16 (Excel's \"Unicode text\"): save it in Excel as "
                 "\"CSV UTF-8 (逗号分隔)\" or as .xlsx");
    } else if (charset == STI_CHARSET_GB18030 && !(decoder = sti_charset_decoder_new())) {
        rc = -1;
        snprintf(self->err, self->errlen,
                 "the file looks GBK-encoded: save it in Excel as \"CSV UTF-8 (逗号分隔)\"");
    } else if (decoder) {
        snprintf(info->note, sizeof info->note,
                 "the file is not UTF-8: it was read as GB18030 (GBK), the encoding of "
                 "Excel's \"CSV (逗号分隔)\"");
    }
    long long done = 0;
    size_t got;
    while (rc == 0 && !self->stopped && (got = fread(buffer, 1, S_PIECE, file)) > 0) {
        done += (long long)got;
        rc = s_feed(self, decoder, buffer, got, false);
        if (progress) {
            progress(self->arg, done, size);
        }
    }
    if (rc == 0 && !self->stopped) {
        rc = s_feed(self, decoder, "", 0, true);
    }
    if (rc == 0 && !self->stopped && stictl_csv_finish(self->csv, self->err, self->errlen)) {
        rc = -1;
    }
    sti_charset_decoder_destroy(&decoder);
    free(buffer);
    return rc;
}

//  --- .xlsx ---

//  Says why a row is refused for one of its cells, or NULL.
static const char *s_cell_problem(s_table_t *self, const sti_xlsx_cell_t *cell, size_t column,
                                  size_t row, size_t header_fields)
{
    char name[16];
    sti_xlsx_cell_name(column, row, name, sizeof name);
    if (cell->kind == STI_XLSX_EMPTY && cell->formula) {
        snprintf(self->problem, sizeof self->problem,
                 "cell %s is a formula without a saved result: open the file in Excel and save "
                 "it again",
                 name);
        return self->problem;
    }
    if (column >= header_fields && cell->kind != STI_XLSX_EMPTY) {
        snprintf(self->problem, sizeof self->problem,
                 "cell %s has a value but its column has no name in the header", name);
        return self->problem;
    }
    return NULL;
}

static int s_xlsx_row(void *arg, size_t row, const sti_xlsx_cell_t *cells, size_t count)
{
    s_table_t *self = (s_table_t *)arg;
    size_t header_fields = stictl_csv_header_fields(self->csv);
    size_t fields = header_fields ? header_fields : count;
    const char *problem = NULL;
    for (size_t c = 0; c < count && header_fields && !problem; c++) {
        problem = s_cell_problem(self, &cells[c], c, row, header_fields);
    }
    for (size_t c = 0; c < fields; c++) {
        char buf[64];
        const char *text = c < count ? sti_xlsx_cell_text(&cells[c], buf, sizeof buf) : "";
        stictl_csv_push_field(self->csv, text, strlen(text));
    }
    if (stictl_csv_push_row(self->csv, row, problem, self->err, self->errlen)) {
        self->failed = true;
    }
    return self->failed || self->stopped;
}

//  Reads the first sheet of an .xlsx into self->csv. Returns 0 or -1 with err set.
static int s_read_xlsx(s_table_t *self, const char *path)
{
    sti_xlsx_reader_t *reader = sti_xlsx_reader_open(path, self->err, self->errlen);
    if (!reader) {
        return -1;
    }
    int rc = sti_xlsx_reader_read(reader, 0, s_xlsx_row, self, self->err, self->errlen);
    if (rc == 0 && !stictl_csv_header_fields(self->csv)) {
        snprintf(self->err, self->errlen, "the sheet '%s' is empty: it needs a header row",
                 sti_xlsx_reader_sheet_name(reader, 0));
        rc = -1;
    }
    sti_xlsx_reader_destroy(&reader);
    return rc < 0 || self->failed ? -1 : 0;
}

int stictl_table_read(const char *path, const stictl_column_t *columns, size_t required,
                      stictl_csv_row_fn *on_row, void (*progress)(void *, long long, long long),
                      void *arg, stictl_table_info_t *info, char *err, size_t errlen)
{
    s_table_t self = {.on_row = on_row, .arg = arg, .err = err, .errlen = errlen};
    memset(info, 0, sizeof *info);
    if (stictl_table_is_xlsx(path)) {
        self.csv = stictl_csv_new(columns, required, s_on_row, &self);
        int rc = s_read_xlsx(&self, path);
        info->rows = stictl_csv_rows(self.csv);
        stictl_csv_destroy(&self.csv);
        return rc;
    }
    FILE *file = fopen(path, "rb");
    struct stat st;
    if (!file || fstat(fileno(file), &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "cannot read %s: %s", path,
                 file ? "not a regular file" : strerror(errno));
        if (file) {
            fclose(file);
        }
        return -1;
    }
    self.csv = stictl_csv_new(columns, required, s_on_row, &self);
    int rc = s_read_csv(&self, file, (long long)st.st_size, progress, info);
    info->rows = stictl_csv_rows(self.csv);
    stictl_csv_destroy(&self.csv);
    fclose(file);
    return rc;
}
