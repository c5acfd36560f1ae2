/*  notify_rulebook: the rule ops of sti.notify: rule.add, rule.list,
    rule.get, rule.remove.

    A rule is checked in full before it is stored: its shape by the frame
    against its declaration (notify_rule_args), the rest by notify_rule_read,
    and its indicator codes, prefix and org units against the catalog. Every
    refusal is invalid_argument with the field and the reason. An add is
    applied once per request id (notify_rule_store).
*/
#pragma once
#include "notify_rule_store.h"
#include "sti_catalog_store.h"
#include "sti_service.h"

typedef struct _notify_rulebook_t notify_rulebook_t;

//  The ops over store (rules and silences) and catalog (the indicator codes
//  and org units rules name), both borrowed. Never NULL.
notify_rulebook_t *notify_rulebook_new(notify_rule_store_t *store, sti_catalog_store_t *catalog);
void notify_rulebook_destroy(notify_rulebook_t **self_p);

//  The ops rule.*, bound to a notify_rulebook_t.
extern const sti_op_table_t notify_rulebook_ops;
