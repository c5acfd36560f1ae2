/*  notify_silencing: the silence ops of sti.notify: silence.add,
    silence.list, silence.remove.

    A silence's shape is checked by the frame against its declaration
    (notify_silence_args), the rest by notify_silence_read; its end must lie
    in the future and the rule it names must exist. An add is applied once
    per request id (notify_rule_store).
*/
#pragma once
#include "notify_rule_store.h"
#include "sti_service.h"

typedef struct _notify_silencing_t notify_silencing_t;

//  The ops over store (rules and silences, borrowed). Never NULL.
notify_silencing_t *notify_silencing_new(notify_rule_store_t *store);
void notify_silencing_destroy(notify_silencing_t **self_p);

//  The ops silence.*, bound to a notify_silencing_t.
extern const sti_op_table_t notify_silencing_ops;
