/*  talent_codes: loads and serves the registry's codes (see the header).

    The JSON is parsed with cJSON (the MessagePack form is turned into the
    same cJSON tree by sti_json, so both are checked by one reader) and
    copied into fixed-size arrays, so a
    loaded catalog holds no pointers into the parse tree and lookups never
    allocate. Lists are short (at most TALENT_CODES_MAX entries): lookups are
    linear scans.
*/
#include "talent_codes.h"

#include <assert.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sti_codec.h"
#include "sti_json.h"
#include "sti_log.h"

#define TALENT_INDICATORS_MAX 16

struct _talent_codes_t {
    talent_code_t codes[TALENT_KIND_COUNT][TALENT_CODES_MAX]; // levels, fields, channels
    size_t count[TALENT_KIND_COUNT];                          // entries used in each list
    talent_indicator_t indicators[TALENT_INDICATORS_MAX];     // indicators the registry keeps
    size_t indicator_count;                                   // entries used in indicators
};

//  The JSON key of each list, in talent_code_kind_t order.
static const char *s_list_keys[TALENT_KIND_COUNT] = {"levels", "fields", "channels"};
static const char *s_kind_names[TALENT_KIND_COUNT] = {"level", "field", "channel"};

//  True if text is well-formed UTF-8 without control characters.
static bool s_utf8_text(const char *text)
{
    for (const unsigned char *c = (const unsigned char *)text; *c; c++) {
        if (*c < 0x20 || *c == 0x7f) {
            return false;
        }
    }
    return sti_utf8_valid(text, strlen(text));
}

//  True if code is 1 to TALENT_CODE_MAX of a-z 0-9 _.
static bool s_code_syntax(const char *code)
{
    size_t len = strlen(code);
    if (len == 0 || len > TALENT_CODE_MAX) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        char c = code[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) {
            return false;
        }
    }
    return true;
}

//  Checks that every key of object is in the NULL-terminated list.
static int s_only_keys(const cJSON *object, const char *const *keys, const char *where, char *err,
                       size_t errlen)
{
    const cJSON *item;
    cJSON_ArrayForEach(item, object)
    {
        bool known = false;
        for (const char *const *key = keys; *key && !known; key++) {
            known = strcmp(item->string, *key) == 0;
        }
        if (!known) {
            return sti_errf(err, errlen, "%s: unknown key '%.64s'", where, item->string);
        }
    }
    return 0;
}

//  Copies the string member key of object into buf (1 to cap - 1 bytes of
//  UTF-8 text).
static int s_string(const cJSON *object, const char *key, char *buf, size_t cap, const char *where,
                    char *err, size_t errlen)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(object, key);
    if (!cJSON_IsString(item)) {
        return sti_errf(err, errlen, "%s.%s: %s", where, key,
                        item ? "must be a string" : "missing");
    }
    size_t len = strlen(item->valuestring);
    if (len == 0 || len >= cap) {
        return sti_errf(err, errlen, "%s.%s: must be 1 to %zu bytes", where, key, cap - 1);
    }
    if (!s_utf8_text(item->valuestring)) {
        return sti_errf(err, errlen, "%s.%s: must be UTF-8 text", where, key);
    }
    memcpy(buf, item->valuestring, len + 1);
    return 0;
}

//  Copies a code member and checks its syntax.
static int s_code(const cJSON *object, const char *key, char *buf, const char *where, char *err,
                  size_t errlen)
{
    if (s_string(object, key, buf, TALENT_CODE_MAX + 1, where, err, errlen) != 0) {
        return -1;
    }
    if (!s_code_syntax(buf)) {
        return sti_errf(err, errlen, "%s.%s: must be 1 to %d of a-z 0-9 _", where, key,
                        TALENT_CODE_MAX);
    }
    return 0;
}

//  Reads an optional boolean member (absent: false).
static int s_bool(const cJSON *object, const char *key, bool *out, const char *where, char *err,
                  size_t errlen)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(object, key);
    *out = false;
    if (!item) {
        return 0;
    }
    if (!cJSON_IsBool(item)) {
        return sti_errf(err, errlen, "%s.%s: must be true or false", where, key);
    }
    *out = cJSON_IsTrue(item);
    return 0;
}

//  Reads one list of codes.
static int s_load_list(talent_codes_t *self, const cJSON *root, talent_code_kind_t kind, char *err,
                       size_t errlen)
{
    static const char *const keys[] = {"code", "name_zh", "name_en", "requires_station", NULL};
    const char *list_key = s_list_keys[kind];
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(root, list_key);
    if (!cJSON_IsArray(list)) {
        return sti_errf(err, errlen, "%s: %s", list_key, list ? "must be an array" : "missing");
    }
    int size = cJSON_GetArraySize(list);
    if (size < 1 || size > TALENT_CODES_MAX) {
        return sti_errf(err, errlen, "%s: must have 1 to %d entries", list_key, TALENT_CODES_MAX);
    }
    for (int i = 0; i < size; i++) {
        const cJSON *entry = cJSON_GetArrayItem(list, i);
        talent_code_t *code = &self->codes[kind][i];
        char where[48];
        snprintf(where, sizeof where, "%s[%d]", list_key, i);
        if (!cJSON_IsObject(entry)) {
            return sti_errf(err, errlen, "%s: must be an object", where);
        }
        if (s_only_keys(entry, keys, where, err, errlen) != 0 ||
            s_code(entry, "code", code->code, where, err, errlen) != 0 ||
            s_string(entry, "name_zh", code->name_zh, sizeof code->name_zh, where, err, errlen) !=
                0 ||
            s_string(entry, "name_en", code->name_en, sizeof code->name_en, where, err, errlen) !=
                0 ||
            s_bool(entry, "requires_station", &code->requires_station, where, err, errlen) != 0) {
            return -1;
        }
        if (code->requires_station && kind != TALENT_CHANNEL) {
            return sti_errf(err, errlen, "%s.requires_station: only channels name a station",
                            where);
        }
        if (talent_codes_find(self, kind, code->code)) {
            return sti_errf(err, errlen, "%s.code: '%s' appears twice", where, code->code);
        }
        self->count[kind]++;
    }
    return 0;
}

//  Checks that text is one of the NULL-terminated list of choices.
static int s_choice(const char *text, const char *const *choices, const char *where,
                    const char *key, char *err, size_t errlen)
{
    for (const char *const *choice = choices; *choice; choice++) {
        if (strcmp(text, *choice) == 0) {
            return 0;
        }
    }
    return sti_errf(err, errlen, "%s.%s: '%s' is not one of the accepted values", where, key, text);
}

//  Reads the baseline (null, or a number with baseline_period).
static int s_load_baseline(talent_indicator_t *ind, const cJSON *entry, const char *where,
                           char *err, size_t errlen)
{
    const cJSON *baseline = cJSON_GetObjectItemCaseSensitive(entry, "baseline");
    if (!baseline || cJSON_IsNull(baseline)) {
        ind->has_baseline = false;
        return 0;
    }
    if (!cJSON_IsNumber(baseline)) {
        return sti_errf(err, errlen, "%s.baseline: must be a number or null", where);
    }
    ind->has_baseline = true;
    ind->baseline = baseline->valuedouble;
    return s_string(entry, "baseline_period", ind->baseline_period, sizeof ind->baseline_period,
                    where, err, errlen);
}

//  Reads what an indicator counts: {status: active|any, overseas: bool}.
static int s_load_counts(talent_indicator_t *ind, const cJSON *entry, const char *where, char *err,
                         size_t errlen)
{
    static const char *const keys[] = {"status", "overseas", NULL};
    static const char *const statuses[] = {"active", "any", NULL};
    const cJSON *counts = cJSON_GetObjectItemCaseSensitive(entry, "counts");
    char at[64];
    snprintf(at, sizeof at, "%s.counts", where);
    if (!cJSON_IsObject(counts)) {
        return sti_errf(err, errlen, "%s: %s", at, counts ? "must be an object" : "missing");
    }
    char status[8];
    if (s_only_keys(counts, keys, at, err, errlen) != 0 ||
        s_string(counts, "status", status, sizeof status, at, err, errlen) != 0 ||
        s_choice(status, statuses, at, "status", err, errlen) != 0) {
        return -1;
    }
    ind->counts_active_only = strcmp(status, "active") == 0;
    const cJSON *overseas = cJSON_GetObjectItemCaseSensitive(counts, "overseas");
    ind->counts_overseas = -1;
    if (overseas) {
        if (!cJSON_IsBool(overseas)) {
            return sti_errf(err, errlen, "%s.overseas: must be true or false", at);
        }
        ind->counts_overseas = cJSON_IsTrue(overseas) ? 1 : 0;
    }
    return 0;
}

//  Reads one indicator entry.
static int s_load_indicator(talent_indicator_t *ind, const cJSON *entry, const char *where,
                            char *err, size_t errlen)
{
    static const char *const keys[] = {
        "code",          "name_zh",     "name_en",  "unit",     "direction",
        "kind",          "aggregation", "category", "baseline", "baseline_period",
        "baseline_note", "source",      "counts",   NULL};
    static const char *const directions[] = {"up", "down", NULL};
    static const char *const kinds[] = {"stock", "flow", NULL};
    static const char *const aggregations[] = {"sum", "none", NULL};
    if (!cJSON_IsObject(entry)) {
        return sti_errf(err, errlen, "%s: must be an object", where);
    }
    if (s_only_keys(entry, keys, where, err, errlen) != 0 ||
        s_code(entry, "code", ind->code, where, err, errlen) != 0 ||
        s_string(entry, "name_zh", ind->name_zh, sizeof ind->name_zh, where, err, errlen) != 0 ||
        s_string(entry, "name_en", ind->name_en, sizeof ind->name_en, where, err, errlen) != 0 ||
        s_string(entry, "unit", ind->unit, sizeof ind->unit, where, err, errlen) != 0 ||
        s_string(entry, "direction", ind->direction, sizeof ind->direction, where, err, errlen) !=
            0 ||
        s_choice(ind->direction, directions, where, "direction", err, errlen) != 0 ||
        s_string(entry, "kind", ind->kind, sizeof ind->kind, where, err, errlen) != 0 ||
        s_choice(ind->kind, kinds, where, "kind", err, errlen) != 0 ||
        s_string(entry, "aggregation", ind->aggregation, sizeof ind->aggregation, where, err,
                 errlen) != 0 ||
        s_choice(ind->aggregation, aggregations, where, "aggregation", err, errlen) != 0 ||
        s_code(entry, "category", ind->category, where, err, errlen) != 0 ||
        s_string(entry, "source", ind->source, sizeof ind->source, where, err, errlen) != 0) {
        return -1;
    }
    return s_load_baseline(ind, entry, where, err, errlen) != 0 ||
                   s_load_counts(ind, entry, where, err, errlen) != 0
               ? -1
               : 0;
}

static int s_load_indicators(talent_codes_t *self, const cJSON *root, char *err, size_t errlen)
{
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(root, "indicators");
    if (!cJSON_IsArray(list)) {
        return sti_errf(err, errlen, "indicators: %s", list ? "must be an array" : "missing");
    }
    int size = cJSON_GetArraySize(list);
    if (size > TALENT_INDICATORS_MAX) {
        return sti_errf(err, errlen, "indicators: at most %d entries", TALENT_INDICATORS_MAX);
    }
    for (int i = 0; i < size; i++) {
        char where[48];
        snprintf(where, sizeof where, "indicators[%d]", i);
        talent_indicator_t *ind = &self->indicators[i];
        if (s_load_indicator(ind, cJSON_GetArrayItem(list, i), where, err, errlen) != 0) {
            return -1;
        }
        for (size_t j = 0; j < self->indicator_count; j++) {
            if (strcmp(self->indicators[j].code, ind->code) == 0) {
                return sti_errf(err, errlen, "%s.code: '%s' appears twice", where, ind->code);
            }
        }
        self->indicator_count++;
    }
    return 0;
}

//  Reads the codes from a parsed talent.json (root an object). Deletes root.
//  Returns a new catalog, or NULL with err.
static talent_codes_t *s_read(cJSON *root, char *err, size_t errlen)
{
    static const char *const keys[] = {"about", "levels", "fields", "channels", "indicators", NULL};
    talent_codes_t *self = calloc(1, sizeof *self);
    assert(self);
    int rc = s_only_keys(root, keys, "talent.json", err, errlen);
    for (int kind = 0; kind < TALENT_KIND_COUNT && rc == 0; kind++) {
        rc = s_load_list(self, root, (talent_code_kind_t)kind, err, errlen);
    }
    if (rc == 0) {
        rc = s_load_indicators(self, root, err, errlen);
    }
    cJSON_Delete(root);
    if (rc != 0) {
        talent_codes_destroy(&self);
    }
    return self;
}

talent_codes_t *talent_codes_parse(const char *text, size_t len, char *err, size_t errlen)
{
    assert(text);
    if (len > TALENT_CODES_FILE_MAX) {
        sti_errf(err, errlen, "larger than %d bytes", TALENT_CODES_FILE_MAX);
        return NULL;
    }
    cJSON *root = cJSON_ParseWithLength(text, len);
    if (!root || !cJSON_IsObject(root)) {
        sti_errf(err, errlen, "not a JSON object");
        cJSON_Delete(root);
        return NULL;
    }
    return s_read(root, err, errlen);
}

talent_codes_t *talent_codes_decode(const void *data, size_t size, char *err, size_t errlen)
{
    assert(data);
    if (size > TALENT_CODES_FILE_MAX) {
        sti_errf(err, errlen, "larger than %d bytes", TALENT_CODES_FILE_MAX);
        return NULL;
    }
    char reason[160];
    sti_reader_t *reader = sti_reader_new(data, size, NULL, reason, sizeof reason);
    if (!reader || sti_node_type(sti_reader_root(reader)) != STI_TYPE_MAP) {
        sti_errf(err, errlen, "%s", reader ? "not a map" : reason);
        sti_reader_destroy(&reader);
        return NULL;
    }
    cJSON *root = sti_json_from_node(sti_reader_root(reader));
    sti_reader_destroy(&reader);
    return s_read(root, err, errlen);
}

talent_codes_t *talent_codes_load(const char *path, char *err, size_t errlen)
{
    assert(path);
    FILE *file = fopen(path, "rb");
    if (!file) {
        sti_errf(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    char *text = malloc(TALENT_CODES_FILE_MAX + 1);
    assert(text);
    size_t len = fread(text, 1, TALENT_CODES_FILE_MAX + 1, file);
    bool failed = ferror(file) != 0;
    fclose(file);
    talent_codes_t *self = NULL;
    if (failed) {
        sti_errf(err, errlen, "%s: read error", path);
    } else {
        char reason[200] = "";
        self = talent_codes_parse(text, len, reason, sizeof reason);
        if (!self) {
            sti_errf(err, errlen, "%s: %s", path, reason);
        }
    }
    free(text);
    return self;
}

talent_codes_t *talent_codes_load_plan(const char *plan_dir, char *err, size_t errlen)
{
    assert(plan_dir);
    char path[4096];
    if (snprintf(path, sizeof path, "%s/talent.json", plan_dir) >= (int)sizeof path) {
        sti_errf(err, errlen, "plan directory path too long");
        return NULL;
    }
    return talent_codes_load(path, err, errlen);
}

void talent_codes_destroy(talent_codes_t **self_p)
{
    assert(self_p);
    free(*self_p);
    *self_p = NULL;
}

const char *talent_code_kind_name(talent_code_kind_t kind)
{
    assert(kind < TALENT_KIND_COUNT);
    return s_kind_names[kind];
}

size_t talent_codes_count(const talent_codes_t *self, talent_code_kind_t kind)
{
    assert(self && kind < TALENT_KIND_COUNT);
    return self->count[kind];
}

const talent_code_t *talent_codes_at(const talent_codes_t *self, talent_code_kind_t kind,
                                     size_t index)
{
    assert(self && kind < TALENT_KIND_COUNT);
    return index < self->count[kind] ? &self->codes[kind][index] : NULL;
}

const talent_code_t *talent_codes_find(const talent_codes_t *self, talent_code_kind_t kind,
                                       const char *code)
{
    assert(self && kind < TALENT_KIND_COUNT && code);
    for (size_t i = 0; i < self->count[kind]; i++) {
        if (strcmp(self->codes[kind][i].code, code) == 0) {
            return &self->codes[kind][i];
        }
    }
    return NULL;
}

int talent_codes_check(const talent_codes_t *self, talent_code_kind_t kind, const char *code,
                       char *reason, size_t cap)
{
    if (talent_codes_find(self, kind, code)) {
        return 0;
    }
    if (reason && cap > 0) {
        char list[512] = "";
        size_t used = 0;
        for (size_t i = 0; i < self->count[kind] && used < sizeof list; i++) {
            int n = snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "",
                             self->codes[kind][i].code);
            used += n > 0 ? (size_t)n : 0;
        }
        //  Echo the code only when it is plain ASCII of the code syntax.
        if (s_code_syntax(code)) {
            snprintf(reason, cap, "unknown %s '%s' (one of %s)", s_kind_names[kind], code, list);
        } else {
            snprintf(reason, cap, "unknown %s (one of %s)", s_kind_names[kind], list);
        }
    }
    return -1;
}

size_t talent_codes_indicator_count(const talent_codes_t *self)
{
    assert(self);
    return self->indicator_count;
}

const talent_indicator_t *talent_codes_indicator_at(const talent_codes_t *self, size_t index)
{
    assert(self);
    return index < self->indicator_count ? &self->indicators[index] : NULL;
}
