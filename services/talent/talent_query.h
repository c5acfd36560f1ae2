/*  talent_query: the reading ops of sti.talent: talent.search,
    talent.export, talent.stats, talent.audit, and events.since, the replay
    of the registry's event stream tal (docs/ops.md, section sti.talent).

    Search and export are one page at a time: talent_lookup_store finds the ids
    (in id order, after the cursor), then each record is read, masked and
    its read audited; a page whose reads cannot be audited is not answered.
    Stats hold no personal data (counts only) and say how many records are
    under an old key (talent_rekey).
*/
#pragma once
#include "sti_service.h"
#include "talent_lookup_store.h"
#include "talent_rekey.h"
#include "talent_store.h"

#define TALENT_PAGE_MAX 100    // most records one search page holds
#define TALENT_EXPORT_MAX 1000 // most records one export page holds

typedef struct _talent_query_t talent_query_t;

//  The reading ops on borrowed objects (they outlive them). Returns a new
//  object the caller destroys.
talent_query_t *talent_query_new(talent_store_t *store, talent_lookup_store_t *lookup,
                                 talent_rekey_t *rekey);
void talent_query_destroy(talent_query_t **self_p);

//  The ops, bound to a talent_query_t.
extern const sti_op_table_t talent_query_ops;
