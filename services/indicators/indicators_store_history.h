/*  indicators_store_history: the revisions of values (series.get, the
    overdue list's received times), read through indicators_store's
    connection and key names. A value's revisions are its list
    <ns>:rev:<indicator>:<org>:<period>; a value with none keeps its only
    revision in its record (indicators_values.h), and that one is handed.
*/
#pragma once
#include <stddef.h>

#include "indicators_store.h"

typedef struct _indicators_store_history_t indicators_store_history_t;

//  store is borrowed: its connection and key names are used.
indicators_store_history_t *indicators_store_history_new(indicators_store_t *store);
void indicators_store_history_destroy(indicators_store_history_t **self_p);

//  Reads the latest revisions of table's values values[0..count), at most
//  INDICATORS_STORE_REVISIONS_MAX each (for a value with no list, the one
//  its record in the table keeps), and hands them to fn in that order (a
//  revision that does not decode is handed with its defaults). Returns 0,
//  or -1 when a read failed (fn was still called for every point).
int indicators_store_history_values(indicators_store_history_t *self, indicators_table_t *table,
                                    const int *values, size_t count,
                                    indicators_store_revisions_fn *fn, void *arg);
//  Reads the latest revisions of the values asks[i].periods[k], at most
//  INDICATORS_STORE_REVISIONS_MAX each, with each value's record (read
//  before its list), in one round trip, and hands them to fn in that order
//  (point counts the values across the asks). Returns 0, or -1 when a read
//  failed (fn was still called for every point).
int indicators_store_history_asks(indicators_store_history_t *self,
                                  const indicators_store_ask_t *asks, size_t count,
                                  indicators_store_revisions_fn *fn, void *arg);
