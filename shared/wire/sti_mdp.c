/*  sti_mdp: Majordomo Protocol 0.1 (ZeroMQ RFC 7) framing. See sti_mdp.h.

    The three parsers turn a multipart message into a tagged struct or an
    error with a reason; they never assert on what arrived from the network,
    so the broker, the client and the worker can drop a malformed message with
    a log line and go on. Each parser consumes the message whatever happens,
    which keeps the callers free of cleanup paths. The parsers are pure
    functions of their input, so unit tests and fuzzers can drive them.
*/
#include "sti_mdp.h"

#include <stdio.h>
#include <string.h>

#include "sti_log.h"

void sti_mdp_socket_limits(zsock_t *sock, int hwm)
{
    assert(sock);
    zsock_set_maxmsgsize(sock, STI_MDP_MAX_MSG);
    zsock_set_sndhwm(sock, hwm);
    zsock_set_rcvhwm(sock, hwm);
    zsock_set_linger(sock, 0);
}

bool sti_mdp_service_valid(const char *name, size_t size)
{
    if (!name || size == 0 || size > STI_MDP_SERVICE_MAX) {
        return false;
    }
    for (size_t i = 0; i < size; i++) {
        unsigned char c = (unsigned char)name[i];
        if (c < 0x21 || c > 0x7e || c == '"' || c == '\\') {
            return false;
        }
    }
    return true;
}

void sti_mdp_msg_release(sti_mdp_msg_t *msg)
{
    if (!msg) {
        return;
    }
    zframe_destroy(&msg->sender);
    zframe_destroy(&msg->client);
    zmsg_destroy(&msg->body);
    memset(msg, 0, sizeof(*msg));
}

//  True when frame holds exactly the bytes of text.
static bool s_frame_is(zframe_t *frame, const char *text)
{
    size_t len = strlen(text);
    return frame && zframe_size(frame) == len && memcmp(zframe_data(frame), text, len) == 0;
}

//  Pops the next frame and checks that it is empty. Returns 0 or -1.
static int s_pop_empty(zmsg_t *msg)
{
    zframe_t *frame = zmsg_pop(msg);
    int rc = frame && zframe_size(frame) == 0 ? 0 : -1;
    zframe_destroy(&frame);
    return rc;
}

//  Pops the service frame into out->service. Returns 0, or -1 when missing or invalid.
static int s_pop_service(zmsg_t *msg, sti_mdp_msg_t *out)
{
    zframe_t *frame = zmsg_pop(msg);
    if (!frame) {
        return -1;
    }
    size_t size = zframe_size(frame);
    int rc = -1;
    if (sti_mdp_service_valid((const char *)zframe_data(frame), size)) {
        memcpy(out->service, zframe_data(frame), size);
        out->service[size] = 0;
        rc = 0;
    }
    zframe_destroy(&frame);
    return rc;
}

//  Moves the rest of msg into out->body. Returns 0, or -1 when nothing is left.
static int s_take_body(zmsg_t **msg_p, sti_mdp_msg_t *out)
{
    if (zmsg_size(*msg_p) == 0) {
        return -1;
    }
    out->body = *msg_p;
    *msg_p = NULL;
    return 0;
}

//  Pops the command frame: 1..5. Returns the command, or -1.
static int s_pop_command(zmsg_t *msg)
{
    zframe_t *frame = zmsg_pop(msg);
    int command = -1;
    if (frame && zframe_size(frame) == 1) {
        byte c = zframe_data(frame)[0];
        if (c >= 1 && c <= 5) {
            command = c;
        }
    }
    zframe_destroy(&frame);
    return command;
}

//  Parses "client empty body..." into out. Returns 0 or -1 with a reason.
static int s_client_and_body(zmsg_t **msg_p, sti_mdp_msg_t *out, char *err, size_t errlen)
{
    out->client = zmsg_pop(*msg_p);
    if (!out->client || zframe_size(out->client) == 0) {
        return sti_errf(err, errlen, "missing client address");
    }
    if (s_pop_empty(*msg_p) != 0) {
        return sti_errf(err, errlen, "missing empty frame after the client address");
    }
    if (s_take_body(msg_p, out) != 0) {
        return sti_errf(err, errlen, "empty body");
    }
    return 0;
}

//  Parses a worker's message after its header. Returns 0 or -1 with a reason.
static int s_parse_from_worker(zmsg_t **msg_p, sti_mdp_msg_t *out, char *err, size_t errlen)
{
    int command = s_pop_command(*msg_p);
    switch (command) {
    case 1:
        out->kind = STI_MDP_WORKER_READY;
        if (zmsg_size(*msg_p) == 0) {
            return sti_errf(err, errlen, "READY without a service name");
        }
        if (s_pop_service(*msg_p, out) != 0) {
            out->service[0] = 0; // the broker answers an invalid name with DISCONNECT
        }
        out->identity = s_frame_is(zmsg_first(*msg_p), STI_MDPW_IDENTITY);
        return 0;
    case 3:
        out->kind = STI_MDP_WORKER_REPLY;
        return s_client_and_body(msg_p, out, err, errlen);
    case 4:
        out->kind = STI_MDP_WORKER_HEARTBEAT;
        return 0;
    case 5:
        out->kind = STI_MDP_WORKER_DISCONNECT;
        return 0;
    case 2:
        return sti_errf(err, errlen, "REQUEST is not a command a worker sends");
    default:
        return sti_errf(err, errlen, "unknown worker command");
    }
}

int sti_mdp_parse_broker(zmsg_t **msg_p, sti_mdp_msg_t *out, char *err, size_t errlen)
{
    assert(msg_p && out);
    memset(out, 0, sizeof(*out));
    int rc = -1;
    zframe_t *header = NULL;
    if (!*msg_p) {
        return sti_errf(err, errlen, "no message");
    }
    out->sender = zmsg_pop(*msg_p);
    if (!out->sender || zframe_size(out->sender) == 0) {
        rc = sti_errf(err, errlen, "missing sender");
    } else if (s_pop_empty(*msg_p) != 0) {
        rc = sti_errf(err, errlen, "missing empty delimiter frame");
    } else if (!(header = zmsg_pop(*msg_p))) {
        rc = sti_errf(err, errlen, "missing protocol header");
    } else if (s_frame_is(header, STI_MDPC)) {
        out->kind = STI_MDP_CLIENT_REQUEST;
        if (s_pop_service(*msg_p, out) != 0) {
            rc = sti_errf(err, errlen, "missing or invalid service name");
        } else if (s_take_body(msg_p, out) != 0) {
            rc = sti_errf(err, errlen, "empty body");
        } else {
            rc = 0;
        }
    } else if (s_frame_is(header, STI_MDPW)) {
        rc = s_parse_from_worker(msg_p, out, err, errlen);
    } else {
        rc = sti_errf(err, errlen, "unknown protocol header");
    }
    zframe_destroy(&header);
    zmsg_destroy(msg_p);
    if (rc != 0) {
        out->kind = STI_MDP_NONE;
    }
    return rc;
}

//  Pops the empty frame and the header that every message to a DEALER starts
//  with. Returns 0 or -1 with a reason.
static int s_pop_envelope(zmsg_t *msg, const char *protocol, char *err, size_t errlen)
{
    if (s_pop_empty(msg) != 0) {
        return sti_errf(err, errlen, "missing empty delimiter frame");
    }
    zframe_t *header = zmsg_pop(msg);
    int rc = s_frame_is(header, protocol) ? 0 : -1;
    zframe_destroy(&header);
    return rc == 0 ? 0 : sti_errf(err, errlen, "missing or unknown protocol header");
}

//  The worker commands sti_mdp_parse_worker takes after the envelope.
static int s_worker_command(zmsg_t **msg_p, sti_mdp_msg_t *out, char *err, size_t errlen)
{
    int command = s_pop_command(*msg_p);
    if (command == 2) {
        out->kind = STI_MDP_WORKER_REQUEST;
        return s_client_and_body(msg_p, out, err, errlen);
    }
    if (command == 4 || command == 5) {
        out->kind = command == 4 ? STI_MDP_WORKER_HEARTBEAT : STI_MDP_WORKER_DISCONNECT;
        return 0;
    }
    return sti_errf(err, errlen, "unknown or unexpected command from the broker");
}

//  A client's reply after the envelope: service, then a body.
static int s_client_reply(zmsg_t **msg_p, sti_mdp_msg_t *out, char *err, size_t errlen)
{
    out->kind = STI_MDP_CLIENT_REPLY;
    if (s_pop_service(*msg_p, out) != 0) {
        return sti_errf(err, errlen, "missing or invalid service name");
    }
    if (s_take_body(msg_p, out) != 0) {
        return sti_errf(err, errlen, "empty body");
    }
    return 0;
}

typedef int(s_rest_fn)(zmsg_t **msg_p, sti_mdp_msg_t *out, char *err, size_t errlen);

//  Parses a message of protocol: the envelope, then rest; destroys it.
static int s_parse(zmsg_t **msg_p, sti_mdp_msg_t *out, const char *protocol, s_rest_fn *rest,
                   char *err, size_t errlen)
{
    assert(msg_p && out);
    memset(out, 0, sizeof(*out));
    if (!*msg_p) {
        return sti_errf(err, errlen, "no message");
    }
    int rc = s_pop_envelope(*msg_p, protocol, err, errlen);
    if (rc == 0) {
        rc = rest(msg_p, out, err, errlen);
    }
    zmsg_destroy(msg_p);
    if (rc != 0) {
        out->kind = STI_MDP_NONE;
    }
    return rc;
}

int sti_mdp_parse_worker(zmsg_t **msg_p, sti_mdp_msg_t *out, char *err, size_t errlen)
{
    return s_parse(msg_p, out, STI_MDPW, s_worker_command, err, errlen);
}

int sti_mdp_parse_client(zmsg_t **msg_p, sti_mdp_msg_t *out, char *err, size_t errlen)
{
    return s_parse(msg_p, out, STI_MDPC, s_client_reply, err, errlen);
}
