/*  sti_xlsx_format: what a spreadsheet cell's number format shows, and
    Excel's serial dates as calendar dates.

    An .xlsx keeps a date as a number (days since 1900, or 1904) and tells it
    is a date only through the cell's number format: a built-in one by id
    (ECMA-376 Part 1, 18.8.30, plus the ids a Chinese Excel uses for its own
    date formats: 27-36, 50-58) or a format code (`yyyy"年"m"月"`, `0.0%`).
    This module says which parts of a date a format shows (year, month,
    day, time) and whether it shows a percentage, so a reader can render a
    cell as the clerk saw it: `2023-05` for a month, `2023-05-17` for a
    day, `3.5%` for a percentage. It does not render numbers digit by digit
    as Excel would (thousands separators, decimals): a number stays a number.

    Pure functions, no allocation.
*/
#pragma once
#include <stdbool.h>
#include <stddef.h>

//  Bits of what a number format shows.
#define STI_XLSX_SHOWS_YEAR 0x01u    // a date with its year
#define STI_XLSX_SHOWS_MONTH 0x02u   // a date with its month
#define STI_XLSX_SHOWS_DAY 0x04u     // a date with its day
#define STI_XLSX_SHOWS_TIME 0x08u    // a time of day (hours, minutes or seconds)
#define STI_XLSX_SHOWS_PERCENT 0x10u // a number times 100 with a % sign
#define STI_XLSX_SHOWS_DATE                                                                        \
    (STI_XLSX_SHOWS_YEAR | STI_XLSX_SHOWS_MONTH | STI_XLSX_SHOWS_DAY | STI_XLSX_SHOWS_TIME)

//  A calendar date and time of day, as an Excel serial number stands for it.
typedef struct {
    int year;   // 1900..9999
    int month;  // 1..12
    int day;    // 1..31
    int hour;   // 0..23
    int minute; // 0..59
    int second; // 0..59
} sti_xlsx_date_t;

//  What the built-in number format `id` shows (0 for General, text and
//  plain numbers, and for ids this module does not know).
unsigned sti_xlsx_format_builtin(int id);

//  What a format code shows, from its first section (before any `;`):
//  date and time letters and `%` outside quotes, brackets and escapes.
//  `m` counts as minutes right after an hour or before seconds, else as a
//  month. `General`, `@` and plain number codes show 0.
unsigned sti_xlsx_format_code(const char *code);

//  Converts an Excel serial number to a date: days since 1899-12-31 in the
//  1900 system (Excel counts a 29 February 1900 that never was, so serial
//  60 is refused and serials after it are one day later), since 1904-01-01
//  in the 1904 system; the fraction is the time of day, rounded to the
//  second. Returns 0, or -1 when the serial is not finite, below 1 (1900)
//  or 0 (1904), or past 9999-12-31.
int sti_xlsx_date_from_serial(double serial, bool date1904, sti_xlsx_date_t *out);

//  The serial number of a date in the 1900 system (the inverse of the
//  above, for writers and tests). Returns -1 for a date before 1900-03-01
//  or past 9999-12-31, or a day that does not exist.
double sti_xlsx_date_to_serial(const sti_xlsx_date_t *date);

//  Writes date as ISO 8601 text with the parts shows names, into buf:
//  `2023` (year only), `2023-05` (year and month), `2023-05-17` (a day,
//  or a month and day without the year), `14:30:05` (time only),
//  `2023-05-17 14:30:05` (both). Returns buf.
const char *sti_xlsx_date_text(const sti_xlsx_date_t *date, unsigned shows, char *buf, size_t cap);
