/*  indicators_duties: the ops over reporting duties: org.set_type,
    duty.assign, duty.set, duty.rule, duty.list (docs/ops.md is made from
    their declarations here; docs/completeness.md says what they mean).

    A unit type is assigned the indicators its units report by default; a
    unit adds or drops indicators of its own and names its responsible
    contact; an admin may give an indicator another calendar than the
    catalog's. Every change is checked against the catalog first (an
    unknown indicator, org unit or type is refused naming it, with one
    detail per bad element), written in one step with its `duty.changed`
    event (who, what, the values: the audit), and changes nothing when the
    values are there already, so a retried request applies once.
*/
#pragma once
#include "indicators_duty_store.h"
#include "sti_catalog_store.h"
#include "sti_service.h"

typedef struct _indicators_duties_t indicators_duties_t;

#define INDICATORS_DUTY_EVENT_TYPE "duty.changed" // the changes' event type

//  Both borrowed.
indicators_duties_t *indicators_duties_new(sti_catalog_store_t *catalog,
                                           indicators_duty_store_t *store);
void indicators_duties_destroy(indicators_duties_t **self_p);

//  The ops, bound to an indicators_duties_t.
extern const sti_op_table_t indicators_duties_ops;
