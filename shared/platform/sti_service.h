/*  sti_service: the frame every worker service shares.

    Reads the common configuration (broker, events_pub, events_sub, redis_url,
    namespace, http_addr, log_level, ..., plus the service's own table), starts
    the log, the HTTP endpoints and the Majordomo worker, and runs the loop:
    each request is answered by the service's declared ops
    (sti_service_ops.h: decoded, found, allowed, its body checked against the
    declaration, handed to the handler; exactly one reply, always). Between
    requests the loop calls the service's tick callback (timers, stream
    consumption), and the guard (sti_service_guard.h) PINGs Redis and reads
    the dataset marker once a second. While the dataset is lost
    (sti_dataset.h: Redis came back without data this deployment wrote, or
    an event stream went back), /readyz fails with the reason, the metric
    sti_dataset_lost is 1 (sti_service_health.h), every op that changes
    state (STI_OP_WRITE, STI_OP_CHANGES) is answered `unavailable` with the
    reason, and the service's tick is not run, until an operator accepts the
    loss (stictl dataset accept-loss). With redis_replicas set, a write is
    answered ok only once that many replicas have it (Redis WAIT), so a
    fail-over to a replica loses nothing acknowledged; else `unavailable`:
    it is on the primary, and the same request again is applied once.
    SIGTERM / SIGINT only set a flag: the loop stops taking requests,
    returns, and the service cleans up after it.
*/
#pragma once
#include "sti_auth.h"
#include "sti_codec.h"
#include "sti_config.h"
#include "sti_dataset.h"
#include "sti_envelope.h"
#include "sti_events.h"
#include "sti_http.h"
#include "sti_op.h"
#include "sti_redis.h"

typedef struct _sti_service_t sti_service_t;

//  Settings every service has.
typedef struct {
    char *broker;              // STI_BROKER: Majordomo broker endpoint
    char *events_pub;          // STI_EVENTS_PUB: broker XSUB, where publishers connect
    char *events_sub;          // STI_EVENTS_SUB: broker XPUB, where subscribers connect
    char *redis_url;           // STI_REDIS_URL
    char *redis_sentinels;     // STI_REDIS_SENTINELS: find the master through these, or ""
    char *redis_master_name;   // STI_REDIS_MASTER_NAME: the master's name at the Sentinels
    char *ns;                  // STI_NAMESPACE
    char *http_addr;           // STI_HTTP_ADDR
    char *log_level;           // STI_LOG_LEVEL
    double write_rate;         // STI_WRITE_RATE: writes a second per caller (0: no limit)
    int64_t write_burst;       // STI_WRITE_BURST: writes a caller may make at once
    char *dataset;             // STI_DATASET: the id this deployment's dataset must have, or ""
    int64_t redis_replicas;    // STI_REDIS_REPLICAS: replicas a write must reach before its ack
    int64_t redis_replicas_ms; // STI_REDIS_REPLICAS_MS: how long to wait for them
} sti_common_config_t;

typedef struct {
    const char *name;                                // process name in logs: "sti-ingest"
    const char *service;                             // Majordomo service: "sti.ingest"
    const sti_config_entry_t *config;                // the service's own settings, or NULL
    void *ctx;                                       // handed to tick; config fills it
    void (*tick)(sti_service_t *service, void *ctx); // called between requests, or NULL
    int tick_ms;                                     // longest wait between ticks
    const sti_op_table_t *const *tables; // the declared ops' tables, NULL-terminated, or NULL
    const sti_op_route_t *routes;        // the HTTP routes of declared ops (sti_op.h), or NULL
} sti_service_def_t;

//  Parses configuration and starts the parts. Returns NULL after printing the
//  reason (or the usage on --help, or the ops' declarations as JSON on
//  --describe-ops; *exit_code then says what to exit with). Every service
//  also answers `ops.describe` {} -> {service, ops: [...]} (sti_service_ops.h).
sti_service_t *sti_service_new(const sti_service_def_t *def, int argc, char **argv, int *exit_code);
//  Also frees the strings the configuration put into def->ctx.
void sti_service_destroy(sti_service_t **self_p);
//  Binds a table of def->tables to the object its handlers get as self.
//  Every table is bound before sti_service_run.
void sti_service_bind(sti_service_t *self, const sti_op_table_t *table, void *object);
//  Runs until SIGTERM / SIGINT. Returns 0.
int sti_service_run(sti_service_t *self);
bool sti_service_stopping(sti_service_t *self);
//  Also runs the tick as soon as fd becomes readable, not only every
//  tick_ms (e.g. the socket of a second Redis connection with a blocking
//  read in flight); -1 stops watching. The tick may change it every time.
void sti_service_wake_on(sti_service_t *self, int fd);

const sti_common_config_t *sti_service_config(sti_service_t *self);
//  With redis_replicas > 0: waits (WAIT) until that many replicas have every
//  write of the service's Redis connection, at most redis_replicas_ms.
//  Returns true when they have (always true with 0), false else (logged at
//  most once a second), and false when the connection is down (the one
//  written on broke: a WAIT on a new one covers none of its writes). The
//  frame calls it before answering a write; a service calls it right after
//  its write, before it publishes what its own work wrote.
bool sti_service_replicated(sti_service_t *self);
//  What this service knows of the dataset (borrowed; sti_dataset.h).
sti_dataset_watch_t *sti_service_dataset(sti_service_t *self);
sti_redis_t *sti_service_redis(sti_service_t *self);
sti_http_t *sti_service_http(sti_service_t *self);
//  The process name given in the definition ("sti-ingest"); borrowed.
const char *sti_service_name(sti_service_t *self);

//  The service's event publisher on stream ("ind", "tal", "ntf"), created on
//  first use on the service's Redis and STI_EVENTS_PUB, heartbeated by the
//  loop, destroyed with the service (borrowed). A service owns one stream.
//  Returns NULL when the publisher cannot start.
sti_events_pub_t *sti_service_publisher(sti_service_t *self, const char *stream);

//  Who sent the request being answered (borrowed; valid inside a handler).
//  Without CURVE it is local/admin.
const sti_identity_t *sti_service_caller(sti_service_t *self);
