/*  indicators_receipts: whether each due report was received, kept between
    questions and kept current from the `ind` event log (docs/completeness.md,
    "The overdue list's reads").

    The overdue list must know of every report already due whether its
    unit reported a value; reading that again for every question reads
    every value hash of the plan. This module keeps what was read, per
    (indicator, org unit) hash and period, and before each question
    forgets only the hashes whose values changed since: every change of
    whether a unit reported a value is a revision with its event
    `indicator.changed` on the `ind` log, appended in the applier's Lua
    call with the write itself (indicators_apply.lua), whichever replica
    applied it, so the events after the last seq the receipts saw name
    every hash that may have changed. When the log cannot say — the
    stream's epoch changed, its seq went back (Redis lost writes), the log
    no longer holds the events (trimmed), an event is malformed, or more
    events than 4,096 came since — everything is forgotten and read
    again. What is kept is in memory only: a restarted service starts with
    nothing kept.

    A value read after the seq was taken may already hold a later change;
    its event comes after that seq and forgets it again at the next
    question, so what is kept is never newer than the log says without
    being read again. Functions that fail return -1 and leave the reason in
    indicators_store_errstr (or log it).
*/
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "indicators_store.h"

typedef struct _indicators_receipts_t indicators_receipts_t;

//  store is borrowed: its connection and keys. Never NULL.
indicators_receipts_t *indicators_receipts_new(indicators_store_t *store);
void indicators_receipts_destroy(indicators_receipts_t **self_p);

//  Brings what is kept up to date with the log: forgets the hashes whose
//  values changed since the last refresh, or everything when the log
//  cannot say. Returns 0, or -1 when Redis failed (nothing may be taken
//  from what is kept then; it is judged again at the next refresh).
int indicators_receipts_refresh(indicators_receipts_t *self);
//  Records that the values read since the refresh are as new as the
//  stream's seq now (for telling a Redis that went back). Returns 0, or -1
//  when Redis failed (the values read are then not to be kept).
int indicators_receipts_read_done(indicators_receipts_t *self);

//  What is kept of one report, in its hash's slots.
#define INDICATORS_RECEIPT_UNKNOWN 0  // not read (or forgotten)
#define INDICATORS_RECEIPT_MISSING 1  // read: nothing received
#define INDICATORS_RECEIPT_RECEIVED 2 // read: the unit reported a value
//  The slot of period in a hash's slots.
size_t indicators_receipts_slot(const sti_period_t *period);
//  The slots kept of the hash (indicator, org), one byte per slot, or NULL
//  when nothing of it is kept. Valid until the next refresh or keep.
const uint8_t *indicators_receipts_find(indicators_receipts_t *self,
                                        const sti_indicator_t *indicator,
                                        const sti_org_unit_t *org);
//  The slots of the hash (indicator, org) to keep what is read in, made
//  (every slot unknown) when none were kept. Never NULL; valid as above.
uint8_t *indicators_receipts_keep(indicators_receipts_t *self, const sti_indicator_t *indicator,
                                  const sti_org_unit_t *org);
