/*  sti_catalog_io: a catalog in and out of its two forms: a plan directory
    of JSON files (docs/plan-format.md), checked record by record with a
    reason naming the file, the record and the field; and one MessagePack
    map, the form the catalog has in Redis and in plan.load requests.
*/
#pragma once
#include <stddef.h>

#include "sti_catalog.h"
#include "sti_codec.h"

//  Loads a plan directory (plan.json, units.json, tags.json, org_units.json,
//  indicators.json, and talent.json when it is there). Returns a new
//  catalog the caller destroys, or NULL with a reason in err naming the
//  file, the record and the field.
sti_catalog_t *sti_catalog_load_dir(const char *dir, char *err, size_t errlen);

//  Writes the whole catalog (header, units, tags, org units, indicators
//  with targets, and the talent codes when there are some) as one map, the
//  shape of docs/plan-format.md plus "format": 1.
void sti_catalog_write(const sti_catalog_t *self, sti_writer_t *writer);
//  How an indicator is written: as the plan holds it (sti_catalog_write,
//  docs/plan-format.md: formula and baseline_note only when set) or as the
//  ops show it (catalog.list, catalog.get: formula nil when none, inputs,
//  the codes the formula reads, and no baseline_note).
typedef enum { STI_INDICATOR_AS_PLAN, STI_INDICATOR_AS_SHOWN } sti_indicator_form_t;
//  Writes one indicator in form: {code, name_zh, name_en, unit, direction,
//  category, kind, aggregation, formula, inputs (shown), tags, baseline
//  ({period, value, source_line} or nil), baseline_note (plan), targets
//  ([{year, value}])}. The one encoder of an indicator.
void sti_catalog_write_indicator(const sti_indicator_t *indicator, sti_indicator_form_t form,
                                 sti_writer_t *writer);
//  Reads a catalog written by sti_catalog_write (or a plan's files merged
//  into one map), checking it as sti_catalog_load_dir does. Returns a new
//  catalog the caller destroys, or NULL with a reason in err.
sti_catalog_t *sti_catalog_read(sti_node_t root, char *err, size_t errlen);
//  The same from bytes. Returns a new catalog, or NULL with err set.
sti_catalog_t *sti_catalog_decode(const void *data, size_t size, char *err, size_t errlen);
