/*  indicators_fields_store: the queries' reads of only the fields they
    need, across many value hashes at once (docs/keys.md): the values of
    some periods of each hash (HMGET), or which periods a hash holds
    (HKEYS, the names without the values).

    Every command of a read is sent before the first reply is read, so a
    read over every org unit and indicator of the plan is one round trip;
    the replies are then handed on one by one, so memory is bounded by one
    hash's reply, not by the whole read. Records are checked as
    indicators_store checks them (a record that does not decode is logged
    and read as absent). The keys are indicators_store's (its key
    functions); this module only reads. Functions that fail return -1 and
    leave the reason in indicators_store_errstr.
*/
#pragma once
#include <stddef.h>

#include "indicators_store.h"

typedef struct _indicators_fields_store_t indicators_fields_store_t;

//  values is borrowed: its keys and its connection. Never NULL.
indicators_fields_store_t *indicators_fields_store_new(indicators_store_t *values);
void indicators_fields_store_destroy(indicators_fields_store_t **self_p);

//  Called for every value asked, in order: asks[ask].periods[point] holds
//  record, or NULL when the hash has no such field, it does not decode
//  (logged) or its read failed. record is valid during the call.
typedef void(indicators_fields_value_fn)(void *arg, size_t ask, size_t point,
                                         const indicators_record_t *record);
//  Reads the periods of asks[0..count) (one HMGET each, all in one round
//  trip) and hands each value to fn, reply by reply. Returns 0, or -1 when
//  Redis failed (fn was still called for every value).
int indicators_fields_store_values(indicators_fields_store_t *self,
                                   const indicators_store_ask_t *asks, size_t count,
                                   indicators_fields_value_fn *fn, void *arg);
//  As indicators_fields_store_values, into table (which it does not
//  reset): the group of every ask, and a value of each period asked, loaded
//  (absent when Redis has none). Returns 0, or -1 when Redis failed.
int indicators_fields_store_table(indicators_fields_store_t *self, indicators_table_t *table,
                                  const indicators_store_ask_t *asks, size_t count);

//  Called with the periods the hash of asks[ask] holds (its fields that
//  are periods, at most INDICATORS_STORE_PERIODS_MAX, in Redis's order;
//  none when the read failed). The array is valid during the call.
typedef void(indicators_fields_periods_fn)(void *arg, size_t ask, const sti_period_t *periods,
                                           size_t count);
//  Reads which periods the hashes of asks[0..count) hold (HKEYS; the asks'
//  periods are not used), in one round trip, handing each to fn. Returns
//  0, or -1 when Redis failed (fn was still called for every ask).
int indicators_fields_store_periods(indicators_fields_store_t *self,
                                    const indicators_store_ask_t *asks, size_t count,
                                    indicators_fields_periods_fn *fn, void *arg);
