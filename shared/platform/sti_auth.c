/*  sti_auth: roles and the identity frame. See sti_auth.h.

    The identity frame is written by the broker and read by every worker; a
    worker trusts it because only the broker can put it there (clients never
    see or send it). It is still decoded as hostile input: a worker behind a
    broker of another make, or a bug, must give a clear error, not a crash.
*/
#include "sti_auth.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sti_codec.h"

static const struct {
    const char *name;
    unsigned bit;
} s_roles[] = {
    {"reader", STI_ROLE_READER}, {"clerk", STI_ROLE_CLERK},     {"officer", STI_ROLE_OFFICER},
    {"admin", STI_ROLE_ADMIN},   {"service", STI_ROLE_SERVICE}, {"gateway", STI_ROLE_GATEWAY},
};
#define S_ROLE_COUNT (sizeof(s_roles) / sizeof(s_roles[0]))

unsigned sti_role_parse(const char *name)
{
    for (size_t i = 0; name && i < S_ROLE_COUNT; i++) {
        if (strcmp(name, s_roles[i].name) == 0) {
            return s_roles[i].bit;
        }
    }
    return 0;
}

const char *sti_role_name(unsigned role_bit)
{
    for (size_t i = 0; i < S_ROLE_COUNT; i++) {
        if (role_bit == s_roles[i].bit) {
            return s_roles[i].name;
        }
    }
    return "none";
}

int sti_roles_parse(const char *list, unsigned *roles, char *err, size_t errlen)
{
    assert(list && roles);
    *roles = 0;
    char word[STI_AUTH_ROLE_MAX + 2];
    const char *p = list;
    while (*p) {
        size_t len = strcspn(p, ",");
        if (len == 0 || len >= sizeof word) {
            snprintf(err, errlen, "'%.*s' is not a role", (int)(len < 40 ? len : 40), p);
            return -1;
        }
        memcpy(word, p, len);
        word[len] = 0;
        unsigned bit = sti_role_parse(word);
        if (!bit) {
            snprintf(err, errlen,
                     "'%s' is not a role (reader, clerk, officer, admin, service, gateway)", word);
            return -1;
        }
        *roles |= bit;
        p += len;
        if (*p == ',') {
            p++;
        }
    }
    return 0;
}

bool sti_role_allowed(unsigned allowed, unsigned role_bit)
{
    if (role_bit == 0) {
        return false;
    }
    if (role_bit == STI_ROLE_ADMIN && !(allowed & STI_OP_LISTED_ONLY)) {
        return true;
    }
    return (allowed & STI_ROLES_MASK & role_bit) != 0;
}

bool sti_auth_name_valid(const char *text)
{
    if (!text) {
        return false;
    }
    size_t len = strlen(text);
    if (len == 0 || len > STI_AUTH_NAME_MAX || !sti_utf8_valid(text, len)) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c < 0x20 || c == 0x7f) {
            return false;
        }
    }
    return true;
}

void sti_identity_set(sti_identity_t *identity, const char *name, const char *role, const char *key)
{
    assert(identity);
    memset(identity, 0, sizeof *identity);
    if (key && strlen(key) == STI_AUTH_KEY_LEN) {
        memcpy(identity->key, key, STI_AUTH_KEY_LEN + 1);
    }
    const char *shown = sti_auth_name_valid(name) ? name
                        : identity->key[0]        ? identity->key
                                                  : "unnamed";
    snprintf(identity->name, sizeof identity->name, "%s", shown);
    identity->role_bit = role ? sti_role_parse(role) : 0;
    if (identity->role_bit) {
        snprintf(identity->role, sizeof identity->role, "%s", role);
    } else if (role) {
        //  Kept for the message that refuses it; cut to printable ASCII.
        size_t n = 0;
        for (; role[n] && n < STI_AUTH_ROLE_MAX; n++) {
            unsigned char c = (unsigned char)role[n];
            identity->role[n] = c >= 0x20 && c < 0x7f ? (char)c : '?';
        }
        identity->role[n] = 0;
    }
}

void sti_identity_local(sti_identity_t *identity)
{
    sti_identity_set(identity, STI_AUTH_LOCAL_NAME, "admin", NULL);
}

void *sti_identity_encode(const sti_identity_t *identity, size_t *size)
{
    assert(identity && size);
    sti_writer_t *writer = sti_writer_new();
    sti_writer_map(writer, 3);
    sti_writer_kv_str(writer, "name", identity->name);
    sti_writer_kv_str(writer, "role", identity->role);
    sti_writer_kv_str(writer, "key", identity->key);
    const void *data = sti_writer_data(writer, size);
    void *copy = malloc(*size);
    assert(copy);
    memcpy(copy, data, *size);
    sti_writer_destroy(&writer);
    return copy;
}

int sti_identity_decode(const void *data, size_t size, sti_identity_t *identity, char *err,
                        size_t errlen)
{
    assert(identity);
    memset(identity, 0, sizeof *identity);
    if (!data || size == 0 || size > STI_AUTH_FRAME_MAX) {
        snprintf(err, errlen, "identity frame of %zu bytes", size);
        return -1;
    }
    const sti_limits_t limits = {STI_AUTH_FRAME_MAX, STI_AUTH_NAME_MAX * 4, 8, 2};
    sti_reader_t *reader = sti_reader_new(data, size, &limits, err, errlen);
    if (!reader) {
        return -1;
    }
    sti_node_t root = sti_reader_root(reader);
    static const char *const keys[] = {"name", "role", "key", NULL};
    char name[STI_AUTH_NAME_MAX * 4 + 1];
    char role[STI_AUTH_ROLE_MAX + 1];
    char key[STI_AUTH_KEY_LEN + 1];
    sti_field_error_t field_err = {"", ""};
    int rc = -1;
    if (sti_node_type(root) != STI_TYPE_MAP) {
        snprintf(err, errlen, "identity frame is not a map");
    } else if (sti_map_only(root, keys, &field_err) != 0 ||
               sti_map_str_copy(root, "name", name, sizeof name, &field_err) != 0 ||
               sti_map_str_copy(root, "role", role, sizeof role, &field_err) != 0 ||
               sti_map_str_copy(root, "key", key, sizeof key, &field_err) != 0) {
        snprintf(err, errlen, "identity frame: %s: %s", field_err.field, field_err.reason);
    } else if (!sti_auth_name_valid(name)) {
        snprintf(err, errlen, "identity frame: name is not a usable name");
    } else if (key[0] && strlen(key) != STI_AUTH_KEY_LEN) {
        snprintf(err, errlen, "identity frame: key is not %d characters", STI_AUTH_KEY_LEN);
    } else {
        sti_identity_set(identity, name, role, key);
        rc = 0;
    }
    sti_reader_destroy(&reader);
    return rc;
}
