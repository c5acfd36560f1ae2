/*  sti_observation: one submitted row, decoded and checked.

    A row is a MessagePack map {indicator, org, period, value, unit?,
    source?, note?}. Decoding treats it as hostile: unknown keys are refused,
    every string has a bound (codes 64 bytes, unit 15, source 128, note
    1000), the value must be a finite number. What a clerk typed is read as
    such: a value may be text holding a number with thousands separators
    (`"2,134.5"`) or a percentage (`"3.5%"`, which makes the unit `%`); a
    period may be a whole year as a number (2023). A value or period that
    cannot be read is echoed in the reason (`'2,13' is not a number`). Checking against a catalog
    refuses an unknown indicator or org unit, a derived indicator (naming its
    inputs), a unit that does not convert to the catalog's (naming it), and a
    value the catalog's unit does not allow; it converts the value to the
    catalog's unit. Each problem is one {field, reason}; the caller adds the
    row's index. Nothing here allocates: a caller reuses one
    sti_observation_t for every row.

    sti_observation_keys finds the same (indicator, org, period) twice in one
    batch, with memory fixed when it is created.
*/
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "sti_catalog.h"
#include "sti_codec.h"
#include "sti_period.h"

#define STI_OBSERVATION_SOURCE_MAX 129 // bytes of source, with the NUL
#define STI_OBSERVATION_NOTE_MAX 1001  // bytes of note, with the NUL
#define STI_OBSERVATION_ERRORS 8       // at most this many problems are reported per row

//  One row. Fields that failed to decode are left empty and marked in `bad`.
typedef struct {
    char indicator[STI_CODE_MAX];            // indicator code
    char org[STI_CODE_MAX];                  // org unit code
    sti_period_t period;                     // the period
    char period_text[STI_PERIOD_TEXT_MAX];   // the period as text
    double value;                            // the value (in the catalog's unit once checked)
    bool has_unit;                           // whether the row named a unit
    char unit[STI_UNIT_CODE_MAX];            // the unit the row named
    double submitted_value;                  // the value as submitted, in that unit
    char source[STI_OBSERVATION_SOURCE_MAX]; // where the figure comes from ("" if not given)
    char note[STI_OBSERVATION_NOTE_MAX];     // a remark ("" if not given)
    unsigned bad; // bit set of fields that failed (STI_OBSERVATION_BAD_*)
} sti_observation_t;

#define STI_OBSERVATION_BAD_INDICATOR 0x01u
#define STI_OBSERVATION_BAD_ORG 0x02u
#define STI_OBSERVATION_BAD_PERIOD 0x04u
#define STI_OBSERVATION_BAD_VALUE 0x08u
#define STI_OBSERVATION_BAD_UNIT 0x10u
#define STI_OBSERVATION_BAD_OTHER 0x20u

//  Reads a number as a clerk types it, from len bytes of text: spaces
//  around, a sign, digits with or without thousands separators in groups of
//  three (1,234,567.5), a decimal point, an exponent (without separators:
//  1.2E+05, as Excel writes large numbers), and a trailing % (*percent is
//  then set; the number is the percentage, 3.5 for "3.5%"). Returns 0, or
//  -1 when the text is anything else or not finite.
int sti_observation_parse_value(const char *text, size_t len, double *value, bool *percent);

//  Decodes one row into obs. Problems are written to errors (at most cap)
//  and counted in *count. Returns 0 when the row decoded cleanly, else -1.
int sti_observation_decode(sti_node_t row, sti_observation_t *obs, sti_field_error_t *errors,
                           size_t cap, size_t *count);

//  Checks a decoded row against catalog and converts its value to the
//  indicator's unit. Fields that failed to decode are not checked again.
//  Problems are appended to errors (up to cap), *count grows by their
//  number. Returns 0 when the row is good, else -1.
int sti_observation_validate(const sti_catalog_t *catalog, sti_observation_t *obs,
                             sti_field_error_t *errors, size_t cap, size_t *count);

//  Decode and validate in one call. Returns 0 when the row is good, else -1.
//  Refuses a period that has not begun: one whose first day (UTC) is after
//  now_ms plus ahead_years years (0: nothing after the current period).
//  Returns 0, or -1 after adding the reason (field "period") to errors.
int sti_observation_plausible_period(const sti_observation_t *obs, int64_t now_ms,
                                     int64_t ahead_years, sti_field_error_t *errors, size_t cap,
                                     size_t *count);
int sti_observation_check(sti_node_t row, const sti_catalog_t *catalog, sti_observation_t *obs,
                          sti_field_error_t *errors, size_t cap, size_t *count);

//  --- the same key twice in a batch ---

typedef struct _sti_observation_keys_t sti_observation_keys_t;

//  A set for up to capacity rows. Never NULL (aborts on out-of-memory).
sti_observation_keys_t *sti_observation_keys_new(size_t capacity);
void sti_observation_keys_destroy(sti_observation_keys_t **self_p);
//  Forgets every key (for the next batch).
void sti_observation_keys_reset(sti_observation_keys_t *self);
//  Records obs's key (indicator, org, period) for row. Returns 0 when the
//  key is new, 1 when an earlier row had it (its row in *earlier), or -1
//  when the set already holds capacity keys.
int sti_observation_keys_add(sti_observation_keys_t *self, const sti_observation_t *obs, size_t row,
                             size_t *earlier);
