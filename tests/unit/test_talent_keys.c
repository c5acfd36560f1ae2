/*  Unit tests of talent_keys: the talent_old_keys list (ID:PATH, commas,
    spaces, bad ids, missing paths, too many), the STI_TALENT_OLD_KEY_<ID>
    environment names (value and _FILE forms, malformed names, empty
    values), the checks across sources (duplicate ids, the current id), and
    loading a whole keyring from files and a given environment: old keys
    open what they sealed, a file others may read, an unknown file and the
    same secret twice are refused, no message quotes a secret. Every secret
    here is made up for the test.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "talent_keys.h"

static const char *s_hex_a = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
static const char *s_hex_b = "f0e1d2c3b4a5968778695a4b3c2d1e0ff0e1d2c3b4a5968778695a4b3c2d1e0f";
static const char *s_hex_c = "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf";
static char err[1400];
static char s_dir[64];

//  Writes text into the file s_dir/name with mode; its path goes into path.
static void s_file(const char *name, const char *text, mode_t mode, char *path, size_t cap)
{
    snprintf(path, cap, "%s/%s", s_dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    assert_int_equal(chmod(path, mode), 0);
}

static void test_parse_list(void **state)
{
    (void)state;
    talent_key_source_t out[TALENT_OLD_KEYS_MAX];
    assert_int_equal(talent_keys_parse_list(NULL, out, 7, err, sizeof err), 0);
    assert_int_equal(talent_keys_parse_list("", out, 7, err, sizeof err), 0);
    assert_int_equal(talent_keys_parse_list("  ", out, 7, err, sizeof err), 0);
    assert_int_equal(talent_keys_parse_list("1:/run/k1", out, 7, err, sizeof err), 1);
    assert_int_equal(out[0].id, 1);
    assert_string_equal(out[0].path, "/run/k1");
    assert_string_equal(out[0].env, "");
    assert_int_equal(talent_keys_parse_list(" 7:/a/b , 255:c:d,3:/x ", out, 7, err, sizeof err), 3);
    assert_int_equal(out[0].id, 7);
    assert_string_equal(out[0].path, "/a/b");
    assert_int_equal(out[1].id, 255);
    assert_string_equal(out[1].path, "c:d"); // only the first colon splits
    assert_int_equal(out[2].id, 3);
    assert_string_equal(out[2].path, "/x");

    const char *bad[][2] = {
        {"/run/k1", "entry 1: expected ID:PATH"},
        {"1:/a,", "entry 2: expected ID:PATH"},
        {"1:/a,,2:/b", "entry 2: expected ID:PATH"},
        {"0:/a", "entry 1: the key id must be 1-255"},
        {"256:/a", "entry 1: the key id must be 1-255"},
        {"1:/a, x:/b", "entry 2: the key id must be 1-255"},
        {"-1:/a", "the key id must be 1-255"},
        {"+1:/a", "the key id must be 1-255"},
        {"1000:/a", "the key id must be 1-255"},
        {":/a", "the key id must be 1-255"},
        {"1:", "the path must be"},
        {"1: ", "the path must be"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = 0;
        assert_int_equal(talent_keys_parse_list(bad[i][0], out, 7, err, sizeof err), -1);
        if (!strstr(err, bad[i][1])) {
            fail_msg("'%s': '%s' lacks '%s'", bad[i][0], err, bad[i][1]);
        }
        assert_non_null(strstr(err, "talent_old_keys"));
    }
    assert_int_equal(talent_keys_parse_list("1:/a,2:/b,3:/c", out, 2, err, sizeof err), -1);
    assert_non_null(strstr(err, "at most 2"));
    //  A path of the longest length passes, one byte more does not.
    char *text = malloc(TALENT_KEY_PATH_MAX + 8);
    assert_non_null(text);
    memcpy(text, "9:", 2);
    memset(text + 2, 'p', TALENT_KEY_PATH_MAX);
    text[2 + TALENT_KEY_PATH_MAX] = 0;
    assert_int_equal(talent_keys_parse_list(text, out, 7, err, sizeof err), 1);
    assert_int_equal(strlen(out[0].path), TALENT_KEY_PATH_MAX);
    text[2 + TALENT_KEY_PATH_MAX] = 'p';
    text[3 + TALENT_KEY_PATH_MAX] = 0;
    assert_int_equal(talent_keys_parse_list(text, out, 7, err, sizeof err), -1);
    free(text);
}

static void test_parse_env(void **state)
{
    (void)state;
    talent_key_source_t source;
    assert_int_equal(talent_keys_parse_env("PATH=/bin", &source, err, sizeof err), 0);
    assert_int_equal(talent_keys_parse_env("STI_TALENT_OLD_KEYS=1:/a", &source, err, sizeof err),
                     0);
    assert_int_equal(talent_keys_parse_env("STI_TALENT_KEY=abc", &source, err, sizeof err), 0);
    assert_int_equal(talent_keys_parse_env("STI_TALENT_OLD_KEY_3=", &source, err, sizeof err), 0);
    assert_int_equal(talent_keys_parse_env("STI_TALENT_OLD_KEY_3", &source, err, sizeof err), 0);
    assert_int_equal(talent_keys_parse_env("STI_TALENT_OLD_KEY_3=abc", &source, err, sizeof err),
                     1);
    assert_int_equal(source.id, 3);
    assert_string_equal(source.env, "STI_TALENT_OLD_KEY_3");
    assert_string_equal(source.path, "");
    assert_int_equal(
        talent_keys_parse_env("STI_TALENT_OLD_KEY_200_FILE=/run/old", &source, err, sizeof err), 1);
    assert_int_equal(source.id, 200);
    assert_string_equal(source.env, "");
    assert_string_equal(source.path, "/run/old");
    const char *bad[] = {"STI_TALENT_OLD_KEY_=x",       "STI_TALENT_OLD_KEY_0=x",
                         "STI_TALENT_OLD_KEY_256=x",    "STI_TALENT_OLD_KEY_X=x",
                         "STI_TALENT_OLD_KEY_1_file=x", "STI_TALENT_OLD_KEY__FILE=x",
                         "STI_TALENT_OLD_KEY_1X=x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = 0;
        assert_int_equal(talent_keys_parse_env(bad[i], &source, err, sizeof err), -1);
        assert_non_null(strstr(err, "key id 1-255"));
        assert_null(strstr(err, "=x")); // the value is never quoted
    }
}

static void test_sources(void **state)
{
    (void)state;
    talent_key_source_t out[TALENT_OLD_KEYS_MAX];
    char *env[] = {"HOME=/root", "STI_TALENT_OLD_KEY_4=abc", "STI_TALENT_OLD_KEY_5_FILE=/k5", NULL};
    talent_keys_config_t config = {NULL, "STI_TALENT_KEY", 9, "1:/k1,2:/k2", env};
    assert_int_equal(talent_keys_sources(&config, out, TALENT_OLD_KEYS_MAX, err, sizeof err), 4);
    assert_int_equal(out[2].id, 4);
    assert_string_equal(out[2].env, "STI_TALENT_OLD_KEY_4");
    assert_int_equal(out[3].id, 5);
    assert_string_equal(out[3].path, "/k5");

    config.key_id = 2; // the current id among the old ones
    assert_int_equal(talent_keys_sources(&config, out, TALENT_OLD_KEYS_MAX, err, sizeof err), -1);
    assert_non_null(strstr(err, "key id 2 is the current key's id"));
    config.key_id = 4;
    assert_int_equal(talent_keys_sources(&config, out, TALENT_OLD_KEYS_MAX, err, sizeof err), -1);
    assert_non_null(strstr(err, "STI_TALENT_OLD_KEY_4: key id 4 is the current key's id"));

    config.key_id = 9; // the same id in the list and the environment
    config.old_keys = "1:/k1,5:/other";
    assert_int_equal(talent_keys_sources(&config, out, TALENT_OLD_KEYS_MAX, err, sizeof err), -1);
    assert_non_null(strstr(err, "key id 5 is given twice"));
    char *twice[] = {"STI_TALENT_OLD_KEY_6=abc", "STI_TALENT_OLD_KEY_6_FILE=/k6", NULL};
    config.old_keys = NULL;
    config.environ = twice;
    assert_int_equal(talent_keys_sources(&config, out, TALENT_OLD_KEYS_MAX, err, sizeof err), -1);
    assert_non_null(strstr(err, "given twice"));

    char *bad[] = {"STI_TALENT_OLD_KEY_one=abc", NULL};
    config.environ = bad;
    assert_int_equal(talent_keys_sources(&config, out, TALENT_OLD_KEYS_MAX, err, sizeof err), -1);
    assert_non_null(strstr(err, "STI_TALENT_OLD_KEY_one"));

    char *many[] = {"STI_TALENT_OLD_KEY_10=a",
                    "STI_TALENT_OLD_KEY_11=a",
                    "STI_TALENT_OLD_KEY_12=a",
                    "STI_TALENT_OLD_KEY_13=a",
                    "STI_TALENT_OLD_KEY_14=a",
                    "STI_TALENT_OLD_KEY_15=a",
                    NULL};
    config.environ = many;
    config.old_keys = "1:/a,2:/b";
    assert_int_equal(talent_keys_sources(&config, out, TALENT_OLD_KEYS_MAX, err, sizeof err), -1);
    assert_non_null(strstr(err, "at most 7"));
}

static void test_load(void **state)
{
    (void)state;
    char current[128], old1[128], open_file[128], same[128];
    s_file("current", s_hex_a, 0600, current, sizeof current);
    s_file("old1", s_hex_b, 0400, old1, sizeof old1);
    s_file("open", s_hex_b, 0644, open_file, sizeof open_file);
    s_file("same", s_hex_a, 0600, same, sizeof same);
    char env_c[100];
    snprintf(env_c, sizeof env_c, "STI_TALENT_OLD_KEY_3=%s", s_hex_c);
    char *env[] = {env_c, NULL};

    //  Key 1 seals; a keyring with key 2 current and 1 and 3 old opens it.
    char *none[] = {NULL};
    talent_keys_config_t config = {old1, "STI_TALENT_KEY", 1, NULL, none};
    talent_crypto_t *k1 = talent_keys_load(&config, err, sizeof err);
    assert_non_null(k1);
    size_t len;
    uint8_t *sealed = talent_crypto_seal(k1, "T000001", "phone", "13912340001", 11, &len);
    char h1[TALENT_HASH_TEXT_LEN + 1], h1_again[TALENT_HASH_TEXT_LEN + 1];
    talent_crypto_hash(k1, "resident", "330110198001010012", h1);

    char list[200];
    snprintf(list, sizeof list, "1:%s", old1);
    talent_keys_config_t rotated = {current, "STI_TALENT_KEY", 2, list, env};
    talent_crypto_t *ring = talent_keys_load(&rotated, err, sizeof err);
    if (!ring) {
        fail_msg("load: %s", err);
    }
    uint8_t ids[TALENT_CRYPTO_KEYS_MAX];
    assert_int_equal(talent_crypto_key_ids(ring, ids, TALENT_CRYPTO_KEYS_MAX), 3);
    assert_int_equal(ids[0], 2);
    assert_true(talent_crypto_has_key(ring, 1) && talent_crypto_has_key(ring, 3));
    assert_false(talent_crypto_has_key(ring, 4));
    char *plain = talent_crypto_open(ring, "T000001", "phone", sealed, len, NULL, err, sizeof err);
    assert_non_null(plain);
    assert_string_equal(plain, "13912340001");
    talent_crypto_free_plain(&plain);
    assert_int_equal(talent_crypto_hash_with(ring, 1, "resident", "330110198001010012", h1_again),
                     0);
    assert_string_equal(h1, h1_again);
    talent_crypto_destroy(&ring);
    talent_crypto_destroy(&k1);
    free(sealed);

    //  Refusals.
    snprintf(list, sizeof list, "1:%s", open_file);
    rotated.old_keys = list;
    assert_null(talent_keys_load(&rotated, err, sizeof err));
    assert_non_null(strstr(err, "old key 1"));
    assert_non_null(strstr(err, "mode 644"));
    snprintf(list, sizeof list, "1:%s/none", s_dir);
    assert_null(talent_keys_load(&rotated, err, sizeof err));
    assert_non_null(strstr(err, "No such file"));
    snprintf(list, sizeof list, "1:%s", same);
    assert_null(talent_keys_load(&rotated, err, sizeof err));
    assert_non_null(strstr(err, "the same secret as key 2"));
    snprintf(env_c, sizeof env_c, "STI_TALENT_OLD_KEY_3=%s", s_hex_b);
    snprintf(list, sizeof list, "1:%s", old1);
    assert_null(talent_keys_load(&rotated, err, sizeof err));
    assert_non_null(strstr(err, "STI_TALENT_OLD_KEY_3: the same secret as key 1"));
    snprintf(env_c, sizeof env_c, "STI_TALENT_OLD_KEY_3=not a secret");
    assert_null(talent_keys_load(&rotated, err, sizeof err));
    assert_non_null(strstr(err, "STI_TALENT_OLD_KEY_3"));
    assert_null(strstr(err, "not a secret"));
    assert_null(strstr(err, s_hex_a));
    assert_null(strstr(err, s_hex_b));

    //  The current key: from the environment, missing, a bad id.
    char env_key[100];
    snprintf(env_key, sizeof env_key, "STI_TALENT_KEY=%s", s_hex_c);
    char *with_key[] = {env_key, NULL};
    talent_keys_config_t from_env = {NULL, "STI_TALENT_KEY", 5, NULL, with_key};
    talent_crypto_t *k5 = talent_keys_load(&from_env, err, sizeof err);
    assert_non_null(k5);
    assert_int_equal(talent_crypto_key_id(k5), 5);
    talent_crypto_destroy(&k5);
    from_env.environ = none;
    assert_null(talent_keys_load(&from_env, err, sizeof err));
    assert_non_null(strstr(err, "no secret"));

    unlink(current);
    unlink(old1);
    unlink(open_file);
    unlink(same);
}

static int s_setup(void **state)
{
    (void)state;
    snprintf(s_dir, sizeof s_dir, "/tmp/test_talent_keys.XXXXXX");
    return mkdtemp(s_dir) ? 0 : -1;
}

static int s_teardown(void **state)
{
    (void)state;
    return rmdir(s_dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_list),
        cmocka_unit_test(test_parse_env),
        cmocka_unit_test(test_sources),
        cmocka_unit_test(test_load),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
