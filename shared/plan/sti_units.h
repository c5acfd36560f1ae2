/*  sti_units: the units values are kept in, and conversion between them.

    A units table is data (a plan's units.json): each unit has a code (its
    symbol, "亿元"), a family, a factor to the family's base unit, whether
    negative values are allowed, and an optional minimum and maximum. A value
    converts only between units of the same family (元/万元/亿元 are `money`,
    人/万人 `people`); anything else is refused with a reason naming both units.
    Values are always checked in the unit they are stored in.
*/
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#define STI_UNIT_CODE_MAX 16   // bytes of a unit code, with the NUL
#define STI_UNIT_FAMILY_MAX 33 // bytes of a family name, with the NUL
#define STI_UNIT_NAME_MAX 65   // bytes of an English name, with the NUL
#define STI_UNITS_MAX 64       // units in one table

//  One unit: a plain record, borrowed from its table.
typedef struct {
    char code[STI_UNIT_CODE_MAX];     // the symbol values are given in ("亿元", "%")
    char name_en[STI_UNIT_NAME_MAX];  // English name ("100 million yuan"); may be ""
    char family[STI_UNIT_FAMILY_MAX]; // units convert only within one family
    double factor;                    // how many base units of the family one unit is (> 0)
    bool allow_negative;              // whether a value below zero is allowed
    bool integer;                     // counts whole things (家, 个, 件, 人): no fractions
    bool has_min;                     // whether min applies
    double min;                       // the lowest allowed value
    bool has_max;                     // whether max applies
    double max;                       // the highest allowed value
} sti_unit_t;

typedef struct _sti_units_t sti_units_t;

//  An empty table. Never NULL (aborts on out-of-memory).
sti_units_t *sti_units_new(void);
void sti_units_destroy(sti_units_t **self_p);

//  Adds a copy of unit after checking it (code and family non-empty UTF-8
//  without control characters, factor finite and > 0, min <= max, code not
//  already there). Returns 0, or -1 with a reason in err.
int sti_units_add(sti_units_t *self, const sti_unit_t *unit, char *err, size_t errlen);

//  Adds every unit of a JSON array of objects {code, name_en?, family, factor,
//  allow_negative, min?, max?}; unknown fields are refused. Returns 0, or -1
//  with a reason naming the unit and the field in err (the table may then
//  hold the units before the bad one).
int sti_units_load_json(sti_units_t *self, const cJSON *array, char *err, size_t errlen);

size_t sti_units_size(const sti_units_t *self);
//  Unit i (borrowed), or NULL past the end.
const sti_unit_t *sti_units_at(const sti_units_t *self, size_t index);
//  The unit with this code (borrowed), or NULL.
const sti_unit_t *sti_units_find(const sti_units_t *self, const char *code);

//  Converts value from unit `from` to unit `to`. Returns 0 with *out set, or
//  -1 with a reason in err ("unit 'kg' is not known", "unit '家' does not
//  convert to '亿元'", "value is out of range after conversion").
int sti_units_convert(const sti_units_t *self, double value, const char *from, const char *to,
                      double *out, char *err, size_t errlen);

//  Checks value against unit: finite, not negative where not allowed, within
//  min and max ("a percentage must be within 0–100", "must be at least 1 (位)").
//  Returns 0, or -1 with a reason in err.
int sti_unit_check(const sti_unit_t *unit, double value, char *err, size_t errlen);
