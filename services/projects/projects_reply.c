/*  projects_reply: the answers the project ops share. See projects_reply.h. */
#include "projects_reply.h"

#include <assert.h>
#include <stdio.h>

void projects_reply_error(const sti_call_t *call, sti_errcode_t code, const char *message)
{
    assert(call && message);
    sti_writer_reset(call->reply);
    sti_envelope_reply_error(call->reply, call->request->id, code, message, NULL, 0);
}

void projects_reply_problems(const sti_call_t *call, const projects_problems_t *problems)
{
    assert(call && problems && problems->count > 0);
    char message[560];
    size_t size;
    const void *details = sti_writer_data(problems->details, &size);
    if (problems->count > 1) {
        snprintf(message, sizeof message, "%s (and %zu more, see details)", problems->message,
                 problems->count - 1);
    } else {
        snprintf(message, sizeof message, "%s", problems->message);
    }
    sti_writer_reset(call->reply);
    sti_envelope_reply_error_begin(call->reply, call->request->id, STI_ERR_INVALID_ARGUMENT,
                                   message, problems->count);
    sti_writer_raw(call->reply, details, size);
}

void projects_reply_store(const sti_call_t *call, projects_store_rc_t rc, const char *message)
{
    sti_errcode_t code = rc == PROJECTS_STORE_NOT_FOUND  ? STI_ERR_NOT_FOUND
                         : rc == PROJECTS_STORE_CONFLICT ? STI_ERR_CONFLICT
                                                         : STI_ERR_UNAVAILABLE;
    projects_reply_error(call, code, message);
}

void projects_reply_project(const sti_call_t *call, const projects_record_t *record,
                            const char *money_unit)
{
    sti_writer_reset(call->reply);
    sti_envelope_reply_ok(call->reply, call->request->id);
    projects_record_write(record, money_unit, call->reply);
}

const sti_catalog_t *projects_reply_catalog(const sti_call_t *call, sti_catalog_store_t *catalog)
{
    sti_errcode_t code = STI_ERR_INTERNAL;
    char err[300] = "";
    const sti_catalog_t *plan = sti_catalog_store_get(catalog, &code, err, sizeof err);
    if (!plan) {
        projects_reply_error(call, code, err);
    }
    return plan;
}

int projects_reply_code(const sti_call_t *call, sti_node_t body, const char *key,
                        char code[PROJECTS_CODE_MAX + 1])
{
    sti_field_error_t err = {"", ""};
    snprintf(err.field, sizeof err.field, "%s", key);
    if (sti_map_str_copy(body, key, code, PROJECTS_CODE_MAX + 1, &err) == 0 &&
        projects_code_valid(code)) {
        return 0;
    }
    if (!err.reason[0]) {
        snprintf(err.reason, sizeof err.reason,
                 "must be 1 to 64 of A-Z a-z 0-9 _ . -, starting with a letter or digit");
    }
    sti_writer_reset(call->reply);
    sti_envelope_reply_invalid(call->reply, call->request->id, &err);
    return -1;
}
