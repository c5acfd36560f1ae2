/*  stictl_observation: the columns of a table of observations and how one
    of its rows becomes a row of obs.submit (see stictl.h), so that
    `stictl ingest` and sti-gateway's POST /api/v1/observations read a file
    the same way.

    A row whose value is empty is skipped, not sent: a fill-in template has
    a row for every indicator and a clerk fills in some. A value is sent as
    a number when it is a plain one, else as the text typed (`2,134`,
    `3.5%`), which sti-ingest reads or refuses naming it. Optional columns
    left empty are not sent; `name` (for the reader) never is.
*/
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "stictl.h"

#define S_SENT 7 // the columns sent (the ones before name)

const stictl_column_t stictl_observation_columns[] = {{"indicator", "指标|指标代码"},
                                                      {"org", "组织|填报单位|组织代码"},
                                                      {"period", "期间|报告期"},
                                                      {"value", "数值"},
                                                      {"unit", "单位|计量单位"},
                                                      {"source", "来源|数据来源"},
                                                      {"note", "备注"},
                                                      {"name", "指标名称|名称"},
                                                      {NULL, NULL}};

//  Writes a value as a number when the text is a plain one, else as the text.
static void s_write_value(sti_writer_t *writer, const char *text)
{
    char *end = NULL;
    errno = 0;
    double value = strtod(text, &end);
    if (*text && end && *end == 0 && !errno && isfinite(value)) {
        sti_writer_double(writer, value);
    } else {
        sti_writer_str(writer, text);
    }
}

//  True when text is empty or only spaces.
static bool s_blank(const char *text)
{
    return !text || text[strspn(text, " \t\r\n")] == 0;
}

int stictl_observation_row(sti_writer_t *writer, char *const *fields)
{
    if (s_blank(fields[3])) {
        return 1;
    }
    size_t present = 0;
    for (int c = 0; c < S_SENT; c++) {
        present += fields[c] && (c < 4 || fields[c][0]);
    }
    sti_writer_map(writer, present);
    for (int c = 0; c < S_SENT; c++) {
        if (fields[c] && (c < 4 || fields[c][0])) {
            sti_writer_str(writer, stictl_observation_columns[c].name);
            if (c == 3) {
                s_write_value(writer, fields[c]);
            } else {
                sti_writer_str(writer, fields[c]);
            }
        }
    }
    return 0;
}
