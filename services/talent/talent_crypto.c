/*  talent_crypto: keyed hashes and sealed fields (see the header).

    The keyring is one sodium_malloc'd block, so all key material sits in
    guarded, locked pages that sodium_free wipes. Secrets are never logged
    and never echoed in an error; errors name only what was wrong with them
    (length, encoding, file mode).
*/
#include "talent_crypto.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sti_log.h"

#define S_NONCE_BYTES crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define S_TAG_BYTES crypto_aead_xchacha20poly1305_ietf_ABYTES
#define S_HEADER_BYTES 2
//  Bounds of the associated data's parts.
#define S_RECORD_ID_MAX 255
#define S_FIELD_MAX 63
//  Longest secret file accepted.
#define S_SECRET_FILE_MAX 4096

//  The contexts (8 bytes each) and subkey ids of the two derived keys.
static const char s_hash_context[crypto_kdf_CONTEXTBYTES] = {'S', 'T', 'I', 't',
                                                             'a', 'l', 'H', 'K'};
static const char s_seal_context[crypto_kdf_CONTEXTBYTES] = {'S', 'T', 'I', 't',
                                                             'a', 'l', 'E', 'K'};
#define S_HASH_SUBKEY_ID 1
#define S_SEAL_SUBKEY_ID 2

//  One key of the ring.
typedef struct {
    uint8_t id;                                                    // key id, 1-255; 0: slot unused
    uint8_t hash_key[crypto_auth_hmacsha256_KEYBYTES];             // HMAC key for document hashes
    uint8_t seal_key[crypto_aead_xchacha20poly1305_ietf_KEYBYTES]; // AEAD key for sealed fields
} s_key_t;

struct _talent_crypto_t {
    s_key_t keys[TALENT_CRYPTO_KEYS_MAX]; // keys[0] is the current key
    uint8_t count;                        // slots in use
};

static bool s_is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

int talent_secret_parse(const char *text, size_t len, uint8_t secret[TALENT_SECRET_BYTES],
                        char *err, size_t errlen)
{
    assert(text && secret);
    while (len > 0 && s_is_space(text[0])) {
        text++;
        len--;
    }
    while (len > 0 && s_is_space(text[len - 1])) {
        len--;
    }
    size_t bin_len = 0;
    int rc = -1;
    if (len == 2 * TALENT_SECRET_BYTES) {
        rc = sodium_hex2bin(secret, TALENT_SECRET_BYTES, text, len, NULL, &bin_len, NULL);
    }
    static const int variants[] = {
        sodium_base64_VARIANT_ORIGINAL, sodium_base64_VARIANT_ORIGINAL_NO_PADDING,
        sodium_base64_VARIANT_URLSAFE, sodium_base64_VARIANT_URLSAFE_NO_PADDING};
    for (size_t i = 0; i < 4 && (rc != 0 || bin_len != TALENT_SECRET_BYTES); i++) {
        const char *end = NULL;
        rc = sodium_base642bin(secret, TALENT_SECRET_BYTES, text, len, NULL, &bin_len, &end,
                               variants[i]);
        if (rc == 0 && end != text + len) {
            rc = -1;
        }
    }
    if (rc != 0 || bin_len != TALENT_SECRET_BYTES) {
        sodium_memzero(secret, TALENT_SECRET_BYTES);
        return sti_errf(err, errlen,
                        "the secret must be 32 bytes written as 64 hex digits or as base64");
    }
    if (sodium_is_zero(secret, TALENT_SECRET_BYTES)) {
        return sti_errf(err, errlen, "the secret is all zero bytes");
    }
    return 0;
}

int talent_secret_read_file(const char *path, uint8_t secret[TALENT_SECRET_BYTES], char *err,
                            size_t errlen)
{
    assert(path && secret);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return sti_errf(err, errlen, "secret file %s: %s", path, strerror(errno));
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return sti_errf(err, errlen, "secret file %s: not a regular file", path);
    }
    if (st.st_mode & (S_IRWXG | S_IRWXO)) {
        close(fd);
        return sti_errf(err, errlen,
                        "secret file %s: mode %03o lets group or others in; use chmod 600 or 400",
                        path, (unsigned)(st.st_mode & 0777));
    }
    char buf[S_SECRET_FILE_MAX + 1];
    size_t len = 0;
    ssize_t n;
    while (len < sizeof buf && (n = read(fd, buf + len, sizeof buf - len)) != 0) {
        if (n < 0 && errno != EINTR) {
            close(fd);
            sodium_memzero(buf, sizeof buf);
            return sti_errf(err, errlen, "secret file %s: %s", path, strerror(errno));
        }
        len += n > 0 ? (size_t)n : 0;
    }
    close(fd);
    int rc;
    if (len > S_SECRET_FILE_MAX) {
        rc = sti_errf(err, errlen, "secret file %s: larger than %d bytes", path, S_SECRET_FILE_MAX);
    } else if (len == TALENT_SECRET_BYTES) {
        memcpy(secret, buf, TALENT_SECRET_BYTES);
        rc = sodium_is_zero(secret, TALENT_SECRET_BYTES)
                 ? sti_errf(err, errlen, "secret file %s: the secret is all zero bytes", path)
                 : 0;
    } else {
        char reason[160] = "";
        rc = talent_secret_parse(buf, len, secret, reason, sizeof reason);
        if (rc != 0) {
            sti_errf(err, errlen, "secret file %s: %s", path, reason);
        }
    }
    sodium_memzero(buf, sizeof buf);
    return rc;
}

int talent_secret_from_env(const char *name, uint8_t secret[TALENT_SECRET_BYTES], char *err,
                           size_t errlen)
{
    assert(name && secret);
    const char *text = getenv(name);
    if (!text || !*text) {
        return sti_errf(err, errlen, "environment variable %s is not set", name);
    }
    char reason[160] = "";
    if (talent_secret_parse(text, strlen(text), secret, reason, sizeof reason) != 0) {
        return sti_errf(err, errlen, "environment variable %s: %s", name, reason);
    }
    return 0;
}

//  Derives both keys of slot from secret.
static void s_derive(s_key_t *slot, const uint8_t secret[TALENT_SECRET_BYTES], uint8_t key_id)
{
    slot->id = key_id;
    int rc = crypto_kdf_derive_from_key(slot->hash_key, sizeof slot->hash_key, S_HASH_SUBKEY_ID,
                                        s_hash_context, secret);
    rc |= crypto_kdf_derive_from_key(slot->seal_key, sizeof slot->seal_key, S_SEAL_SUBKEY_ID,
                                     s_seal_context, secret);
    assert(rc == 0);
}

talent_crypto_t *talent_crypto_new(const uint8_t secret[TALENT_SECRET_BYTES], uint8_t key_id,
                                   char *err, size_t errlen)
{
    assert(secret);
    if (sodium_init() < 0) {
        sti_errf(err, errlen, "libsodium failed to start");
        return NULL;
    }
    if (key_id == 0) {
        sti_errf(err, errlen, "key id must be 1-255");
        return NULL;
    }
    talent_crypto_t *self = sodium_malloc(sizeof *self);
    if (!self) {
        sti_errf(err, errlen, "cannot allocate protected memory for the keys");
        return NULL;
    }
    sodium_memzero(self, sizeof *self);
    s_derive(&self->keys[0], secret, key_id);
    self->count = 1;
    return self;
}

void talent_crypto_destroy(talent_crypto_t **self_p)
{
    assert(self_p);
    if (*self_p) {
        sodium_memzero(*self_p, sizeof **self_p);
        sodium_free(*self_p);
        *self_p = NULL;
    }
}

//  The slot of key_id, or NULL.
static const s_key_t *s_find(const talent_crypto_t *self, uint8_t key_id)
{
    for (uint8_t i = 0; i < self->count && key_id != 0; i++) {
        if (self->keys[i].id == key_id) {
            return &self->keys[i];
        }
    }
    return NULL;
}

int talent_crypto_add_old_key(talent_crypto_t *self, const uint8_t secret[TALENT_SECRET_BYTES],
                              uint8_t key_id, char *err, size_t errlen)
{
    assert(self && secret);
    if (key_id == 0) {
        return sti_errf(err, errlen, "key id must be 1-255");
    }
    if (s_find(self, key_id)) {
        return sti_errf(err, errlen, "key id %u is already in the keyring", key_id);
    }
    if (self->count >= TALENT_CRYPTO_KEYS_MAX) {
        return sti_errf(err, errlen, "at most %d keys", TALENT_CRYPTO_KEYS_MAX);
    }
    s_derive(&self->keys[self->count++], secret, key_id);
    return 0;
}

uint8_t talent_crypto_key_id(const talent_crypto_t *self)
{
    assert(self);
    return self->keys[0].id;
}

size_t talent_crypto_key_ids(const talent_crypto_t *self, uint8_t *ids, size_t cap)
{
    assert(self && (ids || cap == 0));
    for (size_t i = 0; i < self->count && i < cap; i++) {
        ids[i] = self->keys[i].id;
    }
    return self->count;
}

bool talent_crypto_has_key(const talent_crypto_t *self, uint8_t key_id)
{
    assert(self);
    return s_find(self, key_id) != NULL;
}

int talent_crypto_hash_with(const talent_crypto_t *self, uint8_t key_id, const char *id_type,
                            const char *number, char out[TALENT_HASH_TEXT_LEN + 1])
{
    assert(self && id_type && number && out);
    const s_key_t *key = s_find(self, key_id);
    if (!key) {
        out[0] = 0;
        return -1;
    }
    crypto_auth_hmacsha256_state state;
    uint8_t mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_init(&state, key->hash_key, sizeof key->hash_key);
    //  The NUL after the type keeps ("ab", "c") apart from ("a", "bc").
    crypto_auth_hmacsha256_update(&state, (const uint8_t *)id_type, strlen(id_type) + 1);
    crypto_auth_hmacsha256_update(&state, (const uint8_t *)number, strlen(number));
    crypto_auth_hmacsha256_final(&state, mac);
    sodium_memzero(&state, sizeof state);
    snprintf(out, 3, "%02x", key_id);
    sodium_bin2hex(out + 2, TALENT_HASH_TEXT_LEN - 1, mac, sizeof mac);
    return 0;
}

int talent_crypto_hash(const talent_crypto_t *self, const char *id_type, const char *number,
                       char out[TALENT_HASH_TEXT_LEN + 1])
{
    assert(self);
    return talent_crypto_hash_with(self, self->keys[0].id, id_type, number, out);
}

//  Builds the associated data: the header bytes, the record id, NUL, the
//  field. Returns its length, or 0 when an id is too long.
static size_t s_associated(uint8_t *ad, const uint8_t header[S_HEADER_BYTES], const char *record_id,
                           const char *field)
{
    size_t id_len = strnlen(record_id, S_RECORD_ID_MAX + 1);
    size_t field_len = strnlen(field, S_FIELD_MAX + 1);
    if (id_len > S_RECORD_ID_MAX || field_len > S_FIELD_MAX) {
        return 0;
    }
    memcpy(ad, header, S_HEADER_BYTES);
    memcpy(ad + S_HEADER_BYTES, record_id, id_len);
    ad[S_HEADER_BYTES + id_len] = 0;
    memcpy(ad + S_HEADER_BYTES + id_len + 1, field, field_len);
    return S_HEADER_BYTES + id_len + 1 + field_len;
}

uint8_t *talent_crypto_seal(const talent_crypto_t *self, const char *record_id, const char *field,
                            const void *plain, size_t len, size_t *sealed_len)
{
    assert(self && record_id && field && (plain || len == 0) && sealed_len);
    const s_key_t *key = &self->keys[0];
    uint8_t ad[S_HEADER_BYTES + S_RECORD_ID_MAX + 1 + S_FIELD_MAX];
    uint8_t header[S_HEADER_BYTES] = {TALENT_SEAL_FORMAT, key->id};
    size_t ad_len = s_associated(ad, header, record_id, field);
    if (len > TALENT_SEAL_PLAIN_MAX || ad_len == 0) {
        return NULL;
    }
    size_t total = len + TALENT_SEAL_OVERHEAD;
    uint8_t *sealed = malloc(total);
    assert(sealed);
    memcpy(sealed, header, S_HEADER_BYTES);
    uint8_t *nonce = sealed + S_HEADER_BYTES;
    randombytes_buf(nonce, S_NONCE_BYTES);
    unsigned long long cipher_len = 0;
    crypto_aead_xchacha20poly1305_ietf_encrypt(nonce + S_NONCE_BYTES, &cipher_len, plain, len, ad,
                                               ad_len, NULL, nonce, key->seal_key);
    assert(cipher_len == len + S_TAG_BYTES);
    *sealed_len = total;
    return sealed;
}

int talent_crypto_sealed_key_id(const uint8_t *sealed, size_t sealed_len)
{
    if (!sealed || sealed_len < TALENT_SEAL_OVERHEAD || sealed[0] != TALENT_SEAL_FORMAT ||
        sealed[1] == 0) {
        return -1;
    }
    return sealed[1];
}

bool talent_crypto_needs_rotation(const talent_crypto_t *self, const uint8_t *sealed,
                                  size_t sealed_len)
{
    assert(self);
    int key_id = talent_crypto_sealed_key_id(sealed, sealed_len);
    return key_id > 0 && key_id != self->keys[0].id;
}

char *talent_crypto_open(const talent_crypto_t *self, const char *record_id, const char *field,
                         const uint8_t *sealed, size_t sealed_len, size_t *plain_len, char *err,
                         size_t errlen)
{
    assert(self && record_id && field);
    int key_id = talent_crypto_sealed_key_id(sealed, sealed_len);
    if (key_id < 0 || sealed_len > TALENT_SEAL_PLAIN_MAX + TALENT_SEAL_OVERHEAD) {
        sti_errf(err, errlen, "not a sealed value");
        return NULL;
    }
    const s_key_t *key = s_find(self, (uint8_t)key_id);
    if (!key) {
        sti_errf(err, errlen, "sealed with key id %d, which is not in the keyring", key_id);
        return NULL;
    }
    uint8_t ad[S_HEADER_BYTES + S_RECORD_ID_MAX + 1 + S_FIELD_MAX];
    size_t ad_len = s_associated(ad, sealed, record_id, field);
    if (ad_len == 0) {
        sti_errf(err, errlen, "record id or field name too long");
        return NULL;
    }
    size_t len = sealed_len - TALENT_SEAL_OVERHEAD;
    char *plain = sodium_malloc(len + 1);
    if (!plain) {
        sti_errf(err, errlen, "cannot allocate protected memory");
        return NULL;
    }
    const uint8_t *nonce = sealed + S_HEADER_BYTES;
    unsigned long long out_len = 0;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(
            (uint8_t *)plain, &out_len, NULL, nonce + S_NONCE_BYTES,
            sealed_len - S_HEADER_BYTES - S_NONCE_BYTES, ad, ad_len, nonce, key->seal_key) != 0) {
        sodium_free(plain);
        sti_errf(err, errlen,
                 "the sealed value does not authenticate (altered, another key, "
                 "record or field)");
        return NULL;
    }
    plain[out_len] = 0;
    if (plain_len) {
        *plain_len = (size_t)out_len;
    }
    return plain;
}

void talent_crypto_free_plain(char **plain_p)
{
    assert(plain_p);
    if (*plain_p) {
        sodium_free(*plain_p);
        *plain_p = NULL;
    }
}

uint8_t *talent_crypto_reseal(const talent_crypto_t *self, const char *record_id, const char *field,
                              const uint8_t *sealed, size_t sealed_len, size_t *out_len, char *err,
                              size_t errlen)
{
    size_t len = 0;
    char *plain = talent_crypto_open(self, record_id, field, sealed, sealed_len, &len, err, errlen);
    if (!plain) {
        return NULL;
    }
    uint8_t *resealed = talent_crypto_seal(self, record_id, field, plain, len, out_len);
    talent_crypto_free_plain(&plain);
    return resealed;
}
