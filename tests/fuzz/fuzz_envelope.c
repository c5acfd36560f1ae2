/*  fuzz_envelope: the request and reply decoders on arbitrary bytes.

    Any input: no crash, no leak, no sanitizer report. An envelope that
    decodes is written again with the envelope writers and must decode to
    the same op, id, code, message and details.
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sti_envelope.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define S_REQUIRE(condition)                                                                       \
    do {                                                                                           \
        if (!(condition)) {                                                                        \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

//  Writes node, or nil for a missing one, as the body of an envelope.
static void s_write_body(sti_writer_t *writer, sti_node_t node)
{
    size_t size;
    void *encoded = sti_node_encode(node, &size);
    if (encoded) {
        sti_writer_raw(writer, encoded, size);
        free(encoded);
    } else {
        sti_writer_nil(writer);
    }
}

static void s_request(const uint8_t *data, size_t size)
{
    sti_request_t request;
    char err[256];
    if (sti_request_decode(data, size, NULL, &request, err, sizeof err)) {
        S_REQUIRE(request.reader == NULL && err[0]);
        return;
    }
    sti_writer_t *writer = sti_writer_new();
    sti_envelope_request(writer, request.op, request.id);
    s_write_body(writer, request.body);
    size_t out_size;
    const void *out = sti_writer_data(writer, &out_size);
    sti_request_t again;
    S_REQUIRE(sti_request_decode(out, out_size, NULL, &again, err, sizeof err) == 0);
    S_REQUIRE(strcmp(again.op, request.op) == 0 && strcmp(again.id, request.id) == 0);
    sti_request_release(&again);
    sti_request_release(&request);
    sti_writer_destroy(&writer);
}

//  Copies a detail's text into buf (NUL-terminated, cut at an embedded NUL).
static const char *s_detail_text(sti_node_t detail, const char *key, char *buf, size_t cap)
{
    const char *text;
    size_t len;
    S_REQUIRE(sti_map_str(detail, key, SIZE_MAX, &text, &len, NULL) == 0);
    len = len < cap - 1 ? len : cap - 1;
    memcpy(buf, text, len);
    buf[len] = 0;
    return buf;
}

//  Writes the decoded error reply again with the envelope writers.
static void s_write_error(sti_writer_t *writer, const sti_reply_t *reply)
{
    size_t count = sti_node_size(reply->details);
    sti_envelope_reply_error_begin(writer, reply->id, reply->code, reply->message, count);
    for (size_t i = 0; i < count; i++) {
        sti_node_t detail = sti_node_at(reply->details, i);
        int64_t index;
        char field[300], reason[1100];
        S_REQUIRE(sti_map_int(detail, "index", &index, NULL) == 0);
        sti_envelope_detail(writer, index, s_detail_text(detail, "field", field, sizeof field),
                            s_detail_text(detail, "reason", reason, sizeof reason));
    }
}

static void s_reply(const uint8_t *data, size_t size)
{
    sti_reply_t reply;
    char err[256];
    if (sti_reply_decode(data, size, NULL, &reply, err, sizeof err)) {
        S_REQUIRE(reply.reader == NULL && err[0]);
        return;
    }
    S_REQUIRE(reply.ok ? reply.code == STI_ERR_NONE : reply.code != STI_ERR_NONE);
    sti_writer_t *writer = sti_writer_new();
    if (reply.ok) {
        sti_envelope_reply_ok(writer, reply.id);
        s_write_body(writer, reply.body);
    } else {
        s_write_error(writer, &reply);
    }
    size_t out_size;
    const void *out = sti_writer_data(writer, &out_size);
    sti_reply_t again;
    S_REQUIRE(sti_reply_decode(out, out_size, NULL, &again, err, sizeof err) == 0);
    S_REQUIRE(again.ok == reply.ok && again.code == reply.code);
    S_REQUIRE(strcmp(again.id, reply.id) == 0 && strcmp(again.message, reply.message) == 0);
    S_REQUIRE(sti_node_size(again.details) == sti_node_size(reply.details));
    sti_reply_release(&again);
    sti_reply_release(&reply);
    sti_writer_destroy(&writer);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    s_request(data, size);
    s_reply(data, size);
    return 0;
}
