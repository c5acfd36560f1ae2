/*  Unit tests of talent_crypto: secrets from text, files and the
    environment; the keyed document hash; sealing and opening; tampering,
    wrong keys and misplaced values refused; key rotation. Every secret and
    number here is made up for the test.
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

#include "talent_crypto.h"

//  Two made-up secrets.
static const char *s_hex_a = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
static const char *s_hex_b = "f0e1d2c3b4a5968778695a4b3c2d1e0ff0e1d2c3b4a5968778695a4b3c2d1e0f";
static char err[256];

static talent_crypto_t *s_keyring(const char *hex, uint8_t key_id)
{
    uint8_t secret[TALENT_SECRET_BYTES];
    assert_int_equal(talent_secret_parse(hex, strlen(hex), secret, err, sizeof err), 0);
    talent_crypto_t *crypto = talent_crypto_new(secret, key_id, err, sizeof err);
    assert_non_null(crypto);
    return crypto;
}

static void test_secret_parse(void **state)
{
    (void)state;
    uint8_t secret[TALENT_SECRET_BYTES];
    assert_int_equal(talent_secret_parse(s_hex_a, 64, secret, err, sizeof err), 0);
    assert_int_equal(secret[0], 0x00);
    assert_int_equal(secret[31], 0x1f);
    //  The same 32 bytes in base64, padded and unpadded, and with white space.
    const char *b64 = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    uint8_t other[TALENT_SECRET_BYTES];
    assert_int_equal(talent_secret_parse(b64, strlen(b64), other, err, sizeof err), 0);
    assert_memory_equal(secret, other, sizeof secret);
    assert_int_equal(talent_secret_parse(b64, strlen(b64) - 1, other, err, sizeof err), 0);
    assert_memory_equal(secret, other, sizeof secret);
    char spaced[100];
    snprintf(spaced, sizeof spaced, "  %s\n", s_hex_a);
    assert_int_equal(talent_secret_parse(spaced, strlen(spaced), other, err, sizeof err), 0);
    assert_memory_equal(secret, other, sizeof secret);
    //  URL-safe base64.
    const char *url = "8OHSw7Sllod4aVpLPC0eD_Dh0sO0pZaHeGlaSzwtHg8";
    assert_int_equal(talent_secret_parse(url, strlen(url), other, err, sizeof err), 0);
    assert_int_equal(other[0], 0xf0);
    assert_int_equal(other[31], 0x0f);

    //  Wrong lengths and encodings; the reason never echoes the text.
    const char *bad[] = {"",
                         "00",
                         "zz0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
                         "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHg==",
                         "not a secret at all",
                         "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(talent_secret_parse(bad[i], strlen(bad[i]), other, err, sizeof err), -1);
        assert_non_null(strstr(err, "64 hex digits or as base64"));
    }
    const char *zero = "0000000000000000000000000000000000000000000000000000000000000000";
    assert_int_equal(talent_secret_parse(zero, 64, other, err, sizeof err), -1);
    assert_non_null(strstr(err, "all zero"));
}

//  Writes content to a new temporary file with mode; returns its path.
static char *s_temp_file(const void *content, size_t len, mode_t mode)
{
    char *path = strdup("/tmp/test_talent_crypto_XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, content, len), (ssize_t)len);
    close(fd);
    assert_int_equal(chmod(path, mode), 0);
    return path;
}

static void test_secret_file(void **state)
{
    (void)state;
    uint8_t expected[TALENT_SECRET_BYTES], secret[TALENT_SECRET_BYTES];
    assert_int_equal(talent_secret_parse(s_hex_a, 64, expected, err, sizeof err), 0);

    char *path = s_temp_file(s_hex_a, 64, 0600);
    assert_int_equal(talent_secret_read_file(path, secret, err, sizeof err), 0);
    assert_memory_equal(secret, expected, sizeof secret);
    //  Group- or world-readable files are refused, whatever they hold.
    assert_int_equal(chmod(path, 0640), 0);
    assert_int_equal(talent_secret_read_file(path, secret, err, sizeof err), -1);
    assert_non_null(strstr(err, "mode 640 lets group or others in"));
    assert_int_equal(chmod(path, 0604), 0);
    assert_int_equal(talent_secret_read_file(path, secret, err, sizeof err), -1);
    assert_int_equal(chmod(path, 0400), 0);
    assert_int_equal(talent_secret_read_file(path, secret, err, sizeof err), 0);
    unlink(path);
    free(path);

    //  32 raw bytes.
    path = s_temp_file(expected, sizeof expected, 0600);
    assert_int_equal(talent_secret_read_file(path, secret, err, sizeof err), 0);
    assert_memory_equal(secret, expected, sizeof secret);
    unlink(path);
    free(path);

    //  Garbage, an over-long file, a directory, a missing file.
    path = s_temp_file("hello", 5, 0600);
    assert_int_equal(talent_secret_read_file(path, secret, err, sizeof err), -1);
    assert_non_null(strstr(err, "64 hex digits"));
    unlink(path);
    free(path);
    char *big = calloc(1, 5000);
    memset(big, 'a', 5000);
    path = s_temp_file(big, 5000, 0600);
    assert_int_equal(talent_secret_read_file(path, secret, err, sizeof err), -1);
    assert_non_null(strstr(err, "larger than"));
    unlink(path);
    free(path);
    free(big);
    assert_int_equal(talent_secret_read_file("/tmp", secret, err, sizeof err), -1);
    assert_non_null(strstr(err, "not a regular file"));
    assert_int_equal(talent_secret_read_file("/nonexistent/secret", secret, err, sizeof err), -1);
    assert_non_null(strstr(err, "No such file"));
}

static void test_secret_env(void **state)
{
    (void)state;
    uint8_t secret[TALENT_SECRET_BYTES];
    unsetenv("TEST_TALENT_SECRET");
    assert_int_equal(talent_secret_from_env("TEST_TALENT_SECRET", secret, err, sizeof err), -1);
    assert_non_null(strstr(err, "TEST_TALENT_SECRET is not set"));
    setenv("TEST_TALENT_SECRET", s_hex_b, 1);
    assert_int_equal(talent_secret_from_env("TEST_TALENT_SECRET", secret, err, sizeof err), 0);
    assert_int_equal(secret[0], 0xf0);
    setenv("TEST_TALENT_SECRET", "short", 1);
    assert_int_equal(talent_secret_from_env("TEST_TALENT_SECRET", secret, err, sizeof err), -1);
    assert_null(strstr(err, "short"));
    unsetenv("TEST_TALENT_SECRET");
}

static void test_hash(void **state)
{
    (void)state;
    talent_crypto_t *a = s_keyring(s_hex_a, 1);
    talent_crypto_t *a_again = s_keyring(s_hex_a, 1);
    talent_crypto_t *b = s_keyring(s_hex_b, 1);
    char h1[TALENT_HASH_TEXT_LEN + 1], h2[TALENT_HASH_TEXT_LEN + 1], h3[TALENT_HASH_TEXT_LEN + 1];
    const char *number = "330110198503171233"; // made up
    assert_int_equal(talent_crypto_hash(a, "resident", number, h1), 0);
    assert_int_equal(strlen(h1), TALENT_HASH_TEXT_LEN);
    assert_memory_equal(h1, "01", 2);
    assert_null(strstr(h1, number));
    //  Stable for the same key.
    assert_int_equal(talent_crypto_hash(a, "resident", number, h2), 0);
    assert_string_equal(h1, h2);
    assert_int_equal(talent_crypto_hash(a_again, "resident", number, h2), 0);
    assert_string_equal(h1, h2);
    //  Different for another key, another number, another document type.
    assert_int_equal(talent_crypto_hash(b, "resident", number, h3), 0);
    assert_string_not_equal(h1, h3);
    assert_int_equal(talent_crypto_hash(a, "resident", "330110198503171241", h3), 0);
    assert_string_not_equal(h1, h3);
    assert_int_equal(talent_crypto_hash(a, "passport", number, h3), 0);
    assert_string_not_equal(h1, h3);
    //  The type and number are separated: ("ab", "c") is not ("a", "bc").
    assert_int_equal(talent_crypto_hash(a, "ab", "c", h2), 0);
    assert_int_equal(talent_crypto_hash(a, "a", "bc", h3), 0);
    assert_string_not_equal(h2, h3);
    //  An unknown key id.
    assert_int_equal(talent_crypto_hash_with(a, 9, "resident", number, h3), -1);
    talent_crypto_destroy(&a);
    talent_crypto_destroy(&a_again);
    talent_crypto_destroy(&b);
    talent_crypto_destroy(&b);
    assert_null(b);
}

static void test_round_trip(void **state)
{
    (void)state;
    talent_crypto_t *crypto = s_keyring(s_hex_a, 3);
    assert_int_equal(talent_crypto_key_id(crypto), 3);
    const char *values[] = {"330110198503171233", "13800005678", "zhang.san@example.com", ""};
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        size_t len = strlen(values[i]), sealed_len = 0, plain_len = 99;
        uint8_t *sealed =
            talent_crypto_seal(crypto, "T000001", "phone", values[i], len, &sealed_len);
        assert_non_null(sealed);
        assert_int_equal(sealed_len, len + TALENT_SEAL_OVERHEAD);
        assert_int_equal(sealed[0], TALENT_SEAL_FORMAT);
        assert_int_equal(talent_crypto_sealed_key_id(sealed, sealed_len), 3);
        assert_false(talent_crypto_needs_rotation(crypto, sealed, sealed_len));
        if (len > 0) {
            assert_null(memmem(sealed, sealed_len, values[i], len));
        }
        char *plain = talent_crypto_open(crypto, "T000001", "phone", sealed, sealed_len, &plain_len,
                                         err, sizeof err);
        assert_non_null(plain);
        assert_int_equal(plain_len, len);
        assert_string_equal(plain, values[i]);
        talent_crypto_free_plain(&plain);
        talent_crypto_free_plain(&plain);
        free(sealed);
    }
    //  Two seals of the same value differ (random nonce).
    size_t l1, l2;
    uint8_t *s1 = talent_crypto_seal(crypto, "T1", "email", "x@y.cn", 6, &l1);
    uint8_t *s2 = talent_crypto_seal(crypto, "T1", "email", "x@y.cn", 6, &l2);
    assert_int_equal(l1, l2);
    assert_memory_not_equal(s1, s2, l1);
    free(s1);
    free(s2);
    //  Too long to seal.
    char *big = calloc(1, TALENT_SEAL_PLAIN_MAX + 1);
    assert_null(talent_crypto_seal(crypto, "T1", "notes", big, TALENT_SEAL_PLAIN_MAX + 1, &l1));
    free(big);
    talent_crypto_destroy(&crypto);
}

static void test_refused(void **state)
{
    (void)state;
    talent_crypto_t *crypto = s_keyring(s_hex_a, 1);
    talent_crypto_t *other = s_keyring(s_hex_b, 1);
    size_t len;
    const char *phone = "13800005678";
    uint8_t *sealed = talent_crypto_seal(crypto, "T000001", "phone", phone, 11, &len);
    //  Every single altered byte is refused.
    for (size_t i = 0; i < len; i++) {
        sealed[i] ^= 0x01;
        char *plain =
            talent_crypto_open(crypto, "T000001", "phone", sealed, len, NULL, err, sizeof err);
        assert_null(plain);
        sealed[i] ^= 0x01;
    }
    //  Truncated, extended, empty.
    assert_null(
        talent_crypto_open(crypto, "T000001", "phone", sealed, len - 1, NULL, err, sizeof err));
    assert_null(talent_crypto_open(crypto, "T000001", "phone", sealed, 10, NULL, err, sizeof err));
    assert_non_null(strstr(err, "not a sealed value"));
    assert_null(talent_crypto_open(crypto, "T000001", "phone", NULL, 0, NULL, err, sizeof err));
    //  The wrong key (same id, other secret), record or field.
    assert_null(talent_crypto_open(other, "T000001", "phone", sealed, len, NULL, err, sizeof err));
    assert_non_null(strstr(err, "does not authenticate"));
    assert_null(talent_crypto_open(crypto, "T000002", "phone", sealed, len, NULL, err, sizeof err));
    assert_null(talent_crypto_open(crypto, "T000001", "email", sealed, len, NULL, err, sizeof err));
    //  A key id not in the keyring.
    sealed[1] = 7;
    assert_null(talent_crypto_open(crypto, "T000001", "phone", sealed, len, NULL, err, sizeof err));
    assert_non_null(strstr(err, "key id 7"));
    sealed[1] = 0;
    assert_int_equal(talent_crypto_sealed_key_id(sealed, len), -1);
    free(sealed);
    //  Over-long record id.
    char long_id[300];
    memset(long_id, 'a', sizeof long_id - 1);
    long_id[sizeof long_id - 1] = 0;
    assert_null(talent_crypto_seal(crypto, long_id, "phone", phone, 11, &len));
    talent_crypto_destroy(&crypto);
    talent_crypto_destroy(&other);
}

static void test_rotation(void **state)
{
    (void)state;
    talent_crypto_t *old = s_keyring(s_hex_a, 1);
    size_t len, new_len;
    const char *number = "330110198503171233"; // made up
    uint8_t *sealed = talent_crypto_seal(old, "T9", "id_number", number, 18, &len);
    char old_hash[TALENT_HASH_TEXT_LEN + 1], hash[TALENT_HASH_TEXT_LEN + 1];
    talent_crypto_hash(old, "resident", number, old_hash);

    //  The new keyring: key 2 current, key 1 kept to open old values.
    talent_crypto_t *ring = s_keyring(s_hex_b, 2);
    uint8_t secret[TALENT_SECRET_BYTES];
    assert_int_equal(talent_secret_parse(s_hex_a, 64, secret, err, sizeof err), 0);
    assert_int_equal(talent_crypto_add_old_key(ring, secret, 1, err, sizeof err), 0);
    assert_int_equal(talent_crypto_add_old_key(ring, secret, 1, err, sizeof err), -1);
    assert_non_null(strstr(err, "already"));
    assert_int_equal(talent_crypto_add_old_key(ring, secret, 0, err, sizeof err), -1);
    assert_true(talent_crypto_needs_rotation(ring, sealed, len));

    char *plain = talent_crypto_open(ring, "T9", "id_number", sealed, len, NULL, err, sizeof err);
    assert_non_null(plain);
    assert_string_equal(plain, number);
    talent_crypto_free_plain(&plain);
    uint8_t *resealed =
        talent_crypto_reseal(ring, "T9", "id_number", sealed, len, &new_len, err, sizeof err);
    assert_non_null(resealed);
    assert_int_equal(talent_crypto_sealed_key_id(resealed, new_len), 2);
    assert_false(talent_crypto_needs_rotation(ring, resealed, new_len));
    //  The old keyring cannot open the new value.
    assert_null(
        talent_crypto_open(old, "T9", "id_number", resealed, new_len, NULL, err, sizeof err));
    //  Hashes: the old key's hash is still found under key 1; the new one differs.
    assert_int_equal(talent_crypto_hash_with(ring, 1, "resident", number, hash), 0);
    assert_string_equal(hash, old_hash);
    assert_int_equal(talent_crypto_hash(ring, "resident", number, hash), 0);
    assert_memory_equal(hash, "02", 2);
    assert_string_not_equal(hash, old_hash);
    //  A full keyring.
    for (uint8_t id = 3; id < 3 + TALENT_CRYPTO_KEYS_MAX - 2; id++) {
        assert_int_equal(talent_crypto_add_old_key(ring, secret, id, err, sizeof err), 0);
    }
    assert_int_equal(talent_crypto_add_old_key(ring, secret, 200, err, sizeof err), -1);
    assert_non_null(strstr(err, "at most"));
    assert_null(talent_crypto_new(secret, 0, err, sizeof err));
    free(sealed);
    free(resealed);
    talent_crypto_destroy(&old);
    talent_crypto_destroy(&ring);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_secret_parse), cmocka_unit_test(test_secret_file),
        cmocka_unit_test(test_secret_env),   cmocka_unit_test(test_hash),
        cmocka_unit_test(test_round_trip),   cmocka_unit_test(test_refused),
        cmocka_unit_test(test_rotation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
