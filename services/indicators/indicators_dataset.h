/*  indicators_dataset: the ops over the dataset marker (docs/ops.md is made
    from their declarations here; docs/operations.md "When Redis loses
    data"): dataset.get shows what Redis holds and what this replica knows;
    dataset.accept_loss is the operator's decision to go on after a loss,
    with a reason. Both answer while the dataset is lost (they are how an
    operator gets out of that state). The first plan load makes the dataset
    (indicators_dataset_init).
*/
#pragma once
#include "sti_dataset.h"
#include "sti_service.h"

typedef struct _indicators_dataset_t indicators_dataset_t;

//  Both borrowed: the service's Redis and what it knows of the dataset
//  (sti_service_dataset).
indicators_dataset_t *indicators_dataset_new(sti_redis_t *redis, sti_dataset_watch_t *watch);
void indicators_dataset_destroy(indicators_dataset_t **self_p);

//  The ops, bound to an indicators_dataset_t.
extern const sti_op_table_t indicators_dataset_ops;

//  Makes the dataset when Redis holds none (the first plan load, by the
//  caller of call); its id into id. Returns 0, or -1 after writing an
//  `unavailable` reply.
int indicators_dataset_init(indicators_dataset_t *self, const sti_call_t *call, char *id,
                            size_t cap);
