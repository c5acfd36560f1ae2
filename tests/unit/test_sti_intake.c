/*  Unit tests for sti_intake: an entry written as XADD arguments reads back
    the same from the stream's field list, rows included; what a hostile
    writer could leave in the log (missing or ill-typed fields, text too
    long, rows that are not rows) is read as the header says, never
    trusted.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "sti_intake.h"

//  Writes rows [gdp, linping, 2023, 1.5, src, note] and [x, y, 2024, 2, "", ""].
static void s_rows(sti_writer_t *out)
{
    sti_writer_t *rows = sti_writer_new();
    sti_intake_row_t row = {"gdp", "linping", "2023", 1.5, "src", "note", false};
    sti_intake_row_write(rows, &row);
    sti_intake_row_t other = {"x", "y", "2024", 2, "", "", false};
    sti_intake_row_write(rows, &other);
    size_t size;
    const void *data = sti_writer_data(rows, &size);
    sti_intake_rows_write(out, 2, data, size);
    sti_writer_destroy(&rows);
}

static void test_round_trip(void **state)
{
    (void)state;
    sti_writer_t *blob = sti_writer_new();
    s_rows(blob);
    sti_intake_entry_t entry = {.time = 1700000000123};
    snprintf(entry.request, sizeof entry.request, "req-1");
    snprintf(entry.submitter, sizeof entry.submitter, "clerk");
    snprintf(entry.source, sizeof entry.source, "town report");
    entry.rows = sti_writer_data(blob, &entry.rows_size);
    sti_intake_args_t args;
    sti_intake_entry_args(&entry, &args);
    const char *names[] = {"request", "submitter", "source", "time", "rows"};
    for (size_t i = 0; i < STI_INTAKE_FIELDS; i++) {
        assert_string_equal(args.argv[2 * i], names[i]);
        assert_int_equal(args.lens[2 * i], strlen(names[i]));
    }
    assert_string_equal(args.argv[7], "1700000000123");
    assert_int_equal(args.lens[9], entry.rows_size);

    sti_intake_entry_t back;
    char err[256];
    assert_int_equal(sti_intake_entry_read(&back, "17-3", args.argv, args.lens, STI_INTAKE_ARGS,
                                           err, sizeof err),
                     0);
    assert_string_equal(back.id, "17-3");
    assert_string_equal(back.request, "req-1");
    assert_string_equal(back.submitter, "clerk");
    assert_string_equal(back.source, "town report");
    assert_int_equal(back.time, 1700000000123);
    sti_reader_t *reader = sti_intake_rows_open(&back, err, sizeof err);
    assert_non_null(reader);
    sti_node_t rows = sti_reader_root(reader);
    assert_int_equal(sti_node_size(rows), 2);
    sti_intake_row_t row;
    assert_int_equal(sti_intake_row_read(sti_node_at(rows, 0), &row, err, sizeof err), 0);
    assert_string_equal(row.indicator, "gdp");
    assert_string_equal(row.org, "linping");
    assert_string_equal(row.period, "2023");
    assert_true(row.value == 1.5);
    assert_string_equal(row.source, "src");
    assert_string_equal(row.note, "note");
    assert_int_equal(sti_intake_row_read(sti_node_at(rows, 1), &row, err, sizeof err), 0);
    assert_string_equal(row.indicator, "x");
    assert_string_equal(row.source, "");
    sti_reader_destroy(&reader);
    sti_writer_destroy(&blob);
}

//  A checked observation is written as the same row, its source else the
//  request's.
static void test_row_of_observation(void **state)
{
    (void)state;
    sti_observation_t obs;
    memset(&obs, 0, sizeof obs);
    snprintf(obs.indicator, sizeof obs.indicator, "gdp");
    snprintf(obs.org, sizeof obs.org, "linping");
    snprintf(obs.period_text, sizeof obs.period_text, "2023-05");
    obs.value = 1.5;
    snprintf(obs.note, sizeof obs.note, "备注 note");
    sti_intake_row_t row = {"gdp", "linping", "2023-05", 1.5, "request's", "备注 note", false};
    for (int own = 0; own < 2; own++) {
        sti_writer_t *a = sti_writer_new(), *b = sti_writer_new();
        if (own) {
            snprintf(obs.source, sizeof obs.source, "row's");
            snprintf(row.source, sizeof row.source, "row's");
        }
        sti_intake_row_write_observation(a, &obs, "request's");
        sti_intake_row_write(b, &row);
        size_t size_a, size_b;
        const void *bytes_a = sti_writer_data(a, &size_a), *bytes_b = sti_writer_data(b, &size_b);
        assert_int_equal(size_a, size_b);
        assert_memory_equal(bytes_a, bytes_b, size_a);
        sti_writer_destroy(&a);
        sti_writer_destroy(&b);
    }
}

//  Fields a hostile writer could leave: unknown, repeated, ill-typed, too
//  long, missing.
static void test_entry_fields_hostile(void **state)
{
    (void)state;
    char long_name[300];
    memset(long_name, 'a', sizeof long_name - 1);
    long_name[sizeof long_name - 1] = 0;
    const char *fields[] = {"colour", "blue", "submitter", long_name, "submitter", "second",
                            "source", NULL,   "rows",      "\x90",    "time",      "soon"};
    size_t lens[12];
    for (size_t i = 0; i < 12; i++) {
        lens[i] = fields[i] ? strlen(fields[i]) : 0;
    }
    sti_intake_entry_t entry;
    char err[256];
    assert_int_equal(sti_intake_entry_read(&entry, "1-0", fields, lens, 12, err, sizeof err), 0);
    assert_int_equal(strlen(entry.submitter), STI_INTAKE_TEXT_MAX - 1); // cut, the first wins
    assert_string_equal(entry.source, "");                              // not a string: none
    assert_string_equal(entry.request, "");
    assert_int_equal(entry.time, 0); // not a number
    sti_reader_t *reader = sti_intake_rows_open(&entry, err, sizeof err);
    assert_non_null(reader); // an empty array
    assert_int_equal(sti_node_size(sti_reader_root(reader)), 0);
    sti_reader_destroy(&reader);

    //  No time: -1. No rows: refused, the rest read.
    assert_int_equal(sti_intake_entry_read(&entry, "1-1", fields, lens, 4, err, sizeof err), -1);
    assert_string_equal(err, "missing rows");
    assert_int_equal(entry.time, -1);
    assert_int_equal(strlen(entry.submitter), STI_INTAKE_TEXT_MAX - 1);
    assert_null(sti_intake_rows_open(&entry, err, sizeof err));

    //  Rows that are not MessagePack, or not an array.
    const char *bad[] = {"rows", "\xc1"};
    size_t bad_lens[] = {4, 1};
    assert_int_equal(sti_intake_entry_read(&entry, "1-2", bad, bad_lens, 2, err, sizeof err), 0);
    assert_null(sti_intake_rows_open(&entry, err, sizeof err));
    const char *map[] = {"rows", "\x80"};
    assert_int_equal(sti_intake_entry_read(&entry, "1-3", map, bad_lens, 2, err, sizeof err), 0);
    assert_null(sti_intake_rows_open(&entry, err, sizeof err));
    assert_string_equal(err, "rows is not an array");
}

//  Reads the first row of a rows array written by fill.
static int s_read_one(void (*fill)(sti_writer_t *), sti_intake_row_t *row, char *err, size_t cap)
{
    sti_writer_t *writer = sti_writer_new();
    sti_writer_array(writer, 1);
    fill(writer);
    size_t size;
    const void *data = sti_writer_data(writer, &size);
    sti_reader_t *reader = sti_reader_new(data, size, NULL, err, cap);
    assert_non_null(reader);
    int rc = sti_intake_row_read(sti_node_at(sti_reader_root(reader), 0), row, err, cap);
    sti_reader_destroy(&reader);
    sti_writer_destroy(&writer);
    return rc;
}

static void s_short_row(sti_writer_t *w)
{
    sti_writer_array(w, 3);
    sti_writer_str(w, "gdp");
    sti_writer_str(w, "linping");
    sti_writer_str(w, "2023");
}

static void s_text_value(sti_writer_t *w)
{
    sti_writer_array(w, 4);
    sti_writer_str(w, "gdp");
    sti_writer_str(w, "linping");
    sti_writer_str(w, "2023");
    sti_writer_str(w, "12");
}

static void s_long_period(sti_writer_t *w)
{
    sti_writer_array(w, 4);
    sti_writer_str(w, "gdp");
    sti_writer_str(w, "linping");
    sti_writer_str(w, "2023-05-01");
    sti_writer_double(w, 1);
}

//  Four items, an integer value, a source that is not a string.
static void s_lean_row(sti_writer_t *w)
{
    sti_writer_array(w, 5);
    sti_writer_str(w, "gdp");
    sti_writer_str(w, "linping");
    sti_writer_str(w, "2023");
    sti_writer_int(w, 7);
    sti_writer_int(w, 1);
}

//  A withdrawal row: value nil, the reason in the note.
static void test_withdraw_row(void **state)
{
    (void)state;
    sti_writer_t *rows = sti_writer_new();
    sti_intake_row_t row = {"gdp", "linping", "2023", 0, "", "typo", true};
    sti_writer_array(rows, 1);
    sti_intake_row_write(rows, &row);
    size_t size;
    const void *data = sti_writer_data(rows, &size);
    char err[256];
    sti_reader_t *reader = sti_reader_new(data, size, NULL, err, sizeof err);
    assert_non_null(reader);
    sti_node_t first = sti_node_at(sti_reader_root(reader), 0);
    assert_int_equal(sti_node_type(sti_node_at(first, 3)), STI_TYPE_NIL);
    sti_intake_row_t back;
    assert_int_equal(sti_intake_row_read(first, &back, err, sizeof err), 0);
    assert_true(back.withdraw);
    assert_string_equal(back.note, "typo");
    sti_reader_destroy(&reader);
    sti_writer_destroy(&rows);
}

static void test_rows_hostile(void **state)
{
    (void)state;
    sti_intake_row_t row;
    char err[256];
    assert_int_equal(s_read_one(s_short_row, &row, err, sizeof err), -1);
    assert_non_null(strstr(err, "not [indicator, org, period, value, ...]"));
    assert_int_equal(s_read_one(s_text_value, &row, err, sizeof err), -1);
    assert_int_equal(s_read_one(s_long_period, &row, err, sizeof err), -1);
    assert_int_equal(s_read_one(s_lean_row, &row, err, sizeof err), 0);
    assert_true(row.value == 7);
    assert_string_equal(row.source, "");
    assert_string_equal(row.note, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),           cmocka_unit_test(test_row_of_observation),
        cmocka_unit_test(test_entry_fields_hostile), cmocka_unit_test(test_rows_hostile),
        cmocka_unit_test(test_withdraw_row),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
