/*  sti_json: see sti_json.h. */
#include "sti_json.h"

#include <assert.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  A string node as a new NUL-terminated copy (caller frees), or NULL.
static char *s_string(sti_node_t node)
{
    const char *text = NULL;
    size_t len = 0;
    sti_field_error_t err;
    if (sti_node_str(node, STI_CODEC_MAX_STRING, &text, &len, &err) != 0) {
        return NULL;
    }
    char *copy = (char *)malloc(len + 1);
    assert(copy);
    memcpy(copy, text, len);
    copy[len] = 0;
    return copy;
}

//  A binary node as a new JSON hex string (null if it is not binary).
static cJSON *s_hex(sti_node_t node)
{
    const void *data = NULL;
    size_t len = 0;
    sti_field_error_t err;
    if (sti_node_bin(node, &data, &len, &err) != 0) {
        return cJSON_CreateNull();
    }
    char *hex = (char *)malloc(2 * len + 1);
    assert(hex);
    for (size_t i = 0; i < len; i++) {
        snprintf(hex + 2 * i, 3, "%02x", ((const unsigned char *)data)[i]);
    }
    hex[2 * len] = 0;
    cJSON *json = cJSON_CreateString(hex);
    free(hex);
    return json;
}

//  The text of a scalar map key that is not a string.
static char *s_key_text(sti_node_t key)
{
    char text[64] = "-";
    sti_field_error_t err;
    int64_t number;
    double value;
    if (sti_node_int(key, &number, &err) == 0) {
        snprintf(text, sizeof text, "%lld", (long long)number);
    } else if (sti_node_double(key, &value, &err) == 0) {
        snprintf(text, sizeof text, "%.10g", value);
    }
    char *copy = strdup(text);
    assert(copy);
    return copy;
}

//  A map node as a new JSON object; keys that are not strings become their text.
static cJSON *s_map(sti_node_t node)
{
    cJSON *object = cJSON_CreateObject();
    size_t count = sti_node_size(node);
    for (size_t i = 0; i < count; i++) {
        sti_node_t key = sti_node_key_at(node, i);
        char *name = s_string(key);
        if (!name) {
            name = s_key_text(key);
        }
        cJSON_AddItemToObject(object, name, sti_json_from_node(sti_node_value_at(node, i)));
        free(name);
    }
    return object;
}

cJSON *sti_json_from_node(sti_node_t node)
{
    sti_field_error_t err;
    switch (sti_node_type(node)) {
    case STI_TYPE_BOOL: {
        bool value = false;
        sti_node_bool(node, &value, &err);
        return cJSON_CreateBool(value);
    }
    case STI_TYPE_INT:
    case STI_TYPE_UINT:
    case STI_TYPE_FLOAT: {
        double value = 0;
        if (sti_node_double(node, &value, &err) != 0) {
            return cJSON_CreateNull(); // NaN or an infinity: JSON has neither
        }
        return cJSON_CreateNumber(value);
    }
    case STI_TYPE_STR: {
        char *text = s_string(node);
        cJSON *json = text ? cJSON_CreateString(text) : cJSON_CreateNull();
        free(text);
        return json;
    }
    case STI_TYPE_BIN:
        return s_hex(node);
    case STI_TYPE_ARRAY: {
        cJSON *array = cJSON_CreateArray();
        for (size_t i = 0; i < sti_node_size(node); i++) {
            cJSON_AddItemToArray(array, sti_json_from_node(sti_node_at(node, i)));
        }
        return array;
    }
    case STI_TYPE_MAP:
        return s_map(node);
    default:
        return cJSON_CreateNull();
    }
}

//  --- from JSON ---

static int s_write(const cJSON *json, sti_writer_t *writer, unsigned depth, char *err,
                   size_t errlen);

//  Counts an array's or object's children, within the codec's limit.
static int s_children(const cJSON *json, size_t *count, char *err, size_t errlen)
{
    *count = 0;
    for (const cJSON *child = json->child; child; child = child->next) {
        if (++*count > STI_CODEC_MAX_ITEMS) {
            snprintf(err, errlen, "more than %u elements in one array or object",
                     STI_CODEC_MAX_ITEMS);
            return -1;
        }
    }
    return 0;
}

static int s_write_string(const char *text, sti_writer_t *writer, char *err, size_t errlen)
{
    size_t len = strlen(text);
    if (len > STI_CODEC_MAX_STRING) {
        snprintf(err, errlen, "a string longer than %u bytes", STI_CODEC_MAX_STRING);
        return -1;
    }
    sti_writer_str(writer, text);
    return 0;
}

static int s_write(const cJSON *json, sti_writer_t *writer, unsigned depth, char *err,
                   size_t errlen)
{
    if (depth > STI_CODEC_MAX_DEPTH) {
        snprintf(err, errlen, "nested deeper than %u", STI_CODEC_MAX_DEPTH);
        return -1;
    }
    size_t count;
    if (cJSON_IsNull(json)) {
        sti_writer_nil(writer);
    } else if (cJSON_IsBool(json)) {
        sti_writer_bool(writer, cJSON_IsTrue(json));
    } else if (cJSON_IsNumber(json)) {
        double value = json->valuedouble;
        if (isfinite(value) && value == floor(value) && value >= -9.2e18 && value <= 9.2e18) {
            sti_writer_int(writer, (int64_t)value);
        } else {
            sti_writer_double(writer, value);
        }
    } else if (cJSON_IsString(json)) {
        return s_write_string(json->valuestring, writer, err, errlen);
    } else if (cJSON_IsArray(json)) {
        if (s_children(json, &count, err, errlen) != 0) {
            return -1;
        }
        sti_writer_array(writer, count);
        for (const cJSON *child = json->child; child; child = child->next) {
            if (s_write(child, writer, depth + 1, err, errlen) != 0) {
                return -1;
            }
        }
    } else if (cJSON_IsObject(json)) {
        if (s_children(json, &count, err, errlen) != 0) {
            return -1;
        }
        sti_writer_map(writer, count);
        for (const cJSON *child = json->child; child; child = child->next) {
            if (s_write_string(child->string ? child->string : "", writer, err, errlen) != 0 ||
                s_write(child, writer, depth + 1, err, errlen) != 0) {
                return -1;
            }
        }
    } else {
        snprintf(err, errlen, "not a JSON value");
        return -1;
    }
    return 0;
}

int sti_json_to_writer(const cJSON *json, sti_writer_t *writer, char *err, size_t errlen)
{
    assert(json && writer && err);
    return s_write(json, writer, 0, err, errlen);
}

//  The deepest nesting of text and its number of elements (the commas and
//  colons outside strings, plus one per container), counted without
//  parsing, so that cJSON (which recurses, and takes memory for every
//  element) never sees a text nested or grown beyond the limits.
static unsigned s_depth(const char *text, size_t len, size_t *elements)
{
    unsigned depth = 0, deepest = 0;
    bool in_string = false;
    *elements = 0;
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        if (in_string) {
            if (c == '\\') {
                i++;
            } else if (c == '"') {
                in_string = false;
            }
        } else if (c == '"') {
            in_string = true;
        } else if (c == '[' || c == '{') {
            deepest = ++depth > deepest ? depth : deepest;
            ++*elements;
        } else if ((c == ']' || c == '}') && depth > 0) {
            depth--;
        } else if (c == ',' || c == ':') {
            ++*elements;
        }
    }
    return deepest;
}

int sti_json_text_to_writer(const char *text, size_t len, sti_writer_t *writer, char *err,
                            size_t errlen)
{
    assert(text && writer && err);
    if (len > STI_CODEC_MAX_SIZE) {
        snprintf(err, errlen, "JSON longer than %u bytes", STI_CODEC_MAX_SIZE);
        return -1;
    }
    size_t elements = 0;
    if (s_depth(text, len, &elements) > STI_CODEC_MAX_DEPTH + 1) {
        snprintf(err, errlen, "nested deeper than %u", STI_CODEC_MAX_DEPTH);
        return -1;
    }
    if (elements > 16 * (size_t)STI_CODEC_MAX_ITEMS) {
        snprintf(err, errlen, "more than %u elements in all", 16 * STI_CODEC_MAX_ITEMS);
        return -1;
    }
    const char *end = NULL;
    cJSON *json = cJSON_ParseWithLengthOpts(text, len, &end, 0);
    if (!json) {
        snprintf(err, errlen, "not valid JSON (near byte %zu)",
                 end && end >= text ? (size_t)(end - text) : (size_t)0);
        return -1;
    }
    int rc = sti_json_to_writer(json, writer, err, errlen);
    cJSON_Delete(json);
    return rc;
}
