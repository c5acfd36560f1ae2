/*  Unit tests of sti_xlsx_strings: _xHHHH_ escapes decoded (control
    characters, an escaped underscore, NUL dropped, surrogates replaced,
    malformed ones left), and tables loaded: rich text joined, phonetic runs
    left out, empty strings kept, lookups past the end refused, a table that
    is not one refused.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sti_xlsx_strings.h"
#include "xlsx_build.h"

static const char *s_unescape(const char *text)
{
    static char buf[256];
    snprintf(buf, sizeof buf, "%s", text);
    size_t len = sti_xlsx_unescape(buf, strlen(buf));
    assert_int_equal(strlen(buf), len);
    return buf;
}

static void test_unescape(void **state)
{
    (void)state;
    assert_string_equal(s_unescape("a_x000D__x000A_b"), "a\r\nb");
    assert_string_equal(s_unescape("_x005F_x0041_"), "_x0041_");
    assert_string_equal(s_unescape("_x4E2D_"), "中");
    assert_string_equal(s_unescape("a_x0000_b"), "ab");
    assert_string_equal(s_unescape("_xD800_"), "\xEF\xBF\xBD");
    assert_string_equal(s_unescape("_x00E9_"), "é");
    assert_string_equal(s_unescape("_x12G4_ _x12_ _x1234"), "_x12G4_ _x12_ _x1234");
    assert_string_equal(s_unescape(""), "");
}

static int s_load(const char *sst, sti_xlsx_strings_t *table, char *err)
{
    xlsx_build_part_t parts[] = {{"s.xml", sst, 0}};
    size_t size;
    unsigned char *bytes = xlsx_build_zip(parts, 1, &size);
    zip_error_t zerr;
    zip_error_init(&zerr);
    zip_t *zip =
        zip_open_from_source(zip_source_buffer_create(bytes, size, 0, &zerr), ZIP_RDONLY, &zerr);
    assert_non_null(zip);
    int rc = sti_xlsx_strings_load(table, zip, "s.xml", err, 256);
    zip_discard(zip);
    zip_error_fini(&zerr);
    free(bytes);
    return rc;
}

static void test_load(void **state)
{
    (void)state;
    sti_xlsx_strings_t *table = sti_xlsx_strings_new();
    char err[256];
    assert_int_equal(s_load("<sst xmlns=\"" XLSX_BUILD_NS "\" uniqueCount=\"999999999\">"
                            "<si><t>指标</t></si><si><r><t>a</t></r><r><rPr/><t> b</t></r>"
                            "<rPh><t>x</t></rPh></si><si/><si><t>c_x000D_</t></si></sst>",
                            table, err),
                     0);
    assert_int_equal(sti_xlsx_strings_count(table), 4);
    size_t len = 99;
    assert_string_equal(sti_xlsx_strings_at(table, 0, &len), "指标");
    assert_int_equal(len, 6);
    assert_string_equal(sti_xlsx_strings_at(table, 1, &len), "a b");
    assert_string_equal(sti_xlsx_strings_at(table, 2, &len), "");
    assert_int_equal(len, 0);
    assert_string_equal(sti_xlsx_strings_at(table, 3, &len), "c\r");
    assert_int_equal(len, 2);
    assert_null(sti_xlsx_strings_at(table, 4, &len));
    assert_int_equal(s_load("<worksheet/>", table, err), -1);
    assert_string_equal(err, "s.xml: not a shared-strings table (it holds a 'worksheet')");
    sti_xlsx_strings_destroy(&table);
    assert_null(table);
    sti_xlsx_strings_destroy(&table);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unescape),
        cmocka_unit_test(test_load),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
