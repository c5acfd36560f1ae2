/*  test_gateway_static: the parts of the static files. Which request paths
    name a file and which are refused; opening under a directory, with a
    symbolic link inside allowed and one out refused; the type of each
    extension; which names carry a content hash; the ETag and If-None-Match;
    Accept-Encoding with q-values; and the unescaping that keeps %00. The
    files are made up in a temporary directory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gateway_static.h"

static void test_relative(void **state)
{
    (void)state;
    char rel[64];
    assert_int_equal(gateway_static_relative("/", rel, sizeof rel), 0);
    assert_string_equal(rel, "index.html");
    assert_int_equal(gateway_static_relative("/docs/", rel, sizeof rel), 0);
    assert_string_equal(rel, "docs/index.html");
    assert_int_equal(gateway_static_relative("/assets/index-BzX3a9_F.js", rel, sizeof rel), 0);
    assert_string_equal(rel, "assets/index-BzX3a9_F.js");
    assert_int_equal(gateway_static_relative("/a..b.txt", rel, sizeof rel), 0);
    const char *refused[] = {"",           "assets/x.js",  "/..",         "/../etc/passwd",
                             "/a/../b",    "/a/./b",       "/.env",       "/a/.git/config",
                             "//etc",      "/a//b",        "/a\\..\\b",   "/x%00.js",
                             "/tab\there", "/del\x7fhere", "/nl\nhere.js"};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        if (gateway_static_relative(refused[i], rel, sizeof rel) != -1) {
            fail_msg("not refused: '%s'", refused[i]);
        }
    }
    //  Too long for rel.
    char small[8];
    assert_int_equal(gateway_static_relative("/docs/", small, sizeof small), -1);
}

static void test_open(void **state)
{
    (void)state;
    char top[] = "/tmp/sti-static-XXXXXX";
    assert_non_null(mkdtemp(top));
    char path[PATH_MAX], link[PATH_MAX], root[PATH_MAX];
    snprintf(path, sizeof path, "%s/web", top);
    assert_int_equal(mkdir(path, 0700), 0);
    assert_non_null(realpath(path, root));
    snprintf(path, sizeof path, "%s/web/a.txt", top);
    FILE *file = fopen(path, "w");
    assert_non_null(file);
    fputs("hello\n", file);
    fclose(file);
    snprintf(path, sizeof path, "%s/secret.txt", top);
    file = fopen(path, "w");
    assert_non_null(file);
    fclose(file);
    snprintf(link, sizeof link, "%s/web/out.txt", top);
    assert_int_equal(symlink(path, link), 0);
    snprintf(link, sizeof link, "%s/web/in.txt", top);
    assert_int_equal(symlink("a.txt", link), 0);
    snprintf(path, sizeof path, "%s/web/dir", top);
    assert_int_equal(mkdir(path, 0700), 0);

    struct stat st;
    int fd = gateway_static_open(root, "a.txt", &st);
    assert_true(fd >= 0);
    assert_int_equal(st.st_size, 6);
    close(fd);
    fd = gateway_static_open(root, "in.txt", &st); // a link inside
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(gateway_static_open(root, "out.txt", &st), -1); // a link out
    assert_int_equal(gateway_static_open(root, "../secret.txt", &st), -1);
    assert_int_equal(gateway_static_open(root, "dir", &st), -1); // not a regular file
    assert_int_equal(gateway_static_open(root, "missing", &st), -1);

    char command[PATH_MAX + 16];
    snprintf(command, sizeof command, "rm -rf '%s'", top);
    assert_int_equal(system(command), 0);
}

static void test_type(void **state)
{
    (void)state;
    assert_string_equal(gateway_static_type("index.html"), "text/html; charset=utf-8");
    assert_string_equal(gateway_static_type("assets/index-BzX3a9_F.js"),
                        "text/javascript; charset=utf-8");
    assert_string_equal(gateway_static_type("a/B.CSS"), "text/css; charset=utf-8");
    assert_string_equal(gateway_static_type("logo.svg"), "image/svg+xml");
    assert_string_equal(gateway_static_type("f.woff2"), "font/woff2");
    assert_string_equal(gateway_static_type("x.wasm"), "application/wasm");
    assert_string_equal(gateway_static_type("a.js.map"), "application/json");
    assert_string_equal(gateway_static_type("README"), "application/octet-stream");
    assert_string_equal(gateway_static_type("v1.2/README"), "application/octet-stream");
    assert_string_equal(gateway_static_type("x.exe"), "application/octet-stream");
}

static void test_hashed(void **state)
{
    (void)state;
    const char *hashed[] = {"assets/index-BzX3a9_F.js", "assets/vendor-a-1b2C3d4e.css",
                            "assets/logo-Dq-3_xY9.svg", "app.3f9a1c0d.js",
                            "main.0123456789abcdef0123.js"};
    for (size_t i = 0; i < sizeof hashed / sizeof hashed[0]; i++) {
        if (!gateway_static_hashed(hashed[i])) {
            fail_msg("not taken as hashed: %s", hashed[i]);
        }
    }
    const char *plain[] = {"index.html",        "favicon.ico",        "assets/my-dashboard.js",
                           "robots.txt",        "assets/abcdefgh.js", "assets/-BzX3a9_F.js",
                           "assets/x-BzX3a9_F", "a-BzX3!9_F.js",      "site.webmanifest"};
    for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++) {
        if (gateway_static_hashed(plain[i])) {
            fail_msg("taken as hashed: %s", plain[i]);
        }
    }
}

static void test_etag(void **state)
{
    (void)state;
    struct stat st;
    memset(&st, 0, sizeof st);
    st.st_size = 255;
    st.st_mtim.tv_sec = 1;
    st.st_mtim.tv_nsec = 16;
    char etag[GATEWAY_STATIC_ETAG_MAX], etag_br[GATEWAY_STATIC_ETAG_MAX];
    gateway_static_etag(&st, NULL, etag, sizeof etag);
    assert_string_equal(etag, "\"ff-3b9aca10\"");
    gateway_static_etag(&st, "br", etag_br, sizeof etag_br);
    assert_string_equal(etag_br, "\"ff-3b9aca10-br\"");

    assert_true(gateway_static_etag_matches("\"ff-3b9aca10\"", etag));
    assert_true(gateway_static_etag_matches("W/\"ff-3b9aca10\"", etag));
    assert_true(gateway_static_etag_matches("\"a\", \"ff-3b9aca10\" ,\"b\"", etag));
    assert_true(gateway_static_etag_matches("*", etag));
    assert_false(gateway_static_etag_matches(NULL, etag));
    assert_false(gateway_static_etag_matches("", etag));
    assert_false(gateway_static_etag_matches("\"ff-3b9aca10\"", etag_br));
    assert_false(gateway_static_etag_matches("\"ff-3b9aca1\"", etag));
    assert_false(gateway_static_etag_matches("ff-3b9aca10", etag));
    assert_false(gateway_static_etag_matches("\"ff-3b9aca10\"x", etag));
}

static void test_accepts(void **state)
{
    (void)state;
    const unsigned br = GATEWAY_STATIC_BR, gz = GATEWAY_STATIC_GZIP;
    assert_int_equal(gateway_static_accepts(NULL), 0);
    assert_int_equal(gateway_static_accepts(""), 0);
    assert_int_equal(gateway_static_accepts("identity"), 0);
    assert_int_equal(gateway_static_accepts("gzip, deflate, br"), br | gz);
    assert_int_equal(gateway_static_accepts("gzip"), gz);
    assert_int_equal(gateway_static_accepts("BR"), br);
    assert_int_equal(gateway_static_accepts("x-gzip"), gz);
    assert_int_equal(gateway_static_accepts("br;q=0, gzip;q=0.5"), gz);
    assert_int_equal(gateway_static_accepts("br; q=0.000,gzip"), gz);
    assert_int_equal(gateway_static_accepts("gzip;q=0"), 0);
    assert_int_equal(gateway_static_accepts("*"), br | gz);
    assert_int_equal(gateway_static_accepts("*;q=0"), 0);
    assert_int_equal(gateway_static_accepts("br;q=0, *"), gz);
    assert_int_equal(gateway_static_accepts("brotli, gzipx"), 0);
}

static void test_unescape(void **state)
{
    (void)state;
    char uri[64];
    snprintf(uri, sizeof uri, "/a%%2e%%2E/%%2fb%%20c");
    assert_int_equal(gateway_request_unescape(NULL, NULL, uri), 9);
    assert_string_equal(uri, "/a..//b c");
    snprintf(uri, sizeof uri, "/index.html%%00.js");
    assert_int_equal(gateway_request_unescape(NULL, NULL, uri), 17);
    assert_string_equal(uri, "/index.html%00.js");
    snprintf(uri, sizeof uri, "%%zz%%4%%e6%%9c%%89");
    gateway_request_unescape(NULL, NULL, uri);
    assert_string_equal(uri, "%zz%4\xe6\x9c\x89");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_relative), cmocka_unit_test(test_open),
        cmocka_unit_test(test_type),     cmocka_unit_test(test_hashed),
        cmocka_unit_test(test_etag),     cmocka_unit_test(test_accepts),
        cmocka_unit_test(test_unescape),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
