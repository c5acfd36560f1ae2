/*  talent_keys: the keyring from the configuration. See talent_keys.h.

    The sources are parsed first (text only, no secret read), checked for
    duplicate and current ids, then each secret is read into sodium_malloc
    memory, compared with the ones read before (the same secret under two
    ids is an operator's slip: the rotation would change nothing) and added
    to the keyring. Secrets are wiped as soon as they are derived.
*/
#include "talent_keys.h"

#include <assert.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sti_log.h"

//  Reads a key id of 1 to 3 digits, 1-255, from text[0..len). Returns it, or -1.
static int s_key_id(const char *text, size_t len)
{
    if (len < 1 || len > 3) {
        return -1;
    }
    int id = 0;
    for (size_t i = 0; i < len; i++) {
        if (text[i] < '0' || text[i] > '9') {
            return -1;
        }
        id = id * 10 + (text[i] - '0');
    }
    return id >= 1 && id <= 255 ? id : -1;
}

static bool s_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

int talent_keys_parse_list(const char *text, talent_key_source_t *out, size_t cap, char *err,
                           size_t errlen)
{
    int count = 0;
    const char *p = text ? text : "";
    for (int entry = 1;; entry++) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        while (len > 0 && s_space(*p)) {
            p++;
            len--;
        }
        while (len > 0 && s_space(p[len - 1])) {
            len--;
        }
        if (len == 0 && !end && count == 0) {
            return 0; // blank: no old keys
        }
        const char *colon = memchr(p, ':', len);
        if (len == 0 || !colon) {
            return sti_errf(err, errlen, "talent_old_keys: entry %d: expected ID:PATH", entry);
        }
        int id = s_key_id(p, (size_t)(colon - p));
        if (id < 0) {
            return sti_errf(err, errlen, "talent_old_keys: entry %d: the key id must be 1-255",
                            entry);
        }
        size_t path_len = len - (size_t)(colon - p) - 1;
        if (path_len == 0 || path_len > TALENT_KEY_PATH_MAX) {
            return sti_errf(err, errlen, "talent_old_keys: entry %d: the path must be 1-%d bytes",
                            entry, TALENT_KEY_PATH_MAX);
        }
        if ((size_t)count >= cap) {
            return sti_errf(err, errlen, "talent_old_keys: at most %zu old keys", cap);
        }
        memset(&out[count], 0, sizeof out[count]);
        out[count].id = (uint8_t)id;
        memcpy(out[count].path, colon + 1, path_len);
        count++;
        if (!end) {
            return count;
        }
        p = end + 1;
    }
}

int talent_keys_parse_env(const char *entry, talent_key_source_t *source, char *err, size_t errlen)
{
    size_t prefix = strlen(TALENT_OLD_KEY_ENV);
    const char *eq = strchr(entry, '=');
    if (!eq || strncmp(entry, TALENT_OLD_KEY_ENV, prefix) != 0 || !eq[1]) {
        return 0;
    }
    size_t name_len = (size_t)(eq - entry);
    size_t id_len = name_len - prefix;
    bool file = id_len > 5 && memcmp(entry + name_len - 5, "_FILE", 5) == 0;
    int id = s_key_id(entry + prefix, file ? id_len - 5 : id_len);
    if (id < 0 || name_len >= sizeof source->env) {
        return sti_errf(err, errlen,
                        "environment variable %.*s: expected " TALENT_OLD_KEY_ENV
                        "<ID> or " TALENT_OLD_KEY_ENV "<ID>_FILE with a key id 1-255",
                        (int)(name_len < 80 ? name_len : 80), entry);
    }
    memset(source, 0, sizeof *source);
    source->id = (uint8_t)id;
    if (file) {
        if (strlen(eq + 1) > TALENT_KEY_PATH_MAX) {
            return sti_errf(err, errlen, "environment variable %.*s: the path is too long",
                            (int)name_len, entry);
        }
        snprintf(source->path, sizeof source->path, "%s", eq + 1);
    } else {
        memcpy(source->env, entry, name_len);
    }
    return 1;
}

//  Where a source comes from, for messages.
static void s_where(const talent_key_source_t *source, char *buf, size_t cap)
{
    if (source->env[0]) {
        snprintf(buf, cap, "%s", source->env);
    } else {
        snprintf(buf, cap, "old key %u (%s)", source->id, source->path);
    }
}

int talent_keys_sources(const talent_keys_config_t *config, talent_key_source_t *out, size_t cap,
                        char *err, size_t errlen)
{
    int count = talent_keys_parse_list(config->old_keys, out, cap, err, errlen);
    for (char *const *env = config->environ; count >= 0 && env && *env; env++) {
        talent_key_source_t source;
        int rc = talent_keys_parse_env(*env, &source, err, errlen);
        if (rc < 0) {
            return -1;
        }
        if (rc == 0) {
            continue;
        }
        if ((size_t)count >= cap) {
            return sti_errf(err, errlen, "at most %zu old keys", cap);
        }
        out[count++] = source;
    }
    for (int i = 0; i < count; i++) {
        char where[TALENT_KEY_PATH_MAX + 32];
        s_where(&out[i], where, sizeof where);
        if (out[i].id == config->key_id) {
            return sti_errf(err, errlen,
                            "%s: key id %u is the current key's id (talent_key_id); an old key "
                            "needs the id it had when it was current",
                            where, out[i].id);
        }
        for (int j = 0; j < i; j++) {
            if (out[j].id == out[i].id) {
                return sti_errf(err, errlen, "%s: key id %u is given twice among the old keys",
                                where, out[i].id);
            }
        }
    }
    return count;
}

//  The value of name in the environment, or NULL.
static const char *s_env_value(char *const *environ, const char *name)
{
    size_t len = strlen(name);
    for (char *const *env = environ; env && *env; env++) {
        if (strncmp(*env, name, len) == 0 && (*env)[len] == '=') {
            return *env + len + 1;
        }
    }
    return NULL;
}

//  Reads a secret from a file or a variable of the environment. Returns 0,
//  or -1 with err.
static int s_read(char *const *environ, const char *path, const char *env, uint8_t *secret,
                  char *err, size_t errlen)
{
    if (path && *path) {
        return talent_secret_read_file(path, secret, err, errlen);
    }
    const char *text = s_env_value(environ, env);
    if (!text || !*text) {
        return sti_errf(err, errlen, "environment variable %s is not set", env);
    }
    char reason[160] = "";
    if (talent_secret_parse(text, strlen(text), secret, reason, sizeof reason) != 0) {
        return sti_errf(err, errlen, "environment variable %s: %s", env, reason);
    }
    return 0;
}

//  Reads the current secret into secret. Returns 0, or -1 with err.
static int s_current(const talent_keys_config_t *config, uint8_t *secret, char *err, size_t errlen)
{
    const char *value = s_env_value(config->environ, config->key_env);
    if ((!config->key_file || !*config->key_file) && (!value || !*value)) {
        return sti_errf(err, errlen,
                        "no secret: set STI_TALENT_KEY_FILE (a file of 32 random bytes, mode 0600) "
                        "or STI_TALENT_KEY (64 hex digits); personal data cannot be protected "
                        "without it");
    }
    return s_read(config->environ, config->key_file, config->key_env, secret, err, errlen);
}

talent_crypto_t *talent_keys_load(const talent_keys_config_t *config, char *err, size_t errlen)
{
    //  The configuration table bounds talent_key_id to 1..255.
    assert(config && config->key_env && config->key_id >= 1 && config->key_id <= 255);
    if (sodium_init() < 0) {
        sti_errf(err, errlen, "libsodium failed to start");
        return NULL;
    }
    talent_key_source_t sources[TALENT_OLD_KEYS_MAX];
    uint8_t *secrets = (uint8_t *)sodium_malloc(TALENT_CRYPTO_KEYS_MAX * TALENT_SECRET_BYTES);
    if (!secrets) {
        sti_errf(err, errlen, "no memory for the secrets");
        return NULL;
    }
    int count = talent_keys_sources(config, sources, TALENT_OLD_KEYS_MAX, err, errlen);
    talent_crypto_t *crypto = NULL;
    if (count >= 0 && s_current(config, secrets, err, errlen) == 0) {
        crypto = talent_crypto_new(secrets, (uint8_t)config->key_id, err, errlen);
    }
    for (int i = 0; crypto && i < count; i++) {
        uint8_t *secret = secrets + (size_t)(i + 1) * TALENT_SECRET_BYTES;
        char where[TALENT_KEY_PATH_MAX + 32], reason[TALENT_KEY_PATH_MAX + 160];
        s_where(&sources[i], where, sizeof where);
        int rc =
            s_read(config->environ, sources[i].path, sources[i].env, secret, reason, sizeof reason);
        for (int j = 0; rc == 0 && j <= i; j++) {
            if (sodium_memcmp(secret, secrets + (size_t)j * TALENT_SECRET_BYTES,
                              TALENT_SECRET_BYTES) == 0) {
                snprintf(reason, sizeof reason, "the same secret as key %u",
                         j == 0 ? (unsigned)config->key_id : sources[j - 1].id);
                rc = -1;
            }
        }
        if (rc == 0) {
            rc = talent_crypto_add_old_key(crypto, secret, sources[i].id, reason, sizeof reason);
        }
        if (rc != 0) {
            sti_errf(err, errlen, "%s: %s", where, reason);
            talent_crypto_destroy(&crypto);
        }
    }
    sodium_free(secrets);
    return crypto;
}
