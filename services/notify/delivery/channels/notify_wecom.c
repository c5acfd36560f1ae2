/*  notify_wecom: the WeCom (企业微信) group robot webhook.

    Body {"msgtype":"text","text":{"content": <the bilingual text>}}, the
    content cut to the robot's 2048 bytes on a character boundary. The robot
    answers HTTP 200 with {"errcode":0,"errmsg":"ok"}; errcode 45009 (API
    rate limit) and -1 (system busy) are retried, every other code is final.
    The robot's URL carries its key; there is no signing.
*/
#include "notify_wecom.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "notify_channel.h"
#include "notify_http.h"

#define S_CONTENT_MAX 2048 // WeCom's limit for a text message

static const int s_retryable[] = {45009, -1};

static int s_check(const char *target, char *err, size_t errlen)
{
    if (strchr(target, '#')) {
        snprintf(err, errlen, "wecom URL takes no #SECRET (the robot's key is in the URL)");
        return -1;
    }
    return notify_check_http_url("wecom URL", target, err, errlen);
}

static int s_send(const notify_delivery_t *delivery, const notify_channel_config_t *config,
                  notify_result_t *result)
{
    char *text = notify_message_text(delivery->alert);
    char *body = text ? notify_robot_text_body(text, S_CONTENT_MAX) : NULL;
    int rc;
    if (!body) {
        rc = notify_result_set(result, NOTIFY_RETRYABLE, "out of memory");
    } else {
        rc = notify_robot_post(delivery->receiver->target, body, s_retryable, 2, config, result);
    }
    free(text);
    free(body);
    return rc;
}

const notify_channel_t notify_wecom_channel = {
    .name = "wecom",
    .takes_secret = false,
    .check = s_check,
    .send = s_send,
};
