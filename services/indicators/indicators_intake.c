/*  indicators_intake: the intake log's consumer group. See the header.

    Every read keeps its reply until the next one, and decodes each entry
    [id, [field, value, ...]] into self->entries with sti_intake, pointing
    into the reply; the field lists are converted in reused arrays. Items
    that are not [id, fields] are skipped (nothing could acknowledge them).
*/
#include "indicators_intake.h"

#include <assert.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sti_log.h"
#include "sti_lua_indicators_core.h"

#define S_KEY_MAX 256     // bytes of the log's key
#define S_FORGET_MOST 100 // consumers one call forgets at most

struct _indicators_intake_t {
    sti_redis_t *redis;          // borrowed
    sti_redis_t *blocking;       // second connection for the blocking read, or NULL
    bool armed;                  // a blocking XREADGROUP is in flight on it
    bool ready;                  // the group exists
    char key[S_KEY_MAX];         // <ns>:<intake>
    char group[128];             // the consumer group
    char consumer[128];          // this consumer's name
    int64_t count;               // entries one read takes at most
    int64_t take;                // entries the next read takes (1 to count)
    int64_t block_ms;            // longest blocking read
    sti_script_t *forget;        // indicators_forget.lua
    redisReply *reply;           // the last read's reply, which entries point into
    sti_intake_entry_t *entries; // the last read's entries
    size_t entries_cap;          // entries allocated
    const char **fields;         // one entry's field list, for sti_intake
    size_t *lens;                // their lengths
    size_t fields_cap;           // entries of fields and lens
};

//  <ns>:<key>: the intake log.
static char *s_intake_key(sti_redis_t *redis, char *buf, const char *key)
{
    return sti_redis_key(redis, buf, S_KEY_MAX, key, NULL);
}

indicators_intake_t *indicators_intake_new(sti_redis_t *redis, const char *key, const char *group,
                                           const char *consumer, int64_t count, int64_t block_ms)
{
    assert(redis && key && group);
    indicators_intake_t *self = (indicators_intake_t *)calloc(1, sizeof *self);
    assert(self);
    self->redis = redis;
    self->count = count > 0 ? count : 1;
    self->take = self->count;
    self->block_ms = block_ms;
    s_intake_key(redis, self->key, key);
    snprintf(self->group, sizeof self->group, "%s", group);
    if (consumer && consumer[0]) {
        snprintf(self->consumer, sizeof self->consumer, "%s", consumer);
    } else {
        char host[64] = "host";
        gethostname(host, sizeof host - 1);
        snprintf(self->consumer, sizeof self->consumer, "%s-%d", host, (int)getpid());
    }
    if (block_ms > 0) {
        self->blocking = sti_redis_dup(redis);
    }
    self->forget = sti_redis_script(redis, sti_lua_indicators_forget);
    sti_info("intake consumer %s in group %s on %s", self->consumer, self->group, self->key);
    return self;
}

void indicators_intake_destroy(indicators_intake_t **self_p)
{
    assert(self_p);
    indicators_intake_t *self = *self_p;
    if (self) {
        sti_redis_destroy(&self->blocking);
        if (self->reply) {
            freeReplyObject(self->reply);
        }
        free(self->entries);
        free(self->fields);
        free(self->lens);
        free(self);
        *self_p = NULL;
    }
}

const char *indicators_intake_key(const indicators_intake_t *self)
{
    assert(self);
    return self->key;
}

const char *indicators_intake_consumer(const indicators_intake_t *self)
{
    assert(self);
    return self->consumer;
}

bool indicators_intake_ready(indicators_intake_t *self)
{
    assert(self);
    if (self->ready) {
        return true;
    }
    redisReply *reply =
        sti_redis_command(self->redis, "XGROUP CREATE %s %s 0 MKSTREAM", self->key, self->group);
    if (reply && (reply->type != REDIS_REPLY_ERROR || strncmp(reply->str, "BUSYGROUP", 9) == 0)) {
        self->ready = true;
    } else {
        sti_warn("cannot create consumer group %s: %s", self->group,
                 reply ? reply->str : sti_redis_errstr(self->redis));
    }
    if (reply) {
        freeReplyObject(reply);
    }
    return self->ready;
}

//  --- decoding what a read returned ---

//  Decodes one item [id, fields] into the next entry. Returns false for an
//  item that is not one.
static bool s_entry(indicators_intake_t *self, const redisReply *item, sti_intake_entry_t *entry)
{
    if (item->type != REDIS_REPLY_ARRAY || item->elements != 2 ||
        item->element[0]->type != REDIS_REPLY_STRING) {
        return false;
    }
    const char *id = item->element[0]->str;
    const redisReply *fields = item->element[1];
    if (fields->type != REDIS_REPLY_ARRAY) {
        memset(entry, 0, sizeof *entry);
        snprintf(entry->id, sizeof entry->id, "%s", id);
        sti_warn("intake entry %s has no fields (deleted): acknowledged", entry->id);
        return true;
    }
    if (self->fields_cap < fields->elements) {
        self->fields_cap = fields->elements * 2;
        self->fields =
            (const char **)realloc(self->fields, self->fields_cap * sizeof *self->fields);
        self->lens = (size_t *)realloc(self->lens, self->fields_cap * sizeof *self->lens);
        assert(self->fields && self->lens);
    }
    for (size_t i = 0; i < fields->elements; i++) {
        const redisReply *field = fields->element[i];
        bool text = field->type == REDIS_REPLY_STRING;
        self->fields[i] = text ? field->str : NULL;
        self->lens[i] = text ? field->len : 0;
    }
    char err[128];
    if (sti_intake_entry_read(entry, id, self->fields, self->lens, fields->elements, err,
                              sizeof err) != 0) {
        sti_warn("intake entry %s does not decode (%s): acknowledged", entry->id, err);
    }
    return true;
}

//  Keeps reply and decodes its entries (an array of [id, fields]) into *read.
static int s_entries(indicators_intake_t *self, redisReply *reply, const redisReply *items,
                     indicators_intake_read_t *read)
{
    if (self->reply) {
        freeReplyObject(self->reply);
    }
    self->reply = reply;
    if (self->entries_cap < items->elements) {
        self->entries_cap = items->elements * 2;
        self->entries =
            (sti_intake_entry_t *)realloc(self->entries, self->entries_cap * sizeof *self->entries);
        assert(self->entries);
    }
    size_t count = 0;
    for (size_t i = 0; i < items->elements; i++) {
        count += s_entry(self, items->element[i], &self->entries[count]) ? 1 : 0;
    }
    read->entries = self->entries;
    read->count = count;
    return (int)count;
}

//  Reads an XREADGROUP reply (taking it). Returns the number of entries, 0
//  for none (nil), or -1 for an error.
static int s_read_reply(indicators_intake_t *self, redisReply *reply,
                        indicators_intake_read_t *read)
{
    memset(read, 0, sizeof *read);
    if (reply->type == REDIS_REPLY_ERROR) {
        if (strncmp(reply->str, "NOGROUP", 7) == 0) {
            self->ready = false;
        }
        sti_warn("XREADGROUP: %s", reply->str);
        freeReplyObject(reply);
        return -1;
    }
    if (reply->type == REDIS_REPLY_ARRAY && reply->elements == 1 &&
        reply->element[0]->type == REDIS_REPLY_ARRAY && reply->element[0]->elements == 2 &&
        reply->element[0]->element[1]->type == REDIS_REPLY_ARRAY) {
        return s_entries(self, reply, reply->element[0]->element[1], read);
    }
    freeReplyObject(reply);
    return 0;
}

int indicators_intake_read(indicators_intake_t *self, bool pending, indicators_intake_read_t *read)
{
    assert(self && read);
    memset(read, 0, sizeof *read);
    redisReply *reply = sti_redis_command(
        self->redis, "XREADGROUP GROUP %s %s COUNT %lld STREAMS %s %s", self->group, self->consumer,
        (long long)self->take, self->key, pending ? "0" : ">");
    return reply ? s_read_reply(self, reply, read) : -2;
}

void indicators_intake_set_take(indicators_intake_t *self, int64_t take)
{
    assert(self);
    self->take = take < 1 ? 1 : take > self->count ? self->count : take;
}

//  --- the blocking read ---

bool indicators_intake_arm(indicators_intake_t *self)
{
    assert(self);
    if (self->armed || !self->blocking) {
        return self->armed;
    }
    char count[24], block[24];
    snprintf(count, sizeof count, "%lld", (long long)self->take);
    snprintf(block, sizeof block, "%lld", (long long)self->block_ms);
    const char *argv[] = {"XREADGROUP", "GROUP", self->group, self->consumer, "COUNT", count,
                          "BLOCK",      block,   "STREAMS",   self->key,      ">"};
    if (sti_redis_append(self->blocking, 11, argv, NULL) == 0) {
        if (sti_redis_flush(self->blocking) == 0) {
            self->armed = true;
        } else {
            sti_warn("blocking intake read: %s", sti_redis_errstr(self->blocking));
        }
    }
    return self->armed;
}

bool indicators_intake_armed(const indicators_intake_t *self)
{
    assert(self);
    return self->armed;
}

int indicators_intake_wake_fd(indicators_intake_t *self)
{
    assert(self);
    return self->armed ? sti_redis_fd(self->blocking) : -1;
}

int indicators_intake_take(indicators_intake_t *self, int wait_ms, indicators_intake_read_t *read)
{
    assert(self && read);
    memset(read, 0, sizeof *read);
    if (!self->armed) {
        return 0;
    }
    //  Not ready, or a signal cut the wait short (a stop): the read stays in
    //  flight; reading its reply now would block until Redis answers it.
    struct pollfd item = {sti_redis_fd(self->blocking), POLLIN, 0};
    if (item.fd >= 0 && poll(&item, 1, wait_ms) <= 0) {
        return 0;
    }
    self->armed = false;
    redisReply *reply = item.fd >= 0 ? sti_redis_reply(self->blocking) : NULL;
    if (!reply) {
        sti_warn("blocking intake read: %s", sti_redis_errstr(self->blocking));
        return -1;
    }
    return s_read_reply(self, reply, read);
}

//  --- the group's upkeep ---

int indicators_intake_claim(indicators_intake_t *self, int64_t idle_ms, char *cursor, size_t cap,
                            indicators_intake_read_t *read)
{
    assert(self && cursor && cap && read);
    memset(read, 0, sizeof *read);
    redisReply *reply = sti_redis_command(self->redis, "XAUTOCLAIM %s %s %s %lld %s COUNT %lld",
                                          self->key, self->group, self->consumer,
                                          (long long)idle_ms, cursor, (long long)self->take);
    if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements < 2 ||
        reply->element[0]->type != REDIS_REPLY_STRING ||
        reply->element[1]->type != REDIS_REPLY_ARRAY) {
        if (reply) {
            freeReplyObject(reply);
        }
        snprintf(cursor, cap, "0-0");
        return -1;
    }
    snprintf(cursor, cap, "%s", reply->element[0]->str);
    if (reply->element[1]->elements > 0) {
        sti_info("claimed %zu intake entries", reply->element[1]->elements);
    }
    return s_entries(self, reply, reply->element[1], read);
}

void indicators_intake_forget(indicators_intake_t *self, int64_t idle_ms)
{
    assert(self);
    char idle[24], most[24];
    snprintf(idle, sizeof idle, "%lld", (long long)idle_ms);
    snprintf(most, sizeof most, "%d", S_FORGET_MOST);
    const char *argv[] = {self->key, self->group, self->consumer, idle, most};
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

int64_t indicators_intake_pending(indicators_intake_t *self)
{
    assert(self);
    redisReply *reply = sti_redis_command(self->redis, "XPENDING %s %s", self->key, self->group);
    int64_t pending = -1;
    if (reply && reply->type == REDIS_REPLY_ARRAY && reply->elements >= 1 &&
        reply->element[0]->type == REDIS_REPLY_INTEGER) {
        pending = reply->element[0]->integer;
    }
    if (reply) {
        freeReplyObject(reply);
    }
    return pending;
}

//  Parses "<ms>-<seq>" (or "<ms>"). Returns 0, or -1.
static int s_parse_id(const char *id, uint64_t *ms, uint64_t *seq)
{
    char *end = NULL;
    *ms = *seq = 0;
    if (!id || !*id || *id == '-') {
        return -1;
    }
    *ms = strtoull(id, &end, 10);
    if (*end == '-') {
        const char *at = end + 1;
        if (!*at || *at == '-') {
            return -1;
        }
        *seq = strtoull(at, &end, 10);
    }
    return *end == 0 ? 0 : -1;
}

int indicators_intake_compare(const char *a, const char *b)
{
    uint64_t ams, aseq, bms, bseq;
    if (s_parse_id(a, &ams, &aseq)) {
        ams = aseq = 0;
    }
    if (s_parse_id(b, &bms, &bseq)) {
        bms = bseq = 0;
    }
    if (ams != bms) {
        return ams < bms ? -1 : 1;
    }
    return aseq < bseq ? -1 : aseq > bseq ? 1 : 0;
}

//  One field of an XINFO GROUPS entry (a flat name, value, ... array), or NULL.
static const redisReply *s_info_field(const redisReply *group, const char *name)
{
    for (size_t i = 0; i + 1 < group->elements; i += 2) {
        const redisReply *key = group->element[i];
        if (key->type == REDIS_REPLY_STRING && strcmp(key->str, name) == 0) {
            return group->element[i + 1];
        }
    }
    return NULL;
}

//  An integer field, -1 when missing or nil.
static int64_t s_info_int(const redisReply *group, const char *name)
{
    const redisReply *value = s_info_field(group, name);
    return value && value->type == REDIS_REPLY_INTEGER ? value->integer : -1;
}

int indicators_intake_group(indicators_intake_t *self, indicators_consumers_t *group)
{
    assert(self && group);
    redisReply *reply = sti_redis_command(self->redis, "XINFO GROUPS %s", self->key);
    int rc = -1;
    for (size_t i = 0; reply && reply->type == REDIS_REPLY_ARRAY && i < reply->elements; i++) {
        const redisReply *entry = reply->element[i];
        const redisReply *name =
            entry->type == REDIS_REPLY_ARRAY ? s_info_field(entry, "name") : NULL;
        if (!name || name->type != REDIS_REPLY_STRING || strcmp(name->str, self->group) != 0) {
            continue;
        }
        const redisReply *last = s_info_field(entry, "last-delivered-id");
        group->consumers = s_info_int(entry, "consumers");
        group->pending = s_info_int(entry, "pending");
        group->entries_read = s_info_int(entry, "entries-read");
        group->lag = s_info_int(entry, "lag");
        snprintf(group->last_delivered, sizeof group->last_delivered, "%s",
                 last && last->type == REDIS_REPLY_STRING ? last->str : "0-0");
        rc = 0;
        break;
    }
    if (reply) {
        freeReplyObject(reply);
    }
    return rc;
}

int indicators_intake_applied(indicators_intake_t *self, const char *entry)
{
    assert(self && entry);
    uint64_t ms, seq;
    indicators_consumers_t group;
    if (s_parse_id(entry, &ms, &seq) || indicators_intake_group(self, &group)) {
        return -1;
    }
    if (indicators_intake_compare(group.last_delivered, entry) < 0) {
        return 0; // not delivered yet
    }
    char end[STI_INTAKE_ID_MAX];
    snprintf(end, sizeof end, "%" PRIu64 "-%" PRIu64, ms, seq);
    redisReply *reply =
        sti_redis_command(self->redis, "XPENDING %s %s - %s 1", self->key, self->group, end);
    int rc = -1;
    if (reply && reply->type == REDIS_REPLY_ARRAY) {
        rc = reply->elements == 0 ? 1 : 0;
    }
    if (reply) {
        freeReplyObject(reply);
    }
    return rc;
}
