/*  talent_check: identifier checks of the talent registry (see the header).

    The checks are written out by hand rather than with regular expressions
    so that each failure can say exactly what is wrong, and so that no input
    length can make them slow: every loop is bounded by a fixed maximum.
*/
#include "talent_check.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

//  GB 11643-1999 weights (2^(17-i) mod 11) and the check character for each
//  remainder of the weighted sum mod 11.
static const int s_resident_weights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
static const char s_resident_check[11] = {'1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'};

//  GB 32100-2015: the 31-character set (no I, O, Z, S, V) and the weights
//  (3^(i) mod 31).
static const char s_uscc_set[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
static const int s_uscc_weights[17] = {1,  3,  9,  27, 19, 26, 16, 17, 20,
                                       29, 25, 13, 8,  24, 10, 30, 28};

static int s_fail(char *reason, size_t cap, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

//  Writes the reason (if asked for) and returns -1.
static int s_fail(char *reason, size_t cap, const char *format, ...)
{
    if (reason && cap > 0) {
        va_list args;
        va_start(args, format);
        vsnprintf(reason, cap, format, args);
        va_end(args);
    }
    return -1;
}

static bool s_is_digit(char c)
{
    return c >= '0' && c <= '9';
}

//  Length of text, but at most limit + 1 (enough to say "too long").
static size_t s_bounded_len(const char *text, size_t limit)
{
    return strnlen(text, limit + 1);
}

//  A printable description of character c for a reason.
static void s_char_name(char c, char *buf, size_t cap)
{
    unsigned char u = (unsigned char)c;
    if (u > 0x20 && u < 0x7f) {
        snprintf(buf, cap, "'%c'", c);
    } else {
        snprintf(buf, cap, "byte 0x%02x", u);
    }
}

char talent_check_resident_id_char(const char *digits17)
{
    int sum = 0;
    for (int i = 0; i < 17; i++) {
        if (!s_is_digit(digits17[i])) {
            return 0;
        }
        sum += (digits17[i] - '0') * s_resident_weights[i];
    }
    return s_resident_check[sum % 11];
}

bool talent_check_ymd(int year, int month, int day)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (year < 1 || year > 9999 || month < 1 || month > 12 || day < 1) {
        return false;
    }
    int last = days[month - 1];
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    if (month == 2 && leap) {
        last = 29;
    }
    return day <= last;
}

int talent_check_today(void)
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    return (tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday;
}

//  Reads n digits of text as a number; -1 if one is not a digit.
static int s_digits(const char *text, int n)
{
    int value = 0;
    for (int i = 0; i < n; i++) {
        if (!s_is_digit(text[i])) {
            return -1;
        }
        value = value * 10 + (text[i] - '0');
    }
    return value;
}

int talent_check_resident_id(const char *text, int *birth, char *reason, size_t cap)
{
    size_t len = s_bounded_len(text, TALENT_RESIDENT_ID_LEN);
    if (len != TALENT_RESIDENT_ID_LEN) {
        return s_fail(reason, cap, "must be 18 characters (17 digits and a check character)");
    }
    for (int i = 0; i < 17; i++) {
        if (!s_is_digit(text[i])) {
            char name[16];
            s_char_name(text[i], name, sizeof name);
            return s_fail(reason, cap, "character %d is %s, must be a digit", i + 1, name);
        }
    }
    if (!s_is_digit(text[17]) && text[17] != 'X') {
        char name[16];
        s_char_name(text[17], name, sizeof name);
        return s_fail(reason, cap, "check character is %s, must be a digit or X", name);
    }
    if (text[0] < '1' || text[0] > '8') {
        return s_fail(reason, cap, "region code does not exist (first digit must be 1-8)");
    }
    int year = s_digits(text + 6, 4);
    int month = s_digits(text + 10, 2);
    int day = s_digits(text + 12, 2);
    if (!talent_check_ymd(year, month, day) || year < 1900) {
        return s_fail(reason, cap, "the birth date inside is not a real date");
    }
    int ymd = year * 10000 + month * 100 + day;
    if (ymd > talent_check_today()) {
        return s_fail(reason, cap, "the birth date inside is in the future");
    }
    char expected = talent_check_resident_id_char(text);
    if (text[17] != expected) {
        return s_fail(reason, cap, "check digit is %c, expected %c", text[17], expected);
    }
    if (birth) {
        *birth = ymd;
    }
    return 0;
}

//  Value of a character of the 统一社会信用代码 set, or -1.
static int s_uscc_value(char c)
{
    const char *at = c ? strchr(s_uscc_set, c) : NULL;
    return at ? (int)(at - s_uscc_set) : -1;
}

char talent_check_uscc_char(const char *chars17)
{
    int sum = 0;
    for (int i = 0; i < 17; i++) {
        int value = s_uscc_value(chars17[i]);
        if (value < 0) {
            return 0;
        }
        sum += value * s_uscc_weights[i];
    }
    int check = 31 - sum % 31;
    return s_uscc_set[check == 31 ? 0 : check];
}

int talent_check_uscc(const char *text, char *reason, size_t cap)
{
    size_t len = s_bounded_len(text, TALENT_USCC_LEN);
    if (len != TALENT_USCC_LEN) {
        return s_fail(reason, cap, "must be 18 characters");
    }
    for (int i = 0; i < 18; i++) {
        if (s_uscc_value(text[i]) < 0) {
            char name[16];
            s_char_name(text[i], name, sizeof name);
            return s_fail(reason, cap, "character %d is %s, must be one of 0-9 A-H J-N P-R T U W-Y",
                          i + 1, name);
        }
    }
    char expected = talent_check_uscc_char(text);
    if (text[17] != expected) {
        return s_fail(reason, cap, "check character is %c, expected %c", text[17], expected);
    }
    return 0;
}

int talent_check_date(const char *text, int *ymd, char *reason, size_t cap)
{
    size_t len = s_bounded_len(text, 10);
    if (len != 10 || text[4] != '-' || text[7] != '-') {
        return s_fail(reason, cap, "must be a date written YYYY-MM-DD");
    }
    int year = s_digits(text, 4);
    int month = s_digits(text + 5, 2);
    int day = s_digits(text + 8, 2);
    if (year < 0 || month < 0 || day < 0) {
        return s_fail(reason, cap, "must be a date written YYYY-MM-DD");
    }
    if (!talent_check_ymd(year, month, day)) {
        return s_fail(reason, cap, "%.10s is not a real date", text);
    }
    if (ymd) {
        *ymd = year * 10000 + month * 100 + day;
    }
    return 0;
}

int talent_check_phone(const char *text, char *reason, size_t cap)
{
    size_t len = s_bounded_len(text, TALENT_PHONE_MAX);
    if (len > TALENT_PHONE_MAX) {
        return s_fail(reason, cap, "longer than %d characters", TALENT_PHONE_MAX);
    }
    if (text[0] == '+') {
        if (len < 8) {
            return s_fail(reason, cap, "an international number needs + and 7 to 15 digits");
        }
        if (text[1] == '0') {
            return s_fail(reason, cap, "an international number cannot start with +0");
        }
        for (size_t i = 1; i < len; i++) {
            if (!s_is_digit(text[i])) {
                return s_fail(reason, cap, "an international number is + and digits only");
            }
        }
        return 0;
    }
    for (size_t i = 0; i < len; i++) {
        if (!s_is_digit(text[i])) {
            return s_fail(reason, cap,
                          "must be a mainland mobile number (11 digits) or +country number");
        }
    }
    if (len != 11) {
        return s_fail(reason, cap, "a mainland mobile number has 11 digits, not %zu", len);
    }
    if (text[0] != '1' || text[1] < '3') {
        return s_fail(reason, cap, "a mainland mobile number starts with 13-19");
    }
    return 0;
}

//  Characters allowed in an unquoted local part (RFC 5322 atext) besides
//  letters and digits.
static bool s_is_atext(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || s_is_digit(c) ||
           (c && strchr("!#$%&'*+/=?^_`{|}~-", c) != NULL);
}

static bool s_is_ldh(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || s_is_digit(c) || c == '-';
}

static int s_check_local(const char *local, size_t len, char *reason, size_t cap)
{
    if (len == 0 || len > 64) {
        return s_fail(reason, cap, "the part before @ must be 1 to 64 characters");
    }
    if (local[0] == '.' || local[len - 1] == '.') {
        return s_fail(reason, cap, "the part before @ cannot start or end with a dot");
    }
    for (size_t i = 0; i < len; i++) {
        if (local[i] == '.' && local[i + 1] == '.') {
            return s_fail(reason, cap, "the part before @ cannot have two dots in a row");
        }
        if (local[i] != '.' && !s_is_atext(local[i])) {
            return s_fail(reason, cap, "the part before @ has a character not allowed there");
        }
    }
    return 0;
}

static int s_check_domain(const char *domain, size_t len, char *reason, size_t cap)
{
    if (len == 0 || len > 253) {
        return s_fail(reason, cap, "the domain must be 1 to 253 characters");
    }
    size_t start = 0;
    size_t labels = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && domain[i] != '.') {
            if (!s_is_ldh(domain[i])) {
                return s_fail(reason, cap, "the domain has a character not allowed there");
            }
            continue;
        }
        size_t label = i - start;
        if (label == 0 || label > 63) {
            return s_fail(reason, cap, "each part of the domain must be 1 to 63 characters");
        }
        if (domain[start] == '-' || domain[i - 1] == '-') {
            return s_fail(reason, cap, "a part of the domain cannot start or end with -");
        }
        labels++;
        start = i + 1;
    }
    const char *top = strrchr(domain, '.');
    if (labels < 2 || !top) {
        return s_fail(reason, cap, "the domain needs a dot (example.com)");
    }
    for (const char *c = top + 1; *c; c++) {
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z'))) {
            return s_fail(reason, cap, "the last part of the domain must be letters");
        }
    }
    return 0;
}

int talent_check_email(const char *text, char *reason, size_t cap)
{
    size_t len = s_bounded_len(text, TALENT_EMAIL_MAX);
    if (len > TALENT_EMAIL_MAX) {
        return s_fail(reason, cap, "longer than %d characters", TALENT_EMAIL_MAX);
    }
    const char *at = memchr(text, '@', len);
    if (!at) {
        return s_fail(reason, cap, "must contain @");
    }
    if (memchr(at + 1, '@', len - (size_t)(at - text) - 1)) {
        return s_fail(reason, cap, "must contain only one @");
    }
    size_t local_len = (size_t)(at - text);
    if (s_check_local(text, local_len, reason, cap) != 0) {
        return -1;
    }
    return s_check_domain(at + 1, len - local_len - 1, reason, cap);
}

int talent_check_registry_id(const char *text, char *reason, size_t cap)
{
    size_t len = s_bounded_len(text, TALENT_REGISTRY_ID_MAX);
    if (len == 0 || len > TALENT_REGISTRY_ID_MAX) {
        return s_fail(reason, cap, "must be 1 to %d characters", TALENT_REGISTRY_ID_MAX);
    }
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        if (!s_is_ldh(c) && c != '_') {
            return s_fail(reason, cap, "may contain only letters, digits, _ and -");
        }
    }
    return 0;
}
