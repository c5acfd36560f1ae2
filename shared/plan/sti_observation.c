/*  sti_observation: one submitted row, decoded and checked. See
    sti_observation.h.

    Decoding reads every field even after one fails, so a clerk sees all of a
    row's problems at once. The key set is an open-addressing hash table over
    a fixed arena of keys, sized when it is created: no allocation per row.
*/
#include "sti_observation.h"

#include <assert.h>
#include <czmq.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

//  Adds a problem to the list (dropped beyond cap, still counted as a failure).
static void s_add(sti_field_error_t *errors, size_t cap, size_t *count, const char *field,
                  const char *reason)
{
    if (*count < cap) {
        snprintf(errors[*count].field, sizeof errors[*count].field, "%s", field);
        snprintf(errors[*count].reason, sizeof errors[*count].reason, "%s", reason);
        (*count)++;
    }
}

//  Copies an optional string field (node, the value of key); nil counts as
//  absent. Returns 0 or -1.
static int s_optional(sti_node_t node, const char *key, char *buf, size_t cap, bool *present,
                      sti_field_error_t *fe)
{
    buf[0] = 0;
    *present = false;
    if (sti_node_is_missing(node) || sti_node_type(node) == STI_TYPE_NIL) {
        return 0;
    }
    size_t n = strnlen(key, sizeof fe->field - 1);
    memcpy(fe->field, key, n);
    fe->field[n] = 0;
    if (sti_node_str_copy(node, buf, cap, fe)) {
        buf[0] = 0;
        return -1;
    }
    *present = true;
    return 0;
}

#define S_ECHO_MAX 40 // bytes of a refused value or period repeated in its reason

//  Writes text for a reason: at most S_ECHO_MAX bytes, cut at a character
//  (the text is UTF-8: the codec checked it), "…" when cut.
static const char *s_echo(const char *text, size_t len, char *buf, size_t cap)
{
    size_t n = len;
    if (n > S_ECHO_MAX) {
        n = S_ECHO_MAX;
        while (n > 0 && ((unsigned char)text[n] & 0xC0) == 0x80) {
            n--;
        }
    }
    snprintf(buf, cap, "%.*s%s", (int)n, text, n < len ? "…" : "");
    for (char *p = buf; *p; p++) {
        *p = (unsigned char)*p < 0x20 ? '?' : *p;
    }
    return buf;
}

//  Decodes the period (node): text, or a whole year as a number. Returns 0,
//  or -1 with fe set.
static int s_period(sti_node_t node, sti_observation_t *obs, sti_field_error_t *fe)
{
    const char *text;
    size_t len;
    char year[24], echo[S_ECHO_MAX + 8], why[96];
    int64_t number;
    sti_type_t type = sti_node_type(node);
    if ((type == STI_TYPE_INT || type == STI_TYPE_UINT) && sti_node_int(node, &number, fe) == 0) {
        snprintf(year, sizeof year, "%lld", (long long)number);
        text = year;
        len = strlen(year);
    } else if (sti_node_str(node, 32, &text, &len, fe)) {
        return -1;
    }
    if (sti_period_parse(text, len, &obs->period, why, sizeof why)) {
        s_echo(text, len, echo, sizeof echo);
        if (strncmp(why, "period must be", 14) == 0) {
            snprintf(fe->reason, sizeof fe->reason,
                     "'%s' is not a period: write 2023, 2023Q2 or 2023-05", echo);
        } else {
            snprintf(fe->reason, sizeof fe->reason, "'%s': %s", echo, why);
        }
        return -1;
    }
    sti_period_format(&obs->period, obs->period_text, sizeof obs->period_text);
    return 0;
}

//  Moves past ASCII spaces and ideographic spaces (U+3000) at *at.
static void s_skip_spaces(const char *text, size_t len, size_t *at)
{
    for (;;) {
        if (*at < len && (text[*at] == ' ' || text[*at] == '\t')) {
            (*at)++;
        } else if (*at + 3 <= len && memcmp(text + *at, "\xE3\x80\x80", 3) == 0) {
            *at += 3;
        } else {
            return;
        }
    }
}

//  Copies the digits at *at into out (separators left out). Returns the
//  number of digits, or -1 when the separators are not in groups of three.
static int s_digits(const char *text, size_t len, size_t *at, char *out, size_t *used)
{
    int digits = 0, group = 0;
    bool grouped = false;
    for (; *at < len && *used < 60; (*at)++) {
        char c = text[*at];
        if (c >= '0' && c <= '9') {
            out[(*used)++] = c;
            digits++;
            group++;
        } else if (c == ',' && digits > 0 && (grouped ? group == 3 : group <= 3) && *at + 1 < len &&
                   text[*at + 1] >= '0' && text[*at + 1] <= '9') {
            grouped = true;
            group = 0;
        } else {
            break;
        }
    }
    return grouped && group != 3 ? -1 : digits;
}

int sti_observation_parse_value(const char *text, size_t len, double *value, bool *percent)
{
    assert((text || len == 0) && value && percent);
    char clean[64];
    size_t at = 0, used = 0;
    *percent = false;
    s_skip_spaces(text, len, &at);
    if (at < len && (text[at] == '-' || text[at] == '+')) {
        clean[used++] = text[at++];
    }
    int whole = s_digits(text, len, &at, clean, &used), fraction = 0;
    bool grouped = memchr(text, ',', at) != NULL;
    if (whole < 0) {
        return -1;
    }
    if (at < len && text[at] == '.') {
        clean[used++] = text[at++];
        size_t before = used;
        while (at < len && text[at] >= '0' && text[at] <= '9' && used < 60) {
            clean[used++] = text[at++];
        }
        fraction = (int)(used - before);
    }
    if (whole + fraction == 0) {
        return -1;
    }
    if (!grouped && at < len && (text[at] == 'e' || text[at] == 'E')) {
        clean[used++] = text[at++];
        if (at < len && (text[at] == '-' || text[at] == '+')) {
            clean[used++] = text[at++];
        }
        size_t before = used;
        while (at < len && text[at] >= '0' && text[at] <= '9' && used < 62) {
            clean[used++] = text[at++];
        }
        if (used == before) {
            return -1;
        }
    }
    s_skip_spaces(text, len, &at);
    if (at < len && text[at] == '%') {
        *percent = true;
        at++;
        s_skip_spaces(text, len, &at);
    }
    if (at != len || used >= sizeof clean) {
        return -1;
    }
    clean[used] = 0;
    char *end = NULL;
    errno = 0;
    double parsed = strtod(clean, &end);
    if (!end || *end || errno == ERANGE || !isfinite(parsed)) {
        return -1;
    }
    *value = parsed;
    return 0;
}

//  Decodes the value (node): a number, or text holding one (a percentage
//  marked in *percent). Returns 0, or -1 with fe set.
static int s_value(sti_node_t node, sti_observation_t *obs, bool *percent, sti_field_error_t *fe)
{
    const char *text;
    size_t len;
    char echo[S_ECHO_MAX + 8];
    *percent = false;
    if (sti_node_type(node) != STI_TYPE_STR) {
        return sti_node_double(node, &obs->value, fe);
    }
    if (sti_node_str(node, 1000, &text, &len, fe)) {
        return -1;
    }
    if (sti_observation_parse_value(text, len, &obs->value, percent)) {
        snprintf(fe->reason, sizeof fe->reason, "'%s' is not a number",
                 s_echo(text, len, echo, sizeof echo));
        return -1;
    }
    return 0;
}

//  A value typed as a percentage ("3.5%") is in %: the unit, unless the
//  row names another. Returns 0, or -1 with fe set.
static int s_percent_unit(sti_observation_t *obs, sti_field_error_t *fe)
{
    if (!obs->has_unit) {
        obs->has_unit = true;
        snprintf(obs->unit, sizeof obs->unit, "%%");
    } else if (strcmp(obs->unit, "%") != 0) {
        snprintf(fe->field, sizeof fe->field, "unit");
        snprintf(fe->reason, sizeof fe->reason,
                 "the value is a percentage, the unit '%s' is not: leave the unit empty or "
                 "drop the %%",
                 obs->unit);
        return -1;
    }
    return 0;
}

//  The row's keys, in the order of s_field_t.
static const char *const s_keys[] = {"indicator", "org",    "period", "value",
                                     "unit",      "source", "note",   NULL};
typedef enum {
    S_INDICATOR,
    S_ORG,
    S_PERIOD,
    S_VALUE,
    S_UNIT,
    S_SOURCE,
    S_NOTE,
    S_FIELDS
} s_field_t;

//  Finds the row's fields in one pass over its map into values. Returns
//  -1 with fe set when a key is unknown or repeated (the fields are then
//  found one by one, as a clean row's would be), else 0.
static int s_fields(sti_node_t row, sti_node_t *values, sti_field_error_t *fe)
{
    if (sti_map_fields(row, s_keys, values, fe) == 0) {
        return 0;
    }
    for (size_t k = 0; k < S_FIELDS; k++) {
        values[k] = sti_node_get(row, s_keys[k]);
    }
    return -1;
}

int sti_observation_decode(sti_node_t row, sti_observation_t *obs, sti_field_error_t *errors,
                           size_t cap, size_t *count)
{
    assert(obs && count);
    memset(obs, 0, sizeof *obs);
    *count = 0;
    sti_field_error_t fe = {"", ""};
    sti_node_t f[S_FIELDS];
    if (sti_node_type(row) != STI_TYPE_MAP) {
        snprintf(fe.reason, sizeof fe.reason, "a row must be a map, got %s",
                 sti_type_name(sti_node_type(row)));
        s_add(errors, cap, count, "", fe.reason);
        obs->bad = ~0u;
        return -1;
    }
    if (s_fields(row, f, &fe)) {
        s_add(errors, cap, count, fe.field, fe.reason);
        obs->bad |= STI_OBSERVATION_BAD_OTHER;
    }
    if (sti_node_str_copy(f[S_INDICATOR], obs->indicator, sizeof obs->indicator, &fe)) {
        s_add(errors, cap, count, "indicator", fe.reason);
        obs->bad |= STI_OBSERVATION_BAD_INDICATOR;
    }
    if (sti_node_str_copy(f[S_ORG], obs->org, sizeof obs->org, &fe)) {
        s_add(errors, cap, count, "org", fe.reason);
        obs->bad |= STI_OBSERVATION_BAD_ORG;
    }
    if (s_period(f[S_PERIOD], obs, &fe)) {
        s_add(errors, cap, count, "period", fe.reason);
        obs->bad |= STI_OBSERVATION_BAD_PERIOD;
    }
    bool percent = false;
    if (s_value(f[S_VALUE], obs, &percent, &fe)) {
        s_add(errors, cap, count, "value", fe.reason);
        obs->bad |= STI_OBSERVATION_BAD_VALUE;
    }
    obs->submitted_value = obs->value;
    if (s_optional(f[S_UNIT], "unit", obs->unit, sizeof obs->unit, &obs->has_unit, &fe)) {
        s_add(errors, cap, count, "unit", fe.reason);
        obs->bad |= STI_OBSERVATION_BAD_UNIT;
    } else if (percent && s_percent_unit(obs, &fe)) {
        s_add(errors, cap, count, "unit", fe.reason);
        obs->bad |= STI_OBSERVATION_BAD_UNIT;
    }
    bool present;
    if (s_optional(f[S_SOURCE], "source", obs->source, sizeof obs->source, &present, &fe) ||
        s_optional(f[S_NOTE], "note", obs->note, sizeof obs->note, &present, &fe)) {
        s_add(errors, cap, count, fe.field, fe.reason);
        obs->bad |= STI_OBSERVATION_BAD_OTHER;
    }
    return obs->bad ? -1 : 0;
}

//  Writes "'code' is derived from a, b: submit those instead" into buf.
static void s_derived_reason(const sti_indicator_t *ind, char *buf, size_t cap)
{
    int n = snprintf(buf, cap, "'%s' is derived from ", ind->code);
    for (size_t i = 0; i < sti_formula_input_count(ind->formula) && n > 0 && (size_t)n < cap; i++) {
        n += snprintf(buf + n, cap - (size_t)n, "%s%s", i ? ", " : "",
                      sti_formula_input(ind->formula, i));
    }
    if (n > 0 && (size_t)n < cap) {
        snprintf(buf + n, cap - (size_t)n, ": submit those instead");
    }
}

//  Says why org (code, found as unit, or NULL) takes no values.
static void s_org_reason(const char *code, const sti_org_unit_t *unit, char *buf, size_t cap)
{
    if (!unit) {
        snprintf(buf, cap, "unknown org unit '%s'", code);
        return;
    }
    char when[32] = "";
    time_t secs = (time_t)(unit->retired_at / 1000);
    struct tm tm;
    if (unit->retired_at > 0 && gmtime_r(&secs, &tm)) {
        strftime(when, sizeof when, " on %Y-%m-%d", &tm);
    }
    //  The names are cut to fit the reason (160 bytes), the code whole.
    int used = snprintf(buf, cap, "org unit '%s' (%.30s) was retired%s: it takes no new values",
                        code, unit->name_zh[0] ? unit->name_zh : unit->name_en, when);
    const char *why = unit->retired_reason;
    if (used > 0 && (size_t)used + 4 < cap && why[0]) {
        size_t at = (size_t)used, n = strnlen(why, cap - at - 4);
        while (n > 0 && why[n] && ((unsigned char)why[n] & 0xC0) == 0x80) {
            n--; // cut on a character boundary
        }
        buf[at] = ' ';
        buf[at + 1] = '(';
        memcpy(buf + at + 2, why, n);
        memcpy(buf + at + 2 + n, ")", 2);
    }
}

//  A value given in a unit that counts whole things must be whole. Returns
//  0, or -1 with the reason in buf.
static int s_whole(const sti_units_t *units, const sti_observation_t *obs,
                   const sti_indicator_t *ind, char *buf, size_t cap)
{
    const sti_unit_t *unit = sti_units_find(units, obs->has_unit ? obs->unit : ind->unit);
    if (!unit || !unit->integer || obs->submitted_value == floor(obs->submitted_value)) {
        return 0;
    }
    snprintf(buf, cap, "%.10g %s is not a whole number: %s counts whole %s", obs->submitted_value,
             unit->code, unit->code, unit->name_en[0] ? unit->name_en : "things");
    return -1;
}

//  The UTC year and month (1-12) of ms since the epoch, by the civil
//  calendar's arithmetic (H. Hinnant's civil_from_days).
static void s_year_month(int64_t ms, int64_t *year, int64_t *month)
{
    int64_t days = ms / 86400000 - (ms % 86400000 < 0);
    int64_t z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
    *month = mp < 10 ? mp + 3 : mp - 9;
    *year = yoe + era * 400 + (*month <= 2);
}

int sti_observation_plausible_period(const sti_observation_t *obs, int64_t now_ms,
                                     int64_t ahead_years, sti_field_error_t *errors, size_t cap,
                                     size_t *count)
{
    assert(obs && count);
    if (obs->bad & STI_OBSERVATION_BAD_PERIOD) {
        return 0;
    }
    //  The period's first day, UTC: after now (plus ahead_years), it has not
    //  begun; that is, its first month (ahead_years earlier) comes after
    //  now's month. Compared as months, not through timegm: once a row.
    int64_t year = obs->period.year - ahead_years, month = sti_period_first_month(&obs->period);
    int64_t now_year, now_month;
    s_year_month(now_ms, &now_year, &now_month);
    if (year * 12 + month <= now_year * 12 + now_month) {
        return 0;
    }
    char reason[sizeof errors->reason];
    time_t secs = (time_t)(now_ms / 1000);
    struct tm now;
    gmtime_r(&secs, &now);
    char ahead[56] = ""; // "; up to <int64> years ahead are taken" at most
    if (ahead_years > 0) {
        snprintf(ahead, sizeof ahead, "; up to %lld year%s ahead are taken", (long long)ahead_years,
                 ahead_years == 1 ? "" : "s");
    }
    snprintf(reason, sizeof reason,
             "%s has not begun (today is %04d-%02d-%02d%s): a value for a later period is "
             "refused",
             obs->period_text, now.tm_year + 1900, now.tm_mon + 1, now.tm_mday, ahead);
    s_add(errors, cap, count, "period", reason);
    return -1;
}

int sti_observation_validate(const sti_catalog_t *catalog, sti_observation_t *obs,
                             sti_field_error_t *errors, size_t cap, size_t *count)
{
    assert(catalog && obs && count);
    char reason[sizeof errors->reason];
    bool failed = obs->bad != 0;
    const sti_indicator_t *ind = NULL;
    if (!(obs->bad & STI_OBSERVATION_BAD_INDICATOR)) {
        ind = sti_catalog_indicator_find(catalog, obs->indicator);
        if (!ind) {
            snprintf(reason, sizeof reason, "unknown indicator '%s'", obs->indicator);
            s_add(errors, cap, count, "indicator", reason);
        } else if (ind->formula) {
            s_derived_reason(ind, reason, sizeof reason);
            s_add(errors, cap, count, "indicator", reason);
            ind = NULL;
        }
        failed |= ind == NULL;
    }
    const sti_org_unit_t *org =
        obs->bad & STI_OBSERVATION_BAD_ORG ? NULL : sti_catalog_org_find(catalog, obs->org);
    if (!(obs->bad & STI_OBSERVATION_BAD_ORG) && (!org || org->retired)) {
        s_org_reason(obs->org, org, reason, sizeof reason);
        s_add(errors, cap, count, "org", reason);
        failed = true;
    }
    if (ind && !(obs->bad & (STI_OBSERVATION_BAD_VALUE | STI_OBSERVATION_BAD_UNIT))) {
        const sti_units_t *units = sti_catalog_units(catalog);
        double converted = obs->submitted_value;
        if (obs->has_unit && sti_units_convert(units, obs->submitted_value, obs->unit, ind->unit,
                                               &converted, reason, sizeof reason)) {
            s_add(errors, cap, count, "unit", reason);
            failed = true;
        } else if (sti_unit_check(sti_units_find(units, ind->unit), converted, reason,
                                  sizeof reason) ||
                   s_whole(units, obs, ind, reason, sizeof reason)) {
            s_add(errors, cap, count, "value", reason);
            failed = true;
        } else {
            obs->value = converted;
        }
    }
    return failed ? -1 : 0;
}

int sti_observation_check(sti_node_t row, const sti_catalog_t *catalog, sti_observation_t *obs,
                          sti_field_error_t *errors, size_t cap, size_t *count)
{
    int decoded = sti_observation_decode(row, obs, errors, cap, count);
    if (obs->bad == ~0u) {
        return -1;
    }
    int checked = sti_observation_validate(catalog, obs, errors, cap, count);
    return decoded || checked ? -1 : 0;
}

//  --- the same key twice in a batch ---

#define S_KEY_MAX (2 * STI_CODE_MAX + STI_PERIOD_TEXT_MAX) // "ind\x1forg\x1fperiod" with NUL

struct _sti_observation_keys_t {
    size_t capacity;  // rows the set can hold
    size_t size;      // keys held
    char *keys;       // capacity keys of S_KEY_MAX bytes each
    size_t *rows;     // the row of each key
    uint32_t *slots;  // hash table: key position + 1, or 0 for empty
    size_t slot_mask; // table size - 1 (a power of two)
};

sti_observation_keys_t *sti_observation_keys_new(size_t capacity)
{
    sti_observation_keys_t *self = (sti_observation_keys_t *)zmalloc(sizeof *self);
    assert(capacity > 0 && capacity < UINT32_MAX / 4);
    size_t slots = 16;
    while (slots < capacity * 2) {
        slots *= 2;
    }
    self->capacity = capacity;
    self->keys = (char *)zmalloc(capacity * S_KEY_MAX);
    self->rows = (size_t *)zmalloc(capacity * sizeof(size_t));
    self->slots = (uint32_t *)zmalloc(slots * sizeof(uint32_t));
    self->slot_mask = slots - 1;
    return self;
}

void sti_observation_keys_destroy(sti_observation_keys_t **self_p)
{
    assert(self_p);
    sti_observation_keys_t *self = *self_p;
    if (self) {
        free(self->keys);
        free(self->rows);
        free(self->slots);
        free(self);
        *self_p = NULL;
    }
}

void sti_observation_keys_reset(sti_observation_keys_t *self)
{
    assert(self);
    memset(self->slots, 0, (self->slot_mask + 1) * sizeof(uint32_t));
    self->size = 0;
}

//  Writes "ind\x1forg\x1fperiod" (each field NUL-terminated within its
//  buffer, so the key fits S_KEY_MAX). Returns its length.
static size_t s_key(char *key, const sti_observation_t *obs)
{
    const char *parts[3] = {obs->indicator, obs->org, obs->period_text};
    const size_t caps[3] = {sizeof obs->indicator, sizeof obs->org, sizeof obs->period_text};
    size_t len = 0;
    for (int i = 0; i < 3; i++) {
        size_t n = strnlen(parts[i], caps[i] - 1);
        memcpy(key + len, parts[i], n);
        len += n;
        key[len++] = i < 2 ? '\x1f' : 0;
    }
    return len - 1;
}

int sti_observation_keys_add(sti_observation_keys_t *self, const sti_observation_t *obs, size_t row,
                             size_t *earlier)
{
    assert(self && obs && earlier);
    char key[S_KEY_MAX];
    size_t len = s_key(key, obs);
    uint64_t hash = 14695981039346656037ull; // FNV-1a
    for (size_t i = 0; i < len; i++) {
        hash = (hash ^ (unsigned char)key[i]) * 1099511628211ull;
    }
    size_t slot = (size_t)hash & self->slot_mask;
    while (self->slots[slot]) {
        size_t at = self->slots[slot] - 1;
        if (memcmp(self->keys + at * S_KEY_MAX, key, len + 1) == 0) {
            *earlier = self->rows[at];
            return 1;
        }
        slot = (slot + 1) & self->slot_mask;
    }
    if (self->size == self->capacity) {
        return -1;
    }
    memcpy(self->keys + self->size * S_KEY_MAX, key, len + 1);
    self->rows[self->size] = row;
    self->slots[slot] = (uint32_t)(++self->size);
    return 0;
}
