/*  sti_xlsx_styles: what each cell style shows. See sti_xlsx_styles.h.

    The custom formats (numFmts) come before the cell styles (cellXfs) in a
    styles part, as the schema orders them, so each style's format is looked
    up as the style is read; the formats are then dropped.
*/
#include "sti_xlsx_styles.h"

#include <assert.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sti_xlsx_format.h"
#include "sti_xlsx_part.h"

struct _sti_xlsx_styles_t {
    unsigned *shows; // what each cell style shows
    size_t count;    // entries of shows
};

sti_xlsx_styles_t *sti_xlsx_styles_new(void)
{
    sti_xlsx_styles_t *self = (sti_xlsx_styles_t *)calloc(1, sizeof *self);
    assert(self);
    return self;
}

void sti_xlsx_styles_destroy(sti_xlsx_styles_t **self_p)
{
    assert(self_p);
    sti_xlsx_styles_t *self = *self_p;
    if (self) {
        free(self->shows);
        free(self);
        *self_p = NULL;
    }
}

unsigned sti_xlsx_styles_shows(const sti_xlsx_styles_t *self, long index)
{
    assert(self);
    return index >= 0 && (size_t)index < self->count ? self->shows[index] : 0;
}

size_t sti_xlsx_styles_count(const sti_xlsx_styles_t *self)
{
    assert(self);
    return self->count;
}

//  The state of a parse.
typedef struct {
    sti_xlsx_styles_t *table; // where the cell styles go
    bool in_formats;          // inside <numFmts>
    bool in_xfs;              // inside <cellXfs> (not cellStyleXfs)
    long *format_ids;         // the custom formats' ids
    unsigned *format_shows;   // and what each shows
    size_t format_count;      // entries of both
} s_parse_t;

//  What number format id shows: a custom one if the file defines it, else built-in.
static unsigned s_format_shows(const s_parse_t *state, long id)
{
    for (size_t i = 0; i < state->format_count; i++) {
        if (state->format_ids[i] == id) {
            return state->format_shows[i];
        }
    }
    return sti_xlsx_format_builtin((int)id);
}

static void s_add_format(sti_xlsx_part_t *part, s_parse_t *state, long id, const char *code)
{
    if (state->format_count == STI_XLSX_STYLES_MAX) {
        sti_xlsx_part_fail(part, "more than %u number formats", STI_XLSX_STYLES_MAX);
        return;
    }
    if (state->format_count % 64 == 0) {
        size_t n = state->format_count + 64;
        state->format_ids = (long *)realloc(state->format_ids, n * sizeof(long));
        state->format_shows = (unsigned *)realloc(state->format_shows, n * sizeof(unsigned));
        assert(state->format_ids && state->format_shows);
    }
    state->format_ids[state->format_count] = id;
    state->format_shows[state->format_count++] = code ? sti_xlsx_format_code(code) : 0;
}

static void s_add_style(sti_xlsx_part_t *part, s_parse_t *state, long id)
{
    sti_xlsx_styles_t *self = state->table;
    if (self->count == STI_XLSX_STYLES_MAX) {
        sti_xlsx_part_fail(part, "more than %u cell styles", STI_XLSX_STYLES_MAX);
        return;
    }
    if (self->count % 64 == 0) {
        self->shows = (unsigned *)realloc(self->shows, (self->count + 64) * sizeof(unsigned));
        assert(self->shows);
    }
    self->shows[self->count++] = id >= 0 ? s_format_shows(state, id) : 0;
}

static void s_start(sti_xlsx_part_t *part, const char *name, const char **attrs)
{
    s_parse_t *state = (s_parse_t *)part->state;
    long id = sti_xlsx_part_decimal(sti_xlsx_part_attr(attrs, "numFmtId"));
    if (part->depth == 1 && strcmp(name, "styleSheet") != 0) {
        sti_xlsx_part_fail(part, "not a styles part (it holds a '%s')", name);
    } else if (strcmp(name, "numFmts") == 0) {
        state->in_formats = true;
    } else if (strcmp(name, "cellXfs") == 0) {
        state->in_xfs = true;
    } else if (state->in_formats && strcmp(name, "numFmt") == 0) {
        s_add_format(part, state, id, sti_xlsx_part_attr(attrs, "formatCode"));
    } else if (state->in_xfs && strcmp(name, "xf") == 0) {
        s_add_style(part, state, id);
    }
}

static void s_end(sti_xlsx_part_t *part, const char *name)
{
    s_parse_t *state = (s_parse_t *)part->state;
    if (strcmp(name, "numFmts") == 0) {
        state->in_formats = false;
    } else if (strcmp(name, "cellXfs") == 0) {
        state->in_xfs = false;
    }
}

int sti_xlsx_styles_load(sti_xlsx_styles_t *self, zip_t *zip, const char *path, char *err,
                         size_t errlen)
{
    assert(self && zip && path);
    s_parse_t state = {.table = self};
    sti_xlsx_part_t part = {.path = path, .on_start = s_start, .on_end = s_end, .state = &state};
    int rc = sti_xlsx_part_parse(zip, &part, err, errlen);
    free(state.format_ids);
    free(state.format_shows);
    return rc ? -1 : 0;
}
