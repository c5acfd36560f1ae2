/*  gateway_report: GET /api/v1/report, the evaluation report's document
    for the dashboard in one call (docs/report.md).

    sti.indicators answers what the report holds about the indicators
    (report.data, the route's op); the plan's projects are sti.projects'
    records, which sti.indicators does not know. So the gateway asks
    report.data, then project.list page by page and project.get of each
    project (its milestones, investment, status history), all for the
    person (the services check the role), one call after another, and
    answers report.data's document with `projects` added: [project.get's
    answer of each], in code order. The services stay apart: neither
    calls the other.

    A report.data that is refused or not answered is the answer (its
    status, as any route). When sti.projects does not answer or refuses,
    the report is answered all the same, with `projects` null and
    `projects_error` saying why: the dashboard shows the figures without
    the projects rather than nothing.

    GET /api/v1/report.xlsx (same query, and lang=zh|en) answers the same
    answers as the workbook `stictl report` writes (gateway_report_book), a
    draft that records nothing; POST /api/v1/report.xlsx also records it as
    issued (report.issue, an officer's or admin's write, retried once with
    the same Idempotency-Key) before it is sent, and a refused record is
    the answer, without the workbook. Without the projects there is no
    workbook (503 saying why), as stictl report writes none.
*/
#pragma once
#include "gateway_server.h"

//  Answers req (the route of report.data, with its path parameters).
void gateway_report_answer(gateway_server_t *server, gateway_request_t *req,
                           const gateway_route_t *route, const gateway_params_t *params);
//  Answers GET (a draft) and POST (recorded as issued) /api/v1/report.xlsx.
void gateway_report_xlsx_answer(gateway_server_t *server, gateway_request_t *req);
