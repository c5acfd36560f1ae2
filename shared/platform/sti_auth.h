/*  sti_auth: who is calling, and what each role may do.

    The broker authenticates every peer with CURVE (see sti_curve.h and
    services/broker/broker_auth.c) and hands each request to the worker with
    an identity frame: a MessagePack map {name, role, key} (docs/protocol.md
    gives the bytes). This module encodes and decodes that frame, names the
    roles, and answers the one authorization question the service frame asks:
    may a caller of this role call an op that allows these roles?

    Roles are bits so an op's table entry can list several. An entry that
    lists none (a zero field) is the safest default: admin only. Admin may
    call everything, except an op marked STI_OP_LISTED_ONLY: only the roles
    it lists may call that one (talent.reveal is for officers, not for
    whoever runs the system). STI_OP_WRITE and STI_OP_LISTED_ONLY are not
    roles: STI_OP_WRITE marks an op whose calls count against the caller's
    write rate limit (sti_service), STI_OP_DRY_RUN one whose calls with
    `dry_run: true` change nothing and so do not.

    Role gateway is a key that acts for signed-in people (sti-gateway): its
    requests carry who they are for (the envelope's `as`, sti_behalf.h), and
    the service takes that person as the caller. No op lists the role, so a
    gateway key calls nothing as itself.
*/
#pragma once
#include <stdbool.h>
#include <stddef.h>

#define STI_ROLE_READER (1u << 0)  // every query
#define STI_ROLE_CLERK (1u << 1)   // submits observations, imports talents
#define STI_ROLE_OFFICER (1u << 2) // the whole talent registry, reveal included
#define STI_ROLE_ADMIN (1u << 3)   // catalog, org units, targets, rules, ...; and everything
#define STI_ROLE_SERVICE (1u << 4) // what services call on each other
#define STI_ROLE_GATEWAY (1u << 5) // acts on behalf of people (sti_behalf.h), never as itself
//  Queries: every authenticated role.
#define STI_ROLES_ANY                                                                              \
    (STI_ROLE_READER | STI_ROLE_CLERK | STI_ROLE_OFFICER | STI_ROLE_ADMIN | STI_ROLE_SERVICE)
#define STI_ROLES_MASK 0xffffu        // the bits that are roles
#define STI_OP_WRITE (1u << 16)       // flag: the op counts against the write rate limit
#define STI_OP_LISTED_ONLY (1u << 17) // flag: admin may not call it unless listed
//  Flags beside the roles: STI_OP_CHANGES: it changes stored state (as
//  STI_OP_WRITE does) without counting against the write rate;
//  STI_OP_DRY_RUN: a body with `dry_run: true` only checks, so it is not a
//  write (no write token, and it is answered while the dataset is lost).
#define STI_OP_CHANGES (1u << 18)
#define STI_OP_DRY_RUN (1u << 19)

#define STI_AUTH_NAME_MAX 64        // longest name, bytes
#define STI_AUTH_ROLE_MAX 16        // longest role name, bytes
#define STI_AUTH_KEY_LEN 40         // a CURVE public key in Z85
#define STI_AUTH_SCOPE_MAX 64       // longest org-unit scope, bytes (an org unit's code)
#define STI_AUTH_LOCAL_NAME "local" // the identity without CURVE
#define STI_AUTH_FRAME_MAX 512      // largest identity frame accepted, bytes

//  Who sent a request.
typedef struct {
    char name[STI_AUTH_NAME_MAX + 1];   // from the certificate's metadata ("local" without CURVE)
    char role[STI_AUTH_ROLE_MAX + 1];   // role name as the certificate says ("" when none)
    unsigned role_bit;                  // STI_ROLE_*, or 0 when the role is not one of ours
    char key[STI_AUTH_KEY_LEN + 1];     // the client's public key (Z85), "" without CURVE
    char scope[STI_AUTH_SCOPE_MAX + 1]; // the org unit its rights end at ("": the whole plan)
    char via[STI_AUTH_NAME_MAX + 1];    // the gateway acting for it ("": it called itself)
} sti_identity_t;

//  The bit of a role name, or 0 when it is not a role.
unsigned sti_role_parse(const char *name);
//  The name of one role bit ("reader", ...), or "none".
const char *sti_role_name(unsigned role_bit);
//  Parses a comma-separated list of role names into bits. Returns 0, or -1
//  naming the first word that is not a role in err.
int sti_roles_parse(const char *list, unsigned *roles, char *err, size_t errlen);

//  True when a caller of role_bit may call an op whose entry says allowed:
//  the roles in allowed (only admin when it has none) and admin always,
//  unless allowed has STI_OP_LISTED_ONLY (then only the roles listed).
bool sti_role_allowed(unsigned allowed, unsigned role_bit);

//  True when text is a usable name: 1..STI_AUTH_NAME_MAX bytes of UTF-8
//  without control characters.
bool sti_auth_name_valid(const char *text);

//  Fills an identity; a name that is not valid becomes the key (or "unnamed"),
//  a role that is not ours keeps its text (cut to size) with role_bit 0.
void sti_identity_set(sti_identity_t *identity, const char *name, const char *role,
                      const char *key);
//  The identity of every request without CURVE: local, admin.
void sti_identity_local(sti_identity_t *identity);

//  Encodes the identity frame. Returns a new buffer the caller frees and its
//  size in *size.
void *sti_identity_encode(const sti_identity_t *identity, size_t *size);
//  Decodes an identity frame (hostile input: bounded, type-checked). Returns
//  0, or -1 with a reason in err and *identity cleared (no role).
int sti_identity_decode(const void *data, size_t size, sti_identity_t *identity, char *err,
                        size_t errlen);
