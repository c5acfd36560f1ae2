/*  fuzz_mdp: the Majordomo frame parsers (sti_mdp_parse_broker, _worker and
    _client) on messages cut from arbitrary bytes.

    Input layout: byte 0 picks the parser (mod 3); then frames, each a length
    byte and that many bytes (cut short at the end of the input). Any input:
    no crash, no leak, a reason when refused. A message that parses has a
    kind, a valid service name where one is due, a client address on
    REQUEST and REPLY, and a body holding exactly the frames after the
    envelope; releasing it twice is safe.
*/
#include <czmq.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sti_mdp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

//  A property the code promises; breaking it is a bug the fuzzer reports.
#define S_REQUIRE(condition)                                                                       \
    do {                                                                                           \
        if (!(condition)) {                                                                        \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

//  Frames before the body, per parser and kind (the body is the rest).
static size_t s_envelope_frames(int parser, sti_mdp_kind_t kind)
{
    //  broker: sender empty header ...; worker and client: empty header ...
    size_t lead = parser == 0 ? 3 : 2;
    switch (kind) {
    case STI_MDP_CLIENT_REQUEST:
    case STI_MDP_CLIENT_REPLY:
        return lead + 1; // service
    case STI_MDP_WORKER_REQUEST:
    case STI_MDP_WORKER_REPLY:
        return lead + 3; // command client empty
    default:
        return 0;
    }
}

//  Checks what a successful parse promises.
static void s_check(int parser, const sti_mdp_msg_t *msg, size_t frames)
{
    S_REQUIRE(msg->kind != STI_MDP_NONE);
    S_REQUIRE(parser != 0 || msg->sender != NULL);
    switch (msg->kind) {
    case STI_MDP_CLIENT_REQUEST:
    case STI_MDP_CLIENT_REPLY:
        S_REQUIRE(sti_mdp_service_valid(msg->service, strlen(msg->service)));
        break;
    case STI_MDP_WORKER_READY:
        S_REQUIRE(msg->service[0] == 0 ||
                  sti_mdp_service_valid(msg->service, strlen(msg->service)));
        S_REQUIRE(msg->body == NULL);
        return;
    case STI_MDP_WORKER_REQUEST:
    case STI_MDP_WORKER_REPLY:
        S_REQUIRE(msg->client && zframe_size(msg->client) > 0);
        break;
    default:
        S_REQUIRE(msg->body == NULL);
        return;
    }
    S_REQUIRE(msg->body && zmsg_size(msg->body) > 0);
    S_REQUIRE(zmsg_size(msg->body) == frames - s_envelope_frames(parser, msg->kind));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) {
        return 0;
    }
    int parser = data[0] % 3;
    zmsg_t *msg = zmsg_new();
    size_t at = 1;
    while (at < size) {
        size_t len = data[at++];
        len = len < size - at ? len : size - at;
        zmsg_addmem(msg, data + at, len);
        at += len;
    }
    size_t frames = zmsg_size(msg);
    sti_mdp_msg_t out;
    char err[256] = "";
    int rc = parser == 0   ? sti_mdp_parse_broker(&msg, &out, err, sizeof err)
             : parser == 1 ? sti_mdp_parse_worker(&msg, &out, err, sizeof err)
                           : sti_mdp_parse_client(&msg, &out, err, sizeof err);
    S_REQUIRE(msg == NULL);
    if (rc == 0) {
        s_check(parser, &out, frames);
    } else {
        S_REQUIRE(rc == -1 && err[0] && out.kind == STI_MDP_NONE && out.body == NULL);
    }
    sti_mdp_msg_release(&out);
    sti_mdp_msg_release(&out);
    return 0;
}
