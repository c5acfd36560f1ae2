/*  stictl output helpers: MessagePack replies as JSON (--json, through
    sti_json), scalars as table text, and the display width of UTF-8 text so
    tables holding Chinese names line up on a terminal.

    Display width follows Unicode's East Asian Width (wide and fullwidth
    ranges take 2 columns) with combining marks taking none; it is computed
    here rather than with wcwidth(3) so the result does not depend on the
    locale stictl runs under.
*/
#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sti_json.h"
#include "sti_text.h"
#include "stictl.h"

cJSON *stictl_json_from_node(sti_node_t node)
{
    return sti_json_from_node(node);
}

void stictl_json_print(cJSON **json_p)
{
    assert(json_p);
    if (*json_p) {
        char *text = cJSON_PrintUnformatted(*json_p);
        assert(text);
        puts(text);
        cJSON_free(text);
        cJSON_Delete(*json_p);
        *json_p = NULL;
    }
}

const char *stictl_node_text(sti_node_t node, char *buf, size_t cap)
{
    return sti_node_text(node, buf, cap);
}

const char *stictl_map_text(sti_node_t map, const char *key, char *buf, size_t cap)
{
    return sti_map_text(map, key, buf, cap);
}

//  Decodes one UTF-8 character at text; sets *len to its bytes (1 for a
//  broken byte, which then counts as one column).
static uint32_t s_codepoint(const unsigned char *text, size_t *len)
{
    unsigned char c = text[0];
    size_t need = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (need <= 1) {
        *len = 1;
        return c;
    }
    uint32_t code = c & (0x7F >> need);
    for (size_t i = 1; i < need; i++) {
        if ((text[i] & 0xC0) != 0x80) {
            *len = 1;
            return 0xFFFD;
        }
        code = (code << 6) | (text[i] & 0x3F);
    }
    *len = need;
    return code;
}

//  The display columns of one code point: 0, 1 or 2.
static size_t s_columns(uint32_t code)
{
    static const uint32_t wide[][2] = {
        {0x1100, 0x115F},   {0x2E80, 0x303E},   {0x3041, 0x33FF},   {0x3400, 0x4DBF},
        {0x4E00, 0x9FFF},   {0xA000, 0xA4CF},   {0xAC00, 0xD7A3},   {0xF900, 0xFAFF},
        {0xFE30, 0xFE4F},   {0xFF00, 0xFF60},   {0xFFE0, 0xFFE6},   {0x1F300, 0x1F64F},
        {0x1F900, 0x1F9FF}, {0x20000, 0x2FFFD}, {0x30000, 0x3FFFD},
    };
    if ((code >= 0x0300 && code <= 0x036F) || code == 0x200B ||
        (code >= 0xFE00 && code <= 0xFE0F)) {
        return 0;
    }
    for (size_t i = 0; i < sizeof wide / sizeof wide[0]; i++) {
        if (code >= wide[i][0] && code <= wide[i][1]) {
            return 2;
        }
    }
    return 1;
}

size_t stictl_text_width(const char *text)
{
    size_t width = 0, len = 0;
    for (const unsigned char *p = (const unsigned char *)text; *p; p += len) {
        width += s_columns(s_codepoint(p, &len));
        for (size_t i = 1; i < len; i++) {
            if (!p[i]) {
                return width; // a cut character at the end
            }
        }
    }
    return width;
}

void stictl_print_padded(FILE *out, const char *text, size_t width)
{
    size_t have = stictl_text_width(text);
    fputs(text, out);
    for (; have < width; have++) {
        fputc(' ', out);
    }
}

const char *stictl_events_sent(sti_node_t body, char *buf, size_t cap)
{
    static const char *const keys[][2] = {{"events", "progress"}, {"forecast_events", "forecast"}};
    size_t len = 0;
    buf[0] = '\0';
    for (int k = 0; k < 2; k++) {
        int64_t n = 0;
        sti_field_error_t err;
        if (sti_map_int(body, keys[k][0], &n, &err) == 0 && n > 0 && len < cap) {
            len += (size_t)snprintf(buf + len, cap - len, ", %lld %s event%s", (long long)n,
                                    keys[k][1], n == 1 ? "" : "s");
        }
    }
    return buf;
}

void stictl_print_grid(const char *const *heads, int columns, sti_node_t rows, stictl_cell_fn *cell,
                       const void *ctx)
{
    char text[1024]; // a cell (a name, a number with its period)
    size_t count = sti_node_size(rows);
    size_t *width = (size_t *)calloc((size_t)columns, sizeof *width);
    assert(width);
    for (int k = 0; k < columns; k++) {
        width[k] = stictl_text_width(heads[k]);
        for (size_t i = 0; i < count; i++) {
            size_t w = stictl_text_width(cell(ctx, sti_node_at(rows, i), k, text, sizeof text));
            width[k] = w > width[k] ? w : width[k];
        }
    }
    for (int k = 0; k < columns; k++) {
        stictl_print_padded(stdout, heads[k], k + 1 < columns ? width[k] + 2 : 0);
    }
    putchar('\n');
    for (size_t i = 0; i < count; i++) {
        for (int k = 0; k < columns; k++) {
            stictl_print_padded(stdout, cell(ctx, sti_node_at(rows, i), k, text, sizeof text),
                                k + 1 < columns ? width[k] + 2 : 0);
        }
        putchar('\n');
    }
    free(width);
}

char *stictl_text_fit(char *text, size_t width)
{
    if (stictl_text_width(text) <= width || width == 0) {
        return text;
    }
    size_t used = 0, len = 0;
    unsigned char *p = (unsigned char *)text;
    for (; *p; p += len) {
        size_t columns = s_columns(s_codepoint(p, &len));
        if (used + columns > width - 1) {
            break;
        }
        used += columns;
    }
    //  "…" takes 3 bytes: step back over whole characters until it fits.
    size_t at = (size_t)((char *)p - text), total = strlen(text);
    while (at > 0 && at + 3 > total) {
        at--;
        while (at > 0 && ((unsigned char)text[at] & 0xC0) == 0x80) {
            at--;
        }
    }
    if (at + 3 <= total) {
        memcpy(text + at, "\xE2\x80\xA6", 4);
    }
    return text;
}

int stictl_parse_int(const char *text, long long min, long long max, long long *out)
{
    char *end = NULL;
    errno = 0;
    long long value = strtoll(text, &end, 10);
    if (errno || !*text || *end || value < min || value > max) {
        return -1;
    }
    *out = value;
    return 0;
}

const char *stictl_map_with(sti_node_t map, const char *key, const char *when, char *buf,
                            size_t cap)
{
    char value[64], at[32];
    sti_node_t node = sti_node_get(map, key);
    if (sti_node_is_missing(node) || sti_node_type(node) == STI_TYPE_NIL) {
        snprintf(buf, cap, "-");
    } else {
        snprintf(buf, cap, "%s (%s)", stictl_map_text(map, key, value, sizeof value),
                 stictl_map_text(map, when, at, sizeof at));
    }
    return buf;
}
