/*  talent_registry: the ops on talent records of sti.talent: talent.add,
    talent.get, talent.update, talent.leave, talent.remove, talent.import
    and talent.reveal (docs/ops.md, section sti.talent; docs/talent.md).

    The frame checks each body against the declaration (types, bounds,
    required keys) before a handler runs; a handler checks the content
    (check digits, codes of the plan, dates, versions) with talent_record's
    decoder, which reports every problem at once, and works on the store.
    A record may hold opened personal data while a handler runs; it is
    wiped before the handler returns. Personal data leaves only masked
    (talent_record_encode_masked), except through talent.reveal
    (talent_record_encode_revealed), whose read is audited with the
    caller's key and reason before anything is answered; every record read
    or changed is in its audit log.
*/
#pragma once
#include "sti_service.h"
#include "talent_store.h"

#define TALENT_IMPORT_MAX 1000 // most rows one import request holds

typedef struct _talent_registry_t talent_registry_t;

//  The record ops on a store (borrowed; outlives them). Returns a new
//  object the caller destroys.
talent_registry_t *talent_registry_new(talent_store_t *store);
void talent_registry_destroy(talent_registry_t **self_p);

//  The ops, bound to a talent_registry_t.
extern const sti_op_table_t talent_registry_ops;
