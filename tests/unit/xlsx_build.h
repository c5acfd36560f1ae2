/*  Builds .xlsx files in memory for the tests of sti_xlsx_reader and for
    fuzz_xlsx: a zip archive (libzip, deflated) of named parts, and a
    one-sheet workbook around a sheet's <sheetData> content. Header only, so
    it needs no target of its own; aborts on any libzip failure (a test
    bug, not input).
*/
#pragma once
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

//  One part of the archive.
typedef struct {
    const char *name; // its name in the archive
    const void *data; // its bytes
    size_t len;       // their number (0: strlen of data)
} xlsx_build_part_t;

//  The archive of count parts, as new bytes (caller frees) of *size.
static inline unsigned char *xlsx_build_zip(const xlsx_build_part_t *parts, size_t count,
                                            size_t *size)
{
    zip_error_t zerr;
    zip_error_init(&zerr);
    zip_source_t *buffer = zip_source_buffer_create(NULL, 0, 0, &zerr);
    zip_t *zip = buffer ? zip_open_from_source(buffer, ZIP_TRUNCATE, &zerr) : NULL;
    if (!zip) {
        abort();
    }
    zip_source_keep(buffer);
    for (size_t i = 0; i < count; i++) {
        size_t len = parts[i].len ? parts[i].len : strlen((const char *)parts[i].data);
        zip_source_t *part = zip_source_buffer(zip, parts[i].data, len, 0);
        if (!part || zip_file_add(zip, parts[i].name, part, ZIP_FL_OVERWRITE) < 0) {
            abort();
        }
    }
    if (zip_close(zip) != 0 || zip_source_open(buffer) != 0) {
        abort();
    }
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_source_stat(buffer, &st) != 0) {
        abort();
    }
    unsigned char *bytes = (unsigned char *)malloc(st.size ? st.size : 1);
    if (!bytes || zip_source_read(buffer, bytes, st.size) != (zip_int64_t)st.size) {
        abort();
    }
    zip_source_close(buffer);
    zip_source_free(buffer);
    zip_error_fini(&zerr);
    *size = st.size;
    return bytes;
}

#define XLSX_BUILD_NS "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
#define XLSX_BUILD_RNS "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
#define XLSX_BUILD_PNS "http://schemas.openxmlformats.org/package/2006/relationships"

//  The parts of a workbook with one sheet named 填报 whose <sheetData> holds
//  sheet_data; strings (the <sst> content) and styles (the <styleSheet>
//  content) are left out when NULL. Returns new bytes (caller frees).
static inline unsigned char *xlsx_build_workbook(const char *sheet_data, const char *strings,
                                                 const char *styles, size_t *size)
{
    static const char *rels =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships xmlns=\"" XLSX_BUILD_PNS "\">"
        "<Relationship Id=\"rId1\" Type=\"" XLSX_BUILD_RNS "/officeDocument\" "
        "Target=\"xl/workbook.xml\"/></Relationships>";
    static const char *workbook =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><workbook xmlns=\"" XLSX_BUILD_NS "\" "
        "xmlns:r=\"" XLSX_BUILD_RNS "\"><sheets><sheet name=\"填报\" sheetId=\"1\" r:id=\"rId1\"/>"
        "</sheets></workbook>";
    static const char *workbook_rels =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships xmlns=\"" XLSX_BUILD_PNS "\">"
        "<Relationship Id=\"rId1\" Type=\"" XLSX_BUILD_RNS "/worksheet\" "
        "Target=\"worksheets/sheet1.xml\"/>"
        "<Relationship Id=\"rId2\" Type=\"" XLSX_BUILD_RNS "/sharedStrings\" "
        "Target=\"sharedStrings.xml\"/>"
        "<Relationship Id=\"rId3\" Type=\"" XLSX_BUILD_RNS "/styles\" Target=\"styles.xml\"/>"
        "</Relationships>";
    size_t sheet_len = strlen(sheet_data) + 200;
    char *sheet = (char *)malloc(sheet_len);
    snprintf(sheet, sheet_len,
             "<?xml version=\"1.0\" encoding=\"UTF-8\"?><worksheet xmlns=\"" XLSX_BUILD_NS "\">"
             "<sheetData>%s</sheetData></worksheet>",
             sheet_data);
    char *sst = NULL, *style = NULL;
    xlsx_build_part_t parts[6] = {{"_rels/.rels", rels, 0},
                                  {"xl/workbook.xml", workbook, 0},
                                  {"xl/_rels/workbook.xml.rels", workbook_rels, 0},
                                  {"xl/worksheets/sheet1.xml", sheet, 0}};
    size_t count = 4;
    if (strings) {
        size_t len = strlen(strings) + 200;
        sst = (char *)malloc(len);
        snprintf(sst, len, "<?xml version=\"1.0\"?><sst xmlns=\"" XLSX_BUILD_NS "\">%s</sst>",
                 strings);
        parts[count++] = (xlsx_build_part_t){"xl/sharedStrings.xml", sst, 0};
    }
    if (styles) {
        size_t len = strlen(styles) + 200;
        style = (char *)malloc(len);
        snprintf(style, len,
                 "<?xml version=\"1.0\"?><styleSheet xmlns=\"" XLSX_BUILD_NS "\">%s</styleSheet>",
                 styles);
        parts[count++] = (xlsx_build_part_t){"xl/styles.xml", style, 0};
    }
    unsigned char *bytes = xlsx_build_zip(parts, count, size);
    free(sheet);
    free(sst);
    free(style);
    return bytes;
}
