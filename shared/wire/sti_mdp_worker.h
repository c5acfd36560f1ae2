/*  sti_mdp_worker: a Majordomo worker.

    Connects to the broker, says READY for its service, and answers heartbeats.
    When the broker is silent for LIVENESS heartbeats, it reconnects with a
    fresh socket and says READY again, so a broker restart costs nothing but the
    requests in flight (clients retry those). Its READY asks the broker for
    the caller's identity with each request (docs/protocol.md); recv takes
    that frame off and keeps it for sti_mdp_worker_caller. A service polls the worker's
    socket next to its other work, or just calls sti_mdp_worker_recv with a
    timeout in its loop.
*/
#pragma once
#include <czmq.h>

#include "sti_auth.h"

typedef struct _sti_mdp_worker_t sti_mdp_worker_t;

sti_mdp_worker_t *sti_mdp_worker_new(const char *broker, const char *service);
//  Sends DISCONNECT to the broker and closes the socket.
void sti_mdp_worker_destroy(sti_mdp_worker_t **self_p);

//  Waits up to timeout_ms (-1: forever) for a request, handling heartbeats and
//  reconnection meanwhile. Returns the request body frames and sets *client_p
//  to the client's address (caller owns both), or NULL on timeout / interrupt.
zmsg_t *sti_mdp_worker_recv(sti_mdp_worker_t *self, zframe_t **client_p, int timeout_ms);
//  Who sent the request recv returned last (borrowed, valid until the next
//  recv). An identity frame that does not decode gives a caller with no role
//  (role_bit 0), which every op refuses.
const sti_identity_t *sti_mdp_worker_caller(sti_mdp_worker_t *self);
//  Sends reply (takes ownership) to the client (takes ownership). Returns 0 or -1.
int sti_mdp_worker_send(sti_mdp_worker_t *self, zframe_t **client_p, zmsg_t **reply_p);
//  Sends a heartbeat if one is due. Call from a loop that does not call recv often.
void sti_mdp_worker_tick(sti_mdp_worker_t *self);
//  Sets the heartbeat interval (default STI_MDP_HEARTBEAT_MS); it must match
//  the broker's. The broker is taken for gone after STI_MDP_LIVENESS of them.
void sti_mdp_worker_set_heartbeat(sti_mdp_worker_t *self, int heartbeat_ms);
//  True while the broker has been heard from within the liveness window
//  (HEARTBEAT_MS * LIVENESS): the service's /readyz depends on it.
bool sti_mdp_worker_connected(sti_mdp_worker_t *self);
//  The socket, to poll next to others (readable means: call recv with timeout 0).
zsock_t *sti_mdp_worker_sock(sti_mdp_worker_t *self);
