/*  sti_xlsx_writer: tables written as an .xlsx file. See sti_xlsx_writer.h.

    A thin cursor over libxlsxwriter: it keeps the current sheet, row and
    column, the widest text seen in each of the first S_COLUMNS columns,
    and which columns are text, and applies widths and the filter when the
    sheet is done (the next sheet, or close). libxlsxwriter keeps every
    cell in memory until close, which suits tables of thousands of rows;
    its errors are mapped to text with lxw_strerror.
*/
#include "sti_xlsx_writer.h"

#include <assert.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xlsxwriter.h>

#define S_COLUMNS 256    // columns whose width and kind are kept
#define S_WIDTH_MIN 8.0  // narrowest column, in characters
#define S_WIDTH_MAX 60.0 // widest column

struct _sti_xlsx_writer_t {
    lxw_workbook *workbook;  // what libxlsxwriter builds
    char *path;              // where it goes
    lxw_worksheet *sheet;    // the current sheet, NULL before the first
    lxw_format *header;      // bold, shaded, underlined
    lxw_format *text;        // the cell holds text ("@")
    lxw_format *percent;     // 0.0%
    size_t row;              // the cursor's row
    size_t column;           // the cursor's column
    bool has_header;         // the current sheet has a header row
    size_t last_column;      // the widest row's last column + 1
    double width[S_COLUMNS]; // the widest text of each column, in characters
    bool is_text[S_COLUMNS]; // the column holds text
    char error[256];         // the first error, "" when none
};

//  Keeps the first error.
static void s_fail(sti_xlsx_writer_t *self, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

static void s_fail(sti_xlsx_writer_t *self, const char *format, ...)
{
    if (!self->error[0]) {
        va_list args;
        va_start(args, format);
        vsnprintf(self->error, sizeof self->error, format, args);
        va_end(args);
    }
}

//  Keeps a libxlsxwriter error, naming the cell. Returns true when there was one.
static bool s_check(sti_xlsx_writer_t *self, lxw_error rc, const char *what)
{
    if (rc != LXW_NO_ERROR) {
        s_fail(self, "%s at row %zu, column %zu: %s", what, self->row + 1, self->column + 1,
               lxw_strerror(rc));
    }
    return rc != LXW_NO_ERROR;
}

sti_xlsx_writer_t *sti_xlsx_writer_new(const char *path, char *err, size_t errlen)
{
    assert(path);
    sti_xlsx_writer_t *self = (sti_xlsx_writer_t *)calloc(1, sizeof *self);
    assert(self);
    self->workbook = workbook_new(path);
    self->path = strdup(path);
    assert(self->path);
    if (!self->workbook) {
        snprintf(err, errlen, "cannot start a workbook for %s", path);
        free(self->path);
        free(self);
        return NULL;
    }
    self->header = workbook_add_format(self->workbook);
    format_set_bold(self->header);
    format_set_bg_color(self->header, 0xDDEBF7);
    format_set_bottom(self->header, LXW_BORDER_THIN);
    self->text = workbook_add_format(self->workbook);
    format_set_num_format(self->text, "@");
    self->percent = workbook_add_format(self->workbook);
    format_set_num_format(self->percent, "0.0%");
    return self;
}

double sti_xlsx_text_width(const char *text)
{
    double width = 0;
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        width += (*p & 0xC0) == 0x80 ? 0 : *p >= 0xE0 ? 2 : 1;
    }
    return width;
}

//  Applies the widths, text columns and filter of the current sheet.
static void s_sheet_done(sti_xlsx_writer_t *self)
{
    if (!self->sheet) {
        return;
    }
    size_t columns = self->last_column < S_COLUMNS ? self->last_column : S_COLUMNS;
    for (size_t c = 0; c < S_COLUMNS; c++) {
        if (c < columns || self->is_text[c]) {
            double width = self->width[c] + 2;
            width = width < S_WIDTH_MIN ? S_WIDTH_MIN : width > S_WIDTH_MAX ? S_WIDTH_MAX : width;
            worksheet_set_column(self->sheet, (lxw_col_t)c, (lxw_col_t)c, width,
                                 self->is_text[c] ? self->text : NULL);
        }
    }
    if (self->has_header && self->last_column > 0) {
        size_t last_row = self->row > 0 && self->column == 0 ? self->row - 1 : self->row;
        worksheet_autofilter(self->sheet, 0, 0, (lxw_row_t)last_row,
                             (lxw_col_t)(self->last_column - 1));
    }
}

int sti_xlsx_writer_sheet(sti_xlsx_writer_t *self, const char *name)
{
    assert(self && name);
    if (self->error[0]) {
        return -1;
    }
    lxw_error rc = workbook_validate_sheet_name(self->workbook, name);
    if (rc != LXW_NO_ERROR) {
        s_fail(self, "sheet name '%s': %s", name, lxw_strerror(rc));
        return -1;
    }
    s_sheet_done(self);
    self->sheet = workbook_add_worksheet(self->workbook, name);
    if (!self->sheet) {
        s_fail(self, "sheet '%s' cannot be added", name);
        return -1;
    }
    self->row = self->column = self->last_column = 0;
    self->has_header = false;
    memset(self->width, 0, sizeof self->width);
    memset(self->is_text, 0, sizeof self->is_text);
    return 0;
}

//  True when the cursor may write a cell (a sheet, no error, within Excel's grid).
static bool s_ready(sti_xlsx_writer_t *self)
{
    if (self->error[0]) {
        return false;
    }
    if (!self->sheet) {
        s_fail(self, "a cell written before any sheet");
        return false;
    }
    if (self->row >= LXW_ROW_MAX || self->column >= LXW_COL_MAX) {
        s_fail(self, "more than %d rows or %d columns", LXW_ROW_MAX, LXW_COL_MAX);
        return false;
    }
    return true;
}

//  Moves the cursor past a cell of the given text width.
static void s_advance(sti_xlsx_writer_t *self, double width)
{
    if (self->column < S_COLUMNS && width > self->width[self->column]) {
        self->width[self->column] = width;
    }
    self->column++;
    if (self->column > self->last_column) {
        self->last_column = self->column;
    }
}

//  The format of a cell at the cursor: the column's, unless one is given.
static lxw_format *s_format(sti_xlsx_writer_t *self, lxw_format *given)
{
    return given                                                     ? given
           : self->column < S_COLUMNS && self->is_text[self->column] ? self->text
                                                                     : NULL;
}

static void s_text(sti_xlsx_writer_t *self, const char *text, lxw_format *format)
{
    if (!s_ready(self)) {
        return;
    }
    lxw_error rc =
        text ? worksheet_write_string(self->sheet, (lxw_row_t)self->row, (lxw_col_t)self->column,
                                      text, s_format(self, format))
             : worksheet_write_blank(self->sheet, (lxw_row_t)self->row, (lxw_col_t)self->column,
                                     s_format(self, format));
    if (!s_check(self, rc, "text")) {
        s_advance(self, text ? sti_xlsx_text_width(text) : 0);
    }
}

void sti_xlsx_writer_header(sti_xlsx_writer_t *self, const char *const *titles)
{
    assert(self && titles);
    for (size_t i = 0; titles[i]; i++) {
        s_text(self, titles[i], self->header);
    }
    if (self->sheet && !self->error[0]) {
        worksheet_freeze_panes(self->sheet, (lxw_row_t)self->row + 1, 0);
        self->has_header = true;
    }
    sti_xlsx_writer_end_row(self);
}

void sti_xlsx_writer_text(sti_xlsx_writer_t *self, const char *text)
{
    assert(self);
    s_text(self, text, NULL);
}

void sti_xlsx_writer_blank(sti_xlsx_writer_t *self)
{
    assert(self);
    s_text(self, NULL, NULL);
}

static void s_number(sti_xlsx_writer_t *self, double value, lxw_format *format)
{
    if (!isfinite(value)) {
        s_text(self, NULL, format);
        return;
    }
    if (!s_ready(self)) {
        return;
    }
    lxw_error rc = worksheet_write_number(self->sheet, (lxw_row_t)self->row,
                                          (lxw_col_t)self->column, value, format);
    char shown[32];
    snprintf(shown, sizeof shown, format ? "%.1f%%" : "%.10g", format ? value * 100 : value);
    if (!s_check(self, rc, "number")) {
        s_advance(self, sti_xlsx_text_width(shown));
    }
}

void sti_xlsx_writer_number(sti_xlsx_writer_t *self, double value)
{
    assert(self);
    s_number(self, value, NULL);
}

void sti_xlsx_writer_percent(sti_xlsx_writer_t *self, double fraction)
{
    assert(self);
    s_number(self, fraction, self->percent);
}

void sti_xlsx_writer_end_row(sti_xlsx_writer_t *self)
{
    assert(self);
    self->row++;
    self->column = 0;
}

size_t sti_xlsx_writer_row(const sti_xlsx_writer_t *self)
{
    assert(self);
    return self->row;
}

//  --- forms ---

void sti_xlsx_writer_column_text(sti_xlsx_writer_t *self, size_t column)
{
    assert(self);
    if (column < S_COLUMNS) {
        self->is_text[column] = true;
    } else {
        s_fail(self, "only the first %d columns can be text columns", S_COLUMNS);
    }
}

//  Adds a validation to rows first..last of column, with its prompt.
static void s_validate(sti_xlsx_writer_t *self, size_t column, size_t first, size_t last,
                       lxw_data_validation *rule, const char *prompt)
{
    if (!s_ready(self)) {
        return;
    }
    rule->input_message = (char *)prompt;
    rule->error_message = (char *)prompt;
    rule->show_input = prompt ? LXW_VALIDATION_ON : LXW_VALIDATION_OFF;
    lxw_error rc = worksheet_data_validation_range(self->sheet, (lxw_row_t)first, (lxw_col_t)column,
                                                   (lxw_row_t)last, (lxw_col_t)column, rule);
    if (rc != LXW_NO_ERROR) {
        s_fail(self, "a rule for column %zu: %s", column + 1, lxw_strerror(rc));
    }
}

void sti_xlsx_writer_choices(sti_xlsx_writer_t *self, size_t column, size_t first, size_t last,
                             const char *const *choices, const char *prompt)
{
    assert(self && choices);
    lxw_data_validation rule = {.validate = LXW_VALIDATION_TYPE_LIST,
                                .value_list = (char **)choices};
    s_validate(self, column, first, last, &rule, prompt);
}

//  Writes a column's letters (0: A) into buf.
static const char *s_column_name(size_t column, char *buf, size_t cap)
{
    char letters[8];
    size_t n = 0;
    for (size_t c = column + 1; c > 0 && n < sizeof letters; c = (c - 1) / 26) {
        letters[n++] = (char)('A' + (c - 1) % 26);
    }
    size_t i = 0;
    for (; i < n && i + 1 < cap; i++) {
        buf[i] = letters[n - 1 - i];
    }
    buf[i] = 0;
    return buf;
}

void sti_xlsx_writer_choices_from(sti_xlsx_writer_t *self, size_t column, size_t first, size_t last,
                                  const char *sheet, size_t source, size_t from, size_t to,
                                  const char *prompt)
{
    assert(self && sheet);
    char formula[160], letters[8];
    if (strchr(sheet, '\'')) {
        s_fail(self, "a drop-down from sheet '%s': the name has a quote", sheet);
        return;
    }
    s_column_name(source, letters, sizeof letters);
    snprintf(formula, sizeof formula, "='%s'!$%s$%zu:$%s$%zu", sheet, letters, from + 1, letters,
             to + 1);
    lxw_data_validation rule = {.validate = LXW_VALIDATION_TYPE_LIST_FORMULA,
                                .value_formula = formula};
    s_validate(self, column, first, last, &rule, prompt);
}

void sti_xlsx_writer_numbers(sti_xlsx_writer_t *self, size_t column, size_t first, size_t last,
                             bool has_min, double min, bool has_max, double max, const char *prompt)
{
    assert(self);
    lxw_data_validation rule = {.validate = LXW_VALIDATION_TYPE_DECIMAL};
    if (has_min && has_max) {
        rule.criteria = LXW_VALIDATION_CRITERIA_BETWEEN;
        rule.minimum_number = min;
        rule.maximum_number = max;
    } else if (has_min) {
        rule.criteria = LXW_VALIDATION_CRITERIA_GREATER_THAN_OR_EQUAL_TO;
        rule.value_number = min;
    } else if (has_max) {
        rule.criteria = LXW_VALIDATION_CRITERIA_LESS_THAN_OR_EQUAL_TO;
        rule.value_number = max;
    } else {
        rule.criteria = LXW_VALIDATION_CRITERIA_BETWEEN;
        rule.minimum_number = -1e307;
        rule.maximum_number = 1e307;
    }
    s_validate(self, column, first, last, &rule, prompt);
}

void sti_xlsx_writer_prompt(sti_xlsx_writer_t *self, size_t column, size_t first, size_t last,
                            const char *prompt)
{
    assert(self && prompt);
    lxw_data_validation rule = {.validate = LXW_VALIDATION_TYPE_ANY};
    s_validate(self, column, first, last, &rule, prompt);
}

int sti_xlsx_writer_close(sti_xlsx_writer_t **self_p, char *err, size_t errlen)
{
    assert(self_p);
    sti_xlsx_writer_t *self = *self_p;
    if (!self) {
        return 0;
    }
    s_sheet_done(self);
    if (!self->error[0] && !self->sheet) {
        s_fail(self, "a workbook needs a sheet");
        workbook_add_worksheet(self->workbook, NULL); // so that close still makes a valid file
    }
    lxw_error rc = workbook_close(self->workbook);
    if (rc != LXW_NO_ERROR) {
        s_fail(self, "the file cannot be written: %s", lxw_strerror(rc));
    }
    int result = self->error[0] ? -1 : 0;
    if (result) {
        snprintf(err, errlen, "%s", self->error);
        remove(self->path); // never leave a file that lacks what failed
    }
    free(self->path);
    free(self);
    *self_p = NULL;
    return result;
}
