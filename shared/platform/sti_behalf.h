/*  sti_behalf: a request made on someone's behalf.

    sti-gateway signs people in and calls the services for them. Its key has
    role gateway (sti_auth.h), and each of its requests carries, next to op,
    id and body, the person it is for:

        as: {user: "alice", role: "clerk", scope: "donghu"}

    The service frame reads it (sti_behalf_resolve) before the op's role
    check: from a gateway key, the person becomes the caller (name = user,
    role, scope; key ""; via = the gateway key's name), so role checks,
    rate limits, submitters and audit entries name the person. From a key of
    any other role `as` is refused (forbidden): nobody else may speak for
    someone. Without CURVE (the identity local/admin, no key) `as` is taken
    too: every caller is admin there, and `as` can only lower that. A
    gateway key without `as` is refused too, for every op but one that lists
    role gateway itself (sti.gateway's session.open, the sign-in): a gateway
    calls nothing else as itself.

    scope is an org unit's code: the caller's rights end at that unit and
    what is under it (sti_scope.h says what "under" is; the services that
    write per org unit enforce it). "" or absent: the whole plan.

    What this does not do: it does not check that the person exists or that
    the gateway checked a password; a gateway key is trusted with that, as
    the broker trusts the allow-list. Keep gateway keys as secret as admin
    keys.
*/
#pragma once
#include "sti_auth.h"
#include "sti_codec.h"
#include "sti_envelope.h"

//  The person a gateway asks for, as it writes `as`.
typedef struct {
    const char *user;  // the person's name (sti_auth_name_valid)
    const char *role;  // reader, clerk, officer or admin
    const char *scope; // an org unit's code, or NULL / "" for the whole plan
} sti_behalf_t;

//  Who a request is answered for. peer: the identity the broker vouches for;
//  as: the request's `as` (MISSING when absent); op_roles: the roles of the
//  op asked for (STI_ROLE_* | STI_OP_* flags). Returns 0 with the caller in
//  *caller (a copy of peer, or the person `as` names), or -1 with *code
//  (forbidden, invalid_argument) and a message in err.
int sti_behalf_resolve(const sti_identity_t *peer, sti_node_t as, unsigned op_roles,
                       sti_identity_t *caller, sti_errcode_t *code, char *err, size_t errlen);

//  Starts a request {op, id, as: {...}, body: ...} for the person as names:
//  the caller then writes exactly one value, the body.
void sti_behalf_request(sti_writer_t *writer, const char *op, const char *id,
                        const sti_behalf_t *as);
