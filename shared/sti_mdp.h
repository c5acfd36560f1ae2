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

#define STI_MDP_HEARTBEAT_MS 2500 // interval between heartbeats
#define STI_MDP_LIVENESS 3        // heartbeats missed before a peer is dead
#define STI_MDP_MAX_MSG (16 * 1024 * 1024) // ZMQ_MAXMSGSIZE on every socket
#define STI_MDP_SERVICE_MAX 255   // longest service name

//  Sets ZMQ_MAXMSGSIZE, send and receive high-water marks and linger on a socket.
void sti_mdp_socket_limits(zsock_t *sock, int hwm);
