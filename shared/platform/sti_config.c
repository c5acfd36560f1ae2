/*  sti_config: table-driven configuration. See sti_config.h.

    Loading runs in four layers, each over the one before: the defaults, the
    JSON file, the environment, the flags. Every layer writes through the same
    s_set_text / s_set_json functions, so a value is checked the same way
    whatever it came from: an int must be all digits and fit int64, a bool is
    one of true/false/on/off/1/0/yes/no, a double must be finite.

    Several tables may fill several contexts in one call
    (sti_config_load_parts): a name is looked up in each table in turn, and a
    flag or JSON key found in none of them is an error. sti_service uses this
    to merge the settings every service has with the service's own.

    Strings in a context are owned by it: loading first sets every string
    field to NULL without reading it (the context may hold garbage), and each
    later write frees the value it replaces. A failed load frees what it wrote.

    A JSON file is read whole but bounded (1 MiB); it must be one object.
*/
#include "sti_config.h"

#include <assert.h>
#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sti_quantity.h"

#define STI_CONFIG_FILE_MAX (1024 * 1024) // largest JSON file we read, bytes
#define STI_CONFIG_NAME_MAX 64            // longest setting name, bytes

//  --- one value ---

static int s_parse_int(const char *text, int64_t *out)
{
    if (!text || !*text) {
        return -1;
    }
    const char *p = text;
    if (*p == '-' || *p == '+') {
        p++;
    }
    if (!isdigit((unsigned char)*p)) {
        return -1;
    }
    errno = 0;
    char *end = NULL;
    long long value = strtoll(text, &end, 10);
    if (errno == ERANGE || *end != 0) {
        return -1;
    }
    *out = (int64_t)value;
    return 0;
}

static int s_parse_bool(const char *text, bool *out)
{
    static const char *yes[] = {"true", "on", "1", "yes"};
    static const char *no[] = {"false", "off", "0", "no"};
    for (size_t i = 0; text && i < 4; i++) {
        if (strcasecmp(text, yes[i]) == 0) {
            *out = true;
            return 0;
        }
        if (strcasecmp(text, no[i]) == 0) {
            *out = false;
            return 0;
        }
    }
    return -1;
}

static int s_parse_double(const char *text, double *out)
{
    if (!text || !*text || isspace((unsigned char)*text)) {
        return -1;
    }
    errno = 0;
    char *end = NULL;
    double value = strtod(text, &end);
    if (errno == ERANGE || *end != 0 || !isfinite(value)) {
        return -1;
    }
    *out = value;
    return 0;
}

//  Reads the text of an int64_t setting (INT, DURATION, DURATION_S, SIZE)
//  in the field's unit. Returns 0 or -1.
static int s_parse_whole(sti_config_type_t type, const char *text, int64_t *out)
{
    int64_t ms;
    switch (type) {
    case STI_CONFIG_DURATION:
        return sti_quantity_parse(STI_QUANTITY_DURATION, text, STI_QUANTITY_BARE_ONE, out);
    case STI_CONFIG_DURATION_S:
        if (sti_quantity_parse(STI_QUANTITY_DURATION, text, STI_QUANTITY_BARE_S, &ms) != 0 ||
            ms % 1000 != 0) {
            return -1;
        }
        *out = ms / 1000;
        return 0;
    case STI_CONFIG_SIZE:
        return sti_quantity_parse(STI_QUANTITY_SIZE, text, STI_QUANTITY_BARE_ONE, out);
    default:
        return s_parse_int(text, out);
    }
}

static bool s_bounded(const sti_config_entry_t *entry)
{
    return entry->min != 0 || entry->max != 0;
}

//  One bound of entry as --help writes it: "64", "1s", "16MiB".
static const char *s_bound_text(const sti_config_entry_t *entry, int64_t value, char *buf,
                                size_t cap)
{
    if (value >= 0 && (entry->type == STI_CONFIG_DURATION || entry->type == STI_CONFIG_SIZE)) {
        sti_quantity_kind_t kind =
            entry->type == STI_CONFIG_SIZE ? STI_QUANTITY_SIZE : STI_QUANTITY_DURATION;
        return sti_quantity_format(kind, value, buf, cap);
    }
    if (value >= 0 && value <= INT64_MAX / 1000 && entry->type == STI_CONFIG_DURATION_S) {
        return sti_quantity_format(STI_QUANTITY_DURATION, value * 1000, buf, cap);
    }
    snprintf(buf, cap, "%" PRId64, value);
    return buf;
}

//  "1 to 64", "0 to 1m", or "" when entry has no range.
static const char *s_range_text(const sti_config_entry_t *entry, char *buf, size_t cap)
{
    char low[STI_QUANTITY_TEXT_MAX], high[STI_QUANTITY_TEXT_MAX];
    buf[0] = 0;
    if (s_bounded(entry)) {
        snprintf(buf, cap, "%s to %s", s_bound_text(entry, entry->min, low, sizeof low),
                 s_bound_text(entry, entry->max, high, sizeof high));
    }
    return buf;
}

//  What a value of entry's type must look like, after "not ".
static const char *s_form(sti_config_type_t type)
{
    switch (type) {
    case STI_CONFIG_INT:
        return "an integer";
    case STI_CONFIG_BOOL:
        return "a bool: true/false/on/off/1/0/yes/no";
    case STI_CONFIG_DOUBLE:
        return "a number";
    case STI_CONFIG_DURATION:
        return "a duration: write 500ms, 2s, 1m, 1h or 1d (a bare number counts milliseconds)";
    case STI_CONFIG_DURATION_S:
        return "a duration of whole seconds: write 30s, 5m, 2h or 7d (a bare number counts "
               "seconds)";
    case STI_CONFIG_SIZE:
        return "a size: write 512KiB, 16MiB or 1GiB (a bare number counts bytes)";
    default:
        return "a value";
    }
}

//  "NAME is 'TEXT' (ORIGIN): not FORM[; it must be from MIN to MAX]". Returns -1.
static int s_malformed(const sti_config_entry_t *entry, const char *text, const char *origin,
                       char *err, size_t errlen)
{
    char range[2 * STI_QUANTITY_TEXT_MAX + 8];
    s_range_text(entry, range, sizeof range);
    snprintf(err, errlen, "%s is '%s' (%s): not %s%s%s", entry->name, text ? text : "", origin,
             s_form(entry->type), *range ? "; it must be from " : "", range);
    return -1;
}

//  "NAME is TEXT (ORIGIN); it must be from MIN to MAX" when value is
//  outside entry's range. Returns 0, or -1 with that in err.
static int s_in_range(const sti_config_entry_t *entry, double value, const char *text,
                      const char *origin, char *err, size_t errlen)
{
    if (!s_bounded(entry) || (value >= (double)entry->min && value <= (double)entry->max)) {
        return 0;
    }
    char range[2 * STI_QUANTITY_TEXT_MAX + 8];
    snprintf(err, errlen, "%s is %s (%s); it must be from %s", entry->name, text, origin,
             s_range_text(entry, range, sizeof range));
    return -1;
}

static void s_set_str(const sti_config_entry_t *entry, void *context, const char *text)
{
    char **field = (char **)((char *)context + entry->offset);
    free(*field);
    *field = NULL;
    if (text) {
        *field = strdup(text);
        assert(*field);
    }
}

//  Sets the field of entry from text. Returns 0, or -1 with a reason naming
//  the setting, the value, origin ("flag --port", "STI_PORT", ...) and the
//  range.
static int s_set_text(const sti_config_entry_t *entry, void *context, const char *text,
                      const char *origin, char *err, size_t errlen)
{
    void *field = (char *)context + entry->offset;
    if (entry->type == STI_CONFIG_STR) {
        s_set_str(entry, context, text);
        return 0;
    }
    if (entry->type == STI_CONFIG_BOOL) {
        return s_parse_bool(text, (bool *)field) == 0
                   ? 0
                   : s_malformed(entry, text, origin, err, errlen);
    }
    if (entry->type == STI_CONFIG_DOUBLE) {
        double number;
        if (s_parse_double(text, &number) != 0) {
            return s_malformed(entry, text, origin, err, errlen);
        }
        *(double *)field = number;
        return s_in_range(entry, number, text, origin, err, errlen);
    }
    int64_t whole;
    if (s_parse_whole(entry->type, text, &whole) != 0) {
        return s_malformed(entry, text, origin, err, errlen);
    }
    *(int64_t *)field = whole;
    return s_in_range(entry, (double)whole, text, origin, err, errlen);
}

//  Sets the field of entry from a JSON value of the matching type: a number
//  for a number, a duration or a size (a bare number), or a string that
//  reads as a duration or a size.
static int s_set_json(const sti_config_entry_t *entry, void *context, const cJSON *item,
                      const char *path, char *err, size_t errlen)
{
    char origin[STI_CONFIG_NAME_MAX + 1024];
    snprintf(origin, sizeof origin, "config file %s", path);
    void *field = (char *)context + entry->offset;
    const char *want = "a number";
    char text[64];
    switch (entry->type) {
    case STI_CONFIG_STR:
        if (cJSON_IsString(item) || cJSON_IsNull(item)) {
            s_set_str(entry, context, cJSON_IsNull(item) ? NULL : item->valuestring);
            return 0;
        }
        want = "a string";
        break;
    case STI_CONFIG_BOOL:
        if (cJSON_IsBool(item)) {
            *(bool *)field = cJSON_IsTrue(item);
            return 0;
        }
        want = "true or false";
        break;
    case STI_CONFIG_DOUBLE:
        if (cJSON_IsNumber(item) && isfinite(item->valuedouble)) {
            *(double *)field = item->valuedouble;
            snprintf(text, sizeof text, "%g", item->valuedouble);
            return s_in_range(entry, item->valuedouble, text, origin, err, errlen);
        }
        break;
    default: {
        if (cJSON_IsString(item) && entry->type != STI_CONFIG_INT) {
            return s_set_text(entry, context, item->valuestring, origin, err, errlen);
        }
        double value = cJSON_IsNumber(item) ? item->valuedouble : NAN;
        //  cJSON keeps numbers as doubles: accept exactly representable integers.
        if (isfinite(value) && value == floor(value) && value >= -9007199254740992.0 &&
            value <= 9007199254740992.0) {
            *(int64_t *)field = (int64_t)value;
            snprintf(text, sizeof text, "%" PRId64, (int64_t)value);
            return s_in_range(entry, value, text, origin, err, errlen);
        }
        want = entry->type == STI_CONFIG_INT ? "an integer" : "a whole number or a string";
        break;
    }
    }
    snprintf(err, errlen, "%s: key '%s' must be %s", path, entry->name, want);
    return -1;
}

//  --- tables ---

//  Finds a setting by name in every part; name may use '-' for '_'.
//  Returns the entry and sets *context_p, or NULL.
static const sti_config_entry_t *s_find(const sti_config_part_t *parts, size_t count,
                                        const char *name, size_t len, void **context_p)
{
    for (size_t p = 0; p < count; p++) {
        for (const sti_config_entry_t *e = parts[p].map; e && e->name; e++) {
            size_t i = 0;
            for (; i < len && e->name[i]; i++) {
                char c = name[i] == '-' ? '_' : name[i];
                if (c != e->name[i]) {
                    break;
                }
            }
            if (i == len && e->name[i] == 0) {
                *context_p = parts[p].context;
                return e;
            }
        }
    }
    return NULL;
}

static int s_defaults(const sti_config_part_t *parts, size_t count, char *err, size_t errlen)
{
    for (size_t p = 0; p < count; p++) {
        for (const sti_config_entry_t *e = parts[p].map; e && e->name; e++) {
            void *field = (char *)parts[p].context + e->offset;
            if (e->type == STI_CONFIG_STR) {
                *(char **)field = NULL;
            } else if (e->type == STI_CONFIG_BOOL) {
                *(bool *)field = false;
            } else if (e->type == STI_CONFIG_DOUBLE) {
                *(double *)field = 0;
            } else {
                *(int64_t *)field = 0;
            }
        }
    }
    for (size_t p = 0; p < count; p++) {
        for (const sti_config_entry_t *e = parts[p].map; e && e->name; e++) {
            char origin[STI_CONFIG_NAME_MAX + 32];
            snprintf(origin, sizeof origin, "the default");
            if (e->default_value &&
                s_set_text(e, parts[p].context, e->default_value, origin, err, errlen) != 0) {
                return -1;
            }
        }
    }
    return 0;
}

//  --- the JSON file ---

static char *s_read_file(const char *path, char *err, size_t errlen)
{
    FILE *file = fopen(path, "rb");
    if (!file) {
        snprintf(err, errlen, "config file %s: %s", path, strerror(errno));
        return NULL;
    }
    char *text = malloc(STI_CONFIG_FILE_MAX + 1);
    assert(text);
    size_t size = fread(text, 1, STI_CONFIG_FILE_MAX + 1, file);
    bool failed = ferror(file);
    fclose(file);
    if (failed || size > STI_CONFIG_FILE_MAX) {
        snprintf(err, errlen, "config file %s: %s", path,
                 failed ? "cannot be read" : "larger than 1 MiB");
        free(text);
        return NULL;
    }
    text[size] = 0;
    return text;
}

static int s_load_file(const sti_config_part_t *parts, size_t count, const char *path, char *err,
                       size_t errlen)
{
    char *text = s_read_file(path, err, errlen);
    if (!text) {
        return -1;
    }
    cJSON *root = cJSON_Parse(text);
    free(text);
    if (!cJSON_IsObject(root)) {
        snprintf(err, errlen, "config file %s: %s", path,
                 root ? "must hold one JSON object" : "is not valid JSON");
        cJSON_Delete(root);
        return -1;
    }
    int rc = 0;
    for (const cJSON *item = root->child; item && rc == 0; item = item->next) {
        void *context = NULL;
        const char *key = item->string ? item->string : "";
        const sti_config_entry_t *entry =
            strchr(key, '-') ? NULL : s_find(parts, count, key, strlen(key), &context);
        if (!entry) {
            snprintf(err, errlen, "config file %s: unknown key '%s'", path, key);
            rc = -1;
        } else {
            rc = s_set_json(entry, context, item, path, err, errlen);
        }
    }
    cJSON_Delete(root);
    return rc;
}

//  --- the environment ---

static int s_load_env(const sti_config_part_t *parts, size_t count, char *err, size_t errlen)
{
    for (size_t p = 0; p < count; p++) {
        for (const sti_config_entry_t *e = parts[p].map; e && e->name; e++) {
            char var[STI_CONFIG_NAME_MAX + 8] = "STI_";
            size_t n = 4;
            for (const char *c = e->name; *c && n + 1 < sizeof var; c++) {
                var[n++] = (char)toupper((unsigned char)*c);
            }
            var[n] = 0;
            const char *value = getenv(var);
            if (value && s_set_text(e, parts[p].context, value, var, err, errlen) != 0) {
                return -1;
            }
        }
    }
    return 0;
}

//  --- flags ---

//  Finds --config FILE / --config=FILE, --help and --describe-config before
//  "--". Returns 0, 1 for help, 2 for describe, -1 for --config without a
//  value.
static int s_prescan(int argc, char **argv, const char **file_p, char *err, size_t errlen)
{
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--") == 0) {
            break;
        }
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            return 1;
        }
        if (strcmp(arg, "--describe-config") == 0) {
            return 2;
        }
        if (strncmp(arg, "--config=", 9) == 0) {
            *file_p = arg + 9;
        } else if (strcmp(arg, "--config") == 0) {
            if (i + 1 >= argc) {
                snprintf(err, errlen, "flag --config needs a file");
                return -1;
            }
            *file_p = argv[++i];
        }
    }
    return 0;
}

//  Applies one flag at argv[*i]; advances *i past a value it consumed.
static int s_flag(const sti_config_part_t *parts, size_t count, int argc, char **argv, int *i,
                  char *err, size_t errlen)
{
    const char *arg = argv[*i] + 2;
    const char *eq = strchr(arg, '=');
    size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
    if (len == 6 && strncmp(arg, "config", 6) == 0) {
        *i += eq ? 0 : 1; // read by s_prescan
        return 0;
    }
    void *context = NULL;
    //  Flags spell names with dashes only: --http-addr, never --http_addr.
    const sti_config_entry_t *entry =
        memchr(arg, '_', len) ? NULL : s_find(parts, count, arg, len, &context);
    if (!entry) {
        snprintf(err, errlen, "unknown flag --%.*s", (int)len, arg);
        return -1;
    }
    char origin[STI_CONFIG_NAME_MAX + 16];
    snprintf(origin, sizeof origin, "flag --%.*s", (int)len, arg);
    if (eq) {
        return s_set_text(entry, context, eq + 1, origin, err, errlen);
    }
    bool flag_value;
    if (entry->type == STI_CONFIG_BOOL &&
        (*i + 1 >= argc || s_parse_bool(argv[*i + 1], &flag_value) != 0)) {
        //  A bare bool flag means true; it consumes a following word only
        //  when that word is a bool.
        *(bool *)((char *)context + entry->offset) = true;
        return 0;
    }
    if (*i + 1 >= argc) {
        snprintf(err, errlen, "%s needs a value", origin);
        return -1;
    }
    *i += 1;
    return s_set_text(entry, context, argv[*i], origin, err, errlen);
}

//  Applies every flag and compacts argv to the program and the positionals.
static int s_load_flags(const sti_config_part_t *parts, size_t count, int *argc_p, char **argv,
                        char *err, size_t errlen)
{
    int argc = *argc_p, kept = 1;
    bool flags_done = false;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (!flags_done && strcmp(arg, "--") == 0) {
            flags_done = true;
        } else if (!flags_done && strncmp(arg, "--", 2) == 0) {
            if (s_flag(parts, count, argc, argv, &i, err, errlen) != 0) {
                return -1;
            }
        } else if (!flags_done && arg[0] == '-' && arg[1] != 0) {
            snprintf(err, errlen, "unknown flag %s", arg);
            return -1;
        } else {
            argv[kept++] = argv[i];
        }
    }
    if (kept < argc) {
        argv[kept] = NULL;
    }
    *argc_p = kept;
    return 0;
}

//  --- public ---

int sti_config_load_parts(const sti_config_part_t *parts, size_t count, int *argc_p, char **argv,
                          char *err, size_t errlen)
{
    assert(parts && argc_p && argv && err && errlen > 0);
    err[0] = 0;
    const char *file = getenv("STI_CONFIG");
    int rc = s_defaults(parts, count, err, errlen);
    if (rc == 0) {
        rc = s_prescan(*argc_p, argv, &file, err, errlen);
    }
    if (rc == 1 || rc == 2) {
        if (rc == 1) {
            sti_config_usage_parts(parts, count, argv[0], stdout);
        } else {
            sti_config_describe_parts(parts, count, argv[0], stdout);
        }
        return 1;
    }
    if (rc == 0 && file && *file) {
        rc = s_load_file(parts, count, file, err, errlen);
    }
    if (rc == 0) {
        rc = s_load_env(parts, count, err, errlen);
    }
    if (rc == 0) {
        rc = s_load_flags(parts, count, argc_p, argv, err, errlen);
    }
    if (rc != 0) {
        for (size_t p = 0; p < count; p++) {
            sti_config_free(parts[p].map, parts[p].context);
        }
        return -1;
    }
    return 0;
}

int sti_config_load(const sti_config_entry_t *map, void *context, int *argc_p, char **argv,
                    char *err, size_t errlen)
{
    sti_config_part_t part = {map, context};
    return sti_config_load_parts(&part, 1, argc_p, argv, err, errlen);
}

static const char *s_type_name(sti_config_type_t type)
{
    static const char *const names[] = {"text",     "int",        "bool", "number",
                                        "duration", "duration_s", "size"};
    return (size_t)type < sizeof names / sizeof names[0] ? names[type] : "?";
}

//  The flag ("--http-addr") and the variable ("STI_HTTP_ADDR") of entry.
static void s_names(const sti_config_entry_t *entry, char *flag, size_t flag_cap, char *var,
                    size_t var_cap)
{
    size_t f = 2, v = 4;
    snprintf(flag, flag_cap, "--");
    snprintf(var, var_cap, "STI_");
    for (const char *c = entry->name; *c && f + 1 < flag_cap && v + 1 < var_cap; c++) {
        flag[f++] = *c == '_' ? '-' : *c;
        var[v++] = (char)toupper((unsigned char)*c);
    }
    flag[f] = 0;
    var[v] = 0;
}

void sti_config_usage_parts(const sti_config_part_t *parts, size_t count, const char *program,
                            FILE *out)
{
    fprintf(out, "usage: %s [--config FILE] [--NAME VALUE | --NAME=VALUE]...\n\n", program);
    fprintf(out, "Settings, in rising priority: default, JSON file (--config FILE or "
                 "STI_CONFIG), environment, flag.\n"
                 "A duration is 500ms, 2s, 1m, 1h or 1d (a bare number counts milliseconds, "
                 "seconds for duration_s);\na size is 512KiB, 16MiB or 1GiB (a bare number "
                 "counts bytes). A value outside its (range) is refused.\n\n");
    fprintf(out, "  %-32s %-26s %-14s %s\n", "flag", "environment", "default", "description");
    for (size_t p = 0; p < count; p++) {
        for (const sti_config_entry_t *e = parts[p].map; e && e->name; e++) {
            char flag[STI_CONFIG_NAME_MAX + 16], var[STI_CONFIG_NAME_MAX + 8];
            char range[2 * STI_QUANTITY_TEXT_MAX + 8];
            s_names(e, flag, sizeof flag, var, sizeof var);
            size_t f = strlen(flag);
            snprintf(flag + f, sizeof flag - f, " %s", s_type_name(e->type));
            s_range_text(e, range, sizeof range);
            fprintf(out, "  %-32s %-26s %-14s %s%s%s%s\n", flag, var,
                    e->default_value ? (*e->default_value ? e->default_value : "\"\"") : "-",
                    e->description ? e->description : "", *range ? " (" : "", range,
                    *range ? ")" : "");
        }
    }
}

//  One entry as a JSON object (sti_config_describe_parts).
static cJSON *s_describe_entry(const sti_config_entry_t *entry)
{
    char flag[STI_CONFIG_NAME_MAX + 16], var[STI_CONFIG_NAME_MAX + 8];
    char range[2 * STI_QUANTITY_TEXT_MAX + 8];
    s_names(entry, flag, sizeof flag, var, sizeof var);
    cJSON *json = cJSON_CreateObject();
    cJSON_AddStringToObject(json, "name", entry->name);
    cJSON_AddStringToObject(json, "flag", flag);
    cJSON_AddStringToObject(json, "env", var);
    cJSON_AddStringToObject(json, "type", s_type_name(entry->type));
    if (entry->default_value) {
        cJSON_AddStringToObject(json, "default", entry->default_value);
    } else {
        cJSON_AddNullToObject(json, "default");
    }
    if (s_bounded(entry)) {
        cJSON_AddNumberToObject(json, "min", (double)entry->min);
        cJSON_AddNumberToObject(json, "max", (double)entry->max);
        cJSON_AddStringToObject(json, "range", s_range_text(entry, range, sizeof range));
    }
    cJSON_AddStringToObject(json, "description", entry->description ? entry->description : "");
    return json;
}

void sti_config_describe_parts(const sti_config_part_t *parts, size_t count, const char *program,
                               FILE *out)
{
    cJSON *root = cJSON_CreateObject();
    const char *slash = program ? strrchr(program, '/') : NULL;
    cJSON_AddStringToObject(root, "program", slash ? slash + 1 : program ? program : "");
    cJSON *settings = cJSON_AddArrayToObject(root, "settings");
    for (size_t p = 0; p < count; p++) {
        for (const sti_config_entry_t *e = parts[p].map; e && e->name; e++) {
            cJSON_AddItemToArray(settings, s_describe_entry(e));
        }
    }
    char *text = cJSON_Print(root);
    assert(text);
    fprintf(out, "%s\n", text);
    cJSON_free(text);
    cJSON_Delete(root);
}

void sti_config_usage(const sti_config_entry_t *map, const char *program, FILE *out)
{
    sti_config_part_t part = {map, NULL};
    sti_config_usage_parts(&part, 1, program, out);
}

void sti_config_free(const sti_config_entry_t *map, void *context)
{
    for (const sti_config_entry_t *e = map; context && e && e->name; e++) {
        if (e->type == STI_CONFIG_STR) {
            char **field = (char **)((char *)context + e->offset);
            free(*field);
            *field = NULL;
        }
    }
}
