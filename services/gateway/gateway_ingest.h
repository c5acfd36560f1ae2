/*  gateway_ingest: POST /api/v1/observations, which takes a file of
    observations the way `stictl ingest` does and answers as `stictl ingest
    --json` prints: {accepted, rejected, skipped, errors: [{row, field,
    reason}]}.

    The body is JSON (the op's body {rows, source?, dry_run?}, or an array
    of rows: `row` counts them from 1), CSV (Content-Type text/csv: a
    header naming the columns in English or Chinese, UTF-8 or GBK; `row`
    counts data rows from 1) or an .xlsx (Content-Type
    application/vnd.openxmlformats-officedocument.spreadsheetml.sheet: its
    first sheet; `row` is the sheet's row number, as Excel shows it). A
    table is read by stictl's own reader (cli/stictl_table.c, from a file
    under upload_dir that is removed at once), so it is read exactly as
    `stictl ingest` reads it: a row without a value is skipped and counted.
    ?source=NAME and ?dry_run=true apply to every row.

    Rows go to sti.ingest in batches of 1,000, one after the other, each
    under the request id <id>#<n>, so a retried POST with the same
    Idempotency-Key is applied once. A file that cannot be read to its end,
    or that has nothing to submit, is refused before anything is sent
    (400). A batch the service refuses as a whole (a row outside the
    caller's org-unit scope: 403) ends the request with that error; the
    batches before it stay, and the message says how many rows they held.
*/
#pragma once
#include "gateway_server.h"

void gateway_ingest_submit(gateway_server_t *server, gateway_request_t *req,
                           const gateway_route_t *route);
