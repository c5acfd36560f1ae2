/*  talent_crypto: protection of the registry's personal data with libsodium.

    Keys. One 32-byte secret per key id (1-255), from a file or an
    environment variable, never from the repository. From each secret two
    independent keys are derived with crypto_kdf_derive_from_key under
    distinct contexts: a hash key and an encryption key, so that neither
    reveals the other.

    Hash. The document number is never stored in clear: its keyed hash,
    HMAC-SHA256(hash key, id_type NUL number), finds duplicates. The text
    form is the key id (2 hex digits) followed by the 64 hex digits of the
    MAC, so a hash made with an older key is recognised as such.

    Encryption. The document number, phone and e-mail are sealed with
    XChaCha20-Poly1305 (IETF AEAD) under a random 24-byte nonce. A sealed
    value is: format byte (1), key id byte, nonce, ciphertext and tag. The
    associated data binds the format and key id bytes, the record id and the
    field name, so a sealed value moved to another record or field, or
    altered in any byte, is refused.

    Rotation. A talent_crypto_t has one current key (used to hash and seal)
    and any number of older keys (up to TALENT_CRYPTO_KEYS_MAX in all) that
    still open and hash; talent_crypto_reseal() re-encrypts an old value
    under the current key, and the document hash is recomputed from the
    opened number.

    Key material lives in memory from sodium_malloc (guarded, locked, wiped
    on free). Decrypted values are returned in buffers the caller wipes with
    talent_crypto_free_plain().
*/
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TALENT_SECRET_BYTES 32
#define TALENT_CRYPTO_KEYS_MAX 8
#define TALENT_SEAL_FORMAT 1
//  Bytes a sealed value adds to its plain text: format, key id, nonce, tag.
#define TALENT_SEAL_OVERHEAD (2 + 24 + 16)
//  Longest plain text that may be sealed.
#define TALENT_SEAL_PLAIN_MAX 4096
//  Text form of a document hash: 2 + 64 hex digits and a NUL.
#define TALENT_HASH_TEXT_LEN 66

typedef struct _talent_crypto_t talent_crypto_t;

//  --- secrets ---

//  Parses a secret written as 64 hex digits or as base64 (standard or
//  URL-safe, with or without padding) of exactly 32 bytes; surrounding
//  white space is ignored. An all-zero secret is refused.
//  Returns 0, or -1 with a reason in err (the reason never contains the text).
int talent_secret_parse(const char *text, size_t len, uint8_t secret[TALENT_SECRET_BYTES],
                        char *err, size_t errlen);
//  Reads a secret file: a regular file that neither group nor others may
//  read or write, holding 32 raw bytes or the text talent_secret_parse
//  accepts. Returns 0, or -1 with a reason in err.
int talent_secret_read_file(const char *path, uint8_t secret[TALENT_SECRET_BYTES], char *err,
                            size_t errlen);
//  Reads the secret from the environment variable name, as talent_secret_parse.
//  Returns 0, or -1 with a reason in err (also when the variable is unset).
int talent_secret_from_env(const char *name, uint8_t secret[TALENT_SECRET_BYTES], char *err,
                           size_t errlen);

//  --- keys ---

//  Creates a keyring whose current key derives from secret with key_id
//  (1-255). The caller should wipe its copy of the secret. Returns a new
//  object the caller destroys, or NULL with a reason in err (libsodium
//  failed to start, or a bad key id).
talent_crypto_t *talent_crypto_new(const uint8_t secret[TALENT_SECRET_BYTES], uint8_t key_id,
                                   char *err, size_t errlen);
//  Wipes every key and frees the object; nulls *self_p; safe twice.
void talent_crypto_destroy(talent_crypto_t **self_p);
//  Adds an older key that still opens and hashes. Returns 0, or -1 with a
//  reason in err (key id 0 or already present, or the keyring is full).
int talent_crypto_add_old_key(talent_crypto_t *self, const uint8_t secret[TALENT_SECRET_BYTES],
                              uint8_t key_id, char *err, size_t errlen);
//  The id of the current key.
uint8_t talent_crypto_key_id(const talent_crypto_t *self);
//  Writes the ids of every key, the current one first, into ids (at most
//  cap; ids may be NULL when cap is 0). Returns the number of keys.
size_t talent_crypto_key_ids(const talent_crypto_t *self, uint8_t *ids, size_t cap);
//  True when the keyring holds key_id.
bool talent_crypto_has_key(const talent_crypto_t *self, uint8_t key_id);

//  --- document hash ---

//  Writes the text hash of (id_type, number) under the current key into out
//  (TALENT_HASH_TEXT_LEN + 1 bytes). Returns 0.
int talent_crypto_hash(const talent_crypto_t *self, const char *id_type, const char *number,
                       char out[TALENT_HASH_TEXT_LEN + 1]);
//  The same under the key key_id. Returns 0, or -1 when that key is unknown.
int talent_crypto_hash_with(const talent_crypto_t *self, uint8_t key_id, const char *id_type,
                            const char *number, char out[TALENT_HASH_TEXT_LEN + 1]);

//  --- sealing ---

//  Encrypts plain (len bytes, at most TALENT_SEAL_PLAIN_MAX) for the field
//  of the record under the current key. Returns a new buffer of
//  len + TALENT_SEAL_OVERHEAD bytes (size in *sealed_len) the caller frees,
//  or NULL when len is too large.
uint8_t *talent_crypto_seal(const talent_crypto_t *self, const char *record_id, const char *field,
                            const void *plain, size_t len, size_t *sealed_len);
//  Decrypts a sealed value of the field of the record. Returns a new
//  NUL-terminated buffer (its length in *plain_len, may be NULL) the caller
//  releases with talent_crypto_free_plain, or NULL with a reason in err: not
//  a sealed value, unknown key id, or authentication failed (tampered, wrong
//  key, other record or field).
char *talent_crypto_open(const talent_crypto_t *self, const char *record_id, const char *field,
                         const uint8_t *sealed, size_t sealed_len, size_t *plain_len, char *err,
                         size_t errlen);
//  Wipes and frees a buffer from talent_crypto_open; nulls *plain_p; safe twice.
void talent_crypto_free_plain(char **plain_p);
//  The key id a sealed value was made with, or -1 when it is not one.
int talent_crypto_sealed_key_id(const uint8_t *sealed, size_t sealed_len);
//  True when a sealed value was made with another key than the current one.
bool talent_crypto_needs_rotation(const talent_crypto_t *self, const uint8_t *sealed,
                                  size_t sealed_len);
//  Opens a sealed value with whichever key made it and seals it again under
//  the current key. Returns a new buffer the caller frees (size in
//  *out_len), or NULL with a reason in err as talent_crypto_open.
uint8_t *talent_crypto_reseal(const talent_crypto_t *self, const char *record_id, const char *field,
                              const uint8_t *sealed, size_t sealed_len, size_t *out_len, char *err,
                              size_t errlen);
