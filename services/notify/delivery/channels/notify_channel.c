/*  notify_channel: what the channels share. See notify_channel.h.

    The libraries are set up once per process (pthread_once), so every
    sender thread may call notify_global_init before a send. A URL is judged
    by libcurl's own parser after a look at its authority (libcurl reads
    "http:///x" as host "x"); an address by the RFC 5322 dot-atom rules,
    ASCII only.
*/
#include "notify_channel.h"

#include <ctype.h>
#include <curl/curl.h>
#include <pthread.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

void notify_channel_config_defaults(notify_channel_config_t *config)
{
    memset(config, 0, sizeof *config);
    config->connect_timeout_ms = 5000;
    config->timeout_ms = 15000;
    config->tls_verify = true;
}

static int s_init_rc = -1;
static pthread_once_t s_init_once = PTHREAD_ONCE_INIT;

static void s_global_init(void)
{
    if (sodium_init() >= 0 && curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK) {
        s_init_rc = 0;
    }
}

int notify_global_init(void)
{
    pthread_once(&s_init_once, s_global_init);
    return s_init_rc;
}

int notify_check_http_url(const char *what, const char *url, char *err, size_t errlen)
{
    size_t length = strlen(url);
    if (strncasecmp(url, "http://", 7) != 0 && strncasecmp(url, "https://", 8) != 0) {
        snprintf(err, errlen, "%s must start with http:// or https://", what);
        return -1;
    }
    if (length > NOTIFY_TARGET_MAX) {
        snprintf(err, errlen, "%s is longer than %d bytes", what, NOTIFY_TARGET_MAX);
        return -1;
    }
    for (const unsigned char *p = (const unsigned char *)url; *p; p++) {
        if (*p <= 0x20 || *p >= 0x7f) {
            snprintf(err, errlen, "%s may not hold spaces, control or non-ASCII characters", what);
            return -1;
        }
    }
    //  libcurl reads "http:///x" as host "x": look at the authority first.
    const char *authority = strstr(url, "://") + 3;
    size_t authority_length = strcspn(authority, "/?#");
    const char *at = memchr(authority, '@', authority_length);
    const char *host_start = at ? at + 1 : authority;
    if (host_start == authority + authority_length || *host_start == ':') {
        snprintf(err, errlen, "%s has no host", what);
        return -1;
    }
    CURLU *parsed = curl_url();
    char *host = NULL;
    int rc = -1;
    if (!parsed) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (curl_url_set(parsed, CURLUPART_URL, url, 0) != CURLUE_OK) {
        snprintf(err, errlen, "%s is not a valid URL", what);
    } else if (curl_url_get(parsed, CURLUPART_HOST, &host, 0) != CURLUE_OK || !host || !*host) {
        snprintf(err, errlen, "%s has no host", what);
    } else {
        rc = 0;
    }
    curl_free(host);
    curl_url_cleanup(parsed);
    return rc;
}

static bool s_atext(int c)
{
    return isalnum(c) || (c && strchr("!#$%&'*+/=?^_`{|}~-", c));
}

//  Checks the local part: dot-atom, at most 64 bytes.
static int s_check_local(const char *local, size_t length, char *err, size_t errlen)
{
    if (length == 0 || length > 64) {
        snprintf(err, errlen, "e-mail address needs a local part of 1-64 characters");
        return -1;
    }
    for (size_t i = 0; i < length; i++) {
        bool dot = local[i] == '.';
        if (dot && (i == 0 || i == length - 1 || local[i - 1] == '.')) {
            snprintf(err, errlen, "e-mail address has a misplaced '.' before '@'");
            return -1;
        }
        if (!dot && !s_atext((unsigned char)local[i])) {
            snprintf(err, errlen, "e-mail address has a character not allowed before '@'");
            return -1;
        }
    }
    return 0;
}

//  Checks the domain: labels of letters, digits and inner hyphens, one dot at least.
static int s_check_domain(const char *domain, char *err, size_t errlen)
{
    size_t label = 0, labels = 1;
    for (const char *p = domain;; p++) {
        if (*p == '.' || *p == 0) {
            if (label == 0 || label > 63 || p[-1] == '-' || p[-(long)label] == '-') {
                snprintf(err, errlen, "e-mail address has a bad domain label after '@'");
                return -1;
            }
            if (*p == 0) {
                break;
            }
            labels++;
            label = 0;
        } else if (isalnum((unsigned char)*p) || *p == '-') {
            label++;
        } else {
            snprintf(err, errlen, "e-mail address has a character not allowed after '@'");
            return -1;
        }
    }
    if (labels < 2) {
        snprintf(err, errlen, "e-mail address domain needs a dot (user@example.org)");
        return -1;
    }
    return 0;
}

int notify_check_address(const char *address, char *err, size_t errlen)
{
    size_t length = strlen(address);
    const char *at = strchr(address, '@');
    if (length > NOTIFY_ADDRESS_MAX) {
        snprintf(err, errlen, "e-mail address is longer than %d bytes", NOTIFY_ADDRESS_MAX);
        return -1;
    }
    if (!at) {
        snprintf(err, errlen, "e-mail address needs an '@' (user@example.org)");
        return -1;
    }
    if (s_check_local(address, (size_t)(at - address), err, errlen) != 0) {
        return -1;
    }
    if (at[1] == 0) {
        snprintf(err, errlen, "e-mail address has no domain after '@'");
        return -1;
    }
    return s_check_domain(at + 1, err, errlen);
}

int notify_result_set(notify_result_t *result, notify_outcome_t outcome, const char *format, ...)
{
    result->outcome = outcome;
    va_list args;
    va_start(args, format);
    vsnprintf(result->error, sizeof result->error, format, args);
    va_end(args);
    return outcome == NOTIFY_DELIVERED ? 0 : -1;
}

int notify_hmac_sha256_hex(const char *key, size_t keylen, const void *data, size_t size, char *hex,
                           size_t hexlen)
{
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_state state;
    if (hexlen < 2 * sizeof mac + 1) {
        return -1;
    }
    crypto_auth_hmacsha256_init(&state, (const unsigned char *)key, keylen);
    crypto_auth_hmacsha256_update(&state, data, size);
    crypto_auth_hmacsha256_final(&state, mac);
    sodium_bin2hex(hex, hexlen, mac, sizeof mac);
    return 0;
}
