/*  indicators_approval: sign-off (数据审核) of an org unit's figures for a
    period: approval.approve, approval.reopen, approval.list
    (docs/signoff.md).

    An officer of a unit above (whose scope is an ancestor of the unit, or
    the whole plan) or an admin approves a unit's period, which locks it:
    sti-ingest refuses rows for it and value.withdraw refuses withdrawals,
    until an officer reopens it with a reason. An approval waits for the
    intake log to be applied (else `conflict`), so what is approved is what
    the values show. Each change is audited and is an event on `ind`
    (indicators_approval_store).
*/
#pragma once
#include "indicators_approval_store.h"
#include "sti_catalog_store.h"
#include "sti_service.h"

#define INDICATORS_APPROVAL_APPROVED_TYPE "approval.approved" // the approval's event type
#define INDICATORS_APPROVAL_REOPENED_TYPE "approval.reopened" // the reopen's event type

typedef struct _indicators_approval_ops_t indicators_approval_ops_t;

//  store and catalog are borrowed.
indicators_approval_ops_t *indicators_approval_ops_new(indicators_approval_store_t *store,
                                                       sti_catalog_store_t *catalog);
void indicators_approval_ops_destroy(indicators_approval_ops_t **self_p);

//  The ops, bound to an indicators_approval_ops_t.
extern const sti_op_table_t indicators_approval_ops;
