/*  projects_registry: the write ops of sti.projects. See projects_registry.h.

    The records are large (milestones and history inline), so each handler
    works on the registry's two scratch records, current and next; the
    service answers one request at a time.
*/
#include "projects_registry.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "projects_reply.h"
#include "sti_log.h"
#include "sti_scope.h"
#include "sti_time.h"

struct _projects_registry_t {
    projects_store_t *store;      // borrowed: reads
    projects_writer_t *writer;    // borrowed: writes
    sti_catalog_store_t *catalog; // borrowed: the plan
    const char *money_unit;       // borrowed
    projects_record_t *current;   // scratch: the project as stored
    projects_record_t *next;      // scratch: the project as asked
};

projects_registry_t *projects_registry_new(projects_store_t *store, projects_writer_t *writer,
                                           sti_catalog_store_t *catalog, const char *money_unit)
{
    assert(store && writer && catalog && money_unit);
    projects_registry_t *self = (projects_registry_t *)calloc(1, sizeof *self);
    assert(self);
    self->store = store;
    self->writer = writer;
    self->catalog = catalog;
    self->money_unit = money_unit;
    self->current = projects_record_new();
    self->next = projects_record_new();
    return self;
}

void projects_registry_destroy(projects_registry_t **self_p)
{
    assert(self_p);
    projects_registry_t *self = *self_p;
    if (self) {
        free(self->current);
        free(self->next);
        free(self);
        *self_p = NULL;
    }
}

//  The checks' context for this call.
static projects_input_ctx_t s_ctx(const projects_registry_t *self, const sti_catalog_t *catalog,
                                  const sti_call_t *call)
{
    projects_input_ctx_t ctx = {
        catalog, self->money_unit, projects_date_today(),
        call->caller && call->caller->name[0] ? call->caller->name : "unknown", sti_time_now_ms()};
    return ctx;
}

//  Answers with project code as it is now (after a write or a replay).
static void s_answer(projects_registry_t *self, const sti_call_t *call, const char *code)
{
    char err[256];
    projects_store_rc_t rc = projects_store_read(self->store, code, self->current, err, sizeof err);
    if (rc == PROJECTS_STORE_OK) {
        projects_reply_project(call, self->current, self->money_unit);
    } else {
        projects_reply_store(call, rc, err);
    }
}

//  Whether the request was applied before: then answers (1). 0: not; -1:
//  the check failed and was answered.
static int s_replayed(projects_registry_t *self, const sti_call_t *call, const char *code)
{
    projects_write_result_t result;
    projects_store_rc_t rc =
        projects_writer_replayed(self->writer, call->request->op, call->request->id, &result);
    if (rc == PROJECTS_STORE_REPLAYED) {
        s_answer(self, call, code);
        return 1;
    }
    if (rc == PROJECTS_STORE_FAILED) {
        projects_reply_error(call, STI_ERR_UNAVAILABLE, result.reason);
        return -1;
    }
    return 0;
}

//  Whether the caller's org-unit scope (a town's clerk: sti_scope.h) covers
//  org; answers forbidden (field org, row index row or -1) when not.
//  Returns 0, or -1 after answering.
static int s_scope(const sti_call_t *call, const sti_catalog_t *catalog, const char *org,
                   int64_t row)
{
    const char *scope = call->caller ? call->caller->scope : "";
    if (sti_scope_covers(catalog, scope, org)) {
        return 0;
    }
    char why[STI_CODE_MAX * 2 + STI_AUTH_SCOPE_MAX * 2 + STI_AUTH_NAME_MAX + 96];
    snprintf(why, sizeof why,
             "org unit %s is outside the scope %s of %s (only %s and the units under it)", org,
             scope, call->caller->name, scope);
    char message[sizeof why + 64];
    if (row >= 0) {
        snprintf(message, sizeof message, "row %lld: org: %s (nothing imported)", (long long)row,
                 why);
    } else {
        snprintf(message, sizeof message, "org: %s", why);
    }
    sti_detail_t detail = {row, "org", why};
    sti_writer_reset(call->reply);
    sti_envelope_reply_error(call->reply, call->request->id, STI_ERR_FORBIDDEN, message, &detail,
                             1);
    return -1;
}

//  Writes one change and answers with the project.
static void s_write_one(projects_registry_t *self, const sti_call_t *call, bool added)
{
    projects_change_t change = {added ? NULL : self->current, self->next, 0};
    projects_write_result_t result;
    projects_writer_write(self->writer, call->request->op, call->request->id, &change, 1, &result);
    if (result.rc == PROJECTS_STORE_OK || result.rc == PROJECTS_STORE_REPLAYED) {
        sti_info("projects: %s %s by %s", call->request->op, self->next->code,
                 call->caller ? call->caller->name : "unknown");
        s_answer(self, call, self->next->code);
    } else if (result.rc == PROJECTS_STORE_CONFLICT) {
        sti_detail_t detail = {-1, result.field, result.reason};
        sti_writer_reset(call->reply);
        sti_envelope_reply_error(call->reply, call->request->id, STI_ERR_CONFLICT, result.reason,
                                 &detail, 1);
    } else {
        projects_reply_store(call, result.rc, result.reason);
    }
}

//  project.add.
static int s_project_add(void *object, const sti_call_t *call)
{
    projects_registry_t *self = (projects_registry_t *)object;
    char code[PROJECTS_CODE_MAX + 1];
    const sti_catalog_t *catalog = projects_reply_catalog(call, self->catalog);
    if (!catalog || projects_reply_code(call, call->request->body, "code", code) != 0 ||
        s_replayed(self, call, code) != 0) {
        return 0;
    }
    projects_input_ctx_t ctx = s_ctx(self, catalog, call);
    projects_problems_t problems;
    projects_problems_init(&problems);
    if (projects_input_add(&ctx, call->request->body, self->next, &problems) != 0) {
        projects_reply_problems(call, &problems);
    } else if (s_scope(call, catalog, self->next->org, -1) == 0) {
        s_write_one(self, call, true);
    }
    projects_problems_fini(&problems);
    return 0;
}

//  Reads the project a change is about, and checks the version the caller
//  read. Returns 0, or -1 after answering.
static int s_load(projects_registry_t *self, const sti_call_t *call, const char *code)
{
    char err[256];
    projects_store_rc_t rc = projects_store_read(self->store, code, self->current, err, sizeof err);
    if (rc != PROJECTS_STORE_OK) {
        projects_reply_store(call, rc, err);
        return -1;
    }
    int64_t version = 0;
    sti_field_error_t fe;
    if (!sti_node_is_missing(sti_node_get(call->request->body, "version")) &&
        sti_map_int(call->request->body, "version", &version, &fe) == 0 &&
        version != self->current->version) {
        snprintf(err, sizeof err, "project %s is at version %lld, not %lld", code,
                 (long long)self->current->version, (long long)version);
        sti_detail_t detail = {-1, "version", err};
        sti_writer_reset(call->reply);
        sti_envelope_reply_error(call->reply, call->request->id, STI_ERR_CONFLICT, err, &detail, 1);
        return -1;
    }
    return 0;
}

//  The checks of a change of a stored project: project.update or project.milestone.
typedef int(s_input_fn)(const projects_input_ctx_t *ctx, sti_node_t body,
                        const projects_record_t *current, projects_record_t *next,
                        projects_problems_t *problems);

//  Reads the project, checks the body with input, writes the change.
static void s_change(projects_registry_t *self, const sti_call_t *call, s_input_fn *input)
{
    char code[PROJECTS_CODE_MAX + 1];
    const sti_catalog_t *catalog = projects_reply_catalog(call, self->catalog);
    if (!catalog || projects_reply_code(call, call->request->body, "code", code) != 0 ||
        s_replayed(self, call, code) != 0 || s_load(self, call, code) != 0) {
        return;
    }
    projects_input_ctx_t ctx = s_ctx(self, catalog, call);
    projects_problems_t problems;
    projects_problems_init(&problems);
    if (input(&ctx, call->request->body, self->current, self->next, &problems) != 0) {
        projects_reply_problems(call, &problems);
    } else if (s_scope(call, catalog, self->current->org, -1) != 0 ||
               s_scope(call, catalog, self->next->org, -1) != 0) {
        //  Answered: a project of another unit, or moved to one.
    } else if (memcmp(self->current, self->next, sizeof *self->next) == 0) {
        projects_reply_project(call, self->current, self->money_unit);
    } else {
        s_write_one(self, call, false);
    }
    projects_problems_fini(&problems);
}

//  project.update.
static int s_project_update(void *object, const sti_call_t *call)
{
    s_change((projects_registry_t *)object, call, projects_input_update);
    return 0;
}

//  project.milestone.
static int s_project_milestone(void *object, const sti_call_t *call)
{
    s_change((projects_registry_t *)object, call, projects_input_milestone);
    return 0;
}

//  --- project.import ---

//  Checks every row (and that no code comes twice) and encodes the change
//  of each, one row at a time on the scratch record. Returns the changes'
//  JSON array (caller frees), or NULL with problems.
static char *s_check_rows(projects_registry_t *self, const projects_input_ctx_t *ctx,
                          sti_node_t rows, projects_problems_t *problems)
{
    size_t count = sti_node_size(rows);
    char(*codes)[PROJECTS_CODE_MAX + 1] = calloc(count + 1, sizeof *codes);
    cJSON *array = cJSON_CreateArray();
    assert(codes && array);
    for (size_t i = 0; i < count; i++) {
        problems->index = (int64_t)i;
        if (projects_input_add(ctx, sti_node_at(rows, i), self->next, problems) == 0) {
            projects_change_t change = {NULL, self->next, (int64_t)i};
            cJSON_AddItemToArray(array, projects_change_object(&change, ctx->now_ms));
        }
        snprintf(codes[i], sizeof codes[i], "%s", self->next->code);
        for (size_t j = 0; j < i && codes[i][0]; j++) {
            if (strcmp(codes[i], codes[j]) == 0) {
                projects_problem(problems, "code", "%s is in row %zu too", codes[i], j);
                break;
            }
        }
    }
    char *text = problems->count ? NULL : cJSON_PrintUnformatted(array);
    cJSON_Delete(array);
    free(codes);
    return text;
}

//  Answers {dry_run, added, unchanged, codes} for rows, unchanged being a
//  list of indexes (added: what a dry run would add).
static void s_import_answer(const sti_call_t *call, sti_node_t rows, const char *unchanged,
                            bool dry_run)
{
    size_t count = sti_node_size(rows), same = 0;
    for (const char *p = unchanged; *p; p++) {
        same += p == unchanged || p[-1] == ',';
    }
    sti_writer_reset(call->reply);
    sti_envelope_reply_ok(call->reply, call->request->id);
    sti_writer_map(call->reply, 4);
    sti_writer_kv_bool(call->reply, "dry_run", dry_run);
    sti_writer_kv_int(call->reply, "added", (int64_t)(count - same));
    sti_writer_kv_int(call->reply, "unchanged", (int64_t)same);
    sti_writer_str(call->reply, "codes");
    sti_writer_array(call->reply, count);
    for (size_t i = 0; i < count; i++) {
        sti_field_error_t fe;
        char code[PROJECTS_CODE_MAX + 1] = "";
        sti_map_str_copy(sti_node_at(rows, i), "code", code, sizeof code, &fe);
        sti_writer_str(call->reply, code);
    }
}

//  Writes the checked rows in one step (or only checks them), and answers.
static void s_import_write(projects_registry_t *self, const sti_call_t *call, sti_node_t rows,
                           const char *request_id, const char *changes, bool dry_run)
{
    projects_write_result_t result;
    projects_writer_write_encoded(self->writer, "project.import", request_id, changes, dry_run,
                                  &result);
    if (result.rc == PROJECTS_STORE_OK || result.rc == PROJECTS_STORE_REPLAYED) {
        if (!dry_run) {
            sti_info("projects: import %s: %zu rows", request_id, sti_node_size(rows));
        }
        s_import_answer(call, rows, result.unchanged, dry_run);
    } else if (result.rc == PROJECTS_STORE_CONFLICT || result.rc == PROJECTS_STORE_NOT_FOUND) {
        char message[400];
        snprintf(message, sizeof message, "row %lld: %s: %s (nothing imported)",
                 (long long)result.index, result.field, result.reason);
        sti_detail_t detail = {result.index, result.field, result.reason};
        sti_writer_reset(call->reply);
        sti_envelope_reply_error(call->reply, call->request->id, STI_ERR_CONFLICT, message, &detail,
                                 1);
    } else {
        projects_reply_store(call, result.rc, result.reason);
    }
}

//  Whether an import's request id was applied before: then answers (1).
//  0: not (or a dry run); -1: the check failed and was answered.
static int s_import_replayed(projects_registry_t *self, const sti_call_t *call, sti_node_t rows,
                             const char *request_id, bool dry_run)
{
    projects_write_result_t result;
    projects_store_rc_t rc =
        dry_run ? PROJECTS_STORE_NOT_FOUND
                : projects_writer_replayed(self->writer, "project.import", request_id, &result);
    if (rc == PROJECTS_STORE_REPLAYED) {
        s_import_answer(call, rows, result.unchanged, false);
        return 1;
    }
    if (rc == PROJECTS_STORE_FAILED) {
        projects_reply_error(call, STI_ERR_UNAVAILABLE, result.reason);
        return -1;
    }
    return 0;
}

//  Whether the caller's scope covers every row's org unit (rows checked
//  already). Returns 0, or -1 after answering forbidden for the first row
//  outside it (nothing imported).
static int s_rows_in_scope(const sti_call_t *call, const sti_catalog_t *catalog, sti_node_t rows)
{
    for (size_t i = 0; i < sti_node_size(rows); i++) {
        char org[STI_CODE_MAX] = "";
        sti_field_error_t fe;
        sti_map_str_copy(sti_node_at(rows, i), "org", org, sizeof org, &fe);
        if (s_scope(call, catalog, org, (int64_t)i) != 0) {
            return -1;
        }
    }
    return 0;
}

//  project.import: every row or none.
static int s_project_import(void *object, const sti_call_t *call)
{
    projects_registry_t *self = (projects_registry_t *)object;
    sti_node_t body = call->request->body, rows = sti_node_get(body, "rows");
    char request_id[STI_ID_MAX + 1];
    sti_field_error_t fe;
    bool dry_run = false;
    snprintf(request_id, sizeof request_id, "%s", call->request->id);
    if (!sti_node_is_missing(sti_node_get(body, "request_id"))) {
        sti_map_str_copy(body, "request_id", request_id, sizeof request_id, &fe);
    }
    if (!sti_node_is_missing(sti_node_get(body, "dry_run"))) {
        sti_map_bool(body, "dry_run", &dry_run, &fe);
    }
    const sti_catalog_t *catalog = projects_reply_catalog(call, self->catalog);
    if (!catalog || s_import_replayed(self, call, rows, request_id, dry_run) != 0) {
        return 0;
    }
    projects_input_ctx_t ctx = s_ctx(self, catalog, call);
    projects_problems_t problems;
    projects_problems_init(&problems);
    char *changes = s_check_rows(self, &ctx, rows, &problems);
    if (!changes) {
        projects_reply_problems(call, &problems);
    } else if (s_rows_in_scope(call, catalog, rows) == 0) {
        s_import_write(self, call, rows, request_id, changes, dry_run);
    }
    free(changes);
    projects_problems_fini(&problems);
    return 0;
}

//  --- the declarations ---

// clang-format off
#define S_SCOPE_NOTE "A caller limited to an org unit (a town's clerk through the gateway: " \
    "`as.scope`) writes only projects of that unit and the units under it, and cannot move " \
    "one out of them: `forbidden` naming the scope (for an import, the first row outside it; " \
    "nothing imported)."
#define S_CODE_DOC "the project's code: 1 to 64 of A-Z a-z 0-9 _ . -, starting with a letter or digit"
#define S_DATE_DOC "YYYY-MM-DD"
// clang-format on

static const sti_arg_t s_milestone_keys[] = {
    {"due", STI_ARG_STR, STI_REQUIRED, 10, 10, NULL, "the due date, " S_DATE_DOC},
    {"description", STI_ARG_STR, STI_REQUIRED, 1, PROJECTS_TEXT_MAX, NULL,
     "what is due: text without control characters, not blank"},
    {"done", STI_ARG_STR | STI_ARG_NIL, STI_OPTIONAL, 10, 10, NULL,
     "the date it was done, " S_DATE_DOC ", not after tomorrow (UTC); nil: not done"},
    STI_ARGS_END,
};
static const sti_arg_t s_milestone = {NULL, STI_ARG_MAP,      STI_REQUIRED, 0,
                                      0,    s_milestone_keys, "a milestone"};

static const sti_arg_t s_invested_keys[] = {
    {"period", STI_ARG_STR, STI_REQUIRED, 4, 7, NULL, "2023, 2023Q2 or 2023-05"},
    {"value", STI_ARG_NUMBER | STI_ARG_NIL, STI_REQUIRED, 0, 0, NULL,
     "the amount invested in the period, a number of at least 0; nil removes the period "
     "(project.update)"},
    {"unit", STI_ARG_STR, STI_OPTIONAL, 1, STI_UNIT_CODE_MAX - 1, NULL,
     "a money unit of the plan's catalog (default: the service's money_unit, 万元)"},
    STI_ARGS_END,
};
static const sti_arg_t s_invested = {
    NULL, STI_ARG_MAP, STI_REQUIRED, 0, 0, s_invested_keys, "the investment made in one period"};

//  The keys of a project; REQ is STI_REQUIRED for a whole one, STI_OPTIONAL for a change.
// clang-format off
#define S_FIELDS(REQ)                                                                              \
    {"name_zh", STI_ARG_STR, REQ, 1, PROJECTS_NAME_MAX, NULL, "the Chinese name, not blank"},      \
    {"name_en", STI_ARG_STR | STI_ARG_NIL, STI_OPTIONAL, 0, 200, NULL,                                             \
     "the English name, text of at most 200 bytes; nil: none"},                                    \
    {"kind", STI_ARG_STR, REQ, 1, 31, NULL, "platform, research, incubator or other"},             \
    {"programme", STI_ARG_STR | STI_ARG_NIL, STI_OPTIONAL, 0, 0, NULL,                                           \
     "the programme: a tag of kind project of the plan's catalog (the eight key projects); "       \
     "nil: none"},                                                                                 \
    {"level", STI_ARG_STR, REQ, 1, 31, NULL, "national, provincial, municipal or district"},       \
    {"org", STI_ARG_STR, REQ, 1, STI_CODE_MAX - 1, NULL,                                           \
     "the responsible org unit, one of the catalog's"},                                            \
    {"lead", STI_ARG_STR | STI_ARG_NIL, STI_OPTIONAL, 0, 200, NULL,                                                \
     "the lead organisation, text of at most 200 bytes; nil: none"},                               \
    {"start", STI_ARG_STR, REQ, 4, 7, NULL, "the first period: 2021, 2021Q3 or 2021-07"},          \
    {"end", STI_ARG_STR, REQ, 4, 7, NULL, "the last period, not before start"},                    \
    {"investment", STI_ARG_NUMBER | STI_ARG_NIL, STI_OPTIONAL, 0, 0, NULL,                                          \
     "the planned investment, a number of at least 0 in investment_unit; nil: not known"},         \
    {"investment_unit", STI_ARG_STR, STI_OPTIONAL, 1, STI_UNIT_CODE_MAX - 1, NULL,                 \
     "the unit of investment: a money unit of the plan (元, 万元, 亿元); default money_unit"},      \
    {"status", STI_ARG_STR, STI_OPTIONAL, 1, 31, NULL,                                             \
     "planned (a new project's default), in_progress, completed, suspended or cancelled"},         \
    {"status_on", STI_ARG_STR, STI_OPTIONAL, 10, 10, NULL,                                         \
     "the date the status took effect, " S_DATE_DOC ", not after tomorrow (UTC) nor before the "   \
     "current status's (default: today)"},                                                         \
    {"reason", STI_ARG_STR, STI_OPTIONAL, 1, PROJECTS_TEXT_MAX, NULL,                              \
     "why the status changes: needed for suspended and cancelled"},                                \
    {"invested", STI_ARG_ARRAY, STI_OPTIONAL, 0, PROJECTS_INVESTED_MAX, &s_invested,               \
     "the investment made, per period (periods must not overlap)"}
// clang-format on

static const sti_arg_t s_add_args[] = {
    {"code", STI_ARG_STR, STI_REQUIRED, 1, PROJECTS_CODE_MAX, NULL, S_CODE_DOC},
    S_FIELDS(STI_REQUIRED),
    {"milestones", STI_ARG_ARRAY, STI_OPTIONAL, 0, PROJECTS_MILESTONES_MAX, &s_milestone,
     "the milestones, numbered 1, 2, ... in this order"},
    STI_ARGS_END,
};
static const sti_arg_t s_add_row = {
    NULL, STI_ARG_MAP, STI_REQUIRED, 0, 0, s_add_args, "a project, as project.add takes it"};

static const sti_arg_t s_update_args[] = {
    {"code", STI_ARG_STR, STI_REQUIRED, 1, PROJECTS_CODE_MAX, NULL, S_CODE_DOC},
    {"version", STI_ARG_INT, STI_OPTIONAL, 1, INT64_MAX, NULL,
     "the version the caller read: another one is a conflict"},
    S_FIELDS(STI_OPTIONAL),
    STI_ARGS_END,
};

static const sti_arg_t s_milestone_args[] = {
    {"code", STI_ARG_STR, STI_REQUIRED, 1, PROJECTS_CODE_MAX, NULL, S_CODE_DOC},
    {"version", STI_ARG_INT, STI_OPTIONAL, 1, INT64_MAX, NULL,
     "the version the caller read: another one is a conflict"},
    {"milestone", STI_ARG_INT, STI_OPTIONAL, 1, PROJECTS_MILESTONES_MAX * 100, NULL,
     "the milestone's id; absent: a new milestone (due and description required)"},
    {"due", STI_ARG_STR, STI_OPTIONAL, 10, 10, NULL, "the due date, " S_DATE_DOC},
    {"description", STI_ARG_STR, STI_OPTIONAL, 1, PROJECTS_TEXT_MAX, NULL, "what is due"},
    {"done", STI_ARG_STR | STI_ARG_NIL, STI_OPTIONAL, 10, 10, NULL,
     "the date it was done, " S_DATE_DOC ", not after tomorrow (UTC); nil: not done after all"},
    STI_ARGS_END,
};

static const sti_arg_t s_import_args[] = {
    {"rows", STI_ARG_ARRAY, STI_REQUIRED, 1, PROJECTS_IMPORT_MAX, &s_add_row,
     "the projects, each as project.add takes it"},
    {"request_id", STI_ARG_STR, STI_OPTIONAL, 1, STI_ID_MAX, NULL,
     "makes a retry safe (default: the envelope's id)"},
    {"dry_run", STI_ARG_BOOL, STI_OPTIONAL, 0, 0, NULL,
     "true: every check, the ones against the stored projects too; nothing is written"},
    STI_ARGS_END,
};

#define S_WRITE (STI_ROLE_CLERK | STI_ROLE_OFFICER | STI_OP_WRITE)

static const sti_op_decl_t s_ops[] = {
    {"project.add", s_project_add, S_WRITE, s_add_args,
     "adds a project of the plan: every field checked against the catalog",
     "FULL: the project (docs/projects.md, \"Answers\"), version 1",
     "Checked all at once, each problem a detail `{index: -1, field, reason}`: the kind, level "
     "and status words; `programme` a tag of kind `project` of the catalog (an unknown one, or "
     "a field tag, is refused naming it and listing the programmes); `org` an org unit of the "
     "catalog; periods and dates real, `end` not before `start`; amounts of a money unit the "
     "catalog converts to `money_unit` (an unknown unit is named); a reason for `suspended` "
     "and `cancelled`. The first history entry records the status (from nil). `conflict` when "
     "the code exists with other data (the same body again is answered with the project, "
     "unchanged). The same request id again is answered with the project and adds "
     "nothing. " S_SCOPE_NOTE},
    {"project.update", s_project_update, S_WRITE, s_update_args,
     "changes some fields, the status, or the investment made of a project",
     "FULL at version + 1 (unchanged when nothing changes)",
     "The keys given change; `name_en`, `programme`, `lead` and `investment` take nil to "
     "clear. A `status` other than the current one is a change of status: written to the "
     "history (who, when, from, to, `status_on`, `reason`) and raised as "
     "`project.status_changed` (docs/events.md). A completed or cancelled project keeps its "
     "status. `invested` sets the amounts of the periods it names (nil removes one). Errors: "
     "`invalid_argument` (every problem a detail), `not_found`, `conflict` (a stale "
     "`version`). " S_SCOPE_NOTE},
    {"project.milestone", s_project_milestone, S_WRITE, s_milestone_args,
     "adds a milestone to a project, or changes one (due date, description, done date)",
     "FULL at version + 1",
     "Without `milestone` a new one is added, with the next id. A milestone not done by its due "
     "date, of a project planned or in progress, raises `project.milestone_late` once, the day "
     "after (UTC); a new due date may be missed again. Errors: `invalid_argument`, "
     "`not_found`, `conflict` (a stale `version`). " S_SCOPE_NOTE},
    {"project.import", s_project_import, S_WRITE, s_import_args,
     "adds many projects in one step: every row, or none",
     "{dry_run, added, unchanged, codes: [code per row]}",
     "Each row is checked as project.add checks it; a code twice in the rows is refused. Any "
     "problem refuses the whole import: `invalid_argument` with every problem a detail `{index "
     "(the row, from 0), field, reason}`; `conflict` with the row whose code exists with other "
     "data. A row equal to the one that added its project is `unchanged`. The same "
     "`request_id` again imports nothing twice and answers as the first time. With `dry_run` "
     "every check runs, against the stored projects too, and nothing is written. More than "
     "1000 rows is refused by the declaration (`invalid_argument`). " S_SCOPE_NOTE},
    STI_OPS_END,
};

const sti_op_table_t projects_registry_ops = {"projects_registry", s_ops};
