/*  stictl_csv: the CSV reading that stictl's file commands share (ingest,
    talent import), on libcsv.

    A file is a header naming columns from a fixed list (in any order, some
    required, none twice, none unknown) and data rows; UTF-8 with or without
    a byte order mark; quoting, embedded commas and new lines as RFC 4180
    has them. The file is read as a stream: memory stays bounded by one row
    (fields of at most STICTL_CSV_FIELD_MAX bytes). Empty lines are skipped.

    For each data row the callback gets the fields by column (NULL for a
    column the header does not have) or, when the row cannot be used, a
    reason ("has 3 fields, the header has 4", "contains a NUL byte") and
    NULL fields. A broken file or header stops the read with a message.
*/
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define STICTL_CSV_FIELD_MAX (64 * 1024) // longest field, bytes
#define STICTL_CSV_COLUMNS_MAX 32        // columns a file may have

//  Called for each data row: fields[c] for column c of the list, or problem.
typedef void(stictl_csv_row_fn)(void *arg, char *const *fields, const char *problem);
//  Called after each chunk of the file with the bytes read so far.
typedef void(stictl_csv_progress_fn)(void *arg, long long bytes_done);

typedef struct {
    const char *command;             // for messages: "ingest"
    const char *const *columns;      // the column names a file may have
    size_t count;                    // how many (at most STICTL_CSV_COLUMNS_MAX)
    size_t required;                 // the first `required` columns must be there
    const char *required_text;       // for the message: "indicator, org, period and value"
    stictl_csv_row_fn *row;          // the row callback
    stictl_csv_progress_fn *progress; // or NULL
    void *arg;                       // handed to the callbacks
    const int *stop;                 // the read stops when *stop becomes non-zero (may be NULL)
} stictl_csv_def_t;

//  Reads the whole file. Returns 0, or STICTL_USAGE (2) after printing why
//  the file cannot be read as CSV of these columns.
int stictl_csv_read(const stictl_csv_def_t *def, FILE *file);
