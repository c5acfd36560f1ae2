/*  fuzz_csv: stictl's CSV reader (cli/stictl_csv.c) on arbitrary bytes,
    with the columns of stictl ingest.

    Input layout: byte 0 sets the piece size (1 to 256 bytes) the rest is
    fed in. Any input: no crash, no leak; rows are numbered 1, 2, ...; a
    refused row has a reason and no fields; an accepted row's fields are
    NUL-free, at most STICTL_CSV_FIELD_MAX bytes, and the four required
    columns are there. Feeding the input in pieces or all at once must give
    the same rows and the same verdict.
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stictl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

//  A property the code promises; breaking it is a bug the fuzzer reports.
#define S_REQUIRE(condition)                                                                       \
    do {                                                                                           \
        if (!(condition)) {                                                                        \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static const stictl_column_t s_columns[] = {{"indicator", "指标|指标代码"},
                                            {"org", "组织"},
                                            {"period", "期间"},
                                            {"value", "数值"},
                                            {"unit", "单位"},
                                            {"source", NULL},
                                            {"note", "备注"},
                                            {NULL, NULL}};
#define S_COLUMNS 7

//  What one run saw: rows and a hash of everything handed over.
typedef struct {
    size_t rows;   // rows handed over
    uint64_t hash; // FNV-1a over row numbers, fields and problems
} s_seen_t;

static void s_hash(s_seen_t *seen, const void *data, size_t len)
{
    const uint8_t *bytes = data;
    for (size_t i = 0; i < len; i++) {
        seen->hash = (seen->hash ^ bytes[i]) * 1099511628211u;
    }
}

static int s_row(void *arg, size_t row, char *const *fields, const char *problem)
{
    s_seen_t *seen = arg;
    S_REQUIRE(row == ++seen->rows);
    s_hash(seen, &row, sizeof row);
    if (problem) {
        S_REQUIRE(fields == NULL && problem[0]);
        s_hash(seen, problem, strlen(problem) + 1);
        return 0;
    }
    S_REQUIRE(fields != NULL);
    for (int c = 0; c < S_COLUMNS; c++) {
        S_REQUIRE(c >= 4 || fields[c] != NULL);
        if (fields[c]) {
            size_t len = strlen(fields[c]);
            S_REQUIRE(len <= STICTL_CSV_FIELD_MAX);
            s_hash(seen, fields[c], len + 1);
        } else {
            s_hash(seen, "", 1);
        }
    }
    return 0;
}

//  Reads data in pieces of `piece` bytes. Returns 0 or -1 as the reader did.
static int s_read(const uint8_t *data, size_t size, size_t piece, s_seen_t *seen)
{
    memset(seen, 0, sizeof *seen);
    seen->hash = 14695981039346656037u;
    stictl_csv_t *csv = stictl_csv_new(s_columns, 4, s_row, seen);
    char err[256] = "";
    int rc = 0;
    for (size_t at = 0; at < size && rc == 0; at += piece) {
        size_t len = size - at < piece ? size - at : piece;
        rc = stictl_csv_feed(csv, data + at, len, err, sizeof err);
    }
    if (rc == 0) {
        rc = stictl_csv_finish(csv, err, sizeof err);
    }
    S_REQUIRE(rc == 0 || err[0]);
    stictl_csv_destroy(&csv);
    stictl_csv_destroy(&csv);
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) {
        return 0;
    }
    size_t piece = (size_t)data[0] + 1;
    s_seen_t pieces, whole;
    int rc_pieces = s_read(data + 1, size - 1, piece, &pieces);
    int rc_whole = s_read(data + 1, size - 1, size, &whole);
    //  a field's length is checked between pieces: longer inputs may stop
    //  at different rows
    if (size <= STICTL_CSV_FIELD_MAX) {
        S_REQUIRE(rc_pieces == rc_whole);
        S_REQUIRE(pieces.rows == whole.rows && pieces.hash == whole.hash);
    }
    return 0;
}
