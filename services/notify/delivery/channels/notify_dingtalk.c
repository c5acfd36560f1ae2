/*  notify_dingtalk: the DingTalk custom robot webhook.

    Body {"msgtype":"text","text":{"content": <the bilingual text>}}. With a
    secret (the robot's "加签" mode), timestamp=<ms>&sign=<sign> is added to
    the URL's query, sign being urlencode(base64(HMAC-SHA256(secret,
    "<timestamp>\n<secret>"))). The robot answers HTTP 200 with
    {"errcode":0,"errmsg":"ok"}; errcode 130101 (sent too fast) and -1
    (system busy) are retried, every other code is final.
*/
#include "notify_dingtalk.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "notify_channel.h"
#include "notify_http.h"

#define S_CONTENT_MAX 18000 // DingTalk takes up to about 20000 bytes of text

static const int s_retryable[] = {130101, -1};

static int s_check(const char *target, char *err, size_t errlen)
{
    return notify_check_http_url("dingtalk URL", target, err, errlen);
}

int notify_dingtalk_sign(const char *secret, int64_t timestamp_ms, char *out, size_t outlen)
{
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    char text[24 + NOTIFY_SECRET_MAX + 2];
    char base64[sodium_base64_ENCODED_LEN(crypto_auth_hmacsha256_BYTES,
                                          sodium_base64_VARIANT_ORIGINAL)];
    crypto_auth_hmacsha256_state state;
    int length = snprintf(text, sizeof text, "%lld\n%s", (long long)timestamp_ms, secret);
    if (length < 0 || (size_t)length >= sizeof text) {
        return -1;
    }
    crypto_auth_hmacsha256_init(&state, (const unsigned char *)secret, strlen(secret));
    crypto_auth_hmacsha256_update(&state, (const unsigned char *)text, (size_t)length);
    crypto_auth_hmacsha256_final(&state, mac);
    sodium_bin2base64(base64, sizeof base64, mac, sizeof mac, sodium_base64_VARIANT_ORIGINAL);
    //  Of the base64 alphabet only '+', '/' and '=' need escaping in a query.
    size_t n = 0;
    for (const char *p = base64; *p; p++) {
        if (n + 4 > outlen) {
            return -1;
        }
        if (*p == '+' || *p == '/' || *p == '=') {
            n += (size_t)snprintf(out + n, outlen - n, "%%%02X", (unsigned char)*p);
        } else {
            out[n++] = *p;
        }
    }
    if (n >= outlen) {
        return -1;
    }
    out[n] = 0;
    return 0;
}

//  The URL with timestamp and sign when there is a secret. Caller frees.
static char *s_signed_url(const notify_receiver_t *receiver)
{
    if (!receiver->secret[0]) {
        return strdup(receiver->target);
    }
    struct timeval now;
    gettimeofday(&now, NULL);
    int64_t timestamp_ms = (int64_t)now.tv_sec * 1000 + now.tv_usec / 1000;
    char sign[96];
    if (notify_dingtalk_sign(receiver->secret, timestamp_ms, sign, sizeof sign) != 0) {
        return NULL;
    }
    size_t size = strlen(receiver->target) + sizeof sign + 48;
    char *url = malloc(size);
    if (url) {
        snprintf(url, size, "%s%ctimestamp=%lld&sign=%s", receiver->target,
                 strchr(receiver->target, '?') ? '&' : '?', (long long)timestamp_ms, sign);
    }
    return url;
}

static int s_send(const notify_delivery_t *delivery, const notify_channel_config_t *config,
                  notify_result_t *result)
{
    char *text = notify_message_text(delivery->alert);
    char *body = text ? notify_robot_text_body(text, S_CONTENT_MAX) : NULL;
    char *url = s_signed_url(delivery->receiver);
    int rc;
    if (!body || !url) {
        rc = notify_result_set(result, NOTIFY_RETRYABLE, "out of memory");
    } else {
        rc = notify_robot_post(url, body, s_retryable, 2, config, result);
    }
    free(text);
    free(body);
    free(url);
    return rc;
}

const notify_channel_t notify_dingtalk_channel = {
    .name = "dingtalk",
    .takes_secret = true,
    .check = s_check,
    .send = s_send,
};
