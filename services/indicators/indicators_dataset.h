/*  indicators_dataset: the ops over the dataset marker (docs/ops.md,
    docs/operations.md "When Redis loses data"): dataset.get shows what Redis
    holds and what this replica knows; dataset.accept_loss is the operator's
    decision to go on after a loss, with a reason. Both answer while the
    dataset is lost (they are how an operator gets out of that state).
*/
#pragma once
#include "sti_service.h"

//  {} -> {id, created, previous, reason, by, lost, why}
int indicators_dataset_get(sti_service_t *service, const sti_request_t *request, sti_writer_t *reply);
//  {reason} -> the new dataset, as dataset.get shows it
int indicators_dataset_accept(sti_service_t *service, const sti_request_t *request,
                       sti_writer_t *reply);
//  Makes the dataset when Redis holds none (the first plan load); the id
//  into id. Returns 0, or -1 after writing an `unavailable` reply.
int indicators_dataset_init(sti_service_t *service, const sti_request_t *request, sti_writer_t *reply,
                     char *id, size_t cap);
