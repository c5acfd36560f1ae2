/*  notify_dingtalk: the channel "dingtalk": the DingTalk custom robot
    webhook, signed (加签) when the spec carries a secret.
*/
#pragma once
#include <stdint.h>

#include "notify_channel.h"

extern const notify_channel_t notify_dingtalk_channel;

//  DingTalk's sign for timestamp_ms: urlencode(base64(HMAC-SHA256(secret,
//  "<timestamp_ms>\n<secret>"))) into out (at least 80 bytes).
//  Returns 0, or -1 when out is too small.
int notify_dingtalk_sign(const char *secret, int64_t timestamp_ms, char *out, size_t outlen);
