/*  Calling a declared op of sti-notify as the frame calls it, for the unit
    tests of the op modules: the body (JSON) is checked against the op's
    declaration first and a mistake answered as the frame answers it; then
    the handler runs on the module's object and the reply is decoded.
    Header only.

      notify_test_answer_t a;
      notify_test_call(&notify_rulebook_ops, rulebook, "rule.get", "{\"id\": \"r-1\"}", &a);
      assert_true(a.reply.ok);
      notify_test_answer_release(&a);
*/
#pragma once
#include <string.h>

#include "sti_json.h"
#include "sti_service.h"

//  What a call answered.
typedef struct {
    sti_writer_t *writer; // the reply envelope as written
    sti_reply_t reply;    // decoded
} notify_test_answer_t;

//  Calls op of table with body (JSON text; NULL: {}) on object, under the
//  request id given. Fills answer (release with notify_test_answer_release).
//  Fails the test when the op is not in the table, the handler fails or its
//  reply does not decode.
static inline void notify_test_call_as(const sti_op_table_t *table, void *object, const char *op,
                                       const char *request_id, const char *json,
                                       notify_test_answer_t *answer)
{
    const sti_op_decl_t *decl = table->ops;
    while (decl->name && strcmp(decl->name, op) != 0) {
        decl++;
    }
    assert_non_null(decl->name);
    char err[256];
    sti_writer_t *request_writer = sti_writer_new();
    sti_envelope_request(request_writer, op, request_id);
    const char *body = json ? json : "{}";
    assert_int_equal(sti_json_text_to_writer(body, strlen(body), request_writer, err, sizeof err),
                     0);
    size_t size;
    const void *data = sti_writer_data(request_writer, &size);
    sti_request_t request;
    assert_int_equal(sti_request_decode(data, size, NULL, &request, err, sizeof err), 0);
    sti_identity_t caller;
    sti_identity_local(&caller);
    answer->writer = sti_writer_new();
    sti_call_t call = {&request, answer->writer, &caller, NULL};
    sti_field_error_t field_err;
    if (sti_op_check(decl, request.body, &field_err) != 0) {
        sti_envelope_reply_invalid(answer->writer, request.id, &field_err);
    } else {
        assert_int_equal(decl->handler(object, &call), 0);
    }
    data = sti_writer_data(answer->writer, &size);
    assert_int_equal(sti_reply_decode(data, size, NULL, &answer->reply, err, sizeof err), 0);
    sti_request_release(&request);
    sti_writer_destroy(&request_writer);
}

//  As notify_test_call_as, under a request id of its own ("t-<n>").
static inline void notify_test_call(const sti_op_table_t *table, void *object, const char *op,
                                    const char *json, notify_test_answer_t *answer)
{
    static unsigned calls;
    char request_id[32];
    snprintf(request_id, sizeof request_id, "t-%u", ++calls);
    notify_test_call_as(table, object, op, request_id, json, answer);
}

static inline void notify_test_answer_release(notify_test_answer_t *answer)
{
    sti_reply_release(&answer->reply);
    sti_writer_destroy(&answer->writer);
}

//  The first detail's field of a refused answer ("" when none).
static inline const char *notify_test_field(notify_test_answer_t *answer, char *buf, size_t cap)
{
    sti_field_error_t err;
    buf[0] = 0;
    if (sti_node_size(answer->reply.details) > 0 &&
        sti_map_str_copy(sti_node_at(answer->reply.details, 0), "field", buf, cap, &err) != 0) {
        buf[0] = 0;
    }
    return buf;
}

//  A string of the answer's body ("" when absent).
static inline const char *notify_test_text(notify_test_answer_t *answer, const char *key, char *buf,
                                           size_t cap)
{
    sti_field_error_t err;
    buf[0] = 0;
    if (sti_map_str_copy(answer->reply.body, key, buf, cap, &err) != 0) {
        buf[0] = 0;
    }
    return buf;
}
