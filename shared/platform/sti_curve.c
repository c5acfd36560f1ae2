/*  sti_curve: client-side CURVE and key pairs. See sti_curve.h.

    The certificate file is read each time a socket is set up (a worker opens
    a fresh socket when it reconnects): a key replaced on disk is picked up
    on the next connection, and nothing secret is kept in a global.
*/
#include "sti_curve.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "sti_auth.h"
#include "sti_event_codec.h"
#include "sti_mdp.h"

static const char *s_env(const char *name)
{
    const char *value = getenv(name);
    return value && *value ? value : NULL;
}

static bool s_curve_on(void)
{
    const char *value = s_env("STI_CURVE");
    return value && (strcmp(value, "on") == 0 || strcmp(value, "1") == 0 ||
                     strcmp(value, "true") == 0 || strcmp(value, "yes") == 0);
}

bool sti_curve_client_wanted(void)
{
    return s_curve_on() || s_env("STI_CURVE_BROKER_KEY") != NULL;
}

//  True when text is exactly a Z85 key of 40 characters.
static bool s_is_z85_key(const char *text)
{
    if (strlen(text) != STI_AUTH_KEY_LEN) {
        return false;
    }
    uint8_t bin[32];
    return zmq_z85_decode(bin, text) != NULL;
}

zcert_t *sti_curve_load_secret(const char *path, char *err, size_t errlen)
{
    assert(path);
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "cannot read the certificate %s", path);
        return NULL;
    }
    if (st.st_size > 64 * 1024) {
        snprintf(err, errlen, "%s is not a certificate (%lld bytes)", path, (long long)st.st_size);
        return NULL;
    }
    zcert_t *cert = zcert_load(path);
    if (!cert) {
        snprintf(err, errlen, "%s is not a CZMQ certificate", path);
        return NULL;
    }
    static const char no_secret[] = "0000000000000000000000000000000000000000";
    if (strcmp(zcert_secret_txt(cert), no_secret) == 0) {
        snprintf(err, errlen, "%s holds no secret key (give the NAME_secret file)", path);
        zcert_destroy(&cert);
    }
    return cert;
}

int sti_curve_public_key(const char *text, char *out, char *err, size_t errlen)
{
    assert(text && out);
    if (s_is_z85_key(text)) {
        memcpy(out, text, STI_AUTH_KEY_LEN + 1);
        return 0;
    }
    struct stat st;
    if (stat(text, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > 64 * 1024) {
        snprintf(err, errlen, "'%.60s' is neither a Z85 key nor a certificate file", text);
        return -1;
    }
    zcert_t *cert = zcert_load(text);
    if (!cert) {
        snprintf(err, errlen, "%s is not a CZMQ certificate", text);
        return -1;
    }
    snprintf(out, STI_AUTH_KEY_LEN + 1, "%s", zcert_public_txt(cert));
    zcert_destroy(&cert);
    return 0;
}

int sti_curve_client_setup(zsock_t *sock, char *err, size_t errlen)
{
    assert(sock);
    const char *cert_path = s_env("STI_CURVE_CERT");
    const char *broker_key = s_env("STI_CURVE_BROKER_KEY");
    if (!broker_key && !s_curve_on()) {
        return 0;
    }
    if (!broker_key || !cert_path) {
        snprintf(err, errlen,
                 "CURVE needs both STI_CURVE_CERT (this process's secret "
                 "certificate) and STI_CURVE_BROKER_KEY (the broker's public key)");
        return -1;
    }
    char server_key[STI_AUTH_KEY_LEN + 1];
    if (sti_curve_public_key(broker_key, server_key, err, errlen) != 0) {
        return -1;
    }
    zcert_t *cert = sti_curve_load_secret(cert_path, err, errlen);
    if (!cert) {
        return -1;
    }
    zcert_apply(cert, zsock_resolve(sock));
    zsock_set_curve_serverkey(sock, server_key);
    zcert_destroy(&cert);
    return 1;
}

bool sti_curve_streams_valid(const char *list)
{
    if (!list || !*list || strlen(list) > STI_CURVE_STREAMS_MAX) {
        return false;
    }
    char stream[STI_EVENTS_STREAM_MAX + 1];
    for (const char *p = list;; p++) {
        size_t len = strcspn(p, ",");
        if (len == 0 || len > STI_EVENTS_STREAM_MAX) {
            return false;
        }
        memcpy(stream, p, len);
        stream[len] = 0;
        if (!sti_events_stream_valid(stream)) {
            return false;
        }
        p += len;
        if (*p == 0) {
            return true;
        }
    }
}

bool sti_curve_streams_has(const char *list, const char *stream, size_t len)
{
    for (const char *p = list; p && *p;) {
        size_t n = strcspn(p, ",");
        if (n == len && len > 0 && memcmp(p, stream, len) == 0) {
            return true;
        }
        p += n;
        if (*p == ',') {
            p++;
        }
    }
    return false;
}

//  Checks what a new key would say. Returns 0, or -1 with a reason in err.
static int s_keys_check(const char *name, const char *role, const char *service,
                        const char *streams, char *err, size_t errlen)
{
    if (!sti_auth_name_valid(name) || strchr(name, '/') || name[0] == '.') {
        snprintf(err, errlen,
                 "'%s' is not a usable key name (1-%d characters, no '/', "
                 "not starting with '.')",
                 name, STI_AUTH_NAME_MAX);
        return -1;
    }
    if (!sti_role_parse(role)) {
        snprintf(err, errlen,
                 "'%s' is not a role (reader, clerk, officer, admin, service, gateway)", role);
        return -1;
    }
    //  A gateway serves its own service (sti.gateway: users, tokens, sign-in).
    unsigned bit = sti_role_parse(role);
    if (service && bit != STI_ROLE_SERVICE && bit != STI_ROLE_GATEWAY) {
        snprintf(err, errlen, "a service is only for role service or gateway, not %s", role);
        return -1;
    }
    if (streams && bit != STI_ROLE_SERVICE) {
        snprintf(err, errlen, "streams are only for role service, not %s", role);
        return -1;
    }
    if (service &&
        (!sti_mdp_service_valid(service, strlen(service)) || strncmp(service, "mmi.", 4) == 0)) {
        snprintf(err, errlen,
                 "'%.60s' is not a usable service name (1-%d printable characters, "
                 "no '\"' or '\\', not mmi.*)",
                 service, STI_MDP_SERVICE_MAX);
        return -1;
    }
    if (streams && !sti_curve_streams_valid(streams)) {
        snprintf(err, errlen,
                 "'%.60s' is not a list of streams (names of 1-%d letters, digits, "
                 "'_' or '-', separated by commas)",
                 streams, STI_EVENTS_STREAM_MAX);
        return -1;
    }
    return 0;
}

int sti_curve_keys_new(const char *dir, const char *name, const char *role, const char *service,
                       const char *streams, char *err, size_t errlen)
{
    assert(dir && name && role);
    if (s_keys_check(name, role, service, streams, err, errlen) != 0) {
        return -1;
    }
    if (zsys_dir_create("%s", dir) != 0) {
        snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
        return -1;
    }
    char path[4096];
    char secret[4096 + 8];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    snprintf(secret, sizeof secret, "%s_secret", path);
    struct stat st;
    if (stat(path, &st) == 0 || stat(secret, &st) == 0) {
        snprintf(err, errlen, "%s or %s exists already: remove it first", path, secret);
        return -1;
    }
    zcert_t *cert = zcert_new();
    if (!cert) {
        snprintf(err, errlen, "cannot make a key pair");
        return -1;
    }
    zcert_set_meta(cert, "name", "%s", name);
    zcert_set_meta(cert, "role", "%s", role);
    if (service) {
        zcert_set_meta(cert, "service", "%s", service);
    }
    if (streams) {
        zcert_set_meta(cert, "streams", "%s", streams);
    }
    //  The secret file is written first with a umask that keeps it private.
    mode_t old = umask(077);
    int rc = zcert_save_secret(cert, secret);
    umask(old);
    if (rc == 0) {
        rc = zcert_save_public(cert, path);
    }
    if (rc != 0) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
    }
    zcert_destroy(&cert);
    return rc == 0 ? 0 : -1;
}
