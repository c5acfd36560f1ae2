/*  xlsx_from_csv IN.csv OUT.xlsx: writes a CSV file (UTF-8, with a header)
    as a one-sheet workbook with sti_xlsx_writer, the way a clerk would have
    typed it into Excel: a field that reads as a number (sti_observation's
    reading: 1,234.5; 3.5%) becomes a number (a percentage as a percentage),
    the period column (period, 期间) stays text, everything else is text.
    Makes data/examples/values.xlsx from values.csv; tests use it too.
*/
#include <csv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sti_observation.h"
#include "sti_xlsx_writer.h"

//  The state of the conversion.
typedef struct {
    sti_xlsx_writer_t *writer; // the workbook
    size_t column;             // the current field's column
    bool header;               // the first row is being read
    long text_column;          // the period column (-1: none)
} s_state_t;

static void s_field(void *data, size_t len, void *arg)
{
    s_state_t *state = (s_state_t *)arg;
    char text[4096];
    snprintf(text, sizeof text, "%.*s", (int)len, data ? (const char *)data : "");
    if (state->header && (strcmp(text, "period") == 0 || strcmp(text, "期间") == 0)) {
        state->text_column = (long)state->column;
    }
    double value;
    bool percent;
    if (state->header || (long)state->column == state->text_column ||
        sti_observation_parse_value(text, strlen(text), &value, &percent) != 0) {
        if (len) {
            sti_xlsx_writer_text(state->writer, text);
        } else {
            sti_xlsx_writer_blank(state->writer);
        }
    } else if (percent) {
        sti_xlsx_writer_percent(state->writer, value / 100);
    } else {
        sti_xlsx_writer_number(state->writer, value);
    }
    state->column++;
}

static void s_row(int terminator, void *arg)
{
    (void)terminator;
    s_state_t *state = (s_state_t *)arg;
    sti_xlsx_writer_end_row(state->writer);
    if (state->header && state->text_column >= 0) {
        sti_xlsx_writer_column_text(state->writer, (size_t)state->text_column);
    }
    state->header = false;
    state->column = 0;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: xlsx_from_csv IN.csv OUT.xlsx\n");
        return 2;
    }
    FILE *in = fopen(argv[1], "rb");
    char err[512];
    s_state_t state = {.header = true, .text_column = -1};
    state.writer = in ? sti_xlsx_writer_new(argv[2], err, sizeof err) : NULL;
    if (!state.writer) {
        fprintf(stderr, "xlsx_from_csv: cannot read %s or write %s\n", argv[1], argv[2]);
        return 1;
    }
    sti_xlsx_writer_sheet(state.writer, "填报");
    struct csv_parser parser;
    csv_init(&parser, CSV_STRICT | CSV_APPEND_NULL);
    char buffer[65536];
    size_t got = fread(buffer, 1, sizeof buffer, in);
    size_t skip = got >= 3 && memcmp(buffer, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    int rc = 0;
    for (; got > 0; skip = 0, got = fread(buffer, 1, sizeof buffer, in)) {
        if (csv_parse(&parser, buffer + skip, got - skip, s_field, s_row, &state) != got - skip) {
            fprintf(stderr, "xlsx_from_csv: %s\n", csv_strerror(csv_error(&parser)));
            rc = 1;
            break;
        }
    }
    csv_fini(&parser, s_field, s_row, &state);
    csv_free(&parser);
    fclose(in);
    if (sti_xlsx_writer_close(&state.writer, err, sizeof err) != 0) {
        fprintf(stderr, "xlsx_from_csv: %s\n", err);
        rc = 1;
    }
    return rc;
}
