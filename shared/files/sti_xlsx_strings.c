/*  sti_xlsx_strings: the shared-strings table. See sti_xlsx_strings.h.

    All strings live in one growing buffer, each followed by a NUL, with an
    array of offsets: two allocations however many strings, both grown by
    doubling within the bounds.
*/
#include "sti_xlsx_strings.h"

#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sti_xlsx_part.h"

struct _sti_xlsx_strings_t {
    char *text;      // every string, each with its NUL
    size_t text_len; // bytes used in text
    size_t text_cap; // bytes allocated
    uint32_t *at;    // offset of each string in text
    size_t count;    // strings held
    size_t at_cap;   // entries allocated in at
};

sti_xlsx_strings_t *sti_xlsx_strings_new(void)
{
    sti_xlsx_strings_t *self = (sti_xlsx_strings_t *)calloc(1, sizeof *self);
    assert(self);
    return self;
}

void sti_xlsx_strings_destroy(sti_xlsx_strings_t **self_p)
{
    assert(self_p);
    sti_xlsx_strings_t *self = *self_p;
    if (self) {
        free(self->text);
        free(self->at);
        free(self);
        *self_p = NULL;
    }
}

size_t sti_xlsx_strings_count(const sti_xlsx_strings_t *self)
{
    assert(self);
    return self->count;
}

const char *sti_xlsx_strings_at(const sti_xlsx_strings_t *self, size_t index, size_t *len)
{
    assert(self && len);
    if (index >= self->count) {
        return NULL;
    }
    size_t end = index + 1 < self->count ? self->at[index + 1] : self->text_len;
    *len = end - self->at[index] - 1;
    return self->text + self->at[index];
}

//  The value of a hex digit, or -1.
static int s_hex(char c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

size_t sti_xlsx_unescape(char *text, size_t len)
{
    assert(text || len == 0);
    size_t out = 0;
    for (size_t i = 0; i < len;) {
        int h0, h1, h2, h3;
        if (i + 7 <= len && text[i] == '_' && text[i + 1] == 'x' && text[i + 6] == '_' &&
            (h0 = s_hex(text[i + 2])) >= 0 && (h1 = s_hex(text[i + 3])) >= 0 &&
            (h2 = s_hex(text[i + 4])) >= 0 && (h3 = s_hex(text[i + 5])) >= 0) {
            unsigned code = (unsigned)(h0 << 12 | h1 << 8 | h2 << 4 | h3);
            i += 7;
            if (code >= 0xD800 && code <= 0xDFFF) {
                code = 0xFFFD;
            }
            if (code == 0) {
                continue;
            } else if (code < 0x80) {
                text[out++] = (char)code;
            } else if (code < 0x800) {
                text[out++] = (char)(0xC0 | code >> 6);
                text[out++] = (char)(0x80 | (code & 0x3F));
            } else {
                text[out++] = (char)(0xE0 | code >> 12);
                text[out++] = (char)(0x80 | (code >> 6 & 0x3F));
                text[out++] = (char)(0x80 | (code & 0x3F));
            }
        } else {
            text[out++] = text[i++];
        }
    }
    if (out < len) {
        text[out] = 0;
    }
    return out;
}

//  The state of the parse: where in a string item (si) it is.
typedef struct {
    sti_xlsx_strings_t *table; // where strings go
    bool in_item;              // inside <si>
    unsigned phonetic;         // depth inside <rPh> (its text is left out)
} s_parse_t;

//  Adds the collected text as the next string. Returns 0, or -1 after failing the part.
static int s_add(sti_xlsx_part_t *part, sti_xlsx_strings_t *self)
{
    size_t len = sti_xlsx_unescape(part->text ? part->text : (char *)"", part->text_len);
    if (self->count == STI_XLSX_STRINGS_MAX) {
        sti_xlsx_part_fail(part, "more than %u shared strings", STI_XLSX_STRINGS_MAX);
        return -1;
    }
    if (self->text_len + len + 1 > STI_XLSX_STRINGS_BYTES_MAX) {
        sti_xlsx_part_fail(part, "more than %u MiB of shared strings",
                           STI_XLSX_STRINGS_BYTES_MAX >> 20);
        return -1;
    }
    if (self->count == self->at_cap) {
        self->at_cap = self->at_cap ? self->at_cap * 2 : 1024;
        self->at = (uint32_t *)realloc(self->at, self->at_cap * sizeof *self->at);
        assert(self->at);
    }
    if (self->text_len + len + 1 > self->text_cap) {
        size_t cap = self->text_cap ? self->text_cap : 16384;
        while (cap < self->text_len + len + 1) {
            cap *= 2;
        }
        self->text = (char *)realloc(self->text, cap);
        assert(self->text);
        self->text_cap = cap;
    }
    self->at[self->count++] = (uint32_t)self->text_len;
    if (len) {
        memcpy(self->text + self->text_len, part->text, len);
    }
    self->text[self->text_len + len] = 0;
    self->text_len += len + 1;
    return 0;
}

static void s_start(sti_xlsx_part_t *part, const char *name, const char **attrs)
{
    (void)attrs;
    s_parse_t *state = (s_parse_t *)part->state;
    if (part->depth == 1 && strcmp(name, "sst") != 0) {
        sti_xlsx_part_fail(part, "not a shared-strings table (it holds a '%s')", name);
    } else if (strcmp(name, "si") == 0 && part->depth == 2) {
        state->in_item = true;
        state->phonetic = 0;
        sti_xlsx_part_text_clear(part);
        snprintf(part->where, sizeof part->where, "shared string %zu", state->table->count);
    } else if (state->in_item && strcmp(name, "rPh") == 0) {
        state->phonetic++;
    } else if (state->in_item && !state->phonetic && strcmp(name, "t") == 0) {
        sti_xlsx_part_collect(part, true);
    }
}

static void s_end(sti_xlsx_part_t *part, const char *name)
{
    s_parse_t *state = (s_parse_t *)part->state;
    if (!state->in_item) {
        return;
    }
    if (strcmp(name, "t") == 0) {
        sti_xlsx_part_collect(part, false);
    } else if (strcmp(name, "rPh") == 0 && state->phonetic) {
        state->phonetic--;
    } else if (strcmp(name, "si") == 0 && part->depth == 2) {
        state->in_item = false;
        s_add(part, state->table);
    }
}

int sti_xlsx_strings_load(sti_xlsx_strings_t *self, zip_t *zip, const char *path, char *err,
                          size_t errlen)
{
    assert(self && zip && path);
    s_parse_t state = {.table = self};
    sti_xlsx_part_t part = {.path = path,
                            .on_start = s_start,
                            .on_end = s_end,
                            .state = &state,
                            .text_max = STI_XLSX_STRING_MAX};
    return sti_xlsx_part_parse(zip, &part, err, errlen) == 0 ? 0 : -1;
}
