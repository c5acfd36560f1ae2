/*  projects_reply: what the project ops (projects_registry, projects_query)
    answer alike.

    Each writes the whole reply envelope into call->reply, resetting it
    first: an error with a message, the problems of a body as
    invalid_argument details, a project in its FULL form, the catalog or
    the error that there is none.
*/
#pragma once
#include "projects_input.h"
#include "projects_record.h"
#include "projects_store.h"
#include "sti_catalog_store.h"
#include "sti_service.h"

//  An error reply with code and message, no details.
void projects_reply_error(const sti_call_t *call, sti_errcode_t code, const char *message);
//  invalid_argument: the first problem as the message (with "and N more"
//  when there are more), every problem a detail.
void projects_reply_problems(const sti_call_t *call, const projects_problems_t *problems);
//  The error of a store result that is not OK: not_found, conflict, or
//  unavailable (FAILED), with message.
void projects_reply_store(const sti_call_t *call, projects_store_rc_t rc, const char *message);
//  ok with the project's FULL form (projects_record.h).
void projects_reply_project(const sti_call_t *call, const projects_record_t *record,
                            const char *money_unit);
//  The plan's catalog, or NULL after writing the error (not_found while
//  no plan is loaded, unavailable when Redis fails).
const sti_catalog_t *projects_reply_catalog(const sti_call_t *call, sti_catalog_store_t *catalog);
//  Reads body[key] as a project code into code. Returns 0, or -1 after
//  writing invalid_argument.
int projects_reply_code(const sti_call_t *call, sti_node_t body, const char *key,
                        char code[PROJECTS_CODE_MAX + 1]);
