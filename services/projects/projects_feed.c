/*  projects_feed: the projects' values, kept current in sti-ingest. See
    projects_feed.h.

    The feeds are decoded from the catalog again whenever its version
    changes (a plan loaded again, a target set), and the mark names the
    version, so a changed baseline is sent again too.
*/
#include "projects_feed.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sti_log.h"
#include "sti_submit.h"

#define S_IDLE_MS 1000 // how often the mark is compared while nothing is due

struct _projects_feed_t {
    projects_store_t *store;      // borrowed
    sti_catalog_store_t *catalog; // borrowed
    const char *money_unit;       // borrowed
    projects_counts_t *feeds;     // decoded from the catalog, or NULL
    uint64_t feeds_version;       // the catalog version they were decoded at (0: none)
    sti_submit_t *submit;         // the request to sti.ingest, its reply, the back-off
    bool pending;                 // the mark differed at the last look
    char request_id[96];          // the request in flight (also the envelope id)
    char mark[64];                // what its acceptance marks
};

projects_feed_t *projects_feed_new(projects_store_t *store, sti_catalog_store_t *catalog,
                                   const char *broker, const char *money_unit)
{
    assert(store && catalog && broker && money_unit);
    projects_feed_t *self = (projects_feed_t *)calloc(1, sizeof *self);
    assert(self);
    self->store = store;
    self->catalog = catalog;
    self->money_unit = money_unit;
    self->submit = sti_submit_new(broker, "project feeds");
    return self;
}

void projects_feed_destroy(projects_feed_t **self_p)
{
    assert(self_p);
    projects_feed_t *self = *self_p;
    if (self) {
        sti_submit_destroy(&self->submit);
        projects_counts_destroy(&self->feeds);
        free(self);
        *self_p = NULL;
    }
}

bool projects_feed_pending(projects_feed_t *self)
{
    assert(self);
    return self->pending || sti_submit_waiting(self->submit);
}

//  The catalog and its feeds (decoded again when its version moved), or
//  NULL while there are none (said at debug level; a bad projects.json at
//  error level, once per version).
static const sti_catalog_t *s_catalog(projects_feed_t *self)
{
    sti_errcode_t code;
    char err[400];
    const sti_catalog_t *catalog = sti_catalog_store_get(self->catalog, &code, err, sizeof err);
    if (!catalog) {
        sti_debug("project feeds: waiting for the plan: %s", err);
        return NULL;
    }
    uint64_t version = sti_catalog_store_version(self->catalog);
    if (version != self->feeds_version) {
        projects_counts_destroy(&self->feeds);
        self->feeds_version = version;
        size_t size = 0;
        const void *data = sti_catalog_projects(catalog, &size);
        if (data && !(self->feeds = projects_counts_decode(data, size, catalog, self->money_unit,
                                                           err, sizeof err))) {
            sti_error("project feeds: the plan's projects.json does not load: %s", err);
        }
    }
    return self->feeds && projects_counts_count(self->feeds) ? catalog : NULL;
}

//  Writes the obs.submit request of every feed for the plan's years up to year.
static void s_request(projects_feed_t *self, const sti_catalog_t *catalog,
                      const projects_tally_t *projects, size_t count, int year,
                      sti_writer_t *writer)
{
    const sti_plan_t *plan = sti_catalog_plan(catalog);
    const sti_org_unit_t *root = sti_catalog_org_root(catalog);
    int last = year < plan->end_year ? year : plan->end_year;
    size_t years = last >= plan->start_year ? (size_t)(last - plan->start_year + 1) : 0;
    size_t feeds = projects_counts_count(self->feeds);
    sti_envelope_request(writer, "obs.submit", self->request_id);
    sti_writer_map(writer, 3);
    sti_writer_kv_str(writer, "source", projects_counts_source(self->feeds));
    sti_writer_kv_str(writer, "request_id", self->request_id);
    sti_writer_str(writer, "rows");
    sti_writer_array(writer, feeds * years);
    for (size_t f = 0; f < feeds; f++) {
        for (int y = plan->start_year; y <= last; y++) {
            char period[16];
            snprintf(period, sizeof period, "%d", y);
            sti_writer_map(writer, 4);
            sti_writer_kv_str(writer, "indicator", projects_counts_indicator(self->feeds, f));
            sti_writer_kv_str(writer, "org", root ? root->code : "");
            sti_writer_kv_str(writer, "period", period);
            sti_writer_kv_double(writer, "value",
                                 projects_counts_value(self->feeds, f, projects, count, y));
        }
    }
}

//  Sends the values when the mark moved. Returns 0 (nothing to do, or
//  sent), or -1 to back off.
static int s_send(projects_feed_t *self)
{
    const sti_catalog_t *catalog = s_catalog(self);
    uint64_t gen = 0;
    char fed[64] = "", mark[64];
    int year = projects_date_today() / 10000;
    sti_submit_pause(self->submit, S_IDLE_MS);
    if (!catalog || projects_store_gen(self->store, &gen) != 0 ||
        projects_store_fed(self->store, fed, sizeof fed) != 0) {
        return catalog ? -1 : 0;
    }
    snprintf(mark, sizeof mark, "%llu-%llu-%d", (unsigned long long)gen,
             (unsigned long long)sti_catalog_store_version(self->catalog), year);
    //  A registry nobody has written to yet feeds nothing: its values would
    //  be the baselines alone, as if no project existed.
    self->pending = gen > 0 && strcmp(mark, fed) != 0;
    if (!self->pending) {
        return 0;
    }
    projects_tally_t *projects = NULL;
    size_t count = 0;
    if (projects_store_tally(self->store, &projects, &count, &gen) != 0) {
        return -1; // Redis failed, or the registry moved while read: again later
    }
    snprintf(mark, sizeof mark, "%llu-%llu-%d", (unsigned long long)gen,
             (unsigned long long)sti_catalog_store_version(self->catalog), year);
    snprintf(self->mark, sizeof self->mark, "%s", mark);
    snprintf(self->request_id, sizeof self->request_id, "projects-%s", mark);
    sti_writer_t *writer = sti_writer_new();
    s_request(self, catalog, projects, count, year, writer);
    free(projects);
    size_t size;
    const void *data = sti_writer_data(writer, &size);
    sti_submit_send(self->submit, self->request_id, data, size); // backs off itself
    sti_writer_destroy(&writer);
    return 0;
}

void projects_feed_tick(projects_feed_t *self)
{
    assert(self);
    if (sti_submit_waiting(self->submit)) {
        if (sti_submit_poll(self->submit) == STI_SUBMIT_ACCEPTED) {
            self->pending = false;
            if (projects_store_set_fed(self->store, self->mark) != 0) {
                sti_warn("project feeds: accepted, but the mark could not be kept (sent again)");
            }
        }
    } else if (sti_submit_ready(self->submit) && s_send(self) != 0) {
        sti_submit_back_off(self->submit);
    }
}
