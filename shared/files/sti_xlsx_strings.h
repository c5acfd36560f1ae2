/*  sti_xlsx_strings: the shared-strings table of an .xlsx (the part
    xl/sharedStrings.xml), which cells of type `s` refer to by index, and
    the `_xHHHH_` escapes of OOXML text.

    The table is the one part of a workbook a reader must hold whole, so it
    is bounded by what it holds, never by what the file declares (a
    `uniqueCount` of 10^9 reserves nothing): at most STI_XLSX_STRINGS_MAX
    strings and STI_XLSX_STRINGS_BYTES_MAX bytes of text, each string at
    most STI_XLSX_STRING_MAX bytes. A string is the text of its runs
    joined; phonetic runs (`rPh`, the furigana of Japanese) are left out.
*/
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include <zip.h>

#define STI_XLSX_STRINGS_MAX 1000000u          // strings in the table
#define STI_XLSX_STRINGS_BYTES_MAX (64u << 20) // bytes of text of all of them
#define STI_XLSX_STRING_MAX (128u << 10)       // bytes of one string (or one cell's text)

typedef struct _sti_xlsx_strings_t sti_xlsx_strings_t;

//  An empty table. Never NULL (aborts on out-of-memory).
sti_xlsx_strings_t *sti_xlsx_strings_new(void);
void sti_xlsx_strings_destroy(sti_xlsx_strings_t **self_p);

//  Reads the part at path of the archive into the table (after what it
//  holds). Returns 0, or -1 with a reason in err naming the part and the
//  string ("xl/sharedStrings.xml: more than 1000000 shared strings").
int sti_xlsx_strings_load(sti_xlsx_strings_t *self, zip_t *zip, const char *path, char *err,
                          size_t errlen);

size_t sti_xlsx_strings_count(const sti_xlsx_strings_t *self);
//  String `index` (borrowed, NUL-terminated) with its length in *len, or
//  NULL past the end.
const char *sti_xlsx_strings_at(const sti_xlsx_strings_t *self, size_t index, size_t *len);

//  Decodes the `_xHHHH_` escapes OOXML writes for characters XML cannot
//  carry (`_x000D_` is a carriage return, `_x005F_` an underscore) in the
//  len bytes of UTF-8 at text, in place. A NUL is dropped, a surrogate
//  becomes U+FFFD. Returns the new length (the text stays NUL-terminated
//  if it was).
size_t sti_xlsx_unescape(char *text, size_t len);
