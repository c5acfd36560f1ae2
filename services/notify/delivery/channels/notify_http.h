/*  notify_http: the libcurl plumbing the HTTP channels share.

    One POST per call on a fresh easy handle (no state kept between sends):
    the configured connect and total time-outs, no signals, no redirects
    followed, http and https only, the answer's first NOTIFY_HTTP_ANSWER_MAX
    bytes kept and the rest discarded. The outcome is classified once, here:
    2xx delivered; 429 and 5xx retryable (with Retry-After); time-outs,
    refused connections, DNS failures and broken transfers retryable; every
    other answer or error final.
*/
#pragma once
#include <curl/curl.h>
#include "notify_channel.h"

#define NOTIFY_HTTP_ANSWER_MAX 16384 // bytes of an answer body kept
#define NOTIFY_RETRY_AFTER_MAX 86400 // longest Retry-After taken, in seconds

//  The receiver's answer.
typedef struct {
    long status;                           // HTTP status, 0 when none came
    size_t size;                           // bytes kept in body
    bool truncated;                        // whether the answer was longer
    char body[NOTIFY_HTTP_ANSWER_MAX + 1]; // the answer, NUL-terminated
} notify_http_answer_t;

//  A new easy handle with the configuration's time-outs and TLS settings
//  and allowed protocols ("http,https" or "smtp,smtps"). Caller cleans up
//  with curl_easy_cleanup. NULL when out of memory.
CURL *notify_curl_new(const notify_channel_config_t *config, const char *protocols);

//  Whether a libcurl error is worth a retry (network trouble) or final.
notify_outcome_t notify_curl_outcome(CURLcode code);

//  POSTs body to url with the extra headers (NULL-terminated "Name: value"
//  array, may be NULL) and Content-Type: application/json. Fills answer
//  (caller-allocated) and result. Returns 0 on a 2xx answer, else -1.
int notify_http_post(const char *url, const char *const *headers, const char *body,
                     const notify_channel_config_t *config, notify_http_answer_t *answer,
                     notify_result_t *result);

//  Posts a chat robot's JSON body (DingTalk, WeCom) and reads its answer
//  {"errcode": N, "errmsg": "..."}: 0 is delivered; a code in
//  retryable_errcodes (count of them) is retryable, as is any HTTP failure
//  notify_http_post calls retryable; every other code, or an answer without
//  one, is final. Fills result. Returns 0 when delivered, else -1.
int notify_robot_post(const char *url, const char *body, const int *retryable_errcodes,
                      size_t count, const notify_channel_config_t *config, notify_result_t *result);

//  {"msgtype":"text","text":{"content": text cut to max_bytes}}.
//  Caller frees; NULL when out of memory.
char *notify_robot_text_body(const char *text, size_t max_bytes);
