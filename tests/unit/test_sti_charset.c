/*  Unit tests of sti_charset: UTF-8, GB18030 (GBK), UTF-16 and mixed bytes
    told apart, the same fed whole or a byte at a time; GB18030 decoded to
    UTF-8 whole and in pieces that cut characters, with two- and four-byte
    forms; bytes that are not GB18030 refused with their offset.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sti_charset.h"

#define GBK_HEADER "\xd6\xb8\xb1\xea,\xb5\xa5\xce\xbb,\xc6\xda\xbc\xe4\n" // 指标,单位,期间
#define UTF8_HEADER "指标,单位,期间\n"

static sti_charset_t s_sniff(const char *bytes, size_t len, size_t piece, uint64_t *bad)
{
    sti_charset_sniff_t sniff;
    sti_charset_sniff_init(&sniff);
    for (size_t at = 0; at < len; at += piece) {
        sti_charset_sniff_feed(&sniff, bytes + at, len - at < piece ? len - at : piece);
    }
    return sti_charset_sniff_end(&sniff, bad);
}

static void s_expect(const char *bytes, size_t len, sti_charset_t charset, uint64_t first_bad)
{
    const size_t pieces[] = {1, len + 1}; // a byte at a time, and whole
    for (int i = 0; i < 2; i++) {
        uint64_t bad = 99;
        assert_int_equal(s_sniff(bytes, len, pieces[i], &bad), charset);
        assert_int_equal(bad, first_bad);
    }
}

static void test_sniff(void **state)
{
    (void)state;
    s_expect("", 0, STI_CHARSET_UTF8, 0);
    s_expect("indicator,org\n", 14, STI_CHARSET_UTF8, 0);
    s_expect(UTF8_HEADER, strlen(UTF8_HEADER), STI_CHARSET_UTF8, 0);
    s_expect("\xef\xbb\xbf" UTF8_HEADER, strlen(UTF8_HEADER) + 3, STI_CHARSET_UTF8, 0);
    s_expect(GBK_HEADER, strlen(GBK_HEADER), STI_CHARSET_GB18030, 2); // 指 is D6 B8: UTF-8-shaped
    s_expect("a," GBK_HEADER, strlen(GBK_HEADER) + 2, STI_CHARSET_GB18030, 4);
    s_expect("\x81\x30\x81\x30", 4, STI_CHARSET_GB18030, 0); // a four-byte form
    //  UTF-8 with one stray byte: not taken for GBK.
    const char stray[] = UTF8_HEADER UTF8_HEADER "\xff" UTF8_HEADER;
    s_expect(stray, strlen(stray), STI_CHARSET_UNKNOWN, 2 * strlen(UTF8_HEADER));
    s_expect("caf\xe9,1\n", 7, STI_CHARSET_UNKNOWN, 3); // Latin-1
    s_expect("\xe6\x8c", 2, STI_CHARSET_GB18030, 0);    // UTF-8 cut short is GBK-shaped
    s_expect(UTF8_HEADER "\xe6", strlen(UTF8_HEADER) + 1, STI_CHARSET_UNKNOWN,
             strlen(UTF8_HEADER));                       // cut at the end
    s_expect("\xed\xa0\x80", 3, STI_CHARSET_UNKNOWN, 0); // a surrogate
    s_expect("\xc0\xaf", 2, STI_CHARSET_GB18030, 0);     // overlong, but valid GBK
    s_expect("\xff\xfei\x00", 4, STI_CHARSET_UTF16, 0);
    s_expect("\xfe\xff\x00i", 4, STI_CHARSET_UTF16, 0);
    assert_string_equal(sti_charset_name(STI_CHARSET_GB18030), "GB18030 (GBK)");
    assert_string_equal(sti_charset_name(STI_CHARSET_UTF8), "UTF-8");
}

//  Decodes len bytes in pieces. Returns 0 and the UTF-8 in out, or -1 and the reason.
static int s_decode(const char *bytes, size_t len, size_t piece, char *out, size_t cap, char *err)
{
    sti_charset_decoder_t *decoder = sti_charset_decoder_new();
    assert_non_null(decoder);
    size_t used = 0;
    int rc = 0;
    for (size_t at = 0; rc == 0 && (at < len || at == 0); at += piece) {
        size_t n = len - at < piece ? len - at : piece;
        const char *text;
        size_t text_len;
        rc = sti_charset_decode(decoder, bytes + at, n, at + n >= len, &text, &text_len, err, 128);
        if (rc == 0) {
            assert_true(used + text_len < cap);
            memcpy(out + used, text, text_len);
            used += text_len;
        }
        if (len == 0) {
            break;
        }
    }
    out[used] = 0;
    sti_charset_decoder_destroy(&decoder);
    sti_charset_decoder_destroy(&decoder);
    return rc;
}

static void test_decode(void **state)
{
    (void)state;
    const char gbk[] = GBK_HEADER "\xca\xfd\xd6\xb5,\xa2\xe3,\x81\x30\x81\x30\n"; // 数值,€,U+0080
    const char utf8[] = UTF8_HEADER "数值,€,\xc2\x80\n";
    char out[256], err[128];
    for (size_t piece = 1; piece <= sizeof gbk; piece++) {
        assert_int_equal(s_decode(gbk, strlen(gbk), piece, out, sizeof out, err), 0);
        assert_string_equal(out, utf8);
    }
    assert_int_equal(s_decode("", 0, 1, out, sizeof out, err), 0);
    assert_string_equal(out, "");
    assert_int_equal(s_decode("ab\x80"
                              "c",
                              4, 2, out, sizeof out, err),
                     -1);
    assert_string_equal(err, "byte 3 is not GB18030");
    assert_int_equal(s_decode("ab\xd6", 3, 1, out, sizeof out, err), -1);
    assert_string_equal(err, "byte 3 is not GB18030: the file ends inside a character");
    assert_int_equal(s_decode("\xd6\xb8\xff\xff", 4, 4, out, sizeof out, err), -1);
    assert_string_equal(err, "byte 3 is not GB18030");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sniff),
        cmocka_unit_test(test_decode),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
