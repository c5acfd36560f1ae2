/*  indicators_outlook: the op forecast.report (docs/ops.md is made from its
    declaration here): every indicator's forecast at the plan's end, per
    org unit (indicators_forecast computes each).

    It reads the values through indicators_store and never writes.
*/
#pragma once
#include "indicators_store.h"
#include "sti_catalog_store.h"
#include "sti_service.h"

typedef struct _indicators_outlook_t indicators_outlook_t;

//  All arguments are borrowed.
indicators_outlook_t *indicators_outlook_new(indicators_store_t *store,
                                             sti_catalog_store_t *catalog);
void indicators_outlook_destroy(indicators_outlook_t **self_p);

//  The op forecast.report, bound to an indicators_outlook_t.
extern const sti_op_table_t indicators_outlook_ops;
