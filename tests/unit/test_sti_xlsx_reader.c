/*  Unit tests of sti_xlsx_reader (with sti_xlsx_part and sti_xlsx_strings
    under it): every kind of cell, dates and percentages by their style,
    formulas by their saved result, rows and columns with and without
    references, prefixed XML, the 1904 date system; and hostile files, each
    refused with a reason that names the part and the cell: not a zip, an
    old .xls, a DOCTYPE, deep nesting, broken XML, a shared string that is
    not there, a shared-strings table past its bound, a zip bomb, a lying
    entry count, a sheet that is not there, cells out of order, a row wider
    than Excel's, a cell longer than its bound. Files are built in memory
    (xlsx_build.h).
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sti_xlsx_reader.h"
#include "xlsx_build.h"

//  What a read saw: every cell as "ROW:COLUMN=kind:text" lines.
typedef struct {
    char seen[8192]; // the lines
    size_t rows;     // rows handed over
    size_t stop_at;  // stop after this many rows (0: never)
} s_seen_t;

static int s_on_row(void *arg, size_t row, const sti_xlsx_cell_t *cells, size_t count)
{
    s_seen_t *seen = (s_seen_t *)arg;
    static const char kinds[] = "-NTBED";
    assert_true(count >= 1);
    assert_true(cells[count - 1].kind != STI_XLSX_EMPTY || cells[count - 1].formula);
    for (size_t c = 0; c < count; c++) {
        char buf[64], name[16];
        size_t used = strlen(seen->seen);
        assert_true(strlen(cells[c].text) == cells[c].len || cells[c].kind != STI_XLSX_TEXT);
        snprintf(seen->seen + used, sizeof seen->seen - used, "%s=%c%s:%s\n",
                 sti_xlsx_cell_name(c, row, name, sizeof name), kinds[cells[c].kind],
                 cells[c].formula ? "f" : "", sti_xlsx_cell_text(&cells[c], buf, sizeof buf));
    }
    seen->rows++;
    return seen->stop_at && seen->rows == seen->stop_at;
}

//  Reads the first sheet of bytes. Returns what read returned; err gets the reason.
static int s_read(const unsigned char *bytes, size_t size, s_seen_t *seen, char *err, size_t cap)
{
    err[0] = 0;
    sti_xlsx_reader_t *reader = sti_xlsx_reader_open_buffer(bytes, size, err, cap);
    if (!reader) {
        assert_true(err[0] != 0);
        return -2;
    }
    int rc = sti_xlsx_reader_read(reader, 0, s_on_row, seen, err, cap);
    assert_true(rc == 0 || rc == 1 || err[0] != 0);
    sti_xlsx_reader_destroy(&reader);
    sti_xlsx_reader_destroy(&reader);
    return rc;
}

//  Builds a workbook, reads it, and checks the outcome: `expect` is the
//  cells seen when rc is 0, or a piece of the reason when it is not.
static void s_expect(const char *sheet, const char *strings, const char *styles, int rc,
                     const char *expect)
{
    size_t size;
    unsigned char *bytes = xlsx_build_workbook(sheet, strings, styles, &size);
    s_seen_t seen = {"", 0, 0};
    char err[512];
    int got = s_read(bytes, size, &seen, err, sizeof err);
    free(bytes);
    if (got != rc) {
        fail_msg("rc %d, not %d: %s %s", got, rc, err, seen.seen);
    }
    if (rc == 0 && strcmp(seen.seen, expect) != 0) {
        fail_msg("saw:\n%s\nnot:\n%s", seen.seen, expect);
    }
    if (rc != 0 && !strstr(err, expect)) {
        fail_msg("'%s' does not say '%s'", err, expect);
    }
}

static const char *s_styles =
    "<numFmts count=\"2\"><numFmt numFmtId=\"164\" formatCode=\"yyyy-mm\"/>"
    "<numFmt numFmtId=\"165\" formatCode=\"0.0%\"/></numFmts>"
    "<cellStyleXfs count=\"1\"><xf numFmtId=\"14\"/></cellStyleXfs>"
    "<cellXfs count=\"6\"><xf numFmtId=\"0\"/><xf numFmtId=\"14\"/><xf numFmtId=\"164\"/>"
    "<xf numFmtId=\"10\"/><xf numFmtId=\"57\"/><xf numFmtId=\"165\"/></cellXfs>";

static void test_cells(void **state)
{
    (void)state;
    s_expect("<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c><c r=\"B1\" t=\"s\"><v>1</v></c>"
             "<c r=\"D1\" t=\"inlineStr\"><is><t>数值</t></is></c></row>"
             "<row r=\"3\"><c r=\"A3\"><v>2023</v></c><c r=\"B3\"><v>52.5</v></c>"
             "<c r=\"C3\" t=\"b\"><v>1</v></c><c r=\"D3\" t=\"e\"><v>#N/A</v></c>"
             "<c r=\"E3\"><f>A3+1</f><v>2024</v></c><c r=\"F3\" t=\"str\"><f>\"a\"</f><v>ab</v></c>"
             "<c r=\"G3\" s=\"3\"/></row>"
             "<row r=\"4\"><c r=\"B4\"><f>1/0</f></c></row>"
             "<row r=\"5\"><c r=\"A5\" s=\"2\"/></row>",
             "<si><t>指标</t></si><si><r><t>组</t></r><r><t>织</t></r></si>", s_styles, 0,
             "A1=T:指标\nB1=T:组织\nC1=-:\nD1=T:数值\n"
             "A3=N:2023\nB3=N:52.5\nC3=B:TRUE\nD3=E:#N/A\nE3=Nf:2024\nF3=Tf:ab\n"
             "A4=-:\nB4=-f:\n");
}

static void test_dates_and_percentages(void **state)
{
    (void)state;
    s_expect("<row><c s=\"1\"><v>45047</v></c><c s=\"2\"><v>45047</v></c>"
             "<c s=\"4\"><v>45047</v></c><c s=\"3\"><v>0.035</v></c><c s=\"5\"><v>0.6452</v></c>"
             "<c s=\"9\"><v>45047</v></c><c s=\"1\"><v>-5</v></c></row>",
             NULL, s_styles, 0,
             "A1=D:2023-05-01\nB1=D:2023-05\nC1=D:2023-05\nD1=N:3.5%\nE1=N:64.52%\n"
             "F1=N:45047\nG1=N:-5\n");
    //  No styles part: every number is a number.
    s_expect("<row><c s=\"1\"><v>45047</v></c></row>", NULL, NULL, 0, "A1=N:45047\n");
}

static void test_text_forms(void **state)
{
    (void)state;
    //  Phonetic runs left out, escapes decoded, whitespace kept.
    s_expect("<row><c t=\"s\"><v>0</v></c><c t=\"inlineStr\"><is><r><t xml:space=\"preserve\"> a "
             "</t></r><rPh sb=\"0\" eb=\"1\"><t>ア</t></rPh></is></c>"
             "<c t=\"inlineStr\"><is><t>x_x000D_y_x005F_x0041_</t></is></c></row>",
             "<si><t>东湖</t><rPh sb=\"0\" eb=\"2\"><t>とうこ</t></rPh></si>", NULL, 0,
             "A1=T:东湖\nB1=T: a \nC1=T:x\ry_x0041_\n");
    //  An <is> without t="inlineStr" is still text; a number with spaces is a number.
    s_expect("<row><c><is><t>2023</t></is></c><c><v> 7 </v></c></row>", NULL, NULL, 0,
             "A1=T:2023\nB1=N:7\n");
}

static void test_prefixed_and_1904(void **state)
{
    (void)state;
    static const char *workbook =
        "<x:workbook xmlns:x=\"" XLSX_BUILD_NS "\" xmlns:r=\"" XLSX_BUILD_RNS "\">"
        "<x:workbookPr date1904=\"1\"/><x:sheets><x:sheet name=\"S\" sheetId=\"1\" r:id=\"rId9\"/>"
        "</x:sheets></x:workbook>";
    static const char *rels =
        "<Relationships xmlns=\"" XLSX_BUILD_PNS
        "\"><Relationship Id=\"rId9\" Type=\"" XLSX_BUILD_RNS
        "/worksheet\" Target=\"/xl/sheets/../s.xml\"/><Relationship Id=\"rId8\" "
        "Type=\"" XLSX_BUILD_RNS "/styles\" Target=\"st.xml\"/></Relationships>";
    static const char *sheet = "<x:worksheet xmlns:x=\"" XLSX_BUILD_NS "\"><x:sheetData><x:row>"
                               "<x:c s=\"0\"><x:v>43585</x:v></x:c></x:row></x:sheetData>"
                               "</x:worksheet>";
    static const char *styles = "<styleSheet xmlns=\"" XLSX_BUILD_NS "\"><cellXfs>"
                                "<xf numFmtId=\"14\"/></cellXfs></styleSheet>";
    //  No _rels/.rels: the workbook is looked for where it usually is.
    xlsx_build_part_t parts[] = {{"xl/workbook.xml", workbook, 0},
                                 {"xl/_rels/workbook.xml.rels", rels, 0},
                                 {"xl/s.xml", sheet, 0},
                                 {"XL/ST.XML", styles, 0}};
    size_t size;
    unsigned char *bytes = xlsx_build_zip(parts, 4, &size);
    s_seen_t seen = {"", 0, 0};
    char err[512];
    sti_xlsx_reader_t *reader = sti_xlsx_reader_open_buffer(bytes, size, err, sizeof err);
    assert_non_null(reader);
    assert_int_equal(sti_xlsx_reader_sheet_count(reader), 1);
    assert_string_equal(sti_xlsx_reader_sheet_name(reader, 0), "S");
    assert_null(sti_xlsx_reader_sheet_name(reader, 1));
    assert_int_equal(sti_xlsx_reader_sheet_find(reader, "S"), 0);
    assert_int_equal(sti_xlsx_reader_sheet_find(reader, "T"), -1);
    assert_int_equal(sti_xlsx_reader_read(reader, 0, s_on_row, &seen, err, sizeof err), 0);
    assert_string_equal(seen.seen, "A1=D:2023-05-01\n");
    assert_int_equal(sti_xlsx_reader_read(reader, 1, s_on_row, &seen, err, sizeof err), -1);
    assert_string_equal(err, "the workbook has 1 sheets, not 2");
    sti_xlsx_reader_destroy(&reader);
    free(bytes);
}

static void test_stop(void **state)
{
    (void)state;
    size_t size;
    unsigned char *bytes = xlsx_build_workbook(
        "<row><c><v>1</v></c></row><row><c><v>2</v></c></row><row><c><v>3</v></c></row>", NULL,
        NULL, &size);
    s_seen_t seen = {"", 0, 2};
    char err[256];
    assert_int_equal(s_read(bytes, size, &seen, err, sizeof err), 1);
    assert_int_equal(seen.rows, 2);
    free(bytes);
}

static void test_hostile_sheets(void **state)
{
    (void)state;
    s_expect("<row><c t=\"s\"><v>3</v></c></row>", "<si><t>a</t></si>", NULL, -1,
             "xl/worksheets/sheet1.xml: cell A1: shared string '3' is not in the table of 1");
    s_expect("<row><c t=\"s\"><v>-1</v></c></row>", NULL, NULL, -1, "is not in the table of 0");
    s_expect("<row><c><v>12a</v></c></row>", NULL, NULL, -1, "cell A1: '12a' is not a number");
    s_expect("<row><c><v>1e999</v></c></row>", NULL, NULL, -1, "is not a number");
    s_expect("<row><c t=\"b\"><v>2</v></c></row>", NULL, NULL, -1, "'2' is not a boolean");
    s_expect("<row><c t=\"z\"><v>2</v></c></row>", NULL, NULL, -1, "unknown cell type 'z'");
    s_expect("<row r=\"2\"><c r=\"B2\"><v>1</v></c><c r=\"A2\"><v>1</v></c></row>", NULL, NULL, -1,
             "cell A2: cells must go left to right");
    s_expect("<row r=\"2\"><c r=\"B3\"><v>1</v></c></row>", NULL, NULL, -1,
             "cell B3 is inside row 2");
    s_expect("<row r=\"5\"/><row r=\"3\"/>", NULL, NULL, -1, "row 3 comes after row 5");
    s_expect("<row r=\"1048577\"/>", NULL, NULL, -1, "a row number must be 1 to 1048576");
    s_expect("<row><c r=\"XFE1\"><v>1</v></c></row>", NULL, NULL, -1,
             "'XFE1' is not a cell reference");
    s_expect("<c><v>1</v></c>", NULL, NULL, -1, "a cell outside a row");
    s_expect("<row><c><v>1</v></row>", NULL, NULL, -1,
             "xl/worksheets/sheet1.xml: broken XML at line 1, column");
}

static void test_hostile_xml(void **state)
{
    (void)state;
    char *deep = calloc(1, 40000);
    for (int i = 0; i < 2000; i++) {
        strcat(deep, "<row>");
    }
    s_expect(deep, NULL, NULL, -1, "XML nested deeper than 32 elements");
    free(deep);

    static const char *laughs =
        "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">"
        "<!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">]>"
        "<worksheet><sheetData><row><c t=\"inlineStr\"><is><t>&lol2;</t></is></c></row>"
        "</sheetData></worksheet>";
    static const char *external =
        "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>"
        "<worksheet><sheetData><row><c t=\"inlineStr\"><is><t>&e;</t></is></c></row>"
        "</sheetData></worksheet>";
    const char *sheets[] = {laughs, external};
    for (int i = 0; i < 2; i++) {
        size_t size;
        unsigned char *good = xlsx_build_workbook("", NULL, NULL, &size);
        free(good);
        xlsx_build_part_t parts[] = {
            {"xl/workbook.xml",
             "<workbook xmlns:r=\"" XLSX_BUILD_RNS "\"><sheets><sheet name=\"a\" r:id=\"r1\"/>"
             "</sheets></workbook>",
             0},
            {"xl/_rels/workbook.xml.rels",
             "<Relationships><Relationship Id=\"r1\" Type=\"x/worksheet\" Target=\"s.xml\"/>"
             "</Relationships>",
             0},
            {"xl/s.xml", sheets[i], 0}};
        unsigned char *bytes = xlsx_build_zip(parts, 3, &size);
        s_seen_t seen = {"", 0, 0};
        char err[512];
        assert_int_equal(s_read(bytes, size, &seen, err, sizeof err), -1);
        assert_string_equal(err, "xl/s.xml: a DOCTYPE is not allowed in an .xlsx part");
        assert_int_equal(seen.rows, 0);
        free(bytes);
    }

    //  One cell of more text than a cell may have.
    size_t big = STI_XLSX_STRING_MAX + 10;
    char *sheet = malloc(big + 100);
    strcpy(sheet, "<row><c t=\"inlineStr\"><is><t>");
    memset(sheet + strlen(sheet), 'x', big);
    strcpy(sheet + 30 + big, "</t></is></c></row>");
    s_expect(sheet, NULL, NULL, -1, "cell A1: a text longer than 131072 bytes");
    free(sheet);
}

static void test_wide_row(void **state)
{
    (void)state;
    size_t count = 1000000;
    char *sheet = malloc(count * 16 + 32);
    strcpy(sheet, "<row>");
    char *at = sheet + 5;
    for (size_t i = 0; i < count; i++) {
        memcpy(at, "<c><v>1</v></c>", 15);
        at += 15;
    }
    strcpy(at, "</row>");
    s_expect(sheet, NULL, NULL, -1, "row 1 has more than 16384 columns");
    free(sheet);
}

static void test_shared_strings_bound(void **state)
{
    (void)state;
    size_t count = STI_XLSX_STRINGS_MAX + 1;
    char *strings = malloc(count * 17 + 1);
    char *at = strings;
    for (size_t i = 0; i < count; i++) {
        memcpy(at, "<si><t>a</t></si>", 17);
        at += 17;
    }
    *at = 0;
    s_expect("<row><c t=\"s\"><v>0</v></c></row>", strings, NULL, -1,
             "xl/sharedStrings.xml: more than 1000000 shared strings");
    free(strings);
    s_expect("<row/>", "<si><t>a</t></si>", NULL, 0, ""); // within the bound: nothing to see
    s_expect("<row/>", "<si><t>a</t></si><wrong/>", NULL, 0, "");
}

//  Patches the 4-byte little-endian field at offset of the central
//  directory entry of `name`.
static void s_patch_central(unsigned char *bytes, size_t size, const char *name, size_t offset,
                            uint32_t value)
{
    size_t len = strlen(name);
    for (size_t at = 0; at + 46 + len <= size; at++) {
        if (memcmp(bytes + at, "PK\x01\x02", 4) == 0 && memcmp(bytes + at + 46, name, len) == 0) {
            for (int i = 0; i < 4; i++) {
                bytes[at + offset + (size_t)i] = (unsigned char)(value >> (8 * i));
            }
            return;
        }
    }
    fail_msg("no entry %s", name);
}

static void test_hostile_archives(void **state)
{
    (void)state;
    char err[512];
    s_seen_t seen = {"", 0, 0};
    assert_int_equal(s_read((const unsigned char *)"", 0, &seen, err, sizeof err), -2);
    assert_string_equal(err, "not an .xlsx file: it is not a zip archive (it is empty)");
    assert_int_equal(s_read((const unsigned char *)"indicator,org", 13, &seen, err, sizeof err),
                     -2);
    assert_string_equal(err, "not an .xlsx file: it is not a zip archive");
    assert_int_equal(s_read((const unsigned char *)"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1xxxx", 12,
                            &seen, err, sizeof err),
                     -2);
    assert_non_null(strstr(err, "an old .xls workbook"));
    assert_int_equal(s_read((const unsigned char *)"PK\x03\x04garbage", 11, &seen, err, sizeof err),
                     -2);
    assert_non_null(strstr(err, "the zip archive is damaged"));

    //  A zip bomb: the sheet says it unpacks to 512 MiB.
    size_t size;
    unsigned char *bytes = xlsx_build_workbook("<row><c><v>1</v></c></row>", NULL, NULL, &size);
    s_patch_central(bytes, size, "xl/worksheets/sheet1.xml", 24, 512u << 20);
    assert_int_equal(s_read(bytes, size, &seen, err, sizeof err), -1);
    assert_string_equal(err, "xl/worksheets/sheet1.xml would unpack to 512 MiB, more than the 256 "
                             "MiB a part may have (a zip bomb, or a sheet too large for one file)");
    free(bytes);

    //  A sheet that says it is smaller than it is: what is really there is
    //  read (and counted against the bound as it unpacks).
    bytes = xlsx_build_workbook("<row><c><v>1</v></c></row>", NULL, NULL, &size);
    s_patch_central(bytes, size, "xl/worksheets/sheet1.xml", 24, 10);
    assert_int_equal(s_read(bytes, size, &seen, err, sizeof err), 0);
    assert_string_equal(seen.seen, "A1=N:1\n");
    free(bytes);

    //  An end record that declares 65,000 entries.
    bytes = xlsx_build_workbook("", NULL, NULL, &size);
    bytes[size - 22 + 10] = 0xE8, bytes[size - 22 + 11] = 0xFD;
    assert_int_equal(s_read(bytes, size, &seen, err, sizeof err), -2);
    assert_string_equal(err, "not an .xlsx file: its zip archive declares 65000 entries, more "
                             "than 10000");
    free(bytes);
}

static void test_missing_parts(void **state)
{
    (void)state;
    char err[512];
    s_seen_t seen = {"", 0, 0};
    size_t size;
    //  The workbook lists a sheet whose part is not there.
    xlsx_build_part_t no_sheet[] = {
        {"xl/workbook.xml",
         "<workbook xmlns:r=\"" XLSX_BUILD_RNS "\"><sheets><sheet name=\"填报\" r:id=\"r1\"/>"
         "</sheets></workbook>",
         0},
        {"xl/_rels/workbook.xml.rels",
         "<Relationships><Relationship Id=\"r1\" Type=\"x/worksheet\" Target=\"worksheets/s.xml\"/>"
         "</Relationships>",
         0}};
    unsigned char *bytes = xlsx_build_zip(no_sheet, 2, &size);
    assert_int_equal(s_read(bytes, size, &seen, err, sizeof err), -1);
    assert_string_equal(err,
                        "the sheet '填报' is not there: xl/worksheets/s.xml is not in the file");
    free(bytes);
    //  No sheet at all, and a sheet with no relationship.
    no_sheet[0].data = "<workbook><sheets/></workbook>";
    bytes = xlsx_build_zip(no_sheet, 2, &size);
    assert_int_equal(s_read(bytes, size, &seen, err, sizeof err), -1);
    assert_string_equal(err, "the workbook lists no sheet");
    free(bytes);
    no_sheet[0].data = "<workbook><sheets><sheet name=\"a\"/></sheets></workbook>";
    bytes = xlsx_build_zip(no_sheet, 2, &size);
    assert_int_equal(s_read(bytes, size, &seen, err, sizeof err), -1);
    assert_string_equal(err, "the sheet 'a' is not there: the workbook names no part for it");
    free(bytes);
    //  A chart sheet, a Word file, no workbook.
    no_sheet[0].data = "<workbook xmlns:r=\"" XLSX_BUILD_RNS "\"><sheets><sheet name=\"c\" "
                       "r:id=\"r1\"/></sheets></workbook>";
    no_sheet[1].data = "<Relationships><Relationship Id=\"r1\" Type=\"x/chartsheet\" "
                       "Target=\"c.xml\"/></Relationships>";
    bytes = xlsx_build_zip(no_sheet, 2, &size);
    assert_int_equal(s_read(bytes, size, &seen, err, sizeof err), -1);
    assert_string_equal(err, "the sheet 'c' is a chartsheet, not a table of cells");
    free(bytes);
    xlsx_build_part_t word[] = {{"_rels/.rels",
                                 "<Relationships><Relationship Id=\"r\" Type=\"x/officeDocument\" "
                                 "Target=\"word/document.xml\"/></Relationships>",
                                 0},
                                {"word/document.xml", "<document/>", 0}};
    bytes = xlsx_build_zip(word, 2, &size);
    assert_int_equal(s_read(bytes, size, &seen, err, sizeof err), -2);
    assert_string_equal(err, "word/document.xml: not an Excel workbook (its main part holds a "
                             "'document')");
    free(bytes);
    bytes = xlsx_build_zip(word + 1, 1, &size);
    assert_int_equal(s_read(bytes, size, &seen, err, sizeof err), -2);
    assert_string_equal(err, "not an Excel workbook: xl/workbook.xml is not in the file");
    free(bytes);
    //  Climbing out of the archive is not followed.
    no_sheet[1].data = "<Relationships><Relationship Id=\"r1\" Type=\"x/worksheet\" "
                       "Target=\"../../../etc/passwd\"/></Relationships>";
    bytes = xlsx_build_zip(no_sheet, 2, &size);
    assert_int_equal(s_read(bytes, size, &seen, err, sizeof err), -1);
    assert_string_equal(err, "the sheet 'c' is not there: the workbook names no part for it");
    free(bytes);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cells),
        cmocka_unit_test(test_dates_and_percentages),
        cmocka_unit_test(test_text_forms),
        cmocka_unit_test(test_prefixed_and_1904),
        cmocka_unit_test(test_stop),
        cmocka_unit_test(test_hostile_sheets),
        cmocka_unit_test(test_hostile_xml),
        cmocka_unit_test(test_wide_row),
        cmocka_unit_test(test_shared_strings_bound),
        cmocka_unit_test(test_hostile_archives),
        cmocka_unit_test(test_missing_parts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
