/*  broker_wire: the broker's TCP connections, seen below libzmq.

    Bounds what libzmq alone cannot: the number of connections, the size of
    one incoming message in bytes and in frames, and the bytes of messages
    that have begun to arrive and not yet ended, on all connections together.
    libzmq keeps the frames of a message that has not ended in memory, out of
    the application's sight (a message reaches the application only once it
    is complete), and ZMQ_MAXMSGSIZE bounds one frame only: three messages
    of 128 frames of 15 MiB each took a broker to 3.8 GiB before it could see
    any of them. Here a connection is cut as soon as the frame headers that
    arrive pass a bound, before libzmq has the memory. It also raises the
    descriptor limit as far as the process may and keeps descriptors in
    reserve, so that the HTTP endpoints still answer when clients take every
    connection there is.

    How: this module defines accept, accept4, recv and close; the dynamic
    linker binds libzmq's calls to these (an executable's symbols come first),
    and each passes the call on to libc. Only connections accepted on the
    endpoints given to broker_wire_watch are followed; every other descriptor
    of the process goes straight through. There is one wire per process.
    Everything but the functions below runs in libzmq's I/O thread.
*/
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

//  Which broker socket a connection reached.
typedef enum {
    BROKER_WIRE_REQUESTS = 0, // the Majordomo ROUTER
    BROKER_WIRE_XSUB,         // events from publishers
    BROKER_WIRE_XPUB,         // subscriptions from subscribers
    BROKER_WIRE_SOCKETS
} broker_wire_socket_t;

//  The bounds (each at least 1).
typedef struct {
    int64_t max_connections;    // connections to all watched endpoints together
    int64_t message_max_bytes;  // bytes of one message (the payload of its frames)
    int64_t message_max_frames; // frames of one message
    int64_t receive_max_bytes;  // bytes of unfinished messages, all connections together
} broker_wire_limits_t;

//  What the wire saw: gauges (now) and counters (since start).
typedef struct {
    int64_t connections[BROKER_WIRE_SOCKETS]; // gauge: connections open, per socket
    int64_t receiving;    // gauge: bytes of unfinished messages (64 more per frame)
    int64_t refused_max;  // closed on accept: max_connections reached
    int64_t refused_fds;  // closed on accept: too few descriptors left
    int64_t cut_frames;   // cut: a message of more than message_max_frames
    int64_t cut_bytes;    // cut: a message of more than message_max_bytes
    int64_t cut_receive;  // cut: unfinished messages over receive_max_bytes
    int64_t cut_protocol; // cut: not ZMTP 3 (a greeting of an older version)
    int64_t timed_out;    // closed by the kernel: took in nothing (TCP_USER_TIMEOUT), or keepalive
    int64_t closed;       // connections closed, for any reason
} broker_wire_stats_t;

//  Raises the soft descriptor limit to the hard one (and both to what
//  max_connections needs, when the process may), then sets the bounds.
//  Returns the connections allowed: max_connections, or fewer when the
//  descriptor limit leaves no room for them and the reserve; *fd_limit gets
//  the limit. Call once, before any endpoint is watched.
int64_t broker_wire_start(const broker_wire_limits_t *limits, int64_t *fd_limit);
//  Follows the connections accepted on a bound endpoint ("tcp://host:port",
//  as zsock_endpoint gives it; other transports are not followed). Returns
//  0, or -1 when the endpoint is not TCP.
int broker_wire_watch(const char *endpoint, broker_wire_socket_t socket);
//  With CURVE, frame flags are encrypted, so the end of a message is known
//  only when the application takes it: call this with the descriptor a
//  message came from (its frames' "__fd" property) after taking it.
void broker_wire_taken(int fd);
//  Fills stats. Safe from any thread.
void broker_wire_stats(broker_wire_stats_t *stats);
//  True when libzmq's calls reach this module (the interposition took).
bool broker_wire_active(void);
