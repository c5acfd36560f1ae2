/*  sti_text: see sti_text.h. */
#include "sti_text.h"

#include <assert.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

const char *sti_node_text(sti_node_t node, char *buf, size_t cap)
{
    assert(buf && cap > 0);
    sti_field_error_t err;
    snprintf(buf, cap, "-");
    switch (sti_node_type(node)) {
    case STI_TYPE_BOOL: {
        bool value = false;
        sti_node_bool(node, &value, &err);
        snprintf(buf, cap, "%s", value ? "true" : "false");
        break;
    }
    case STI_TYPE_INT: {
        int64_t value = 0;
        sti_node_int(node, &value, &err);
        snprintf(buf, cap, "%" PRId64, value);
        break;
    }
    case STI_TYPE_UINT:
    case STI_TYPE_FLOAT: {
        double value = 0;
        if (sti_node_double(node, &value, &err) == 0) {
            snprintf(buf, cap, "%.10g", value);
        }
        break;
    }
    case STI_TYPE_STR: {
        const char *text = NULL;
        size_t len = 0;
        if (sti_node_str(node, STI_CODEC_MAX_STRING, &text, &len, &err) == 0) {
            snprintf(buf, cap, "%.*s", (int)(len < cap ? len : cap - 1), text);
        }
        break;
    }
    default:
        break;
    }
    return buf;
}

const char *sti_map_text(sti_node_t map, const char *key, char *buf, size_t cap)
{
    return sti_node_text(sti_node_get(map, key), buf, cap);
}
