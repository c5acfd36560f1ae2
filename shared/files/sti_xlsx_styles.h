/*  sti_xlsx_styles: which cell styles of an .xlsx show a date, a time or a
    percentage (the part xl/styles.xml).

    A cell refers to its style by index into the workbook's cellXfs; each
    style names a number format, built in by id or defined in numFmts by a
    format code. This module reads both lists and keeps, per style, what
    its format shows (sti_xlsx_format), and nothing else of the look of
    cells. Bounded: at most STI_XLSX_STYLES_MAX styles and as many formats.
*/
#pragma once
#include <stddef.h>

#include <zip.h>

#define STI_XLSX_STYLES_MAX 65536u // cell styles, and number formats

typedef struct _sti_xlsx_styles_t sti_xlsx_styles_t;

//  No styles (every index shows 0). Never NULL (aborts on out-of-memory).
sti_xlsx_styles_t *sti_xlsx_styles_new(void);
void sti_xlsx_styles_destroy(sti_xlsx_styles_t **self_p);

//  Reads the styles part at path of the archive (after what the table
//  holds). Returns 0, or -1 with a reason naming the part in err.
int sti_xlsx_styles_load(sti_xlsx_styles_t *self, zip_t *zip, const char *path, char *err,
                         size_t errlen);

//  The STI_XLSX_SHOWS_* bits of cell style `index` (0 for an index the
//  table does not hold: the cell is then shown as General).
unsigned sti_xlsx_styles_shows(const sti_xlsx_styles_t *self, long index);
//  The number of cell styles held.
size_t sti_xlsx_styles_count(const sti_xlsx_styles_t *self);
