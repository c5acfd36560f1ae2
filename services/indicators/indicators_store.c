/*  indicators_store: the values in Redis. See the header.

    The applier's read of a batch is one pipelined round trip: HGETALL for
    a hash progress reads whole, one HMGET of its planned periods for every
    other hash (values of one hash are many in a batch). Its write is one
    EVALSHA of indicators_apply.lua, whose KEYS and ARGV (layout in the
    script's header) are built in reused vectors (indicators_store_args), ordered
    so that each of the script's commands takes a run of ARGV as it is: per
    hash its fields, the bytes read and the (field, new bytes) pairs, per
    revision list its revisions; the window's events go as batch entries
    packed here (sti_events_pack), so the script does nothing per event.
    The script answers {1, first, last, epoch, prev of each topic...}, from
    which sti_events_pack_prevs works out each event's prev, {0, hash} for
    a conflict or {2, why} for a refusal of the event stream's guard.
    Snapshot pages are read by indicators_store_snapshot; the revisions of
    values, by indicators_store_history.
*/
#include "indicators_store.h"

#include <assert.h>
#include <czmq.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "indicators_store_args.h"
#include "indicators_store_snapshot.h"
#include "sti_events_pack.h"
#include "sti_log.h"
#include "sti_plan_text.h"
#include "sti_lua_indicators_core.h"
#include "sti_lua_sti.h"

#define S_KEY_MAX 256                       // bytes of one key name
#define S_MEMBER_MAX (2 * STI_CODE_MAX + 2) // bytes of "<indicator>:<org>"
#define S_FIXED_KEYS 6 // the script's log, seq, prev, intake, value index, epoch

struct _indicators_store_t {
    sti_redis_t *redis;                      // borrowed
    sti_script_t *script;                    // events_append.lua + indicators_apply.lua
    char group[128];                         // the intake group the script acknowledges in
    int64_t events_maxlen;                   // bound of the event log
    char fixed[S_FIXED_KEYS - 1][S_KEY_MAX]; // the script's fixed keys but the epoch's
    indicators_store_args_t keys;            // the script's KEYS
    indicators_store_args_t head;            // the script's ARGV: its counts
    indicators_store_args_t args;            // the script's ARGV: the rest
    indicators_store_args_t reads;           // one HMGET being built
    sti_writer_t *record;                    // one value record being encoded
    size_t *number;                          // value v's changes end at by_value[number[v]]
    size_t number_cap;                       // entries of number
    size_t *by_value;                        // the window's changes by value
    size_t by_value_cap;                     // entries of by_value
    sti_events_pack_t *pack;                 // the window's events, packed
    int *order;                              // values read one by one, by hash
    size_t order_cap;                        // entries of order
    size_t *count;                           // per hash: where its values end in order
    size_t count_cap;                        // entries of count
    uint64_t *prevs;                         // prev of each event of the last write
    size_t prevs_cap;                        // entries of prevs
    indicators_store_snapshot_t *snapshot;   // snapshot pages
};

//  --- the key families ---

//  The member of a value hash in <ns>:vals, and its name's tail: "<indicator>:<org>".
static char *s_member(const sti_indicator_t *indicator, const sti_org_unit_t *org, char *buf,
                      size_t cap)
{
    size_t len = sti_text_copy(buf, cap, indicator->code);
    len += sti_text_copy(buf + len, cap - len, ":");
    sti_text_copy(buf + len, cap - len, org->code);
    return buf;
}

//  <ns>:val:<member>: the hash of the values of member (s_member).
static char *s_value_key(indicators_store_t *self, char *buf, const char *member)
{
    return sti_redis_key(self->redis, buf, S_KEY_MAX, "val", member, NULL);
}

char *indicators_store_value_key(indicators_store_t *self, const sti_indicator_t *indicator,
                                 const sti_org_unit_t *org, char *buf, size_t cap)
{
    assert(self && indicator && org && buf && cap >= S_KEY_MAX);
    char member[S_MEMBER_MAX];
    return s_value_key(self, buf, s_member(indicator, org, member, sizeof member));
}

//  <ns>:rev:<indicator>:<org>:<period>: the revisions of one value.
static char *s_revision_key_of(indicators_store_t *self, char *buf,
                               const sti_indicator_t *indicator, const sti_org_unit_t *org,
                               const char *period)
{
    return sti_redis_key(self->redis, buf, S_KEY_MAX, "rev", indicator->code, org->code, period,
                         NULL);
}

char *indicators_store_revision_key(indicators_store_t *self, const sti_indicator_t *indicator,
                                    const sti_org_unit_t *org, const char *period, char *buf,
                                    size_t cap)
{
    assert(self && indicator && org && period && buf && cap >= S_KEY_MAX);
    return s_revision_key_of(self, buf, indicator, org, period);
}

//  The revisions' key of a value of a table.
static char *s_revision_key(indicators_store_t *self, char *buf, const indicators_value_t *value)
{
    return s_revision_key_of(self, buf, value->indicator, value->org, value->period_text);
}

//  <ns>:vals: the index of every value hash.
static char *s_index_key(indicators_store_t *self, char *buf)
{
    return sti_redis_key(self->redis, buf, S_KEY_MAX, "vals", NULL);
}

//  <ns>:events:ind[:<part>]: the keys of the `ind` event stream (sti_events'
//  family; its script needs them by name).
static char *s_events_key(indicators_store_t *self, char *buf, const char *part)
{
    return sti_redis_key(self->redis, buf, S_KEY_MAX, "events", "ind", part, NULL);
}

//  --- life cycle ---

indicators_store_t *indicators_store_new(sti_redis_t *redis, const char *intake, const char *group,
                                         int64_t events_maxlen)
{
    assert(redis && intake && group);
    indicators_store_t *self = (indicators_store_t *)calloc(1, sizeof *self);
    assert(self);
    self->redis = redis;
    self->events_maxlen = events_maxlen;
    snprintf(self->group, sizeof self->group, "%s", group);
    char *source = zsys_sprintf("%s%s", sti_lua_events_append, sti_lua_indicators_apply);
    assert(source);
    self->script = sti_redis_script(redis, source);
    zstr_free(&source);
    s_events_key(self, self->fixed[0], NULL);
    s_events_key(self, self->fixed[1], "seq");
    s_events_key(self, self->fixed[2], "prev");
    snprintf(self->fixed[3], S_KEY_MAX, "%s", intake);
    s_index_key(self, self->fixed[4]);
    self->record = sti_writer_new();
    self->pack = sti_events_pack_new();
    self->snapshot = indicators_store_snapshot_new(redis);
    return self;
}

void indicators_store_destroy(indicators_store_t **self_p)
{
    assert(self_p);
    indicators_store_t *self = *self_p;
    if (self) {
        indicators_store_snapshot_destroy(&self->snapshot);
        indicators_store_args_free(&self->keys);
        indicators_store_args_free(&self->head);
        indicators_store_args_free(&self->args);
        sti_events_pack_destroy(&self->pack);
        free(self->by_value);
        indicators_store_args_free(&self->reads);
        sti_writer_destroy(&self->record);
        free(self->number);
        free(self->order);
        free(self->count);
        free(self->prevs);
        free(self);
        *self_p = NULL;
    }
}

const char *indicators_store_errstr(indicators_store_t *self)
{
    assert(self);
    return sti_redis_errstr(self->redis);
}

sti_redis_t *indicators_store_redis(indicators_store_t *self)
{
    assert(self);
    return self->redis;
}

const char *indicators_store_intake_key(indicators_store_t *self)
{
    assert(self);
    return self->fixed[3];
}

const char *indicators_store_group(indicators_store_t *self)
{
    assert(self);
    return self->group;
}

//  --- reading hashes ---

//  Loads up to max periods of an HGETALL reply of hash (indicator, org)
//  into table.
static void s_load_hash(indicators_table_t *table, const sti_indicator_t *indicator,
                        const sti_org_unit_t *org, const redisReply *reply, size_t max)
{
    indicators_table_group(table, indicator, org);
    size_t loaded = 0;
    for (size_t i = 0;
         reply && reply->type == REDIS_REPLY_ARRAY && i + 1 < reply->elements && loaded < max;
         i += 2) {
        const redisReply *field = reply->element[i], *data = reply->element[i + 1];
        sti_period_t period;
        char err[128];
        if (field->type != REDIS_REPLY_STRING || data->type != REDIS_REPLY_STRING ||
            sti_period_parse(field->str, field->len, &period, err, sizeof err)) {
            continue;
        }
        int at = indicators_table_value(table, indicator, org, &period);
        if (indicators_table_load(table, at, data->str, data->len, err, sizeof err)) {
            sti_warn("value %s/%s/%.*s: %s", indicator->code, org->code, (int)field->len,
                     field->str, err);
        }
        loaded++;
    }
}

int indicators_store_read_hashes(indicators_store_t *self, indicators_table_t *table,
                                 const sti_indicator_t *const *indicators, size_t count,
                                 const sti_org_unit_t *org)
{
    assert(self && table && (indicators || count == 0) && org);
    char key[S_KEY_MAX], member[S_MEMBER_MAX];
    for (size_t i = 0; i < count; i++) {
        s_value_key(self, key, s_member(indicators[i], org, member, sizeof member));
        sti_redis_appendf(self->redis, "HGETALL %s", key);
    }
    bool failed = false;
    for (size_t i = 0; i < count; i++) {
        redisReply *hash = sti_redis_reply(self->redis);
        failed = failed || !hash || hash->type != REDIS_REPLY_ARRAY;
        s_load_hash(table, indicators[i], org, failed ? NULL : hash, INDICATORS_STORE_PERIODS_MAX);
        if (hash) {
            freeReplyObject(hash);
        }
    }
    return failed ? -1 : 0;
}

//  --- snapshot pages ---

int indicators_store_snapshot(indicators_store_t *self, const char *after, int64_t limit,
                              indicators_snapshot_page_t *page)
{
    assert(self);
    return indicators_store_snapshot_page(self->snapshot, after, limit, page);
}

//  --- the applier's read ---

//  Orders the values that are read one by one by their hash, in self->order,
//  and counts them per group in self->count. Returns the number ordered.
static size_t s_order_values(indicators_store_t *self, indicators_table_t *table)
{
    size_t groups = indicators_table_group_count(table);
    size_t values = indicators_table_value_count(table);
    if (self->order_cap < values || self->count_cap < groups + 1) {
        self->order_cap = values * 2 + 16;
        self->count_cap = groups * 2 + 16;
        self->order = (int *)realloc(self->order, self->order_cap * sizeof *self->order);
        self->count = (size_t *)realloc(self->count, self->count_cap * sizeof *self->count);
        assert(self->order && self->count);
    }
    memset(self->count, 0, (groups + 1) * sizeof *self->count);
    for (size_t v = 0; v < values; v++) {
        const indicators_value_t *value = indicators_table_value_at(table, (int)v);
        if (!indicators_table_group_at(table, value->group)->full) {
            self->count[value->group + 1]++;
        }
    }
    for (size_t g = 0; g < groups; g++) {
        self->count[g + 1] += self->count[g]; // count[g]: where group g starts
    }
    size_t ordered = self->count[groups];
    for (size_t v = 0; v < values; v++) {
        const indicators_value_t *value = indicators_table_value_at(table, (int)v);
        if (!indicators_table_group_at(table, value->group)->full) {
            self->order[self->count[value->group]++] = (int)v;
        }
    }
    //  count[g] is now where group g ends.
    return ordered;
}

//  Sends HGETALL for every hash read whole, and one HMGET of its values for
//  every other hash. Returns the number of commands sent.
static size_t s_send_reads(indicators_store_t *self, indicators_table_t *table)
{
    size_t groups = indicators_table_group_count(table);
    char key[S_KEY_MAX], member[S_MEMBER_MAX];
    size_t sent = 0;
    s_order_values(self, table);
    for (size_t g = 0; g < groups; g++) {
        indicators_group_t *group = indicators_table_group_at(table, (int)g);
        s_value_key(self, key, s_member(group->indicator, group->org, member, sizeof member));
        if (group->full) {
            sti_redis_appendf(self->redis, "HGETALL %s", key);
            sent++;
            continue;
        }
        size_t start = g ? self->count[g - 1] : 0, end = self->count[g];
        if (start == end) {
            continue;
        }
        indicators_store_args_reset(&self->reads);
        indicators_store_args_str(&self->reads, "HMGET");
        indicators_store_args_str(&self->reads, key);
        for (size_t k = start; k < end; k++) {
            indicators_store_args_str(
                &self->reads, indicators_table_value_at(table, self->order[k])->period_text);
        }
        indicators_store_args_finish(&self->reads);
        sti_redis_append(self->redis, (int)self->reads.count, self->reads.argv, self->reads.lens);
        sent++;
    }
    return sent;
}

//  Loads one HMGET element into value v. Returns 0, or -1 for a failed read.
static int s_load_value(indicators_table_t *table, size_t v, const redisReply *reply)
{
    if (!reply || (reply->type != REDIS_REPLY_STRING && reply->type != REDIS_REPLY_NIL)) {
        return -1;
    }
    char err[128];
    bool found = reply->type == REDIS_REPLY_STRING;
    if (indicators_table_load(table, (int)v, found ? reply->str : NULL, found ? reply->len : 0, err,
                              sizeof err)) {
        const indicators_value_t *value = indicators_table_value_at(table, (int)v);
        sti_warn("value %s/%s/%s: %s", value->indicator->code, value->org->code, value->period_text,
                 err);
    }
    return 0;
}

//  Takes the reply of the GET of the catalog's version sent before the
//  reads. Returns 0 when it is version, 1 when not, -1 when Redis failed.
static int s_version_differs(indicators_store_t *self, uint64_t version)
{
    redisReply *reply = sti_redis_reply(self->redis);
    int rc = !reply || reply->type == REDIS_REPLY_ERROR ? -1 : 1;
    if (reply && reply->type == REDIS_REPLY_STRING && strtoull(reply->str, NULL, 10) == version) {
        rc = 0;
    }
    if (reply) {
        freeReplyObject(reply);
    }
    return rc;
}

int indicators_store_read_batch(indicators_store_t *self, indicators_batch_t *batch,
                                const char *version_key, uint64_t version)
{
    assert(self && batch);
    indicators_table_t *table = indicators_batch_table(batch);
    //  Counted before the replies add the periods of whole hashes.
    size_t groups = indicators_table_group_count(table);
    if (version_key) {
        sti_redis_appendf(self->redis, "GET %s", version_key);
    }
    size_t sent = s_send_reads(self, table);
    int rc = version_key ? s_version_differs(self, version) : 0;
    bool stale = rc != 0; // the replies are taken off the connection, not loaded
    for (size_t g = 0; g < groups && sent > 0; g++) {
        const indicators_group_t *group = indicators_table_group_at(table, (int)g);
        size_t start = g ? self->count[g - 1] : 0, end = self->count[g];
        if (!group->full && start == end) {
            continue;
        }
        redisReply *reply = sti_redis_reply(self->redis);
        sent--;
        if (stale) {
            rc = reply ? rc : -1;
        } else if (reply && reply->type == REDIS_REPLY_ARRAY && group->full) {
            s_load_hash(table, group->indicator, group->org, reply, SIZE_MAX);
        } else if (reply && reply->type == REDIS_REPLY_ARRAY && reply->elements == end - start) {
            for (size_t k = start; k < end; k++) {
                rc = s_load_value(table, (size_t)self->order[k], reply->element[k - start]) ? -1
                                                                                            : rc;
            }
        } else {
            rc = -1;
        }
        if (reply) {
            freeReplyObject(reply);
        }
    }
    return rc;
}

//  --- the applier's write ---

//  Adds the arguments of hash g's affected values: m, p, the index member,
//  the m fields, the m bytes read, the p (field, new bytes) pairs. Returns
//  false (nothing added) when the hash has no affected value.
static bool s_args_hash(indicators_store_t *self, indicators_table_t *table, int g)
{
    indicators_group_t *group = indicators_table_group_at(table, g);
    int64_t m = 0, p = 0;
    bool index = false;
    for (int v = group->head; v >= 0; v = indicators_table_value_at(table, v)->next_in_hash) {
        const indicators_value_t *value = indicators_table_value_at(table, v);
        size_t size;
        m += value->affected ? 1 : 0;
        p += value->affected && value->dirty ? 1 : 0;
        //  A hash new to Redis joins the value index once per batch.
        index =
            index || (value->affected && value->dirty && !indicators_table_raw(table, v, &size));
    }
    if (m == 0) {
        return false;
    }
    char key[S_KEY_MAX], member[S_MEMBER_MAX];
    s_member(group->indicator, group->org, member, sizeof member);
    indicators_store_args_str(&self->keys, s_value_key(self, key, member));
    indicators_store_args_int(&self->args, m);
    indicators_store_args_int(&self->args, p);
    indicators_store_args_str(&self->args, index && !group->indexed ? member : "");
    group->indexed = group->indexed || index;
    //  Pass 0: the fields; 1: the bytes read; 2: the (field, new bytes) pairs.
    for (int pass = 0; pass < 3; pass++) {
        for (int v = group->head; v >= 0; v = indicators_table_value_at(table, v)->next_in_hash) {
            indicators_value_t *value = indicators_table_value_at(table, v);
            size_t size;
            const void *raw = indicators_table_raw(table, v, &size);
            if (!value->affected || (pass == 2 && !value->dirty)) {
                continue;
            }
            if (pass != 1) {
                indicators_store_args_str(&self->args, value->period_text);
            }
            if (pass == 1) {
                indicators_store_args_push(&self->args, raw, raw ? size : 0);
            } else if (pass == 2) {
                sti_writer_reset(self->record);
                indicators_record_encode(&value->record, self->record);
                const void *bytes = sti_writer_data(self->record, &size);
                indicators_store_args_push(&self->args, bytes, size);
            }
        }
    }
    return true;
}

//  Adds the revision value v's record kept when it was read: it goes to
//  the list before the window's, now that there is more than one.
static void s_args_first(indicators_store_t *self, indicators_table_t *table, int v)
{
    size_t size;
    const void *raw = indicators_table_raw(table, v, &size);
    indicators_record_t read;
    indicators_revision_t first;
    char err[128];
    int rc = indicators_record_decode(raw, size, &read, err, sizeof err);
    assert(rc == 0 && read.has_first); // first_read: it decoded so when loaded
    indicators_record_first(&read, &first);
    sti_writer_reset(self->record);
    indicators_revision_encode(&first, self->record);
    const void *bytes = sti_writer_data(self->record, &size);
    indicators_store_args_push(&self->args, bytes, size);
}

//  Adds each changed value's revisions of the window, in order: a key and
//  (count, revisions...) per value, the revision a record kept first; a
//  value whose only revision goes into its record has none. Returns the
//  number of values.
static int64_t s_args_revisions(indicators_store_t *self, indicators_batch_t *batch)
{
    indicators_table_t *table = indicators_batch_table(batch);
    size_t values = indicators_table_value_count(table);
    size_t changes = indicators_batch_change_count(batch);
    if (self->number_cap < values + 1 || self->by_value_cap < changes) {
        self->number_cap = values * 2 + 16;
        self->by_value_cap = changes * 2 + 16;
        self->number = (size_t *)realloc(self->number, self->number_cap * sizeof *self->number);
        self->by_value =
            (size_t *)realloc(self->by_value, self->by_value_cap * sizeof *self->by_value);
        assert(self->number && self->by_value);
    }
    //  A counting sort of the changes by value: once filled, by_value holds
    //  them by value, and value v's end at number[v].
    memset(self->number, 0, (values + 1) * sizeof *self->number);
    for (size_t c = 0; c < changes; c++) {
        self->number[indicators_batch_change_at(batch, c)->value + 1]++;
    }
    for (size_t v = 0; v < values; v++) {
        self->number[v + 1] += self->number[v];
    }
    for (size_t c = 0; c < changes; c++) {
        self->by_value[self->number[indicators_batch_change_at(batch, c)->value]++] = c;
    }
    const char *bytes = indicators_batch_bytes(batch);
    char key[S_KEY_MAX];
    int64_t revised = 0;
    for (size_t v = 0, at = 0; v < values; v++) {
        const indicators_value_t *value = indicators_table_value_at(table, (int)v);
        if (self->number[v] == at || value->record.has_first) {
            at = self->number[v]; // none, or its only one is in the record
            continue;
        }
        indicators_store_args_str(&self->keys, s_revision_key(self, key, value));
        indicators_store_args_int(&self->args,
                                  (int64_t)(self->number[v] - at) + (value->first_read ? 1 : 0));
        if (value->first_read) {
            s_args_first(self, table, (int)v);
        }
        for (; at < self->number[v]; at++) {
            const indicators_change_t *change =
                indicators_batch_change_at(batch, self->by_value[at]);
            indicators_store_args_push(&self->args, bytes + change->revision_off,
                                       change->revision_len);
        }
        revised++;
    }
    return revised;
}

//  Packs the window's events, in order: each change's and its extras.
static void s_pack_events(indicators_store_t *self, indicators_batch_t *batch, const char *time)
{
    const char *bytes = indicators_batch_bytes(batch);
    const char *texts = indicators_batch_texts(batch);
    sti_events_pack_reset(self->pack);
    for (size_t c = 0; c < indicators_batch_change_count(batch); c++) {
        const indicators_change_t *change = indicators_batch_change_at(batch, c);
        sti_event_t event = {
            .topic = (char *)texts + change->topic_off,
            .type = (char *)INDICATORS_EVENT_TYPE,
            .source = (char *)INDICATORS_EVENT_SOURCE,
            .subject = (char *)texts + change->subject_off,
            .time = (char *)time,
            .data = (void *)(bytes + change->event_off),
            .data_size = change->event_len,
        };
        sti_events_pack_add(self->pack, &event);
        for (size_t x = change->extra_from; x < change->extra_from + change->extra_count; x++) {
            const indicators_extra_t *extra = indicators_batch_extra_at(batch, x);
            event.type = (char *)extra->type;
            event.subject = (char *)texts + extra->subject_off;
            event.data = (void *)(bytes + extra->off);
            event.data_size = extra->len;
            sti_events_pack_add(self->pack, &event);
        }
    }
    sti_events_pack_finish(self->pack);
}

//  Adds the events' arguments: per topic (topic, index of its last event),
//  per entry (events, topics started, packed events).
static void s_args_events(indicators_store_t *self)
{
    for (size_t t = 0; t < sti_events_pack_topic_count(self->pack); t++) {
        size_t last;
        indicators_store_args_str(&self->args, sti_events_pack_topic(self->pack, t, &last));
        indicators_store_args_int(&self->args, (int64_t)last);
    }
    for (size_t e = 0; e < sti_events_pack_entry_count(self->pack); e++) {
        size_t size, events, topics;
        const void *packed = sti_events_pack_entry(self->pack, e, &size, &events, &topics);
        indicators_store_args_int(&self->args, (int64_t)events);
        indicators_store_args_int(&self->args, (int64_t)topics);
        indicators_store_args_push(&self->args, packed, size);
    }
}

//  Builds KEYS and ARGV of indicators_apply.lua for the computed window,
//  acknowledging entries [ack_from, ack_to) (layout in the script's header).
static void s_build_args(indicators_store_t *self, indicators_batch_t *batch, size_t ack_from,
                         size_t ack_to, sti_events_pub_t *pub, const char *time)
{
    indicators_store_args_reset(&self->keys);
    indicators_store_args_reset(&self->head);
    indicators_store_args_reset(&self->args);
    for (int i = 0; i < S_FIXED_KEYS - 1; i++) {
        indicators_store_args_str(&self->keys, self->fixed[i]);
    }
    indicators_store_args_str(&self->keys, sti_events_pub_epoch_key(pub));
    s_pack_events(self, batch, time);
    indicators_table_t *table = indicators_batch_table(batch);
    int64_t hashes = 0;
    for (size_t g = 0; g < indicators_table_group_count(table); g++) {
        hashes += s_args_hash(self, table, (int)g) ? 1 : 0;
    }
    int64_t revised = s_args_revisions(self, batch);
    s_args_events(self);
    for (size_t e = ack_from; e < ack_to; e++) {
        indicators_store_args_str(&self->args, indicators_batch_entry_at(batch, e)->id);
    }
    //  The head, now that the counts are known.
    char floor[24];
    const char *epoch;
    sti_events_pub_floor(pub, floor, sizeof floor, &epoch);
    indicators_store_args_str(&self->head, self->group);
    int64_t counts[] = {self->events_maxlen,
                        hashes,
                        revised,
                        (int64_t)sti_events_pack_topic_count(self->pack),
                        (int64_t)sti_events_pack_entry_count(self->pack),
                        (int64_t)sti_events_pack_count(self->pack),
                        (int64_t)(ack_to - ack_from)};
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        indicators_store_args_int(&self->head, counts[i]);
    }
    indicators_store_args_str(&self->head, floor);
    indicators_store_args_str(&self->head, epoch);
    indicators_store_args_finish(&self->keys);
    indicators_store_args_finish(&self->head);
    indicators_store_args_finish(&self->args);
}

//  Keeps the prevs of the reply {1, first, last, epoch, prev of each
//  topic...} as each event's prev. Returns them, or NULL when the reply
//  does not hold one per topic.
static const uint64_t *s_keep_prevs(indicators_store_t *self, const redisReply *reply,
                                    uint64_t first, uint64_t last)
{
    size_t n = last >= first && first > 0 ? (size_t)(last - first + 1) : 0;
    size_t topics = sti_events_pack_topic_count(self->pack);
    if (n == 0 || n != sti_events_pack_count(self->pack) || reply->elements != 4 + topics) {
        return NULL;
    }
    if (self->prevs_cap < n + topics) {
        self->prevs_cap = (n + topics) * 2;
        self->prevs = (uint64_t *)realloc(self->prevs, self->prevs_cap * sizeof *self->prevs);
        assert(self->prevs);
    }
    uint64_t *topic_prevs = self->prevs + n;
    for (size_t t = 0; t < topics; t++) {
        const redisReply *prev = reply->element[4 + t];
        if (prev->type != REDIS_REPLY_INTEGER || prev->integer < 0 ||
            (uint64_t)prev->integer >= first) {
            return NULL;
        }
        topic_prevs[t] = (uint64_t)prev->integer;
    }
    sti_events_pack_prevs(self->pack, first, topic_prevs, self->prevs);
    return self->prevs;
}

//  Reads the script's reply into out.
static void s_written(indicators_store_t *self, const redisReply *reply, indicators_written_t *out)
{
    const redisReply *head = reply && reply->type == REDIS_REPLY_ARRAY && reply->elements >= 2 &&
                                     reply->element[0]->type == REDIS_REPLY_INTEGER
                                 ? reply->element[0]
                                 : NULL;
    if (head && head->integer == 2 && reply->elements == 2 &&
        reply->element[1]->type == REDIS_REPLY_STRING) {
        out->outcome = INDICATORS_WRITE_REFUSED;
        snprintf(out->why, sizeof out->why, "%s", reply->element[1]->str);
    } else if (head && head->integer != 1) {
        out->outcome = INDICATORS_WRITE_CONFLICT;
    } else if (head && reply->elements >= 4 && reply->element[1]->type == REDIS_REPLY_INTEGER &&
               reply->element[2]->type == REDIS_REPLY_INTEGER &&
               reply->element[3]->type == REDIS_REPLY_STRING &&
               reply->element[3]->len <= STI_EVENTS_EPOCH_MAX) {
        out->outcome = INDICATORS_WRITE_DONE;
        out->first = (uint64_t)reply->element[1]->integer;
        out->last = (uint64_t)reply->element[2]->integer;
        out->prevs = s_keep_prevs(self, reply, out->first, out->last);
        snprintf(out->epoch, sizeof out->epoch, "%s", reply->element[3]->str);
    } else if (head) {
        sti_error("indicators_apply.lua: malformed reply");
    } else {
        sti_error("indicators_apply.lua failed: %s", reply && reply->type == REDIS_REPLY_ERROR
                                                         ? reply->str
                                                         : sti_redis_errstr(self->redis));
    }
}

void indicators_store_write(indicators_store_t *self, indicators_batch_t *batch, size_t ack_from,
                            size_t ack_to, sti_events_pub_t *pub, const char *time,
                            indicators_written_t *out)
{
    assert(self && batch && ack_from <= ack_to && pub && time && out);
    memset(out, 0, sizeof *out);
    out->outcome = INDICATORS_WRITE_FAILED;
    s_build_args(self, batch, ack_from, ack_to, pub, time);
    const indicators_store_args_t *parts[] = {&self->keys, &self->head, &self->args};
    size_t total = 0;
    for (size_t i = 0; i < 3; i++) {
        total += parts[i]->count;
    }
    const char **argv = (const char **)malloc(total * sizeof *argv);
    size_t *lens = (size_t *)malloc(total * sizeof *lens);
    assert(argv && lens);
    for (size_t i = 0, at = 0; i < 3; at += parts[i]->count, i++) {
        memcpy(argv + at, parts[i]->argv, parts[i]->count * sizeof *argv);
        memcpy(lens + at, parts[i]->lens, parts[i]->count * sizeof *lens);
    }
    size_t nkeys = self->keys.count;
    redisReply *reply =
        sti_redis_eval(self->redis, self->script, (int)nkeys, (int)(total - nkeys), argv, lens);
    free(argv);
    free(lens);
    s_written(self, reply, out);
    if (reply) {
        freeReplyObject(reply);
    }
}
