/*  projects_writer: the registry written. See projects_writer.h.

    Each script's text is events_append.lua followed by the script, so it
    can take the guard and append events in the same step. The answer kept
    under a request id is "ok:<unchanged indexes>".
*/
#include "projects_writer.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "projects_keyspace.h"
#include "sti_log.h"
#include "sti_lua_projects_core.h"
#include "sti_lua_sti.h"
#include "sti_time.h"

#define S_KEY_MAX 256    // bytes of one key
#define S_EVENTS_MAX 16  // events one write raises at most
#define S_WRITE_KEYS 8   // projects_write.lua's keys
#define S_WRITE_VALUES 8 // its arguments before the events
#define S_LATE_KEYS 7    // projects_late.lua's keys

struct _projects_writer_t {
    sti_redis_t *redis;        // borrowed
    projects_store_t *store;   // borrowed: the reads
    sti_events_pub_t *pub;     // borrowed, may be NULL
    int64_t request_ttl_s;     // how long a request id is kept
    char *write_text;          // events_append.lua + projects_write.lua (owned)
    char *late_text;           // events_append.lua + projects_late.lua (owned)
    sti_script_t *write;       // the scripts, registered on redis
    sti_script_t *late;        //
    char events[4][S_KEY_MAX]; // the stream prj's log, seq, prev, epoch
    char prefix[S_KEY_MAX];    // <ns>:prj:
    projects_record_t *record; // scratch for the late milestones' project
};

//  A script after events_append.lua. Returns the text (caller frees).
static char *s_script_text(const char *script)
{
    size_t len = strlen(sti_lua_events_append) + strlen(script) + 2;
    char *text = (char *)malloc(len);
    assert(text);
    snprintf(text, len, "%s\n%s", sti_lua_events_append, script);
    return text;
}

projects_writer_t *projects_writer_new(sti_redis_t *redis, projects_store_t *store,
                                       sti_events_pub_t *pub, int64_t request_ttl_s)
{
    assert(redis && store);
    projects_writer_t *self = (projects_writer_t *)calloc(1, sizeof *self);
    assert(self);
    self->redis = redis;
    self->store = store;
    self->pub = pub;
    self->request_ttl_s = request_ttl_s;
    self->write_text = s_script_text(sti_lua_projects_write);
    self->late_text = s_script_text(sti_lua_projects_late);
    self->write = sti_redis_script(redis, self->write_text);
    self->late = sti_redis_script(redis, self->late_text);
    int rc = sti_events_log_keys(redis, "prj", self->events[0], self->events[1], self->events[2],
                                 self->events[3], S_KEY_MAX);
    assert(rc == 0 && projects_keyspace_prefix(redis, self->prefix, sizeof self->prefix));
    self->record = projects_record_new();
    return self;
}

void projects_writer_destroy(projects_writer_t **self_p)
{
    assert(self_p);
    projects_writer_t *self = *self_p;
    if (self) {
        free(self->record);
        free(self->write_text);
        free(self->late_text);
        free(self);
        *self_p = NULL;
    }
}

projects_store_rc_t projects_writer_replayed(projects_writer_t *self, const char *op,
                                             const char *request_id,
                                             projects_write_result_t *result)
{
    char key[S_KEY_MAX];
    memset(result, 0, sizeof *result);
    result->index = -1;
    if (!projects_keyspace_request(self->redis, op, request_id, key, sizeof key)) {
        return result->rc = PROJECTS_STORE_NOT_FOUND;
    }
    const char *argv[] = {"GET", key};
    redisReply *reply = sti_redis_argv_retry(self->redis, 2, argv, NULL);
    if (!reply || (reply->type != REDIS_REPLY_STRING && reply->type != REDIS_REPLY_NIL)) {
        snprintf(result->reason, sizeof result->reason, "the registry cannot be read now: %s",
                 reply ? "an unexpected reply" : sti_redis_errstr(self->redis));
        result->rc = PROJECTS_STORE_FAILED;
    } else if (reply->type == REDIS_REPLY_NIL) {
        result->rc = PROJECTS_STORE_NOT_FOUND;
    } else {
        snprintf(result->unchanged, sizeof result->unchanged, "%s",
                 strncmp(reply->str, "ok:", 3) == 0 ? reply->str + 3 : "");
        result->rc = PROJECTS_STORE_REPLAYED;
    }
    if (reply) {
        freeReplyObject(reply);
    }
    return result->rc;
}

//  The string of element i of a reply, or "".
static const char *s_str(const redisReply *reply, size_t i)
{
    return reply && reply->type == REDIS_REPLY_ARRAY && i < reply->elements &&
                   reply->element[i]->type == REDIS_REPLY_STRING
               ? reply->element[i]->str
               : "";
}

//  Publishes the events a script appended (first..last, of epoch).
static void s_published(projects_writer_t *self, const redisReply *first, const redisReply *last,
                        const char *epoch)
{
    if (!self->pub || first->type != REDIS_REPLY_INTEGER || last->type != REDIS_REPLY_INTEGER ||
        strlen(epoch) > STI_EVENTS_EPOCH_MAX) {
        return;
    }
    sti_events_pub_appended(self->pub, epoch, (uint64_t)last->integer);
    if (first->integer > 0) {
        sti_events_send_logged(self->pub, (uint64_t)first->integer, (uint64_t)last->integer);
    }
}

//  Reads the write script's reply into result.
static void s_write_result(projects_writer_t *self, const redisReply *reply,
                           projects_write_result_t *result)
{
    const char *what = s_str(reply, 0);
    result->rc = PROJECTS_STORE_FAILED;
    if (strcmp(what, "ok") == 0 && reply->elements == 5) {
        s_published(self, reply->element[1], reply->element[2], s_str(reply, 3));
        snprintf(result->unchanged, sizeof result->unchanged, "%s", s_str(reply, 4));
        result->rc = PROJECTS_STORE_OK;
    } else if (strcmp(what, "replayed") == 0) {
        const char *kept = s_str(reply, 1);
        snprintf(result->unchanged, sizeof result->unchanged, "%s",
                 strncmp(kept, "ok:", 3) == 0 ? kept + 3 : "");
        result->rc = PROJECTS_STORE_REPLAYED;
    } else if (strcmp(what, "conflict") == 0 || strcmp(what, "not_found") == 0) {
        result->rc = what[0] == 'c' ? PROJECTS_STORE_CONFLICT : PROJECTS_STORE_NOT_FOUND;
        result->index = strtoll(s_str(reply, 1), NULL, 10);
        snprintf(result->field, sizeof result->field, "%s", s_str(reply, 2));
        snprintf(result->reason, sizeof result->reason, "%s", s_str(reply, 3));
    } else if (strcmp(what, "lost") == 0) {
        if (self->pub) {
            sti_events_pub_refused(self->pub, s_str(reply, 1));
        }
        snprintf(result->reason, sizeof result->reason, "the registry takes no changes now: %s",
                 s_str(reply, 1));
    } else {
        snprintf(result->reason, sizeof result->reason, "the registry cannot be changed now: %s",
                 reply && reply->type == REDIS_REPLY_ERROR ? reply->str
                                                           : sti_redis_errstr(self->redis));
        sti_error("projects: %s", result->reason);
    }
}

//  The event guard's floor and epoch, from the publisher.
static void s_floor(projects_writer_t *self, char *floor, size_t cap, const char **epoch)
{
    snprintf(floor, cap, "0");
    *epoch = "";
    if (self->pub) {
        sti_events_pub_floor(self->pub, floor, cap, epoch);
    }
}

//  Runs projects_write.lua over the encoded changes and their events.
static void s_write(projects_writer_t *self, const char *op, const char *request_id,
                    const char *json, const projects_event_t *events, size_t made, bool dry_run,
                    projects_write_result_t *result)
{
    memset(result, 0, sizeof *result);
    result->index = -1;
    char keys[4][S_KEY_MAX], ttl[24], floor[32], maxlen[24], event_count[16];
    const char *epoch = "";
    projects_keyspace_request(self->redis, op, request_id, keys[0], S_KEY_MAX);
    projects_keyspace(self->redis, "all", keys[1], S_KEY_MAX);
    projects_keyspace(self->redis, "due", keys[2], S_KEY_MAX);
    projects_keyspace(self->redis, "gen", keys[3], S_KEY_MAX);
    snprintf(ttl, sizeof ttl, "%lld", (long long)self->request_ttl_s);
    snprintf(maxlen, sizeof maxlen, "%u", STI_EVENTS_MAXLEN);
    snprintf(event_count, sizeof event_count, "%zu", made);
    s_floor(self, floor, sizeof floor, &epoch);
    const char *argv[S_WRITE_KEYS + S_WRITE_VALUES + 6 * S_EVENTS_MAX] = {keys[0],
                                                                          keys[1],
                                                                          keys[2],
                                                                          keys[3],
                                                                          self->events[0],
                                                                          self->events[1],
                                                                          self->events[2],
                                                                          self->events[3],
                                                                          self->prefix,
                                                                          ttl,
                                                                          json,
                                                                          floor,
                                                                          epoch,
                                                                          maxlen,
                                                                          event_count,
                                                                          dry_run ? "1" : "0"};
    size_t lens[S_WRITE_KEYS + S_WRITE_VALUES + 6 * S_EVENTS_MAX];
    int argc = S_WRITE_KEYS + S_WRITE_VALUES;
    for (int a = 0; a < argc; a++) {
        lens[a] = strlen(argv[a]);
    }
    for (size_t e = 0; e < made; e++) {
        const char *fields[] = {events[e].topic, events[e].type, events[e].subject, events[e].time,
                                "sti-projects"};
        for (int f = 0; f < 5; f++) {
            lens[argc] = strlen(fields[f]);
            argv[argc++] = fields[f];
        }
        lens[argc] = events[e].size;
        argv[argc++] = (const char *)events[e].data;
    }
    redisReply *reply =
        sti_redis_eval(self->redis, self->write, S_WRITE_KEYS, argc - S_WRITE_KEYS, argv, lens);
    s_write_result(self, reply, result);
    if (reply) {
        freeReplyObject(reply);
    }
}

void projects_writer_write(projects_writer_t *self, const char *op, const char *request_id,
                           const projects_change_t *changes, size_t count,
                           projects_write_result_t *result)
{
    assert(self && op && request_id && changes);
    projects_event_t events[S_EVENTS_MAX];
    size_t made = projects_change_events(changes, count, events, S_EVENTS_MAX);
    char *json = projects_change_encode(changes, count, sti_time_now_ms());
    s_write(self, op, request_id, json, events, made, false, result);
    for (size_t e = 0; e < made; e++) {
        projects_change_event_free(&events[e]);
    }
    free(json);
}

void projects_writer_write_encoded(projects_writer_t *self, const char *op, const char *request_id,
                                   const char *changes, bool dry_run,
                                   projects_write_result_t *result)
{
    assert(self && op && request_id && changes);
    s_write(self, op, request_id, changes, NULL, 0, dry_run, result);
}

//  Raises one milestone (member "<code>#<id>"). Returns 1 when raised, 0
//  when not (done, gone, moved), -1 when Redis failed.
static int s_raise(projects_writer_t *self, const char *member)
{
    char code[PROJECTS_CODE_MAX + 1], err[256], id_text[16], due[16], floor[32], maxlen[24];
    const char *hash = strrchr(member, '#');
    if (!hash || (size_t)(hash - member) > PROJECTS_CODE_MAX) {
        return 0;
    }
    snprintf(code, sizeof code, "%.*s", (int)(hash - member), member);
    int id = atoi(hash + 1);
    projects_store_rc_t rc = projects_store_read(self->store, code, self->record, err, sizeof err);
    if (rc == PROJECTS_STORE_FAILED) {
        return -1;
    }
    projects_milestone_t *milestone =
        rc == PROJECTS_STORE_OK ? projects_record_milestone(self->record, id) : NULL;
    projects_milestone_t none = {id, 0, 0, false, ""};
    projects_event_t event;
    projects_change_late_event(self->record, milestone ? milestone : &none, &event);
    char keys[3][S_KEY_MAX];
    projects_keyspace_project(self->redis, "p", code, keys[0], S_KEY_MAX);
    projects_keyspace_project(self->redis, "m", code, keys[1], S_KEY_MAX);
    projects_keyspace(self->redis, "due", keys[2], S_KEY_MAX);
    snprintf(id_text, sizeof id_text, "%d", id);
    snprintf(due, sizeof due, "%d", milestone ? milestone->due : 0);
    snprintf(maxlen, sizeof maxlen, "%u", STI_EVENTS_MAXLEN);
    const char *epoch = "";
    s_floor(self, floor, sizeof floor, &epoch);
    const char *argv[] = {keys[0],
                          keys[1],
                          keys[2],
                          self->events[0],
                          self->events[1],
                          self->events[2],
                          self->events[3],
                          member,
                          id_text,
                          due,
                          floor,
                          epoch,
                          maxlen,
                          event.topic,
                          event.type,
                          event.subject,
                          event.time,
                          "sti-projects",
                          (const char *)event.data};
    size_t lens[sizeof argv / sizeof argv[0]];
    for (size_t a = 0; a < sizeof argv / sizeof argv[0]; a++) {
        lens[a] = a + 1 == sizeof argv / sizeof argv[0] ? event.size : strlen(argv[a]);
    }
    redisReply *reply =
        sti_redis_eval(self->redis, self->late, S_LATE_KEYS,
                       (int)(sizeof argv / sizeof argv[0]) - S_LATE_KEYS, argv, lens);
    const char *what = s_str(reply, 0);
    int raised = strcmp(what, "ok") == 0 ? 1 : strcmp(what, "skip") == 0 ? 0 : -1;
    if (raised == 1 && reply->elements == 3) {
        s_published(self, reply->element[1], reply->element[1], s_str(reply, 2));
        sti_info("projects: milestone %s passed its due date undone", member);
    } else if (strcmp(what, "lost") == 0 && self->pub) {
        sti_events_pub_refused(self->pub, s_str(reply, 1));
    }
    if (reply) {
        freeReplyObject(reply);
    }
    projects_change_event_free(&event);
    return raised;
}

int projects_writer_late(projects_writer_t *self, int today, size_t max)
{
    char key[S_KEY_MAX], upto[24], limit[24];
    projects_keyspace(self->redis, "due", key, sizeof key);
    snprintf(upto, sizeof upto, "(%d", today);
    snprintf(limit, sizeof limit, "%zu", max);
    const char *argv[] = {"ZRANGEBYSCORE", key, "-inf", upto, "LIMIT", "0", limit};
    redisReply *reply = sti_redis_argv_retry(self->redis, 7, argv, NULL);
    if (!reply || reply->type != REDIS_REPLY_ARRAY) {
        if (reply) {
            freeReplyObject(reply);
        }
        return -1;
    }
    int raised = 0;
    for (size_t i = 0; i < reply->elements && raised >= 0; i++) {
        int one = s_raise(self, s_str(reply, i));
        raised = one < 0 ? -1 : raised + one;
    }
    freeReplyObject(reply);
    return raised;
}
