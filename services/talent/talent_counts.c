/*  talent_counts: the registry's counts, kept current in sti-ingest. See
    talent_counts.h.

    The tick reads the generation, the dirty marks, the contributions and
    the year last submitted in one MULTI/EXEC, so the rows it sends are the
    counts of exactly that generation; the request id names the generation
    and the year, so the same id always carries the same rows.
*/
#include "talent_counts.h"

#include <assert.h>
#include <czmq.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sti_catalog_store.h"
#include "sti_log.h"
#include "sti_lua_talent_core.h"
#include "sti_mdp_client.h"

#define S_FIRST_YEAR 1950          // no talent arrives earlier (talent_fields)
#define S_YEARS 256                // contributions one indicator holds, at most
#define S_REPLY_WAIT_MS 5000       // a reply later than this is given up on
#define S_BACKOFF_MIN_MS 500       // first wait after a failure
#define S_BACKOFF_MAX_MS 30000     // longest wait between attempts

struct _talent_counts_t {
    sti_redis_t *redis;             // borrowed
    const talent_codes_t *codes;    // borrowed
    char *broker;                   // broker endpoint (owned)
    int first_year;                 // earliest year submitted
    sti_mdp_client_t *client;       // to sti.ingest, created on first use
    sti_catalog_store_t *catalog;   // for the root org unit
    sti_script_t *done;             // talent_counts_done.lua
    bool in_flight;                 // a request waits for its reply
    char request_id[80];            // its request id (also the envelope id)
    char gen[24];                   // its generation
    int year;                       // its last year
    int64_t sent_at;                // when it went (zclock_mono)
    int64_t next_attempt;           // earliest next send (zclock_mono)
    int backoff_ms;                 // current back-off
    bool pending;                   // dirty marks were seen at the last read
};

static int s_this_year(void)
{
    return talent_check_today() / 10000;
}

int talent_counts_change(const talent_codes_t *codes, const talent_record_t *old,
                         const talent_record_t *new_record, char *deltas, size_t deltas_cap,
                         char *dirty, size_t dirty_cap)
{
    size_t dl = 0, yl = 0;
    deltas[0] = dirty[0] = 0;
    int last = s_this_year() + 2;
    for (size_t i = 0; i < talent_codes_indicator_count(codes); i++) {
        const talent_indicator_t *indicator = talent_codes_indicator_at(codes, i);
        bool was_old = false, was_new = false;
        int first_touched = 0;
        for (int year = S_FIRST_YEAR; year <= last; year++) {
            bool in_old = old && talent_record_counts_for(old, indicator, year);
            bool in_new = new_record && talent_record_counts_for(new_record, indicator, year);
            int delta = ((int)in_new - (int)was_new) - ((int)in_old - (int)was_old);
            was_old = in_old;
            was_new = in_new;
            if (delta == 0) {
                continue;
            }
            int n = snprintf(deltas + dl, deltas_cap - dl, "%s:%d\n%d\n", indicator->code, year,
                             delta);
            if (n < 0 || (size_t)n >= deltas_cap - dl) {
                return -1;
            }
            dl += (size_t)n;
            if (!first_touched) {
                first_touched = year;
            }
        }
        if (first_touched) {
            int n = snprintf(dirty + yl, dirty_cap - yl, "%s\n%d\n", indicator->code,
                             first_touched);
            if (n < 0 || (size_t)n >= dirty_cap - yl) {
                return -1;
            }
            yl += (size_t)n;
        }
    }
    return 0;
}

int64_t talent_counts_sum(const int *years, const int64_t *deltas, size_t count, int year)
{
    int64_t sum = 0;
    for (size_t i = 0; i < count; i++) {
        if (years[i] <= year) {
            sum += deltas[i];
        }
    }
    return sum;
}

talent_counts_t *talent_counts_new(sti_redis_t *redis, const talent_codes_t *codes,
                                   const char *broker, int first_year)
{
    assert(redis && codes && broker);
    talent_counts_t *self = (talent_counts_t *)calloc(1, sizeof *self);
    assert(self);
    self->redis = redis;
    self->codes = codes;
    self->broker = strdup(broker);
    assert(self->broker);
    self->first_year = first_year;
    self->catalog = sti_catalog_store_new(redis);
    self->done = sti_redis_script(redis, sti_lua_talent_counts_done);
    self->backoff_ms = S_BACKOFF_MIN_MS;
    return self;
}

void talent_counts_destroy(talent_counts_t **self_p)
{
    assert(self_p);
    talent_counts_t *self = *self_p;
    if (self) {
        sti_mdp_client_destroy(&self->client);
        sti_catalog_store_destroy(&self->catalog);
        free(self->broker);
        free(self);
        *self_p = NULL;
    }
}

bool talent_counts_pending(talent_counts_t *self)
{
    return self->pending || self->in_flight;
}

//  Waits longer before the next attempt.
static void s_back_off(talent_counts_t *self)
{
    self->in_flight = false;
    self->next_attempt = zclock_mono() + self->backoff_ms;
    self->backoff_ms = self->backoff_ms * 2 > S_BACKOFF_MAX_MS ? S_BACKOFF_MAX_MS
                                                               : self->backoff_ms * 2;
}

//  A key of the counts family.
static void s_key(talent_counts_t *self, char *buf, size_t cap, const char *part)
{
    sti_redis_key(self->redis, buf, cap, "tal", part, NULL);
}

//  What one read of the counts found.
typedef struct {
    char gen[24];                   // the generation
    int from[TALENT_CODES_MAX];     // per indicator: first dirty year, 0 when clean
    int years[TALENT_CODES_MAX][S_YEARS];       // contribution years
    int64_t deltas[TALENT_CODES_MAX][S_YEARS];  // contribution values
    size_t count[TALENT_CODES_MAX]; // contributions used
    bool any;                       // some indicator is dirty
} s_snapshot_t;

//  The indicator index of a code, or -1.
static int s_indicator(talent_counts_t *self, const char *code, size_t len)
{
    for (size_t i = 0; i < talent_codes_indicator_count(self->codes); i++) {
        const char *have = talent_codes_indicator_at(self->codes, i)->code;
        if (strlen(have) == len && memcmp(have, code, len) == 0) {
            return (int)i;
        }
    }
    return -1;
}

//  Fills the snapshot from the EXEC reply [gen, dirty, contributions, upto].
static int s_parse(talent_counts_t *self, const redisReply *exec, s_snapshot_t *snap, int year)
{
    if (!exec || exec->type != REDIS_REPLY_ARRAY || exec->elements != 4) {
        return -1;
    }
    const redisReply *gen = exec->element[0], *dirty = exec->element[1],
                     *contrib = exec->element[2], *upto = exec->element[3];
    snprintf(snap->gen, sizeof snap->gen, "%s", gen->type == REDIS_REPLY_STRING ? gen->str : "0");
    for (size_t i = 0; dirty->type == REDIS_REPLY_ARRAY && i + 1 < dirty->elements; i += 2) {
        int at = s_indicator(self, dirty->element[i]->str, dirty->element[i]->len);
        if (at >= 0) {
            snap->from[at] = atoi(dirty->element[i + 1]->str);
            snap->any = true;
        }
    }
    //  A new year since the last submission: every count has a new year to show.
    int last = upto->type == REDIS_REPLY_STRING ? atoi(upto->str) : 0;
    for (size_t i = 0; last > 0 && last < year && i < talent_codes_indicator_count(self->codes);
         i++) {
        if (!snap->from[i] || snap->from[i] > last + 1) {
            snap->from[i] = last + 1;
        }
        snap->any = true;
    }
    for (size_t i = 0; contrib->type == REDIS_REPLY_ARRAY && i + 1 < contrib->elements; i += 2) {
        const char *field = contrib->element[i]->str;
        const char *colon = strrchr(field, ':');
        int at = colon ? s_indicator(self, field, (size_t)(colon - field)) : -1;
        if (at >= 0 && snap->count[at] < S_YEARS) {
            snap->years[at][snap->count[at]] = atoi(colon + 1);
            snap->deltas[at][snap->count[at]++] = strtoll(contrib->element[i + 1]->str, NULL, 10);
        }
    }
    return 0;
}

//  Reads the counts in one transaction. Returns a new snapshot (caller
//  frees), or NULL when Redis failed.
static s_snapshot_t *s_read(talent_counts_t *self, int year)
{
    char gen[256], dirty[256], count[256], upto[256];
    s_key(self, gen, sizeof gen, "count:gen");
    s_key(self, dirty, sizeof dirty, "count:dirty");
    s_key(self, count, sizeof count, "count");
    s_key(self, upto, sizeof upto, "count:upto");
    sti_redis_appendf(self->redis, "MULTI");
    sti_redis_appendf(self->redis, "GET %s", gen);
    sti_redis_appendf(self->redis, "HGETALL %s", dirty);
    sti_redis_appendf(self->redis, "HGETALL %s", count);
    sti_redis_appendf(self->redis, "GET %s", upto);
    sti_redis_appendf(self->redis, "EXEC");
    redisReply *replies[6] = {NULL};
    for (int i = 0; i < 6; i++) {
        replies[i] = sti_redis_reply(self->redis);
    }
    s_snapshot_t *snap = (s_snapshot_t *)calloc(1, sizeof *snap);
    assert(snap);
    if (s_parse(self, replies[5], snap, year) != 0) {
        free(snap);
        snap = NULL;
    }
    for (int i = 0; i < 6; i++) {
        if (replies[i]) {
            freeReplyObject(replies[i]);
        }
    }
    return snap;
}

//  Writes the obs.submit request of the snapshot's dirty counts. Returns the
//  number of rows.
static size_t s_request(talent_counts_t *self, const s_snapshot_t *snap, const char *org,
                        int year, sti_writer_t *writer)
{
    size_t rows = 0;
    const char *source = "talent-registry";
    for (size_t i = 0; i < talent_codes_indicator_count(self->codes); i++) {
        int from = snap->from[i] < self->first_year ? self->first_year : snap->from[i];
        rows += snap->from[i] && from <= year ? (size_t)(year - from + 1) : 0;
        source = talent_codes_indicator_at(self->codes, i)->source;
    }
    snprintf(self->request_id, sizeof self->request_id, "talent-counts-%s-%d", snap->gen, year);
    sti_envelope_request(writer, "obs.submit", self->request_id);
    sti_writer_map(writer, 3);
    sti_writer_kv_str(writer, "source", source);
    sti_writer_kv_str(writer, "request_id", self->request_id);
    sti_writer_str(writer, "rows");
    sti_writer_array(writer, rows);
    for (size_t i = 0; i < talent_codes_indicator_count(self->codes); i++) {
        int from = snap->from[i] < self->first_year ? self->first_year : snap->from[i];
        for (int y = from; snap->from[i] && y <= year; y++) {
            char period[16];
            snprintf(period, sizeof period, "%d", y);
            sti_writer_map(writer, 4);
            sti_writer_kv_str(writer, "indicator", talent_codes_indicator_at(self->codes, i)->code);
            sti_writer_kv_str(writer, "org", org);
            sti_writer_kv_str(writer, "period", period);
            sti_writer_kv_double(writer, "value",
                                 (double)talent_counts_sum(snap->years[i], snap->deltas[i],
                                                           snap->count[i], y));
        }
    }
    return rows;
}

//  Marks the snapshot's generation as accepted.
static void s_done(talent_counts_t *self, const char *gen, int year)
{
    char dirty[256], genkey[256], upto[256], year_text[16];
    s_key(self, dirty, sizeof dirty, "count:dirty");
    s_key(self, genkey, sizeof genkey, "count:gen");
    s_key(self, upto, sizeof upto, "count:upto");
    snprintf(year_text, sizeof year_text, "%d", year);
    const char *argv[] = {dirty, genkey, upto, gen, year_text};
    redisReply *reply = sti_redis_eval(self->redis, self->done, 3, 2, argv, NULL);
    if (!reply || reply->type == REDIS_REPLY_ERROR) {
        sti_warn("talent counts: accepted, but the mark could not be cleared (sent again): %s",
                 reply ? reply->str : sti_redis_errstr(self->redis));
    }
    if (reply) {
        freeReplyObject(reply);
    }
}

//  Sends the dirty counts, if any. Returns 0 when there was nothing to do
//  or the request went out, -1 to back off.
static int s_send(talent_counts_t *self)
{
    int year = s_this_year();
    s_snapshot_t *snap = s_read(self, year);
    if (!snap) {
        sti_warn("talent counts: cannot read the counts: %s", sti_redis_errstr(self->redis));
        return -1;
    }
    self->pending = snap->any;
    if (!snap->any) {
        free(snap);
        return 0;
    }
    sti_errcode_t code;
    char err[256];
    const sti_catalog_t *catalog = sti_catalog_store_get(self->catalog, &code, err, sizeof err);
    if (!catalog || !sti_catalog_org_root(catalog)) {
        sti_warn("talent counts: waiting for the plan's catalog: %s", err);
        free(snap);
        return -1;
    }
    sti_writer_t *writer = sti_writer_new();
    size_t rows = s_request(self, snap, sti_catalog_org_root(catalog)->code, year, writer);
    snprintf(self->gen, sizeof self->gen, "%s", snap->gen);
    self->year = year;
    free(snap);
    if (rows == 0) {
        s_done(self, self->gen, year);
        sti_writer_destroy(&writer);
        return 0;
    }
    if (!self->client) {
        self->client = sti_mdp_client_new(self->broker, S_REPLY_WAIT_MS, 0);
    }
    size_t size;
    const void *data = sti_writer_data(writer, &size);
    zmsg_t *msg = zmsg_new();
    zmsg_addmem(msg, data, size);
    sti_writer_destroy(&writer);
    if (!self->client || sti_mdp_client_send(self->client, "sti.ingest", &msg) != 0) {
        sti_warn("talent counts: cannot send to sti.ingest");
        return -1;
    }
    self->in_flight = true;
    self->sent_at = zclock_mono();
    return 0;
}

//  Reads the reply of the request in flight, if it came.
static void s_take_reply(talent_counts_t *self)
{
    zmsg_t *body = sti_mdp_client_recv(self->client, 0);
    if (!body) {
        if (zclock_mono() - self->sent_at > S_REPLY_WAIT_MS) {
            sti_warn("talent counts: sti.ingest did not answer; trying again later");
            sti_mdp_client_destroy(&self->client);
            s_back_off(self);
        }
        return;
    }
    zframe_t *frame = zmsg_first(body);
    sti_reply_t reply;
    char err[200];
    sti_limits_t limits = {0};
    if (!frame || sti_reply_decode(zframe_data(frame), zframe_size(frame), &limits, &reply, err,
                                   sizeof err) != 0) {
        sti_warn("talent counts: malformed reply from sti.ingest");
    } else if (strcmp(reply.id, self->request_id) != 0) {
        sti_debug("talent counts: a late reply to %s, ignored", reply.id);
        sti_reply_release(&reply);
        zmsg_destroy(&body);
        return;
    } else {
        int64_t rejected = -1;
        sti_field_error_t fe;
        if (reply.ok && sti_map_int(reply.body, "rejected", &rejected, &fe) == 0 && rejected == 0) {
            sti_info("talent counts: sti.ingest accepted %s", self->request_id);
            s_done(self, self->gen, self->year);
            self->in_flight = false;
            self->backoff_ms = S_BACKOFF_MIN_MS;
            self->next_attempt = 0;
        } else {
            sti_warn("talent counts: sti.ingest refused %s: %s", self->request_id,
                     reply.ok ? "some rows were rejected (is the plan's catalog current?)"
                              : reply.message);
            s_back_off(self);
        }
        sti_reply_release(&reply);
        zmsg_destroy(&body);
        return;
    }
    zmsg_destroy(&body);
    s_back_off(self);
}

void talent_counts_tick(talent_counts_t *self)
{
    assert(self);
    if (self->in_flight) {
        s_take_reply(self);
        return;
    }
    if (zclock_mono() < self->next_attempt) {
        return;
    }
    if (s_send(self) != 0) {
        s_back_off(self);
    }
}
