/*  notify_receiver: the one table of channels, and receiver specs.
    See notify_receiver.h.

    A spec is "<channel>:<target>[#<secret>]". The channel name picks an
    entry of s_channels; that channel's check() judges the target. A secret
    is only allowed for channels that sign (webhook, dingtalk), must not be
    empty, and is at most NOTIFY_SECRET_MAX printable ASCII bytes.
    notify_deliver() is the one entry point the service calls to send.
*/
#include "notify_receiver.h"

#include <assert.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "notify_dingtalk.h"
#include "notify_email.h"
#include "notify_webhook.h"
#include "notify_wecom.h"

static const notify_channel_t *const s_channels[] = {
    &notify_webhook_channel,
    &notify_email_channel,
    &notify_dingtalk_channel,
    &notify_wecom_channel,
};

#define S_CHANNEL_COUNT (sizeof s_channels / sizeof s_channels[0])

const notify_channel_t *notify_receiver_channel(const char *name)
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
    const notify_channel_t *channel = notify_receiver_channel(name);
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
