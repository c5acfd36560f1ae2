/*  projects_counts: the feeds of projects.json and their values. See
    projects_counts.h.

    Filters are bit sets over the fixed words (kind, level, status) and a
    short list of programme codes; a filter left out matches every project.
*/
#include "projects_counts.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_PROGRAMMES 16 // programme codes of one filter

typedef enum { S_COUNT, S_INVESTMENT } s_measure_t;

//  One feed, decoded.
typedef struct {
    char indicator[STI_CODE_MAX];                // the indicator fed
    s_measure_t measure;                         // count or investment
    unsigned kinds, levels, statuses;            // bit sets (1 << index); 0 matches all
    char programmes[S_PROGRAMMES][STI_CODE_MAX]; // programme codes; none matches all
    size_t programme_count;                      // how many
    bool plus_baseline;                          // add the plan's baseline (count only)
    double baseline;                             // the indicator's baseline value
    int baseline_year;                           // its year
    double factor;                               // money unit -> indicator's unit (investment)
} s_feed_t;

struct _projects_counts_t {
    char source[64];                     // the source of the values
    s_feed_t feeds[PROJECTS_COUNTS_MAX]; // the feeds
    size_t count;                        // how many
};

//  Reads where.<key>: an array of names of list into a bit set.
static int s_words(sti_node_t where, const char *key, projects_list_t list, unsigned *bits,
                   char *reason, size_t cap)
{
    sti_node_t array = sti_node_get(where, key);
    sti_field_error_t fe;
    char name[32];
    *bits = 0;
    if (sti_node_is_missing(array)) {
        return 0;
    }
    if (sti_node_type(array) != STI_TYPE_ARRAY || sti_node_size(array) == 0) {
        snprintf(reason, cap, "where.%s: must be a list of names", key);
        return -1;
    }
    for (size_t i = 0; i < sti_node_size(array); i++) {
        int index = sti_node_str_copy(sti_node_at(array, i), name, sizeof name, &fe) == 0
                        ? projects_code_find(list, name)
                        : -1;
        if (index < 0) {
            snprintf(reason, cap, "where.%s[%zu]: must be one of %s", key, i,
                     projects_code_names(list));
            return -1;
        }
        *bits |= 1u << index;
    }
    return 0;
}

//  Reads where.programme: tags of the plan whose kind is "project".
static int s_programmes(sti_node_t where, const sti_catalog_t *catalog, s_feed_t *feed,
                        char *reason, size_t cap)
{
    sti_node_t array = sti_node_get(where, "programme");
    sti_field_error_t fe;
    if (sti_node_is_missing(array)) {
        return 0;
    }
    if (sti_node_type(array) != STI_TYPE_ARRAY || sti_node_size(array) > S_PROGRAMMES) {
        snprintf(reason, cap, "where.programme: must be a list of at most %d tags", S_PROGRAMMES);
        return -1;
    }
    for (size_t i = 0; i < sti_node_size(array); i++) {
        char *code = feed->programmes[feed->programme_count++];
        const sti_tag_t *tag = NULL;
        if (sti_node_str_copy(sti_node_at(array, i), code, STI_CODE_MAX, &fe) != 0 ||
            !(tag = sti_catalog_tag_find(catalog, code)) || strcmp(tag->kind, "project") != 0) {
            snprintf(reason, cap, "where.programme[%zu]: '%s' is not a project tag of the plan", i,
                     code);
            return -1;
        }
    }
    return 0;
}

//  Reads the measure and what it needs of the indicator.
static int s_measure(sti_node_t node, const sti_catalog_t *catalog, const char *money_unit,
                     s_feed_t *feed, char *reason, size_t cap)
{
    char measure[32] = "count", why[200];
    sti_field_error_t fe;
    const sti_indicator_t *indicator = sti_catalog_indicator_find(catalog, feed->indicator);
    if (!sti_node_is_missing(sti_node_get(node, "measure")) &&
        sti_map_str_copy(node, "measure", measure, sizeof measure, &fe) != 0) {
        measure[0] = 0;
    }
    if (strcmp(measure, "count") != 0 && strcmp(measure, "investment") != 0) {
        snprintf(reason, cap, "measure: must be count or investment");
        return -1;
    }
    feed->measure = measure[0] == 'c' ? S_COUNT : S_INVESTMENT;
    if (feed->measure == S_INVESTMENT &&
        sti_units_convert(sti_catalog_units(catalog), 1.0, money_unit, indicator->unit,
                          &feed->factor, why, sizeof why) != 0) {
        snprintf(reason, cap, "measure: an investment in %s does not feed %s (unit %s): %s",
                 money_unit, feed->indicator, indicator->unit, why);
        return -1;
    }
    if (feed->plus_baseline && (feed->measure != S_COUNT || !indicator->has_baseline)) {
        snprintf(reason, cap, "plus_baseline: %s",
                 feed->measure != S_COUNT ? "only a count adds the baseline"
                                          : "the indicator has no baseline in the plan");
        return -1;
    }
    feed->baseline = indicator->baseline_value;
    feed->baseline_year = indicator->has_baseline ? indicator->baseline_period.year : 0;
    return 0;
}

//  Reads one feed. Returns 0, or -1 with a reason (without the feed's place).
static int s_feed(sti_node_t node, const sti_catalog_t *catalog, const char *money_unit,
                  s_feed_t *feed, char *reason, size_t cap)
{
    static const char *keys[] = {"indicator", "measure", "where", "plus_baseline", "note", NULL};
    static const char *where_keys[] = {"kind", "level", "programme", "status", NULL};
    sti_field_error_t fe = {"", ""};
    sti_node_t where = sti_node_get(node, "where");
    if (sti_map_only(node, keys, &fe) != 0 ||
        sti_map_str_copy(node, "indicator", feed->indicator, sizeof feed->indicator, &fe) != 0 ||
        (!sti_node_is_missing(sti_node_get(node, "plus_baseline")) &&
         sti_map_bool(node, "plus_baseline", &feed->plus_baseline, &fe) != 0) ||
        (!sti_node_is_missing(where) && sti_map_only(where, where_keys, &fe) != 0)) {
        snprintf(reason, cap, "%s%s%s", fe.field, fe.field[0] ? ": " : "", fe.reason);
        return -1;
    }
    if (!sti_catalog_indicator_find(catalog, feed->indicator)) {
        snprintf(reason, cap, "indicator: unknown indicator '%s'", feed->indicator);
        return -1;
    }
    if (s_words(where, "kind", PROJECTS_LIST_KIND, &feed->kinds, reason, cap) ||
        s_words(where, "level", PROJECTS_LIST_LEVEL, &feed->levels, reason, cap) ||
        s_words(where, "status", PROJECTS_LIST_STATUS, &feed->statuses, reason, cap) ||
        s_programmes(where, catalog, feed, reason, cap) ||
        s_measure(node, catalog, money_unit, feed, reason, cap)) {
        return -1;
    }
    if (feed->measure == S_COUNT && feed->statuses == 0) {
        feed->statuses = 1u << PROJECTS_STATUS_COMPLETED;
    }
    return 0;
}

projects_counts_t *projects_counts_decode(const void *data, size_t size,
                                          const sti_catalog_t *catalog, const char *money_unit,
                                          char *err, size_t errlen)
{
    static const char *keys[] = {"about", "source", "feeds", NULL};
    char reason[400] = "";
    sti_field_error_t fe = {"", ""};
    sti_reader_t *reader = sti_reader_new(data, size, NULL, reason, sizeof reason);
    projects_counts_t *self = (projects_counts_t *)calloc(1, sizeof *self);
    assert(self);
    snprintf(self->source, sizeof self->source, "project-registry");
    sti_node_t root = reader ? sti_reader_root(reader) : (sti_node_t){NULL};
    sti_node_t feeds = sti_node_get(root, "feeds");
    int rc = -1;
    if (!reader) {
        snprintf(err, errlen, "projects: %s", reason);
    } else if (sti_map_only(root, keys, &fe) != 0 ||
               (!sti_node_is_missing(sti_node_get(root, "source")) &&
                sti_map_str_copy(root, "source", self->source, sizeof self->source, &fe) != 0)) {
        snprintf(err, errlen, "projects: %s: %s", fe.field, fe.reason);
    } else if (sti_node_type(feeds) != STI_TYPE_ARRAY ||
               sti_node_size(feeds) > PROJECTS_COUNTS_MAX) {
        snprintf(err, errlen, "projects: feeds: must be a list of at most %d feeds",
                 PROJECTS_COUNTS_MAX);
    } else {
        rc = 0;
        for (size_t i = 0; rc == 0 && i < sti_node_size(feeds); i++) {
            rc = s_feed(sti_node_at(feeds, i), catalog, money_unit, &self->feeds[i], reason,
                        sizeof reason);
            if (rc != 0) {
                snprintf(err, errlen, "projects: feeds[%zu].%s", i, reason);
            }
            self->count = i + 1;
        }
    }
    sti_reader_destroy(&reader);
    if (rc != 0) {
        projects_counts_destroy(&self);
    }
    return self;
}

void projects_counts_destroy(projects_counts_t **self_p)
{
    assert(self_p);
    free(*self_p);
    *self_p = NULL;
}

size_t projects_counts_count(const projects_counts_t *self)
{
    return self->count;
}

const char *projects_counts_source(const projects_counts_t *self)
{
    return self->source;
}

const char *projects_counts_indicator(const projects_counts_t *self, size_t index)
{
    assert(index < self->count);
    return self->feeds[index].indicator;
}

int projects_tally_status_at(const projects_tally_t *project, int date)
{
    int status = -1, on = 0;
    for (size_t i = 0; i < project->change_count; i++) {
        if (project->change_on[i] <= date && project->change_on[i] >= on) {
            status = project->change_to[i];
            on = project->change_on[i];
        }
    }
    return status;
}

//  Whether the project's kind, level and programme match the feed.
static bool s_matches(const s_feed_t *feed, const projects_tally_t *project)
{
    if ((feed->kinds && !(feed->kinds & (1u << project->kind))) ||
        (feed->levels && !(feed->levels & (1u << project->level)))) {
        return false;
    }
    for (size_t i = 0; i < feed->programme_count; i++) {
        if (strcmp(feed->programmes[i], project->programme) == 0) {
            return true;
        }
    }
    return feed->programme_count == 0;
}

//  Whether status is one of the feed's (any when it names none).
static bool s_in(const s_feed_t *feed, int status)
{
    return feed->statuses == 0 || (status >= 0 && (feed->statuses & (1u << status)));
}

double projects_counts_value(const projects_counts_t *self, size_t index,
                             const projects_tally_t *projects, size_t count, int year)
{
    assert(index < self->count);
    const s_feed_t *feed = &self->feeds[index];
    int year_end = year * 10000 + 1231;
    double value = feed->plus_baseline ? feed->baseline : 0;
    for (size_t p = 0; p < count; p++) {
        const projects_tally_t *project = &projects[p];
        if (!s_matches(feed, project) || !s_in(feed, projects_tally_status_at(project, year_end))) {
            continue;
        }
        if (feed->measure == S_COUNT) {
            int before = projects_tally_status_at(project, feed->baseline_year * 10000 + 1231);
            value += feed->plus_baseline && before >= 0 && s_in(feed, before) ? 0 : 1;
            continue;
        }
        for (size_t i = 0; i < project->invested_count; i++) {
            value +=
                project->invested_year[i] == year ? project->invested_value[i] * feed->factor : 0;
        }
    }
    return value;
}
