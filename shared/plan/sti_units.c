/*  sti_units: the units values are kept in. See sti_units.h.

    A small array searched linearly: a plan has a dozen units.
*/
#include "sti_units.h"

#include <assert.h>
#include <czmq.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

struct _sti_units_t {
    sti_unit_t units[STI_UNITS_MAX]; // the units, in the order they were added
    size_t size;                     // how many are in use
};

sti_units_t *sti_units_new(void)
{
    sti_units_t *self = (sti_units_t *)zmalloc(sizeof(sti_units_t));
    return self;
}

void sti_units_destroy(sti_units_t **self_p)
{
    assert(self_p);
    if (*self_p) {
        free(*self_p);
        *self_p = NULL;
    }
}

//  True when text is non-empty and holds no ASCII control characters.
static bool s_printable(const char *text)
{
    if (!text[0]) {
        return false;
    }
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        if (*p < 0x20 || *p == 0x7f) {
            return false;
        }
    }
    return true;
}

int sti_units_add(sti_units_t *self, const sti_unit_t *unit, char *err, size_t errlen)
{
    assert(self && unit);
    const char *code = unit->code;
    if (memchr(unit->code, 0, sizeof unit->code) == NULL || !s_printable(unit->code)) {
        snprintf(err, errlen, "unit code must be 1 to %d bytes of text", STI_UNIT_CODE_MAX - 1);
        return -1;
    }
    if (memchr(unit->family, 0, sizeof unit->family) == NULL || !s_printable(unit->family) ||
        memchr(unit->name_en, 0, sizeof unit->name_en) == NULL) {
        snprintf(err, errlen, "unit '%s': family must be 1 to %d bytes of text", code,
                 STI_UNIT_FAMILY_MAX - 1);
        return -1;
    }
    if (!isfinite(unit->factor) || unit->factor <= 0) {
        snprintf(err, errlen, "unit '%s': factor must be a finite number above 0", code);
        return -1;
    }
    if ((unit->has_min && !isfinite(unit->min)) || (unit->has_max && !isfinite(unit->max)) ||
        (unit->has_min && unit->has_max && unit->min > unit->max)) {
        snprintf(err, errlen, "unit '%s': min and max must be finite with min <= max", code);
        return -1;
    }
    if (sti_units_find(self, code)) {
        snprintf(err, errlen, "unit '%s' is defined twice", code);
        return -1;
    }
    if (self->size == STI_UNITS_MAX) {
        snprintf(err, errlen, "more than %d units", STI_UNITS_MAX);
        return -1;
    }
    self->units[self->size++] = *unit;
    return 0;
}

//  Copies a JSON string field into buf. Returns 0, or -1 with err set.
static int s_json_text(const cJSON *item, const char *code, const char *field, char *buf,
                       size_t cap, char *err, size_t errlen)
{
    if (!cJSON_IsString(item) || strlen(item->valuestring) >= cap) {
        snprintf(err, errlen, "unit '%s': %s must be a string of at most %zu bytes", code, field,
                 cap - 1);
        return -1;
    }
    snprintf(buf, cap, "%s", item->valuestring);
    return 0;
}

//  Fills unit from one JSON object. Returns 0, or -1 with err set.
static int s_unit_from_json(const cJSON *object, sti_unit_t *unit, char *err, size_t errlen)
{
    memset(unit, 0, sizeof *unit);
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(object, "code");
    if (!cJSON_IsObject(object) ||
        s_json_text(code, "?", "code", unit->code, sizeof unit->code, err, errlen)) {
        if (!cJSON_IsObject(object)) {
            snprintf(err, errlen, "each unit must be an object");
        }
        return -1;
    }
    const char *name = unit->code;
    for (const cJSON *item = object->child; item; item = item->next) {
        const char *key = item->string;
        int rc = 0;
        if (strcmp(key, "code") == 0) {
            continue;
        } else if (strcmp(key, "name_en") == 0) {
            rc = s_json_text(item, name, key, unit->name_en, sizeof unit->name_en, err, errlen);
        } else if (strcmp(key, "family") == 0) {
            rc = s_json_text(item, name, key, unit->family, sizeof unit->family, err, errlen);
        } else if (strcmp(key, "allow_negative") == 0 && cJSON_IsBool(item)) {
            unit->allow_negative = cJSON_IsTrue(item);
        } else if (strcmp(key, "integer") == 0 && cJSON_IsBool(item)) {
            unit->integer = cJSON_IsTrue(item);
        } else if (strcmp(key, "factor") == 0 && cJSON_IsNumber(item)) {
            unit->factor = item->valuedouble;
        } else if (strcmp(key, "min") == 0 && cJSON_IsNumber(item)) {
            unit->has_min = true;
            unit->min = item->valuedouble;
        } else if (strcmp(key, "max") == 0 && cJSON_IsNumber(item)) {
            unit->has_max = true;
            unit->max = item->valuedouble;
        } else if (strcmp(key, "factor") == 0 || strcmp(key, "min") == 0 ||
                   strcmp(key, "max") == 0) {
            snprintf(err, errlen, "unit '%s': %s must be a number", name, key);
            return -1;
        } else if (strcmp(key, "allow_negative") == 0 || strcmp(key, "integer") == 0) {
            snprintf(err, errlen, "unit '%s': %s must be true or false", name, key);
            return -1;
        } else {
            snprintf(err, errlen, "unit '%s': unknown field '%.40s'", name, key);
            return -1;
        }
        if (rc) {
            return -1;
        }
    }
    if (!cJSON_GetObjectItemCaseSensitive(object, "family") ||
        !cJSON_GetObjectItemCaseSensitive(object, "factor") ||
        !cJSON_GetObjectItemCaseSensitive(object, "allow_negative")) {
        snprintf(err, errlen, "unit '%s': family, factor and allow_negative are required", name);
        return -1;
    }
    return 0;
}

int sti_units_load_json(sti_units_t *self, const cJSON *array, char *err, size_t errlen)
{
    assert(self);
    if (!cJSON_IsArray(array)) {
        snprintf(err, errlen, "units must be an array");
        return -1;
    }
    for (const cJSON *object = array->child; object; object = object->next) {
        sti_unit_t unit;
        if (s_unit_from_json(object, &unit, err, errlen) ||
            sti_units_add(self, &unit, err, errlen)) {
            return -1;
        }
    }
    return 0;
}

size_t sti_units_size(const sti_units_t *self)
{
    assert(self);
    return self->size;
}

const sti_unit_t *sti_units_at(const sti_units_t *self, size_t index)
{
    assert(self);
    return index < self->size ? &self->units[index] : NULL;
}

const sti_unit_t *sti_units_find(const sti_units_t *self, const char *code)
{
    assert(self);
    for (size_t i = 0; code && i < self->size; i++) {
        if (strcmp(self->units[i].code, code) == 0) {
            return &self->units[i];
        }
    }
    return NULL;
}

int sti_units_convert(const sti_units_t *self, double value, const char *from, const char *to,
                      double *out, char *err, size_t errlen)
{
    assert(self && from && to && out);
    const sti_unit_t *source = sti_units_find(self, from);
    const sti_unit_t *target = sti_units_find(self, to);
    if (!target) {
        snprintf(err, errlen, "unit '%.32s' is not known", to);
        return -1;
    }
    if (!source) {
        snprintf(err, errlen, "unit '%.32s' is not known; the indicator's unit is '%s'", from,
                 target->code);
        return -1;
    }
    if (source == target) {
        *out = value;
        return 0;
    }
    if (strcmp(source->family, target->family) != 0) {
        snprintf(err, errlen, "unit '%s' does not convert to '%s'", source->code, target->code);
        return -1;
    }
    //  Multiply first: 12345 万元 -> 123450000 元 -> 1.2345 亿元 rounds once.
    double converted = value * source->factor / target->factor;
    if (!isfinite(converted)) {
        snprintf(err, errlen, "value is out of range after conversion to '%s'", target->code);
        return -1;
    }
    *out = converted;
    return 0;
}

int sti_unit_check(const sti_unit_t *unit, double value, char *err, size_t errlen)
{
    assert(unit);
    bool percentage = strcmp(unit->family, "percentage") == 0;
    if (!isfinite(value)) {
        snprintf(err, errlen, "must be a finite number");
        return -1;
    }
    if (percentage && unit->has_min && unit->has_max && (value < unit->min || value > unit->max)) {
        snprintf(err, errlen, "a percentage must be within %g–%g", unit->min, unit->max);
        return -1;
    }
    if (value < 0 && !unit->allow_negative) {
        snprintf(err, errlen, "must not be negative (%s)", unit->code);
        return -1;
    }
    if (unit->has_min && value < unit->min) {
        snprintf(err, errlen, "must be at least %g (%s)", unit->min, unit->code);
        return -1;
    }
    if (unit->has_max && value > unit->max) {
        snprintf(err, errlen, "must be at most %g (%s)", unit->max, unit->code);
        return -1;
    }
    return 0;
}
