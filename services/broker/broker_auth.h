/*  broker_auth: CURVE at the broker (STI_CURVE=on).

    Makes every broker socket a CURVE server with the broker's certificate,
    runs CZMQ's zauth with the allow-list directory (a CZMQ certificate
    store: one public certificate per admitted key), and keeps its own copy
    of that list, re-read when the directory changes, so that:
      - each message's sender is named from its key (name and role from the
        certificate's metadata) for the worker's identity frame, with what
        a key of role service may do as one (metadata "service": the one
        service it may register as a worker; "streams": the event streams
        it may publish), which the broker checks on READY and on each event;
      - a key removed from the directory stops working for requests and
        events on connections that were made before (zauth only checks new
        handshakes): each message's sender is looked up; a subscriber, whose
        subscriptions libzmq 4.3.4 hands over without the sender's key, is
        cut by the broker re-creating its XPUB socket after a revocation
        (broker_auth_revocations), so that every subscriber connects again
        through a new handshake;
      - refused handshakes (unknown key, no encryption) are logged, rate
        limited, and counted in sti_broker_handshakes_refused_total{reason}
        (unknown_key, no_encryption, aborted, protocol, revoked).
    A refused peer never reaches the broker's sockets: libzmq closes it after
    the handshake, and the broker keeps nothing about it but the counter.
    The broker's request thread and its event bus thread both call it: every
    call takes one lock (the allow-list is swapped on a reload), and each
    socket's monitor is read by the loop of the thread that owns the socket.
*/
#pragma once
#include <czmq.h>

#include "sti_auth.h"
#include "sti_curve.h"
#include "sti_http.h"
#include "sti_mdp.h"

typedef struct _broker_auth_t broker_auth_t;

//  A message's sender as the broker knows it. Without CURVE every sender is
//  local/admin and unbound: nothing below identity is checked.
typedef struct {
    sti_identity_t identity;                 // name, role, key (what workers are told)
    bool bound;                              // a CURVE key: service and streams apply
    char service[STI_MDP_SERVICE_MAX + 1];   // the one service it may serve ("": none)
    char streams[STI_CURVE_STREAMS_MAX + 1]; // streams it may publish, comma-separated ("": none)
} broker_peer_t;

//  The sender of every message without CURVE: local, admin, unbound.
void broker_peer_local(broker_peer_t *peer);

//  cert_path: the broker's secret certificate; clients_dir: the allow-list
//  directory; reload_ms (above 0): how often to look for changes in it. http: metrics
//  (borrowed). Returns NULL with a reason in err.
broker_auth_t *broker_auth_new(const char *cert_path, const char *clients_dir, int64_t reload_ms,
                               sti_http_t *http, char *err, size_t errlen);
void broker_auth_destroy(broker_auth_t **self_p);

//  Makes sock a CURVE server with the broker's key under the ZAP domain "sti"
//  and watches its handshakes; name labels its log lines. Call before bind.
//  loop: the loop of the thread that owns sock, which reads the watch; NULL:
//  broker_auth_tick reads it. A socket made again under the same name
//  replaces the old one's watch (the old socket is destroyed after; call it
//  from the thread of the old one's loop). Returns 0, or -1 with a reason in
//  err.
int broker_auth_server(broker_auth_t *self, zsock_t *sock, const char *name, zloop_t *loop,
                       char *err, size_t errlen);
//  Reads what the watches without a loop have to say (without waiting) and
//  looks at the allow-list directory when reload_ms has passed; call it
//  often (the request thread does, every tick).
void broker_auth_tick(broker_auth_t *self);

//  Names the sender of a message from the metadata of one of its frames.
//  On a ROUTER give the first frame after the routing id: libzmq 4.3.4 puts
//  no metadata on a routing id it prefetched while polling.
//  Returns 0 with *peer set (bound), or -1 when the key is not (or no longer)
//  in the allow-list: the caller drops the message (this logs it, rate limited).
int broker_auth_identify(broker_auth_t *self, zframe_t *frame, broker_peer_t *peer);
//  How many reloads of the allow-list have taken a key out of it.
uint64_t broker_auth_revocations(broker_auth_t *self);
//  Re-reads the allow-list now (tests; the timer does it on a change).
void broker_auth_reload(broker_auth_t *self);
//  Keys in the allow-list.
size_t broker_auth_keys(broker_auth_t *self);
//  The broker's public key (Z85, borrowed).
const char *broker_auth_public_key(broker_auth_t *self);
