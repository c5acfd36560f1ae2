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
*/
#pragma once
#include "gateway_server.h"

//  Answers req (the route of report.data, with its path parameters).
void gateway_report_answer(gateway_server_t *server, gateway_request_t *req,
                           const gateway_route_t *route, const gateway_params_t *params);
