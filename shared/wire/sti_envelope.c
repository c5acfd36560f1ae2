/*  sti_envelope: the request / reply envelope. See sti_envelope.h and
    docs/protocol.md, which gives the bytes.

    Decoding is strict about the envelope itself (required fields, their
    types and lengths, no unknown or repeated top-level keys) and leaves the
    body to the service. One exception keeps peers of different ages
    talking: a reply whose error code this build does not know decodes as
    STI_ERR_INTERNAL with the peer's message kept, so a newer service can add
    a code without breaking older clients.

    Encoding truncates texts to the limits the decoder enforces (at a UTF-8
    character boundary), so every reply this module writes decodes again.
*/
#include "sti_envelope.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

//  Longest error message, detail field and detail reason, bytes.
#define S_MESSAGE_MAX (sizeof(((sti_reply_t *)0)->message) - 1)
#define S_DETAIL_FIELD_MAX 256
#define S_DETAIL_REASON_MAX 1024

static const char *s_code_names[] = {
    "none",      "invalid_argument", "not_found", "conflict",     "unauthenticated",
    "forbidden", "unavailable",      "too_large", "rate_limited", "internal",
};

const char *sti_errcode_name(sti_errcode_t code)
{
    if ((size_t)code < sizeof s_code_names / sizeof s_code_names[0]) {
        return s_code_names[code];
    }
    return "internal";
}

int sti_errcode_parse(const char *name, sti_errcode_t *code)
{
    assert(code);
    for (int i = STI_ERR_INVALID_ARGUMENT; name && i <= STI_ERR_INTERNAL; i++) {
        if (strcmp(name, s_code_names[i]) == 0) {
            *code = (sti_errcode_t)i;
            return 0;
        }
    }
    return -1;
}

//  --- decoding ---

//  Writes "field: reason" (or the reason alone for the root) into err.
static int s_report(const sti_field_error_t *ferr, char *err, size_t errlen)
{
    if (err && errlen > 0) {
        if (ferr->field[0]) {
            snprintf(err, errlen, "%s: %s", ferr->field, ferr->reason);
        } else {
            snprintf(err, errlen, "%s", ferr->reason);
        }
    }
    return -1;
}

//  Opens the message and checks its root is a map of only the given keys.
//  Returns the reader, or NULL with a reason in err.
static sti_reader_t *s_open(const void *data, size_t size, const sti_limits_t *limits,
                            const char *const *keys, const char *what, char *err, size_t errlen)
{
    sti_reader_t *reader = sti_reader_new(data, size, limits, err, errlen);
    if (!reader) {
        return NULL;
    }
    sti_field_error_t ferr = {"", ""};
    if (sti_map_only(sti_reader_root(reader), keys, &ferr)) {
        if (!ferr.field[0]) {
            snprintf(ferr.field, sizeof ferr.field, "%s", what);
        }
        s_report(&ferr, err, errlen);
        sti_reader_destroy(&reader);
    }
    return reader;
}

//  An op is non-empty printable ASCII without spaces.
static int s_check_op(const char *op, sti_field_error_t *ferr)
{
    snprintf(ferr->field, sizeof ferr->field, "op");
    if (!op[0]) {
        snprintf(ferr->reason, sizeof ferr->reason, "must not be empty");
        return -1;
    }
    for (const char *p = op; *p; p++) {
        if (*p < 0x21 || *p > 0x7e) {
            snprintf(ferr->reason, sizeof ferr->reason, "must be printable ASCII without spaces");
            return -1;
        }
    }
    return 0;
}

int sti_request_decode(const void *data, size_t size, const sti_limits_t *limits,
                       sti_request_t *request, char *err, size_t errlen)
{
    assert(request);
    memset(request, 0, sizeof *request);
    static const char *const keys[] = {"op", "id", "as", "body", NULL};
    sti_reader_t *reader = s_open(data, size, limits, keys, "request", err, errlen);
    if (!reader) {
        return -1;
    }
    sti_node_t root = sti_reader_root(reader);
    sti_field_error_t ferr = {"", ""};
    if (sti_map_str_copy(root, "op", request->op, sizeof request->op, &ferr) ||
        s_check_op(request->op, &ferr) ||
        sti_map_str_copy(root, "id", request->id, sizeof request->id, &ferr)) {
        sti_reader_destroy(&reader);
        memset(request, 0, sizeof *request);
        return s_report(&ferr, err, errlen);
    }
    request->reader = reader;
    request->body = sti_node_get(root, "body");
    request->as = sti_node_get(root, "as");
    return 0;
}

void sti_request_release(sti_request_t *request)
{
    if (request) {
        sti_reader_destroy(&request->reader);
        request->body = (sti_node_t){NULL};
        request->as = (sti_node_t){NULL};
    }
}

//  Reads a big-endian unsigned of n bytes at *p (within end). Returns 0 or -1.
static int s_peek_uint(const uint8_t **p, const uint8_t *end, size_t n, uint64_t *out)
{
    if ((size_t)(end - *p) < n) {
        return -1;
    }
    *out = 0;
    for (size_t i = 0; i < n; i++) {
        *out = *out << 8 | (*p)[i];
    }
    *p += n;
    return 0;
}

//  Reads one value's header at *p: for a string, its length in *len and 0;
//  for a scalar, skips it and returns 1; anything else (or too few bytes) -1.
static int s_peek_value(const uint8_t **p, const uint8_t *end, uint64_t *len)
{
    if (*p >= end) {
        return -1;
    }
    uint8_t b = *(*p)++;
    if (b >= 0xa0 && b <= 0xbf) {
        *len = b & 0x1f;
        return 0;
    }
    if (b >= 0xd9 && b <= 0xdb) {
        return s_peek_uint(p, end, (size_t)1 << (b - 0xd9), len) == 0 ? 0 : -1;
    }
    if (b <= 0x7f || b >= 0xe0 || b == 0xc0 || b == 0xc2 || b == 0xc3) {
        return 1; // fixint, nil, bool: the byte was all of it
    }
    static const uint8_t sizes[] = {4, 8, 1, 2, 4, 8, 1, 2, 4, 8}; // 0xca..0xd3
    uint64_t skipped;
    if (b >= 0xca && b <= 0xd3 && s_peek_uint(p, end, sizes[b - 0xca], &skipped) == 0) {
        return 1;
    }
    return -1;
}

int sti_request_peek_id(const void *data, size_t size, char *id, size_t cap)
{
    assert(id && cap > STI_ID_MAX);
    const uint8_t *p = data, *end = p + (data ? size : 0);
    uint64_t pairs = 0;
    if (p >= end) {
        return -1;
    }
    uint8_t b = *p++;
    if (b >= 0x80 && b <= 0x8f) {
        pairs = b & 0x0f;
    } else if ((b != 0xde && b != 0xdf) || s_peek_uint(&p, end, b == 0xde ? 2 : 4, &pairs) != 0) {
        return -1;
    }
    for (uint64_t i = 0; i < pairs; i++) {
        uint64_t key_len, value_len;
        if (s_peek_value(&p, end, &key_len) != 0 || key_len > (uint64_t)(end - p)) {
            return -1;
        }
        bool is_id = key_len == 2 && memcmp(p, "id", 2) == 0;
        p += key_len;
        int kind = s_peek_value(&p, end, &value_len);
        if (kind < 0 || (kind == 0 && value_len > (uint64_t)(end - p))) {
            return -1;
        }
        if (is_id) {
            if (kind != 0 || value_len > STI_ID_MAX || memchr(p, 0, value_len) ||
                !sti_utf8_valid(p, value_len)) {
                return -1;
            }
            memcpy(id, p, value_len);
            id[value_len] = 0;
            return 0;
        }
        p += kind == 0 ? value_len : 0;
    }
    return -1;
}

//  Prefixes ferr->field with a path ("error", "error.details[3]"), cutting
//  the result to the field's size.
static void s_prefix_field(sti_field_error_t *ferr, const char *prefix)
{
    char full[sizeof ferr->field + 64];
    snprintf(full, sizeof full, "%s%s%s", prefix, ferr->field[0] ? "." : "", ferr->field);
    size_t n = strnlen(full, sizeof ferr->field - 1);
    memcpy(ferr->field, full, n);
    ferr->field[n] = 0;
}

//  Checks one detail {index, field, reason}. Returns 0 or -1 with ferr set.
static int s_check_detail(sti_node_t detail, size_t i, sti_field_error_t *ferr)
{
    static const char *const keys[] = {"index", "field", "reason", NULL};
    int64_t index;
    const char *text;
    size_t len;
    ferr->field[0] = 0;
    if (sti_map_only(detail, keys, ferr) || sti_map_int(detail, "index", &index, ferr) ||
        sti_map_str(detail, "field", S_DETAIL_FIELD_MAX, &text, &len, ferr) ||
        sti_map_str(detail, "reason", S_DETAIL_REASON_MAX, &text, &len, ferr)) {
        char prefix[48];
        snprintf(prefix, sizeof prefix, "error.details[%zu]", i);
        s_prefix_field(ferr, prefix);
        return -1;
    }
    return 0;
}

//  Reads the error map of a failed reply into reply. Returns 0 or -1 with ferr set.
static int s_decode_error(sti_node_t error, sti_reply_t *reply, sti_field_error_t *ferr)
{
    static const char *const keys[] = {"code", "message", "details", NULL};
    char code[64];
    ferr->field[0] = 0;
    if (sti_map_only(error, keys, ferr)) {
        s_prefix_field(ferr, "error");
        return -1;
    }
    if (sti_map_str_copy(error, "code", code, sizeof code, ferr) ||
        sti_map_str_copy(error, "message", reply->message, sizeof reply->message, ferr)) {
        s_prefix_field(ferr, "error");
        return -1;
    }
    if (sti_errcode_parse(code, &reply->code)) {
        reply->code = STI_ERR_INTERNAL; // a code from a newer peer
    }
    sti_node_t details = sti_node_get(error, "details");
    if (!sti_node_is_missing(details)) {
        if (sti_node_type(details) != STI_TYPE_ARRAY) {
            snprintf(ferr->field, sizeof ferr->field, "error.details");
            snprintf(ferr->reason, sizeof ferr->reason, "must be an array, got %s",
                     sti_type_name(sti_node_type(details)));
            return -1;
        }
        for (size_t i = 0; i < sti_node_size(details); i++) {
            if (s_check_detail(sti_node_at(details, i), i, ferr)) {
                return -1;
            }
        }
    }
    reply->details = details;
    return 0;
}

int sti_reply_decode(const void *data, size_t size, const sti_limits_t *limits, sti_reply_t *reply,
                     char *err, size_t errlen)
{
    assert(reply);
    memset(reply, 0, sizeof *reply);
    static const char *const keys[] = {"id", "ok", "body", "error", NULL};
    sti_reader_t *reader = s_open(data, size, limits, keys, "reply", err, errlen);
    if (!reader) {
        return -1;
    }
    sti_node_t root = sti_reader_root(reader);
    sti_field_error_t ferr = {"", ""};
    int rc = 0;
    if (sti_map_str_copy(root, "id", reply->id, sizeof reply->id, &ferr) ||
        sti_map_bool(root, "ok", &reply->ok, &ferr)) {
        rc = -1;
    } else if (reply->ok) {
        if (!sti_node_is_missing(sti_node_get(root, "error"))) {
            snprintf(ferr.field, sizeof ferr.field, "error");
            snprintf(ferr.reason, sizeof ferr.reason, "not allowed when ok is true");
            rc = -1;
        }
        reply->body = sti_node_get(root, "body");
    } else {
        if (!sti_node_is_missing(sti_node_get(root, "body"))) {
            snprintf(ferr.field, sizeof ferr.field, "body");
            snprintf(ferr.reason, sizeof ferr.reason, "not allowed when ok is false");
            rc = -1;
        } else {
            rc = s_decode_error(sti_node_get(root, "error"), reply, &ferr);
        }
    }
    if (rc) {
        sti_reader_destroy(&reader);
        memset(reply, 0, sizeof *reply);
        return s_report(&ferr, err, errlen);
    }
    reply->reader = reader;
    return 0;
}

void sti_reply_release(sti_reply_t *reply)
{
    if (reply) {
        sti_reader_destroy(&reply->reader);
        reply->body = (sti_node_t){NULL};
        reply->details = (sti_node_t){NULL};
    }
}

//  --- encoding ---

//  Length of the UTF-8 character at text (left bytes available), or 0 when
//  the bytes there are not one valid character.
static size_t s_char_len(const unsigned char *text, size_t left)
{
    size_t n = text[0] < 0x80 ? 1 : text[0] < 0xe0 ? 2 : text[0] < 0xf0 ? 3 : 4;
    return n <= left && sti_utf8_valid(text, n) ? n : 0;
}

//  Writes text cut to at most max bytes at a character boundary, each byte
//  that is not part of valid UTF-8 replaced by '?', so the decoder (which
//  refuses invalid UTF-8) always accepts what we send, whatever the caller
//  put into a message (an echoed row value, say).
static void s_write_text(sti_writer_t *writer, const char *text, size_t max)
{
    char clean[S_DETAIL_REASON_MAX];
    const unsigned char *in = (const unsigned char *)(text ? text : "");
    size_t left = strnlen((const char *)in, max + 3); // a character may cross max
    size_t n = 0;
    assert(max <= sizeof clean);
    while (left > 0) {
        size_t len = s_char_len(in, left);
        size_t out = len ? len : 1;
        if (n + out > max) {
            break;
        }
        if (len) {
            memcpy(clean + n, in, len);
        } else {
            clean[n] = '?';
        }
        n += out, in += out, left -= out;
    }
    sti_writer_strn(writer, clean, n);
}

void sti_envelope_request(sti_writer_t *writer, const char *op, const char *id)
{
    assert(writer && op && op[0] && strlen(op) <= STI_OP_MAX);
    assert(!id || strlen(id) <= STI_ID_MAX);
    sti_writer_map(writer, 3);
    sti_writer_kv_str(writer, "op", op);
    sti_writer_kv_str(writer, "id", id ? id : "");
    sti_writer_str(writer, "body");
}

void sti_envelope_reply_ok(sti_writer_t *writer, const char *id)
{
    assert(writer);
    sti_writer_map(writer, 3);
    sti_writer_str(writer, "id");
    s_write_text(writer, id, STI_ID_MAX);
    sti_writer_kv_bool(writer, "ok", true);
    sti_writer_str(writer, "body");
}

void sti_envelope_reply_error_begin(sti_writer_t *writer, const char *id, sti_errcode_t code,
                                    const char *message, size_t count)
{
    assert(writer);
    assert(code > STI_ERR_NONE && code <= STI_ERR_INTERNAL);
    sti_writer_map(writer, 3);
    sti_writer_str(writer, "id");
    s_write_text(writer, id, STI_ID_MAX);
    sti_writer_kv_bool(writer, "ok", false);
    sti_writer_str(writer, "error");
    sti_writer_map(writer, 3);
    sti_writer_kv_str(writer, "code", sti_errcode_name(code));
    sti_writer_str(writer, "message");
    s_write_text(writer, message, S_MESSAGE_MAX);
    sti_writer_str(writer, "details");
    sti_writer_array(writer, count);
}

void sti_envelope_detail(sti_writer_t *writer, int64_t index, const char *field, const char *reason)
{
    assert(writer);
    sti_writer_map(writer, 3);
    sti_writer_kv_int(writer, "index", index);
    sti_writer_str(writer, "field");
    s_write_text(writer, field, S_DETAIL_FIELD_MAX);
    sti_writer_str(writer, "reason");
    s_write_text(writer, reason, S_DETAIL_REASON_MAX);
}

void sti_envelope_reply_error(sti_writer_t *writer, const char *id, sti_errcode_t code,
                              const char *message, const sti_detail_t *details, size_t count)
{
    assert(details || count == 0);
    sti_envelope_reply_error_begin(writer, id, code, message, count);
    for (size_t i = 0; i < count; i++) {
        sti_envelope_detail(writer, details[i].index, details[i].field, details[i].reason);
    }
}

void sti_envelope_reply_invalid(sti_writer_t *writer, const char *id, const sti_field_error_t *err)
{
    assert(writer && id && err);
    char message[256];
    snprintf(message, sizeof message, "%s: %s", *err->field ? err->field : "body", err->reason);
    sti_detail_t detail = {-1, err->field, err->reason};
    sti_writer_reset(writer);
    sti_envelope_reply_error(writer, id, STI_ERR_INVALID_ARGUMENT, message, &detail, 1);
}
