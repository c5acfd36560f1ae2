/*  talent_rekey: the registry moved to its current key. See talent_rekey.h.

    A call walks the ids after its cursor in slices of S_SLICE records (the
    store returns the ones under a held old key), re-keys them one by one,
    and stops when it has re-keyed its limit, looked at S_WALK_MAX records,
    or reached the end. Each record is read, re-sealed here, and written
    only when it is still what was read; when it changed, it is read again
    (a change seals under the current key already, so the second look
    usually finds nothing to do). Opened document numbers live in
    libsodium's guarded memory and are wiped at once.
*/
#include "talent_rekey.h"

#include <assert.h>
#include <czmq.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sti_log.h"
#include "talent_at_rest.h"
#include "talent_reply.h"

#define S_SLICE 500      // records one slice looks at
#define S_WALK_MAX 20000 // records one re-key call looks at, at most
#define S_ATTEMPTS 3     // reads of a record that keeps changing under a re-key
#define S_GAUGE_MS 60000 // how often the tick counts again

struct _talent_rekey_t {
    talent_store_t *store;       // borrowed: the keyring
    talent_rekey_store_t *keys;  // borrowed
    sti_metric_t *old_gauge;     // records under an old key (NULL without metrics)
    sti_metric_t *unknown_gauge; // records under a key not held (NULL without metrics)
    int64_t counted_at;          // zclock_mono of the last count, 0: never
};

//  What happened to one record.
typedef enum { S_DONE, S_SKIPPED, S_CONFLICT, S_DAMAGED, S_FAILED } s_outcome_t;

talent_rekey_t *talent_rekey_new(talent_store_t *store, talent_rekey_store_t *keys,
                                 sti_http_t *http)
{
    assert(store && keys);
    talent_rekey_t *self = (talent_rekey_t *)calloc(1, sizeof *self);
    assert(self);
    self->store = store;
    self->keys = keys;
    if (http) {
        self->old_gauge = sti_http_gauge(http, "sti_talent_records_old_key", NULL,
                                         "talent records with a value under another key than the "
                                         "current one (0: old keys may go)");
        self->unknown_gauge = sti_http_gauge(http, "sti_talent_records_unknown_key", NULL,
                                             "talent records under a key this process does not "
                                             "hold (unreadable until it is loaded)");
    }
    return self;
}

void talent_rekey_destroy(talent_rekey_t **self_p)
{
    assert(self_p);
    free(*self_p);
    *self_p = NULL;
}

int talent_rekey_count(talent_rekey_t *self, talent_rekey_count_t *count, char *err, size_t errlen)
{
    assert(self && count);
    memset(count, 0, sizeof *count);
    int64_t cursor = 0, none = 0;
    while (cursor >= 0) {
        if (talent_rekey_store_slice(self->keys, &cursor, S_SLICE, 0, count, NULL, &none, err,
                                     errlen) != 0) {
            return -1;
        }
    }
    self->counted_at = zclock_mono();
    if (self->old_gauge) {
        sti_metric_set(self->old_gauge, count->old);
        sti_metric_set(self->unknown_gauge, count->unknown);
    }
    return 0;
}

void talent_rekey_tick(talent_rekey_t *self)
{
    assert(self);
    if (self->counted_at && zclock_mono() - self->counted_at < S_GAUGE_MS) {
        return;
    }
    talent_rekey_count_t count;
    char err[256];
    if (talent_rekey_count(self, &count, err, sizeof err) != 0) {
        self->counted_at = zclock_mono(); // try again in a minute, not every tick
        sti_warn("talent: the records under old keys cannot be counted: %s", err);
    }
}

//  True when a value of the record names another key than the current one.
static bool s_is_old(const talent_crypto_t *crypto, const talent_rekey_read_t *read)
{
    char current[3];
    snprintf(current, sizeof current, "%02x", talent_crypto_key_id(crypto));
    bool old = !read->hash || strncmp(read->hash, current, 2) != 0;
    for (int f = 0; f < TALENT_SEALED_FIELDS; f++) {
        old = old || (read->sealed[f] &&
                      talent_crypto_needs_rotation(crypto, read->sealed[f], read->len[f]));
    }
    return old;
}

//  Re-seals the values of record id and hashes its document under the
//  current key into made. Returns 0, or -1 with err (a value does not open).
static int s_reseal(const talent_crypto_t *crypto, const char *id, const talent_rekey_read_t *read,
                    talent_sealed_t *made, char *err, size_t errlen)
{
    memset(made, 0, sizeof *made);
    if (!read->id_type || !read->sealed[0]) {
        snprintf(err, errlen, "the stored record is damaged");
        return -1;
    }
    for (int f = 0; f < TALENT_SEALED_FIELDS; f++) {
        if (read->sealed[f] && !(made->value[f] = talent_crypto_reseal(
                                     crypto, id, talent_at_rest_fields[f], read->sealed[f],
                                     read->len[f], &made->len[f], err, errlen))) {
            talent_at_rest_sealed_free(made);
            return -1;
        }
    }
    char *number = talent_crypto_open(crypto, id, talent_at_rest_fields[0], read->sealed[0],
                                      read->len[0], NULL, err, errlen);
    if (!number) {
        talent_at_rest_sealed_free(made);
        return -1;
    }
    talent_crypto_hash(crypto, read->id_type, number, made->hash);
    talent_crypto_free_plain(&number);
    return 0;
}

//  Re-keys record id once: read, re-seal, write. *stale is set when it
//  changed since it was read.
static s_outcome_t s_attempt(talent_rekey_t *self, const char *id, const talent_actor_t *actor,
                             bool *stale, char *err, size_t errlen)
{
    const talent_crypto_t *crypto = talent_store_crypto(self->store);
    talent_rekey_read_t read;
    *stale = false;
    if (talent_rekey_store_read(self->keys, id, &read, err, errlen) != 0) {
        return S_FAILED;
    }
    s_outcome_t outcome = S_SKIPPED; // erased, or re-keyed by a change or another replica
    talent_sealed_t made;
    char other[TALENT_REGISTRY_ID_MAX + 1];
    if (!read.version || !s_is_old(crypto, &read)) {
        outcome = S_SKIPPED;
    } else if (s_reseal(crypto, id, &read, &made, err, errlen) != 0) {
        sti_error("talent: %s cannot be re-keyed: %s", id, err);
        outcome = S_DAMAGED;
    } else {
        talent_store_rc_t rc =
            talent_rekey_store_write(self->keys, id, &read, &made, actor, other, err, errlen);
        talent_at_rest_sealed_free(&made);
        *stale = rc == TALENT_STORE_STALE;
        outcome = rc == TALENT_STORE_OK          ? S_DONE
                  : rc == TALENT_STORE_NOT_FOUND ? S_SKIPPED
                  : rc == TALENT_STORE_FAILED    ? S_FAILED
                                                 : S_CONFLICT;
        if (rc == TALENT_STORE_DUPLICATE) {
            sti_warn("talent: %s cannot be re-keyed: its document is registered as %s too", id,
                     other[0] ? other : "another record");
        }
    }
    talent_rekey_store_free(&read);
    return outcome;
}

//  Re-keys record id (read again when it changed under us). Returns the outcome.
static s_outcome_t s_rekey_one(talent_rekey_t *self, const char *id, const talent_actor_t *actor,
                               char *err, size_t errlen)
{
    for (int attempt = 0; attempt < S_ATTEMPTS; attempt++) {
        bool stale;
        s_outcome_t outcome = s_attempt(self, id, actor, &stale, err, errlen);
        if (!stale) {
            return outcome;
        }
    }
    sti_warn("talent: %s changed under %d re-keys in a row; left for the next pass", id,
             S_ATTEMPTS);
    return S_CONFLICT;
}

int talent_rekey_run(talent_rekey_t *self, int64_t cursor, int64_t limit,
                     const talent_actor_t *actor, talent_rekey_result_t *result, char *err,
                     size_t errlen)
{
    assert(self && actor && result);
    assert(limit >= 1 && limit <= TALENT_REKEY_LIMIT_MAX);
    memset(result, 0, sizeof *result);
    char(*ids)[TALENT_REGISTRY_ID_MAX + 1] = calloc((size_t)limit, sizeof *ids);
    assert(ids);
    int64_t walked = 0, done = 0;
    int rc = 0;
    while (rc == 0 && cursor >= 0 && done < limit && walked < S_WALK_MAX) {
        int64_t found = 0;
        talent_rekey_count_t unused = {0, 0};
        rc = talent_rekey_store_slice(self->keys, &cursor, S_SLICE, limit - done, &unused, ids,
                                      &found, err, errlen);
        walked += S_SLICE;
        for (int64_t i = 0; rc == 0 && i < found; i++) {
            s_outcome_t outcome = s_rekey_one(self, ids[i], actor, err, errlen);
            result->rekeyed += outcome == S_DONE;
            result->conflicts += outcome == S_CONFLICT;
            result->failed += outcome == S_DAMAGED;
            rc = outcome == S_FAILED ? -1 : 0;
            done++;
        }
    }
    free(ids);
    result->next = cursor < 0 ? 0 : cursor;
    if (rc == 0 && result->rekeyed > 0) {
        sti_info("talent: %" PRId64 " records re-keyed to key %u by %s", result->rekeyed,
                 talent_crypto_key_id(talent_store_crypto(self->store)), actor->who);
    }
    return rc;
}

//  talent.rekey: a batch, then the counts over the whole registry.
static int s_talent_rekey(void *object, const sti_call_t *call)
{
    talent_rekey_t *self = (talent_rekey_t *)object;
    sti_node_t body = call->request->body;
    int64_t cursor = 0, limit = TALENT_REKEY_LIMIT_DEFAULT;
    sti_field_error_t fe;
    if (!sti_node_is_missing(sti_node_get(body, "cursor"))) {
        sti_map_int(body, "cursor", &cursor, &fe);
    }
    if (!sti_node_is_missing(sti_node_get(body, "limit"))) {
        sti_map_int(body, "limit", &limit, &fe);
    }
    talent_actor_t actor = talent_reply_actor(call);
    actor.key = NULL; // a change's audit entry names who, as every change's does
    talent_rekey_result_t result;
    talent_rekey_count_t count;
    char err[512] = "";
    if (talent_rekey_run(self, cursor, limit, &actor, &result, err, sizeof err) != 0 ||
        talent_rekey_count(self, &count, err, sizeof err) != 0) {
        talent_reply_error(call, STI_ERR_UNAVAILABLE, err);
        return 0;
    }
    sti_writer_t *reply = call->reply;
    sti_writer_reset(reply);
    sti_envelope_reply_ok(reply, call->request->id);
    sti_writer_map(reply, 7);
    sti_writer_kv_int(reply, "rekeyed", result.rekeyed);
    sti_writer_kv_int(reply, "conflicts", result.conflicts);
    sti_writer_kv_int(reply, "failed", result.failed);
    sti_writer_kv_int(reply, "remaining", count.old);
    sti_writer_kv_int(reply, "unknown_key", count.unknown);
    sti_writer_kv_int(reply, "current_key", talent_crypto_key_id(talent_store_crypto(self->store)));
    sti_writer_str(reply, "next");
    if (result.next > 0) {
        sti_writer_int(reply, result.next);
    } else {
        sti_writer_nil(reply);
    }
    return 0;
}

static const sti_arg_t s_rekey_args[] = {
    {"cursor", STI_ARG_INT, STI_OPTIONAL, 0, INT64_MAX, NULL,
     "the next of a previous answer (0: from the start)"},
    {"limit", STI_ARG_INT, STI_OPTIONAL, 1, TALENT_REKEY_LIMIT_MAX, NULL,
     "records to re-key at most (default 100)"},
    STI_ARGS_END,
};

static const sti_op_decl_t s_ops[] = {
    {"talent.rekey", s_talent_rekey, STI_OP_WRITE, s_rekey_args,
     "moves up to limit records under an old key the service holds to the current key",
     "{rekeyed, conflicts, failed, remaining, unknown_key, current_key, next}",
     "The records after `cursor` are re-sealed under the current key with their "
     "duplicate-index entry moved in the same step (version unchanged, an audit entry "
     "`talent.rekey` each, no event). `remaining` counts the records still under another key "
     "over the whole registry, `unknown_key` those under a key not loaded; `conflicts` are "
     "records left because their document's new hash names another record or they kept "
     "changing, `failed` records whose sealed value does not open; `next` is nil when the walk "
     "reached the end. Admin only (the operator's part of a key rotation), a write for the rate "
     "limit (each call rewrites up to a thousand records); safe to retry and to run from two "
     "replicas at once (docs/talent.md, \"Rotation\"). Errors: `forbidden` (any role but "
     "admin), `invalid_argument` (`limit`, `cursor`), `rate_limited`, `unavailable`."},
    STI_OPS_END,
};

const sti_op_table_t talent_rekey_ops = {"talent_rekey", s_ops};
