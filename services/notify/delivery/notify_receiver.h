/*  notify_receiver: where an alert goes, and the channels that carry it.

    A receiver is written as a spec: "webhook:URL[#SECRET]", "email:ADDRESS",
    "dingtalk:URL[#SECRET]" or "wecom:URL". notify_receiver_parse() splits
    and checks it; the result names its channel in the one static table of
    channels (notify_receivers.c), each channel being a small struct of
    callbacks in its own file (Fluent Bit style): check a target, send one
    delivery.

    A send is synchronous (libcurl's easy interface, bounded by the connect
    and total time-outs of the configuration) and answers with a result:
    delivered, or failed, either retryable (a 5xx, a 429 with its Retry-After,
    a time-out, a refused connection, a DNS failure, a robot's rate limit) or
    final (any other 4xx, a bad configuration, a robot's other error codes).
    The caller owns the retry policy; a channel never retries by itself.
    Every send of one delivery carries the same delivery id, so that a
    receiver that honours the idempotency key sees it once.
*/
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "notify_message.h"

#define NOTIFY_TARGET_MAX 2048     // longest URL or address, in bytes
#define NOTIFY_SECRET_MAX 256      // longest secret, in bytes
#define NOTIFY_ADDRESS_MAX 254     // longest e-mail address (RFC 5321 path limit)
#define NOTIFY_DELIVERY_ID_MAX 128 // longest delivery id
#define NOTIFY_ERROR_MAX 256       // size of a result's error text

typedef struct notify_channel_t notify_channel_t;

//  One parsed receiver. A plain value: copy it freely, nothing to free.
typedef struct {
    const notify_channel_t *channel;    // borrowed from the static table
    char target[NOTIFY_TARGET_MAX + 1]; // the URL, or the e-mail address
    char secret[NOTIFY_SECRET_MAX + 1]; // "" when the spec gave none
} notify_receiver_t;

//  What the channels need from the service's configuration. Strings are
//  borrowed for the duration of a send; NULL means not configured.
typedef struct {
    int64_t connect_timeout_ms; // time allowed to connect (TCP and TLS)
    int64_t timeout_ms;         // time allowed for the whole exchange
    const char *smtp_url;       // "smtp://host:25" or "smtps://host:465"
    const char *smtp_user;      // SMTP AUTH user, NULL for no authentication
    const char *smtp_password;  // SMTP AUTH password
    const char *smtp_from;      // envelope and From: address
    bool tls_verify;            // verify the peer's certificate and host name
} notify_channel_config_t;

//  One delivery: one alert to one receiver, under one id.
typedef struct {
    const char *id;                    // delivery id: idempotency key, Message-ID
    const notify_receiver_t *receiver; // where it goes
    const notify_alert_t *alert;       // what it says
} notify_delivery_t;

typedef enum {
    NOTIFY_DELIVERED = 0, // the receiver took it
    NOTIFY_RETRYABLE,     // failed; try again later
    NOTIFY_FINAL,         // failed; trying again will not help
} notify_outcome_t;

//  What a send came to.
typedef struct {
    notify_outcome_t outcome;     // delivered, retryable or final
    long status;                  // last HTTP or SMTP reply code, 0 when none came
    int64_t retry_after_s;        // the receiver's Retry-After in seconds, -1 when none
    char error[NOTIFY_ERROR_MAX]; // why it failed, "" when delivered
} notify_result_t;

//  A channel: a name and two callbacks.
struct notify_channel_t {
    const char *name;  // the spec's prefix: "webhook", "email", ...
    bool takes_secret; // whether "#SECRET" may follow the target
    //  Checks a target (URL or address). Returns 0, or -1 with a reason in err.
    int (*check)(const char *target, char *err, size_t errlen);
    //  Sends one delivery; always fills result. Returns 0 when delivered, -1
    //  otherwise.
    int (*send)(const notify_delivery_t *delivery, const notify_channel_config_t *config,
                notify_result_t *result);
};

//  The channels, one per file.
extern const notify_channel_t notify_webhook_channel;
extern const notify_channel_t notify_email_channel;
extern const notify_channel_t notify_dingtalk_channel;
extern const notify_channel_t notify_wecom_channel;

//  The channel of that name, or NULL. The pointer is borrowed (static).
const notify_channel_t *notify_channel_lookup(const char *name);

//  Parses and checks one spec into receiver. Returns 0, or -1 with a reason
//  in err ("webhook URL must start with http:// or https://").
int notify_receiver_parse(const char *spec, notify_receiver_t *receiver, char *err, size_t errlen);

//  Parses count specs into receivers (an array of count). Returns 0, or -1
//  with the reason of the first bad one, numbered from 1:
//  "receiver 2: webhook URL must start with http:// or https://".
int notify_receivers_parse(const char *const *specs, size_t count, notify_receiver_t *receivers,
                           char *err, size_t errlen);

//  Writes the receiver back as a spec with the secret masked ("#***"), for
//  listings and logs. Returns out.
char *notify_receiver_describe(const notify_receiver_t *receiver, char *out, size_t outlen);

//  Sends delivery through its receiver's channel, after checking the delivery
//  id (1..128 bytes of [A-Za-z0-9._:-]; a bad id is a final failure). Fills
//  result. Returns 0 when delivered, -1 otherwise.
int notify_deliver(const notify_delivery_t *delivery, const notify_channel_config_t *config,
                   notify_result_t *result);

//  Default configuration: 5 s to connect, 15 s in all, TLS verified, no SMTP.
void notify_channel_config_defaults(notify_channel_config_t *config);

//  --- shared by the channels ---

//  Initialises libcurl and libsodium once per process (thread-safe).
//  Returns 0, or -1 if either failed.
int notify_global_init(void);

//  Checks an http:// or https:// URL with a host, bounded length, no spaces
//  or control characters. what names it in the reason ("webhook URL").
//  Returns 0, or -1 with a reason in err.
int notify_check_http_url(const char *what, const char *url, char *err, size_t errlen);

//  Checks an e-mail address (RFC 5322 dot-atom local part, a domain of
//  letters, digits and hyphens with at least one dot; ASCII only).
//  Returns 0, or -1 with a reason in err.
int notify_check_address(const char *address, char *err, size_t errlen);

//  Fills result (error printf-style). Returns 0 for NOTIFY_DELIVERED, else -1.
int notify_result_set(notify_result_t *result, notify_outcome_t outcome, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

//  Hex HMAC-SHA256 of data under key into hex (at least 65 bytes).
//  Returns 0, or -1 when hexlen is too small.
int notify_hmac_sha256_hex(const char *key, size_t keylen, const void *data, size_t size, char *hex,
                           size_t hexlen);

//  --- the channels' signatures, for receivers and tests to check against ---

//  The webhook signature "sha256=<hex HMAC-SHA256(secret, timestamp "." body)>"
//  into out (at least 72 bytes). Returns 0, or -1 when out of memory or out
//  is too small.
int notify_webhook_sign(const char *secret, const char *timestamp, const char *body, char *out,
                        size_t outlen);

//  DingTalk's sign for timestamp_ms: urlencode(base64(HMAC-SHA256(secret,
//  "<timestamp_ms>\n<secret>"))) into out (at least 80 bytes).
//  Returns 0, or -1 when out is too small.
int notify_dingtalk_sign(const char *secret, int64_t timestamp_ms, char *out, size_t outlen);
