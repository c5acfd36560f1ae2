/*  talent_reply: what the talent ops (talent_registry, talent_query,
    talent_rekey, talent_team_registry) answer alike.

    Each writes the whole reply envelope into call->reply, resetting it
    first: a decoder's errors as invalid_argument details, a store result
    that is not OK as its error code, the codes or the error that there are
    none. The caller, as the audit log names it, comes from call->caller.
*/
#pragma once
#include "sti_service.h"
#include "talent_fields.h"
#include "talent_store.h"

//  The caller of the request being answered as the audit log names it (who:
//  its name, "unknown" when it has none; key: its public key, "" without
//  CURVE), for the request's op and id. Strings are borrowed from call.
talent_actor_t talent_reply_actor(const sti_call_t *call);
//  Writes invalid_argument with a decoder's errors as details (index -1).
void talent_reply_errors(const sti_call_t *call, const talent_errors_t *errors);
//  Writes the error of a store result that is not OK: not_found,
//  conflict (a duplicate names the record in a detail on id_number),
//  unavailable.
void talent_reply_store(const sti_call_t *call, talent_store_rc_t rc, const char *conflict_id,
                        const char *err);
//  Writes an error reply with code and message, no details.
void talent_reply_error(const sti_call_t *call, sti_errcode_t code, const char *message);
//  Reads body[key] as a registry id (1 to 32 of A-Z a-z 0-9 _ -) into id.
//  Returns 0, or -1 after writing invalid_argument.
int talent_reply_id(const sti_call_t *call, sti_node_t body, const char *key,
                    char id[TALENT_REGISTRY_ID_MAX + 1]);
//  The codes records are checked against (talent_store_codes). Returns
//  them, or NULL after writing the error (not_found: no plan loaded).
const talent_codes_t *talent_reply_codes(const sti_call_t *call, talent_store_t *store);
