/*  broker: the sti-broker server, an actor (Malamute style).

    broker_new() binds the Majordomo ROUTER and the event bus (XSUB for
    publishers, XPUB for subscribers), starts the HTTP endpoints and runs two
    threads: one routes requests (broker_mdp) and ticks heartbeats and
    deadlines, the other forwards events and subscriptions both ways
    (broker.c says why). broker_destroy() stops both (within one tick),
    closes the sockets and the HTTP server.
*/
#pragma once
#include <czmq.h>
#include <stdint.h>

#include "sti_config.h"

//  The broker's settings (filled by sti_config from broker_config_map).
typedef struct {
    char *bind;                 // Majordomo ROUTER endpoint
    char *xpub;                 // event bus: subscribers connect here
    char *xsub;                 // event bus: publishers connect here
    char *events_address;       // what mmi.events answers ("": xpub as bound)
    char *http_addr;            // /healthz, /readyz, /metrics
    char *log_level;            // debug, info, warn, error
    int64_t queue_max;          // requests queued per service
    int64_t queue_bytes;        // bytes queued per service
    int64_t queue_total_max;    // requests queued in all
    int64_t queue_total_bytes;  // bytes queued in all
    int64_t request_timeout_ms; // longest a request waits for a worker
    int64_t heartbeat_ms;       // heartbeat interval
    int64_t max_services;       // distinct service names remembered
    int64_t max_connections;    // connections to the three endpoints together
    int64_t message_max_bytes;  // bytes of one incoming message
    int64_t message_max_frames; // frames of one incoming message
    int64_t receive_max_bytes;  // bytes of unfinished incoming messages, all connections
    int64_t handshake_ms;       // a connection must finish its ZMTP handshake within this
    int64_t zmtp_ping_ms;       // ZMTP heartbeat interval on plain connections
    int64_t zmtp_timeout_ms;    // a plain connection silent this long after a PING is closed
    int64_t stall_ms;           // a peer that takes in nothing the broker sends this long is cut
    int64_t subscriber_queue_bytes; // what one subscriber that does not read may hold
    int64_t event_max_bytes;        // largest frame of an event on the bus
    bool curve;                     // STI_CURVE: every socket a CURVE server
    char *curve_cert;               // STI_CURVE_CERT: the broker's secret certificate
    char *curve_clients;            // STI_CURVE_CLIENTS: allow-list directory
    int64_t curve_reload_ms;        // how often the allow-list is checked for changes
} broker_config_t;

//  The configuration table: names, types, defaults, descriptions.
extern const sti_config_entry_t broker_config_map[];

//  Checks what the table's ranges cannot: settings that contradict each
//  other. Returns 0, or -1 with a reason.
int broker_config_check(const broker_config_t *config, char *err, size_t errlen);

typedef struct _broker_t broker_t;

//  Starts the broker (config is copied where needed). Returns NULL with a
//  reason in err when an endpoint cannot be bound.
broker_t *broker_new(const broker_config_t *config, char *err, size_t errlen);
void broker_destroy(broker_t **self_p);
//  The HTTP port actually bound (for tests that ask for port 0).
int broker_http_port(broker_t *self);
