/*  gateway_report_book: the evaluation report's workbook as an HTTP
    answer, for GET and POST /api/v1/report.xlsx (docs/report.md): the
    workbook `stictl report` writes, made by the same module
    (shared/files/sti_report_book), from the same answers.

    gateway_report asks the services (report.data, then project.list and
    project.get of each project, for the signed-in person) and hands each
    answer's body here; this module keeps them as MessagePack (the workbook
    tells a float from an integer, which JSON would lose), writes the
    workbook and answers it with its name.

    libxlsxwriter 1.1.4 writes only to a file (its `output_buffer` came in
    1.1.5): the workbook is written to a new file in upload_dir (mkstemps,
    mode 0600; libxlsxwriter's own temporary files go there too), read back
    whole and removed at once, whether or not it was written. It is bounded:
    the answers it is made of are bounded by the services' message size and
    the 10,000 projects read at most, and a workbook over GATEWAY_BOOK_MAX
    bytes is refused (500, saying so) rather than sent. It is written on
    the gateway's loop, like any answer it builds.

    The answer: 200, Content-Type
    application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,
    `Content-Disposition: attachment; filename="report-PLAN-YEAR-KIND.xlsx";
    filename*=UTF-8''<the plan's name and the report's, percent-encoded>.xlsx`
    (RFC 6266), Cache-Control: no-store.
*/
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "gateway_config.h"
#include "gateway_request.h"
#include "sti_codec.h"
#include "sti_writer.h"

#define GATEWAY_BOOK_MAX (64u << 20) // largest workbook answered, bytes

typedef struct _gateway_report_book_t gateway_report_book_t;

//  A workbook to be, in English when en (else Chinese). Never NULL.
gateway_report_book_t *gateway_report_book_new(bool en);
void gateway_report_book_destroy(gateway_report_book_t **self_p);

//  Keeps report.data's body (copied).
void gateway_report_book_data(gateway_report_book_t *self, sti_node_t body);
//  Keeps one project.get's body (copied), after those kept before.
void gateway_report_book_project(gateway_report_book_t *self, sti_node_t body);
//  The projects kept.
size_t gateway_report_book_projects(const gateway_report_book_t *self);

//  Writes the workbook of what was kept, in config's upload_dir, and holds
//  its bytes. Returns 0, or -1 with a reason in err.
int gateway_report_book_write(gateway_report_book_t *self, const gateway_config_t *config,
                              char *err, size_t errlen);
//  Writes the body of report.issue for the workbook written into writer:
//  {year, kind, made, file, request_id}.
void gateway_report_book_issue(const gateway_report_book_t *self, const char *request_id,
                               sti_writer_t *writer);
//  Sets req's answer to the workbook written, with its name.
void gateway_report_book_reply(const gateway_report_book_t *self, gateway_request_t *req);
