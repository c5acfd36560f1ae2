/*  projects_query: the read ops of sti.projects. See projects_query.h. */
#include "projects_query.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "projects_reply.h"

#define S_PAGE 200 // codes read in one round trip while listing

struct _projects_query_t {
    projects_store_t *store;   // borrowed
    const char *money_unit;    // borrowed
    projects_record_t *record; // scratch
};

projects_query_t *projects_query_new(projects_store_t *store, const char *money_unit)
{
    assert(store && money_unit);
    projects_query_t *self = (projects_query_t *)calloc(1, sizeof *self);
    assert(self);
    self->store = store;
    self->money_unit = money_unit;
    self->record = projects_record_new();
    return self;
}

void projects_query_destroy(projects_query_t **self_p)
{
    assert(self_p);
    projects_query_t *self = *self_p;
    if (self) {
        free(self->record);
        free(self);
        *self_p = NULL;
    }
}

//  project.get.
static int s_project_get(void *object, const sti_call_t *call)
{
    projects_query_t *self = (projects_query_t *)object;
    char code[PROJECTS_CODE_MAX + 1], err[256];
    if (projects_reply_code(call, call->request->body, "code", code) != 0) {
        return 0;
    }
    projects_store_rc_t rc = projects_store_read(self->store, code, self->record, err, sizeof err);
    if (rc == PROJECTS_STORE_OK) {
        projects_reply_project(call, self->record, self->money_unit);
    } else {
        projects_reply_store(call, rc, err);
    }
    return 0;
}

//  A listing being made: its filters and what it holds so far.
typedef struct {
    int kind, level, status;          // -1: any
    char programme[STI_CODE_MAX];     // "": any
    char org[STI_CODE_MAX];           // "": any
    bool late_only;                   // only projects with late milestones
    size_t limit;                     // projects wanted
    size_t count;                     // projects written
    char last[PROJECTS_CODE_MAX + 1]; // the last project written
    sti_writer_t *summaries;          // their summaries, without the array header
} s_listing_t;

static void s_list_one(void *arg, const projects_record_t *record)
{
    s_listing_t *listing = (s_listing_t *)arg;
    int done = 0, late = 0;
    projects_record_counts(record, &done, &late);
    if (listing->count == listing->limit || (listing->kind >= 0 && record->kind != listing->kind) ||
        (listing->level >= 0 && record->level != listing->level) ||
        (listing->status >= 0 && record->status != listing->status) ||
        (*listing->programme && strcmp(record->programme, listing->programme) != 0) ||
        (*listing->org && strcmp(record->org, listing->org) != 0) ||
        (listing->late_only && late == 0)) {
        return;
    }
    projects_record_write_summary(record, listing->summaries);
    snprintf(listing->last, sizeof listing->last, "%s", record->code);
    listing->count++;
}

//  Reads the filters of project.list. Returns 0, or -1 after answering.
static int s_filters(const sti_call_t *call, s_listing_t *listing)
{
    sti_node_t body = call->request->body;
    static const char *const keys[] = {"kind", "level", "status"};
    static const projects_list_t lists[] = {PROJECTS_LIST_KIND, PROJECTS_LIST_LEVEL,
                                            PROJECTS_LIST_STATUS};
    int *slots[] = {&listing->kind, &listing->level, &listing->status};
    sti_field_error_t fe = {"", ""};
    int64_t limit = 100;
    for (int i = 0; i < 3; i++) {
        char word[32] = "";
        *slots[i] = -1;
        if (sti_node_is_missing(sti_node_get(body, keys[i]))) {
            continue;
        }
        sti_map_str_copy(body, keys[i], word, sizeof word, &fe);
        if ((*slots[i] = projects_code_find(lists[i], word)) < 0) {
            snprintf(fe.field, sizeof fe.field, "%s", keys[i]);
            snprintf(fe.reason, sizeof fe.reason, "must be one of %s",
                     projects_code_names(lists[i]));
            sti_envelope_reply_invalid(call->reply, call->request->id, &fe);
            return -1;
        }
    }
    if (!sti_node_is_missing(sti_node_get(body, "programme"))) {
        sti_map_str_copy(body, "programme", listing->programme, sizeof listing->programme, &fe);
    }
    if (!sti_node_is_missing(sti_node_get(body, "org"))) {
        sti_map_str_copy(body, "org", listing->org, sizeof listing->org, &fe);
    }
    if (!sti_node_is_missing(sti_node_get(body, "late"))) {
        sti_map_bool(body, "late", &listing->late_only, &fe);
    }
    if (!sti_node_is_missing(sti_node_get(body, "limit"))) {
        sti_map_int(body, "limit", &limit, &fe);
    }
    listing->limit = (size_t)limit;
    return 0;
}

//  project.list.
static int s_project_list(void *object, const sti_call_t *call)
{
    projects_query_t *self = (projects_query_t *)object;
    s_listing_t listing;
    memset(&listing, 0, sizeof listing);
    char after[PROJECTS_CODE_MAX + 1] = "";
    char(*codes)[PROJECTS_CODE_MAX + 1] = calloc(S_PAGE, sizeof *codes);
    assert(codes);
    sti_field_error_t fe;
    if (!sti_node_is_missing(sti_node_get(call->request->body, "after"))) {
        sti_map_str_copy(call->request->body, "after", after, sizeof after, &fe);
    }
    int got = S_PAGE;
    if (s_filters(call, &listing) == 0) {
        listing.summaries = sti_writer_new();
        while (listing.count < listing.limit && got == S_PAGE) {
            got = projects_store_codes(self->store, after, codes, S_PAGE);
            if (got > 0 &&
                projects_store_each(self->store, codes, (size_t)got, s_list_one, &listing) != 0) {
                got = -1;
            }
            if (got <= 0) {
                break;
            }
            snprintf(after, sizeof after, "%s", codes[got - 1]);
        }
        bool more = listing.count == listing.limit;
        if (got < 0) {
            projects_reply_error(call, STI_ERR_UNAVAILABLE, "the registry cannot be read now");
        } else {
            size_t size;
            const void *summaries = sti_writer_data(listing.summaries, &size);
            sti_writer_reset(call->reply);
            sti_envelope_reply_ok(call->reply, call->request->id);
            sti_writer_map(call->reply, 2);
            sti_writer_str(call->reply, "projects");
            sti_writer_array(call->reply, listing.count);
            sti_writer_raw(call->reply, summaries, size);
            sti_writer_kv_str(call->reply, "next", more ? listing.last : NULL);
        }
        sti_writer_destroy(&listing.summaries);
    }
    free(codes);
    return 0;
}

//  events.since on the stream prj.
static int s_events_since(void *object, const sti_call_t *call)
{
    (void)object;
    sti_events_since_reply(sti_service_redis(call->service), "prj", call->request, call->reply);
    return 0;
}

static const sti_arg_t s_get_args[] = {
    {"code", STI_ARG_STR, STI_REQUIRED, 1, PROJECTS_CODE_MAX, NULL, "the project's code"},
    STI_ARGS_END,
};

static const sti_arg_t s_list_args[] = {
    {"kind", STI_ARG_STR, STI_OPTIONAL, 1, 31, NULL, "platform, research, incubator or other"},
    {"level", STI_ARG_STR, STI_OPTIONAL, 1, 31, NULL,
     "national, provincial, municipal or district"},
    {"status", STI_ARG_STR, STI_OPTIONAL, 1, 31, NULL,
     "planned, in_progress, completed, suspended or cancelled"},
    {"programme", STI_ARG_STR, STI_OPTIONAL, 1, STI_CODE_MAX - 1, NULL, "a programme tag"},
    {"org", STI_ARG_STR, STI_OPTIONAL, 1, STI_CODE_MAX - 1, NULL, "the responsible org unit"},
    {"late", STI_ARG_BOOL, STI_OPTIONAL, 0, 0, NULL,
     "true: only projects with a milestone reported late and not done"},
    {"after", STI_ARG_STR, STI_OPTIONAL, 1, PROJECTS_CODE_MAX, NULL,
     "the next of the previous page: the listing goes on after this code"},
    {"limit", STI_ARG_INT, STI_OPTIONAL, 1, 1000, NULL, "the page's size (default 100)"},
    STI_ARGS_END,
};

#define S_READERS (STI_ROLE_READER | STI_ROLE_CLERK | STI_ROLE_OFFICER | STI_ROLE_SERVICE)

static const sti_op_decl_t s_ops[] = {
    {"project.get", s_project_get, S_READERS, s_get_args,
     "one project with its milestones, investment made and status history",
     "FULL (docs/projects.md, \"Answers\")", "Errors: `not_found`."},
    {"project.list", s_project_list, S_READERS, s_list_args,
     "a page of projects that match every filter, by code", "{projects: [SUMMARY], next}",
     "`next` is the code to pass as `after` for the next page, nil on the last. SUMMARY: "
     "`{code, name_zh, name_en, kind, programme, level, org, start, end, investment, status, "
     "status_on, milestones, done, late, version}` (`late`: milestones reported late and not "
     "done). An unknown kind, level or status is `invalid_argument`; an unknown programme or "
     "org unit matches nothing."},
    {"events.since", s_events_since, STI_ROLES_ANY, sti_events_since_args,
     "the events of the stream prj after a seq (replay)",
     "{events: [map...], upto, first, latest, epoch, epoch_start}",
     "As docs/events.md documents it (`sti_events_since_reply`), as for sti.indicators. The "
     "events are `project.status_changed` and `project.milestone_late` (docs/events.md, "
     "\"Event types\"). `invalid_argument` for another stream."},
    STI_OPS_END,
};

const sti_op_table_t projects_query_ops = {"projects_query", s_ops};
