/*  Unit tests of sti_xlsx_part: relationship targets resolved against their
    folder (absolute, "..", climbing out refused), relationship parts read
    (external targets left out, by type and by id), attributes by local
    name, and parses: handlers called with local names, text collected
    within its bound, a handler's stop and failure, a part not there.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sti_xlsx_part.h"
#include "xlsx_build.h"

static void test_resolve(void **state)
{
    (void)state;
    char out[STI_XLSX_PATH_MAX];
    assert_int_equal(sti_xlsx_part_resolve("xl", "worksheets/sheet1.xml", out, sizeof out), 0);
    assert_string_equal(out, "xl/worksheets/sheet1.xml");
    assert_int_equal(sti_xlsx_part_resolve("xl", "/xl/a.xml", out, sizeof out), 0);
    assert_string_equal(out, "xl/a.xml");
    assert_int_equal(sti_xlsx_part_resolve("xl/worksheets", "../s.xml", out, sizeof out), 0);
    assert_string_equal(out, "xl/s.xml");
    assert_int_equal(sti_xlsx_part_resolve("", "./xl//b.xml", out, sizeof out), 0);
    assert_string_equal(out, "xl/b.xml");
    assert_int_equal(sti_xlsx_part_resolve("xl", "../../etc/passwd", out, sizeof out), -1);
    assert_int_equal(sti_xlsx_part_resolve("", "", out, sizeof out), -1);
    assert_int_equal(sti_xlsx_part_resolve("xl", "a.xml", out, 5), -1);
}

static zip_t *s_zip(const xlsx_build_part_t *parts, size_t count, unsigned char **bytes)
{
    size_t size;
    *bytes = xlsx_build_zip(parts, count, &size);
    zip_error_t zerr;
    zip_error_init(&zerr);
    zip_source_t *source = zip_source_buffer_create(*bytes, size, 0, &zerr);
    zip_t *zip = zip_open_from_source(source, ZIP_RDONLY, &zerr);
    assert_non_null(zip);
    zip_error_fini(&zerr);
    return zip;
}

static void test_rels(void **state)
{
    (void)state;
    xlsx_build_part_t parts[] = {
        {"xl/_rels/workbook.xml.rels",
         "<Relationships xmlns=\"" XLSX_BUILD_PNS "\">"
         "<Relationship Id=\"rId1\" Type=\"" XLSX_BUILD_RNS "/worksheet\" Target=\"a/b.xml\"/>"
         "<Relationship Id=\"rId2\" Type=\"" XLSX_BUILD_RNS "/hyperlink\" Target=\"http://x\" "
         "TargetMode=\"External\"/>"
         "<Relationship Id=\"rId3\" Type=\"" XLSX_BUILD_RNS "/styles\" Target=\"../../up.xml\"/>"
         "</Relationships>",
         0},
        {"xl/workbook.xml", "<workbook/>", 0}};
    unsigned char *bytes;
    zip_t *zip = s_zip(parts, 2, &bytes);
    sti_xlsx_rels_t rels;
    char err[256];
    assert_int_equal(sti_xlsx_rels_read(zip, "xl/workbook.xml", &rels, err, sizeof err), 0);
    assert_int_equal(rels.count, 1);
    const sti_xlsx_rel_t *rel = sti_xlsx_rels_find(&rels, "worksheet", false);
    assert_non_null(rel);
    assert_string_equal(rel->path, "xl/a/b.xml");
    assert_ptr_equal(sti_xlsx_rels_find(&rels, "rId1", true), rel);
    assert_null(sti_xlsx_rels_find(&rels, "styles", false));
    sti_xlsx_rels_release(&rels);
    //  No relationships part: none, and no error.
    assert_int_equal(sti_xlsx_rels_read(zip, "", &rels, err, sizeof err), 0);
    assert_int_equal(rels.count, 0);
    assert_true(sti_xlsx_part_exists(zip, "XL/WORKBOOK.XML"));
    assert_false(sti_xlsx_part_exists(zip, "xl/none.xml"));
    assert_false(sti_xlsx_part_exists(zip, ""));
    zip_discard(zip);
    free(bytes);
}

//  A parse that records start tags and collects the text of <t>.
typedef struct {
    char seen[256]; // "name;" per start tag
    int stop_at;    // stop at this start tag (0: never)
    int fail_at;    // fail at this start tag (0: never)
    int tags;       // start tags seen
} s_state_t;

static void s_start(sti_xlsx_part_t *part, const char *name, const char **attrs)
{
    s_state_t *state = (s_state_t *)part->state;
    strcat(state->seen, name);
    const char *id = sti_xlsx_part_attr(attrs, "id");
    if (id) {
        strcat(state->seen, "=");
        strcat(state->seen, id);
    }
    strcat(state->seen, ";");
    if (strcmp(name, "t") == 0) {
        sti_xlsx_part_text_clear(part);
        sti_xlsx_part_collect(part, true);
    }
    if (++state->tags == state->stop_at) {
        sti_xlsx_part_stop(part);
    }
    if (state->tags == state->fail_at) {
        sti_xlsx_part_fail(part, "tag %d is wrong", state->tags);
    }
}

static void s_end(sti_xlsx_part_t *part, const char *name)
{
    s_state_t *state = (s_state_t *)part->state;
    if (strcmp(name, "t") == 0) {
        sti_xlsx_part_collect(part, false);
        strcat(state->seen, "[");
        strcat(state->seen, part->text ? part->text : "");
        strcat(state->seen, "]");
    }
}

static int s_parse(zip_t *zip, s_state_t *state, size_t text_max, char *err)
{
    sti_xlsx_part_t part = {.path = "p.xml",
                            .on_start = s_start,
                            .on_end = s_end,
                            .state = state,
                            .text_max = text_max};
    snprintf(part.where, sizeof part.where, "the t");
    return sti_xlsx_part_parse(zip, &part, err, 256);
}

static void test_parse(void **state)
{
    (void)state;
    xlsx_build_part_t parts[] = {
        {"p.xml",
         "<x:a xmlns:x=\"urn:a\" xmlns:r=\"urn:r\"><x:b r:id=\"7\"/><x:t>he&amp;llo</x:t>"
         "<c><t>é</t></c></x:a>",
         0}};
    unsigned char *bytes;
    zip_t *zip = s_zip(parts, 1, &bytes);
    char err[256] = "";
    s_state_t seen = {"", 0, 0, 0};
    assert_int_equal(s_parse(zip, &seen, 0, err), 0);
    assert_string_equal(seen.seen, "a;b=7;t;[he&llo]c;t;[é]");
    seen = (s_state_t){"", 2, 0, 0};
    assert_int_equal(s_parse(zip, &seen, 0, err), 1);
    assert_string_equal(seen.seen, "a;b=7;");
    seen = (s_state_t){"", 0, 3, 0};
    assert_int_equal(s_parse(zip, &seen, 0, err), -1);
    assert_string_equal(err, "p.xml: tag 3 is wrong");
    seen = (s_state_t){"", 0, 0, 0};
    assert_int_equal(s_parse(zip, &seen, 4, err), -1);
    assert_string_equal(err, "p.xml: the t: a text longer than 4 bytes");
    sti_xlsx_part_t missing = {.path = "q.xml"};
    assert_int_equal(sti_xlsx_part_parse(zip, &missing, err, sizeof err), -1);
    assert_string_equal(err, "q.xml is not in the file");
    zip_discard(zip);
    free(bytes);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_resolve),
        cmocka_unit_test(test_rels),
        cmocka_unit_test(test_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
