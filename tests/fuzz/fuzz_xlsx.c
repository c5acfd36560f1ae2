/*  fuzz_xlsx: sti_xlsx_reader on arbitrary bytes.

    Input layout: byte 0 picks the mode. Even: the rest is the .xlsx file
    itself (zip bytes), for the archive and the workbook's parts. Odd: the
    rest is split at NUL bytes into a sheet's <sheetData> content, a shared-
    strings table's <sst> content and a <styleSheet>'s content, and a well-
    formed workbook is built around them (tests/unit/xlsx_build.h), so the
    fuzzer spends its time in the XML of cells rather than in zip checksums.

    Any input: no crash, no leak; a refusal has a reason; rows come in
    increasing order with 1 to 16,384 cells, the last with a value; every
    text is NUL-terminated UTF-8 of the length given; reading the sheet
    again gives the same rows and verdict, and a callback that stops after
    the first row stops the read.
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../unit/xlsx_build.h"
#include "sti_xlsx_reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

//  A property the code promises; breaking it is a bug the fuzzer reports.
#define S_REQUIRE(condition)                                                                       \
    do {                                                                                           \
        if (!(condition)) {                                                                        \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

//  What one read saw.
typedef struct {
    size_t rows;     // rows handed over
    size_t last_row; // the last row's number
    uint64_t hash;   // FNV-1a over rows and cells
    bool stop_first; // stop after the first row
} s_seen_t;

static void s_hash(s_seen_t *seen, const void *data, size_t len)
{
    const uint8_t *bytes = data;
    for (size_t i = 0; i < len; i++) {
        seen->hash = (seen->hash ^ bytes[i]) * 1099511628211u;
    }
}

//  True when text[0..len) is UTF-8 without overlong forms or surrogates.
static bool s_utf8(const unsigned char *text, size_t len)
{
    for (size_t i = 0; i < len;) {
        unsigned char c = text[i];
        size_t n = c < 0x80             ? 1
                   : (c & 0xE0) == 0xC0 ? 2
                   : (c & 0xF0) == 0xE0 ? 3
                   : (c & 0xF8) == 0xF0 ? 4
                                        : 0;
        if (n == 0 || i + n > len || (n == 2 && c < 0xC2)) {
            return false;
        }
        uint32_t code = n == 1 ? c : c & (0x7F >> n);
        for (size_t k = 1; k < n; k++) {
            if ((text[i + k] & 0xC0) != 0x80) {
                return false;
            }
            code = code << 6 | (text[i + k] & 0x3F);
        }
        if ((n == 3 && (code < 0x800 || (code >= 0xD800 && code <= 0xDFFF))) ||
            (n == 4 && (code < 0x10000 || code > 0x10FFFF))) {
            return false;
        }
        i += n;
    }
    return true;
}

static int s_on_row(void *arg, size_t row, const sti_xlsx_cell_t *cells, size_t count)
{
    s_seen_t *seen = arg;
    S_REQUIRE(row > seen->last_row && row <= STI_XLSX_ROWS_MAX);
    S_REQUIRE(count >= 1 && count <= STI_XLSX_COLUMNS_MAX);
    S_REQUIRE(cells[count - 1].kind != STI_XLSX_EMPTY || cells[count - 1].formula);
    seen->last_row = row;
    seen->rows++;
    s_hash(seen, &row, sizeof row);
    for (size_t c = 0; c < count; c++) {
        const sti_xlsx_cell_t *cell = &cells[c];
        char buf[64];
        S_REQUIRE(cell->text && strlen(cell->text) == cell->len);
        S_REQUIRE(s_utf8((const unsigned char *)cell->text, cell->len));
        const char *text = sti_xlsx_cell_text(cell, buf, sizeof buf);
        S_REQUIRE(text && s_utf8((const unsigned char *)text, strlen(text)));
        s_hash(seen, &cell->kind, sizeof cell->kind);
        s_hash(seen, text, strlen(text) + 1);
    }
    return seen->stop_first;
}

//  Opens and reads the first sheet twice, and once stopping at the first row.
static void s_check(const uint8_t *bytes, size_t size)
{
    char err[512] = "";
    sti_xlsx_reader_t *reader = sti_xlsx_reader_open_buffer(bytes, size, err, sizeof err);
    if (!reader) {
        S_REQUIRE(err[0]);
        return;
    }
    s_seen_t first = {0, 0, 14695981039346656037u, false};
    s_seen_t again = first, stopped = first;
    stopped.stop_first = true;
    int rc = sti_xlsx_reader_read(reader, 0, s_on_row, &first, err, sizeof err);
    S_REQUIRE(rc == 0 || (rc == -1 && err[0]));
    err[0] = 0;
    int rc_again = sti_xlsx_reader_read(reader, 0, s_on_row, &again, err, sizeof err);
    S_REQUIRE(rc_again == rc && again.rows == first.rows && again.hash == first.hash);
    int rc_stopped = sti_xlsx_reader_read(reader, 0, s_on_row, &stopped, err, sizeof err);
    S_REQUIRE(stopped.rows <= 1);
    S_REQUIRE(first.rows == 0 || rc_stopped == 1);
    for (size_t i = 0; i < sti_xlsx_reader_sheet_count(reader); i++) {
        S_REQUIRE(sti_xlsx_reader_sheet_name(reader, i) != NULL);
    }
    sti_xlsx_reader_destroy(&reader);
    sti_xlsx_reader_destroy(&reader);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) {
        return 0;
    }
    if (data[0] % 2 == 0) {
        s_check(data + 1, size - 1);
        return 0;
    }
    //  Three NUL-separated texts; missing ones are absent parts.
    char *text = malloc(size);
    memcpy(text, data + 1, size - 1);
    text[size - 1] = 0;
    const char *pieces[3] = {text, NULL, NULL};
    for (size_t i = 0, k = 1; i + 1 < size && k < 3; i++) {
        if (text[i] == 0) {
            pieces[k++] = text + i + 1;
        }
    }
    size_t built_size;
    unsigned char *built = xlsx_build_workbook(pieces[0], pieces[1], pieces[2], &built_size);
    s_check(built, built_size);
    free(built);
    free(text);
    return 0;
}
