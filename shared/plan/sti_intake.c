/*  sti_intake: the intake entry's codec. See sti_intake.h.

    The field names are in one table, s_fields, in the order the entry's
    arguments are written; reading looks each name up in the stream's list
    (the first of a name wins, as XADD keeps every pair it is given).
*/
#include "sti_intake.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  The fields, in the order sti_intake_entry_args writes them.
enum { S_REQUEST, S_SUBMITTER, S_SOURCE, S_TIME, S_ROWS };
static const char *const s_fields[STI_INTAKE_FIELDS] = {"request", "submitter", "source", "time",
                                                        "rows"};

void sti_intake_row_write(sti_writer_t *writer, const sti_intake_row_t *row)
{
    assert(writer && row);
    sti_writer_array(writer, STI_INTAKE_ROW_ITEMS);
    sti_writer_str(writer, row->indicator);
    sti_writer_str(writer, row->org);
    sti_writer_str(writer, row->period);
    row->withdraw ? sti_writer_nil(writer) : sti_writer_double(writer, row->value);
    sti_writer_str(writer, row->source);
    sti_writer_str(writer, row->note);
}

void sti_intake_row_write_observation(sti_writer_t *writer, const sti_observation_t *obs,
                                      const char *source)
{
    assert(writer && obs && source);
    sti_writer_array(writer, STI_INTAKE_ROW_ITEMS);
    sti_writer_strn(writer, obs->indicator, strnlen(obs->indicator, STI_CODE_MAX - 1));
    sti_writer_strn(writer, obs->org, strnlen(obs->org, STI_CODE_MAX - 1));
    sti_writer_strn(writer, obs->period_text, strnlen(obs->period_text, STI_PERIOD_TEXT_MAX - 1));
    sti_writer_double(writer, obs->value);
    const char *own = obs->source[0] ? obs->source : source;
    sti_writer_strn(writer, own, strnlen(own, STI_INTAKE_TEXT_MAX - 1));
    sti_writer_strn(writer, obs->note, strnlen(obs->note, STI_INTAKE_NOTE_MAX - 1));
}

void sti_intake_rows_write(sti_writer_t *writer, size_t count, const void *rows, size_t size)
{
    assert(writer && (rows || size == 0));
    sti_writer_array(writer, count);
    sti_writer_raw(writer, rows, size);
}

void sti_intake_entry_args(const sti_intake_entry_t *entry, sti_intake_args_t *args)
{
    assert(entry && args);
    snprintf(args->time, sizeof args->time, "%" PRId64, entry->time);
    const char *values[STI_INTAKE_FIELDS] = {entry->request, entry->submitter, entry->source,
                                             args->time, (const char *)entry->rows};
    for (size_t i = 0; i < STI_INTAKE_FIELDS; i++) {
        args->argv[2 * i] = s_fields[i];
        args->lens[2 * i] = strlen(s_fields[i]);
        args->argv[2 * i + 1] = values[i] ? values[i] : "";
        args->lens[2 * i + 1] = i == S_ROWS ? entry->rows_size : strlen(args->argv[2 * i + 1]);
    }
}

//  The value of field `which` in the list, or NULL (its length in *len).
static const char *s_value(int which, const char *const *fields, const size_t *lens, size_t count,
                           size_t *len)
{
    const char *name = s_fields[which];
    size_t name_len = strlen(name);
    for (size_t i = 0; i + 1 < count; i += 2) {
        if (fields[i] && lens[i] == name_len && memcmp(fields[i], name, name_len) == 0) {
            *len = lens[i + 1];
            return fields[i + 1];
        }
    }
    *len = 0;
    return NULL;
}

//  Copies a text field into buf, cut to fit ("" when missing).
static void s_text(char *buf, size_t cap, const char *value, size_t len)
{
    snprintf(buf, cap, "%.*s", value ? (int)(len < cap ? len : cap - 1) : 0, value ? value : "");
}

int sti_intake_entry_read(sti_intake_entry_t *entry, const char *id, const char *const *fields,
                          const size_t *lens, size_t count, char *err, size_t errlen)
{
    assert(entry && id && (fields || count == 0) && err);
    memset(entry, 0, sizeof *entry);
    snprintf(entry->id, sizeof entry->id, "%s", id);
    size_t len;
    const char *value = s_value(S_REQUEST, fields, lens, count, &len);
    s_text(entry->request, sizeof entry->request, value, len);
    value = s_value(S_SUBMITTER, fields, lens, count, &len);
    s_text(entry->submitter, sizeof entry->submitter, value, len);
    value = s_value(S_SOURCE, fields, lens, count, &len);
    s_text(entry->source, sizeof entry->source, value, len);
    value = s_value(S_TIME, fields, lens, count, &len);
    char time[24];
    s_text(time, sizeof time, value, len);
    entry->time = value ? strtoll(time, NULL, 10) : -1;
    entry->rows = s_value(S_ROWS, fields, lens, count, &entry->rows_size);
    if (!entry->rows) {
        snprintf(err, errlen, "missing rows");
        return -1;
    }
    return 0;
}

sti_reader_t *sti_intake_rows_open(const sti_intake_entry_t *entry, char *err, size_t errlen)
{
    assert(entry && err);
    if (!entry->rows) {
        snprintf(err, errlen, "missing rows");
        return NULL;
    }
    sti_reader_t *reader = sti_reader_new(entry->rows, entry->rows_size, NULL, err, errlen);
    if (reader && sti_node_type(sti_reader_root(reader)) != STI_TYPE_ARRAY) {
        snprintf(err, errlen, "rows is not an array");
        sti_reader_destroy(&reader);
    }
    return reader;
}

int sti_intake_row_read(sti_node_t node, sti_intake_row_t *row, char *err, size_t errlen)
{
    assert(row && err);
    sti_field_error_t ferr = {"row", "must be an array of at least 4 items"};
    memset(row, 0, sizeof *row);
    if (sti_node_type(node) != STI_TYPE_ARRAY || sti_node_size(node) < 4 ||
        sti_node_str_copy(sti_node_at(node, 0), row->indicator, sizeof row->indicator, &ferr) ||
        sti_node_str_copy(sti_node_at(node, 1), row->org, sizeof row->org, &ferr) ||
        sti_node_str_copy(sti_node_at(node, 2), row->period, sizeof row->period, &ferr) ||
        (!(row->withdraw = sti_node_type(sti_node_at(node, 3)) == STI_TYPE_NIL) &&
         sti_node_double(sti_node_at(node, 3), &row->value, &ferr))) {
        snprintf(err, errlen, "not [indicator, org, period, value, ...]: %s", ferr.reason);
        return -1;
    }
    if (sti_node_str_copy(sti_node_at(node, 4), row->source, sizeof row->source, &ferr) != 0) {
        row->source[0] = 0;
    }
    if (sti_node_str_copy(sti_node_at(node, 5), row->note, sizeof row->note, &ferr) != 0) {
        row->note[0] = 0;
    }
    return 0;
}
