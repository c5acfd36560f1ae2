/*  talent_codes: the catalog of the talent registry: the plan's talent.json,
    never hard-coded. sti-talent reads it from the plan's catalog in Redis,
    where it travels as one MessagePack map (talent_codes_decode; stictl plan
    load puts it there); the file readers serve tests and tools.

    The file defines the talent levels (category), the innovation fields and
    the recruitment channels, each a code with a Chinese and an English name
    (a channel may require the name of its station), and the indicators the
    registry keeps current (counts of talents, submitted through sti-ingest).

    Loading is strict: a missing or mistyped entry, a duplicate code, an
    unknown key or a list longer than its bound fails with a reason naming
    the place ("channels[2].code: must be 1 to 32 of a-z 0-9 _"). A loaded
    catalog is read-only and can be shared by threads.
*/
#pragma once
#include <stdbool.h>
#include <stddef.h>

#define TALENT_CODE_MAX 32  // bytes of a code
#define TALENT_NAME_MAX 128 // bytes of a name (UTF-8)
#define TALENT_CODES_MAX 64 // entries of one list
#define TALENT_CODES_FILE_MAX (1024 * 1024)

typedef enum {
    TALENT_LEVEL = 0, // talent level, the record's category
    TALENT_FIELD,     // innovation field
    TALENT_CHANNEL,   // recruitment channel
    TALENT_KIND_COUNT,
} talent_code_kind_t;

//  One code of a list.
typedef struct {
    char code[TALENT_CODE_MAX + 1];    // e.g. "overseas_station"
    char name_zh[TALENT_NAME_MAX + 1]; // e.g. "千里马驿站(海外引才驿站)"
    char name_en[TALENT_NAME_MAX + 1]; // e.g. "Overseas talent recruitment station"
    bool requires_station;             // channels only: the record must name the station
} talent_code_t;

//  An indicator the registry keeps: the number of talents that match counts.
typedef struct {
    char code[TALENT_CODE_MAX + 1];     // indicator code in the plan's catalog
    char name_zh[TALENT_NAME_MAX + 1];  // Chinese name
    char name_en[TALENT_NAME_MAX + 1];  // English name
    char unit[16];                      // "人"
    char direction[8];                  // "up" or "down"
    char kind[8];                       // "stock" or "flow"
    char aggregation[8];                // "sum" or "none"
    char category[TALENT_CODE_MAX + 1]; // "talent"
    char source[TALENT_CODE_MAX + 1];   // source name used with sti-ingest
    bool has_baseline;                  // false: the plan quotes no figure
    double baseline;                    // baseline value when has_baseline
    char baseline_period[8];            // "2020" when has_baseline
    bool counts_active_only;            // counts only talents whose status is active
    int counts_overseas;                // -1 any, 0 only not overseas, 1 only overseas
} talent_indicator_t;

typedef struct _talent_codes_t talent_codes_t;

//  Parses the text of a talent.json. Returns a new catalog the caller
//  destroys, or NULL with a reason in err.
talent_codes_t *talent_codes_parse(const char *text, size_t len, char *err, size_t errlen);
//  Reads the MessagePack form of a talent.json (one map, as the catalog
//  carries it, docs/plan-format.md), checked as strictly as the text.
//  Returns a new catalog the caller destroys, or NULL with a reason in err.
talent_codes_t *talent_codes_decode(const void *data, size_t size, char *err, size_t errlen);
//  Reads and parses the file at path (at most TALENT_CODES_FILE_MAX bytes).
//  Returns a new catalog the caller destroys, or NULL with a reason in err.
talent_codes_t *talent_codes_load(const char *path, char *err, size_t errlen);
//  Loads talent.json from a plan directory. As talent_codes_load.
talent_codes_t *talent_codes_load_plan(const char *plan_dir, char *err, size_t errlen);
void talent_codes_destroy(talent_codes_t **self_p);

//  "level", "field" or "channel".
const char *talent_code_kind_name(talent_code_kind_t kind);
size_t talent_codes_count(const talent_codes_t *self, talent_code_kind_t kind);
//  Entry index of a list (borrowed), or NULL when out of range.
const talent_code_t *talent_codes_at(const talent_codes_t *self, talent_code_kind_t kind,
                                     size_t index);
//  The entry with this code (borrowed), or NULL.
const talent_code_t *talent_codes_find(const talent_codes_t *self, talent_code_kind_t kind,
                                       const char *code);
//  Returns 0 if code is in the list, else -1 with a reason that lists the
//  accepted codes ("unknown level 'x' (top, national, ...)").
int talent_codes_check(const talent_codes_t *self, talent_code_kind_t kind, const char *code,
                       char *reason, size_t cap);

size_t talent_codes_indicator_count(const talent_codes_t *self);
//  Indicator index (borrowed), or NULL when out of range.
const talent_indicator_t *talent_codes_indicator_at(const talent_codes_t *self, size_t index);
