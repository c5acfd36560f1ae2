/*  talent_keys: the keyring of sti-talent from its configuration.

    The current secret comes from a file (talent_key_file) or from the
    environment (STI_TALENT_KEY), with its key id (talent_key_id). Older
    secrets, kept while the registry is re-keyed (docs/talent.md,
    "Rotation"), come from two places, which may be mixed:

    - the setting talent_old_keys (STI_TALENT_OLD_KEYS, --talent-old-keys):
      a comma-separated list of ID:PATH, each PATH a secret file checked as
      the current key's file is (mode 0600 or 0400);
    - environment variables STI_TALENT_OLD_KEY_<ID> holding the secret (hex
      or base64), or STI_TALENT_OLD_KEY_<ID>_FILE naming its file. The
      container entrypoint turns each STI_X_FILE into STI_X, so in a
      container the value form is what the service sees.

    Loading refuses, with a message naming the place and never the secret:
    a malformed entry, a key id outside 1-255, the same id twice, the
    current id among the old ones, a file that cannot be read or that group
    or others may read, a secret that does not parse, the same secret under
    two ids, and more than TALENT_OLD_KEYS_MAX old keys. An empty value
    counts as not given.
*/
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "talent_crypto.h"

//  Old keys one keyring holds at most (the current key takes one slot).
#define TALENT_OLD_KEYS_MAX (TALENT_CRYPTO_KEYS_MAX - 1)
//  Longest path of a secret file.
#define TALENT_KEY_PATH_MAX 1024
//  The prefix of the environment variables naming old keys.
#define TALENT_OLD_KEY_ENV "STI_TALENT_OLD_KEY_"

//  One older key as the configuration names it.
typedef struct {
    uint8_t id;                         // key id, 1-255
    char path[TALENT_KEY_PATH_MAX + 1]; // its secret file, or "" (then env names the variable)
    char env[64];                       // the variable holding the secret, or "" (then path)
} talent_key_source_t;

//  What the configuration says about the keys.
typedef struct {
    const char *key_file; // the current secret's file, or NULL/"" (then key_env)
    const char *key_env;  // the variable holding the current secret ("STI_TALENT_KEY")
    int64_t key_id;       // the current key's id, 1 to 255 (the configuration bounds it)
    const char *old_keys; // the talent_old_keys setting, or NULL/""
    char *const *environ; // the environment to read ("NAME=value", NULL-terminated)
} talent_keys_config_t;

//  Parses the talent_old_keys setting, "ID:PATH[,ID:PATH...]" (spaces around
//  an entry are ignored) into out (cap entries). Returns the number of
//  entries (0 for NULL or blank text), or -1 with a reason in err.
int talent_keys_parse_list(const char *text, talent_key_source_t *out, size_t cap, char *err,
                           size_t errlen);

//  Reads one environment entry "NAME=value". Returns 0 when NAME is not
//  STI_TALENT_OLD_KEY_<...> or its value is empty; 1 when it names an old
//  key, filling source (its id, and env = NAME, or path = value for the
//  _FILE form); -1 with a reason in err when NAME has the prefix but no key
//  id from 1 to 255 after it.
int talent_keys_parse_env(const char *entry, talent_key_source_t *source, char *err, size_t errlen);

//  Collects the old keys of the setting and the environment into out (cap
//  entries), refusing a duplicate id or the current id. Returns the number
//  of old keys, or -1 with a reason in err.
int talent_keys_sources(const talent_keys_config_t *config, talent_key_source_t *out, size_t cap,
                        char *err, size_t errlen);

//  Builds the keyring: the current key and every old key. Returns a new
//  keyring the caller destroys, or NULL with a reason in err.
talent_crypto_t *talent_keys_load(const talent_keys_config_t *config, char *err, size_t errlen);
