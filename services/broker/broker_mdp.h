/*  broker_mdp: the Majordomo state of sti-broker (RFC 7 MDP 0.1, RFC 8 MMI
    with mmi.workers and mmi.events besides mmi.service).

    Holds the services, their workers (idle ones in the order they became
    idle, so the longest waiting gets the next request) and their queues of
    requests waiting for a worker. The queues are bounded per service and in
    all, in count and in bytes, and every queued request has a deadline; what
    does not fit or waits too long is dropped with a log line and a metric.
    Workers that are silent for LIVENESS heartbeats are dropped, busy or idle;
    time the broker itself did not run (a gap between ticks longer than a
    heartbeat interval) does not count as their silence.
    A registered worker that breaks the protocol (a message that does not
    parse, a REPLY without a body or an empty delimiter, a REPLY while it
    holds no request or to another client) is sent DISCONNECT and
    forgotten, and the client of the request it held is answered with an
    `unavailable` error envelope carrying the request's id.
    The engine does no I/O of its own except sending on the ROUTER socket it
    is given; the actor (broker.c) feeds it messages and calls the tick.
*/
#pragma once
#include <czmq.h>
#include <stdint.h>

#include "broker_auth.h"
#include "sti_http.h"

typedef struct _broker_mdp_t broker_mdp_t;

//  Bounds of the engine; every field must be positive.
typedef struct {
    int64_t queue_max;          // requests queued for one service
    int64_t queue_bytes;        // bytes queued for one service
    int64_t queue_total_max;    // requests queued over all services
    int64_t queue_total_bytes;  // bytes queued over all services
    int64_t request_timeout_ms; // longest a request waits for a worker
    int64_t heartbeat_ms;       // heartbeat interval (workers must use the same)
    int64_t max_services;       // distinct service names remembered
} broker_limits_t;

//  router: the socket clients and workers talk to (borrowed). http: where the
//  metrics go (borrowed; must outlive the engine). Returns a new engine.
broker_mdp_t *broker_mdp_new(zsock_t *router, sti_http_t *http, const broker_limits_t *limits);
void broker_mdp_destroy(broker_mdp_t **self_p);

//  Handles one message read from the router (takes ownership), as sent by
//  caller: the authenticated sender (borrowed). A request is handed to a
//  worker that asked for identities (READY ... "sti-identity-1") with the
//  caller's identity frame. With CURVE (caller bound) a worker's key must be
//  role `service` and its certificate must name the service it says READY
//  for, else it is sent DISCONNECT (logged, counted); without CURVE every
//  sender is `local` and may serve anything.
void broker_mdp_handle_from(broker_mdp_t *self, zmsg_t **msg_p, const broker_peer_t *caller);
//  broker_mdp_handle_from with the identity local/admin (no CURVE).
void broker_mdp_handle(broker_mdp_t *self, zmsg_t **msg_p);
//  Sends the heartbeats that are due, drops dead workers and expired requests.
void broker_mdp_tick(broker_mdp_t *self);

//  The address mmi.events answers: where subscribers connect (the XPUB
//  endpoint as clients reach it). Copied; at most 255 bytes are kept.
void broker_mdp_set_events(broker_mdp_t *self, const char *address);

//  Counts, for tests: workers registered for service (0 if unknown), requests
//  queued over all services.
size_t broker_mdp_workers(broker_mdp_t *self, const char *service);
size_t broker_mdp_queued(broker_mdp_t *self);
