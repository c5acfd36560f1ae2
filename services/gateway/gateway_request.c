/*  gateway_request: see gateway_request.h. */
#include "gateway_request.h"

#include <assert.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sti_json.h"

int gateway_status_of(sti_errcode_t code)
{
    switch (code) {
    case STI_ERR_NONE:
        return 200;
    case STI_ERR_INVALID_ARGUMENT:
        return 400;
    case STI_ERR_UNAUTHENTICATED:
        return 401;
    case STI_ERR_FORBIDDEN:
        return 403;
    case STI_ERR_NOT_FOUND:
        return 404;
    case STI_ERR_CONFLICT:
        return 409;
    case STI_ERR_TOO_LARGE:
        return 413;
    case STI_ERR_RATE_LIMITED:
        return 429;
    case STI_ERR_UNAVAILABLE:
        return 503;
    default:
        return 500;
    }
}

void gateway_reply_clear(gateway_request_t *req)
{
    assert(req);
    free(req->payload);
    req->payload = NULL;
    req->payload_size = 0;
    for (size_t i = 0; i < req->header_count; i++) {
        free(req->headers[i][0]);
        free(req->headers[i][1]);
    }
    req->header_count = 0;
    req->status = 0;
}

void gateway_reply_text(gateway_request_t *req, int status, const char *type, const char *text,
                        size_t size)
{
    assert(req && type && (text || size == 0));
    free(req->payload);
    req->payload = malloc(size + 1);
    assert(req->payload);
    if (size) {
        memcpy(req->payload, text, size);
    }
    req->payload[size] = 0;
    req->payload_size = size;
    req->content_type = type;
    req->status = status;
}

void gateway_reply_json(gateway_request_t *req, int status, cJSON **json_p)
{
    assert(req && json_p && *json_p);
    char *text = cJSON_PrintUnformatted(*json_p);
    assert(text);
    cJSON_Delete(*json_p);
    *json_p = NULL;
    free(req->payload);
    req->payload = text; // cJSON allocates with malloc (the default hooks)
    req->payload_size = strlen(text);
    req->content_type = "application/json";
    req->status = status;
}

void gateway_reply_header(gateway_request_t *req, const char *name, const char *value)
{
    assert(req && name && value && req->header_count < GATEWAY_HEADERS_MAX);
    req->headers[req->header_count][0] = strdup(name);
    req->headers[req->header_count][1] = strdup(value);
    assert(req->headers[req->header_count][0] && req->headers[req->header_count][1]);
    req->header_count++;
}

void gateway_reply_error(gateway_request_t *req, sti_errcode_t code, const char *message,
                         cJSON *details)
{
    assert(req && message);
    cJSON *json = cJSON_CreateObject();
    cJSON *error = cJSON_AddObjectToObject(json, "error");
    cJSON_AddStringToObject(error, "code", sti_errcode_name(code));
    cJSON_AddStringToObject(error, "message", message);
    cJSON_AddItemToObject(error, "details", details ? details : cJSON_CreateArray());
    gateway_reply_json(req, gateway_status_of(code), &json);
    if (code == STI_ERR_UNAVAILABLE) {
        gateway_reply_header(req, "Retry-After", "1");
    }
}

void gateway_reply_errorf(gateway_request_t *req, sti_errcode_t code, const char *format, ...)
{
    char message[512];
    va_list args;
    va_start(args, format);
    vsnprintf(message, sizeof message, format, args);
    va_end(args);
    gateway_reply_error(req, code, message, NULL);
}

cJSON *gateway_details_json(sti_node_t details)
{
    cJSON *json = sti_node_is_missing(details) ? NULL : sti_json_from_node(details);
    if (!cJSON_IsArray(json)) {
        cJSON_Delete(json);
        json = cJSON_CreateArray();
    }
    return json;
}

//  The seconds to wait from a rate_limited reply's retry_after_ms detail
//  (at least 1).
static long s_retry_after(sti_node_t details)
{
    sti_field_error_t err;
    for (size_t i = 0; i < sti_node_size(details); i++) {
        sti_node_t detail = sti_node_at(details, i);
        char field[32] = "", reason[32] = "";
        if (sti_map_str_copy(detail, "field", field, sizeof field, &err) == 0 &&
            strcmp(field, "retry_after_ms") == 0 &&
            sti_map_str_copy(detail, "reason", reason, sizeof reason, &err) == 0) {
            long ms = strtol(reason, NULL, 10);
            return ms > 0 ? (ms + 999) / 1000 : 1;
        }
    }
    return 1;
}

void gateway_reply_envelope(gateway_request_t *req, const sti_reply_t *reply)
{
    assert(req && reply);
    if (reply->ok) {
        cJSON *json = sti_node_is_missing(reply->body) ? cJSON_CreateObject()
                                                       : sti_json_from_node(reply->body);
        gateway_reply_json(req, 200, &json);
        return;
    }
    gateway_reply_error(req, reply->code, reply->message, gateway_details_json(reply->details));
    if (reply->code == STI_ERR_RATE_LIMITED) {
        char seconds[24];
        snprintf(seconds, sizeof seconds, "%ld", s_retry_after(reply->details));
        gateway_reply_header(req, "Retry-After", seconds);
    }
}

void gateway_reply_invalid(gateway_request_t *req, const char *err)
{
    const char *colon = strstr(err, ": ");
    cJSON *details = cJSON_CreateArray();
    cJSON *detail = cJSON_CreateObject();
    cJSON_AddNumberToObject(detail, "index", -1);
    char field[128];
    snprintf(field, sizeof field, "%.*s", colon ? (int)(colon - err) : 0, err);
    cJSON_AddStringToObject(detail, "field", field);
    cJSON_AddStringToObject(detail, "reason", colon ? colon + 2 : err);
    cJSON_AddItemToArray(details, detail);
    gateway_reply_error(req, STI_ERR_INVALID_ARGUMENT, err, details);
}

//  The value of a hex digit, or -1.
static int s_hex(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f') {
        return (c | 0x20) - 'a' + 10;
    }
    return -1;
}

size_t gateway_request_unescape(void *cls, struct MHD_Connection *connection, char *uri)
{
    (void)cls;
    (void)connection;
    char *out = uri;
    for (const char *in = uri; *in;) {
        int high = in[0] == '%' ? s_hex(in[1]) : -1;
        int low = high >= 0 ? s_hex(in[2]) : -1;
        if (low >= 0 && (high | low) != 0) {
            *out++ = (char)(high * 16 + low);
            in += 3;
        } else {
            *out++ = *in++;
        }
    }
    *out = 0;
    return (size_t)(out - uri);
}
