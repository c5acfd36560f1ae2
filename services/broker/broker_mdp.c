/*  broker_mdp: the Majordomo state of sti-broker. See broker_mdp.h.

    Frames on the ROUTER (RFC 7; the routing id comes first):
      client -> broker  id "" MDPC01 service body...
      broker -> client  id "" MDPC01 service body...
      worker -> broker  id "" MDPW01 READY service | REPLY client "" body... |
                        HEARTBEAT | DISCONNECT
      broker -> worker  id "" MDPW01 REQUEST client "" body... | HEARTBEAT | DISCONNECT

    A queued request is kept as "client "" identity body..." so that
    dispatching it is four pushes and a send; for a worker that did not ask
    for identities (any RFC 7 worker written elsewhere) the identity frame is
    taken out first, so it sees exactly RFC 7. docs/protocol.md gives the
    identity frame's bytes. Its cost in bytes is its frames plus a fixed
    overhead for the structures around them, so the byte caps bound memory,
    not only payload. The number of services is capped as well, since every
    name a client sends would otherwise be kept (with its metrics) forever.
    What the engine drops is logged at most once a second per reason, with a
    count of what it dropped since, so a flood cannot flood the log as well.
*/
#include "broker_mdp.h"

#include <assert.h>
#include <inttypes.h>
#include <string.h>

#include "sti_envelope.h"
#include "sti_log.h"
#include "sti_mdp.h"

#define S_REQUEST_OVERHEAD 256 // bytes a queued request costs beyond its frames
#define S_LOG_EVERY_MS 1000    // at most one drop line per reason this often

typedef struct _s_service_t s_service_t;

//  One request waiting for a worker.
typedef struct {
    zmsg_t *msg;      // client "" body... (owned)
    int64_t deadline; // zclock_mono time after which it is dropped
    size_t bytes;     // what it counts against the byte caps
} s_request_t;

//  One registered worker.
typedef struct {
    char *key;                       // routing id as hex (the workers table's key)
    zframe_t *identity;              // routing id (owned)
    s_service_t *service;            // the service it serves (borrowed)
    int64_t expires_at;              // dropped when silent past this (zclock_mono)
    void *waiting;                   // handle in service->waiting while idle, else NULL
    bool wants_identity;             // asked for the caller's identity frame with each request
    zframe_t *client;                // the client of the request it holds (owned), NULL while idle
    char request_id[STI_ID_MAX + 1]; // that request's envelope id ("" when unreadable)
} s_worker_t;

//  One service name.
struct _s_service_t {
    char *name;           // service name (owned)
    zlistx_t *requests;   // s_request_t, oldest first (owned)
    zlistx_t *waiting;    // idle s_worker_t, longest idle first (borrowed)
    size_t workers;       // workers registered
    size_t bytes;         // bytes queued
    sti_metric_t *routed; // requests handed to a worker
    sti_metric_t *alive;  // workers registered
    sti_metric_t *depth;  // requests queued
};

enum { S_DROP_QUEUE_FULL, S_DROP_EXPIRED, S_DROP_SERVICES, S_DROP_REASONS };
static const char *s_drop_names[S_DROP_REASONS] = {"queue_full", "expired", "too_many_services"};

struct _broker_mdp_t {
    zsock_t *router;                         // clients and workers (borrowed)
    sti_http_t *http;                        // metrics registry (borrowed)
    broker_limits_t limits;                  // bounds
    zhashx_t *services;                      // name -> s_service_t (owned)
    zhashx_t *workers;                       // hex id -> s_worker_t (owned)
    size_t queued;                           // requests queued in all
    size_t bytes;                            // bytes queued in all
    int64_t heartbeat_at;                    // next heartbeat to the workers
    int64_t ticked_at;                       // when the last tick ran (zclock_mono)
    sti_metric_t *dropped[S_DROP_REASONS];   // requests dropped, by reason
    sti_log_limit_t droplog[S_DROP_REASONS]; // log rate limits, by reason
    sti_metric_t *malformed;                 // malformed messages dropped
    sti_log_limit_t malformed_log;           // log rate limit of malformed messages
    sti_log_limit_t broke_log;               // log rate limit of workers that broke the protocol
    sti_metric_t *failed;                    // requests answered with an error by the broker
    sti_metric_t *refused;                   // workers sent DISCONNECT
    sti_metric_t *denied;                    // workers whose key may not serve that service
    sti_log_limit_t denied_log[3];           // log rate limits of those, by s_may_serve's reason
    sti_metric_t *expired_workers;           // workers dropped for silence
    sti_metric_t *queued_total;              // requests queued in all
    sti_metric_t *queued_bytes;              // bytes queued in all
    char events[256];                        // what mmi.events answers ("" none)
};

//  --- requests and services ---

static void s_request_destroy(s_request_t **self_p)
{
    if (*self_p) {
        zmsg_destroy(&(*self_p)->msg);
        free(*self_p);
        *self_p = NULL;
    }
}

static void s_request_free(void **item)
{
    s_request_destroy((s_request_t **)item);
}

static void s_service_free(void **item)
{
    s_service_t *service = (s_service_t *)*item;
    if (service) {
        zlistx_destroy(&service->requests);
        zlistx_destroy(&service->waiting);
        free(service->name);
        free(service);
        *item = NULL;
    }
}

static void s_worker_free(void **item)
{
    s_worker_t *worker = (s_worker_t *)*item;
    if (worker) {
        zframe_destroy(&worker->identity);
        zframe_destroy(&worker->client);
        free(worker->key);
        free(worker);
        *item = NULL;
    }
}

//  Logs a dropped request (rate limited) and counts it.
static void s_drop(broker_mdp_t *self, int reason, const char *service)
{
    sti_metric_add(self->dropped[reason], 1);
    int64_t suppressed;
    if (sti_log_due(&self->droplog[reason], zclock_mono(), S_LOG_EVERY_MS, &suppressed)) {
        sti_warn("dropped a request for %s (%s); %" PRId64 " more dropped for this reason "
                 "since the last line",
                 service, s_drop_names[reason], suppressed);
    }
}

//  Returns the service of that name, creating it; NULL when the cap on
//  services is reached (the caller drops what it was for).
static s_service_t *s_service_require(broker_mdp_t *self, const char *name)
{
    s_service_t *service = (s_service_t *)zhashx_lookup(self->services, name);
    if (service) {
        return service;
    }
    if ((int64_t)zhashx_size(self->services) >= self->limits.max_services) {
        return NULL;
    }
    service = (s_service_t *)zmalloc(sizeof(s_service_t));
    service->name = strdup(name);
    service->requests = zlistx_new();
    zlistx_set_destructor(service->requests, s_request_free);
    service->waiting = zlistx_new();
    char labels[STI_MDP_SERVICE_MAX + 16];
    snprintf(labels, sizeof(labels), "service=\"%s\"", name); // names have no '"' or '\'
    service->routed = sti_http_counter(self->http, "sti_broker_requests_routed_total", labels,
                                       "Requests handed to a worker, per service");
    service->alive = sti_http_gauge(self->http, "sti_broker_workers_alive", labels,
                                    "Workers registered, per service");
    service->depth = sti_http_gauge(self->http, "sti_broker_queue_depth", labels,
                                    "Requests waiting for a worker, per service");
    zhashx_insert(self->services, name, service);
    return service;
}

//  Updates the queue gauges after a change.
static void s_gauges(broker_mdp_t *self, s_service_t *service)
{
    sti_metric_set(service->depth, (int64_t)zlistx_size(service->requests));
    sti_metric_set(self->queued_total, (int64_t)self->queued);
    sti_metric_set(self->queued_bytes, (int64_t)self->bytes);
}

//  Sends a command to a worker by routing id: id "" MDPW01 command [msg...].
//  Takes ownership of *msg_p when given.
static void s_send_worker(broker_mdp_t *self, zframe_t *identity, const char *command,
                          zmsg_t **msg_p)
{
    zmsg_t *msg = msg_p && *msg_p ? *msg_p : zmsg_new();
    if (msg_p) {
        *msg_p = NULL;
    }
    zmsg_pushstr(msg, command);
    zmsg_pushstr(msg, STI_MDPW);
    zmsg_pushmem(msg, NULL, 0);
    zframe_t *id = zframe_dup(identity);
    zmsg_prepend(msg, &id);
    zmsg_send(&msg, self->router);
    zmsg_destroy(&msg);
}

//  Takes the identity frame out of a queued request: client "" identity body...
static void s_strip_identity(zmsg_t *msg)
{
    zmsg_first(msg);
    zmsg_next(msg);
    zframe_t *identity = zmsg_next(msg);
    zmsg_remove(msg, identity);
    zframe_destroy(&identity);
}

//  Records what a worker is handed (client "" identity body...): the client
//  and the envelope id, so that the broker can answer it if the worker fails.
static void s_worker_hold(s_worker_t *worker, zmsg_t *request)
{
    zframe_t *client = zmsg_first(request);
    zmsg_next(request);
    zmsg_next(request);
    zframe_t *body = zmsg_next(request);
    zframe_destroy(&worker->client);
    worker->client = zframe_dup(client);
    if (!body || sti_request_peek_id(zframe_data(body), zframe_size(body), worker->request_id,
                                     sizeof worker->request_id) != 0) {
        worker->request_id[0] = 0;
    }
}

//  Hands queued requests to idle workers, longest idle first, while both last.
static void s_dispatch(broker_mdp_t *self, s_service_t *service)
{
    bool changed = false;
    while (zlistx_size(service->requests) > 0 && zlistx_size(service->waiting) > 0) {
        s_worker_t *worker = (s_worker_t *)zlistx_detach(service->waiting, NULL);
        worker->waiting = NULL;
        s_request_t *request = (s_request_t *)zlistx_detach(service->requests, NULL);
        self->queued--;
        self->bytes -= request->bytes;
        service->bytes -= request->bytes;
        s_worker_hold(worker, request->msg);
        if (!worker->wants_identity) {
            s_strip_identity(request->msg);
        }
        s_send_worker(self, worker->identity, STI_MDPW_REQUEST, &request->msg);
        s_request_destroy(&request);
        sti_metric_add(service->routed, 1);
        changed = true;
    }
    if (changed) {
        s_gauges(self, service);
    }
}

//  --- workers ---

//  Removes a worker, telling it DISCONNECT when disconnect is true.
static void s_worker_delete(broker_mdp_t *self, s_worker_t *worker, bool disconnect)
{
    if (disconnect) {
        s_send_worker(self, worker->identity, STI_MDPW_DISCONNECT, NULL);
    }
    s_service_t *service = worker->service;
    if (worker->waiting) {
        zlistx_detach(service->waiting, worker->waiting);
    }
    service->workers--;
    sti_metric_set(service->alive, (int64_t)service->workers);
    char *key = strdup(worker->key);
    zhashx_delete(self->workers, key); // frees the worker
    free(key);
}

//  Answers a client for the broker: an error envelope with the request's id
//  (client: its routing id, borrowed), as if service had answered.
static void s_answer_error(broker_mdp_t *self, zframe_t *client, const char *service,
                           const char *id, const char *message, bool failed)
{
    sti_writer_t *writer = sti_writer_new();
    sti_envelope_reply_error(writer, id, STI_ERR_UNAVAILABLE, message, NULL, 0);
    size_t size;
    const void *data = sti_writer_data(writer, &size);
    zmsg_t *reply = zmsg_new();
    zframe_t *to = zframe_dup(client);
    zmsg_append(reply, &to);
    zmsg_addmem(reply, NULL, 0);
    zmsg_addstr(reply, STI_MDPC);
    zmsg_addstr(reply, service);
    zmsg_addmem(reply, data, size);
    sti_writer_destroy(&writer);
    zmsg_send(&reply, self->router);
    zmsg_destroy(&reply);
    if (failed) {
        sti_metric_add(self->failed, 1);
    }
}

//  A registered worker broke the protocol (why): the client of the request
//  it holds gets an error it can see, the worker DISCONNECT, and the broker
//  forgets it, so that no request waits for it again.
static void s_worker_broke(broker_mdp_t *self, s_worker_t *worker, const char *why)
{
    sti_metric_add(self->refused, 1);
    int64_t suppressed;
    if (sti_log_due(&self->broke_log, zclock_mono(), S_LOG_EVERY_MS, &suppressed)) {
        sti_warn("worker %s of %s broke the protocol (%s): sent DISCONNECT and forgot it%s; "
                 "%" PRId64 " more since the last line",
                 worker->key, worker->service->name, why,
                 worker->client ? ", its request was answered unavailable" : "", suppressed);
    }
    if (worker->client) {
        char message[256];
        snprintf(message, sizeof message,
                 "the worker of %s broke the protocol (%s) and was disconnected; the request may "
                 "have been carried out: send it again with the same id",
                 worker->service->name, why);
        s_answer_error(self, worker->client, worker->service->name, worker->request_id, message,
                       true);
    }
    s_worker_delete(self, worker, true);
}

//  Tells a peer that is not (or no longer) a registered worker to go away.
static void s_refuse(broker_mdp_t *self, zframe_t *sender, const char *why, const char *name)
{
    sti_metric_add(self->refused, 1);
    sti_info("sent DISCONNECT to a worker: %s%s%s", why, name ? ": " : "", name ? name : "");
    s_send_worker(self, sender, STI_MDPW_DISCONNECT, NULL);
}

//  Refuses a worker whose key may not serve the service it said READY for.
static void s_deny(broker_mdp_t *self, zframe_t *sender, const broker_peer_t *caller,
                   const char *service, int reason, const char *why)
{
    sti_metric_add(self->denied, 1);
    int64_t suppressed;
    if (sti_log_due(&self->denied_log[reason], zclock_mono(), S_LOG_EVERY_MS, &suppressed)) {
        sti_warn("sent DISCONNECT to a worker: %s: key %s (role %s, service %s) as %s; %" PRId64
                 " more refused since the last line",
                 why, caller->identity.name,
                 caller->identity.role[0] ? caller->identity.role : "none",
                 caller->service[0] ? caller->service : "none", service, suppressed);
    }
    s_send_worker(self, sender, STI_MDPW_DISCONNECT, NULL);
}

//  True when caller may register as a worker of service (a bound key must be
//  role service, or gateway for its own service, and name that service);
//  else refuses it and returns false.
static bool s_may_serve(broker_mdp_t *self, zframe_t *sender, const broker_peer_t *caller,
                        const char *service)
{
    if (!caller->bound) {
        return true;
    }
    if (caller->identity.role_bit != STI_ROLE_SERVICE &&
        caller->identity.role_bit != STI_ROLE_GATEWAY) {
        s_deny(self, sender, caller, service, 0, "only role service (or gateway) may serve");
        return false;
    }
    if (!caller->service[0]) {
        s_deny(self, sender, caller, service, 1,
               "the key's certificate names no service (stictl keys new NAME --role service "
               "--service SERVICE)");
        return false;
    }
    if (strcmp(caller->service, service) != 0) {
        s_deny(self, sender, caller, service, 2,
               "a key may serve only the service its certificate names");
        return false;
    }
    return true;
}

//  Puts a worker at the end of its service's idle list and dispatches.
static void s_worker_idle(broker_mdp_t *self, s_worker_t *worker)
{
    if (!worker->waiting) {
        worker->waiting = zlistx_add_end(worker->service->waiting, worker);
    }
    s_dispatch(self, worker->service);
}

static void s_worker_ready(broker_mdp_t *self, sti_mdp_msg_t *msg, s_worker_t *known,
                           const broker_peer_t *caller)
{
    if (known) {
        s_worker_broke(self, known, "READY twice"); // RFC 7: a protocol error
        return;
    }
    if (msg->service[0] == 0) {
        s_refuse(self, msg->sender, "invalid service name", NULL);
        return;
    }
    if (strncmp(msg->service, "mmi.", 4) == 0) {
        s_refuse(self, msg->sender, "reserved service name", msg->service);
        return;
    }
    if (!s_may_serve(self, msg->sender, caller, msg->service)) {
        return;
    }
    s_service_t *service = s_service_require(self, msg->service);
    if (!service) {
        s_refuse(self, msg->sender, "too many services", msg->service);
        return;
    }
    s_worker_t *worker = (s_worker_t *)zmalloc(sizeof(s_worker_t));
    worker->key = zframe_strhex(msg->sender);
    worker->identity = msg->sender;
    msg->sender = NULL;
    worker->service = service;
    worker->wants_identity = msg->identity;
    worker->expires_at = zclock_mono() + self->limits.heartbeat_ms * STI_MDP_LIVENESS;
    zhashx_insert(self->workers, worker->key, worker);
    service->workers++;
    sti_metric_set(service->alive, (int64_t)service->workers);
    sti_debug("worker %s ready for %s", worker->key, service->name);
    s_worker_idle(self, worker);
}

static void s_worker_reply(broker_mdp_t *self, sti_mdp_msg_t *msg, s_worker_t *worker)
{
    if (!worker->client || !zframe_eq(worker->client, msg->client)) {
        s_worker_broke(self, worker,
                       worker->client ? "REPLY to another client than its request's"
                                      : "REPLY without a request");
        return;
    }
    zframe_destroy(&worker->client);
    zmsg_t *reply = msg->body;
    msg->body = NULL;
    zmsg_pushstr(reply, worker->service->name);
    zmsg_pushstr(reply, STI_MDPC);
    zmsg_pushmem(reply, NULL, 0);
    zmsg_prepend(reply, &msg->client);
    zmsg_send(&reply, self->router);
    zmsg_destroy(&reply);
    s_worker_idle(self, worker);
}

static void s_from_worker(broker_mdp_t *self, sti_mdp_msg_t *msg, const broker_peer_t *caller)
{
    char *key = zframe_strhex(msg->sender);
    s_worker_t *worker = (s_worker_t *)zhashx_lookup(self->workers, key);
    free(key);
    if (worker) {
        worker->expires_at = zclock_mono() + self->limits.heartbeat_ms * STI_MDP_LIVENESS;
    }
    switch (msg->kind) {
    case STI_MDP_WORKER_READY:
        s_worker_ready(self, msg, worker, caller);
        break;
    case STI_MDP_WORKER_REPLY:
        if (worker) {
            s_worker_reply(self, msg, worker);
        } else {
            s_refuse(self, msg->sender, "REPLY from an unknown worker", NULL);
        }
        break;
    case STI_MDP_WORKER_HEARTBEAT:
        if (!worker) {
            s_refuse(self, msg->sender, "HEARTBEAT from an unknown worker", NULL);
        }
        break;
    case STI_MDP_WORKER_DISCONNECT:
        if (worker) {
            s_worker_delete(self, worker, false);
        }
        break;
    default:
        break;
    }
}

//  --- clients ---

//  Answers an mmi.* request (RFC 8, and two of ours): mmi.service 200/404;
//  mmi.workers 200/404, then the service's workers and queued requests;
//  mmi.events 200 and the address subscribers connect to (404 when the
//  broker was given none); 501 for any other.
static void s_mmi(broker_mdp_t *self, sti_mdp_msg_t *msg)
{
    zmsg_t *reply = zmsg_new();
    zmsg_addmem(reply, NULL, 0);
    zmsg_addstr(reply, STI_MDPC);
    zmsg_addstr(reply, msg->service);
    bool service_asked = strcmp(msg->service, "mmi.service") == 0;
    if (service_asked || strcmp(msg->service, "mmi.workers") == 0) {
        zframe_t *asked = zmsg_last(msg->body);
        char *name = asked ? zframe_strdup(asked) : strdup("");
        s_service_t *service = (s_service_t *)zhashx_lookup(self->services, name);
        size_t workers = service ? service->workers : 0;
        zmsg_addstr(reply, workers > 0 ? "200" : "404");
        if (!service_asked) {
            zmsg_addstrf(reply, "%zu", workers);
            zmsg_addstrf(reply, "%zu", service ? zlistx_size(service->requests) : 0);
        }
        free(name);
    } else if (strcmp(msg->service, "mmi.events") == 0) {
        zmsg_addstr(reply, self->events[0] ? "200" : "404");
        zmsg_addstr(reply, self->events);
    } else {
        zmsg_addstr(reply, "501");
    }
    zmsg_prepend(reply, &msg->sender);
    zmsg_send(&reply, self->router);
    zmsg_destroy(&reply);
}

void broker_mdp_set_events(broker_mdp_t *self, const char *address)
{
    assert(self && address);
    snprintf(self->events, sizeof self->events, "%s", address);
}

//  The limit a request of bytes for service would pass if queued (its
//  setting's name), or NULL when it fits.
static const char *s_queue_over(broker_mdp_t *self, s_service_t *service, size_t bytes)
{
    const broker_limits_t *limits = &self->limits;
    if ((int64_t)zlistx_size(service->requests) >= limits->queue_max) {
        return "queue_max";
    }
    if ((int64_t)(service->bytes + bytes) > limits->queue_bytes) {
        return "queue_bytes";
    }
    if ((int64_t)self->queued >= limits->queue_total_max) {
        return "queue_total_max";
    }
    if ((int64_t)(self->bytes + bytes) > limits->queue_total_bytes) {
        return "queue_total_bytes";
    }
    return NULL;
}

//  Answers a request the broker will not queue (request: client "" identity
//  body..., borrowed) with an `unavailable` error envelope saying why (which
//  names the setting the request would pass), so that a client that sends without waiting sees
//  the refusal as a reply instead of waiting for one that never comes.
static void s_refuse_request(broker_mdp_t *self, zmsg_t *request, const char *service,
                             const char *why)
{
    zframe_t *client = zmsg_first(request);
    zmsg_next(request);
    zmsg_next(request);
    zframe_t *body = zmsg_next(request);
    char id[STI_ID_MAX + 1] = "";
    if (!body || sti_request_peek_id(zframe_data(body), zframe_size(body), id, sizeof id) != 0) {
        id[0] = 0;
    }
    char message[STI_MDP_SERVICE_MAX + 256];
    snprintf(message, sizeof message,
             "sti-broker refused the request for %s: %s; it was not queued: send it again "
             "later with the same id",
             service, why);
    s_answer_error(self, client, service, id, message, false);
}

//  Queues a client's request for its service and dispatches what it can.
static void s_from_client(broker_mdp_t *self, sti_mdp_msg_t *msg, const broker_peer_t *caller)
{
    if (strncmp(msg->service, "mmi.", 4) == 0) {
        s_mmi(self, msg);
        return;
    }
    s_service_t *service = s_service_require(self, msg->service);
    if (!service) {
        zmsg_pushmem(msg->body, NULL, 0); // no identity frame: s_refuse_request skips one
        zmsg_pushmem(msg->body, NULL, 0);
        zmsg_prepend(msg->body, &msg->sender);
        s_refuse_request(self, msg->body, msg->service,
                         "it knows as many services as max_services allows");
        s_drop(self, S_DROP_SERVICES, msg->service);
        return;
    }
    s_request_t *request = (s_request_t *)zmalloc(sizeof(s_request_t));
    request->msg = msg->body;
    msg->body = NULL;
    size_t identity_size = 0;
    void *identity = sti_identity_encode(&caller->identity, &identity_size);
    zmsg_pushmem(request->msg, identity, identity_size);
    free(identity);
    request->bytes = zmsg_content_size(request->msg) + S_REQUEST_OVERHEAD;
    zmsg_pushmem(request->msg, NULL, 0);
    zmsg_prepend(request->msg, &msg->sender);
    request->deadline = zclock_mono() + self->limits.request_timeout_ms;
    const char *over = s_queue_over(self, service, request->bytes);
    if (over) {
        char why[64];
        snprintf(why, sizeof why, "its queue is full (%s)", over);
        s_refuse_request(self, request->msg, service->name, why);
        s_request_destroy(&request);
        s_drop(self, S_DROP_QUEUE_FULL, service->name);
        return;
    }
    zlistx_add_end(service->requests, request);
    service->bytes += request->bytes;
    self->queued++;
    self->bytes += request->bytes;
    s_dispatch(self, service);
    if (zlistx_size(service->requests) > 0) {
        s_gauges(self, service);
    }
}

//  --- the engine ---

broker_mdp_t *broker_mdp_new(zsock_t *router, sti_http_t *http, const broker_limits_t *limits)
{
    assert(router && http && limits);
    assert(limits->queue_max > 0 && limits->queue_bytes > 0 && limits->queue_total_max > 0);
    assert(limits->queue_total_bytes > 0 && limits->request_timeout_ms > 0);
    assert(limits->heartbeat_ms > 0 && limits->max_services > 0);
    broker_mdp_t *self = (broker_mdp_t *)zmalloc(sizeof(broker_mdp_t));
    self->router = router;
    self->http = http;
    self->limits = *limits;
    self->services = zhashx_new();
    zhashx_set_destructor(self->services, s_service_free);
    self->workers = zhashx_new();
    zhashx_set_destructor(self->workers, s_worker_free);
    self->heartbeat_at = zclock_mono() + limits->heartbeat_ms;
    self->ticked_at = zclock_mono();
    for (int i = 0; i < S_DROP_REASONS; i++) {
        char labels[64];
        snprintf(labels, sizeof(labels), "reason=\"%s\"", s_drop_names[i]);
        self->dropped[i] =
            sti_http_counter(http, "sti_broker_requests_dropped_total", labels,
                             "Requests dropped, by reason (queue_full and too_many_services "
                             "are answered with an error, expired ones not)");
    }
    self->malformed =
        sti_http_counter(http, "sti_broker_malformed_total", NULL, "Malformed messages dropped");
    self->refused = sti_http_counter(http, "sti_broker_workers_refused_total", NULL,
                                     "DISCONNECTs sent to workers for protocol errors");
    self->denied = sti_http_counter(http, "sti_broker_workers_denied_total", NULL,
                                    "DISCONNECTs sent to workers whose key may not serve the "
                                    "service they named");
    self->expired_workers = sti_http_counter(http, "sti_broker_workers_expired_total", NULL,
                                             "Workers dropped after missing heartbeats");
    self->failed = sti_http_counter(http, "sti_broker_requests_failed_total", NULL,
                                    "Requests the broker answered with an error (their worker "
                                    "broke the protocol)");
    self->queued_total = sti_http_gauge(http, "sti_broker_queued_requests", NULL,
                                        "Requests waiting for a worker, all services");
    self->queued_bytes = sti_http_gauge(http, "sti_broker_queued_bytes", NULL,
                                        "Bytes held by waiting requests, all services");
    return self;
}

void broker_mdp_destroy(broker_mdp_t **self_p)
{
    assert(self_p);
    broker_mdp_t *self = *self_p;
    if (self) {
        zhashx_destroy(&self->workers);
        zhashx_destroy(&self->services);
        free(self);
        *self_p = NULL;
    }
}

void broker_mdp_handle(broker_mdp_t *self, zmsg_t **msg_p)
{
    broker_peer_t local;
    broker_peer_local(&local);
    broker_mdp_handle_from(self, msg_p, &local);
}

void broker_mdp_handle_from(broker_mdp_t *self, zmsg_t **msg_p, const broker_peer_t *caller)
{
    assert(self && msg_p && caller);
    sti_mdp_msg_t msg;
    char err[128];
    if (sti_mdp_parse_broker(msg_p, &msg, err, sizeof(err)) != 0) {
        sti_metric_add(self->malformed, 1);
        char *key = msg.sender ? zframe_strhex(msg.sender) : NULL;
        s_worker_t *worker = key ? (s_worker_t *)zhashx_lookup(self->workers, key) : NULL;
        free(key);
        if (worker) {
            s_worker_broke(self, worker, err); // a known worker that breaks the protocol
            sti_mdp_msg_release(&msg);
            return;
        }
        int64_t suppressed;
        if (sti_log_due(&self->malformed_log, zclock_mono(), S_LOG_EVERY_MS, &suppressed)) {
            sti_warn("dropped a malformed message: %s; %" PRId64 " more dropped since the last "
                     "line",
                     err, suppressed);
        }
    } else if (msg.kind == STI_MDP_CLIENT_REQUEST) {
        s_from_client(self, &msg, caller);
    } else {
        s_from_worker(self, &msg, caller);
    }
    sti_mdp_msg_release(&msg);
}

//  Drops the requests of a service whose deadline has passed (oldest first).
static void s_expire_requests(broker_mdp_t *self, s_service_t *service, int64_t now)
{
    bool changed = false;
    s_request_t *request;
    while ((request = (s_request_t *)zlistx_first(service->requests)) && request->deadline <= now) {
        request = (s_request_t *)zlistx_detach(service->requests, NULL);
        self->queued--;
        self->bytes -= request->bytes;
        service->bytes -= request->bytes;
        s_request_destroy(&request);
        s_drop(self, S_DROP_EXPIRED, service->name);
        changed = true;
    }
    if (changed) {
        s_gauges(self, service);
    }
}

//  Time the broker did not run (the process was stopped, or starved of CPU)
//  is not its workers' silence: their heartbeats wait unread in its socket,
//  and the loop runs the tick before it reads them. A gap between ticks
//  longer than a heartbeat interval is added to every worker's deadline.
static void s_forgive_pause(broker_mdp_t *self, int64_t now)
{
    int64_t gap = now - self->ticked_at;
    self->ticked_at = now;
    if (gap <= self->limits.heartbeat_ms || zhashx_size(self->workers) == 0) {
        return;
    }
    for (s_worker_t *worker = (s_worker_t *)zhashx_first(self->workers); worker;
         worker = (s_worker_t *)zhashx_next(self->workers)) {
        worker->expires_at += gap;
    }
    sti_warn("the broker did not run for %" PRId64 " ms: its workers' silence over that time "
             "is not counted against them",
             gap);
}

void broker_mdp_tick(broker_mdp_t *self)
{
    assert(self);
    int64_t now = zclock_mono();
    s_forgive_pause(self, now);
    //  Dead workers, idle or busy: collected first, the table cannot change under a cursor.
    zlistx_t *dead = zlistx_new();
    for (s_worker_t *worker = (s_worker_t *)zhashx_first(self->workers); worker;
         worker = (s_worker_t *)zhashx_next(self->workers)) {
        if (worker->expires_at <= now) {
            zlistx_add_end(dead, worker);
        }
    }
    for (s_worker_t *worker = (s_worker_t *)zlistx_first(dead); worker;
         worker = (s_worker_t *)zlistx_next(dead)) {
        sti_warn("worker %s for %s missed its heartbeats: dropped", worker->key,
                 worker->service->name);
        sti_metric_add(self->expired_workers, 1);
        s_worker_delete(self, worker, false);
    }
    zlistx_destroy(&dead);
    if (now >= self->heartbeat_at) {
        for (s_worker_t *worker = (s_worker_t *)zhashx_first(self->workers); worker;
             worker = (s_worker_t *)zhashx_next(self->workers)) {
            s_send_worker(self, worker->identity, STI_MDPW_HEARTBEAT, NULL);
        }
        self->heartbeat_at = now + self->limits.heartbeat_ms;
    }
    if (self->queued > 0) {
        for (s_service_t *service = (s_service_t *)zhashx_first(self->services); service;
             service = (s_service_t *)zhashx_next(self->services)) {
            s_expire_requests(self, service, now);
        }
    }
}

size_t broker_mdp_workers(broker_mdp_t *self, const char *service)
{
    assert(self && service);
    s_service_t *found = (s_service_t *)zhashx_lookup(self->services, service);
    return found ? found->workers : 0;
}

size_t broker_mdp_queued(broker_mdp_t *self)
{
    assert(self);
    return self->queued;
}
