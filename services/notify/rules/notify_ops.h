/*  notify_ops: the request ops of sti.notify.

      rule.add     RULE (notify_rule.h) -> {id}
      rule.list    {} -> {rules: [RULE]}            (secrets masked)
      rule.get     {id} -> RULE                      (not_found)
      rule.remove  {id} -> {removed}                 (not_found)
      silence.add  SILENCE (notify_silence.h) -> {id}
      silence.list {} -> {silences: [SILENCE]}
      silence.remove {id} -> {removed}               (not_found)
      delivery.list {failed?, rule?, limit?} -> {deliveries: [...]}
      delivery.retry {id} -> {id, requeued: true}    (not_found; conflict when not dead)

    A rule is checked in full before it is stored: its fields
    (notify_rule_read), and its indicator codes, prefix and org units
    against the catalog. Every refusal is invalid_argument with the field and
    the reason.
*/
#pragma once
#include "sti_service.h"

typedef struct _notify_ops_t notify_ops_t;

//  Borrows redis (the service's connection). Never NULL.
notify_ops_t *notify_ops_new(sti_redis_t *redis);
void notify_ops_destroy(notify_ops_t **self_p);

//  The op table (NULL-terminated); handlers take the notify_ops_t as ctx
//  through notify_ops_bind.
const sti_op_t *notify_ops_table(void);
//  Sets the instance the table's handlers use.
void notify_ops_bind(notify_ops_t *self);
