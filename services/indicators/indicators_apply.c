/*  indicators_apply: the consumer of the intake log. See the header.

    One batch: the entries are decoded into the batch (indicators_batch), the
    closure is planned, every value it needs is read in one pipelined round
    trip (HGETALL for hashes progress reads whole, one HMGET per hash for the
    rest), the
    rows are applied in memory, and one EVALSHA of indicators_apply.lua
    writes everything, appends the events and acknowledges the entries. The
    script compares what it finds with the bytes read; on a difference it
    refuses the batch and the applier starts over (at most S_ATTEMPTS times;
    after that the entries stay pending and are taken up again later). The
    script returns the prev of every event it logged, so the events are
    published from what the applier built, without reading the log back.

    The argument vectors of the script and their bytes are reused from batch
    to batch.
*/
#include "indicators_apply.h"

#include <assert.h>
#include <czmq.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sti_intake.h"
#include "sti_log.h"
#include "sti_lua_indicators_core.h"
#include "sti_lua_sti.h"

#define S_ATTEMPTS 5         // tries of one batch against concurrent replicas
#define S_KEY_MAX 256        // bytes of one key name
#define S_FIXED_KEYS 6       // log, seq, prev, intake, value index, epoch
#define S_PENDING_EVERY 1000 // ms between refreshes of the pending gauge
#define S_SOURCE "sti-indicators" // the events' CloudEvents source

//  A vector of byte strings (script arguments), reused.
typedef struct {
    char *bytes;       // every string, one after another
    size_t len;        // bytes in use
    size_t cap;        // bytes allocated
    size_t *offs;      // where each string starts
    size_t *lens;      // its length
    const char **argv; // pointers, made by s_args_finish
    size_t count;      // strings in use
    size_t slots;      // strings allocated
} s_args_t;

struct _ind_apply_t {
    sti_redis_t *redis;                  // borrowed
    sti_redis_t *blocking;               // second connection for the blocking read, or NULL
    bool armed;                          // a blocking XREADGROUP is in flight on it
    sti_catalog_store_t *catalog;        // borrowed
    sti_events_pub_t *pub;               // borrowed
    bool (*replicated)(void *arg);       // the window reached the replicas, or NULL
    void *replicated_arg;                // its argument
    char epoch[STI_EVENTS_EPOCH_MAX + 1]; // the stream's epoch the last script returned
    const indicators_apply_config_t *config;    // borrowed
    sti_script_t *script;                // events_append.lua + indicators_apply.lua
    sti_script_t *forget;                // indicators_forget.lua
    indicators_batch_t *batch;                  // the batch being applied
    sti_writer_t *record;                // one value record being encoded
    s_args_t keys;                       // the script's KEYS
    s_args_t args;                       // the script's ARGV
    int *number;                         // table index -> affected value number (1-based)
    size_t number_cap;                   // entries of number
    s_args_t reads;                      // one HMGET command being built
    int *order;                          // values read one by one, by hash
    size_t order_cap;                    // entries of order
    size_t *count;                       // per hash: where its values end in order
    size_t count_cap;                    // entries of count
    uint64_t *prevs;                     // prev of each event of the last script call
    size_t prevs_cap;                    // entries of prevs
    char time[40];                       // the time of the window's events
    char consumer[128];                  // consumer name
    char intake[S_KEY_MAX];              // <ns>:<intake>
    char fixed[S_FIXED_KEYS][S_KEY_MAX]; // the script's fixed keys
    bool group_ready;                    // the consumer group exists
    bool pending_done;                   // own pending entries were re-read
    int64_t next_claim;                  // zclock_mono time of the next XAUTOCLAIM
    int64_t next_pending;                // zclock_mono time of the next XPENDING
    sti_metric_t *rows_applied;          // rows that changed a reported value
    sti_metric_t *rows_skipped;          // rows skipped as already applied
    sti_metric_t *rows_invalid;          // rows that no longer fit the catalog
    sti_metric_t *events_published;      // events appended and published
    sti_metric_t *batches;               // batches applied
    sti_metric_t *conflicts;             // batches refused by a concurrent change
    sti_metric_t *bad_entries;           // entries that did not decode
    sti_metric_t *pending;               // entries pending in the group
};

//  --- argument vectors ---

static void s_args_reset(s_args_t *self)
{
    self->len = self->count = 0;
}

static void s_args_push(s_args_t *self, const void *data, size_t len)
{
    if (self->count == self->slots) {
        self->slots = self->slots ? self->slots * 2 : 1024;
        self->offs = (size_t *)realloc(self->offs, self->slots * sizeof *self->offs);
        self->lens = (size_t *)realloc(self->lens, self->slots * sizeof *self->lens);
        self->argv = (const char **)realloc(self->argv, self->slots * sizeof *self->argv);
        assert(self->offs && self->lens && self->argv);
    }
    if (self->len + len + 1 > self->cap) {
        size_t cap = self->cap ? self->cap : 65536;
        while (cap < self->len + len + 1) {
            cap *= 2;
        }
        self->bytes = (char *)realloc(self->bytes, cap);
        assert(self->bytes);
        self->cap = cap;
    }
    if (len) {
        memcpy(self->bytes + self->len, data, len);
    }
    self->bytes[self->len + len] = 0;
    self->offs[self->count] = self->len;
    self->lens[self->count++] = len;
    self->len += len + 1;
}

static void s_args_str(s_args_t *self, const char *text)
{
    s_args_push(self, text, strlen(text));
}

static void s_args_int(s_args_t *self, int64_t value)
{
    char text[24];
    s_args_push(self, text, (size_t)snprintf(text, sizeof text, "%" PRId64, value));
}

static void s_args_finish(s_args_t *self)
{
    for (size_t i = 0; i < self->count; i++) {
        self->argv[i] = self->bytes + self->offs[i];
    }
}

static void s_args_free(s_args_t *self)
{
    free(self->bytes);
    free(self->offs);
    free(self->lens);
    free(self->argv);
}

//  --- life cycle ---

indicators_apply_t *indicators_apply_new(sti_redis_t *redis, sti_catalog_store_t *catalog, sti_events_pub_t *pub,
                           sti_http_t *http, const indicators_apply_config_t *config)
{
    assert(redis && catalog && pub && http && config);
    indicators_apply_t *self = (indicators_apply_t *)calloc(1, sizeof *self);
    assert(self);
    self->redis = redis;
    self->catalog = catalog;
    self->pub = pub;
    self->config = config;
    char *source = zsys_sprintf("%s%s", sti_lua_events_append, sti_lua_indicators_apply);
    assert(source);
    self->script = sti_redis_script(redis, source);
    zstr_free(&source);
    self->forget = sti_redis_script(redis, sti_lua_indicators_forget);
    self->batch = indicators_batch_new();
    self->record = sti_writer_new();
    if (config->block_ms > 0) {
        self->blocking = sti_redis_dup(redis);
    }
    if (config->consumer && config->consumer[0]) {
        snprintf(self->consumer, sizeof self->consumer, "%s", config->consumer);
    } else {
        char host[64] = "host";
        gethostname(host, sizeof host - 1);
        snprintf(self->consumer, sizeof self->consumer, "%s-%d", host, (int)getpid());
    }
    sti_redis_key(redis, self->intake, sizeof self->intake, config->intake_key, NULL);
    sti_redis_key(redis, self->fixed[0], S_KEY_MAX, "events", "ind", NULL);
    sti_redis_key(redis, self->fixed[1], S_KEY_MAX, "events", "ind", "seq", NULL);
    sti_redis_key(redis, self->fixed[2], S_KEY_MAX, "events", "ind", "prev", NULL);
    snprintf(self->fixed[3], S_KEY_MAX, "%s", self->intake);
    sti_redis_key(redis, self->fixed[4], S_KEY_MAX, "vals", NULL);
    snprintf(self->fixed[5], S_KEY_MAX, "%s", sti_events_pub_epoch_key(pub));
    self->rows_applied = sti_http_counter(http, "sti_indicators_rows_total", "result=\"applied\"",
                                          "Intake rows by what applying them did");
    self->rows_skipped = sti_http_counter(http, "sti_indicators_rows_total", "result=\"skipped\"",
                                          "Intake rows by what applying them did");
    self->rows_invalid = sti_http_counter(http, "sti_indicators_rows_total", "result=\"invalid\"",
                                          "Intake rows by what applying them did");
    self->events_published = sti_http_counter(http, "sti_indicators_events_total", NULL,
                                              "indicator.changed events logged and published");
    self->batches = sti_http_counter(http, "sti_indicators_batches_total", NULL,
                                     "Batches of intake entries applied");
    self->conflicts = sti_http_counter(http, "sti_indicators_conflicts_total", NULL,
                                       "Batches refused because another replica changed a value");
    self->bad_entries = sti_http_counter(http, "sti_indicators_bad_entries_total", NULL,
                                         "Intake entries that did not decode (acknowledged)");
    self->pending = sti_http_gauge(http, "sti_indicators_pending_entries", NULL,
                                   "Intake entries delivered to the group and not acknowledged");
    sti_info("intake consumer %s in group %s on %s", self->consumer, config->group, self->intake);
    return self;
}

void indicators_apply_set_replicated(indicators_apply_t *self, bool (*fn)(void *arg), void *arg)
{
    assert(self);
    self->replicated = fn;
    self->replicated_arg = arg;
}

void indicators_apply_destroy(indicators_apply_t **self_p)
{
    assert(self_p);
    indicators_apply_t *self = *self_p;
    if (self) {
        indicators_batch_destroy(&self->batch);
        sti_writer_destroy(&self->record);
        sti_redis_destroy(&self->blocking);
        s_args_free(&self->keys);
        s_args_free(&self->args);
        s_args_free(&self->reads);
        free(self->number);
        free(self->order);
        free(self->count);
        free(self->prevs);
        free(self);
        *self_p = NULL;
    }
}

const char *indicators_apply_consumer(const indicators_apply_t *self)
{
    assert(self);
    return self->consumer;
}

//  --- decoding entries ---

//  Resolves one row of an intake entry against the catalog. Returns 0, or
//  -1 with a reason.
static int s_read_row(const sti_catalog_t *catalog, sti_node_t node, indicators_row_t *row,
                      char *err, size_t errlen)
{
    sti_intake_row_t intake;
    memset(row, 0, sizeof *row);
    if (sti_intake_row_read(node, &intake, err, errlen)) {
        return -1;
    }
    snprintf(row->source, sizeof row->source, "%s", intake.source);
    row->value = intake.value;
    row->indicator = sti_catalog_indicator_find(catalog, intake.indicator);
    row->org = sti_catalog_org_find(catalog, intake.org);
    if (!row->indicator || row->indicator->formula || !row->org) {
        snprintf(err, errlen, "%s/%s is not a reported indicator at a known org unit",
                 intake.indicator, intake.org);
        return -1;
    }
    return sti_period_parse(intake.period, strlen(intake.period), &row->period, err, errlen);
}

//  Reads an entry's fields into the batch. Returns 0, or -1 for an entry
//  that does not decode (it is then in the batch with no rows).
static int s_read_entry(indicators_apply_t *self, const sti_catalog_t *catalog,
                        const redisReply *item)
{
    indicators_entry_t entry;
    memset(&entry, 0, sizeof entry);
    const redisReply *id = item->element[0], *fields = item->element[1];
    snprintf(entry.id, sizeof entry.id, "%s", id->str);
    indicators_batch_add_entry(self->batch, &entry);
    if (fields->type != REDIS_REPLY_ARRAY) {
        sti_warn("intake entry %s has no fields (deleted): acknowledged", entry.id);
        return -1;
    }
    size_t count = fields->elements;
    const char **names = (const char **)calloc(count ? count : 1, sizeof *names);
    size_t *lens = (size_t *)calloc(count ? count : 1, sizeof *lens);
    assert(names && lens);
    for (size_t i = 0; i < count; i++) {
        const redisReply *field = fields->element[i];
        names[i] = field->type == REDIS_REPLY_STRING ? field->str : NULL;
        lens[i] = field->type == REDIS_REPLY_STRING ? field->len : 0;
    }
    sti_intake_entry_t intake;
    char err[256] = "";
    sti_reader_t *reader = NULL;
    if (sti_intake_entry_read(&intake, entry.id, names, lens, count, err, sizeof err) == 0) {
        reader = sti_intake_rows_open(&intake, err, sizeof err);
    }
    free(names);
    free(lens);
    if (!reader) {
        sti_warn("intake entry %s does not decode (%s): acknowledged", entry.id, err);
        return -1;
    }
    indicators_entry_t *kept = (indicators_entry_t *)indicators_batch_entry_at(
        self->batch, indicators_batch_entry_count(self->batch) - 1);
    snprintf(kept->by, sizeof kept->by, "%s", intake.submitter);
    snprintf(kept->source, sizeof kept->source, "%s", intake.source);
    kept->time = intake.time >= 0 ? intake.time : zclock_time();
    sti_node_t root = sti_reader_root(reader);
    size_t rows = sti_node_size(root);
    for (size_t i = 0; i < rows; i++) {
        indicators_row_t row;
        if (s_read_row(catalog, sti_node_at(root, i), &row, err, sizeof err)) {
            sti_warn("intake entry %s row %zu skipped: %s", entry.id, i, err);
            sti_metric_add(self->rows_invalid, 1);
            continue;
        }
        if (!row.source[0]) {
            snprintf(row.source, sizeof row.source, "%s", kept->source);
        }
        indicators_batch_add_row(self->batch, &row);
    }
    sti_reader_destroy(&reader);
    return 0;
}

//  --- reading the values ---

static char *s_value_key(indicators_apply_t *self, char *buf, const sti_indicator_t *indicator,
                         const sti_org_unit_t *org)
{
    return sti_redis_key(self->redis, buf, S_KEY_MAX, "val", indicator->code, org->code, NULL);
}

//  Loads the fields of one HGETALL reply into the group's hash.
static void s_load_hash(indicators_apply_t *self, const indicators_group_t *group, const redisReply *reply)
{
    indicators_table_t *table = indicators_batch_table(self->batch);
    for (size_t i = 0; i + 1 < reply->elements; i += 2) {
        const redisReply *field = reply->element[i], *data = reply->element[i + 1];
        sti_period_t period;
        char err[128];
        if (field->type != REDIS_REPLY_STRING || data->type != REDIS_REPLY_STRING ||
            sti_period_parse(field->str, field->len, &period, err, sizeof err)) {
            continue;
        }
        int at = indicators_table_value(table, group->indicator, group->org, &period);
        if (indicators_table_load(table, at, data->str, data->len, err, sizeof err)) {
            sti_warn("value %s/%s/%s: %s", group->indicator->code, group->org->code,
                     indicators_table_value_at(table, at)->period_text, err);
        }
    }
}

//  Orders the values that are read one by one by their hash, in self->order,
//  and counts them per group in self->count. Returns the number ordered.
static size_t s_order_values(indicators_apply_t *self)
{
    indicators_table_t *table = indicators_batch_table(self->batch);
    size_t groups = indicators_table_group_count(table), values = indicators_table_value_count(table);
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
//  every other hash (values of one hash are many in a batch). Returns the
//  number of commands sent.
static size_t s_send_reads(indicators_apply_t *self)
{
    indicators_table_t *table = indicators_batch_table(self->batch);
    size_t groups = indicators_table_group_count(table);
    char key[S_KEY_MAX];
    size_t sent = 0;
    s_order_values(self);
    for (size_t g = 0; g < groups; g++) {
        indicators_group_t *group = indicators_table_group_at(table, (int)g);
        const char *name = s_value_key(self, key, group->indicator, group->org);
        if (group->full) {
            sti_redis_appendf(self->redis, "HGETALL %s", name);
            sent++;
            continue;
        }
        size_t start = g ? self->count[g - 1] : 0, end = self->count[g];
        if (start == end) {
            continue;
        }
        s_args_reset(&self->reads);
        s_args_str(&self->reads, "HMGET");
        s_args_str(&self->reads, name);
        for (size_t k = start; k < end; k++) {
            s_args_str(&self->reads, indicators_table_value_at(table, self->order[k])->period_text);
        }
        s_args_finish(&self->reads);
        sti_redis_append(self->redis, (int)self->reads.count, self->reads.argv, self->reads.lens);
        sent++;
    }
    return sent;
}

//  Loads one HGET reply into value v. Returns 0, or -1 for a failed read.
static int s_load_value(indicators_apply_t *self, size_t v, const redisReply *reply)
{
    indicators_table_t *table = indicators_batch_table(self->batch);
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

//  Reads every value of the planned table in one round trip. Returns 0 or -1.
static int s_read_values(indicators_apply_t *self)
{
    indicators_table_t *table = indicators_batch_table(self->batch);
    //  Counted before the replies add the periods of whole hashes.
    size_t groups = indicators_table_group_count(table);
    size_t sent = s_send_reads(self);
    int rc = 0;
    for (size_t g = 0; g < groups && sent > 0; g++) {
        const indicators_group_t *group = indicators_table_group_at(table, (int)g);
        size_t start = g ? self->count[g - 1] : 0, end = self->count[g];
        if (!group->full && start == end) {
            continue;
        }
        redisReply *reply = sti_redis_reply(self->redis);
        sent--;
        if (reply && reply->type == REDIS_REPLY_ARRAY && group->full) {
            s_load_hash(self, group, reply);
        } else if (reply && reply->type == REDIS_REPLY_ARRAY && reply->elements == end - start) {
            for (size_t k = start; k < end; k++) {
                rc = s_load_value(self, (size_t)self->order[k], reply->element[k - start]) ? -1 : rc;
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

//  --- the script call ---

//  "2026-11-25T18:40:01.123Z" for now.
static void s_now_text(char *buf, size_t cap)
{
    int64_t ms = zclock_time();
    time_t secs = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    char text[128];
    snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ms % 1000));
    size_t len = strlen(text) < cap ? strlen(text) : cap - 1;
    memcpy(buf, text, len);
    buf[len] = 0;
}

//  The event topic of a value: ind.<indicator>.<org>. Returns buf.
static char *s_topic(const indicators_value_t *value, char *buf, size_t cap)
{
    snprintf(buf, cap, "ind.%s.%s", value->indicator->code, value->org->code);
    return buf;
}

//  The event subject of a value: <indicator>/<org>/<period>. Returns buf.
static char *s_subject(const indicators_value_t *value, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s/%s/%s", value->indicator->code, value->org->code, value->period_text);
    return buf;
}

//  Adds the keys and arguments of every affected value. Returns how many.
static size_t s_args_values(indicators_apply_t *self)
{
    indicators_table_t *table = indicators_batch_table(self->batch);
    size_t values = indicators_table_value_count(table), affected = 0;
    if (self->number_cap < values) {
        self->number_cap = values * 2;
        self->number = (int *)realloc(self->number, self->number_cap * sizeof *self->number);
        assert(self->number);
    }
    char key[S_KEY_MAX], member[2 * STI_CODE_MAX + 2];
    for (size_t v = 0; v < values; v++) {
        indicators_value_t *value = indicators_table_value_at(table, (int)v);
        self->number[v] = 0;
        if (!value->affected) {
            continue;
        }
        self->number[v] = (int)++affected;
        s_args_str(&self->keys, s_value_key(self, key, value->indicator, value->org));
        sti_redis_key(self->redis, key, sizeof key, "rev", value->indicator->code, value->org->code,
                      value->period_text, NULL);
        s_args_str(&self->keys, key);
        size_t size;
        const void *raw = indicators_table_raw(table, (int)v, &size);
        s_args_str(&self->args, value->period_text);
        s_args_push(&self->args, raw, size);
        sti_writer_reset(self->record);
        if (value->dirty) {
            indicators_record_encode(&value->record, self->record);
        }
        const void *bytes = sti_writer_data(self->record, &size);
        s_args_push(&self->args, bytes, size);
        //  A hash new to Redis joins the value index once per batch.
        indicators_group_t *group = indicators_table_group_at(table, value->group);
        member[0] = 0;
        if (value->dirty && !raw && !group->indexed) {
            group->indexed = true;
            snprintf(member, sizeof member, "%s:%s", value->indicator->code, value->org->code);
        }
        s_args_str(&self->args, member);
        char text[STI_EVENTS_SUBJECT_MAX];
        s_args_str(&self->args, s_topic(value, text, sizeof text));
        s_args_str(&self->args, s_subject(value, text, sizeof text));
    }
    return affected;
}

//  Builds KEYS and ARGV of indicators_apply.lua for the computed batch,
//  acknowledging entries [ack_from, ack_to).
static void s_build_args(indicators_apply_t *self, size_t ack_from, size_t ack_to)
{
    s_args_reset(&self->keys);
    s_args_reset(&self->args);
    for (int i = 0; i < S_FIXED_KEYS; i++) {
        s_args_str(&self->keys, self->fixed[i]);
    }
    size_t changes = indicators_batch_change_count(self->batch);
    size_t entries = ack_to - ack_from;
    s_args_str(&self->args, self->config->group);
    s_args_int(&self->args, self->config->events_maxlen);
    s_args_str(&self->args, S_SOURCE);
    indicators_table_t *table = indicators_batch_table(self->batch);
    size_t values = indicators_table_value_count(table), affected = 0;
    for (size_t v = 0; v < values; v++) {
        affected += indicators_table_value_at(table, (int)v)->affected ? 1 : 0;
    }
    s_args_int(&self->args, (int64_t)affected);
    s_args_int(&self->args, (int64_t)changes);
    s_args_int(&self->args, (int64_t)entries);
    s_now_text(self->time, sizeof self->time);
    s_args_str(&self->args, self->time);
    char floor[24];
    const char *epoch;
    sti_events_pub_floor(self->pub, floor, sizeof floor, &epoch);
    s_args_str(&self->args, floor);
    s_args_str(&self->args, epoch);
    s_args_values(self);
    const char *bytes = indicators_batch_bytes(self->batch);
    for (size_t c = 0; c < changes; c++) {
        const indicators_change_t *change = indicators_batch_change_at(self->batch, c);
        s_args_int(&self->args, self->number[change->value]);
        s_args_push(&self->args, bytes + change->revision_off, change->revision_len);
        s_args_push(&self->args, bytes + change->event_off, change->event_len);
    }
    for (size_t e = ack_from; e < ack_to; e++) {
        s_args_str(&self->args, indicators_batch_entry_at(self->batch, e)->id);
    }
    s_args_finish(&self->keys);
    s_args_finish(&self->args);
}

//  Keeps the prevs of the reply {1, first, last, epoch, prev...} in self->prevs.
//  Returns how many, or 0 when the reply does not hold one per event (the
//  events are then read back from the log to be sent).
static size_t s_keep_prevs(indicators_apply_t *self, const redisReply *reply, uint64_t first,
                           uint64_t last)
{
    size_t n = last >= first && first > 0 ? (size_t)(last - first + 1) : 0;
    if (n == 0 || reply->elements != 4 + n) {
        return 0;
    }
    if (self->prevs_cap < n) {
        self->prevs_cap = n * 2;
        self->prevs = (uint64_t *)realloc(self->prevs, self->prevs_cap * sizeof *self->prevs);
        assert(self->prevs);
    }
    for (size_t i = 0; i < n; i++) {
        const redisReply *prev = reply->element[4 + i];
        if (prev->type != REDIS_REPLY_INTEGER || prev->integer < 0 ||
            (uint64_t)prev->integer >= first + i) {
            return 0;
        }
        self->prevs[i] = (uint64_t)prev->integer;
    }
    return n;
}

//  Runs the script once. Returns 1 applied (first/last set, and *prevs the
//  number of prevs kept), 0 conflict, -1 failure (a refusal of the event
//  stream's guard after a loss is handed to the publisher, which says it).
static int s_eval(indicators_apply_t *self, uint64_t *first, uint64_t *last, size_t *prevs)
{
    size_t nkeys = self->keys.count, nargs = self->args.count;
    const char **argv = (const char **)malloc((nkeys + nargs) * sizeof *argv);
    size_t *lens = (size_t *)malloc((nkeys + nargs) * sizeof *lens);
    assert(argv && lens);
    memcpy(argv, self->keys.argv, nkeys * sizeof *argv);
    memcpy(argv + nkeys, self->args.argv, nargs * sizeof *argv);
    memcpy(lens, self->keys.lens, nkeys * sizeof *lens);
    memcpy(lens + nkeys, self->args.lens, nargs * sizeof *lens);
    redisReply *reply =
        sti_redis_eval(self->redis, self->script, (int)nkeys, (int)nargs, argv, lens);
    free(argv);
    free(lens);
    int rc = -1;
    if (reply && reply->type == REDIS_REPLY_ARRAY && reply->elements == 2 &&
        reply->element[0]->type == REDIS_REPLY_INTEGER && reply->element[0]->integer == 2 &&
        reply->element[1]->type == REDIS_REPLY_STRING) {
        sti_events_pub_refused(self->pub, reply->element[1]->str);
    } else if (reply && reply->type == REDIS_REPLY_ARRAY && reply->elements >= 2 &&
               reply->element[0]->type == REDIS_REPLY_INTEGER) {
        rc = reply->element[0]->integer == 1 ? 1 : 0;
        if (rc == 1 && reply->elements >= 4 && reply->element[1]->type == REDIS_REPLY_INTEGER &&
            reply->element[2]->type == REDIS_REPLY_INTEGER &&
            reply->element[3]->type == REDIS_REPLY_STRING &&
            reply->element[3]->len <= STI_EVENTS_EPOCH_MAX) {
            *first = (uint64_t)reply->element[1]->integer;
            *last = (uint64_t)reply->element[2]->integer;
            *prevs = s_keep_prevs(self, reply, *first, *last);
            snprintf(self->epoch, sizeof self->epoch, "%s", reply->element[3]->str);
        } else if (rc == 1) {
            sti_error("indicators_apply.lua: malformed reply");
            rc = -1;
        }
    } else {
        sti_error("indicators_apply.lua failed: %s", reply && reply->type == REDIS_REPLY_ERROR
                                                         ? reply->str
                                                         : sti_redis_errstr(self->redis));
    }
    if (reply) {
        freeReplyObject(reply);
    }
    return rc;
}

//  Publishes the window's events, logged as seqs first..last: from memory
//  when the script returned every prev, else read back from the log.
static void s_publish(indicators_apply_t *self, uint64_t first, uint64_t last, size_t prevs)
{
    size_t changes = indicators_batch_change_count(self->batch);
    if (prevs != changes || prevs != last - first + 1) {
        if (sti_events_send_logged(self->pub, first, last)) {
            sti_warn("events %" PRIu64 "..%" PRIu64 " are logged but not sent", first, last);
        }
        return;
    }
    indicators_table_t *table = indicators_batch_table(self->batch);
    const char *bytes = indicators_batch_bytes(self->batch);
    char topic[STI_EVENTS_TOPIC_MAX + 1], subject[STI_EVENTS_SUBJECT_MAX];
    for (size_t c = 0; c < changes; c++) {
        const indicators_change_t *change = indicators_batch_change_at(self->batch, c);
        const indicators_value_t *value = indicators_table_value_at(table, change->value);
        sti_event_t event = {
            .seq = first + c,
            .prev = self->prevs[c],
            .topic = s_topic(value, topic, sizeof topic),
            .type = (char *)"indicator.changed",
            .source = (char *)S_SOURCE,
            .subject = s_subject(value, subject, sizeof subject),
            .time = self->time,
            .data = (void *)(bytes + change->event_off),
            .data_size = change->event_len,
        };
        sti_events_send_event(self->pub, &event);
    }
}

//  Plans, reads, computes and writes the batch's current window,
//  acknowledging entries [ack_from, ack_to), starting over on a conflict.
//  Returns 0 or -1.
static int s_apply_window(indicators_apply_t *self, size_t ack_from, size_t ack_to)
{
    for (int attempt = 0; attempt < S_ATTEMPTS; attempt++) {
        indicators_batch_restart(self->batch);
        indicators_batch_plan(self->batch);
        if (s_read_values(self)) {
            sti_error("cannot read values: %s", sti_redis_errstr(self->redis));
            return -1;
        }
        size_t skipped;
        size_t applied = indicators_batch_compute(self->batch, &skipped);
        s_build_args(self, ack_from, ack_to);
        uint64_t first = 0, last = 0;
        size_t prevs = 0;
        int rc = s_eval(self, &first, &last, &prevs);
        if (rc < 0) {
            return -1;
        }
        if (rc == 0) {
            sti_metric_add(self->conflicts, 1);
            continue;
        }
        sti_metric_add(self->batches, 1);
        sti_metric_add(self->rows_applied, (int64_t)applied);
        sti_metric_add(self->rows_skipped, (int64_t)skipped);
        //  What the replicas do not have yet is not published: a fail-over
        //  could take it back, and subscribers would hold events that are gone.
        if (self->replicated && !self->replicated(self->replicated_arg)) {
            return 0;
        }
        sti_events_pub_appended(self->pub, self->epoch, last);
        if (first > 0 && last >= first) {
            sti_metric_add(self->events_published, (int64_t)(last - first + 1));
            s_publish(self, first, last, prevs);
        }
        return 0;
    }
    sti_warn("batch refused %d times by concurrent changes; left pending", S_ATTEMPTS);
    return -1;
}

//  Applies the batch in windows of at most batch_rows rows, each one Lua
//  call that acknowledges the entries whose rows it completes. Returns 0
//  or -1 (what was not acknowledged stays pending).
static int s_apply_batch(indicators_apply_t *self)
{
    size_t rows = indicators_batch_row_count(self->batch), entries = indicators_batch_entry_count(self->batch);
    size_t step = self->config->batch_rows > 0 ? (size_t)self->config->batch_rows : rows + 1;
    size_t acked = 0, from = 0;
    do {
        size_t to = from + step < rows ? from + step : rows;
        size_t ack_to = acked;
        while (ack_to < entries && indicators_batch_entry_at(self->batch, ack_to)->row_end <= to) {
            ack_to++;
        }
        indicators_batch_set_window(self->batch, from, to);
        if (s_apply_window(self, acked, ack_to)) {
            return -1;
        }
        acked = ack_to;
        from = to;
    } while (from < rows || acked < entries);
    return 0;
}

int indicators_apply_entries(indicators_apply_t *self, const redisReply *entries)
{
    assert(self && entries);
    sti_errcode_t code;
    char err[256];
    const sti_catalog_t *catalog = sti_catalog_store_get(self->catalog, &code, err, sizeof err);
    if (!catalog) {
        sti_warn("intake waits for the catalog: %s", err);
        return -1;
    }
    indicators_batch_reset(self->batch, catalog, self->config->tolerance);
    for (size_t i = 0; i < entries->elements; i++) {
        const redisReply *item = entries->element[i];
        if (item->type != REDIS_REPLY_ARRAY || item->elements != 2 ||
            item->element[0]->type != REDIS_REPLY_STRING) {
            continue;
        }
        if (s_read_entry(self, catalog, item)) {
            sti_metric_add(self->bad_entries, 1);
        }
    }
    if (indicators_batch_entry_count(self->batch) == 0) {
        return 0;
    }
    return s_apply_batch(self) ? -1 : (int)indicators_batch_entry_count(self->batch);
}

//  --- the consumer loop ---

//  Creates the group at id 0 (nothing already in the stream is missed).
static void s_create_group(indicators_apply_t *self)
{
    redisReply *reply = sti_redis_command(self->redis, "XGROUP CREATE %s %s 0 MKSTREAM",
                                          self->intake, self->config->group);
    if (reply && (reply->type != REDIS_REPLY_ERROR || strncmp(reply->str, "BUSYGROUP", 9) == 0)) {
        self->group_ready = true;
    } else {
        sti_warn("cannot create consumer group %s: %s", self->config->group,
                 reply ? reply->str : sti_redis_errstr(self->redis));
    }
    if (reply) {
        freeReplyObject(reply);
    }
}

//  Applies the entries of an XREADGROUP reply (nil: none). Returns the
//  number of entries handled, or -1.
static int s_read_reply(indicators_apply_t *self, const redisReply *reply)
{
    int handled = 0;
    if (reply->type == REDIS_REPLY_ERROR) {
        if (strncmp(reply->str, "NOGROUP", 7) == 0) {
            self->group_ready = false;
        }
        sti_warn("XREADGROUP: %s", reply->str);
        handled = -1;
    } else if (reply->type == REDIS_REPLY_ARRAY && reply->elements == 1 &&
               reply->element[0]->type == REDIS_REPLY_ARRAY && reply->element[0]->elements == 2) {
        const redisReply *entries = reply->element[0]->element[1];
        if (entries->type == REDIS_REPLY_ARRAY && entries->elements > 0) {
            handled = indicators_apply_entries(self, entries);
        }
    }
    if (handled == 0 && !self->pending_done) {
        self->pending_done = true;
        handled = 1; // go on with new entries in this tick
    } else if (handled < 0) {
        self->pending_done = false; // what failed is in our pending list
    }
    return handled;
}

//  Reads and applies one batch: own pending entries first, then new ones.
//  Returns the number of entries handled, or -1.
static int s_step(indicators_apply_t *self)
{
    redisReply *reply = sti_redis_command(
        self->redis, "XREADGROUP GROUP %s %s COUNT %lld STREAMS %s %s", self->config->group,
        self->consumer, (long long)self->config->batch_entries, self->intake,
        self->pending_done ? ">" : "0");
    if (!reply) {
        return -1;
    }
    int handled = s_read_reply(self, reply);
    freeReplyObject(reply);
    return handled;
}

//  Leaves XREADGROUP ... BLOCK block_ms ... > in flight on the second
//  connection (only new entries: own pending ones are read on the first).
static void s_arm(indicators_apply_t *self)
{
    if (self->armed || !self->blocking || !self->pending_done) {
        return;
    }
    char count[24], block[24];
    snprintf(count, sizeof count, "%lld", (long long)self->config->batch_entries);
    snprintf(block, sizeof block, "%lld", (long long)self->config->block_ms);
    const char *argv[] = {"XREADGROUP", "GROUP", self->config->group, self->consumer, "COUNT",
                          count,        "BLOCK", block, "STREAMS", self->intake, ">"};
    if (sti_redis_append(self->blocking, 11, argv, NULL) == 0) {
        if (sti_redis_flush(self->blocking) == 0) {
            self->armed = true;
        } else {
            sti_warn("blocking intake read: %s", sti_redis_errstr(self->blocking));
        }
    }
}

//  Takes the blocking read's reply if it has come (or, with wait_ms > 0,
//  once it comes) and applies its entries. Returns the number of entries
//  handled, 0 while the read is still in flight, or -1.
static int s_take(indicators_apply_t *self, int wait_ms)
{
    struct pollfd item = {sti_redis_fd(self->blocking), POLLIN, 0};
    if (item.fd >= 0 && poll(&item, 1, wait_ms) == 0) {
        return 0;
    }
    self->armed = false;
    redisReply *reply = item.fd >= 0 ? sti_redis_reply(self->blocking) : NULL;
    if (!reply) {
        //  What the lost reply held is pending for this consumer: re-read it.
        sti_warn("blocking intake read: %s", sti_redis_errstr(self->blocking));
        self->pending_done = false;
        return -1;
    }
    int handled = s_read_reply(self, reply);
    freeReplyObject(reply);
    return handled;
}

int indicators_apply_wake_fd(indicators_apply_t *self)
{
    assert(self);
    return self->armed ? sti_redis_fd(self->blocking) : -1;
}

void indicators_apply_stop(indicators_apply_t *self)
{
    assert(self);
    if (self->armed) {
        s_take(self, (int)self->config->block_ms + 1000);
    }
}

//  Takes over entries idle longer than the claim time and applies them.
static void s_claim(indicators_apply_t *self)
{
    char start[STI_INTAKE_ID_MAX] = "0-0";
    for (int round = 0; round < 100; round++) {
        redisReply *reply = sti_redis_command(self->redis, "XAUTOCLAIM %s %s %s %lld %s COUNT %lld",
                                              self->intake, self->config->group, self->consumer,
                                              (long long)self->config->claim_idle_ms, start,
                                              (long long)self->config->batch_entries);
        bool more = false;
        if (reply && reply->type == REDIS_REPLY_ARRAY && reply->elements >= 2 &&
            reply->element[0]->type == REDIS_REPLY_STRING &&
            reply->element[1]->type == REDIS_REPLY_ARRAY) {
            if (reply->element[1]->elements > 0) {
                sti_info("claimed %zu intake entries", reply->element[1]->elements);
                if (indicators_apply_entries(self, reply->element[1]) < 0) {
                    self->pending_done = false;
                }
            }
            snprintf(start, sizeof start, "%s", reply->element[0]->str);
            more = strcmp(start, "0-0") != 0;
        }
        if (reply) {
            freeReplyObject(reply);
        }
        if (!more) {
            break;
        }
    }
}

//  Forgets consumers of the group that hold nothing and have been idle
//  longer than forget_idle_ms (replicas that are gone), a few at a time.
static void s_forget(indicators_apply_t *self)
{
    char idle[24];
    snprintf(idle, sizeof idle, "%lld", (long long)self->config->forget_idle_ms);
    const char *argv[] = {self->intake, self->config->group, self->consumer, idle, "100"};
    redisReply *reply = sti_redis_eval(self->redis, self->forget, 1, 4, argv, NULL);
    if (reply && reply->type == REDIS_REPLY_ARRAY) {
        for (size_t i = 0; i < reply->elements; i++) {
            if (reply->element[i]->type == REDIS_REPLY_STRING) {
                sti_info("forgot intake consumer %s (idle, nothing pending)",
                         reply->element[i]->str);
            }
        }
    } else {
        sti_warn("cannot forget idle intake consumers: %s",
                 reply && reply->type == REDIS_REPLY_ERROR ? reply->str
                                                           : sti_redis_errstr(self->redis));
    }
    if (reply) {
        freeReplyObject(reply);
    }
}

//  Refreshes the pending gauge (XPENDING summary).
static void s_count_pending(indicators_apply_t *self)
{
    redisReply *reply =
        sti_redis_command(self->redis, "XPENDING %s %s", self->intake, self->config->group);
    if (reply && reply->type == REDIS_REPLY_ARRAY && reply->elements >= 1 &&
        reply->element[0]->type == REDIS_REPLY_INTEGER) {
        sti_metric_set(self->pending, reply->element[0]->integer);
    }
    if (reply) {
        freeReplyObject(reply);
    }
}

void indicators_apply_tick(indicators_apply_t *self)
{
    assert(self);
    if (!self->group_ready) {
        s_create_group(self);
        if (!self->group_ready) {
            return;
        }
    }
    int64_t now = zclock_mono(), deadline = now + self->config->tick_budget_ms;
    int handled = 1;
    if (self->armed) {
        //  Nothing else reads the log while the blocking read is in flight;
        //  after a failed one, re-read our pending entries now.
        handled = s_take(self, 0);
        handled = handled < 0 ? 1 : handled;
    }
    while (!self->armed && handled > 0 && zclock_mono() < deadline) {
        handled = s_step(self);
    }
    if (handled == 0) {
        s_arm(self); // drained: wait for the next entry on the second connection
    }
    now = zclock_mono();
    if (now >= self->next_claim) {
        self->next_claim = now + self->config->claim_every_ms;
        s_claim(self);
        if (self->config->forget_idle_ms > 0) {
            s_forget(self);
        }
    }
    if (now >= self->next_pending) {
        self->next_pending = now + S_PENDING_EVERY;
        s_count_pending(self);
    }
}
