/*  sti_xlsx_reader: the rows of a worksheet of an .xlsx file (Office Open
    XML SpreadsheetML, ECMA-376), read with libzip and expat.

    Debian has no C library that reads .xlsx, so this is a small one for
    tables of values: cells in, rows out. It reads the workbook's sheet list,
    the shared strings, the cell styles (only to tell dates and percentages
    from plain numbers) and one sheet, streamed row by row. A cell is empty,
    a number, text (shared or inline, rich text joined, phonetic runs
    left out), a boolean, an error (`#N/A`) or a date (a number whose format
    shows a date); a formula counts by its saved result. Charts, comments,
    merged cells, hidden rows and the look of cells are not read.

    The file is hostile input. Everything is bounded (STI_XLSX_*_MAX below):
    the file, the number of zip entries, every part as it unpacks (what the
    zip says and what actually comes out: a zip bomb stops at the bound),
    the shared strings (count and bytes, whatever the file declares), a
    cell's text, a row's columns (Excel's 16,384) and its text, the sheet's
    rows (Excel's 1,048,576), XML nesting; a DOCTYPE or entity declaration
    is refused outright (no entity expansion, no external entities). Every
    refusal names the part, and the cell or row, and what is wrong; nothing
    is asserted on input.

    Memory: the file itself, the shared strings and one row. Not
    thread-safe: one reader per thread.
*/
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "sti_xlsx_format.h"
#include "sti_xlsx_strings.h"

#define STI_XLSX_FILE_MAX (64u << 20)     // bytes of an .xlsx file
#define STI_XLSX_ENTRIES_MAX 10000u       // entries of its zip archive
#define STI_XLSX_ROW_BYTES_MAX (4u << 20) // bytes of text of one row
#define STI_XLSX_COLUMNS_MAX 16384u       // columns of a sheet (A to XFD)
#define STI_XLSX_ROWS_MAX 1048576u        // rows of a sheet
#define STI_XLSX_SHEETS_MAX 1000u         // sheets of a workbook
//  and, in sti_xlsx_part.h, sti_xlsx_strings.h and sti_xlsx_styles.h: a part
//  unpacks to at most 256 MiB and nests at most 32 deep; at most 10^6 shared
//  strings of 64 MiB together; a cell's text is at most 128 KiB; at most
//  65,536 cell styles.

typedef struct _sti_xlsx_reader_t sti_xlsx_reader_t;

//  What a cell holds.
typedef enum {
    STI_XLSX_EMPTY = 0, // nothing (or a formula without a saved result)
    STI_XLSX_NUMBER,    // a number
    STI_XLSX_TEXT,      // text
    STI_XLSX_BOOL,      // TRUE or FALSE
    STI_XLSX_ERROR,     // an error value such as #N/A or #DIV/0!
    STI_XLSX_DATE,      // a number whose format shows a date or time
} sti_xlsx_kind_t;

//  One cell, borrowed for the row callback.
typedef struct {
    sti_xlsx_kind_t kind; // what the cell holds
    const char *text;     // TEXT, ERROR: the text, NUL-terminated, valid UTF-8; else ""
    size_t len;           // bytes of text
    double number;        // NUMBER, DATE (the serial number), BOOL (1 or 0)
    unsigned shows;       // NUMBER: STI_XLSX_SHOWS_PERCENT or 0; DATE: the parts its format shows
    sti_xlsx_date_t date; // DATE: the calendar date and time
    bool formula;         // the cell has a formula; the rest is its saved result
} sti_xlsx_cell_t;

//  Called for each row that has a cell with a value (rows without any are
//  skipped). row is the sheet's row number, from 1, as Excel shows it;
//  cells[0..count) are columns A, B, ... up to the last cell with a value,
//  so count >= 1 (cells between are STI_XLSX_EMPTY). Return 0 to go on, or
//  anything else to stop reading (sti_xlsx_reader_read then returns 1).
typedef int(sti_xlsx_row_fn)(void *arg, size_t row, const sti_xlsx_cell_t *cells, size_t count);

//  Opens the .xlsx file at path: reads it (at most STI_XLSX_FILE_MAX
//  bytes), checks it is a zip archive, reads the workbook's sheet list.
//  Returns a new reader, or NULL with a reason in err ("not an .xlsx file:
//  ...", "the file is an old .xls workbook or has a password: ...").
sti_xlsx_reader_t *sti_xlsx_reader_open(const char *path, char *err, size_t errlen);

//  The same from bytes in memory (copied; the caller keeps data).
sti_xlsx_reader_t *sti_xlsx_reader_open_buffer(const void *data, size_t size, char *err,
                                               size_t errlen);

//  Destroys the reader; *self_p is set to NULL. Safe on NULL.
void sti_xlsx_reader_destroy(sti_xlsx_reader_t **self_p);

//  The number of sheets the workbook lists, and the name of sheet i
//  (borrowed), in the order Excel shows their tabs; NULL past the end.
size_t sti_xlsx_reader_sheet_count(const sti_xlsx_reader_t *self);
const char *sti_xlsx_reader_sheet_name(const sti_xlsx_reader_t *self, size_t index);

//  The index of the sheet named name, or -1.
int sti_xlsx_reader_sheet_find(const sti_xlsx_reader_t *self, const char *name);

//  Reads sheet `index` (0: the first tab), calling on_row for each row with
//  a value, in the order of the file (rows go down: a row number that does
//  not is refused). Returns 0 when the sheet was read to its end, 1 when
//  on_row stopped it, or -1 with a reason in err (a sheet that is not
//  there, a damaged zip entry, broken XML, a bound passed), naming the
//  part and the cell ("xl/worksheets/sheet1.xml: cell C7: ...").
int sti_xlsx_reader_read(sti_xlsx_reader_t *self, size_t index, sti_xlsx_row_fn *on_row, void *arg,
                         char *err, size_t errlen);

//  A cell as text, the way the sheet shows it without decoration: numbers
//  with up to 15 significant digits (`2023`, `52.5`), percentages as
//  `3.5%`, dates as sti_xlsx_date_text writes them (`2023-05`), booleans as
//  `TRUE` / `FALSE`, text and errors as they are (borrowed, not copied:
//  the result may be cell->text), empty as "". Returns the text.
const char *sti_xlsx_cell_text(const sti_xlsx_cell_t *cell, char *buf, size_t cap);

//  Writes the reference of a cell ("C7") into buf: column from 0, row from
//  1. Returns buf.
const char *sti_xlsx_cell_name(size_t column, size_t row, char *buf, size_t cap);
