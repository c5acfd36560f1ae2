/*  notify_channel: what a channel is, and what the channels share.

    A channel carries alerts to one kind of receiver (Fluent Bit style: a
    small struct of callbacks in its own file): it checks a target (a URL or
    an address) and sends one delivery. The channels are notify_webhook,
    notify_email, notify_dingtalk and notify_wecom, listed in the one static
    table of notify_receiver.c, which also parses receiver specs.

    A send is synchronous (libcurl's easy interface, bounded by the connect
    and total time-outs of the configuration) and answers with a result:
    delivered, or failed, either retryable (a 5xx, a 429 with its Retry-After,
    a time-out, a refused connection, a DNS failure, a robot's rate limit) or
    final (any other 4xx, a bad configuration, a robot's other error codes).
    The caller owns the retry policy; a channel never retries by itself.
    Every send of one delivery carries the same delivery id, so that a
    receiver that honours the idempotency key sees it once.

    Also here, shared by the channels: the once-only library set-up, the URL
    and address checks, filling a result, HMAC-SHA256.
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

//  One parsed receiver (notify_receiver_parse). A plain value: copy it
//  freely, nothing to free.
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

//  Default configuration: 5 s to connect, 15 s in all, TLS verified, no SMTP.
void notify_channel_config_defaults(notify_channel_config_t *config);

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
