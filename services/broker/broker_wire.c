/*  broker_wire: the broker's TCP connections, below libzmq. See broker_wire.h.

    Following a connection. A ZMTP 3 peer starts with a 64-byte greeting
    (signature, version, mechanism), then sends frames: a flags byte (MORE
    0x01, LONG 0x02, COMMAND 0x04), a size of one byte or, with LONG, eight
    bytes big-endian, and the body. Only headers are read; bodies are
    counted and skipped. libzmq's decoder allocates a frame's whole size as
    soon as it has read the header, so a frame is counted then, in full, and
    64 bytes more (libzmq's msg_t), so that a message of empty frames is
    bounded too.
      - NULL (or PLAIN) mechanism: frames without COMMAND belong to the
        message; the one without MORE ends it. The frames and bytes of the
        message being received are bounded, and while it is unfinished its
        bytes count in s_receiving, which receive_max_bytes bounds. Commands
        (READY, PING, PONG) do not count: libzmq handles each as it comes.
      - CURVE: after the handshake every frame is a MESSAGE command whose
        flags, MORE among them, are encrypted, so every frame counts and the
        count goes back to zero when the application takes a message that
        came from the connection (broker_wire_taken). A connection is cut
        when the count passes the message bound plus room for the boxes and
        the handshake. Messages that arrive while the application has not
        yet taken the one before count together, and so would ZMTP
        heartbeats: the broker sends no ZMTP PINGs on CURVE sockets.
      - A greeting of ZMTP 1.0 or 2.0 (libzmq 3 and older) is cut.

    Cutting. recv returns -1 with ECONNRESET: libzmq takes it as a peer that
    went away, closes the connection and frees the frames it held. Refusing
    on accept closes the new connection and returns ECONNABORTED, which
    libzmq ignores likewise. When the process is out of descriptors (EMFILE),
    a spare descriptor kept for this is given up to accept the pending
    connection and close it, so that libzmq's listener does not spin on it.

    Threads. accept, recv and close of connections run in libzmq's I/O
    thread, and one connection's recv and close in the same one (its
    engine's): the state of a connection is owned there. What other threads
    touch (broker_wire_taken, broker_wire_stats, the unread counts) is atomic.
*/
#ifndef _GNU_SOURCE
#define _GNU_SOURCE // RTLD_NEXT, accept4
#endif
#include "broker_wire.h"

#include <arpa/inet.h>
#include <assert.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#define S_FD_RESERVE 128         // descriptors kept for everything but connections
#define S_FD_SLOTS_MAX (1 << 22) // descriptors followed at most (arrays' size)
#define S_FRAME_COST 64          // bytes a frame costs beyond its payload
#define S_CURVE_SLACK 65536      // CURVE: handshake and boxes beyond the message bound
#define S_GREETING 64            // bytes of a ZMTP 3 greeting
#define S_FLAG_MORE 0x01
#define S_FLAG_LONG 0x02
#define S_FLAG_COMMAND 0x04

typedef enum { S_GREET, S_FLAGS, S_SIZE, S_BODY, S_CUT } s_phase_t;

//  One followed connection (owned by the I/O thread).
typedef struct {
    broker_wire_socket_t socket;  // which socket it reached
    s_phase_t phase;              // where in the stream the next byte is
    uint8_t greeting[S_GREETING]; // the peer's greeting (for the version and mechanism)
    size_t got;                   // bytes of the greeting, or of the size field, so far
    bool curve;                   // the mechanism is CURVE
    uint8_t flags;                // the current frame's flags
    uint8_t size[8];              // its size field
    uint64_t body_left;           // bytes of its body still to come
    int64_t frames;               // NULL: frames of the unfinished message
    int64_t bytes;                // NULL: payload bytes of it
    int64_t held;                 // NULL: what it counts in s_receiving
} s_conn_t;

static struct {
    ssize_t (*recv)(int, void *, size_t, int);
    int (*accept)(int, __SOCKADDR_ARG, socklen_t *__restrict);
    int (*accept4)(int, __SOCKADDR_ARG, socklen_t *__restrict, int);
    int (*close)(int);
} s_real;
static pthread_once_t s_resolved = PTHREAD_ONCE_INIT;

static _Atomic(s_conn_t **) s_conns;             // by descriptor; NULL when not followed
static _Atomic(atomic_int_least64_t *) s_unread; // CURVE: bytes since a message was taken
static atomic_int s_slots;                       // entries of both arrays
static atomic_int s_ports[BROKER_WIRE_SOCKETS];  // watched TCP ports (0: none)
static broker_wire_limits_t s_limits;            // the bounds (set once, before any watch)
static int64_t s_allowed;                        // connections allowed
static int64_t s_curve_max;                      // CURVE: bytes of one connection at most
static int s_spare = -1;                         // given up when out of descriptors
static pthread_mutex_t s_spare_lock = PTHREAD_MUTEX_INITIALIZER;

static atomic_int_least64_t s_count[BROKER_WIRE_SOCKETS]; // connections, per socket
static atomic_int_least64_t s_total;                      // connections, all sockets
static atomic_int_least64_t s_receiving;                  // bytes of unfinished messages
static atomic_int_least64_t s_refused_max, s_refused_fds;
static atomic_int_least64_t s_cut_frames, s_cut_bytes, s_cut_receive, s_cut_protocol;
static atomic_int_least64_t s_timed_out;
static atomic_int_least64_t s_closed;

//  --- libc underneath ---

static void s_resolve_once(void)
{
    s_real.recv = (ssize_t(*)(int, void *, size_t, int))dlsym(RTLD_NEXT, "recv");
    s_real.accept = (int (*)(int, __SOCKADDR_ARG, socklen_t *__restrict))dlsym(RTLD_NEXT, "accept");
    s_real.accept4 =
        (int (*)(int, __SOCKADDR_ARG, socklen_t *__restrict, int))dlsym(RTLD_NEXT, "accept4");
    s_real.close = (int (*)(int))dlsym(RTLD_NEXT, "close");
    //  Without these the process cannot do I/O at all: fail loudly at once.
    assert(s_real.recv && s_real.accept && s_real.accept4 && s_real.close);
}

static void s_resolve(void)
{
    pthread_once(&s_resolved, s_resolve_once);
}

//  The followed connection on fd, or NULL.
static s_conn_t *s_conn(int fd)
{
    s_conn_t **conns = atomic_load_explicit(&s_conns, memory_order_acquire);
    if (!conns || fd < 0 || fd >= atomic_load_explicit(&s_slots, memory_order_relaxed)) {
        return NULL;
    }
    return conns[fd];
}

//  --- accepting ---

//  The watched socket whose listener is fd, or -1.
static int s_watched(int fd)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0) {
        return -1;
    }
    int port = 0;
    if (ss.ss_family == AF_INET) {
        port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
    } else if (ss.ss_family == AF_INET6) {
        port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    }
    for (int i = 0; port && i < BROKER_WIRE_SOCKETS; i++) {
        if (atomic_load(&s_ports[i]) == port) {
            return i;
        }
    }
    return -1;
}

//  Out of descriptors: takes the connection waiting on listener off its
//  queue with the spare descriptor, so that the listener does not spin.
static void s_shed(int listener)
{
    pthread_mutex_lock(&s_spare_lock);
    if (s_spare >= 0) {
        s_real.close(s_spare);
        int conn = s_real.accept4(listener, (struct sockaddr *)NULL, NULL, SOCK_CLOEXEC);
        if (conn >= 0) {
            s_real.close(conn);
        }
        s_spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
    }
    pthread_mutex_unlock(&s_spare_lock);
}

//  Closes a connection just accepted, counting it in refused. Returns -1.
static int s_refuse(int conn, atomic_int_least64_t *refused)
{
    s_real.close(conn);
    atomic_fetch_add(refused, 1);
    errno = ECONNABORTED;
    return -1;
}

//  What accept returned on listener: a followed connection, or -1.
static int s_accepted(int listener, int conn)
{
    int socket = atomic_load_explicit(&s_conns, memory_order_acquire) ? s_watched(listener) : -1;
    if (socket < 0) {
        return conn;
    }
    if (conn < 0) {
        if (errno == EMFILE || errno == ENFILE) {
            s_shed(listener);
            atomic_fetch_add(&s_refused_fds, 1);
            errno = ECONNABORTED;
        }
        return -1;
    }
    int slots = atomic_load(&s_slots);
    if (conn >= slots - S_FD_RESERVE / 2) {
        return s_refuse(conn, &s_refused_fds);
    }
    if (atomic_fetch_add(&s_total, 1) >= s_allowed) {
        atomic_fetch_sub(&s_total, 1);
        return s_refuse(conn, &s_refused_max);
    }
    s_conn_t *state = calloc(1, sizeof *state);
    if (!state) {
        atomic_fetch_sub(&s_total, 1);
        return s_refuse(conn, &s_refused_fds);
    }
    state->socket = (broker_wire_socket_t)socket;
    state->phase = S_GREET;
    atomic_store(&atomic_load(&s_unread)[conn], 0);
    atomic_load(&s_conns)[conn] = state;
    atomic_fetch_add(&s_count[socket], 1);
    return conn;
}

int accept(int fd, __SOCKADDR_ARG addr, socklen_t *__restrict len)
{
    s_resolve();
    return s_accepted(fd, s_real.accept(fd, addr, len));
}

int accept4(int fd, __SOCKADDR_ARG addr, socklen_t *__restrict len, int flags)
{
    s_resolve();
    return s_accepted(fd, s_real.accept4(fd, addr, len, flags));
}

//  --- closing ---

int close(int fd)
{
    s_resolve();
    s_conn_t *state = s_conn(fd);
    if (state) {
        atomic_load(&s_conns)[fd] = NULL;
        int64_t unread = atomic_exchange(&atomic_load(&s_unread)[fd], 0);
        atomic_fetch_sub(&s_receiving, state->held + unread);
        atomic_fetch_sub(&s_count[state->socket], 1);
        atomic_fetch_sub(&s_total, 1);
        atomic_fetch_add(&s_closed, 1);
        free(state);
    }
    return s_real.close(fd);
}

//  --- following the stream ---

//  Marks a connection cut for reason. Returns -1.
static int s_cut(s_conn_t *state, atomic_int_least64_t *reason)
{
    state->phase = S_CUT;
    atomic_fetch_add(reason, 1);
    return -1;
}

//  A frame header arrived on fd: counts the frame. Returns 0, or -1 to cut.
static int s_frame(s_conn_t *state, int fd, uint64_t size)
{
    if (size > (uint64_t)INT64_MAX / 4) {
        return s_cut(state, &s_cut_bytes); // libzmq's ZMQ_MAXMSGSIZE refuses it anyway
    }
    int64_t cost = (int64_t)size + S_FRAME_COST;
    if (state->curve) {
        atomic_int_least64_t *unread = &atomic_load(&s_unread)[fd];
        int64_t total = atomic_fetch_add(unread, cost) + cost;
        atomic_fetch_add(&s_receiving, cost);
        if (total > s_curve_max) {
            return s_cut(state, &s_cut_bytes);
        }
    } else if (!(state->flags & S_FLAG_COMMAND)) {
        state->frames++;
        state->bytes += (int64_t)size;
        state->held += cost;
        atomic_fetch_add(&s_receiving, cost);
        if (state->frames > s_limits.message_max_frames) {
            return s_cut(state, &s_cut_frames);
        }
        if (state->bytes > s_limits.message_max_bytes) {
            return s_cut(state, &s_cut_bytes);
        }
    } else {
        return 0; // a command of the NULL mechanism: not part of a message
    }
    if (atomic_load(&s_receiving) > s_limits.receive_max_bytes) {
        return s_cut(state, &s_cut_receive);
    }
    return 0;
}

//  The current frame's body is complete: a NULL message ends with a frame
//  without MORE, and then no longer counts.
static void s_frame_end(s_conn_t *state)
{
    if (!state->curve && !(state->flags & (S_FLAG_COMMAND | S_FLAG_MORE))) {
        atomic_fetch_sub(&s_receiving, state->held);
        state->held = state->frames = state->bytes = 0;
    }
}

//  Takes bytes of the greeting. Returns 0, or -1 to cut (not ZMTP 3).
static int s_greet(s_conn_t *state, const uint8_t **p, const uint8_t *end)
{
    size_t take = (size_t)(end - *p);
    if (take > S_GREETING - state->got) {
        take = S_GREETING - state->got;
    }
    memcpy(state->greeting + state->got, *p, take);
    state->got += take;
    *p += take;
    const uint8_t *g = state->greeting;
    if (g[0] != 0xff || (state->got > 9 && !(g[9] & 1)) || (state->got > 10 && g[10] < 3)) {
        return s_cut(state, &s_cut_protocol);
    }
    if (state->got == S_GREETING) {
        state->curve = memcmp(g + 12, "CURVE\0", 6) == 0;
        state->phase = S_FLAGS;
    }
    return 0;
}

//  Follows n bytes that arrived on fd. Returns 0, or -1 to cut.
static int s_follow(s_conn_t *state, int fd, const uint8_t *p, size_t n)
{
    const uint8_t *end = p + n;
    while (p < end) {
        switch (state->phase) {
        case S_GREET:
            if (s_greet(state, &p, end) != 0) {
                return -1;
            }
            break;
        case S_FLAGS:
            state->flags = *p++;
            state->got = 0;
            state->phase = S_SIZE;
            break;
        case S_SIZE: {
            state->size[state->got++] = *p++;
            size_t need = state->flags & S_FLAG_LONG ? 8 : 1;
            if (state->got < need) {
                break;
            }
            uint64_t size = 0;
            for (size_t i = 0; i < need; i++) {
                size = size << 8 | state->size[i];
            }
            if (s_frame(state, fd, size) != 0) {
                return -1;
            }
            state->body_left = size;
            state->phase = S_BODY;
            if (size == 0) {
                s_frame_end(state);
                state->phase = S_FLAGS;
            }
            break;
        }
        case S_BODY: {
            uint64_t take = (uint64_t)(end - p);
            if (take > state->body_left) {
                take = state->body_left;
            }
            p += take;
            state->body_left -= take;
            if (state->body_left == 0) {
                s_frame_end(state);
                state->phase = S_FLAGS;
            }
            break;
        }
        case S_CUT:
            return -1;
        }
    }
    return 0;
}

ssize_t recv(int fd, void *buf, size_t len, int flags)
{
    s_resolve();
    ssize_t n = s_real.recv(fd, buf, len, flags);
    if (n < 0 && errno == ETIMEDOUT && s_conn(fd)) {
        atomic_fetch_add(&s_timed_out, 1); // the kernel gave up on the peer
        return n;
    }
    s_conn_t *state = n > 0 && !(flags & MSG_PEEK) ? s_conn(fd) : NULL;
    if (state && s_follow(state, fd, buf, (size_t)n) != 0) {
        errno = ECONNRESET;
        return -1;
    }
    return n;
}

//  --- the application's side ---

int64_t broker_wire_start(const broker_wire_limits_t *limits, int64_t *fd_limit)
{
    assert(limits && fd_limit && limits->max_connections > 0 && limits->message_max_bytes > 0);
    assert(limits->message_max_frames > 0 && limits->receive_max_bytes > 0);
    s_resolve();
    if (atomic_load(&s_conns)) { // started before (tests start brokers twice): same limits
        *fd_limit = atomic_load(&s_slots);
        return s_allowed;
    }
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    rlim_t want = (rlim_t)limits->max_connections + S_FD_RESERVE;
    if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < want) {
        struct rlimit up = {want, want};
        if (setrlimit(RLIMIT_NOFILE, &up) == 0) { // allowed with CAP_SYS_RESOURCE
            rl = up;
        }
    }
    if (rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    getrlimit(RLIMIT_NOFILE, &rl);
    int slots = rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > S_FD_SLOTS_MAX ? S_FD_SLOTS_MAX
                                                                             : (int)rl.rlim_cur;
    s_limits = *limits;
    s_curve_max =
        limits->message_max_bytes + limits->message_max_frames * 2 * S_FRAME_COST + S_CURVE_SLACK;
    s_allowed = slots > 2 * S_FD_RESERVE ? slots - S_FD_RESERVE : slots / 2;
    if (s_allowed > limits->max_connections) {
        s_allowed = limits->max_connections;
    }
    s_spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
    //  Pages of these arrays that no descriptor reaches are never touched.
    atomic_int_least64_t *unread = calloc((size_t)slots, sizeof *unread);
    s_conn_t **conns = calloc((size_t)slots, sizeof *conns);
    assert(unread && conns);
    atomic_store(&s_slots, slots);
    atomic_store(&s_unread, unread);
    atomic_store_explicit(&s_conns, conns, memory_order_release);
    *fd_limit = slots;
    return s_allowed;
}

int broker_wire_watch(const char *endpoint, broker_wire_socket_t socket)
{
    assert(endpoint && socket < BROKER_WIRE_SOCKETS);
    const char *colon = strrchr(endpoint, ':');
    if (strncmp(endpoint, "tcp://", 6) != 0 || !colon) {
        return -1;
    }
    int port = atoi(colon + 1);
    if (port <= 0 || port > 65535) {
        return -1;
    }
    atomic_store(&s_ports[socket], port);
    return 0;
}

void broker_wire_taken(int fd)
{
    atomic_int_least64_t *unread = atomic_load(&s_unread);
    if (unread && fd >= 0 && fd < atomic_load(&s_slots)) {
        int64_t bytes = atomic_exchange(&unread[fd], 0);
        if (bytes) {
            atomic_fetch_sub(&s_receiving, bytes);
        }
    }
}

void broker_wire_stats(broker_wire_stats_t *stats)
{
    assert(stats);
    for (int i = 0; i < BROKER_WIRE_SOCKETS; i++) {
        stats->connections[i] = atomic_load(&s_count[i]);
    }
    stats->receiving = atomic_load(&s_receiving);
    stats->refused_max = atomic_load(&s_refused_max);
    stats->refused_fds = atomic_load(&s_refused_fds);
    stats->cut_frames = atomic_load(&s_cut_frames);
    stats->cut_bytes = atomic_load(&s_cut_bytes);
    stats->cut_receive = atomic_load(&s_cut_receive);
    stats->cut_protocol = atomic_load(&s_cut_protocol);
    stats->timed_out = atomic_load(&s_timed_out);
    stats->closed = atomic_load(&s_closed);
}

bool broker_wire_active(void)
{
    return dlsym(RTLD_DEFAULT, "recv") == (void *)recv &&
           dlsym(RTLD_DEFAULT, "accept4") == (void *)accept4 &&
           dlsym(RTLD_DEFAULT, "close") == (void *)close;
}
