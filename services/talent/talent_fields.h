/*  talent_fields: readers and writers of the fields that talent records and
    teams share.

    Each reader checks one value of a hostile message (type, bounded length,
    UTF-8, content) and returns 0, or adds {field, reason} to an error list
    and returns -1 with its output left empty. Error lists are bounded
    (TALENT_ERRORS_MAX); further errors only set the truncated flag.
*/
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "sti_codec.h"
#include "talent_check.h"
#include "talent_codes.h"

#define TALENT_EMPLOYER_NAME_MAX 200
#define TALENT_DATE_LEN 10
#define TALENT_ERRORS_MAX 16

//  The errors of one decode.
typedef struct {
    sti_field_error_t items[TALENT_ERRORS_MAX]; // {field, reason}, in the order found
    size_t count;                               // items used
    bool truncated;                             // more errors were found than fit
} talent_errors_t;

void talent_errors_clear(talent_errors_t *errors);
//  Adds {field, reason} (reason printf-style); past the limit, sets truncated.
void talent_errors_add(talent_errors_t *errors, const char *field, const char *format, ...)
    __attribute__((format(printf, 3, 4)));
//  Adds the reason of a codec getter's error under field. Returns -1.
int talent_errors_add_codec(talent_errors_t *errors, const char *field,
                            const sti_field_error_t *err);

//  Reads a string that must be one of names (a NULL-terminated list; ""
//  entries never match); *out is its index. choices lists them for the
//  reason. Returns 0, or -1 with an error added under field.
int talent_decode_enum(sti_node_t node, const char *field, const char *const *names,
                       const char *choices, int *out, talent_errors_t *errors);
//  Reads text of at most cap - 1 bytes: no control characters (multiline
//  allows new lines and tabs), not blank unless min_len is 0.
//  Returns 0, or -1 with an error added under field.
int talent_decode_text(sti_node_t node, const char *field, char *buf, size_t cap, size_t min_len,
                       bool multiline, talent_errors_t *errors);
//  Reads a code of the given kind of talent.json.
//  Returns 0, or -1 with an error added under field.
int talent_decode_code(sti_node_t node, const char *field, const talent_codes_t *codes,
                       talent_code_kind_t kind, char buf[TALENT_CODE_MAX + 1],
                       talent_errors_t *errors);
//  Reads a real YYYY-MM-DD date from 1950-01-01 to tomorrow (UTC, so that
//  "today" anywhere on earth passes). Returns 0, or -1 with an error added.
int talent_decode_date(sti_node_t node, const char *field, char buf[TALENT_DATE_LEN + 1],
                       talent_errors_t *errors);
//  Reads an employer map {name (required, 1-200 bytes), uscc (optional,
//  GB 32100)}; errors are named employer.name and employer.uscc.
//  Returns 0, or -1 with errors added.
int talent_decode_employer(sti_node_t node, char name[TALENT_EMPLOYER_NAME_MAX + 1],
                           char uscc[TALENT_USCC_LEN + 1], talent_errors_t *errors);

//  Writes key and value, or key and nil when value is "".
void talent_write_text(sti_writer_t *writer, const char *key, const char *value);
//  Writes "employer": {name, uscc} or nil when name is "".
void talent_write_employer(sti_writer_t *writer, const char *name, const char *uscc);
