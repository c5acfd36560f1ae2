/*  projects_codes: the fixed words and the shared checks. See projects_codes.h. */
#include "projects_codes.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static const char *const s_kinds[] = {"platform", "research", "incubator", "other", NULL};
static const char *const s_levels[] = {"national", "provincial", "municipal", "district", NULL};
static const char *const s_statuses[] = {"planned",   "in_progress", "completed",
                                         "suspended", "cancelled",   NULL};
static const char *const *const s_lists[] = {s_kinds, s_levels, s_statuses};
static const char *const s_texts[] = {
    "platform, research, incubator, other",
    "national, provincial, municipal, district",
    "planned, in_progress, completed, suspended, cancelled",
};

int projects_code_find(projects_list_t list, const char *name)
{
    for (int i = 0; name && s_lists[list][i]; i++) {
        if (strcmp(s_lists[list][i], name) == 0) {
            return i;
        }
    }
    return -1;
}

const char *projects_code_name(projects_list_t list, int index)
{
    return index >= 0 && index < projects_code_count(list) ? s_lists[list][index] : NULL;
}

int projects_code_count(projects_list_t list)
{
    int count = 0;
    while (s_lists[list][count]) {
        count++;
    }
    return count;
}

const char *projects_code_names(projects_list_t list)
{
    return s_texts[list];
}

bool projects_status_may_change(int from, int to)
{
    return from != to && from != PROJECTS_STATUS_COMPLETED && from != PROJECTS_STATUS_CANCELLED &&
           to >= 0 && to < projects_code_count(PROJECTS_LIST_STATUS);
}

bool projects_status_active(int status)
{
    return status == PROJECTS_STATUS_PLANNED || status == PROJECTS_STATUS_IN_PROGRESS;
}

bool projects_code_valid(const char *code)
{
    size_t len = strlen(code);
    if (len == 0 || len > PROJECTS_CODE_MAX || !isalnum((unsigned char)code[0])) {
        return false;
    }
    for (const char *p = code; *p; p++) {
        if (!isalnum((unsigned char)*p) && *p != '_' && *p != '.' && *p != '-') {
            return false;
        }
    }
    return true;
}

bool projects_text_clean(const char *text)
{
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        if (*p < 0x20 || *p == 0x7f) {
            return false;
        }
    }
    return true;
}

//  Days in month of year.
static int s_days_in(int year, int month)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return month == 2 && leap ? 29 : days[month - 1];
}

int projects_date_parse(const char *text, int *ymd, char *reason, size_t cap)
{
    int year = 0, month = 0, day = 0;
    bool shaped = strlen(text) == PROJECTS_DATE_LEN && text[4] == '-' && text[7] == '-';
    for (int i = 0; shaped && i < PROJECTS_DATE_LEN; i++) {
        shaped = i == 4 || i == 7 || isdigit((unsigned char)text[i]);
    }
    if (!shaped) {
        snprintf(reason, cap, "must be a date written YYYY-MM-DD");
        return -1;
    }
    sscanf(text, "%4d-%2d-%2d", &year, &month, &day);
    if (month < 1 || month > 12 || day < 1 || day > s_days_in(year, month)) {
        snprintf(reason, cap, "%s is not a real date", text);
        return -1;
    }
    if (year < 2000 || year > 2100) {
        snprintf(reason, cap, "%s is outside 2000-01-01 to 2100-12-31", text);
        return -1;
    }
    *ymd = year * 10000 + month * 100 + day;
    return 0;
}

char *projects_date_format(int ymd, char *buf, size_t cap)
{
    snprintf(buf, cap, "%04d-%02d-%02d", ymd / 10000, ymd / 100 % 100, ymd % 100);
    return buf;
}

int projects_date_today(void)
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    return (tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday;
}

int projects_date_next(int ymd)
{
    int year = ymd / 10000, month = ymd / 100 % 100, day = ymd % 100;
    if (day < s_days_in(year, month)) {
        return ymd + 1;
    }
    return month < 12 ? year * 10000 + (month + 1) * 100 + 1 : (year + 1) * 10000 + 101;
}
