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
    char *broker; // a string setting
    int64_t port; // an int setting
    bool verbose; // a bool setting
    double ratio; // a double setting
    char *unset;  // a string with no default
} settings_t;

static const sti_config_entry_t s_map[] = {
    {"broker", STI_CONFIG_STR, "tcp://127.0.0.1:5555", offsetof(settings_t, broker), "broker"},
    {"http_port", STI_CONFIG_INT, "8080", offsetof(settings_t, port), "port"},
    {"verbose", STI_CONFIG_BOOL, "false", offsetof(settings_t, verbose), "chatty"},
    {"ratio", STI_CONFIG_DOUBLE, "0.1", offsetof(settings_t, ratio), "a ratio"},
    {"unset", STI_CONFIG_STR, NULL, offsetof(settings_t, unset), "nothing"},
    {NULL, 0, NULL, 0, NULL},
};

static void s_clear_env(void)
{
    unsetenv("STI_BROKER");
    unsetenv("STI_HTTP_PORT");
    unsetenv("STI_VERBOSE");
    unsetenv("STI_RATIO");
    unsetenv("STI_UNSET");
    unsetenv("STI_CONFIG");
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
        {"name", STI_CONFIG_STR, "n", offsetof(other_t, name), "a name"},
        {NULL, 0, NULL, 0, NULL},
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),      cmocka_unit_test(test_env_over_default),
        cmocka_unit_test(test_flag_over_env), cmocka_unit_test(test_bools),
        cmocka_unit_test(test_json_file),     cmocka_unit_test(test_unknown_flag),
        cmocka_unit_test(test_bad_values),    cmocka_unit_test(test_help),
        cmocka_unit_test(test_parts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
