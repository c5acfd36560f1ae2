/*  indicators_issue_store: the reports issued (docs/report.md, "Revisions
    since the last report"; docs/keys.md), the one module that reads and
    writes them.

    It owns the key families
        <ns>:report:issued      list: every report issued, oldest first
                                (the latest INDICATORS_ISSUE_KEPT)
        <ns>:report:audit       stream: who recorded which report, when
    and runs indicators_report_issue.lua, which appends the record, its
    audit entry and its report.issued event (docs/events.md; published
    through pub) and keeps the reply under the request id
    (<ns>:indicators:req:<id>) in one step, so a retry is answered as the
    first time and records nothing twice.

    Everything read is checked: a record that does not decode is skipped
    and logged. Functions that fail return -1 and say why in err.
*/
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sti_auth.h"
#include "sti_envelope.h"
#include "sti_events.h"
#include "sti_redis.h"
#include "sti_writer.h"

#define INDICATORS_ISSUE_KEPT 1000    // records kept, the latest
#define INDICATORS_ISSUE_FILE_MAX 256 // bytes of a file name, with NUL
#define INDICATORS_ISSUE_KIND_MAX 16  // bytes of a kind, with NUL

typedef struct _indicators_issue_store_t indicators_issue_store_t;

//  One report issued.
typedef struct {
    char kind[INDICATORS_ISSUE_KIND_MAX]; // annual, midterm, final
    int year;                             // the year reported
    int64_t at;                           // when it was recorded, ms since 1970
    int64_t made;                         // when its figures were read (report.data's made), ms
    char by[STI_AUTH_NAME_MAX + 1];       // who issued it
    char role[STI_AUTH_ROLE_MAX + 1];     // their role
    char via[STI_AUTH_NAME_MAX + 1];      // the gateway that acted for them ("" none)
    char file[INDICATORS_ISSUE_FILE_MAX]; // the workbook's file name ("" none given)
    char request[STI_ID_MAX + 1];         // the request id ("" none)
} indicators_issue_t;

//  redis and pub (NULL: the event is logged, not published) are borrowed;
//  maxlen: events kept in the log; request_ttl_s: how long a reply is kept.
indicators_issue_store_t *indicators_issue_store_new(sti_redis_t *redis, sti_events_pub_t *pub,
                                                     int64_t maxlen, int64_t request_ttl_s);
void indicators_issue_store_destroy(indicators_issue_store_t **self_p);

//  Records the report (with its audit entry). *replayed is set when the
//  request id was seen: *record is then the first answer's. Returns 0, or
//  -1 when Redis failed or the event stream takes no events (nothing
//  recorded; why in err).
int indicators_issue_store_record(indicators_issue_store_t *self, indicators_issue_t *record,
                                  bool *replayed, char *err, size_t errlen);

//  Writes a record as report.list and the report.issued event show it: a
//  map {kind, year, at, time, made, by, role, via, file, request}, times
//  as RFC 3339 (+ replayed when replayed >= 0).
void indicators_issue_store_write(sti_writer_t *w, const indicators_issue_t *record, int replayed);

//  Reads the records issued, newest first, of kind (NULL or "": every
//  kind), at most cap, into records. Returns their count, or -1 (err).
int indicators_issue_store_list(indicators_issue_store_t *self, const char *kind,
                                indicators_issue_t *records, size_t cap, char *err, size_t errlen);
