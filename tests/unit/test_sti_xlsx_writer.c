/*  Unit tests of sti_xlsx_writer: a workbook written and read back with
    sti_xlsx_reader (text in Chinese, numbers, percentages, blanks, two
    sheets), the form rules found in the sheet's XML (drop-downs written
    out and from another sheet, number bounds, text columns), and the
    errors: a bad sheet name, a cell before any sheet, a path that cannot
    be written (no file is left behind).
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <zip.h>

#include "sti_xlsx_reader.h"
#include "sti_xlsx_writer.h"

static int s_collect(void *arg, size_t row, const sti_xlsx_cell_t *cells, size_t count)
{
    char *seen = (char *)arg;
    for (size_t c = 0; c < count; c++) {
        char buf[64], name[16];
        size_t used = strlen(seen);
        snprintf(seen + used, 4096 - used, "%s=%s%s\n",
                 sti_xlsx_cell_name(c, row, name, sizeof name),
                 cells[c].kind == STI_XLSX_NUMBER ? "#" : "",
                 sti_xlsx_cell_text(&cells[c], buf, sizeof buf));
    }
    return 0;
}

//  The text of one part of the archive at path (caller frees).
static char *s_part(const char *path, const char *name)
{
    int error = 0;
    zip_t *zip = zip_open(path, ZIP_RDONLY, &error);
    assert_non_null(zip);
    zip_stat_t st;
    assert_int_equal(zip_stat(zip, name, 0, &st), 0);
    char *text = calloc(1, st.size + 1);
    zip_file_t *file = zip_fopen(zip, name, 0);
    assert_int_equal(zip_fread(file, text, st.size), (zip_int64_t)st.size);
    zip_fclose(file);
    zip_discard(zip);
    return text;
}

static void test_round_trip(void **state)
{
    (void)state;
    char path[] = "/tmp/sti-xlsx-writer-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    char err[256] = "";
    sti_xlsx_writer_t *writer = sti_xlsx_writer_new(path, err, sizeof err);
    assert_non_null(writer);
    assert_int_equal(sti_xlsx_writer_sheet(writer, "进度"), 0);
    static const char *const titles[] = {"指标", "期间", "数值", "完成度", NULL};
    sti_xlsx_writer_column_text(writer, 1);
    sti_xlsx_writer_header(writer, titles);
    sti_xlsx_writer_text(writer, "高新技术企业");
    sti_xlsx_writer_text(writer, "2023-05");
    sti_xlsx_writer_number(writer, 52.5);
    sti_xlsx_writer_percent(writer, 0.645);
    sti_xlsx_writer_end_row(writer);
    sti_xlsx_writer_text(writer, "=1+1"); // text, never a formula
    sti_xlsx_writer_blank(writer);
    sti_xlsx_writer_number(writer, 0.0 / 0.0);
    sti_xlsx_writer_text(writer, NULL);
    sti_xlsx_writer_end_row(writer);
    assert_int_equal(sti_xlsx_writer_row(writer), 3);
    static const char *const choices[] = {"亿元", "万元", NULL};
    sti_xlsx_writer_choices(writer, 0, 1, 99, choices, "选择单位");
    sti_xlsx_writer_choices_from(writer, 1, 1, 99, "指标 list", 0, 1, 30, NULL);
    sti_xlsx_writer_numbers(writer, 2, 1, 99, true, 0, true, 100, "0 到 100");
    sti_xlsx_writer_numbers(writer, 3, 1, 99, false, 0, false, 0, NULL);
    sti_xlsx_writer_prompt(writer, 4, 1, 99, "2025、2025Q2 或 2025-05");
    assert_int_equal(sti_xlsx_writer_sheet(writer, "指标 list"), 0);
    sti_xlsx_writer_text(writer, "rd_expenditure");
    sti_xlsx_writer_number(writer, 1e15);
    assert_int_equal(sti_xlsx_writer_close(&writer, err, sizeof err), 0);
    assert_null(writer);
    assert_int_equal(sti_xlsx_writer_close(&writer, err, sizeof err), 0);

    sti_xlsx_reader_t *reader = sti_xlsx_reader_open(path, err, sizeof err);
    assert_non_null(reader);
    assert_int_equal(sti_xlsx_reader_sheet_count(reader), 2);
    assert_string_equal(sti_xlsx_reader_sheet_name(reader, 1), "指标 list");
    char seen[4096] = "";
    assert_int_equal(sti_xlsx_reader_read(reader, 0, s_collect, seen, err, sizeof err), 0);
    assert_string_equal(seen, "A1=指标\nB1=期间\nC1=数值\nD1=完成度\n"
                              "A2=高新技术企业\nB2=2023-05\nC2=#52.5\nD2=#64.5%\nA3==1+1\n");
    seen[0] = 0;
    assert_int_equal(sti_xlsx_reader_read(reader, 1, s_collect, seen, err, sizeof err), 0);
    assert_string_equal(seen, "A1=rd_expenditure\nB1=#1e+15\n");
    sti_xlsx_reader_destroy(&reader);

    char *sheet = s_part(path, "xl/worksheets/sheet1.xml");
    assert_non_null(strstr(sheet, "<pane ySplit=\"1\""));
    assert_non_null(strstr(sheet, "<autoFilter ref=\"A1:D3\""));
    assert_non_null(strstr(sheet, "<formula1>\"亿元,万元\"</formula1>"));
    assert_non_null(strstr(sheet, "<formula1>'指标 list'!$A$2:$A$31</formula1>"));
    assert_non_null(strstr(sheet, "type=\"decimal\""));
    assert_non_null(strstr(sheet, "sqref=\"A2:A100\""));
    assert_non_null(strstr(sheet, "prompt=\"选择单位\""));
    assert_non_null(strstr(sheet, "prompt=\"2025、2025Q2 或 2025-05\" sqref=\"E2:E100\""));
    free(sheet);
    unlink(path);
}

static void test_errors(void **state)
{
    (void)state;
    char err[256] = "";
    sti_xlsx_writer_t *writer = sti_xlsx_writer_new("/nonexistent/dir/a.xlsx", err, sizeof err);
    assert_non_null(writer);
    assert_int_equal(sti_xlsx_writer_sheet(writer, "a"), 0);
    sti_xlsx_writer_text(writer, "x");
    assert_int_equal(sti_xlsx_writer_close(&writer, err, sizeof err), -1);
    assert_non_null(strstr(err, "the file cannot be written"));

    char path[] = "/tmp/sti-xlsx-writer-XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    writer = sti_xlsx_writer_new(path, err, sizeof err);
    sti_xlsx_writer_text(writer, "before any sheet");
    assert_int_equal(sti_xlsx_writer_sheet(writer, "ok"), -1);
    assert_int_equal(sti_xlsx_writer_close(&writer, err, sizeof err), -1);
    assert_string_equal(err, "a cell written before any sheet");
    assert_int_equal(access(path, F_OK), -1); // removed, not left half-written

    writer = sti_xlsx_writer_new(path, err, sizeof err);
    assert_int_equal(sti_xlsx_writer_sheet(writer, "a[1]"), -1);
    assert_int_equal(sti_xlsx_writer_close(&writer, err, sizeof err), -1);
    assert_non_null(strstr(err, "sheet name 'a[1]'"));
    writer = sti_xlsx_writer_new(path, err, sizeof err);
    assert_int_equal(sti_xlsx_writer_sheet(writer, "a"), 0);
    assert_int_equal(sti_xlsx_writer_sheet(writer, "a"), -1);
    sti_xlsx_writer_choices_from(writer, 0, 0, 1, "it's", 0, 0, 1, NULL);
    assert_int_equal(sti_xlsx_writer_close(&writer, err, sizeof err), -1);
    assert_non_null(strstr(err, "sheet name 'a'"));
    writer = sti_xlsx_writer_new(path, err, sizeof err);
    assert_int_equal(sti_xlsx_writer_close(&writer, err, sizeof err), -1);
    assert_string_equal(err, "a workbook needs a sheet");
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
