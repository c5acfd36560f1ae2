/*  notify_receivers: the one table of channels, and receiver specs.

    A spec is "<channel>:<target>[#<secret>]". The channel name picks an
    entry of s_channels; that channel's check() judges the target. A secret
    is only allowed for channels that sign (webhook, dingtalk), must not be
    empty, and is at most NOTIFY_SECRET_MAX printable ASCII bytes.

    Also here: what the channels share (the once-only library set-up, URL and
    address checks, results, HMAC-SHA256) and notify_deliver(), the one entry
    point the service calls to send.
*/
#include "notify_receiver.h"
#include <assert.h>
#include <ctype.h>
#include <curl/curl.h>
#include <pthread.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static const notify_channel_t *const s_channels[] = {
    &notify_webhook_channel,
    &notify_email_channel,
    &notify_dingtalk_channel,
    &notify_wecom_channel,
};

#define S_CHANNEL_COUNT (sizeof s_channels / sizeof s_channels[0])

const notify_channel_t *notify_channel_lookup(const char *name)
{
    for (size_t i = 0; i < S_CHANNEL_COUNT; i++) {
        if (strcmp(s_channels[i]->name, name) == 0) {
            return s_channels[i];
        }
    }
    return NULL;
}

//  Checks the secret's bytes. Returns 0, or -1 with a reason.
static int s_check_secret(const char *secret, char *err, size_t errlen)
{
    size_t length = strlen(secret);
    if (length == 0) {
        snprintf(err, errlen, "secret after '#' is empty");
        return -1;
    }
    if (length > NOTIFY_SECRET_MAX) {
        snprintf(err, errlen, "secret is longer than %d bytes", NOTIFY_SECRET_MAX);
        return -1;
    }
    for (const char *p = secret; *p; p++) {
        if (*p < 0x21 || *p > 0x7e) {
            snprintf(err, errlen, "secret may hold only printable ASCII without spaces");
            return -1;
        }
    }
    return 0;
}

//  Splits "name:rest". Returns the channel or NULL with a reason.
static const notify_channel_t *s_split_channel(const char *spec, const char **rest, char *err,
                                               size_t errlen)
{
    const char *colon = strchr(spec, ':');
    char name[16];
    size_t length = colon ? (size_t)(colon - spec) : 0;
    if (!colon || length == 0 || length >= sizeof name) {
        snprintf(err, errlen,
                 "receiver must be webhook:URL, email:ADDRESS, dingtalk:URL or "
                 "wecom:URL");
        return NULL;
    }
    memcpy(name, spec, length);
    name[length] = 0;
    const notify_channel_t *channel = notify_channel_lookup(name);
    if (!channel) {
        snprintf(err, errlen, "unknown receiver type '%.15s' (webhook, email, dingtalk, wecom)",
                 name);
        return NULL;
    }
    *rest = colon + 1;
    return channel;
}

int notify_receiver_parse(const char *spec, notify_receiver_t *receiver, char *err, size_t errlen)
{
    assert(spec && receiver);
    const char *rest = NULL;
    memset(receiver, 0, sizeof *receiver);
    const notify_channel_t *channel = s_split_channel(spec, &rest, err, errlen);
    if (!channel) {
        return -1;
    }
    const char *hash = channel->takes_secret ? strchr(rest, '#') : NULL;
    size_t length = hash ? (size_t)(hash - rest) : strlen(rest);
    if (length == 0) {
        snprintf(err, errlen, "%s receiver has no %s", channel->name,
                 channel == &notify_email_channel ? "address" : "URL");
        return -1;
    }
    if (length > NOTIFY_TARGET_MAX) {
        snprintf(err, errlen, "%s target is longer than %d bytes", channel->name,
                 NOTIFY_TARGET_MAX);
        return -1;
    }
    memcpy(receiver->target, rest, length);
    receiver->target[length] = 0;
    if (channel->check(receiver->target, err, errlen) != 0) {
        return -1;
    }
    if (hash) {
        if (s_check_secret(hash + 1, err, errlen) != 0) {
            return -1;
        }
        strcpy(receiver->secret, hash + 1);
    }
    receiver->channel = channel;
    return 0;
}

int notify_receivers_parse(const char *const *specs, size_t count, notify_receiver_t *receivers,
                           char *err, size_t errlen)
{
    char reason[256];
    for (size_t i = 0; i < count; i++) {
        if (notify_receiver_parse(specs[i], &receivers[i], reason, sizeof reason) != 0) {
            snprintf(err, errlen, "receiver %zu: %s", i + 1, reason);
            return -1;
        }
    }
    return 0;
}

char *notify_receiver_describe(const notify_receiver_t *receiver, char *out, size_t outlen)
{
    snprintf(out, outlen, "%s:%s%s", receiver->channel ? receiver->channel->name : "?",
             receiver->target, receiver->secret[0] ? "#***" : "");
    return out;
}

void notify_channel_config_defaults(notify_channel_config_t *config)
{
    memset(config, 0, sizeof *config);
    config->connect_timeout_ms = 5000;
    config->timeout_ms = 15000;
    config->tls_verify = true;
}

//  A delivery id goes into a header and a Message-ID: a safe alphabet only.
static bool s_delivery_id_ok(const char *id)
{
    size_t length = id ? strlen(id) : 0;
    if (length == 0 || length > NOTIFY_DELIVERY_ID_MAX) {
        return false;
    }
    for (const char *p = id; *p; p++) {
        if (!isalnum((unsigned char)*p) && !strchr("._:-", *p)) {
            return false;
        }
    }
    return true;
}

int notify_deliver(const notify_delivery_t *delivery, const notify_channel_config_t *config,
                   notify_result_t *result)
{
    assert(delivery && config && result);
    memset(result, 0, sizeof *result);
    result->retry_after_s = -1;
    if (!delivery->receiver || !delivery->receiver->channel || !delivery->alert ||
        delivery->alert->event_count == 0) {
        return notify_result_set(result, NOTIFY_FINAL, "delivery has no receiver or no events");
    }
    if (!s_delivery_id_ok(delivery->id)) {
        return notify_result_set(result, NOTIFY_FINAL,
                                 "delivery id must be 1-%d bytes of [A-Za-z0-9._:-]",
                                 NOTIFY_DELIVERY_ID_MAX);
    }
    if (notify_global_init() != 0) {
        return notify_result_set(result, NOTIFY_RETRYABLE, "libcurl or libsodium did not start");
    }
    return delivery->receiver->channel->send(delivery, config, result);
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
