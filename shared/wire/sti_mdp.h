/*  sti_mdp: Majordomo Protocol 0.1 (ZeroMQ RFC 7) constants and the frame
    parser the broker, the client and the worker share.

    Client to broker:  [empty if DEALER] "MDPC01" service body...
    Broker to client:  [empty if DEALER] "MDPC01" service body...
    Worker <-> broker: [empty] "MDPW01" command ...
        READY 0x01 service | REQUEST 0x02 client empty body... |
        REPLY 0x03 client empty body... | HEARTBEAT 0x04 | DISCONNECT 0x05
*/
#pragma once
#include <czmq.h>

#define STI_MDPC "MDPC01"
#define STI_MDPW "MDPW01"
#define STI_MDPW_READY "\001"
#define STI_MDPW_REQUEST "\002"
#define STI_MDPW_REPLY "\003"
#define STI_MDPW_HEARTBEAT "\004"
#define STI_MDPW_DISCONNECT "\005"
//  Extra frame after the service name in READY: this worker wants the
//  caller's identity frame before the body of each REQUEST (docs/protocol.md).
#define STI_MDPW_IDENTITY "sti-identity-1"

#define STI_MDP_HEARTBEAT_MS 2500          // interval between heartbeats
#define STI_MDP_LIVENESS 3                 // heartbeats missed before a peer is dead
#define STI_MDP_MAX_MSG (16 * 1024 * 1024) // ZMQ_MAXMSGSIZE on every socket
#define STI_MDP_SERVICE_MAX 255            // longest service name

//  Sets ZMQ_MAXMSGSIZE, send and receive high-water marks and linger on a socket.
void sti_mdp_socket_limits(zsock_t *sock, int hwm);

//  What one parsed Majordomo message is.
typedef enum {
    STI_MDP_NONE = 0,
    STI_MDP_CLIENT_REQUEST,   // client -> broker: service, body
    STI_MDP_CLIENT_REPLY,     // broker -> client: service, body
    STI_MDP_WORKER_READY,     // worker -> broker: service ("" when not a valid name)
    STI_MDP_WORKER_REQUEST,   // broker -> worker: client, body
    STI_MDP_WORKER_REPLY,     // worker -> broker: client, body
    STI_MDP_WORKER_HEARTBEAT, // either way
    STI_MDP_WORKER_DISCONNECT // either way
} sti_mdp_kind_t;

//  One parsed message. Release with sti_mdp_msg_release whatever the parse returned.
typedef struct {
    sti_mdp_kind_t kind; // what it is
    zframe_t *sender;    // broker side: the peer's routing id (owned)
    zframe_t *client;    // REQUEST / REPLY to or from a worker: client address (owned)
    char service[STI_MDP_SERVICE_MAX + 1]; // CLIENT_REQUEST / CLIENT_REPLY / READY
    zmsg_t *body;                          // request or reply body, one frame or more (owned)
    bool identity;                         // READY: the worker asked for identity frames
} sti_mdp_msg_t;

//  True when name (size bytes) is a usable service name: 1..255 bytes of
//  printable ASCII other than '"' and '\' (it appears in metric labels).
bool sti_mdp_service_valid(const char *name, size_t size);

//  Parses a message read from the broker's ROUTER socket:
//    sender [empty] "MDPC01" service body...        (client)
//    sender [empty] "MDPW01" command ...            (worker)
//  Takes ownership of *msg_p. Returns 0 with out filled, or -1 with a reason in
//  err (missing frames, unknown header, unknown command, empty body, bad
//  service name). out->sender is set in both cases when the message had one.
int sti_mdp_parse_broker(zmsg_t **msg_p, sti_mdp_msg_t *out, char *err, size_t errlen);
//  Parses what a worker's DEALER reads: [empty] "MDPW01" REQUEST|HEARTBEAT|DISCONNECT ...
//  Same ownership and returns as sti_mdp_parse_broker.
int sti_mdp_parse_worker(zmsg_t **msg_p, sti_mdp_msg_t *out, char *err, size_t errlen);
//  Parses what a client's DEALER reads: [empty] "MDPC01" service body...
//  Same ownership and returns as sti_mdp_parse_broker.
int sti_mdp_parse_client(zmsg_t **msg_p, sti_mdp_msg_t *out, char *err, size_t errlen);
//  Frees what the message holds and zeroes it; safe on a zeroed or released message.
void sti_mdp_msg_release(sti_mdp_msg_t *msg);
