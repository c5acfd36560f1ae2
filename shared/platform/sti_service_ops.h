/*  sti_service_ops: the ops one service answers, and one request answered.

    The service's tables of declared ops (sti_op.h), each bound to the object
    its handlers get, plus the op every service has: `ops.describe`, the
    declarations as data ({service, ops: [...]}), which --describe-ops
    prints as JSON too.

    A request is answered in this order, and always with exactly one reply:
    decoded (a request that is not one decodable frame gets invalid_argument
    with the decoder's reason, and its id if that much could be read, else
    ""); its op found (else invalid_argument "unknown op X"); the person a
    gateway asks for taken as the caller (sti_behalf.h; refused as that
    says); the caller allowed (an op whose roles do not include the caller's role: forbidden,
    naming op and role; while the dataset is lost, an op that changes state:
    unavailable with the reason; an STI_OP_WRITE beyond the caller's write
    rate: rate_limited, with the wait in the message and as the detail
    {index: -1, field: "retry_after_ms", reason: N}); its body checked
    against the declaration (invalid_argument naming the key and the rule,
    sti_envelope_reply_invalid); then its handler run. A handler that fails,
    writes nothing, or writes no reply envelope is answered `internal`: a
    client could not read what it wrote either.

    The write rate is kept per process, per caller (the caller's key, or its
    name without CURVE), for at most STI_SERVICE_OPS_CALLERS callers.
    Not thread-safe: the service's loop owns it.
*/
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sti_dataset.h"
#include "sti_envelope.h"
#include "sti_op.h"

#define STI_SERVICE_OPS_CALLERS 10000 // callers whose write buckets are kept

typedef struct _sti_service_ops_t sti_service_ops_t;

//  What one request came to.
typedef struct {
    size_t row;              // the op's row; count: an unknown op; count + 1: malformed
    sti_errcode_t code;      // the reply's code (STI_ERR_NONE: ok)
    char id[STI_ID_MAX + 1]; // the request's id ("" when it could not be read)
} sti_service_answer_t;

//  The ops of service ("sti.ingest"): every op of tables (NULL-terminated,
//  or NULL), then ops.describe; routes (ended by a NULL op, or NULL) are the
//  HTTP routes ops.describe names. An op named twice, or a route that does
//  not fit a declared op, is a programming error.
sti_service_ops_t *sti_service_ops_new(const char *service, const sti_op_table_t *const *tables,
                                       const sti_op_route_t *routes);
void sti_service_ops_destroy(sti_service_ops_t **self_p);
//  Binds a table given to sti_service_ops_new to the object its handlers get
//  as self. Binding a table it was not given is a programming error.
void sti_service_ops_bind(sti_service_ops_t *self, const sti_op_table_t *table, void *object);
//  True when every table is bound.
bool sti_service_ops_bound(sti_service_ops_t *self);
//  Limits every caller's STI_OP_WRITE ops to rate a second, burst at once
//  (rate 0: no limit, the default).
void sti_service_ops_limit_writes(sti_service_ops_t *self, double rate, int64_t burst);
//  While dataset says data was lost, ops that change state are refused
//  (borrowed; NULL: never).
void sti_service_ops_guard(sti_service_ops_t *self, sti_dataset_watch_t *dataset);

//  Rows: one per op, then "_unknown" (count) and "_malformed" (count + 1).
size_t sti_service_ops_count(sti_service_ops_t *self);
//  The op's name, or "_unknown" / "_malformed" for the two rows after them.
const char *sti_service_ops_name(sti_service_ops_t *self, size_t row);
//  True when the op of row changes state (STI_OP_WRITE or STI_OP_CHANGES).
bool sti_service_ops_changes(sti_service_ops_t *self, size_t row);

//  Answers one request of frames frames, the first data/size (NULL, 0 when
//  none), from caller, for service: writes the reply envelope into reply
//  (reset first) and what it came to into *answer.
void sti_service_ops_answer(sti_service_ops_t *self, const void *data, size_t size, size_t frames,
                            const sti_identity_t *caller, struct _sti_service_t *service,
                            sti_writer_t *reply, sti_service_answer_t *answer);

//  Writes {service, ops: [...]}: every declared op, in table order, then
//  ops.describe.
void sti_service_ops_describe(sti_service_ops_t *self, sti_writer_t *writer);
//  Prints the same as JSON (pretty-printed, one newline after) on out.
void sti_service_ops_print(sti_service_ops_t *self, FILE *out);
