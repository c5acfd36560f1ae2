/*  sti_envelope: the request / reply envelope every service speaks.

    A request body is one MessagePack map {op, id, body}, plus `as` when a
    gateway asks on someone's behalf (sti_behalf.h); a reply is
    {id, ok: true, body} or {id, ok: false, error: {code, message,
    details: [{index, field, reason}]}}. docs/protocol.md gives the bytes.

    Decoding never trusts its input: a malformed envelope gives -1 and a reason,
    which a service sends back as an invalid_argument error.
*/
#pragma once
#include "sti_codec.h"

typedef enum {
    STI_ERR_NONE = 0,
    STI_ERR_INVALID_ARGUMENT,
    STI_ERR_NOT_FOUND,
    STI_ERR_CONFLICT,
    STI_ERR_UNAUTHENTICATED,
    STI_ERR_FORBIDDEN,
    STI_ERR_UNAVAILABLE,
    STI_ERR_TOO_LARGE,
    STI_ERR_RATE_LIMITED,
    STI_ERR_INTERNAL,
} sti_errcode_t;

#define STI_OP_MAX 64  // longest op name, bytes
#define STI_ID_MAX 128 // longest request id, bytes

//  "invalid_argument", ... ; "none" for STI_ERR_NONE.
const char *sti_errcode_name(sti_errcode_t code);
//  Returns 0 and sets *code, or -1 for a name that is not an error code.
int sti_errcode_parse(const char *name, sti_errcode_t *code);

//  One refused part of a request: row index (-1 when not about a row), field, reason.
typedef struct {
    int64_t index;
    const char *field;
    const char *reason;
} sti_detail_t;

//  A decoded request; the strings point into the reader.
typedef struct {
    sti_reader_t *reader; // owns the message
    char op[STI_OP_MAX + 1];
    char id[STI_ID_MAX + 1];
    sti_node_t body; // MISSING if the request had none
    sti_node_t as;   // on whose behalf a gateway asks (sti_behalf.h), or MISSING
} sti_request_t;

//  A decoded reply.
typedef struct {
    sti_reader_t *reader;
    char id[STI_ID_MAX + 1];
    bool ok;
    sti_node_t body;    // when ok
    sti_errcode_t code; // when not ok
    char message[512];  // when not ok
    sti_node_t details; // when not ok: array of {index, field, reason}, or MISSING
} sti_reply_t;

//  Decodes a request. Returns 0, or -1 with a reason in err (the reader is freed).
int sti_request_decode(const void *data, size_t size, const sti_limits_t *limits,
                       sti_request_t *request, char *err, size_t errlen);
void sti_request_release(sti_request_t *request);
//  Reads only the id of a request from the first bytes of its envelope,
//  without decoding the rest (for the broker, which must answer a request it
//  never decodes): walks the top-level map's keys up to "id", skipping
//  string and scalar values (op, as every STI client writes {op, id, body}).
//  Returns 0 with the id in id (cap bytes, at least STI_ID_MAX + 1), or -1
//  when the bytes are no such map, a container or bin comes first, or the id
//  is not a string of at most STI_ID_MAX bytes of UTF-8 without NUL.
int sti_request_peek_id(const void *data, size_t size, char *id, size_t cap);

int sti_reply_decode(const void *data, size_t size, const sti_limits_t *limits, sti_reply_t *reply,
                     char *err, size_t errlen);
void sti_reply_release(sti_reply_t *reply);

//  Starts a request {op, id, body: ...}: the caller then writes exactly one
//  value, the body (sti_writer_nil for none).
void sti_envelope_request(sti_writer_t *writer, const char *op, const char *id);
//  Starts a successful reply {id, ok: true, body: ...}: the caller writes the body.
void sti_envelope_reply_ok(sti_writer_t *writer, const char *id);
//  Writes a whole error reply. details may be NULL when count is 0.
void sti_envelope_reply_error(sti_writer_t *writer, const char *id, sti_errcode_t code,
                              const char *message, const sti_detail_t *details, size_t count);
//  Starts an error reply whose details the caller writes: after this call,
//  write `count` maps with sti_envelope_detail().
void sti_envelope_reply_error_begin(sti_writer_t *writer, const char *id, sti_errcode_t code,
                                    const char *message, size_t count);
void sti_envelope_detail(sti_writer_t *writer, int64_t index, const char *field,
                         const char *reason);
//  Writes the invalid_argument reply to a field that broke a rule, in the
//  one wording every service answers with: message "FIELD: REASON" ("body"
//  when the field is empty) and one detail {index: -1, field, reason}.
//  Resets writer first.
void sti_envelope_reply_invalid(sti_writer_t *writer, const char *id, const sti_field_error_t *err);
