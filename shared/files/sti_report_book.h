/*  sti_report_book: the evaluation report's workbook (docs/report.md), as
    `stictl report` writes it and sti-gateway answers it at
    GET /api/v1/report.xlsx: one module, so the two never differ.

    The workbook shows the document report.data answers and the plan's
    projects with their milestones (project.get of each); it computes no
    figure of its own. Text is Chinese, or English; codes (status, class,
    kind) stay as the services send them in columns of their own, so that
    a program reading the workbook back finds them whatever the language.

    libxlsxwriter (1.1.4, Debian 12) writes only to a file: a caller that
    wants the bytes writes to a temporary file and reads it back (its
    `output_buffer` option came in 1.1.5). It also keeps each sheet in a
    temporary file while it works, in tmpdir (NULL: the system's).
*/
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "sti_report_sheets.h" // sti_report_t, what the workbook is made from

//  Writes the workbook to path, libxlsxwriter's own temporary files in
//  tmpdir (NULL: the system's). Returns 0, or -1 with a reason in err (the
//  file is then removed, never left half-written).
int sti_report_book_write(const sti_report_t *report, const char *path, const char *tmpdir,
                          char *err, size_t errlen);

//  The report's name in its language, into buf: "2023 年度监测报告",
//  "Annual monitoring report 2023". Returns buf.
const char *sti_report_book_name(const sti_report_t *report, char *buf, size_t cap);
