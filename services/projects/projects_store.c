/*  projects_store: the registry in Redis, read. See projects_store.h.

    A field that does not parse fails the read (FAILED, "what Redis holds
    for project X does not read", logged). The feeds' tally reads every
    project in one round trip and is taken only when the generation did not
    move meanwhile.
*/
#include "projects_store.h"

#include <assert.h>
#include <czmq.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "projects_keyspace.h"
#include "sti_log.h"

#define S_KEY_MAX 256      // bytes of one key
#define S_TALLY_MAX 100000 // projects the feeds read at most

struct _projects_store_t {
    sti_redis_t *redis; // borrowed
};

projects_store_t *projects_store_new(sti_redis_t *redis)
{
    assert(redis);
    projects_store_t *self = (projects_store_t *)calloc(1, sizeof *self);
    assert(self);
    self->redis = redis;
    return self;
}

void projects_store_destroy(projects_store_t **self_p)
{
    assert(self_p);
    free(*self_p);
    *self_p = NULL;
}

//  --- reading what Redis holds ---

//  The value of field in a HGETALL reply, or NULL.
static const char *s_field(const redisReply *hash, const char *field)
{
    for (size_t i = 0; i + 1 < hash->elements; i += 2) {
        if (hash->element[i]->type == REDIS_REPLY_STRING &&
            strcmp(hash->element[i]->str, field) == 0 &&
            hash->element[i + 1]->type == REDIS_REPLY_STRING) {
            return hash->element[i + 1]->str;
        }
    }
    return NULL;
}

//  A whole integer; -1 when text is not one.
static int s_int(const char *text, int64_t *out)
{
    char *end = NULL;
    errno = 0;
    long long value = text ? strtoll(text, &end, 10) : 0;
    if (!text || !*text || *end || errno) {
        return -1;
    }
    *out = value;
    return 0;
}

//  A finite number; -1 when text is not one.
static int s_number(const char *text, double *out)
{
    char *end = NULL;
    *out = text ? strtod(text, &end) : 0;
    return text && *text && !*end && *out == *out ? 0 : -1;
}

//  Copies field into buf; -1 when it is missing or too long.
static int s_copy(const redisReply *hash, const char *field, char *buf, size_t cap)
{
    const char *value = s_field(hash, field);
    if (!value || strlen(value) >= cap) {
        return -1;
    }
    memcpy(buf, value, strlen(value) + 1);
    return 0;
}

//  The project's own fields.
static int s_parse_hash(const redisReply *hash, projects_record_t *r)
{
    const char *investment = s_field(hash, "investment");
    int64_t status_on = 0, ms = 0;
    r->kind = projects_code_find(PROJECTS_LIST_KIND, s_field(hash, "kind"));
    r->level = projects_code_find(PROJECTS_LIST_LEVEL, s_field(hash, "level"));
    r->status = projects_code_find(PROJECTS_LIST_STATUS, s_field(hash, "status"));
    r->has_investment = investment && *investment;
    if (s_copy(hash, "code", r->code, sizeof r->code) ||
        s_copy(hash, "name_zh", r->name_zh, sizeof r->name_zh) ||
        s_copy(hash, "name_en", r->name_en, sizeof r->name_en) ||
        s_copy(hash, "programme", r->programme, sizeof r->programme) ||
        s_copy(hash, "org", r->org, sizeof r->org) ||
        s_copy(hash, "lead", r->lead, sizeof r->lead) ||
        s_copy(hash, "start", r->start, sizeof r->start) ||
        s_copy(hash, "end", r->end, sizeof r->end) ||
        s_copy(hash, "digest", r->digest, sizeof r->digest) || r->kind < 0 || r->level < 0 ||
        r->status < 0 || (r->has_investment && s_number(investment, &r->investment)) ||
        s_int(s_field(hash, "status_on"), &status_on) ||
        s_int(s_field(hash, "version"), &r->version) ||
        s_int(s_field(hash, "created"), &r->created_ms) ||
        s_int(s_field(hash, "updated"), &r->updated_ms) || s_int(s_field(hash, "ms"), &ms)) {
        return -1;
    }
    r->status_on = (int)status_on;
    r->last_milestone = (int)ms;
    return 0;
}

static int s_by_id(const void *a, const void *b)
{
    return ((const projects_milestone_t *)a)->id - ((const projects_milestone_t *)b)->id;
}

//  The milestones: "<id>.due|desc|done|late" -> value.
static int s_parse_milestones(const redisReply *hash, projects_record_t *r)
{
    for (size_t i = 0; i + 1 < hash->elements; i += 2) {
        const char *field = hash->element[i]->str, *value = hash->element[i + 1]->str;
        char *dot = NULL;
        long id = strtol(field, &dot, 10);
        int64_t number = 0;
        if (id < 1 || !dot || *dot != '.' || !value) {
            return -1;
        }
        projects_milestone_t *m = projects_record_milestone(r, (int)id);
        if (!m && r->milestone_count == PROJECTS_MILESTONES_MAX) {
            return -1;
        }
        if (!m) {
            m = &r->milestones[r->milestone_count++];
            m->id = (int)id;
        }
        if (strcmp(dot, ".desc") == 0) {
            snprintf(m->description, sizeof m->description, "%s", value);
        } else if (strcmp(dot, ".late") == 0) {
            m->late = true;
        } else if (s_int(value, &number) != 0) {
            return -1;
        } else if (strcmp(dot, ".due") == 0 || strcmp(dot, ".done") == 0) {
            *(dot[2] == 'u' ? &m->due : &m->done) = (int)number;
        }
    }
    qsort(r->milestones, r->milestone_count, sizeof r->milestones[0], s_by_id);
    return 0;
}

//  The investment made: period -> amount.
static int s_parse_invested(const redisReply *hash, projects_record_t *r)
{
    for (size_t i = 0; i + 1 < hash->elements && i / 2 < PROJECTS_INVESTED_MAX; i += 2) {
        projects_invested_t *entry = &r->invested[r->invested_count++];
        if (hash->element[i]->len >= sizeof entry->period ||
            s_number(hash->element[i + 1]->str, &entry->value) != 0) {
            return -1;
        }
        snprintf(entry->period, sizeof entry->period, "%s", hash->element[i]->str);
    }
    return 0;
}

//  The history: XRANGE entries [id, [field, value, ...]].
static int s_parse_history(const redisReply *range, projects_record_t *r)
{
    for (size_t i = 0; i < range->elements && r->history_count < PROJECTS_HISTORY_MAX; i++) {
        const redisReply *entry = range->element[i];
        if (entry->type != REDIS_REPLY_ARRAY || entry->elements != 2 ||
            entry->element[1]->type != REDIS_REPLY_ARRAY) {
            return -1;
        }
        const redisReply *fields = entry->element[1];
        projects_status_change_t *change = &r->history[r->history_count++];
        const char *from = s_field(fields, "from");
        int64_t on = 0;
        change->from = from && *from ? projects_code_find(PROJECTS_LIST_STATUS, from) : -1;
        change->to = projects_code_find(PROJECTS_LIST_STATUS, s_field(fields, "to"));
        if (change->to < 0 || s_int(s_field(fields, "time"), &change->time_ms) ||
            s_int(s_field(fields, "on"), &on) ||
            s_copy(fields, "who", change->who, sizeof change->who) ||
            s_copy(fields, "reason", change->reason, sizeof change->reason)) {
            return -1;
        }
        change->on = (int)on;
    }
    return 0;
}

//  Queues the reads of one project: HGETALL p, m, i; XRANGE h.
static void s_append_reads(projects_store_t *self, const char *code)
{
    static const char *parts[] = {"p", "m", "i", "h"};
    for (int i = 0; i < 4; i++) {
        char key[S_KEY_MAX];
        projects_keyspace_project(self->redis, parts[i], code, key, sizeof key);
        const char *argv[] = {i == 3 ? "XRANGE" : "HGETALL", key, "-", "+"};
        sti_redis_append(self->redis, i == 3 ? 4 : 2, argv, NULL);
    }
}

//  Takes the four replies of s_append_reads into record. Returns OK,
//  NOT_FOUND (no hash), or FAILED with err.
static projects_store_rc_t s_take_reads(projects_store_t *self, const char *code,
                                        projects_record_t *record, char *err, size_t errlen)
{
    redisReply *replies[4] = {NULL};
    bool broken = false;
    for (int i = 0; i < 4; i++) {
        replies[i] = sti_redis_reply(self->redis);
        broken = broken || !replies[i] || replies[i]->type != REDIS_REPLY_ARRAY;
    }
    projects_store_rc_t rc = PROJECTS_STORE_OK;
    memset(record, 0, sizeof *record);
    if (broken) {
        snprintf(err, errlen, "the registry cannot be read now: %s",
                 replies[0] ? "an unexpected reply" : sti_redis_errstr(self->redis));
        rc = PROJECTS_STORE_FAILED;
    } else if (replies[0]->elements == 0) {
        snprintf(err, errlen, "no project %s", code);
        rc = PROJECTS_STORE_NOT_FOUND;
    } else if (s_parse_hash(replies[0], record) || s_parse_milestones(replies[1], record) ||
               s_parse_invested(replies[2], record) || s_parse_history(replies[3], record)) {
        snprintf(err, errlen, "what Redis holds for project %s does not read", code);
        sti_error("projects: %s", err);
        rc = PROJECTS_STORE_FAILED;
    }
    for (int i = 0; i < 4; i++) {
        if (replies[i]) {
            freeReplyObject(replies[i]);
        }
    }
    return rc;
}

projects_store_rc_t projects_store_read(projects_store_t *self, const char *code,
                                        projects_record_t *record, char *err, size_t errlen)
{
    assert(self && code && record);
    s_append_reads(self, code);
    return s_take_reads(self, code, record, err, errlen);
}

int projects_store_codes(projects_store_t *self, const char *after,
                         char (*codes)[PROJECTS_CODE_MAX + 1], size_t cap)
{
    char key[S_KEY_MAX], from[PROJECTS_CODE_MAX + 2], limit[24];
    projects_keyspace(self->redis, "all", key, sizeof key);
    snprintf(from, sizeof from, "%s%s", *after ? "(" : "-", after);
    snprintf(limit, sizeof limit, "%zu", cap);
    const char *argv[] = {"ZRANGEBYLEX", key, from, "+", "LIMIT", "0", limit};
    redisReply *reply = sti_redis_argv_retry(self->redis, 7, argv, NULL);
    int count = -1;
    if (reply && reply->type == REDIS_REPLY_ARRAY) {
        count = 0;
        for (size_t i = 0; i < reply->elements && i < cap; i++) {
            if (reply->element[i]->type == REDIS_REPLY_STRING &&
                reply->element[i]->len <= PROJECTS_CODE_MAX) {
                snprintf(codes[count++], PROJECTS_CODE_MAX + 1, "%s", reply->element[i]->str);
            }
        }
    }
    if (reply) {
        freeReplyObject(reply);
    }
    return count;
}

//  --- the small keys ---

//  GET of <ns>:prj:<name> into buf ("" when absent). Returns 0 or -1.
static int s_get(projects_store_t *self, const char *name, char *buf, size_t cap)
{
    char key[S_KEY_MAX];
    projects_keyspace(self->redis, name, key, sizeof key);
    const char *argv[] = {"GET", key};
    redisReply *reply = sti_redis_argv_retry(self->redis, 2, argv, NULL);
    int rc =
        reply && (reply->type == REDIS_REPLY_STRING || reply->type == REDIS_REPLY_NIL) ? 0 : -1;
    snprintf(buf, cap, "%s", rc == 0 && reply->type == REDIS_REPLY_STRING ? reply->str : "");
    if (reply) {
        freeReplyObject(reply);
    }
    return rc;
}

int projects_store_gen(projects_store_t *self, uint64_t *gen)
{
    char text[32];
    int64_t value = 0;
    if (s_get(self, "gen", text, sizeof text) != 0 || (*text && s_int(text, &value) != 0)) {
        return -1;
    }
    *gen = (uint64_t)value;
    return 0;
}

int projects_store_fed(projects_store_t *self, char *buf, size_t cap)
{
    return s_get(self, "fed", buf, cap);
}

int projects_store_set_fed(projects_store_t *self, const char *mark)
{
    char key[S_KEY_MAX];
    projects_keyspace(self->redis, "fed", key, sizeof key);
    const char *argv[] = {"SET", key, mark};
    redisReply *reply = sti_redis_argv_retry(self->redis, 3, argv, NULL);
    int rc = reply && reply->type == REDIS_REPLY_STATUS ? 0 : -1;
    if (reply) {
        freeReplyObject(reply);
    }
    return rc;
}

//  --- the feeds' tally ---

//  Copies what the feeds need of record.
static void s_tally_of(const projects_record_t *record, projects_tally_t *tally)
{
    memset(tally, 0, sizeof *tally);
    tally->kind = record->kind;
    tally->level = record->level;
    snprintf(tally->programme, sizeof tally->programme, "%s", record->programme);
    for (size_t i = 0; i < record->history_count; i++) {
        tally->change_on[i] = record->history[i].on;
        tally->change_to[i] = record->history[i].to;
    }
    tally->change_count = record->history_count;
    for (size_t i = 0; i < record->invested_count; i++) {
        sti_period_t period;
        char reason[96];
        const char *text = record->invested[i].period;
        if (sti_period_parse(text, strlen(text), &period, reason, sizeof reason) == 0) {
            tally->invested_year[tally->invested_count] = period.year;
            tally->invested_value[tally->invested_count++] = record->invested[i].value;
        }
    }
}

int projects_store_each(projects_store_t *self, char (*codes)[PROJECTS_CODE_MAX + 1], size_t count,
                        projects_store_fn *fn, void *arg)
{
    projects_record_t *record = projects_record_new();
    char err[256];
    int rc = 0;
    for (size_t i = 0; i < count; i++) {
        s_append_reads(self, codes[i]);
    }
    for (size_t i = 0; i < count; i++) {
        //  Every reply queued is taken, whatever came before.
        projects_store_rc_t got = s_take_reads(self, codes[i], record, err, sizeof err);
        if (got == PROJECTS_STORE_OK && rc == 0) {
            fn(arg, record);
        } else if (got == PROJECTS_STORE_FAILED) {
            rc = -1;
        }
    }
    free(record);
    return rc;
}

//  Adds what the feeds need of one project to the tally being made.
typedef struct {
    projects_tally_t *tallies; // room for every code read
    size_t count;              // filled
} s_tally_t;

static void s_tally_one(void *arg, const projects_record_t *record)
{
    s_tally_t *tally = (s_tally_t *)arg;
    s_tally_of(record, &tally->tallies[tally->count++]);
}

int projects_store_tally(projects_store_t *self, projects_tally_t **projects, size_t *count,
                         uint64_t *gen)
{
    uint64_t after = 0;
    size_t cap = 1024;
    char(*codes)[PROJECTS_CODE_MAX + 1] = NULL;
    int got = 0;
    *projects = NULL;
    *count = 0;
    //  Every code, in one page as large as the registry (it fits in memory).
    for (;;) {
        free(codes);
        codes = calloc(cap, sizeof *codes);
        assert(codes);
        if (projects_store_gen(self, gen) != 0 ||
            (got = projects_store_codes(self, "", codes, cap)) < 0) {
            free(codes);
            return -1;
        }
        if ((size_t)got < cap || cap >= S_TALLY_MAX) {
            break;
        }
        cap *= 4;
    }
    s_tally_t tally = {calloc((size_t)got + 1, sizeof(projects_tally_t)), 0};
    assert(tally.tallies);
    int rc = projects_store_each(self, codes, (size_t)got, s_tally_one, &tally);
    free(codes);
    if (rc != 0 || projects_store_gen(self, &after) != 0 || after != *gen) {
        free(tally.tallies);
        return -1;
    }
    *projects = tally.tallies;
    *count = tally.count;
    return 0;
}
