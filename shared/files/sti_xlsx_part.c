/*  sti_xlsx_part: one XML part of an .xlsx, parsed as it unpacks. See
    sti_xlsx_part.h.

    expat is created with namespace processing, so names arrive as
    "URI|local" and the handlers here pass on only the local name. Once a
    handler fails or stops the parse, XML_StopParser makes XML_Parse return
    at once and every later callback is ignored.
*/
#include "sti_xlsx_part.h"

#include <assert.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_NS_SEP '|'        // between a namespace URI and a local name
#define S_PIECE (64u << 10) // bytes unpacked and parsed at a time

static const char *s_local(const char *name)
{
    const char *bar = strrchr(name, S_NS_SEP);
    return bar ? bar + 1 : name;
}

const char *sti_xlsx_part_attr(const char **attrs, const char *local)
{
    assert(local);
    for (size_t i = 0; attrs && attrs[i]; i += 2) {
        if (strcmp(s_local(attrs[i]), local) == 0) {
            return attrs[i + 1];
        }
    }
    return NULL;
}

void sti_xlsx_part_fail(sti_xlsx_part_t *part, const char *format, ...)
{
    assert(part && format);
    if (!part->error[0]) {
        int n = snprintf(part->error, sizeof part->error, "%s: ", part->path);
        va_list args;
        va_start(args, format);
        vsnprintf(part->error + n, sizeof part->error - (size_t)n, format, args);
        va_end(args);
    }
    if (part->parser) {
        XML_StopParser(part->parser, XML_FALSE);
    }
}

void sti_xlsx_part_stop(sti_xlsx_part_t *part)
{
    assert(part);
    part->stopped = true;
    if (part->parser) {
        XML_StopParser(part->parser, XML_FALSE);
    }
}

void sti_xlsx_part_collect(sti_xlsx_part_t *part, bool on)
{
    assert(part);
    part->collect = on;
}

void sti_xlsx_part_text_clear(sti_xlsx_part_t *part)
{
    assert(part);
    part->text_len = 0;
    if (part->text) {
        part->text[0] = 0;
    }
}

//  --- expat's handlers ---

static void XMLCALL s_start(void *user, const char *name, const char **attrs)
{
    sti_xlsx_part_t *part = (sti_xlsx_part_t *)user;
    if (part->error[0] || part->stopped) {
        return;
    }
    if (++part->depth > STI_XLSX_PART_DEPTH_MAX) {
        sti_xlsx_part_fail(part, "XML nested deeper than %u elements", STI_XLSX_PART_DEPTH_MAX);
        return;
    }
    if (part->depth == 1) {
        snprintf(part->root, sizeof part->root, "%s", s_local(name));
    }
    if (part->on_start) {
        part->on_start(part, s_local(name), attrs);
    }
}

static void XMLCALL s_end(void *user, const char *name)
{
    sti_xlsx_part_t *part = (sti_xlsx_part_t *)user;
    if (part->error[0] || part->stopped) {
        return;
    }
    if (part->on_end) {
        part->on_end(part, s_local(name));
    }
    part->depth--;
}

static void XMLCALL s_chars(void *user, const char *text, int len)
{
    sti_xlsx_part_t *part = (sti_xlsx_part_t *)user;
    if (!part->collect || part->error[0] || part->stopped || len <= 0) {
        return;
    }
    size_t need = part->text_len + (size_t)len;
    if (need > part->text_max) {
        sti_xlsx_part_fail(part, "%s: a text longer than %zu bytes",
                           part->where[0] ? part->where : "an element", part->text_max);
        return;
    }
    if (need + 1 > part->text_cap) {
        size_t cap = part->text_cap ? part->text_cap : 256;
        while (cap < need + 1) {
            cap *= 2;
        }
        part->text = (char *)realloc(part->text, cap);
        assert(part->text);
        part->text_cap = cap;
    }
    memcpy(part->text + part->text_len, text, (size_t)len);
    part->text_len = need;
    part->text[need] = 0;
}

//  A DOCTYPE (and with it every entity declaration) has no place in OOXML:
//  refusing it rules out entity expansion and external entities at once.
static void XMLCALL s_doctype(void *user, const char *name, const char *sysid, const char *pubid,
                              int internal)
{
    (void)name, (void)sysid, (void)pubid, (void)internal;
    sti_xlsx_part_fail((sti_xlsx_part_t *)user, "a DOCTYPE is not allowed in an .xlsx part");
}

static void XMLCALL s_entity(void *user, const char *name, int parameter, const char *value,
                             int len, const char *base, const char *sysid, const char *pubid,
                             const char *notation)
{
    (void)name, (void)parameter, (void)value, (void)len, (void)base, (void)sysid, (void)pubid,
        (void)notation;
    sti_xlsx_part_fail((sti_xlsx_part_t *)user,
                       "an entity declaration is not allowed in an .xlsx part");
}

//  --- unpacking ---

static zip_int64_t s_locate(zip_t *zip, const char *path)
{
    return zip_name_locate(zip, path, ZIP_FL_NOCASE);
}

bool sti_xlsx_part_exists(zip_t *zip, const char *path)
{
    assert(zip);
    return path && path[0] && s_locate(zip, path) >= 0;
}

//  Checks what the zip says of the entry and opens it. Returns the open
//  file, or NULL with err set.
static zip_file_t *s_open(zip_t *zip, const char *path, char *err, size_t errlen)
{
    zip_int64_t index = s_locate(zip, path);
    zip_stat_t st;
    zip_stat_init(&st);
    if (index < 0) {
        snprintf(err, errlen, "%s is not in the file", path);
        return NULL;
    }
    if (zip_stat_index(zip, (zip_uint64_t)index, 0, &st) != 0) {
        snprintf(err, errlen, "%s: %s", path, zip_strerror(zip));
        return NULL;
    }
    if ((st.valid & ZIP_STAT_ENCRYPTION_METHOD) && st.encryption_method != ZIP_EM_NONE) {
        snprintf(err, errlen, "%s is encrypted: save the workbook without a password", path);
        return NULL;
    }
    if ((st.valid & ZIP_STAT_SIZE) && st.size > STI_XLSX_PART_BYTES_MAX) {
        snprintf(err, errlen,
                 "%s would unpack to %" PRIu64 " MiB, more than the %u MiB a part may have "
                 "(a zip bomb, or a sheet too large for one file)",
                 path, (uint64_t)(st.size >> 20), STI_XLSX_PART_BYTES_MAX >> 20);
        return NULL;
    }
    zip_file_t *file = zip_fopen_index(zip, (zip_uint64_t)index, 0);
    if (!file) {
        snprintf(err, errlen, "%s cannot be unpacked: %s", path, zip_strerror(zip));
    }
    return file;
}

//  The reason for a failed XML_Parse, into err. Returns 1 when a handler
//  only stopped the parse, else -1.
static int s_parse_error(sti_xlsx_part_t *part, char *err, size_t errlen)
{
    if (part->error[0]) {
        snprintf(err, errlen, "%s", part->error);
        return -1;
    }
    if (part->stopped) {
        return 1;
    }
    snprintf(err, errlen, "%s: broken XML at line %lu, column %lu: %s", part->path,
             (unsigned long)XML_GetCurrentLineNumber(part->parser),
             (unsigned long)XML_GetCurrentColumnNumber(part->parser),
             XML_ErrorString(XML_GetErrorCode(part->parser)));
    return -1;
}

//  Feeds the unpacked entry to the parser. Returns 0, 1 or -1 as parse does.
static int s_feed(sti_xlsx_part_t *part, zip_file_t *file, char *err, size_t errlen)
{
    char *piece = (char *)malloc(S_PIECE);
    assert(piece);
    uint64_t total = 0;
    int rc = 0;
    for (;;) {
        zip_int64_t got = zip_fread(file, piece, S_PIECE);
        if (got < 0) {
            snprintf(err, errlen, "%s is damaged: %s", part->path, zip_file_strerror(file));
            rc = -1;
            break;
        }
        total += (uint64_t)got;
        if (total > STI_XLSX_PART_BYTES_MAX) {
            snprintf(err, errlen,
                     "%s unpacks to more than the %u MiB a part may have (a zip bomb?)", part->path,
                     STI_XLSX_PART_BYTES_MAX >> 20);
            rc = -1;
            break;
        }
        if (XML_Parse(part->parser, piece, (int)got, got == 0) != XML_STATUS_OK) {
            rc = s_parse_error(part, err, errlen);
            break;
        }
        if (got == 0) {
            break;
        }
    }
    free(piece);
    return rc;
}

int sti_xlsx_part_parse(zip_t *zip, sti_xlsx_part_t *part, char *err, size_t errlen)
{
    assert(zip && part && part->path);
    zip_file_t *file = s_open(zip, part->path, err, errlen);
    if (!file) {
        return -1;
    }
    part->parser = XML_ParserCreateNS(NULL, S_NS_SEP);
    assert(part->parser);
    XML_SetUserData(part->parser, part);
    XML_SetElementHandler(part->parser, s_start, s_end);
    XML_SetCharacterDataHandler(part->parser, s_chars);
    XML_SetStartDoctypeDeclHandler(part->parser, s_doctype);
    XML_SetEntityDeclHandler(part->parser, s_entity);
    if (!part->text_max) {
        part->text_max = 64u << 10;
    }
    int rc = s_feed(part, file, err, errlen);
    zip_fclose(file);
    XML_ParserFree(part->parser);
    part->parser = NULL;
    free(part->text);
    part->text = NULL;
    part->text_len = part->text_cap = 0;
    return rc;
}

//  --- relationships ---

int sti_xlsx_part_resolve(const char *folder, const char *target, char *out, size_t cap)
{
    assert(folder && target && out && cap > 0);
    char joined[2 * STI_XLSX_PATH_MAX];
    int n = target[0] == '/'
                ? snprintf(joined, sizeof joined, "%s", target + 1)
                : snprintf(joined, sizeof joined, "%s%s%s", folder, folder[0] ? "/" : "", target);
    if (n < 0 || (size_t)n >= sizeof joined) {
        return -1;
    }
    size_t used = 0;
    out[0] = 0;
    char *save = NULL;
    for (char *seg = strtok_r(joined, "/", &save); seg; seg = strtok_r(NULL, "/", &save)) {
        if (strcmp(seg, ".") == 0) {
            continue;
        }
        if (strcmp(seg, "..") == 0) {
            if (!used) {
                return -1;
            }
            char *slash = strrchr(out, '/');
            used = slash ? (size_t)(slash - out) : 0;
            out[used] = 0;
            continue;
        }
        n = snprintf(out + used, cap - used, "%s%s", used ? "/" : "", seg);
        if (n < 0 || (size_t)n >= cap - used) {
            return -1;
        }
        used += (size_t)n;
    }
    return used ? 0 : -1;
}

//  The state of one relationships part being read.
typedef struct {
    char folder[STI_XLSX_PATH_MAX]; // the folder of the source part ("" for the package)
    sti_xlsx_rels_t *out;           // what was read
} s_rels_t;

static void s_rels_start(sti_xlsx_part_t *part, const char *name, const char **attrs)
{
    s_rels_t *state = (s_rels_t *)part->state;
    sti_xlsx_rels_t *out = state->out;
    const char *id = sti_xlsx_part_attr(attrs, "Id"), *type = sti_xlsx_part_attr(attrs, "Type");
    const char *target = sti_xlsx_part_attr(attrs, "Target");
    const char *mode = sti_xlsx_part_attr(attrs, "TargetMode");
    if (strcmp(name, "Relationship") != 0 || !id || !type || !target ||
        (mode && strcmp(mode, "External") == 0)) {
        return;
    }
    if (out->count == STI_XLSX_PART_RELS_MAX) {
        sti_xlsx_part_fail(part, "more than %u relationships", STI_XLSX_PART_RELS_MAX);
        return;
    }
    sti_xlsx_rel_t rel;
    if (strlen(id) >= sizeof rel.id ||
        sti_xlsx_part_resolve(state->folder, target, rel.path, sizeof rel.path)) {
        return; // not a part of this archive: no part read here refers to it
    }
    snprintf(rel.id, sizeof rel.id, "%s", id);
    const char *slash = strrchr(type, '/');
    snprintf(rel.type, sizeof rel.type, "%s", slash ? slash + 1 : type);
    if (out->count % 16 == 0) {
        out->rels = (sti_xlsx_rel_t *)realloc(out->rels, (out->count + 16) * sizeof *out->rels);
        assert(out->rels);
    }
    out->rels[out->count++] = rel;
}

int sti_xlsx_rels_read(zip_t *zip, const char *source, sti_xlsx_rels_t *out, char *err,
                       size_t errlen)
{
    assert(zip && source && out);
    memset(out, 0, sizeof *out);
    s_rels_t state = {.out = out};
    char path[2 * STI_XLSX_PATH_MAX];
    const char *slash = strrchr(source, '/');
    snprintf(state.folder, sizeof state.folder, "%.*s", slash ? (int)(slash - source) : 0, source);
    snprintf(path, sizeof path, "%s%s_rels/%s.rels", state.folder, state.folder[0] ? "/" : "",
             slash ? slash + 1 : source);
    if (!sti_xlsx_part_exists(zip, path)) {
        return 0;
    }
    sti_xlsx_part_t part = {.path = path, .on_start = s_rels_start, .state = &state};
    if (sti_xlsx_part_parse(zip, &part, err, errlen) != 0) {
        sti_xlsx_rels_release(out);
        return -1;
    }
    return 0;
}

const sti_xlsx_rel_t *sti_xlsx_rels_find(const sti_xlsx_rels_t *rels, const char *key, bool by_id)
{
    assert(rels && key);
    for (size_t i = 0; i < rels->count; i++) {
        if (strcmp(by_id ? rels->rels[i].id : rels->rels[i].type, key) == 0) {
            return &rels->rels[i];
        }
    }
    return NULL;
}

void sti_xlsx_rels_release(sti_xlsx_rels_t *rels)
{
    assert(rels);
    free(rels->rels);
    rels->rels = NULL;
    rels->count = 0;
}

long sti_xlsx_part_decimal(const char *text)
{
    long value = 0;
    size_t i = 0;
    for (; text && text[i] >= '0' && text[i] <= '9' && i < 9; i++) {
        value = value * 10 + (text[i] - '0');
    }
    return text && i > 0 && text[i] == 0 ? value : -1;
}
