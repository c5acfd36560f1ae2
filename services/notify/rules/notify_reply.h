/*  notify_reply: the answers sti.notify's ops share, worded once.

    Each writes the whole reply envelope into call->reply (reset first) and
    returns 0, so a handler can end with `return notify_reply_...(call, ...)`.
*/
#pragma once
#include "notify_rule_store.h"
#include "sti_service.h"

//  unavailable: a store call failed ("Redis cannot be reached now; try again").
int notify_reply_unavailable(const sti_call_t *call);
//  not_found: "no <what> <id>" ("no rule r-7").
int notify_reply_not_found(const sti_call_t *call, const char *what, const char *id);
//  invalid_argument for one field, as the frame words a body's mistake.
int notify_reply_invalid(const sti_call_t *call, const char *field, const char *reason);
//  ok with the body {id}.
int notify_reply_id(const sti_call_t *call, const char *id);
//  The audit entry of a change made by call (op: "rule.add", ...): the
//  caller, who is the person when the gateway acts for one (borrowed from call).
notify_audit_t notify_reply_audit(const sti_call_t *call, const char *op);
