/*  Unit tests of sti_xlsx_styles: cell styles by index show what their
    number format shows, a custom format by its code and a built-in one by
    its id (the styles of cellStyleXfs do not count); an index it does not
    hold shows nothing; a part that is not a styles part is refused.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sti_xlsx_format.h"
#include "sti_xlsx_styles.h"
#include "xlsx_build.h"

static int s_load(const char *xml, sti_xlsx_styles_t *styles, char *err)
{
    xlsx_build_part_t parts[] = {{"styles.xml", xml, 0}};
    size_t size;
    unsigned char *bytes = xlsx_build_zip(parts, 1, &size);
    zip_error_t zerr;
    zip_error_init(&zerr);
    zip_t *zip =
        zip_open_from_source(zip_source_buffer_create(bytes, size, 0, &zerr), ZIP_RDONLY, &zerr);
    assert_non_null(zip);
    int rc = sti_xlsx_styles_load(styles, zip, "styles.xml", err, 256);
    zip_discard(zip);
    zip_error_fini(&zerr);
    free(bytes);
    return rc;
}

static void test_styles(void **state)
{
    (void)state;
    sti_xlsx_styles_t *styles = sti_xlsx_styles_new();
    char err[256];
    assert_int_equal(sti_xlsx_styles_shows(styles, 0), 0);
    assert_int_equal(
        s_load("<styleSheet xmlns=\"" XLSX_BUILD_NS "\"><numFmts count=\"2\">"
               "<numFmt numFmtId=\"164\" formatCode=\"yyyy&quot;年&quot;m&quot;月&quot;\"/>"
               "<numFmt numFmtId=\"14\" formatCode=\"0.0%\"/></numFmts>"
               "<cellStyleXfs><xf numFmtId=\"22\"/></cellStyleXfs>"
               "<cellXfs><xf numFmtId=\"0\"/><xf numFmtId=\"164\"/><xf numFmtId=\"14\"/>"
               "<xf numFmtId=\"57\"/><xf/><xf numFmtId=\"-3\"/></cellXfs></styleSheet>",
               styles, err),
        0);
    assert_int_equal(sti_xlsx_styles_count(styles), 6);
    assert_int_equal(sti_xlsx_styles_shows(styles, 0), 0);
    assert_int_equal(sti_xlsx_styles_shows(styles, 1), STI_XLSX_SHOWS_YEAR | STI_XLSX_SHOWS_MONTH);
    assert_int_equal(sti_xlsx_styles_shows(styles, 2), STI_XLSX_SHOWS_PERCENT); // 14 redefined
    assert_int_equal(sti_xlsx_styles_shows(styles, 3), STI_XLSX_SHOWS_YEAR | STI_XLSX_SHOWS_MONTH);
    assert_int_equal(sti_xlsx_styles_shows(styles, 4), 0);
    assert_int_equal(sti_xlsx_styles_shows(styles, 5), 0);
    assert_int_equal(sti_xlsx_styles_shows(styles, 6), 0);
    assert_int_equal(sti_xlsx_styles_shows(styles, -1), 0);
    sti_xlsx_styles_destroy(&styles);

    styles = sti_xlsx_styles_new();
    assert_int_equal(s_load("<sst/>", styles, err), -1);
    assert_string_equal(err, "styles.xml: not a styles part (it holds a 'sst')");
    sti_xlsx_styles_destroy(&styles);
    assert_null(styles);
    sti_xlsx_styles_destroy(&styles);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_styles),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
