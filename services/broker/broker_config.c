/*  broker_config: the settings of sti-broker, as one sti_config table.

    Defaults keep the broker's memory bounded whatever clients send: at most
    32 MB of queued requests in all (16 MB for one service), 100,000 requests,
    each waiting at most 30 s for a worker; at most 64 MB of messages being
    received, 17 MB and 64 frames each; 4,096 connections (about 24 kB each),
    each of which must finish its handshake within 10 s and, without CURVE,
    answer the broker's ZMTP heartbeats; 256 kB of its own for a subscriber
    that does not read, which is cut off when it has read nothing for 30 s.

    Every number has its range in the table (sti_config refuses a value
    outside it, naming both); broker_config_check refuses what no single
    range can say: settings that contradict each other.
*/
#include <stddef.h>
#include <stdio.h>

#include "broker.h"

#define S_ENTRY(name, type, value, field, text, min, max)                                          \
    {                                                                                              \
        name, type, value, offsetof(broker_config_t, field), text, min, max                        \
    }
#define S_GIB (1LL << 30) // the largest byte bound of every size setting
#define S_MANY INT32_MAX  // the largest count
#define S_ZMTP_MS 6553500 // libzmq's longest ZMTP heartbeat setting (16 bits of 0.1 s)

// clang-format off: one setting a line
const sti_config_entry_t broker_config_map[] = {
    S_ENTRY("bind", STI_CONFIG_STR, "tcp://*:5555", bind,
            "Majordomo endpoint (clients and workers)", 0, 0),
    S_ENTRY("xpub", STI_CONFIG_STR, "tcp://*:5556", xpub, "event bus endpoint for subscribers", 0,
            0),
    S_ENTRY("xsub", STI_CONFIG_STR, "tcp://*:5557", xsub, "event bus endpoint for publishers", 0,
            0),
    S_ENTRY("events_address", STI_CONFIG_STR, "", events_address,
            "the event address subscribers are told (mmi.events) when it is not xpub as bound; a * "
            "or 0.0.0.0 host they replace by the host they reach the broker at",
            0, 0),
    S_ENTRY("http_addr", STI_CONFIG_STR, "127.0.0.1:5565", http_addr,
            "HTTP address for /healthz, /readyz, /metrics", 0, 0),
    S_ENTRY("log_level", STI_CONFIG_STR, "info", log_level, "debug, info, warn or error", 0, 0),
    S_ENTRY("queue_max", STI_CONFIG_INT, "10000", queue_max, "requests queued for one service", 1,
            S_MANY),
    S_ENTRY("queue_bytes", STI_CONFIG_SIZE, "16MiB", queue_bytes, "bytes queued for one service", 1,
            S_GIB),
    S_ENTRY("queue_total_max", STI_CONFIG_INT, "100000", queue_total_max,
            "requests queued over all services", 1, S_MANY),
    S_ENTRY("queue_total_bytes", STI_CONFIG_SIZE, "32MiB", queue_total_bytes,
            "bytes queued over all services", 1, S_GIB),
    S_ENTRY("request_timeout_ms", STI_CONFIG_DURATION, "30s", request_timeout_ms,
            "longest a request waits for a worker", 1, 86400000),
    S_ENTRY("heartbeat_ms", STI_CONFIG_DURATION, "2500ms", heartbeat_ms,
            "heartbeat interval (workers must use the same)", 1, 3600000),
    S_ENTRY("max_services", STI_CONFIG_INT, "1000", max_services,
            "distinct service names the broker remembers", 1, S_MANY),
    S_ENTRY("max_connections", STI_CONFIG_INT, "4096", max_connections,
            "connections to the three endpoints together; more are closed at once (each costs "
            "about 24 kB)",
            1, S_MANY),
    S_ENTRY("message_max_bytes", STI_CONFIG_SIZE, "17MiB", message_max_bytes,
            "bytes of one incoming message, all its frames (a 16 MiB body and the Majordomo frames "
            "fit); a larger one closes the connection",
            1, S_GIB),
    S_ENTRY("message_max_frames", STI_CONFIG_INT, "64", message_max_frames,
            "frames of one incoming message; more close the connection", 1, S_MANY),
    S_ENTRY("receive_max_bytes", STI_CONFIG_SIZE, "64MiB", receive_max_bytes,
            "bytes of incoming messages not yet complete, all connections together (at least "
            "message_max_bytes)",
            1, S_GIB),
    S_ENTRY("handshake_ms", STI_CONFIG_DURATION, "10s", handshake_ms,
            "a connection that has not finished its ZMTP handshake by then is closed", 1, 3600000),
    S_ENTRY("zmtp_ping_ms", STI_CONFIG_DURATION, "10s", zmtp_ping_ms,
            "ZMTP heartbeat (PING) interval on plain connections", 1, S_ZMTP_MS),
    S_ENTRY("zmtp_timeout_ms", STI_CONFIG_DURATION, "30s", zmtp_timeout_ms,
            "a plain connection that sends nothing this long after a PING is closed", 1, S_ZMTP_MS),
    S_ENTRY("stall_ms", STI_CONFIG_DURATION, "30s", stall_ms,
            "a peer that takes in nothing the broker sends it for this long is disconnected "
            "(TCP_USER_TIMEOUT)",
            1, 86400000),
    S_ENTRY("subscriber_queue_bytes", STI_CONFIG_SIZE, "256KiB", subscriber_queue_bytes,
            "bytes of events one subscriber that does not read may hold: half in libzmq's queue, "
            "half in the kernel's",
            16384, S_GIB),
    S_ENTRY("event_max_bytes", STI_CONFIG_SIZE, "64KiB", event_max_bytes,
            "largest frame of an event a publisher may send; a larger one closes its connection", 1,
            S_GIB),
    S_ENTRY("curve", STI_CONFIG_BOOL, "off", curve,
            "CURVE on every socket (needs curve_cert and curve_clients)", 0, 0),
    S_ENTRY("curve_cert", STI_CONFIG_STR, "", curve_cert,
            "the broker's secret certificate file (CZMQ format)", 0, 0),
    S_ENTRY("curve_clients", STI_CONFIG_STR, "", curve_clients,
            "allow-list: directory of the admitted public certificates", 0, 0),
    S_ENTRY("curve_reload_ms", STI_CONFIG_DURATION, "1s", curve_reload_ms,
            "how often the allow-list is checked for changes", 1, 3600000),
    STI_CONFIG_END,
};
// clang-format on

int broker_config_check(const broker_config_t *config, char *err, size_t errlen)
{
    if (config->receive_max_bytes < config->message_max_bytes) {
        snprintf(err, errlen, "receive_max_bytes (%lld) must be at least message_max_bytes (%lld)",
                 (long long)config->receive_max_bytes, (long long)config->message_max_bytes);
        return -1;
    }
    if (!config->bind || !config->xpub || !config->xsub || !config->http_addr) {
        snprintf(err, errlen, "bind, xpub, xsub and http_addr must be set");
        return -1;
    }
    if (config->curve && (!config->curve_cert || !*config->curve_cert || !config->curve_clients ||
                          !*config->curve_clients)) {
        snprintf(err, errlen,
                 "curve on needs curve_cert (STI_CURVE_CERT) and curve_clients "
                 "(STI_CURVE_CLIENTS)");
        return -1;
    }
    return 0;
}
