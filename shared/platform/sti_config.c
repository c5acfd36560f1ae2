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
//  origin ("flag --port", "STI_PORT", ...).
static int s_set_text(const sti_config_entry_t *entry, void *context, const char *text,
                      const char *origin, char *err, size_t errlen)
{
    void *field = (char *)context + entry->offset;
    switch (entry->type) {
    case STI_CONFIG_STR:
        s_set_str(entry, context, text);
        return 0;
    case STI_CONFIG_INT:
        if (s_parse_int(text, (int64_t *)field) == 0) {
            return 0;
        }
        snprintf(err, errlen, "%s: '%s' is not an integer in range", origin, text ? text : "");
        return -1;
    case STI_CONFIG_BOOL:
        if (s_parse_bool(text, (bool *)field) == 0) {
            return 0;
        }
        snprintf(err, errlen, "%s: '%s' is not a bool (true/false/on/off/1/0/yes/no)", origin,
                 text ? text : "");
        return -1;
    case STI_CONFIG_DOUBLE:
        if (s_parse_double(text, (double *)field) == 0) {
            return 0;
        }
        snprintf(err, errlen, "%s: '%s' is not a number", origin, text ? text : "");
        return -1;
    }
    snprintf(err, errlen, "%s: bad type in the configuration table", origin);
    return -1;
}

//  Sets the field of entry from a JSON value of the matching type.
static int s_set_json(const sti_config_entry_t *entry, void *context, const cJSON *item,
                      const char *path, char *err, size_t errlen)
{
    void *field = (char *)context + entry->offset;
    switch (entry->type) {
    case STI_CONFIG_STR:
        if (cJSON_IsString(item) || cJSON_IsNull(item)) {
            s_set_str(entry, context, cJSON_IsNull(item) ? NULL : item->valuestring);
            return 0;
        }
        snprintf(err, errlen, "%s: key '%s' must be a string", path, entry->name);
        return -1;
    case STI_CONFIG_INT: {
        double value = cJSON_IsNumber(item) ? item->valuedouble : NAN;
        //  cJSON keeps numbers as doubles: accept exactly representable integers.
        if (isfinite(value) && value == floor(value) && value >= -9007199254740992.0 &&
            value <= 9007199254740992.0) {
            *(int64_t *)field = (int64_t)value;
            return 0;
        }
        snprintf(err, errlen, "%s: key '%s' must be an integer", path, entry->name);
        return -1;
    }
    case STI_CONFIG_BOOL:
        if (cJSON_IsBool(item)) {
            *(bool *)field = cJSON_IsTrue(item);
            return 0;
        }
        snprintf(err, errlen, "%s: key '%s' must be true or false", path, entry->name);
        return -1;
    case STI_CONFIG_DOUBLE:
        if (cJSON_IsNumber(item) && isfinite(item->valuedouble)) {
            *(double *)field = item->valuedouble;
            return 0;
        }
        snprintf(err, errlen, "%s: key '%s' must be a number", path, entry->name);
        return -1;
    }
    snprintf(err, errlen, "%s: bad type in the configuration table", path);
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
            } else if (e->type == STI_CONFIG_INT) {
                *(int64_t *)field = 0;
            } else if (e->type == STI_CONFIG_BOOL) {
                *(bool *)field = false;
            } else {
                *(double *)field = 0;
            }
        }
    }
    for (size_t p = 0; p < count; p++) {
        for (const sti_config_entry_t *e = parts[p].map; e && e->name; e++) {
            char origin[STI_CONFIG_NAME_MAX + 32];
            snprintf(origin, sizeof origin, "default of %s", e->name);
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

//  Finds --config FILE / --config=FILE and --help before "--".
//  Returns 0, 1 for help, -1 for --config without a value.
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
    if (rc == 1) {
        sti_config_usage_parts(parts, count, argv[0], stdout);
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
    switch (type) {
    case STI_CONFIG_STR:
        return "text";
    case STI_CONFIG_INT:
        return "int";
    case STI_CONFIG_BOOL:
        return "bool";
    case STI_CONFIG_DOUBLE:
        return "number";
    }
    return "?";
}

void sti_config_usage_parts(const sti_config_part_t *parts, size_t count, const char *program,
                            FILE *out)
{
    fprintf(out, "usage: %s [--config FILE] [--NAME VALUE | --NAME=VALUE]...\n\n", program);
    fprintf(out, "Settings, in rising priority: default, JSON file (--config FILE or "
                 "STI_CONFIG), environment, flag.\n\n");
    fprintf(out, "  %-26s %-22s %-26s %s\n", "flag", "environment", "default", "description");
    for (size_t p = 0; p < count; p++) {
        for (const sti_config_entry_t *e = parts[p].map; e && e->name; e++) {
            char flag[STI_CONFIG_NAME_MAX + 16] = "--";
            char var[STI_CONFIG_NAME_MAX + 8] = "STI_";
            size_t f = 2, v = 4;
            for (const char *c = e->name; *c && f + 1 < sizeof flag && v + 1 < sizeof var; c++) {
                flag[f++] = *c == '_' ? '-' : *c;
                var[v++] = (char)toupper((unsigned char)*c);
            }
            flag[f] = 0;
            var[v] = 0;
            snprintf(flag + f, sizeof flag - f, " %s", s_type_name(e->type));
            fprintf(out, "  %-26s %-22s %-26s %s\n", flag, var,
                    e->default_value ? (*e->default_value ? e->default_value : "\"\"") : "-",
                    e->description ? e->description : "");
        }
    }
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
