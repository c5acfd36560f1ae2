/*  projects_record: a project and its forms. See projects_record.h. */
#include "projects_record.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sti_time.h"

projects_record_t *projects_record_new(void)
{
    projects_record_t *self = (projects_record_t *)calloc(1, sizeof *self);
    assert(self);
    return self;
}

projects_milestone_t *projects_record_milestone(projects_record_t *self, int id)
{
    for (size_t i = 0; i < self->milestone_count; i++) {
        if (self->milestones[i].id == id) {
            return &self->milestones[i];
        }
    }
    return NULL;
}

projects_invested_t *projects_record_invested(projects_record_t *self, const char *period)
{
    for (size_t i = 0; i < self->invested_count; i++) {
        if (strcmp(self->invested[i].period, period) == 0) {
            return &self->invested[i];
        }
    }
    return NULL;
}

double projects_record_invested_total(const projects_record_t *self)
{
    double total = 0;
    for (size_t i = 0; i < self->invested_count; i++) {
        total += self->invested[i].value;
    }
    return total;
}

void projects_record_counts(const projects_record_t *self, int *done, int *late)
{
    *done = *late = 0;
    for (size_t i = 0; i < self->milestone_count; i++) {
        *done += self->milestones[i].done != 0;
        *late += self->milestones[i].late && !self->milestones[i].done;
    }
}

//  A string, or nil for "".
static void s_kv_text(sti_writer_t *writer, const char *key, const char *text)
{
    sti_writer_str(writer, key);
    sti_writer_str(writer, text && *text ? text : NULL);
}

//  A date, or nil for 0.
static void s_kv_date(sti_writer_t *writer, const char *key, int ymd)
{
    char date[16];
    sti_writer_kv_str(writer, key, ymd ? projects_date_format(ymd, date, sizeof date) : NULL);
}

static void s_kv_time(sti_writer_t *writer, const char *key, int64_t ms)
{
    char time[STI_TIME_RFC3339_LEN + 1];
    sti_writer_kv_str(writer, key, sti_time_rfc3339(ms, time, sizeof time));
}

//  The keys FULL and SUMMARY share, first (9 pairs).
static void s_write_head(const projects_record_t *self, sti_writer_t *writer)
{
    sti_writer_kv_str(writer, "code", self->code);
    sti_writer_kv_str(writer, "name_zh", self->name_zh);
    s_kv_text(writer, "name_en", self->name_en);
    sti_writer_kv_str(writer, "kind", projects_code_name(PROJECTS_LIST_KIND, self->kind));
    s_kv_text(writer, "programme", self->programme);
    sti_writer_kv_str(writer, "level", projects_code_name(PROJECTS_LIST_LEVEL, self->level));
    sti_writer_kv_str(writer, "org", self->org);
    sti_writer_kv_str(writer, "start", self->start);
    sti_writer_kv_str(writer, "end", self->end);
}

static void s_write_milestones(const projects_record_t *self, sti_writer_t *writer)
{
    sti_writer_str(writer, "milestones");
    sti_writer_array(writer, self->milestone_count);
    for (size_t i = 0; i < self->milestone_count; i++) {
        const projects_milestone_t *milestone = &self->milestones[i];
        sti_writer_map(writer, 5);
        sti_writer_kv_int(writer, "id", milestone->id);
        s_kv_date(writer, "due", milestone->due);
        sti_writer_kv_str(writer, "description", milestone->description);
        s_kv_date(writer, "done", milestone->done);
        sti_writer_kv_bool(writer, "late", milestone->late);
    }
}

static void s_write_history(const projects_record_t *self, sti_writer_t *writer)
{
    sti_writer_str(writer, "history");
    sti_writer_array(writer, self->history_count);
    for (size_t i = 0; i < self->history_count; i++) {
        const projects_status_change_t *change = &self->history[i];
        sti_writer_map(writer, 6);
        s_kv_time(writer, "time", change->time_ms);
        sti_writer_kv_str(writer, "who", change->who);
        sti_writer_kv_str(writer, "from", projects_code_name(PROJECTS_LIST_STATUS, change->from));
        sti_writer_kv_str(writer, "to", projects_code_name(PROJECTS_LIST_STATUS, change->to));
        s_kv_date(writer, "on", change->on);
        s_kv_text(writer, "reason", change->reason);
    }
}

void projects_record_write(const projects_record_t *self, const char *money_unit,
                           sti_writer_t *writer)
{
    sti_writer_map(writer, 20);
    s_write_head(self, writer);
    s_kv_text(writer, "lead", self->lead);
    sti_writer_str(writer, "investment");
    if (self->has_investment) {
        sti_writer_map(writer, 2);
        sti_writer_kv_double(writer, "value", self->investment);
        sti_writer_kv_str(writer, "unit", money_unit);
    } else {
        sti_writer_nil(writer);
    }
    sti_writer_str(writer, "invested");
    sti_writer_array(writer, self->invested_count);
    for (size_t i = 0; i < self->invested_count; i++) {
        sti_writer_map(writer, 2);
        sti_writer_kv_str(writer, "period", self->invested[i].period);
        sti_writer_kv_double(writer, "value", self->invested[i].value);
    }
    sti_writer_kv_double(writer, "invested_total", projects_record_invested_total(self));
    sti_writer_kv_str(writer, "status", projects_code_name(PROJECTS_LIST_STATUS, self->status));
    s_kv_date(writer, "status_on", self->status_on);
    sti_writer_kv_int(writer, "version", self->version);
    s_kv_time(writer, "created", self->created_ms);
    s_kv_time(writer, "updated", self->updated_ms);
    s_write_milestones(self, writer);
    s_write_history(self, writer);
}

void projects_record_write_summary(const projects_record_t *self, sti_writer_t *writer)
{
    int done = 0, late = 0;
    projects_record_counts(self, &done, &late);
    sti_writer_map(writer, 16);
    s_write_head(self, writer);
    sti_writer_str(writer, "investment");
    if (self->has_investment) {
        sti_writer_double(writer, self->investment);
    } else {
        sti_writer_nil(writer);
    }
    sti_writer_kv_str(writer, "status", projects_code_name(PROJECTS_LIST_STATUS, self->status));
    s_kv_date(writer, "status_on", self->status_on);
    sti_writer_kv_int(writer, "milestones", (int64_t)self->milestone_count);
    sti_writer_kv_int(writer, "done", done);
    sti_writer_kv_int(writer, "late", late);
    sti_writer_kv_int(writer, "version", self->version);
}

void projects_record_write_event(const projects_record_t *self, size_t extra, sti_writer_t *writer)
{
    sti_writer_map(writer, 8 + extra);
    sti_writer_kv_str(writer, "code", self->code);
    sti_writer_kv_str(writer, "name_zh", self->name_zh);
    s_kv_text(writer, "name_en", self->name_en);
    sti_writer_kv_str(writer, "kind", projects_code_name(PROJECTS_LIST_KIND, self->kind));
    s_kv_text(writer, "programme", self->programme);
    sti_writer_kv_str(writer, "level", projects_code_name(PROJECTS_LIST_LEVEL, self->level));
    sti_writer_kv_str(writer, "org", self->org);
    sti_writer_kv_str(writer, "status", projects_code_name(PROJECTS_LIST_STATUS, self->status));
}
