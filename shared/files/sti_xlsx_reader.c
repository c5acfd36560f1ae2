/*  sti_xlsx_reader: the rows of a worksheet of an .xlsx file. See
    sti_xlsx_reader.h.

    An .xlsx is a zip archive of XML parts that point at each other through
    relationship parts: _rels/.rels names the workbook (xl/workbook.xml),
    whose own relationships name each sheet, the shared strings and the
    styles. Opening reads the archive's directory and the workbook; the
    first read of a sheet loads the styles (only which cell styles show a
    date or a percentage) and the shared strings; the sheet itself is
    streamed (sti_xlsx_part) and handed over a row at a time. A row's cells
    live in one array, grown up to the row's last column, and the text they
    own in one buffer; shared strings are pointed at, not copied.
*/
#include "sti_xlsx_reader.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sti_xlsx_part.h"
#include "sti_xlsx_styles.h"

#define S_NONE SIZE_MAX // a cell's text is not in the row's buffer

//  One sheet the workbook lists.
typedef struct {
    char *name;    // its name on the tab
    char *path;    // its part in the archive, NULL when the workbook names none
    char type[48]; // the relationship's type: "worksheet", "chartsheet", ...
} s_sheet_entry_t;

struct _sti_xlsx_reader_t {
    void *data;                           // the file's bytes (libzip reads them in place)
    zip_t *zip;                           // the archive
    char workbook[STI_XLSX_PATH_MAX];     // the workbook part
    bool date1904;                        // dates count from 1904, not 1900
    s_sheet_entry_t *sheets;              // the sheets, in tab order
    size_t sheet_count;                   // entries of sheets
    char strings_path[STI_XLSX_PATH_MAX]; // the shared strings part, "" when none
    char styles_path[STI_XLSX_PATH_MAX];  // the styles part, "" when none
    bool loaded;                          // styles and strings have been read
    char load_error[512];                 // why they could not be, "" when they could
    sti_xlsx_strings_t *strings;          // the shared strings
    sti_xlsx_styles_t *styles;            // what each cell style shows
};

static int s_errf(char *err, size_t errlen, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

static int s_errf(char *err, size_t errlen, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    vsnprintf(err, errlen, format, args);
    va_end(args);
    return -1;
}

const char *sti_xlsx_cell_name(size_t column, size_t row, char *buf, size_t cap)
{
    assert(buf && cap > 0);
    char letters[8];
    size_t n = 0;
    for (size_t c = column + 1; c > 0 && n < sizeof letters; c = (c - 1) / 26) {
        letters[n++] = (char)('A' + (c - 1) % 26);
    }
    char name[8];
    for (size_t i = 0; i < n; i++) {
        name[i] = letters[n - 1 - i];
    }
    snprintf(buf, cap, "%.*s%zu", (int)n, name, row);
    return buf;
}

//  --- the workbook ---

typedef struct {
    sti_xlsx_reader_t *reader; // where the sheets go
    char (*ids)[64];           // the relationship id of each sheet
} s_workbook_t;

static void s_workbook_start(sti_xlsx_part_t *part, const char *name, const char **attrs)
{
    s_workbook_t *state = (s_workbook_t *)part->state;
    sti_xlsx_reader_t *self = state->reader;
    if (part->depth == 1 && strcmp(name, "workbook") != 0) {
        sti_xlsx_part_fail(part, "not an Excel workbook (its main part holds a '%s')", name);
    } else if (strcmp(name, "workbookPr") == 0) {
        const char *date1904 = sti_xlsx_part_attr(attrs, "date1904");
        self->date1904 = date1904 && (strcmp(date1904, "1") == 0 || strcmp(date1904, "true") == 0);
    } else if (strcmp(name, "sheet") == 0) {
        const char *sheet = sti_xlsx_part_attr(attrs, "name");
        const char *id = sti_xlsx_part_attr(attrs, "id");
        if (self->sheet_count == STI_XLSX_SHEETS_MAX) {
            sti_xlsx_part_fail(part, "more than %u sheets", STI_XLSX_SHEETS_MAX);
            return;
        }
        if (self->sheet_count % 16 == 0) {
            size_t n = self->sheet_count + 16;
            self->sheets = (s_sheet_entry_t *)realloc(self->sheets, n * sizeof *self->sheets);
            state->ids = realloc(state->ids, n * sizeof *state->ids);
            assert(self->sheets && state->ids);
        }
        s_sheet_entry_t *entry = &self->sheets[self->sheet_count];
        entry->name = strdup(sheet ? sheet : "");
        assert(entry->name);
        entry->path = NULL;
        entry->type[0] = 0;
        snprintf(state->ids[self->sheet_count++], sizeof *state->ids, "%s", id ? id : "");
    }
}

//  Gives each sheet its part, and finds the shared strings and the styles.
static void s_link_parts(sti_xlsx_reader_t *self, const s_workbook_t *state,
                         const sti_xlsx_rels_t *rels)
{
    for (size_t i = 0; i < self->sheet_count; i++) {
        const sti_xlsx_rel_t *rel = sti_xlsx_rels_find(rels, state->ids[i], true);
        if (rel) {
            self->sheets[i].path = strdup(rel->path);
            assert(self->sheets[i].path);
            snprintf(self->sheets[i].type, sizeof self->sheets[i].type, "%s", rel->type);
        }
    }
    const sti_xlsx_rel_t *strings = sti_xlsx_rels_find(rels, "sharedStrings", false);
    const sti_xlsx_rel_t *styles = sti_xlsx_rels_find(rels, "styles", false);
    snprintf(self->strings_path, sizeof self->strings_path, "%s", strings ? strings->path : "");
    snprintf(self->styles_path, sizeof self->styles_path, "%s", styles ? styles->path : "");
}

//  Reads the package's relationships, the workbook and its relationships.
static int s_load_workbook(sti_xlsx_reader_t *self, char *err, size_t errlen)
{
    sti_xlsx_rels_t rels;
    if (sti_xlsx_rels_read(self->zip, "", &rels, err, errlen)) {
        return -1;
    }
    const sti_xlsx_rel_t *main_part = sti_xlsx_rels_find(&rels, "officeDocument", false);
    snprintf(self->workbook, sizeof self->workbook, "%s",
             main_part ? main_part->path : "xl/workbook.xml");
    sti_xlsx_rels_release(&rels);
    if (!sti_xlsx_part_exists(self->zip, self->workbook)) {
        return s_errf(err, errlen, "not an Excel workbook: %s is not in the file", self->workbook);
    }
    s_workbook_t state = {.reader = self};
    sti_xlsx_part_t part = {.path = self->workbook, .on_start = s_workbook_start, .state = &state};
    int rc = sti_xlsx_part_parse(self->zip, &part, err, errlen);
    if (rc == 0 && strcmp(part.root, "workbook") != 0) {
        rc = s_errf(err, errlen, "not an Excel workbook: %s holds no workbook", self->workbook);
    }
    if (rc == 0 && (rc = sti_xlsx_rels_read(self->zip, self->workbook, &rels, err, errlen)) == 0) {
        s_link_parts(self, &state, &rels);
        sti_xlsx_rels_release(&rels);
    }
    free(state.ids);
    return rc ? -1 : 0;
}

//  --- opening ---

static uint64_t s_le(const unsigned char *p, int bytes)
{
    uint64_t v = 0;
    for (int i = bytes - 1; i >= 0; i--) {
        v = v << 8 | p[i];
    }
    return v;
}

//  The number of entries the zip's end records declare, read before
//  libzip allocates for each; UINT64_MAX when there is no end record
//  (libzip then says what is wrong).
static uint64_t s_declared_entries(const unsigned char *data, size_t size)
{
    if (size < 22) {
        return UINT64_MAX;
    }
    size_t low = size > 22 + 65535 ? size - 22 - 65535 : 0;
    for (size_t at = size - 22 + 1; at-- > low;) {
        if (memcmp(data + at, "PK\x05\x06", 4) != 0) {
            continue;
        }
        uint64_t entries = s_le(data + at + 10, 2);
        if (entries == 0xFFFF && at >= 20 && memcmp(data + at - 20, "PK\x06\x07", 4) == 0) {
            uint64_t offset = s_le(data + at - 20 + 8, 8);
            if (size >= 56 && offset <= size - 56 && memcmp(data + offset, "PK\x06\x06", 4) == 0) {
                entries = s_le(data + offset + 32, 8);
            }
        }
        return entries;
    }
    return UINT64_MAX;
}

//  Checks the bytes look like an .xlsx before libzip reads them.
static int s_check_bytes(const unsigned char *bytes, size_t size, char *err, size_t errlen)
{
    if (size > STI_XLSX_FILE_MAX) {
        return s_errf(err, errlen, "the file has %zu MiB: an .xlsx may have at most %u MiB",
                      size >> 20, STI_XLSX_FILE_MAX >> 20);
    }
    if (size >= 8 && memcmp(bytes, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8) == 0) {
        return s_errf(err, errlen,
                      "the file is an old .xls workbook, or an .xlsx with a "
                      "password: save it in Excel as \"Excel Workbook (*.xlsx)\" without a "
                      "password");
    }
    if (size < 4 || (memcmp(bytes, "PK\x03\x04", 4) != 0 && memcmp(bytes, "PK\x05\x06", 4) != 0)) {
        return s_errf(err, errlen, "not an .xlsx file: it is not a zip archive%s",
                      size == 0 ? " (it is empty)" : "");
    }
    uint64_t entries = s_declared_entries(bytes, size);
    if (entries != UINT64_MAX && entries > STI_XLSX_ENTRIES_MAX) {
        return s_errf(err, errlen,
                      "not an .xlsx file: its zip archive declares %" PRIu64
                      " entries, more than %u",
                      entries, STI_XLSX_ENTRIES_MAX);
    }
    return 0;
}

sti_xlsx_reader_t *sti_xlsx_reader_open_buffer(const void *data, size_t size, char *err,
                                               size_t errlen)
{
    assert(data || size == 0);
    if (s_check_bytes((const unsigned char *)data, size, err, errlen)) {
        return NULL;
    }
    sti_xlsx_reader_t *self = (sti_xlsx_reader_t *)calloc(1, sizeof *self);
    assert(self);
    self->strings = sti_xlsx_strings_new();
    self->styles = sti_xlsx_styles_new();
    self->data = malloc(size);
    assert(self->data);
    memcpy(self->data, data, size);
    zip_error_t zerr;
    zip_error_init(&zerr);
    zip_source_t *source = zip_source_buffer_create(self->data, size, 0, &zerr);
    if (source && !(self->zip = zip_open_from_source(source, ZIP_RDONLY, &zerr))) {
        zip_source_free(source);
    }
    if (!self->zip) {
        s_errf(err, errlen, "not an .xlsx file: the zip archive is damaged (%s)",
               zip_error_strerror(&zerr));
    }
    zip_error_fini(&zerr);
    if (!self->zip || s_load_workbook(self, err, errlen)) {
        sti_xlsx_reader_destroy(&self);
    }
    return self;
}

sti_xlsx_reader_t *sti_xlsx_reader_open(const char *path, char *err, size_t errlen)
{
    assert(path);
    FILE *file = fopen(path, "rb");
    struct stat st;
    if (!file || fstat(fileno(file), &st) != 0 || !S_ISREG(st.st_mode)) {
        s_errf(err, errlen, "cannot read %s: %s", path,
               file ? "not a regular file" : strerror(errno));
        if (file) {
            fclose(file);
        }
        return NULL;
    }
    if ((unsigned long long)st.st_size > STI_XLSX_FILE_MAX) {
        fclose(file);
        s_errf(err, errlen, "the file has %lld MiB: an .xlsx may have at most %u MiB",
               (long long)st.st_size >> 20, STI_XLSX_FILE_MAX >> 20);
        return NULL;
    }
    size_t size = (size_t)st.st_size;
    unsigned char *data = (unsigned char *)malloc(size ? size : 1);
    assert(data);
    size_t got = fread(data, 1, size, file);
    fclose(file);
    sti_xlsx_reader_t *self = NULL;
    if (got != size) {
        s_errf(err, errlen, "cannot read %s: it changed while it was read", path);
    } else {
        self = sti_xlsx_reader_open_buffer(data, size, err, errlen);
    }
    free(data);
    return self;
}

void sti_xlsx_reader_destroy(sti_xlsx_reader_t **self_p)
{
    assert(self_p);
    sti_xlsx_reader_t *self = *self_p;
    if (!self) {
        return;
    }
    if (self->zip) {
        zip_discard(self->zip);
    }
    for (size_t i = 0; i < self->sheet_count; i++) {
        free(self->sheets[i].name);
        free(self->sheets[i].path);
    }
    free(self->sheets);
    sti_xlsx_strings_destroy(&self->strings);
    sti_xlsx_styles_destroy(&self->styles);
    free(self->data);
    free(self);
    *self_p = NULL;
}

size_t sti_xlsx_reader_sheet_count(const sti_xlsx_reader_t *self)
{
    assert(self);
    return self->sheet_count;
}

const char *sti_xlsx_reader_sheet_name(const sti_xlsx_reader_t *self, size_t index)
{
    assert(self);
    return index < self->sheet_count ? self->sheets[index].name : NULL;
}

int sti_xlsx_reader_sheet_find(const sti_xlsx_reader_t *self, const char *name)
{
    assert(self && name);
    for (size_t i = 0; i < self->sheet_count; i++) {
        if (strcmp(self->sheets[i].name, name) == 0) {
            return (int)i;
        }
    }
    return -1;
}

//  --- the sheet ---

//  The state of a sheet being read.
typedef struct {
    sti_xlsx_reader_t *reader; // the styles and the strings
    sti_xlsx_row_fn *on_row;   // the caller's callback
    void *arg;                 // and its argument
    bool in_data;              // inside <sheetData>
    bool in_row;               // inside <row>
    bool in_cell;              // inside <c>
    bool in_inline;            // inside <is>
    unsigned phonetic;         // depth inside <rPh>, whose text is left out
    size_t row;                // the current row's number (0 before the first)
    size_t next_column;        // the column of the next cell if it has no r
    // the current cell
    size_t column;  // its column, from 0
    char type[16];  // its t attribute ("" for a number)
    unsigned shows; // what its style shows
    bool has_value; // it has a <v> or an <is>
    bool is_inline; // its value is an <is>: text, whatever its t says
    bool formula;   // it has an <f>
    // the current row
    sti_xlsx_cell_t *cells; // cells by column
    size_t *text_at;        // where each cell's text is in row_text (S_NONE: elsewhere)
    size_t cells_cap;       // entries allocated in cells and text_at
    size_t count;           // cells filled so far (the last column written + 1)
    size_t used;            // the last cell with a value + 1
    char *row_text;         // the text the row's cells own
    size_t row_text_len;    // bytes used in row_text
    size_t row_text_cap;    // bytes allocated
} s_sheet_t;

//  Parses a cell reference ("AB12") into a column from 0 and a row from 1.
//  Returns 0, or -1 when it is not one (or beyond XFD / row 1,048,576).
static int s_reference(const char *ref, size_t *column, size_t *row)
{
    size_t col = 0, i = 0;
    for (; ref[i] >= 'A' && ref[i] <= 'Z' && i < 3; i++) {
        col = col * 26 + (size_t)(ref[i] - 'A' + 1);
    }
    long r = sti_xlsx_part_decimal(ref + i);
    if (i == 0 || col > STI_XLSX_COLUMNS_MAX || r < 1 || r > (long)STI_XLSX_ROWS_MAX) {
        return -1;
    }
    *column = col - 1;
    *row = (size_t)r;
    return 0;
}

static void s_row_start(sti_xlsx_part_t *part, s_sheet_t *state, const char **attrs)
{
    const char *r = sti_xlsx_part_attr(attrs, "r");
    long number = r ? sti_xlsx_part_decimal(r) : (long)state->row + 1;
    if (number < 1 || number > (long)STI_XLSX_ROWS_MAX) {
        sti_xlsx_part_fail(part, "row '%.20s': a row number must be 1 to %u", r ? r : "",
                           STI_XLSX_ROWS_MAX);
    } else if ((size_t)number <= state->row) {
        sti_xlsx_part_fail(part, "row %ld comes after row %zu: rows must go down", number,
                           state->row);
    }
    state->row = (size_t)number;
    state->in_row = true;
    state->next_column = state->count = state->used = state->row_text_len = 0;
}

static void s_cell_start(sti_xlsx_part_t *part, s_sheet_t *state, const char **attrs)
{
    const char *r = sti_xlsx_part_attr(attrs, "r"), *t = sti_xlsx_part_attr(attrs, "t");
    long style = sti_xlsx_part_decimal(sti_xlsx_part_attr(attrs, "s"));
    char name[16];
    size_t column = state->next_column, row = state->row;
    if (!state->in_row) {
        sti_xlsx_part_fail(part, "a cell outside a row");
        return;
    }
    if (r && s_reference(r, &column, &row)) {
        sti_xlsx_part_fail(part, "row %zu: '%.20s' is not a cell reference (A1 to XFD1048576)",
                           state->row, r);
        return;
    }
    sti_xlsx_cell_name(column, state->row, name, sizeof name);
    if (row != state->row) {
        sti_xlsx_part_fail(part, "cell %.20s is inside row %zu", r, state->row);
    } else if (column < state->next_column) {
        sti_xlsx_part_fail(part, "cell %s: cells must go left to right", name);
    } else if (column >= STI_XLSX_COLUMNS_MAX) {
        sti_xlsx_part_fail(part, "row %zu has more than %u columns", state->row,
                           STI_XLSX_COLUMNS_MAX);
    }
    snprintf(part->where, sizeof part->where, "cell %s", name);
    snprintf(state->type, sizeof state->type, "%s", t && strcmp(t, "n") != 0 ? t : "");
    state->shows = sti_xlsx_styles_shows(state->reader->styles, style);
    state->column = column;
    state->next_column = column + 1;
    state->in_cell = true;
    state->has_value = state->formula = state->is_inline = false;
    sti_xlsx_part_text_clear(part);
}

//  Reads the collected text as a number into cell. Returns 0 or -1.
static int s_number(sti_xlsx_part_t *part, const s_sheet_t *state, sti_xlsx_cell_t *cell)
{
    const char *text = part->text ? part->text : "";
    char *end = NULL;
    errno = 0;
    double value = strtod(text, &end);
    while (end && (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r')) {
        end++;
    }
    if (!text[0] || !end || *end || errno == ERANGE || !isfinite(value)) {
        sti_xlsx_part_fail(part, "%s: '%.40s' is not a number", part->where, text);
        return -1;
    }
    cell->kind = STI_XLSX_NUMBER;
    cell->number = value;
    if ((state->shows & STI_XLSX_SHOWS_DATE) &&
        sti_xlsx_date_from_serial(value, state->reader->date1904, &cell->date) == 0) {
        cell->kind = STI_XLSX_DATE;
        cell->shows = state->shows & STI_XLSX_SHOWS_DATE;
    } else if (state->shows & STI_XLSX_SHOWS_PERCENT) {
        cell->shows = STI_XLSX_SHOWS_PERCENT;
    }
    return 0;
}

//  Makes the cell of the collected value. Returns 0, or -1 after failing the part.
static int s_cell_value(sti_xlsx_part_t *part, s_sheet_t *state, sti_xlsx_cell_t *cell)
{
    const char *type = state->type, *text = part->text ? part->text : "";
    if (!state->has_value) {
        return 0;
    }
    if (strcmp(type, "s") == 0) {
        long index = sti_xlsx_part_decimal(text);
        size_t count = sti_xlsx_strings_count(state->reader->strings);
        cell->text = index >= 0
                         ? sti_xlsx_strings_at(state->reader->strings, (size_t)index, &cell->len)
                         : NULL;
        if (!cell->text) {
            sti_xlsx_part_fail(part, "%s: shared string '%.20s' is not in the table of %zu",
                               part->where, text, count);
            return -1;
        }
        cell->kind = STI_XLSX_TEXT;
        return 0;
    }
    if (strcmp(type, "b") == 0) {
        if (strcmp(text, "1") != 0 && strcmp(text, "0") != 0) {
            sti_xlsx_part_fail(part, "%s: '%.20s' is not a boolean", part->where, text);
            return -1;
        }
        cell->kind = STI_XLSX_BOOL;
        cell->number = text[0] == '1';
        return 0;
    }
    if (type[0] == 0 && !state->is_inline) {
        return s_number(part, state, cell);
    }
    if (!state->is_inline && strcmp(type, "inlineStr") != 0 && strcmp(type, "str") != 0 &&
        strcmp(type, "e") != 0 && strcmp(type, "d") != 0) {
        sti_xlsx_part_fail(part, "%s: unknown cell type '%.20s'", part->where, type);
        return -1;
    }
    cell->kind = strcmp(type, "e") == 0 ? STI_XLSX_ERROR : STI_XLSX_TEXT;
    cell->len = sti_xlsx_unescape(part->text ? part->text : (char *)"", part->text_len);
    return 1; // the text is the part's: the caller copies it into the row
}

//  Makes room for cells up to column, filling the gap with empty cells.
static void s_row_reach(s_sheet_t *state, size_t column)
{
    if (column >= state->cells_cap) {
        size_t cap = state->cells_cap ? state->cells_cap : 16;
        while (cap <= column) {
            cap *= 2;
        }
        state->cells = (sti_xlsx_cell_t *)realloc(state->cells, cap * sizeof *state->cells);
        state->text_at = (size_t *)realloc(state->text_at, cap * sizeof *state->text_at);
        assert(state->cells && state->text_at);
        state->cells_cap = cap;
    }
    for (; state->count <= column; state->count++) {
        state->cells[state->count] = (sti_xlsx_cell_t){.kind = STI_XLSX_EMPTY, .text = ""};
        state->text_at[state->count] = S_NONE;
    }
}

static void s_cell_end(sti_xlsx_part_t *part, s_sheet_t *state)
{
    sti_xlsx_cell_t cell = {.kind = STI_XLSX_EMPTY, .text = ""};
    int owned = s_cell_value(part, state, &cell);
    state->in_cell = false;
    if (owned < 0) {
        return;
    }
    cell.formula = state->formula;
    s_row_reach(state, state->column);
    size_t at = S_NONE;
    if (owned) {
        if (state->row_text_len + cell.len + 1 > STI_XLSX_ROW_BYTES_MAX) {
            sti_xlsx_part_fail(part, "row %zu: more than %u MiB of text", state->row,
                               STI_XLSX_ROW_BYTES_MAX >> 20);
            return;
        }
        if (state->row_text_len + cell.len + 1 > state->row_text_cap) {
            size_t cap = state->row_text_cap ? state->row_text_cap : 4096;
            while (cap < state->row_text_len + cell.len + 1) {
                cap *= 2;
            }
            state->row_text = (char *)realloc(state->row_text, cap);
            assert(state->row_text);
            state->row_text_cap = cap;
        }
        at = state->row_text_len;
        memcpy(state->row_text + at, part->text ? part->text : "", cell.len);
        state->row_text[at + cell.len] = 0;
        state->row_text_len += cell.len + 1;
    }
    state->cells[state->column] = cell;
    state->text_at[state->column] = at;
    if (cell.kind != STI_XLSX_EMPTY || cell.formula) {
        state->used = state->column + 1;
    }
}

static void s_row_end(sti_xlsx_part_t *part, s_sheet_t *state)
{
    state->in_row = false;
    if (!state->used) {
        return;
    }
    for (size_t i = 0; i < state->used; i++) {
        if (state->text_at[i] != S_NONE) {
            state->cells[i].text = state->row_text + state->text_at[i];
        }
    }
    if (state->on_row(state->arg, state->row, state->cells, state->used) != 0) {
        sti_xlsx_part_stop(part);
    }
}

static void s_sheet_start(sti_xlsx_part_t *part, const char *name, const char **attrs)
{
    s_sheet_t *state = (s_sheet_t *)part->state;
    if (part->depth == 1 && strcmp(name, "worksheet") != 0) {
        sti_xlsx_part_fail(part, "not a worksheet (it holds a '%s')", name);
    } else if (strcmp(name, "sheetData") == 0) {
        state->in_data = true;
    } else if (!state->in_data) {
        return; // columns, merged cells, validations, ...: not read
    } else if (strcmp(name, "row") == 0) {
        s_row_start(part, state, attrs);
    } else if (strcmp(name, "c") == 0) {
        s_cell_start(part, state, attrs);
    } else if (!state->in_cell) {
        return;
    } else if (strcmp(name, "v") == 0) {
        state->has_value = true;
        sti_xlsx_part_text_clear(part);
        sti_xlsx_part_collect(part, true);
    } else if (strcmp(name, "f") == 0) {
        state->formula = true;
    } else if (strcmp(name, "is") == 0) {
        state->in_inline = state->has_value = state->is_inline = true;
        state->phonetic = 0;
        sti_xlsx_part_text_clear(part);
    } else if (state->in_inline && strcmp(name, "rPh") == 0) {
        state->phonetic++;
    } else if (state->in_inline && !state->phonetic && strcmp(name, "t") == 0) {
        sti_xlsx_part_collect(part, true);
    }
}

static void s_sheet_end(sti_xlsx_part_t *part, const char *name)
{
    s_sheet_t *state = (s_sheet_t *)part->state;
    if (!state->in_data) {
        return;
    }
    if (strcmp(name, "v") == 0 || strcmp(name, "t") == 0) {
        sti_xlsx_part_collect(part, false);
    } else if (strcmp(name, "rPh") == 0 && state->phonetic) {
        state->phonetic--;
    } else if (strcmp(name, "is") == 0) {
        state->in_inline = false;
    } else if (strcmp(name, "c") == 0 && state->in_cell) {
        s_cell_end(part, state);
    } else if (strcmp(name, "row") == 0 && state->in_row) {
        s_row_end(part, state);
    } else if (strcmp(name, "sheetData") == 0) {
        state->in_data = false;
    }
}

//  Loads the styles and the shared strings, or says why not in load_error.
static void s_load_tables(sti_xlsx_reader_t *self)
{
    char *reason = self->load_error;
    size_t cap = sizeof self->load_error;
    if (sti_xlsx_part_exists(self->zip, self->styles_path) &&
        sti_xlsx_styles_load(self->styles, self->zip, self->styles_path, reason, cap)) {
        return;
    }
    if (sti_xlsx_part_exists(self->zip, self->strings_path)) {
        sti_xlsx_strings_load(self->strings, self->zip, self->strings_path, reason, cap);
    }
}

int sti_xlsx_reader_read(sti_xlsx_reader_t *self, size_t index, sti_xlsx_row_fn *on_row, void *arg,
                         char *err, size_t errlen)
{
    assert(self && on_row);
    if (index >= self->sheet_count) {
        return self->sheet_count == 0 ? s_errf(err, errlen, "the workbook lists no sheet")
                                      : s_errf(err, errlen, "the workbook has %zu sheets, not %zu",
                                               self->sheet_count, index + 1);
    }
    const s_sheet_entry_t *sheet = &self->sheets[index];
    if (!sheet->path) {
        return s_errf(err, errlen, "the sheet '%s' is not there: the workbook names no part for it",
                      sheet->name);
    }
    if (strcmp(sheet->type, "worksheet") != 0) {
        return s_errf(err, errlen, "the sheet '%s' is a %s, not a table of cells", sheet->name,
                      sheet->type);
    }
    if (!sti_xlsx_part_exists(self->zip, sheet->path)) {
        return s_errf(err, errlen, "the sheet '%s' is not there: %s is not in the file",
                      sheet->name, sheet->path);
    }
    if (!self->loaded) {
        self->loaded = true; // once, whatever the outcome: a read again must not add to the tables
        s_load_tables(self);
    }
    if (self->load_error[0]) {
        return s_errf(err, errlen, "%s", self->load_error);
    }
    s_sheet_t state = {.reader = self, .on_row = on_row, .arg = arg};
    sti_xlsx_part_t part = {.path = sheet->path,
                            .on_start = s_sheet_start,
                            .on_end = s_sheet_end,
                            .state = &state,
                            .text_max = STI_XLSX_STRING_MAX};
    int rc = sti_xlsx_part_parse(self->zip, &part, err, errlen);
    free(state.cells);
    free(state.text_at);
    free(state.row_text);
    return rc;
}

const char *sti_xlsx_cell_text(const sti_xlsx_cell_t *cell, char *buf, size_t cap)
{
    assert(cell && buf && cap > 0);
    switch (cell->kind) {
    case STI_XLSX_TEXT:
    case STI_XLSX_ERROR:
        return cell->text;
    case STI_XLSX_BOOL:
        return cell->number != 0 ? "TRUE" : "FALSE";
    case STI_XLSX_DATE:
        return sti_xlsx_date_text(&cell->date, cell->shows, buf, cap);
    case STI_XLSX_NUMBER: {
        bool percent = cell->shows & STI_XLSX_SHOWS_PERCENT;
        double value = percent ? cell->number * 100 : cell->number;
        snprintf(buf, cap, "%.15g%s", value == 0 ? 0.0 : value, percent ? "%" : "");
        return buf;
    }
    default:
        return "";
    }
}
