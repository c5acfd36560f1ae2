/*  sti_xlsx_format: number formats and serial dates. See sti_xlsx_format.h.

    A format code is scanned once into a short list of date and time
    letters (quoted text, escapes, [colours] and [$-locales] skipped); `m`
    is then decided by its neighbours, as Excel does. Dates use the
    proleptic Gregorian calendar through day numbers (days since
    1970-01-01), so no time zone or C library date code is involved.
*/
#include "sti_xlsx_format.h"

#include <assert.h>
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "sti_time.h"

#define S_TOKENS_MAX 64 // date letters looked at in one code

unsigned sti_xlsx_format_builtin(int id)
{
    const unsigned ymd = STI_XLSX_SHOWS_YEAR | STI_XLSX_SHOWS_MONTH | STI_XLSX_SHOWS_DAY;
    const unsigned ym = STI_XLSX_SHOWS_YEAR | STI_XLSX_SHOWS_MONTH;
    const unsigned md = STI_XLSX_SHOWS_MONTH | STI_XLSX_SHOWS_DAY;
    switch (id) {
    case 9:  // 0%
    case 10: // 0.00%
        return STI_XLSX_SHOWS_PERCENT;
    case 14: // m/d/yyyy (a Chinese Excel shows yyyy/m/d)
    case 15: // d-mmm-yy
    case 30: // m-d-yy
    case 31: // yyyy"年"m"月"d"日"
        return ymd;
    case 16: // d-mmm
    case 28: // m"月"d"日"
    case 29:
    case 51:
    case 53:
    case 54:
    case 58:
        return md;
    case 17: // mmm-yy
    case 27: // yyyy"年"m"月"
    case 36:
    case 50:
    case 52:
    case 57:
        return ym;
    case 18: // h:mm AM/PM
    case 19:
    case 20:
    case 21:
    case 32: // h"时"mm"分"
    case 33:
    case 34:
    case 35:
    case 45: // mm:ss
    case 46: // [h]:mm:ss
    case 47:
    case 55:
    case 56:
        return STI_XLSX_SHOWS_TIME;
    case 22: // m/d/yy h:mm
        return ymd | STI_XLSX_SHOWS_TIME;
    default:
        return 0;
    }
}

//  Skips a bracketed part at code[i] == '['. Returns the index after it and
//  sets *elapsed when it is an elapsed time ([h], [mm], [ss]).
static size_t s_bracket(const char *code, size_t i, bool *elapsed)
{
    size_t start = ++i;
    while (code[i] && code[i] != ']') {
        i++;
    }
    size_t len = i - start;
    *elapsed = len > 0;
    for (size_t k = start; k < i; k++) {
        char c = (char)tolower((unsigned char)code[k]);
        *elapsed = *elapsed && (c == 'h' || c == 'm' || c == 's');
    }
    return code[i] ? i + 1 : i;
}

//  Collects the date and time letters of the first section into tokens
//  ('y', 'm', 'd', 'h', 's'), one per run of the same letter. Sets
//  *percent when a % is outside quotes. Returns the number of tokens.
static size_t s_tokens(const char *code, char *tokens, bool *percent)
{
    size_t count = 0;
    *percent = false;
    for (size_t i = 0; code[i] && code[i] != ';';) {
        char c = code[i];
        char lower = (char)tolower((unsigned char)c);
        char token = 0;
        if (c == '"') {
            i++;
            while (code[i] && code[i] != '"') {
                i++;
            }
            i += code[i] ? 1 : 0;
            continue;
        }
        if ((c == '\\' || c == '_' || c == '*') && code[i + 1]) {
            i += 2;
            continue;
        }
        if (c == '[') {
            bool elapsed;
            i = s_bracket(code, i, &elapsed);
            token = elapsed ? 'h' : 0;
        } else if (c == '%') {
            *percent = true;
            i++;
        } else if (strncasecmp(code + i, "general", 7) == 0) {
            i += 7;
        } else if (strncasecmp(code + i, "am/pm", 5) == 0 || strncasecmp(code + i, "a/p", 3) == 0) {
            token = 'h';
            i += code[i + 1] == '/' ? 3 : 5;
        } else if (lower == 'e' && (code[i + 1] == '+' || code[i + 1] == '-')) {
            i += 2; // scientific notation
        } else if (lower == 'y' || lower == 'e' || lower == 'm' || lower == 'd' || lower == 'h' ||
                   lower == 's' || lower == 'a') {
            while (tolower((unsigned char)code[i]) == lower) {
                i++;
            }
            token = lower == 'e' ? 'y' : lower == 'a' ? 'd' : lower; // aaa: the weekday
        } else {
            i++;
        }
        if (token && count < S_TOKENS_MAX) {
            tokens[count++] = token;
        }
    }
    return count;
}

unsigned sti_xlsx_format_code(const char *code)
{
    assert(code);
    char tokens[S_TOKENS_MAX];
    bool percent;
    size_t count = s_tokens(code, tokens, &percent);
    unsigned shows = percent ? STI_XLSX_SHOWS_PERCENT : 0;
    for (size_t i = 0; i < count; i++) {
        switch (tokens[i]) {
        case 'y':
            shows |= STI_XLSX_SHOWS_YEAR;
            break;
        case 'd':
            shows |= STI_XLSX_SHOWS_DAY;
            break;
        case 'h':
        case 's':
            shows |= STI_XLSX_SHOWS_TIME;
            break;
        default: // 'm': minutes after an hour or before seconds, else the month
            if ((i > 0 && tokens[i - 1] == 'h') || (i + 1 < count && tokens[i + 1] == 's')) {
                shows |= STI_XLSX_SHOWS_TIME;
            } else {
                shows |= STI_XLSX_SHOWS_MONTH;
            }
        }
    }
    //  A date is not a percentage even if a % is written beside it.
    return shows & STI_XLSX_SHOWS_DATE ? shows & STI_XLSX_SHOWS_DATE : shows;
}

//  The civil date of a day number (the inverse).
static void s_civil_from_days(long z, int *year, int *month, int *day)
{
    z += 719468;
    long era = (z >= 0 ? z : z - 146096) / 146097;
    long doe = z - era * 146097;
    long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long mp = (5 * doy + 2) / 153;
    *day = (int)(doy - (153 * mp + 2) / 5 + 1);
    *month = (int)(mp < 10 ? mp + 3 : mp - 9);
    *year = (int)(yoe + era * 400 + (*month <= 2));
}

int sti_xlsx_date_from_serial(double serial, bool date1904, sti_xlsx_date_t *out)
{
    assert(out);
    if (!isfinite(serial) || serial < (date1904 ? 0 : 1) || serial >= 2958466) {
        return -1;
    }
    long seconds = lround(serial * 86400.0);
    long days = seconds / 86400;
    long in_day = seconds % 86400;
    long epoch; // the day number of serial 0
    if (date1904) {
        epoch = sti_time_days_from_civil(1904, 1, 1);
    } else if (days < 60) {
        epoch = sti_time_days_from_civil(1899, 12, 31);
    } else if (days == 60) {
        return -1; // 1900-02-29, which Excel counts and the calendar does not
    } else {
        epoch = sti_time_days_from_civil(1899, 12, 30);
    }
    s_civil_from_days(epoch + days, &out->year, &out->month, &out->day);
    if (out->year > 9999) {
        return -1;
    }
    out->hour = (int)(in_day / 3600);
    out->minute = (int)(in_day / 60 % 60);
    out->second = (int)(in_day % 60);
    return 0;
}

double sti_xlsx_date_to_serial(const sti_xlsx_date_t *date)
{
    assert(date);
    static const int month_days[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (date->year % 4 == 0 && date->year % 100 != 0) || date->year % 400 == 0;
    if (date->year < 1900 || date->year > 9999 || date->month < 1 || date->month > 12 ||
        date->day < 1 || date->day > month_days[date->month - 1] ||
        (date->month == 2 && date->day == 29 && !leap) || date->hour < 0 || date->hour > 23 ||
        date->minute < 0 || date->minute > 59 || date->second < 0 || date->second > 59 ||
        (date->year == 1900 && date->month < 3)) {
        return -1;
    }
    long days = sti_time_days_from_civil(date->year, date->month, date->day) -
                sti_time_days_from_civil(1899, 12, 30);
    return (double)days + (date->hour * 3600 + date->minute * 60 + date->second) / 86400.0;
}

const char *sti_xlsx_date_text(const sti_xlsx_date_t *date, unsigned shows, char *buf, size_t cap)
{
    assert(date && buf && cap > 0);
    bool year = shows & STI_XLSX_SHOWS_YEAR, month = shows & STI_XLSX_SHOWS_MONTH;
    bool day = shows & STI_XLSX_SHOWS_DAY, time = shows & STI_XLSX_SHOWS_TIME;
    char when[16] = "";
    if (year && !month && !day) {
        snprintf(when, sizeof when, "%04d", date->year);
    } else if (year && month && !day) {
        snprintf(when, sizeof when, "%04d-%02d", date->year, date->month);
    } else if (year || month || day || !time) {
        snprintf(when, sizeof when, "%04d-%02d-%02d", date->year, date->month, date->day);
    }
    if (time) {
        snprintf(buf, cap, "%s%s%02d:%02d:%02d", when, when[0] ? " " : "", date->hour, date->minute,
                 date->second);
    } else {
        snprintf(buf, cap, "%s", when);
    }
    return buf;
}
