/*  notify_webhook: the channel "webhook": the alert as JSON in an HTTP POST
    (notify_message_json), with an idempotency key and, with a secret, a
    signature the receiver can check (docs/notify.md, "webhook").
*/
#pragma once
#include "notify_channel.h"

extern const notify_channel_t notify_webhook_channel;

//  The webhook signature "sha256=<hex HMAC-SHA256(secret, timestamp "." body)>"
//  into out (at least 72 bytes). Returns 0, or -1 when out of memory or out
//  is too small.
int notify_webhook_sign(const char *secret, const char *timestamp, const char *body, char *out,
                        size_t outlen);
