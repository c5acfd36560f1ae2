/*  sti_xlsx_part: one XML part of an .xlsx (an entry of its zip archive),
    parsed by expat as it unpacks, and the relationship parts that tie the
    parts together. The machinery under sti_xlsx_reader; other readers of
    Office Open XML (a .docx, say) could stand on it too.

    A part is unpacked in 64 KiB pieces straight into the parser: it is
    never held whole. Bounds: what the zip declares and what actually comes
    out are both held to STI_XLSX_PART_BYTES_MAX (a zip bomb stops there),
    nesting to STI_XLSX_PART_DEPTH_MAX, collected text to the caller's
    text_max; a DOCTYPE or an entity declaration is refused outright, so no
    entity is ever expanded and nothing outside the file is read. Element
    and attribute names reach the handlers by their local name (`c`, not
    `x:c` or the namespace URI), so prefixed XML and Strict OOXML read like
    the usual transitional files.
*/
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include <expat.h>
#include <zip.h>

#define STI_XLSX_PART_BYTES_MAX (256u << 20) // bytes of one part once unpacked
#define STI_XLSX_PART_DEPTH_MAX 32u          // XML nesting
#define STI_XLSX_PART_RELS_MAX 10000u        // relationships of one part
#define STI_XLSX_PATH_MAX 256                // bytes of a part's name, with the NUL

typedef struct sti_xlsx_part_s sti_xlsx_part_t;

//  Handlers: name is the element's local name; attrs as expat gives them
//  (names with their namespace: look them up with sti_xlsx_part_attr).
typedef void(sti_xlsx_start_fn)(sti_xlsx_part_t *part, const char *name, const char **attrs);
typedef void(sti_xlsx_end_fn)(sti_xlsx_part_t *part, const char *name);

//  One parse. The caller sets the first block (zero the rest) and reads
//  text, depth and root from its handlers.
struct sti_xlsx_part_s {
    const char *path;            // the part's name in the archive
    sti_xlsx_start_fn *on_start; // called for each start tag (may be NULL)
    sti_xlsx_end_fn *on_end;     // called for each end tag (may be NULL)
    void *state;                 // the caller's own state
    size_t text_max;             // most bytes of text collected at once (0: 64 KiB)
    char where[48];              // what is being read, for a message on text too long
    // kept by the parse
    XML_Parser parser; // expat, while the parse runs
    unsigned depth;    // elements open, the current one included
    char root[32];     // the local name of the root element
    bool collect;      // character data goes into text
    char *text;        // text collected (NUL-terminated), NULL when none yet
    size_t text_len;   // bytes in text
    size_t text_cap;   // bytes allocated for text
    bool stopped;      // a handler stopped the parse (sti_xlsx_part_stop)
    char error[512];   // the first error, "" when none
};

//  True when the archive holds a part of that name (compared without case,
//  as the Open Packaging Conventions say).
bool sti_xlsx_part_exists(zip_t *zip, const char *path);

//  Unpacks and parses part->path. Returns 0 when parsed to its end, 1 when
//  a handler stopped it, or -1 with a reason in err naming the part: not
//  in the file, encrypted, too large, damaged, broken XML (line and column),
//  or the error a handler set.
int sti_xlsx_part_parse(zip_t *zip, sti_xlsx_part_t *part, char *err, size_t errlen);

//  For handlers: stops the parse with an error ("PATH: " is put in front).
void sti_xlsx_part_fail(sti_xlsx_part_t *part, const char *format, ...)
    __attribute__((format(printf, 2, 3)));
//  For handlers: stops the parse without an error.
void sti_xlsx_part_stop(sti_xlsx_part_t *part);
//  For handlers: starts (on) or stops collecting character data into text.
void sti_xlsx_part_collect(sti_xlsx_part_t *part, bool on);
//  For handlers: empties text.
void sti_xlsx_part_text_clear(sti_xlsx_part_t *part);

//  The value of the attribute whose local name is `local`, or NULL.
const char *sti_xlsx_part_attr(const char **attrs, const char *local);
//  Parses a decimal number of 1 to 9 digits and nothing else (an attribute's
//  or a cell's text; NULL counts as none). Returns it, or -1.
long sti_xlsx_part_decimal(const char *text);

//  --- relationships ---

//  One relationship of a part to another part of the archive.
typedef struct {
    char id[64];                  // its id ("rId3")
    char type[48];                // the last word of its type ("worksheet", "sharedStrings")
    char path[STI_XLSX_PATH_MAX]; // the target's name in the archive
} sti_xlsx_rel_t;

//  The relationships of one part.
typedef struct {
    sti_xlsx_rel_t *rels; // an array (release with sti_xlsx_rels_release)
    size_t count;         // entries of rels
} sti_xlsx_rels_t;

//  Reads the relationships of the part `source` ("" for the package's own,
//  _rels/.rels). Targets outside the archive (external, climbing out, too
//  long) are left out. Returns 0 (with none when there is no
//  relationships part), or -1 with a reason in err.
int sti_xlsx_rels_read(zip_t *zip, const char *source, sti_xlsx_rels_t *out, char *err,
                       size_t errlen);
//  The first relationship of a type (or with an id when by_id), or NULL.
const sti_xlsx_rel_t *sti_xlsx_rels_find(const sti_xlsx_rels_t *rels, const char *key, bool by_id);
void sti_xlsx_rels_release(sti_xlsx_rels_t *rels);

//  Joins a target to the folder of its source ("xl" + "worksheets/sheet1.xml",
//  or an absolute "/xl/..."), resolving "." and "..". Returns 0, or -1 when
//  the result is empty, too long or climbs out of the archive.
int sti_xlsx_part_resolve(const char *folder, const char *target, char *out, size_t cap);
