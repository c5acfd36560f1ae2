/*  Unit tests for sti_http: a server on port 0, the three paths fetched with
    a plain socket, their status lines and the metrics text. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "sti_http.h"

//  GETs path from 127.0.0.1:port with HTTP/1.0. Returns the whole response
//  (caller frees), or NULL.
static char *s_get(int port, const char *path, const char *method)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct timeval tv = {5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    struct sockaddr_in sa = {0};
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        close(fd);
        return NULL;
    }
    char request[256];
    int n = snprintf(request, sizeof request, "%s %s HTTP/1.0\r\nHost: x\r\n\r\n", method, path);
    assert_int_equal(write(fd, request, (size_t)n), n);
    size_t cap = 65536, size = 0;
    char *response = malloc(cap);
    ssize_t got;
    while (size + 1 < cap && (got = read(fd, response + size, cap - size - 1)) > 0) {
        size += (size_t)got;
    }
    response[size] = 0;
    close(fd);
    return response;
}

static bool s_ready = false;
static bool s_ready_fn(void *arg, char *why, size_t cap)
{
    assert_ptr_equal(arg, &s_ready);
    snprintf(why, cap, "the test says so");
    return *(bool *)arg;
}

static void test_paths(void **state)
{
    (void)state;
    char err[256];
    sti_http_t *http = sti_http_new("127.0.0.1:0", s_ready_fn, &s_ready, err, sizeof err);
    assert_non_null(http);
    int port = sti_http_port(http);
    assert_true(port > 0);

    char *text = s_get(port, "/healthz", "GET");
    assert_non_null(text);
    assert_true(strncmp(text, "HTTP/1.0 200", 12) == 0 || strncmp(text, "HTTP/1.1 200", 12) == 0);
    free(text);

    s_ready = false;
    text = s_get(port, "/readyz", "GET");
    assert_non_null(strstr(text, " 503 "));
    assert_non_null(strstr(text, "not ready: the test says so"));
    free(text);
    s_ready = true;
    text = s_get(port, "/readyz", "GET");
    assert_non_null(strstr(text, " 200 "));
    free(text);

    text = s_get(port, "/nothing", "GET");
    assert_non_null(strstr(text, " 404 "));
    free(text);
    text = s_get(port, "/healthz", "POST");
    assert_non_null(strstr(text, " 405 "));
    free(text);

    sti_metric_t *a = sti_http_counter(http, "sti_requests_total", "op=\"a\"", "Requests.");
    sti_metric_t *g = sti_http_gauge(http, "sti_queue_depth", NULL, "Queue depth.");
    sti_metric_t *b = sti_http_counter(http, "sti_requests_total", "op=\"b\"", "Requests.");
    sti_metric_add(a, 3);
    sti_metric_add(a, 2);
    sti_metric_add(b, 1);
    sti_metric_set(g, -7);
    assert_int_equal(sti_metric_value(a), 5);
    assert_int_equal(sti_metric_value(g), -7);

    text = s_get(port, "/metrics", "GET");
    assert_non_null(strstr(text, " 200 "));
    assert_non_null(strstr(text, "text/plain; version=0.0.4"));
    const char *body = strstr(text, "\r\n\r\n");
    assert_non_null(body);
    body += 4;
    const char *expected = "# HELP sti_requests_total Requests.\n"
                           "# TYPE sti_requests_total counter\n"
                           "sti_requests_total{op=\"a\"} 5\n"
                           "sti_requests_total{op=\"b\"} 1\n"
                           "# HELP sti_queue_depth Queue depth.\n"
                           "# TYPE sti_queue_depth gauge\n"
                           "sti_queue_depth -7\n";
    assert_string_equal(body, expected);
    free(text);

    sti_http_destroy(&http);
    assert_null(http);
    sti_http_destroy(&http);
}

static void test_bad_addresses(void **state)
{
    (void)state;
    char err[256];
    const char *bad[] = {"nonsense", "127.0.0.1:99999", "300.1.1.1:80", "127.0.0.1:", NULL};
    for (size_t i = 0; bad[i]; i++) {
        err[0] = 0;
        assert_null(sti_http_new(bad[i], NULL, NULL, err, sizeof err));
        assert_true(strlen(err) > 0);
    }
    //  A port in use is an error too.
    sti_http_t *http = sti_http_new(":0", NULL, NULL, err, sizeof err);
    assert_non_null(http);
    char addr[64];
    snprintf(addr, sizeof addr, "127.0.0.1:%d", sti_http_port(http));
    assert_null(sti_http_new(addr, NULL, NULL, err, sizeof err));
    char *text = s_get(sti_http_port(http), "/readyz", "GET");
    assert_non_null(strstr(text, " 200 "));
    free(text);
    sti_http_destroy(&http);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_paths),
        cmocka_unit_test(test_bad_addresses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
