/*  broker_config: the settings of sti-broker, as one sti_config table.

    Defaults keep the broker's memory bounded whatever clients send: at most
    32 MB of queued requests in all (16 MB for one service), 100,000 requests,
    each waiting at most 30 s for a worker; at most 64 MB of messages being
    received, 17 MB and 64 frames each; 4,096 connections (about 24 kB each),
    each of which must finish its handshake within 10 s and, without CURVE,
    answer the broker's ZMTP heartbeats; 256 kB of its own for a subscriber
    that does not read, which is cut off when it has read nothing for 30 s.
*/
#include <stddef.h>
#include <stdio.h>

#include "broker.h"

#define S_ENTRY(name, type, value, field, text) {name, type, value, offsetof(broker_config_t, field), text}

// clang-format off: one setting a line
const sti_config_entry_t broker_config_map[] = {
    S_ENTRY("bind", STI_CONFIG_STR, "tcp://*:5555", bind, "Majordomo endpoint (clients and workers)"),
    S_ENTRY("xpub", STI_CONFIG_STR, "tcp://*:5556", xpub, "event bus endpoint for subscribers"),
    S_ENTRY("xsub", STI_CONFIG_STR, "tcp://*:5557", xsub, "event bus endpoint for publishers"),
    S_ENTRY("events_address", STI_CONFIG_STR, "", events_address, "the event address subscribers are told (mmi.events) when it is not xpub as bound; a * or 0.0.0.0 host they replace by the host they reach the broker at"),
    S_ENTRY("http_addr", STI_CONFIG_STR, "127.0.0.1:5565", http_addr, "HTTP address for /healthz, /readyz, /metrics"),
    S_ENTRY("log_level", STI_CONFIG_STR, "info", log_level, "debug, info, warn or error"),
    S_ENTRY("queue_max", STI_CONFIG_INT, "10000", queue_max, "requests queued for one service"),
    S_ENTRY("queue_bytes", STI_CONFIG_INT, "16777216", queue_bytes, "bytes queued for one service"),
    S_ENTRY("queue_total_max", STI_CONFIG_INT, "100000", queue_total_max, "requests queued over all services"),
    S_ENTRY("queue_total_bytes", STI_CONFIG_INT, "33554432", queue_total_bytes, "bytes queued over all services"),
    S_ENTRY("request_timeout_ms", STI_CONFIG_INT, "30000", request_timeout_ms, "longest a request waits for a worker, ms"),
    S_ENTRY("heartbeat_ms", STI_CONFIG_INT, "2500", heartbeat_ms, "heartbeat interval, ms (workers must use the same)"),
    S_ENTRY("max_services", STI_CONFIG_INT, "1000", max_services, "distinct service names the broker remembers"),
    S_ENTRY("max_connections", STI_CONFIG_INT, "4096", max_connections, "connections to the three endpoints together; more are closed at once"),
    S_ENTRY("message_max_bytes", STI_CONFIG_INT, "17825792", message_max_bytes, "bytes of one incoming message, all its frames (a 16 MiB body and the Majordomo frames fit); a larger one closes the connection"),
    S_ENTRY("message_max_frames", STI_CONFIG_INT, "64", message_max_frames, "frames of one incoming message; more close the connection"),
    S_ENTRY("receive_max_bytes", STI_CONFIG_INT, "67108864", receive_max_bytes, "bytes of incoming messages not yet complete, all connections together"),
    S_ENTRY("handshake_ms", STI_CONFIG_INT, "10000", handshake_ms, "a connection that has not finished its ZMTP handshake by then is closed, ms"),
    S_ENTRY("zmtp_ping_ms", STI_CONFIG_INT, "10000", zmtp_ping_ms, "ZMTP heartbeat (PING) interval on plain connections, ms"),
    S_ENTRY("zmtp_timeout_ms", STI_CONFIG_INT, "30000", zmtp_timeout_ms, "a plain connection that sends nothing this long after a PING is closed, ms"),
    S_ENTRY("stall_ms", STI_CONFIG_INT, "30000", stall_ms, "a peer that takes in nothing the broker sends it for this long is disconnected (TCP_USER_TIMEOUT), ms"),
    S_ENTRY("subscriber_queue_bytes", STI_CONFIG_INT, "262144", subscriber_queue_bytes, "bytes of events one subscriber that does not read may hold: half in libzmq's queue, half in the kernel's"),
    S_ENTRY("event_max_bytes", STI_CONFIG_INT, "65536", event_max_bytes, "largest frame of an event a publisher may send; a larger one closes its connection"),
    S_ENTRY("curve", STI_CONFIG_BOOL, "off", curve, "CURVE on every socket (needs curve_cert and curve_clients)"),
    S_ENTRY("curve_cert", STI_CONFIG_STR, "", curve_cert, "the broker's secret certificate file (CZMQ format)"),
    S_ENTRY("curve_clients", STI_CONFIG_STR, "", curve_clients, "allow-list: directory of the admitted public certificates"),
    S_ENTRY("curve_reload_ms", STI_CONFIG_INT, "1000", curve_reload_ms, "how often the allow-list is checked for changes, ms"),
    {NULL, 0, NULL, 0, NULL},
};
// clang-format on

int broker_config_check(const broker_config_t *config, char *err, size_t errlen)
{
    struct {
        const char *name;
        int64_t value;
    } positive[] = {
        {"queue_max", config->queue_max},
        {"queue_bytes", config->queue_bytes},
        {"queue_total_max", config->queue_total_max},
        {"queue_total_bytes", config->queue_total_bytes},
        {"request_timeout_ms", config->request_timeout_ms},
        {"heartbeat_ms", config->heartbeat_ms},
        {"max_services", config->max_services},
        {"curve_reload_ms", config->curve_reload_ms},
        {"max_connections", config->max_connections},
        {"message_max_bytes", config->message_max_bytes},
        {"message_max_frames", config->message_max_frames},
        {"receive_max_bytes", config->receive_max_bytes},
        {"handshake_ms", config->handshake_ms},
        {"zmtp_ping_ms", config->zmtp_ping_ms},
        {"zmtp_timeout_ms", config->zmtp_timeout_ms},
        {"stall_ms", config->stall_ms},
        {"subscriber_queue_bytes", config->subscriber_queue_bytes},
        {"event_max_bytes", config->event_max_bytes},
    };
    for (size_t i = 0; i < sizeof(positive) / sizeof(positive[0]); i++) {
        if (positive[i].value <= 0 || positive[i].value > INT32_MAX) {
            snprintf(err, errlen, "%s must be between 1 and %d", positive[i].name, INT32_MAX);
            return -1;
        }
    }
    if (config->receive_max_bytes < config->message_max_bytes) {
        snprintf(err, errlen, "receive_max_bytes must be at least message_max_bytes");
        return -1;
    }
    if (config->subscriber_queue_bytes < 16 * 1024) {
        snprintf(err, errlen, "subscriber_queue_bytes must be at least 16384");
        return -1;
    }
    if (config->zmtp_ping_ms > 6553500 || config->zmtp_timeout_ms > 6553500) {
        snprintf(err, errlen, "zmtp_ping_ms and zmtp_timeout_ms must be at most 6553500");
        return -1;
    }
    if (!config->bind || !config->xpub || !config->xsub || !config->http_addr) {
        snprintf(err, errlen, "bind, xpub, xsub and http_addr must be set");
        return -1;
    }
    if (config->curve && (!config->curve_cert || !*config->curve_cert || !config->curve_clients
                          || !*config->curve_clients)) {
        snprintf(err, errlen, "curve on needs curve_cert (STI_CURVE_CERT) and curve_clients "
                              "(STI_CURVE_CLIENTS)");
        return -1;
    }
    return 0;
}
