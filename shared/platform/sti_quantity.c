/*  sti_quantity: see sti_quantity.h.

    The digits are read by hand, not by strtoll, which would take a sign
    and leading spaces; the overflow tests divide before they multiply.
    Each kind's units run from the largest down, so formatting takes the
    first that divides the value.
*/
#include "sti_quantity.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

typedef struct {
    const char *name; // as written after the digits
    int64_t scale;    // milliseconds or bytes in one
} s_unit_t;

static const s_unit_t s_durations[] = {
    {"d", 86400000}, {"h", 3600000}, {"m", 60000}, {"s", 1000}, {"ms", 1}, {NULL, 0},
};
static const s_unit_t s_sizes[] = {
    {"TiB", 1LL << 40}, {"GiB", 1LL << 30}, {"MiB", 1LL << 20},
    {"KiB", 1LL << 10}, {"B", 1},           {NULL, 0},
};

static const s_unit_t *s_units(sti_quantity_kind_t kind)
{
    return kind == STI_QUANTITY_SIZE ? s_sizes : s_durations;
}

int sti_quantity_parse(sti_quantity_kind_t kind, const char *text, int64_t bare, int64_t *value)
{
    assert(value && bare >= 0);
    if (!text || *text < '0' || *text > '9') {
        return -1;
    }
    int64_t number = 0;
    const char *p = text;
    for (; *p >= '0' && *p <= '9'; p++) {
        if (number > (INT64_MAX - (*p - '0')) / 10) {
            return -1;
        }
        number = number * 10 + (*p - '0');
    }
    int64_t scale = 0;
    if (*p == 0) {
        scale = number == 0 ? 1 : bare;
    }
    for (const s_unit_t *unit = s_units(kind); *p && unit->name; unit++) {
        if (strcmp(p, unit->name) == 0) {
            scale = unit->scale;
        }
    }
    if (scale == 0 || number > INT64_MAX / scale) {
        return -1;
    }
    *value = number * scale;
    return 0;
}

const char *sti_quantity_format(sti_quantity_kind_t kind, int64_t value, char *buf, size_t cap)
{
    assert(buf && cap > 0 && value >= 0);
    if (value == 0) {
        snprintf(buf, cap, "0");
        return buf;
    }
    const s_unit_t *unit = s_units(kind);
    while (value % unit->scale != 0) {
        unit++;
    }
    snprintf(buf, cap, "%" PRId64 "%s", value / unit->scale, unit->name);
    return buf;
}
