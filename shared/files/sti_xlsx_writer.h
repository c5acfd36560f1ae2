/*  sti_xlsx_writer: tables written as an .xlsx file, with libxlsxwriter.

    A workbook of sheets, each written a row at a time with a cursor: a
    header row (bold, kept in view when scrolling, with Excel's filter
    buttons), then cells of text, numbers or percentages. Columns are sized
    to their widest cell (Chinese characters count twice). For fill-in
    forms a column can be kept as text (so that `2023-05` typed into it
    stays text and is not turned into a date), offer a drop-down list
    (written out, or the cells of another sheet), or take only numbers
    within bounds, each with a prompt Excel shows when the cell is chosen.

    Rows and columns count from 0 (row 0 is Excel's row 1). Text must be
    UTF-8; it is written as text, never as a formula. The first error (an
    invalid sheet name, a text Excel cannot hold, a file that cannot be
    written) is kept, later calls do nothing, and sti_xlsx_writer_close
    reports it. libxlsxwriter writes only to a file: a caller that wants
    the bytes (an HTTP answer) writes to a temporary file and reads it back
    (libxlsxwriter 1.1.4 has no `output_buffer`; it came in 1.1.5).
*/
#pragma once
#include <stdbool.h>
#include <stddef.h>

typedef struct _sti_xlsx_writer_t sti_xlsx_writer_t;

//  A new workbook, written to path when closed. Returns NULL with a reason
//  in err when libxlsxwriter cannot start one.
sti_xlsx_writer_t *sti_xlsx_writer_new(const char *path, char *err, size_t errlen);

//  Adds a sheet (a tab) after the others and makes it the current one,
//  with the cursor at row 0, column 0. Returns 0, or -1 (the error is kept)
//  when Excel would refuse the name (empty, over 31 characters, one of
//  []:*?/\, or taken).
int sti_xlsx_writer_sheet(sti_xlsx_writer_t *self, const char *name);

//  Writes titles (NULL-terminated) as the header row at the cursor, bold
//  and frozen in view; the sheet gets filter buttons over its rows.
void sti_xlsx_writer_header(sti_xlsx_writer_t *self, const char *const *titles);

//  Writes the next cell of the current row: text (NULL: blank), a number
//  (not finite: blank), a fraction shown as a percentage (0.645: 64.5%).
void sti_xlsx_writer_text(sti_xlsx_writer_t *self, const char *text);
void sti_xlsx_writer_number(sti_xlsx_writer_t *self, double value);
void sti_xlsx_writer_percent(sti_xlsx_writer_t *self, double fraction);
void sti_xlsx_writer_blank(sti_xlsx_writer_t *self);
//  Ends the current row: the cursor goes to column 0 of the next.
void sti_xlsx_writer_end_row(sti_xlsx_writer_t *self);
//  The row the cursor is on.
size_t sti_xlsx_writer_row(const sti_xlsx_writer_t *self);

//  --- for forms to fill in (on the current sheet) ---

//  The column's cells, written or typed later, hold text.
void sti_xlsx_writer_column_text(sti_xlsx_writer_t *self, size_t column);
//  The rows first..last of the column offer a drop-down of choices
//  (NULL-terminated, at most 255 characters with the commas between) and
//  refuse anything else; prompt (may be NULL) is shown when a cell is chosen.
void sti_xlsx_writer_choices(sti_xlsx_writer_t *self, size_t column, size_t first, size_t last,
                             const char *const *choices, const char *prompt);
//  The same with the choices in rows from..to of column `source` of sheet
//  `sheet` (for longer lists).
void sti_xlsx_writer_choices_from(sti_xlsx_writer_t *self, size_t column, size_t first, size_t last,
                                  const char *sheet, size_t source, size_t from, size_t to,
                                  const char *prompt);
//  The rows first..last of the column take only numbers, at least min
//  (when has_min) and at most max (when has_max).
void sti_xlsx_writer_numbers(sti_xlsx_writer_t *self, size_t column, size_t first, size_t last,
                             bool has_min, double min, bool has_max, double max,
                             const char *prompt);

//  The rows first..last of the column show prompt when a cell is chosen
//  (anything may be typed).
void sti_xlsx_writer_prompt(sti_xlsx_writer_t *self, size_t column, size_t first, size_t last,
                            const char *prompt);

//  The columns a text takes in Excel, roughly: CJK and other wide
//  characters (3 and 4 byte UTF-8) count 2.
double sti_xlsx_text_width(const char *text);

//  Writes the file and destroys the writer (*self_p becomes NULL; safe on
//  NULL). Returns 0, or -1 with the first error in err; the file is then
//  removed, never left half-written.
int sti_xlsx_writer_close(sti_xlsx_writer_t **self_p, char *err, size_t errlen);
