/*  notify_webhook: HTTP POST of the alert as JSON (notify_message_json).

    Headers: Content-Type: application/json; Idempotency-Key: <delivery id>,
    the same on every retry of one delivery; and with a secret,
    X-STI-Timestamp: <unix seconds> and
    X-STI-Signature: sha256=<hex HMAC-SHA256(secret, timestamp "." body)>,
    so a receiver can check both who sent it and that it is fresh.
*/
#include "notify_webhook.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "notify_channel.h"
#include "notify_http.h"
#include "notify_message.h"

static int s_check(const char *target, char *err, size_t errlen)
{
    return notify_check_http_url("webhook URL", target, err, errlen);
}

int notify_webhook_sign(const char *secret, const char *timestamp, const char *body, char *out,
                        size_t outlen)
{
    size_t size = strlen(timestamp) + 1 + strlen(body);
    char *signed_text = malloc(size + 1);
    char hex[65];
    if (!signed_text || outlen < 7 + sizeof hex) {
        free(signed_text);
        return -1;
    }
    snprintf(signed_text, size + 1, "%s.%s", timestamp, body);
    int rc = notify_hmac_sha256_hex(secret, strlen(secret), signed_text, size, hex, sizeof hex);
    free(signed_text);
    snprintf(out, outlen, "sha256=%s", hex);
    return rc;
}

static int s_send(const notify_delivery_t *delivery, const notify_channel_config_t *config,
                  notify_result_t *result)
{
    const notify_receiver_t *receiver = delivery->receiver;
    char key[32 + NOTIFY_DELIVERY_ID_MAX];
    char stamp_header[64], signature_header[128], timestamp[24], signature[80];
    const char *headers[4] = {key, NULL, NULL, NULL};
    char *body = notify_message_json(delivery->alert, delivery->id);
    notify_http_answer_t *answer = malloc(sizeof *answer);
    if (!body || !answer) {
        free(body);
        free(answer);
        return notify_result_set(result, NOTIFY_RETRYABLE, "out of memory");
    }
    snprintf(key, sizeof key, "Idempotency-Key: %s", delivery->id);
    if (receiver->secret[0]) {
        snprintf(timestamp, sizeof timestamp, "%lld", (long long)time(NULL));
        notify_webhook_sign(receiver->secret, timestamp, body, signature, sizeof signature);
        snprintf(stamp_header, sizeof stamp_header, "X-STI-Timestamp: %s", timestamp);
        snprintf(signature_header, sizeof signature_header, "X-STI-Signature: %s", signature);
        headers[1] = stamp_header;
        headers[2] = signature_header;
    }
    int rc = notify_http_post(receiver->target, headers, body, config, answer, result);
    free(answer);
    free(body);
    return rc;
}

const notify_channel_t notify_webhook_channel = {
    .name = "webhook",
    .takes_secret = true,
    .check = s_check,
    .send = s_send,
};
