/*  Unit tests for sti_config: layers (default, JSON file, environment, flag),
    the errors each layer reports, argv compaction and --help. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "sti_config.h"

typedef struct {
    char *broker;    // a string setting
    int64_t port;    // an int setting
    bool verbose;    // a bool setting
    double ratio;    // a double setting
    char *unset;     // a string with no default
    int64_t workers; // an int setting with a range
    int64_t wait_ms; // a duration (ms) with a range
    int64_t ttl_s;   // a duration in seconds
    int64_t queue;   // a size with a range
    double share;    // a double with a range
} settings_t;

static const sti_config_entry_t s_map[] = {
    {"broker", STI_CONFIG_STR, "tcp://127.0.0.1:5555", offsetof(settings_t, broker), "broker", 0,
     0},
    {"http_port", STI_CONFIG_INT, "8080", offsetof(settings_t, port), "port", 0, 0},
    {"verbose", STI_CONFIG_BOOL, "false", offsetof(settings_t, verbose), "chatty", 0, 0},
    {"ratio", STI_CONFIG_DOUBLE, "0.1", offsetof(settings_t, ratio), "a ratio", 0, 0},
    {"unset", STI_CONFIG_STR, NULL, offsetof(settings_t, unset), "nothing", 0, 0},
    {"workers", STI_CONFIG_INT, "2", offsetof(settings_t, workers), "threads", 1, 64},
    {"wait_ms", STI_CONFIG_DURATION, "500ms", offsetof(settings_t, wait_ms), "a wait", 0, 60000},
    {"ttl", STI_CONFIG_DURATION_S, "7d", offsetof(settings_t, ttl_s), "kept this long", 1,
     31536000},
    {"queue", STI_CONFIG_SIZE, "16MiB", offsetof(settings_t, queue), "a queue", 16384, 1LL << 30},
    {"share", STI_CONFIG_DOUBLE, "0.5", offsetof(settings_t, share), "a share", 0, 1},
    STI_CONFIG_END,
};

static void s_clear_env(void)
{
    unsetenv("STI_BROKER");
    unsetenv("STI_HTTP_PORT");
    unsetenv("STI_VERBOSE");
    unsetenv("STI_RATIO");
    unsetenv("STI_UNSET");
    unsetenv("STI_CONFIG");
    unsetenv("STI_WORKERS");
    unsetenv("STI_WAIT_MS");
    unsetenv("STI_TTL");
    unsetenv("STI_QUEUE");
    unsetenv("STI_SHARE");
}

//  Loads with the given arguments (NULL-terminated). Returns sti_config_load's code.
static int s_load(settings_t *settings, int *argc_p, char **argv, char *err)
{
    memset(settings, 0xAB, sizeof *settings); // garbage: load must not free it
    int argc = 0;
    while (argv[argc]) {
        argc++;
    }
    *argc_p = argc;
    return sti_config_load(s_map, settings, argc_p, argv, err, 256);
}

static void test_defaults(void **state)
{
    (void)state;
    s_clear_env();
    settings_t s;
    char err[256];
    int argc;
    char *argv[] = {"prog", NULL};
    assert_int_equal(s_load(&s, &argc, argv, err), 0);
    assert_string_equal(s.broker, "tcp://127.0.0.1:5555");
    assert_int_equal(s.port, 8080);
    assert_false(s.verbose);
    assert_true(s.ratio > 0.099 && s.ratio < 0.101);
    assert_null(s.unset);
    assert_int_equal(argc, 1);
    sti_config_free(s_map, &s);
    assert_null(s.broker);
    sti_config_free(s_map, &s); // safe twice
}

static void test_env_over_default(void **state)
{
    (void)state;
    s_clear_env();
    setenv("STI_BROKER", "tcp://10.0.0.1:1", 1);
    setenv("STI_HTTP_PORT", "9090", 1);
    setenv("STI_VERBOSE", "yes", 1);
    settings_t s;
    char err[256];
    int argc;
    char *argv[] = {"prog", NULL};
    assert_int_equal(s_load(&s, &argc, argv, err), 0);
    assert_string_equal(s.broker, "tcp://10.0.0.1:1");
    assert_int_equal(s.port, 9090);
    assert_true(s.verbose);
    sti_config_free(s_map, &s);
    s_clear_env();
}

static void test_flag_over_env(void **state)
{
    (void)state;
    s_clear_env();
    setenv("STI_BROKER", "tcp://10.0.0.1:1", 1);
    setenv("STI_HTTP_PORT", "9090", 1);
    settings_t s;
    char err[256];
    int argc;
    char *argv[] = {"prog",         "first",  "--broker", "tcp://flag:2", "--http-port=7070",
                    "--verbose",    "second", "--ratio",  "2.5",          "--",
                    "--not-a-flag", NULL};
    assert_int_equal(s_load(&s, &argc, argv, err), 0);
    assert_string_equal(s.broker, "tcp://flag:2");
    assert_int_equal(s.port, 7070);
    assert_true(s.verbose);
    assert_true(s.ratio == 2.5);
    assert_int_equal(argc, 4);
    assert_string_equal(argv[1], "first");
    assert_string_equal(argv[2], "second");
    assert_string_equal(argv[3], "--not-a-flag");
    assert_null(argv[4]);
    sti_config_free(s_map, &s);
    s_clear_env();
}

static void test_bools(void **state)
{
    (void)state;
    s_clear_env();
    const char *yes[] = {"true", "on", "1", "yes", "TRUE"};
    const char *no[] = {"false", "off", "0", "no", "No"};
    for (size_t i = 0; i < 5; i++) {
        settings_t s;
        char err[256];
        int argc;
        char *argv[] = {"prog", "--verbose", (char *)yes[i], NULL};
        assert_int_equal(s_load(&s, &argc, argv, err), 0);
        assert_true(s.verbose);
        assert_int_equal(argc, 1);
        sti_config_free(s_map, &s);
        char *argv2[] = {"prog", "--verbose", (char *)no[i], NULL};
        assert_int_equal(s_load(&s, &argc, argv2, err), 0);
        assert_false(s.verbose);
        sti_config_free(s_map, &s);
    }
}

static void s_write(const char *path, const char *text)
{
    FILE *file = fopen(path, "w");
    assert_non_null(file);
    fputs(text, file);
    fclose(file);
}

static void test_json_file(void **state)
{
    (void)state;
    s_clear_env();
    char path[] = "/tmp/sti-config-test.XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    s_write(path, "{\"broker\": \"tcp://file:3\", \"http_port\": 6060, \"verbose\": true,"
                  " \"ratio\": 0.25}");
    settings_t s;
    char err[256];
    int argc;
    char *argv[] = {"prog", "--config", path, NULL};
    assert_int_equal(s_load(&s, &argc, argv, err), 0);
    assert_string_equal(s.broker, "tcp://file:3");
    assert_int_equal(s.port, 6060);
    assert_true(s.verbose);
    assert_true(s.ratio == 0.25);
    assert_int_equal(argc, 1);
    sti_config_free(s_map, &s);

    //  The environment wins over the file, STI_CONFIG names the file.
    setenv("STI_CONFIG", path, 1);
    setenv("STI_HTTP_PORT", "1234", 1);
    char *argv2[] = {"prog", NULL};
    assert_int_equal(s_load(&s, &argc, argv2, err), 0);
    assert_string_equal(s.broker, "tcp://file:3");
    assert_int_equal(s.port, 1234);
    sti_config_free(s_map, &s);
    s_clear_env();

    //  Wrong types and unknown keys are errors naming the key.
    s_write(path, "{\"http_port\": \"6060\"}");
    char *argv3[] = {"prog", "--config", path, NULL};
    assert_int_equal(s_load(&s, &argc, argv3, err), -1);
    assert_non_null(strstr(err, "http_port"));
    s_write(path, "{\"brokr\": \"x\"}");
    char *argv4[] = {"prog", "--config", path, NULL};
    assert_int_equal(s_load(&s, &argc, argv4, err), -1);
    assert_non_null(strstr(err, "unknown key 'brokr'"));
    s_write(path, "{\"http_port\": 1.5}");
    char *argv5[] = {"prog", "--config", path, NULL};
    assert_int_equal(s_load(&s, &argc, argv5, err), -1);
    s_write(path, "[1, 2]");
    char *argv6[] = {"prog", "--config", path, NULL};
    assert_int_equal(s_load(&s, &argc, argv6, err), -1);
    s_write(path, "{\"broker\": ");
    char *argv7[] = {"prog", "--config", path, NULL};
    assert_int_equal(s_load(&s, &argc, argv7, err), -1);
    unlink(path);
    char *argv8[] = {"prog", "--config", path, NULL};
    assert_int_equal(s_load(&s, &argc, argv8, err), -1);
    assert_non_null(strstr(err, path));
}

static void test_unknown_flag(void **state)
{
    (void)state;
    s_clear_env();
    settings_t s;
    char err[256];
    int argc;
    char *argv[] = {"prog", "--brokr", "x", NULL};
    assert_int_equal(s_load(&s, &argc, argv, err), -1);
    assert_non_null(strstr(err, "--brokr"));
    char *argv2[] = {"prog", "-x", NULL};
    assert_int_equal(s_load(&s, &argc, argv2, err), -1);
    char *argv3[] = {"prog", "--http_port", "1", NULL};
    assert_int_equal(s_load(&s, &argc, argv3, err), -1);
    char *argv4[] = {"prog", "--broker", NULL};
    assert_int_equal(s_load(&s, &argc, argv4, err), -1);
    assert_non_null(strstr(err, "needs a value"));
}

static void test_bad_values(void **state)
{
    (void)state;
    s_clear_env();
    settings_t s;
    char err[256];
    int argc;
    const char *bad_ints[] = {"12x", "", "x", "99999999999999999999", " 5", "1.0"};
    for (size_t i = 0; i < sizeof bad_ints / sizeof *bad_ints; i++) {
        char *argv[] = {"prog", "--http-port", (char *)bad_ints[i], NULL};
        assert_int_equal(s_load(&s, &argc, argv, err), -1);
        assert_non_null(strstr(err, "http-port"));
    }
    char *argv[] = {"prog", "--verbose=maybe", NULL};
    assert_int_equal(s_load(&s, &argc, argv, err), -1);
    assert_non_null(strstr(err, "maybe"));
    char *argv2[] = {"prog", "--ratio=nan", NULL};
    assert_int_equal(s_load(&s, &argc, argv2, err), -1);
    setenv("STI_HTTP_PORT", "eighty", 1);
    char *argv3[] = {"prog", NULL};
    assert_int_equal(s_load(&s, &argc, argv3, err), -1);
    assert_non_null(strstr(err, "STI_HTTP_PORT"));
    s_clear_env();
    char *argv4[] = {"prog", "--http-port=-42", NULL};
    assert_int_equal(s_load(&s, &argc, argv4, err), 0);
    assert_int_equal(s.port, -42);
    sti_config_free(s_map, &s);
}

static void test_help(void **state)
{
    (void)state;
    s_clear_env();
    settings_t s;
    char err[256];
    int argc;
    char *argv[] = {"prog", "--help", NULL};
    assert_int_equal(s_load(&s, &argc, argv, err), 1);
    sti_config_free(s_map, &s);

    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    sti_config_usage(s_map, "prog", out);
    fclose(out);
    assert_non_null(strstr(text, "--http-port"));
    assert_non_null(strstr(text, "STI_HTTP_PORT"));
    assert_non_null(strstr(text, "8080"));
    assert_non_null(strstr(text, "chatty"));
    assert_non_null(strstr(text, "--wait-ms duration"));
    assert_non_null(strstr(text, "a wait (0 to 1m)"));
    assert_non_null(strstr(text, "--queue size"));
    free(text);
}

typedef struct {
    char *name; // setting of the second table
} other_t;

static void test_parts(void **state)
{
    (void)state;
    s_clear_env();
    static const sti_config_entry_t other_map[] = {
        {"name", STI_CONFIG_STR, "n", offsetof(other_t, name), "a name", 0, 0},
        STI_CONFIG_END,
    };
    settings_t s;
    other_t o;
    sti_config_part_t parts[] = {{s_map, &s}, {other_map, &o}};
    char err[256];
    char *argv[] = {"prog", "--name", "x", "--broker", "b", NULL};
    int argc = 5;
    assert_int_equal(sti_config_load_parts(parts, 2, &argc, argv, err, sizeof err), 0);
    assert_string_equal(o.name, "x");
    assert_string_equal(s.broker, "b");
    sti_config_free(s_map, &s);
    sti_config_free(other_map, &o);
    char *argv2[] = {"prog", "--nam", "x", NULL};
    argc = 3;
    assert_int_equal(sti_config_load_parts(parts, 2, &argc, argv2, err, sizeof err), -1);
}

//  Durations and sizes read with their units; a bare number keeps the
//  setting's own unit (ms, s, bytes); JSON takes numbers and strings.
static void test_units(void **state)
{
    (void)state;
    s_clear_env();
    settings_t s;
    char err[256];
    int argc;
    char *defaults[] = {"prog", NULL};
    assert_int_equal(s_load(&s, &argc, defaults, err), 0);
    assert_int_equal(s.wait_ms, 500);
    assert_int_equal(s.ttl_s, 7 * 86400);
    assert_int_equal(s.queue, 16 * 1024 * 1024);
    sti_config_free(s_map, &s);

    char *argv[] = {"prog", "--wait-ms", "2s", "--ttl", "3600", "--queue=512KiB", NULL};
    assert_int_equal(s_load(&s, &argc, argv, err), 0);
    assert_int_equal(s.wait_ms, 2000);
    assert_int_equal(s.ttl_s, 3600);
    assert_int_equal(s.queue, 512 * 1024);
    sti_config_free(s_map, &s);
    setenv("STI_WAIT_MS", "1500", 1);
    setenv("STI_TTL", "1h", 1);
    assert_int_equal(s_load(&s, &argc, defaults, err), 0);
    assert_int_equal(s.wait_ms, 1500);
    assert_int_equal(s.ttl_s, 3600);
    sti_config_free(s_map, &s);
    s_clear_env();

    char path[] = "/tmp/sti-config-units-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char *json = "{\"wait_ms\": 250, \"ttl\": \"2d\", \"queue\": \"1GiB\"}";
    assert_int_equal(write(fd, json, strlen(json)), (ssize_t)strlen(json));
    close(fd);
    char *from_file[] = {"prog", "--config", path, NULL};
    assert_int_equal(s_load(&s, &argc, from_file, err), 0);
    assert_int_equal(s.wait_ms, 250);
    assert_int_equal(s.ttl_s, 2 * 86400);
    assert_int_equal(s.queue, 1LL << 30);
    sti_config_free(s_map, &s);
    unlink(path);
}

//  A value outside its range, or one that does not read, is refused with
//  the setting, the value, where it came from and the range; never clamped.
static void test_refused(void **state)
{
    (void)state;
    s_clear_env();
    struct {
        const char *flag, *value, *message;
    } cases[] = {
        {"--workers", "0", "workers is 0 (flag --workers); it must be from 1 to 64"},
        {"--workers", "65", "workers is 65 (flag --workers); it must be from 1 to 64"},
        {"--wait-ms", "70000", "wait_ms is 70000 (flag --wait-ms); it must be from 0 to 1m"},
        {"--wait-ms", "2m", "wait_ms is 2m (flag --wait-ms); it must be from 0 to 1m"},
        {"--wait-ms", "5 s",
         "wait_ms is '5 s' (flag --wait-ms): not a duration: write 500ms, 2s, 1m, 1h or 1d (a "
         "bare number counts milliseconds); it must be from 0 to 1m"},
        {"--wait-ms", "-1",
         "wait_ms is '-1' (flag --wait-ms): not a duration: write 500ms, 2s, 1m, 1h or 1d (a "
         "bare number counts milliseconds); it must be from 0 to 1m"},
        {"--ttl", "1500ms",
         "ttl is '1500ms' (flag --ttl): not a duration of whole seconds: write 30s, 5m, 2h or 7d "
         "(a bare number counts seconds); it must be from 1s to 365d"},
        {"--ttl", "0", "ttl is 0 (flag --ttl); it must be from 1s to 365d"},
        {"--queue", "16MB",
         "queue is '16MB' (flag --queue): not a size: write 512KiB, 16MiB or 1GiB (a bare "
         "number counts bytes); it must be from 16KiB to 1GiB"},
        {"--queue", "2GiB", "queue is 2GiB (flag --queue); it must be from 16KiB to 1GiB"},
        {"--share", "1.5", "share is 1.5 (flag --share); it must be from 0 to 1"},
        {"--http-port", "x", "http_port is 'x' (flag --http-port): not an integer"},
    };
    settings_t s;
    char err[256];
    int argc;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *argv[] = {"prog", (char *)cases[i].flag, (char *)cases[i].value, NULL};
        assert_int_equal(s_load(&s, &argc, argv, err), -1);
        assert_string_equal(err, cases[i].message);
    }
    setenv("STI_WORKERS", "100", 1);
    char *argv[] = {"prog", NULL};
    assert_int_equal(s_load(&s, &argc, argv, err), -1);
    assert_string_equal(err, "workers is 100 (STI_WORKERS); it must be from 1 to 64");
    s_clear_env();
}

static void test_describe(void **state)
{
    (void)state;
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    settings_t s;
    sti_config_part_t part = {s_map, &s};
    sti_config_describe_parts(&part, 1, "/usr/bin/prog", out);
    fclose(out);
    assert_non_null(strstr(text, "\"program\":\t\"prog\""));
    assert_non_null(strstr(text,
                           "\"name\":\t\"wait_ms\",\n\t\t\t\"flag\":\t\"--wait-ms\",\n"
                           "\t\t\t\"env\":\t\"STI_WAIT_MS\",\n\t\t\t\"type\":\t\"duration\""));
    assert_non_null(strstr(text, "\"range\":\t\"16KiB to 1GiB\""));
    assert_non_null(strstr(text, "\"max\":\t31536000"));
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),      cmocka_unit_test(test_env_over_default),
        cmocka_unit_test(test_flag_over_env), cmocka_unit_test(test_bools),
        cmocka_unit_test(test_json_file),     cmocka_unit_test(test_unknown_flag),
        cmocka_unit_test(test_bad_values),    cmocka_unit_test(test_help),
        cmocka_unit_test(test_parts),         cmocka_unit_test(test_units),
        cmocka_unit_test(test_refused),       cmocka_unit_test(test_describe),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
