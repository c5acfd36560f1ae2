/*  notify_http: one JSON POST through libcurl, classified into a result.

    The answer is read into a fixed buffer; beyond it bytes are counted as
    taken and dropped, so a receiver that answers without end costs no memory
    (the total time-out ends it).
*/
#include "notify_http.h"
#include <assert.h>
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>
#include "notify_message.h"

CURL *notify_curl_new(const notify_channel_config_t *config, const char *protocols)
{
    CURL *curl = curl_easy_init();
    if (!curl) {
        return NULL;
    }
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, (long)config->connect_timeout_ms);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long)config->timeout_ms);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, protocols);
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, config->tls_verify ? 1L : 0L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, config->tls_verify ? 2L : 0L);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "sti-notify/1");
    return curl;
}

notify_outcome_t notify_curl_outcome(CURLcode code)
{
    switch (code) {
    case CURLE_OK:
        return NOTIFY_DELIVERED;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_AGAIN:
    case CURLE_OUT_OF_MEMORY:
        return NOTIFY_RETRYABLE;
    default:
        return NOTIFY_FINAL;
    }
}

static size_t s_write(char *data, size_t size, size_t count, void *arg)
{
    notify_http_answer_t *answer = arg;
    size_t bytes = size * count;
    size_t room = NOTIFY_HTTP_ANSWER_MAX - answer->size;
    size_t kept = bytes < room ? bytes : room;
    memcpy(answer->body + answer->size, data, kept);
    answer->size += kept;
    answer->body[answer->size] = 0;
    answer->truncated = answer->truncated || kept < bytes;
    return bytes;
}

//  Classifies an HTTP answer into result. Returns 0 for 2xx, else -1.
static int s_classify_status(CURL *curl, notify_http_answer_t *answer, notify_result_t *result)
{
    long status = answer->status;
    //  Keep the error text short and on one line.
    char excerpt[121];
    size_t n = 0;
    for (size_t i = 0; i < answer->size && n < sizeof excerpt - 1; i++) {
        char c = answer->body[i];
        excerpt[n++] = (c < 0x20 && c >= 0) ? ' ' : c;
    }
    excerpt[n] = 0;
    if (status >= 200 && status < 300) {
        return notify_result_set(result, NOTIFY_DELIVERED, "%s", "");
    }
    if (status == 429 || (status >= 500 && status < 600)) {
        curl_off_t retry_after = 0;
        if (curl_easy_getinfo(curl, CURLINFO_RETRY_AFTER, &retry_after) == CURLE_OK &&
            retry_after > 0) {
            //  A receiver's word, bounded: never park a delivery past a day.
            result->retry_after_s =
                retry_after > NOTIFY_RETRY_AFTER_MAX ? NOTIFY_RETRY_AFTER_MAX : retry_after;
        }
        return notify_result_set(result, NOTIFY_RETRYABLE, "HTTP %ld: %s", status, excerpt);
    }
    if (status >= 300 && status < 400) {
        return notify_result_set(result, NOTIFY_FINAL, "HTTP %ld: redirects are not followed",
                                 status);
    }
    return notify_result_set(result, NOTIFY_FINAL, "HTTP %ld: %s", status, excerpt);
}

//  Builds the header list. Returns NULL when out of memory.
static struct curl_slist *s_headers(const char *const *headers)
{
    struct curl_slist *list = curl_slist_append(NULL, "Content-Type: application/json");
    //  An empty Expect: keeps libcurl from waiting for 100-continue on large bodies.
    struct curl_slist *next = list ? curl_slist_append(list, "Expect:") : NULL;
    for (size_t i = 0; next && headers && headers[i]; i++) {
        list = next;
        next = curl_slist_append(list, headers[i]);
    }
    if (!next) {
        curl_slist_free_all(list);
    }
    return next;
}

int notify_http_post(const char *url, const char *const *headers, const char *body,
                     const notify_channel_config_t *config, notify_http_answer_t *answer,
                     notify_result_t *result)
{
    assert(url && body && config && answer && result);
    memset(answer, 0, sizeof *answer);
    memset(result, 0, sizeof *result);
    result->retry_after_s = -1;
    char curl_error[CURL_ERROR_SIZE] = "";
    CURL *curl = notify_curl_new(config, "http,https");
    struct curl_slist *list = s_headers(headers);
    if (!curl || !list) {
        curl_easy_cleanup(curl);
        curl_slist_free_all(list);
        return notify_result_set(result, NOTIFY_RETRYABLE, "out of memory");
    }
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, s_write);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, answer);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, curl_error);
    CURLcode code = curl_easy_perform(curl);
    int rc;
    if (code != CURLE_OK) {
        rc = notify_result_set(result, notify_curl_outcome(code), "%s: %s",
                               curl_easy_strerror(code), curl_error[0] ? curl_error : "no detail");
    } else {
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &answer->status);
        result->status = answer->status;
        rc = s_classify_status(curl, answer, result);
    }
    curl_slist_free_all(list);
    curl_easy_cleanup(curl);
    return rc;
}

//  Reads the robot's errcode from a 2xx answer into result.
static int s_robot_answer(const notify_http_answer_t *answer, const int *retryable_errcodes,
                          size_t count, notify_result_t *result)
{
    cJSON *root = answer->truncated ? NULL : cJSON_Parse(answer->body);
    cJSON *code = cJSON_GetObjectItemCaseSensitive(root, "errcode");
    cJSON *message = cJSON_GetObjectItemCaseSensitive(root, "errmsg");
    int rc;
    if (!cJSON_IsNumber(code)) {
        //  It may have been posted; a retry could show it twice.
        rc = notify_result_set(result, NOTIFY_FINAL, "robot answered HTTP %ld without errcode",
                               answer->status);
    } else if (code->valuedouble == 0) {
        rc = notify_result_set(result, NOTIFY_DELIVERED, "%s", "");
    } else {
        notify_outcome_t outcome = NOTIFY_FINAL;
        for (size_t i = 0; i < count; i++) {
            if (code->valuedouble == retryable_errcodes[i]) {
                outcome = NOTIFY_RETRYABLE;
            }
        }
        rc = notify_result_set(result, outcome, "robot errcode %.0f: %.120s", code->valuedouble,
                               cJSON_IsString(message) ? message->valuestring : "");
    }
    cJSON_Delete(root);
    return rc;
}

int notify_robot_post(const char *url, const char *body, const int *retryable_errcodes,
                      size_t count, const notify_channel_config_t *config, notify_result_t *result)
{
    notify_http_answer_t *answer = malloc(sizeof *answer);
    if (!answer) {
        memset(result, 0, sizeof *result);
        result->retry_after_s = -1;
        return notify_result_set(result, NOTIFY_RETRYABLE, "out of memory");
    }
    int rc = notify_http_post(url, NULL, body, config, answer, result);
    if (rc == 0) {
        rc = s_robot_answer(answer, retryable_errcodes, count, result);
    }
    free(answer);
    return rc;
}

char *notify_robot_text_body(const char *text, size_t max_bytes)
{
    char *content = strdup(text);
    cJSON *root = cJSON_CreateObject();
    cJSON *inner = root ? cJSON_AddObjectToObject(root, "text") : NULL;
    char *body = NULL;
    if (content && inner && cJSON_AddStringToObject(root, "msgtype", "text") &&
        cJSON_AddStringToObject(inner, "content", notify_utf8_truncate(content, max_bytes))) {
        body = cJSON_PrintUnformatted(root);
    }
    cJSON_Delete(root);
    free(content);
    return body;
}
