/*  talent_fields: the field readers and writers that talent records and
    teams share: error lists, bounded text, codes of talent.json, dates,
    enumerations and employers.

    Every reader takes a node of a hostile message, checks type, length,
    encoding and content, and on failure adds {field, reason} to an error
    list and returns -1, leaving its output empty.
*/
#include "talent_fields.h"

#include <assert.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

//  --- errors and small helpers ---

void talent_errors_clear(talent_errors_t *errors)
{
    assert(errors);
    memset(errors, 0, sizeof *errors);
}

void talent_errors_add(talent_errors_t *errors, const char *field, const char *format, ...)
{
    assert(errors && field && format);
    if (errors->count >= TALENT_ERRORS_MAX) {
        errors->truncated = true;
        return;
    }
    sti_field_error_t *item = &errors->items[errors->count++];
    snprintf(item->field, sizeof item->field, "%s", field);
    va_list args;
    va_start(args, format);
    vsnprintf(item->reason, sizeof item->reason, format, args);
    va_end(args);
}

//  Adds a codec error (its reason) under field; returns -1.
int talent_errors_add_codec(talent_errors_t *errors, const char *field,
                            const sti_field_error_t *err)
{
    talent_errors_add(errors, field, "%s", err->reason);
    return -1;
}

//  Today + days in UTC, as YYYYMMDD.
static int s_date_after(int days)
{
    time_t when = time(NULL) + (time_t)days * 86400;
    struct tm tm;
    gmtime_r(&when, &tm);
    return (tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday;
}

//  Index of text in a NULL-terminated list of names, or -1.
static int s_name_index(const char *const *names, const char *text)
{
    for (int i = 0; names[i]; i++) {
        if (*names[i] && strcmp(names[i], text) == 0) {
            return i;
        }
    }
    return -1;
}

//  Reads an enumeration value; -1 with an error listing the choices.
int talent_decode_enum(sti_node_t node, const char *field, const char *const *names,
                       const char *choices, int *out, talent_errors_t *errors)
{
    char text[16];
    sti_field_error_t err = {{0}, {0}};
    if (sti_node_str_copy(node, text, sizeof text, &err) != 0) {
        if (strncmp(err.reason, "longer", 6) != 0) {
            return talent_errors_add_codec(errors, field, &err);
        }
        text[0] = 0;
    }
    int index = s_name_index(names, text);
    if (index < 0) {
        talent_errors_add(errors, field, "must be one of %s", choices);
        return -1;
    }
    *out = index;
    return 0;
}

int talent_decode_text(sti_node_t node, const char *field, char *buf, size_t cap, size_t min_len,
                       bool multiline, talent_errors_t *errors)
{
    sti_field_error_t err = {{0}, {0}};
    if (sti_node_str_copy(node, buf, cap, &err) != 0) {
        buf[0] = 0;
        return talent_errors_add_codec(errors, field, &err);
    }
    bool blank = true;
    for (const unsigned char *c = (const unsigned char *)buf; *c; c++) {
        bool allowed = *c >= 0x20 || (multiline && (*c == '\n' || *c == '\t' || *c == '\r'));
        if (!allowed || *c == 0x7f) {
            buf[0] = 0;
            talent_errors_add(errors, field, "contains a control character");
            return -1;
        }
        blank = blank && isspace(*c);
    }
    if (strlen(buf) < min_len || (min_len > 0 && blank)) {
        buf[0] = 0;
        talent_errors_add(errors, field, "must not be empty");
        return -1;
    }
    return 0;
}

int talent_decode_code(sti_node_t node, const char *field, const talent_codes_t *codes,
                       talent_code_kind_t kind, char buf[TALENT_CODE_MAX + 1],
                       talent_errors_t *errors)
{
    sti_field_error_t err = {{0}, {0}};
    if (sti_node_str_copy(node, buf, TALENT_CODE_MAX + 1, &err) != 0) {
        //  A code too long is simply not one of the codes.
        buf[0] = 0;
        if (strncmp(err.reason, "longer", 6) != 0) {
            return talent_errors_add_codec(errors, field, &err);
        }
    }
    char reason[sizeof err.reason];
    if (talent_codes_check(codes, kind, buf, reason, sizeof reason) != 0) {
        buf[0] = 0;
        talent_errors_add(errors, field, "%s", reason);
        return -1;
    }
    return 0;
}

//  Reads a YYYY-MM-DD date between 1950-01-01 and tomorrow (UTC).
int talent_decode_date(sti_node_t node, const char *field, char buf[TALENT_DATE_LEN + 1],
                       talent_errors_t *errors)
{
    sti_field_error_t err = {{0}, {0}};
    char reason[160];
    int ymd = 0;
    if (sti_node_str_copy(node, buf, TALENT_DATE_LEN + 1, &err) != 0) {
        buf[0] = 0;
        if (strncmp(err.reason, "longer", 6) == 0) {
            talent_errors_add(errors, field, "must be a date written YYYY-MM-DD");
            return -1;
        }
        return talent_errors_add_codec(errors, field, &err);
    }
    if (talent_check_date(buf, &ymd, reason, sizeof reason) != 0) {
        buf[0] = 0;
        talent_errors_add(errors, field, "%s", reason);
        return -1;
    }
    if (ymd < 19500101 || ymd > s_date_after(1)) {
        buf[0] = 0;
        talent_errors_add(errors, field, "must be from 1950-01-01 to today");
        return -1;
    }
    return 0;
}

int talent_decode_employer(sti_node_t node, char name[TALENT_EMPLOYER_NAME_MAX + 1],
                           char uscc[TALENT_USCC_LEN + 1], talent_errors_t *errors)
{
    static const char *const keys[] = {"name", "uscc", NULL};
    sti_field_error_t err = {{0}, {0}};
    name[0] = uscc[0] = 0;
    if (sti_map_only(node, keys, &err) != 0) {
        char field[80];
        snprintf(field, sizeof field, "employer%s%s", err.field[0] ? "." : "", err.field);
        return talent_errors_add_codec(errors, field, &err);
    }
    int rc = talent_decode_text(sti_node_get(node, "name"), "employer.name", name,
                                TALENT_EMPLOYER_NAME_MAX + 1, 1, false, errors);
    sti_node_t code = sti_node_get(node, "uscc");
    if (sti_node_is_missing(code) || sti_node_type(code) == STI_TYPE_NIL) {
        return rc;
    }
    char reason[160];
    if (sti_node_str_copy(code, uscc, TALENT_USCC_LEN + 1, &err) != 0) {
        uscc[0] = 0;
        if (strncmp(err.reason, "longer", 6) == 0) {
            talent_errors_add(errors, "employer.uscc", "must be 18 characters");
            return -1;
        }
        return talent_errors_add_codec(errors, "employer.uscc", &err);
    }
    if (talent_check_uscc(uscc, reason, sizeof reason) != 0) {
        uscc[0] = 0;
        talent_errors_add(errors, "employer.uscc", "%s", reason);
        return -1;
    }
    return rc;
}

//  A string, or nil when empty.
void talent_write_text(sti_writer_t *writer, const char *key, const char *value)
{
    sti_writer_str(writer, key);
    sti_writer_str(writer, value[0] ? value : NULL);
}

void talent_write_employer(sti_writer_t *writer, const char *name, const char *uscc)
{
    sti_writer_str(writer, "employer");
    if (!name[0]) {
        sti_writer_nil(writer);
        return;
    }
    sti_writer_map(writer, 2);
    talent_write_text(writer, "name", name);
    talent_write_text(writer, "uscc", uscc);
}
