/*  gateway_tokens: API tokens, the way machines sign in to sti-gateway
    (Authorization: Bearer sti_...).

    Ops of sti.gateway, admin only: token.new (a name, a role, an optional
    org-unit scope and lifetime; the token is answered once and only its
    digest is kept), token.list, token.revoke. A token's name is who the
    services see (as.user), like a user's.
*/
#pragma once
#include "gateway_config.h"
#include "gateway_store.h"
#include "sti_service.h"

typedef struct _gateway_tokens_t gateway_tokens_t;

extern const sti_op_table_t gateway_tokens_ops;

//  config and store are borrowed.
gateway_tokens_t *gateway_tokens_new(const gateway_config_t *config, gateway_store_t *store);
void gateway_tokens_destroy(gateway_tokens_t **self_p);
