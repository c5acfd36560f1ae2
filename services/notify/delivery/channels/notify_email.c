/*  notify_email: the alert as a plain-text e-mail over SMTP, via libcurl.

    The server comes from the configuration (smtp:// or smtps://); STARTTLS
    is used when the server offers it (CURLUSESSL_TRY), AUTH when a user is
    configured. The message is UTF-8 throughout: the subject as RFC 2047
    encoded-words (base64, cut on character boundaries), the body as
    text/plain; charset=UTF-8 in base64 with CRLF line ends. Message-ID is
    built from the delivery id, so a retried delivery is the same message to
    a mail system that de-duplicates.

    SMTP replies are classified like HTTP ones: a 4xx reply (or a network
    failure) is retryable, a 5xx reply is final.
*/
#include "notify_email.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "notify_channel.h"
#include "notify_http.h"
#include "notify_message.h"

#define S_WORD_INPUT 45 // bytes per encoded-word: 60 base64 characters, 72 with =?UTF-8?B??=

//  The message being uploaded.
typedef struct {
    const char *data; // the whole message
    size_t size;      // its length
    size_t sent;      // bytes handed to libcurl so far
} s_upload_t;

static int s_check(const char *target, char *err, size_t errlen)
{
    return notify_check_address(target, err, errlen);
}

static size_t s_read(char *buffer, size_t size, size_t count, void *arg)
{
    s_upload_t *upload = arg;
    size_t room = size * count;
    size_t left = upload->size - upload->sent;
    size_t n = left < room ? left : room;
    memcpy(buffer, upload->data + upload->sent, n);
    upload->sent += n;
    return n;
}

//  Writes bytes as base64 (original alphabet) to out.
static void s_put_base64(FILE *out, const unsigned char *bytes, size_t size)
{
    size_t room = sodium_base64_ENCODED_LEN(size, sodium_base64_VARIANT_ORIGINAL);
    char *text = malloc(room);
    if (text) {
        fputs(sodium_bin2base64(text, room, bytes, size, sodium_base64_VARIANT_ORIGINAL), out);
        free(text);
    }
}

//  Writes "Subject: =?UTF-8?B?...?=" folded into words of whole characters.
static void s_put_subject(FILE *out, const char *subject)
{
    size_t length = strlen(subject), at = 0;
    fputs("Subject:", out);
    while (at < length) {
        size_t n = length - at < S_WORD_INPUT ? length - at : S_WORD_INPUT;
        //  Never split a character: back off continuation bytes.
        while (n > 1 && at + n < length && ((unsigned char)subject[at + n] & 0xC0) == 0x80) {
            n--;
        }
        fputs(at ? "\r\n =?UTF-8?B?" : " =?UTF-8?B?", out);
        s_put_base64(out, (const unsigned char *)subject + at, n);
        fputs("?=", out);
        at += n;
    }
    fputs("\r\n", out);
}

//  Writes the body: text with CRLF line ends, base64 in lines of 76.
static void s_put_body(FILE *out, const char *text)
{
    char *canonical = NULL;
    size_t size = 0;
    FILE *crlf = open_memstream(&canonical, &size);
    if (!crlf) {
        return;
    }
    for (const char *p = text; *p; p++) {
        fputs(*p == '\n' ? "\r\n" : (char[]){*p, 0}, crlf);
    }
    if (fclose(crlf) != 0) {
        free(canonical);
        return;
    }
    for (size_t at = 0; at < size; at += 57) { // 57 bytes make 76 characters
        s_put_base64(out, (const unsigned char *)canonical + at, size - at < 57 ? size - at : 57);
        fputs("\r\n", out);
    }
    free(canonical);
}

//  "Wed, 25 Nov 2026 18:40:01 +0000", independent of the locale.
static void s_put_date(FILE *out)
{
    static const char *days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    fprintf(out, "Date: %s, %02d %s %d %02d:%02d:%02d +0000\r\n", days[tm.tm_wday], tm.tm_mday,
            months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

//  The whole message. Caller frees; NULL when out of memory.
static char *s_compose(const notify_delivery_t *delivery, const char *from, size_t *size)
{
    char *subject = notify_message_subject(delivery->alert);
    char *text = notify_message_text(delivery->alert);
    char *message = NULL;
    FILE *out = subject && text ? open_memstream(&message, size) : NULL;
    if (out) {
        s_put_date(out);
        fprintf(out, "From: STI Monitor <%s>\r\nTo: <%s>\r\n", from, delivery->receiver->target);
        s_put_subject(out, subject);
        fprintf(out, "Message-ID: <%s@%s>\r\n", delivery->id, strrchr(from, '@') + 1);
        fputs("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n"
              "Content-Transfer-Encoding: base64\r\nAuto-Submitted: auto-generated\r\n\r\n",
              out);
        s_put_body(out, text);
        if (fclose(out) != 0) {
            free(message);
            message = NULL;
        }
    }
    free(subject);
    free(text);
    return message;
}

//  Classifies a failed SMTP transfer: the server's reply code first.
static int s_failure(CURL *curl, CURLcode code, const char *detail, notify_result_t *result)
{
    long reply = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &reply);
    result->status = reply;
    notify_outcome_t outcome = notify_curl_outcome(code);
    if (reply >= 400 && reply < 500) {
        outcome = NOTIFY_RETRYABLE;
    } else if (reply >= 500 && reply < 600) {
        outcome = NOTIFY_FINAL;
    }
    return notify_result_set(result, outcome, "SMTP %ld: %s: %s", reply, curl_easy_strerror(code),
                             detail[0] ? detail : "no detail");
}

//  Sets the server, TLS (STARTTLS when offered) and authentication options.
static void s_set_server(CURL *curl, const notify_channel_config_t *config)
{
    curl_easy_setopt(curl, CURLOPT_URL, config->smtp_url);
    curl_easy_setopt(curl, CURLOPT_USE_SSL, (long)CURLUSESSL_TRY);
    if (config->smtp_user && config->smtp_user[0]) {
        curl_easy_setopt(curl, CURLOPT_USERNAME, config->smtp_user);
        curl_easy_setopt(curl, CURLOPT_PASSWORD,
                         config->smtp_password ? config->smtp_password : "");
    }
}

static int s_send(const notify_delivery_t *delivery, const notify_channel_config_t *config,
                  notify_result_t *result)
{
    char err[128], from[NOTIFY_ADDRESS_MAX + 3], to[NOTIFY_TARGET_MAX + 3];
    char curl_error[CURL_ERROR_SIZE] = "";
    if (!config->smtp_url || !config->smtp_from ||
        notify_check_address(config->smtp_from, err, sizeof err) != 0) {
        return notify_result_set(result, NOTIFY_FINAL,
                                 "email needs smtp_url and a valid smtp_from in the configuration");
    }
    s_upload_t upload = {0};
    char *message = s_compose(delivery, config->smtp_from, &upload.size);
    CURL *curl = notify_curl_new(config, "smtp,smtps");
    snprintf(to, sizeof to, "<%s>", delivery->receiver->target);
    struct curl_slist *recipients = curl_slist_append(NULL, to);
    if (!message || !curl || !recipients) {
        free(message);
        curl_easy_cleanup(curl);
        curl_slist_free_all(recipients);
        return notify_result_set(result, NOTIFY_RETRYABLE, "out of memory");
    }
    upload.data = message;
    snprintf(from, sizeof from, "<%s>", config->smtp_from);
    s_set_server(curl, config);
    curl_easy_setopt(curl, CURLOPT_MAIL_FROM, from);
    curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, recipients);
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, s_read);
    curl_easy_setopt(curl, CURLOPT_READDATA, &upload);
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t)upload.size);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, curl_error);
    CURLcode code = curl_easy_perform(curl);
    int rc = code == CURLE_OK ? notify_result_set(result, NOTIFY_DELIVERED, "%s", "")
                              : s_failure(curl, code, curl_error, result);
    if (code == CURLE_OK) {
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &result->status);
    }
    curl_slist_free_all(recipients);
    curl_easy_cleanup(curl);
    free(message);
    return rc;
}

const notify_channel_t notify_email_channel = {
    .name = "email",
    .takes_secret = false,
    .check = s_check,
    .send = s_send,
};
