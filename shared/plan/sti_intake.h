/*  sti_intake: the intake log's entry, the contract between sti-ingest,
    which appends it, and sti-indicators, which applies it
    (docs/data-path.md). The one place its format is written.

    One entry of the stream <ns>:intake per request that had accepted rows,
    with these fields (XADD field names):

        request    the request id ("" without one)
        submitter  who sent the rows (the authenticated caller)
        source     the request's source ("" when it named none)
        time       when sti-ingest took them: ms since the epoch, decimal
        rows       MessagePack array of rows, each an array
                   [indicator, org, period, value, source, note]: strings
                   but value, a float in the catalog's unit; source is the
                   row's own, else the request's. A row whose value is nil
                   withdraws the reported value of that key (value.withdraw
                   of sti-indicators); its note is the reason

    sti_intake_entry_args turns an entry into XADD's field arguments;
    ingest_submit.lua appends them as it is given them and names no field
    itself. sti_intake_entry_read reads an entry back from the stream's
    field list, sti_intake_rows_open and sti_intake_row_read its rows.

    Reading treats the log as hostile (anyone with write access to Redis can
    append): fields of the wrong type count as missing, unknown fields are
    ignored (a later writer may add some), text longer than its buffer is
    cut (submitter, source: they only label revisions), and a row is read
    with every type and size checked. Nothing here allocates but the rows'
    reader.
*/
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sti_catalog.h"
#include "sti_codec.h"
#include "sti_envelope.h"
#include "sti_observation.h"
#include "sti_period.h"

#define STI_INTAKE_FIELDS 5                            // fields of an entry
#define STI_INTAKE_ARGS (2 * STI_INTAKE_FIELDS)        // XADD arguments: name, value, ...
#define STI_INTAKE_ID_MAX 48                           // bytes of a stream entry id, with NUL
#define STI_INTAKE_TEXT_MAX STI_OBSERVATION_SOURCE_MAX // bytes of submitter or source, with NUL
#define STI_INTAKE_NOTE_MAX STI_OBSERVATION_NOTE_MAX   // bytes of a row's note, with NUL
#define STI_INTAKE_ROW_ITEMS 6                         // items of a row as written

//  One entry.
typedef struct {
    char id[STI_INTAKE_ID_MAX];          // stream entry id "<ms>-<seq>" (read only; "" to write)
    char request[STI_ID_MAX + 1];        // the request id, "" without one
    char submitter[STI_INTAKE_TEXT_MAX]; // who sent the rows
    char source[STI_INTAKE_TEXT_MAX];    // the request's source, "" none
    int64_t time;                        // ms since the epoch; -1 when an entry read has none
    const void *rows;                    // the rows array's bytes (borrowed)
    size_t rows_size;                    // their length
} sti_intake_entry_t;

//  One row of an entry's rows.
typedef struct {
    char indicator[STI_CODE_MAX];     // indicator code
    char org[STI_CODE_MAX];           // org unit code
    char period[STI_PERIOD_TEXT_MAX]; // the period as text
    double value;                     // in the catalog's unit
    char source[STI_INTAKE_TEXT_MAX]; // the row's source, else the request's ("" none)
    char note[STI_INTAKE_NOTE_MAX];   // a remark ("" none); why, for a withdrawal
    bool withdraw;                    // withdraws the key's reported value (written as nil)
} sti_intake_row_t;

//  An entry's XADD arguments.
typedef struct {
    const char *argv[STI_INTAKE_ARGS]; // name, value, name, value, ... (borrowed)
    size_t lens[STI_INTAKE_ARGS];      // their lengths
    char time[24];                     // the time as text, which argv points into
} sti_intake_args_t;

//  Writes one row of rows: [indicator, org, period, value, source, note].
void sti_intake_row_write(sti_writer_t *writer, const sti_intake_row_t *row);
//  The same for a checked observation taken as it stands: the row
//  sti_intake_row_write writes for its fields, with its own source, else
//  source (the request's), without copying them into a sti_intake_row_t.
void sti_intake_row_write_observation(sti_writer_t *writer, const sti_observation_t *obs,
                                      const char *source);
//  Writes the rows field: the array header for count rows, then rows, the
//  bytes of count rows written by sti_intake_row_write one after another.
void sti_intake_rows_write(sti_writer_t *writer, size_t count, const void *rows, size_t size);
//  Fills args with the fields of entry (whose rows are written by
//  sti_intake_rows_write). args points into entry and into itself: both
//  must live while args is used.
void sti_intake_entry_args(const sti_intake_entry_t *entry, sti_intake_args_t *args);

//  Reads entry id from the stream's flat field list (count strings: name,
//  value, name, value, ...; a value that was not a string is NULL). entry
//  then borrows the rows' bytes from values. Returns 0, or -1 with a reason
//  in err when the entry has no rows (the other fields are still read).
int sti_intake_entry_read(sti_intake_entry_t *entry, const char *id, const char *const *fields,
                          const size_t *lens, size_t count, char *err, size_t errlen);
//  Opens an entry's rows. Returns a reader (the caller destroys it) whose
//  root is an array of rows, or NULL with a reason in err.
sti_reader_t *sti_intake_rows_open(const sti_intake_entry_t *entry, char *err, size_t errlen);
//  Reads one row. Returns 0, or -1 with a reason in err (not an array of at
//  least indicator, org, period and value, or one of them of the wrong
//  type or too long); a source or note of the wrong type or too long reads
//  as "".
int sti_intake_row_read(sti_node_t node, sti_intake_row_t *row, char *err, size_t errlen);
