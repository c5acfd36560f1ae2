/*  projects_input: bodies checked against the plan. See projects_input.h.

    Each reader takes one key: absent leaves the field as it was (the
    current state, or zero for an add), a value is checked and set, nil
    clears an optional field where the declaration allows nil. Checks that
    span fields (end after start, a reason for a suspension) run on the
    next state once every key is read, so a change of one is checked
    against the other as stored.
*/
#include "projects_input.h"
#include "sti_plan_text.h"

#include <math.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void projects_problems_init(projects_problems_t *self)
{
    memset(self, 0, sizeof *self);
    self->details = sti_writer_new();
    self->index = -1;
}

void projects_problems_fini(projects_problems_t *self)
{
    sti_writer_destroy(&self->details);
}

void projects_problem(projects_problems_t *self, const char *field, const char *format, ...)
{
    char reason[200], path[96];
    va_list args;
    va_start(args, format);
    vsnprintf(reason, sizeof reason, format, args);
    va_end(args);
    snprintf(path, sizeof path, "%s%s", self->prefix, field);
    field = path;
    sti_envelope_detail(self->details, self->index, field, reason);
    if (self->count++ == 0) {
        if (self->index >= 0) {
            snprintf(self->message, sizeof self->message, "row %lld: %s: %s",
                     (long long)self->index, field, reason);
        } else {
            snprintf(self->message, sizeof self->message, "%s: %s", field, reason);
        }
    }
}

//  --- reading one key ---

//  Reads key as text into buf when it is a string: 1. Absent: 0. nil:
//  2 (the caller clears or refuses). A NUL byte, bad UTF-8 or control
//  characters: -1 with a problem.
static int s_text(sti_node_t body, const char *key, char *buf, size_t cap,
                  projects_problems_t *problems)
{
    sti_node_t node = sti_node_get(body, key);
    if (sti_node_is_missing(node)) {
        return 0;
    }
    if (sti_node_type(node) == STI_TYPE_NIL) {
        return 2;
    }
    sti_field_error_t err = {"", ""};
    if (sti_node_type(node) != STI_TYPE_STR) {
        projects_problem(problems, key, "must be a string or nil");
        return -1;
    }
    if (sti_node_str_copy(node, buf, cap, &err) != 0) {
        projects_problem(problems, key, "%s", err.reason);
        return -1;
    }
    if (!projects_text_clean(buf)) {
        projects_problem(problems, key, "must not hold control characters (new lines, tabs)");
        return -1;
    }
    return 1;
}

//  Reads key as a name of list into *index (absent: unchanged).
static void s_word(sti_node_t body, const char *key, projects_list_t list, int *index,
                   projects_problems_t *problems)
{
    char text[32];
    if (s_text(body, key, text, sizeof text, problems) == 1) {
        int found = projects_code_find(list, text);
        if (found < 0) {
            projects_problem(problems, key, "'%s' is not one of %s", text,
                             projects_code_names(list));
        } else {
            *index = found;
        }
    }
}

//  Reads key as a date into *ymd (absent: unchanged; nil: 0 when allowed).
//  Returns 1 when it was given, 0 when absent, -1 on a problem.
static int s_date(sti_node_t body, const char *key, int *ymd, bool nil_ok, int latest,
                  projects_problems_t *problems)
{
    char text[32], reason[128];
    int got = s_text(body, key, text, sizeof text, problems);
    if (got == 2 && nil_ok) {
        *ymd = 0;
        return 1;
    }
    if (got == 2) {
        projects_problem(problems, key, "must be a date written YYYY-MM-DD");
        return -1;
    }
    if (got != 1) {
        return got;
    }
    int date = 0;
    if (projects_date_parse(text, &date, reason, sizeof reason) != 0) {
        projects_problem(problems, key, "%s", reason);
        return -1;
    }
    if (latest && date > latest) {
        char limit[16];
        projects_problem(problems, key, "%s is in the future (the latest allowed is %s, UTC)", text,
                         projects_date_format(latest, limit, sizeof limit));
        return -1;
    }
    *ymd = date;
    return 1;
}

//  Reads key as a period into buf (absent: unchanged).
static void s_period(sti_node_t body, const char *key, char *buf, size_t cap,
                     projects_problems_t *problems)
{
    char text[32], reason[128];
    sti_period_t period;
    if (s_text(body, key, text, sizeof text, problems) == 1) {
        if (sti_period_parse(text, strlen(text), &period, reason, sizeof reason) != 0) {
            projects_problem(problems, key, "%s", reason);
        } else {
            sti_period_format(&period, buf, cap);
        }
    }
}

//  Converts an amount of unit into the money unit. Returns 0, or -1 with a problem.
static int s_money(const projects_input_ctx_t *ctx, double value, const char *unit,
                   const char *field, double *out, projects_problems_t *problems)
{
    const sti_units_t *units = sti_catalog_units(ctx->catalog);
    const sti_unit_t *money = sti_units_find(units, ctx->money_unit);
    char reason[160];
    if (!isfinite(value) || value < 0) {
        projects_problem(problems, field, "must be a number of at least 0");
        return -1;
    }
    if (!money) {
        projects_problem(problems, field,
                         "the plan's catalog has no unit '%s' (the unit amounts "
                         "are kept in)",
                         ctx->money_unit);
        return -1;
    }
    if (!sti_units_find(units, unit)) {
        projects_problem(problems, field, "unit '%s' is not known (give a unit of %s, e.g. %s)",
                         unit, money->family, ctx->money_unit);
        return -1;
    }
    if (sti_units_convert(units, value, unit, ctx->money_unit, out, reason, sizeof reason) != 0) {
        projects_problem(problems, field, "%s", reason);
        return -1;
    }
    return 0;
}

//  Reads investment (a number, or nil to clear) with investment_unit.
static void s_investment(const projects_input_ctx_t *ctx, sti_node_t body, projects_record_t *next,
                         projects_problems_t *problems)
{
    char unit[STI_UNIT_CODE_MAX];
    snprintf(unit, sizeof unit, "%s", ctx->money_unit);
    if (s_text(body, "investment_unit", unit, sizeof unit, problems) == 2) {
        projects_problem(problems, "investment_unit", "must be a unit of money, not nil");
    }
    sti_node_t node = sti_node_get(body, "investment");
    sti_field_error_t err = {"", ""};
    double value = 0;
    if (sti_node_is_missing(node)) {
        return;
    }
    if (sti_node_type(node) == STI_TYPE_NIL) {
        next->has_investment = false;
        next->investment = 0;
    } else if (sti_node_double(node, &value, &err) != 0) {
        projects_problem(problems, "investment", "must be a number or nil");
    } else if (s_money(ctx, value, unit, "investment", &next->investment, problems) == 0) {
        next->has_investment = true;
    }
}

//  --- the parts of a project ---

//  Reads the programme: a tag of the plan whose kind is "project".
static void s_programme(const projects_input_ctx_t *ctx, sti_node_t body, projects_record_t *next,
                        projects_problems_t *problems)
{
    char code[STI_CODE_MAX];
    int got = s_text(body, "programme", code, sizeof code, problems);
    if (got == 2) {
        next->programme[0] = 0;
    }
    if (got != 1) {
        return;
    }
    const sti_tag_t *tag = sti_catalog_tag_find(ctx->catalog, code);
    if (tag && strcmp(tag->kind, "project") == 0) {
        snprintf(next->programme, sizeof next->programme, "%s", code);
        return;
    }
    char known[1024] = "";
    size_t used = 0;
    for (size_t i = 0; i < sti_catalog_tag_count(ctx->catalog) && used < sizeof known - 80; i++) {
        const sti_tag_t *t = sti_catalog_tag_at(ctx->catalog, i);
        if (strcmp(t->kind, "project") == 0) {
            used += (size_t)snprintf(known + used, sizeof known - used, "%s%s", used ? ", " : "",
                                     t->code);
        }
    }
    if (tag) {
        projects_problem(problems, "programme", "tag '%s' is a %s, not a programme (%s)", code,
                         tag->kind, used ? known : "the plan has no programmes");
    } else {
        projects_problem(problems, "programme", "unknown tag '%s' (the plan's programmes: %s)",
                         code, used ? known : "none");
    }
}

//  Reads the org unit: one of the catalog's.
static void s_org(const projects_input_ctx_t *ctx, sti_node_t body, projects_record_t *next,
                  projects_problems_t *problems)
{
    char code[STI_CODE_MAX];
    if (s_text(body, "org", code, sizeof code, problems) == 1) {
        if (sti_catalog_org_find(ctx->catalog, code)) {
            snprintf(next->org, sizeof next->org, "%s", code);
        } else {
            projects_problem(problems, "org", "unknown org unit '%s' (stictl org list)", code);
        }
    }
}

//  Reads the descriptive fields every op but milestone may set.
static void s_fields(const projects_input_ctx_t *ctx, sti_node_t body, projects_record_t *next,
                     projects_problems_t *problems)
{
    char text[PROJECTS_NAME_MAX + 1];
    int got = s_text(body, "name_zh", text, sizeof text, problems);
    if (got == 2 || (got == 1 && strspn(text, " ") == strlen(text))) {
        projects_problem(problems, "name_zh", "must be text, not blank");
    } else if (got == 1) {
        snprintf(next->name_zh, sizeof next->name_zh, "%s", text);
    }
    if ((got = s_text(body, "name_en", text, sizeof text, problems)) > 0) {
        snprintf(next->name_en, sizeof next->name_en, "%s", got == 1 ? text : "");
    }
    if ((got = s_text(body, "lead", next->lead, sizeof next->lead, problems)) == 2) {
        next->lead[0] = 0;
    }
    s_word(body, "kind", PROJECTS_LIST_KIND, &next->kind, problems);
    s_word(body, "level", PROJECTS_LIST_LEVEL, &next->level, problems);
    s_programme(ctx, body, next, problems);
    s_org(ctx, body, next, problems);
    s_period(body, "start", next->start, sizeof next->start, problems);
    s_period(body, "end", next->end, sizeof next->end, problems);
    s_investment(ctx, body, next, problems);
}

//  Sets (or with value nil removes) the investment made in one period.
static void s_invested_one(const projects_input_ctx_t *ctx, sti_node_t entry,
                           projects_record_t *next, projects_problems_t *problems)
{
    char period[STI_PERIOD_TEXT_MAX] = "", unit[STI_UNIT_CODE_MAX];
    snprintf(unit, sizeof unit, "%s", ctx->money_unit);
    s_period(entry, "period", period, sizeof period, problems);
    s_text(entry, "unit", unit, sizeof unit, problems);
    sti_node_t node = sti_node_get(entry, "value");
    sti_field_error_t err = {"", ""};
    double value = 0, kept = 0;
    if (!*period) {
        return;
    }
    projects_invested_t *held = projects_record_invested(next, period);
    if (sti_node_type(node) == STI_TYPE_NIL) {
        if (held) {
            *held = next->invested[--next->invested_count];
        }
    } else if (sti_node_double(node, &value, &err) != 0) {
        projects_problem(problems, "value", "must be a number, or nil to remove");
    } else if (s_money(ctx, value, unit, "value", &kept, problems) == 0) {
        if (!held && next->invested_count == PROJECTS_INVESTED_MAX) {
            projects_problem(problems, "period", "at most %d periods", PROJECTS_INVESTED_MAX);
        } else {
            held = held ? held : &next->invested[next->invested_count++];
            snprintf(held->period, sizeof held->period, "%s", period);
            held->value = kept;
        }
    }
}

//  Reads the investment made: [{period, value, unit?}].
static void s_invested(const projects_input_ctx_t *ctx, sti_node_t body, projects_record_t *next,
                       projects_problems_t *problems)
{
    sti_node_t list = sti_node_get(body, "invested");
    for (size_t i = 0; i < sti_node_size(list); i++) {
        snprintf(problems->prefix, sizeof problems->prefix, "invested.%zu.", i);
        s_invested_one(ctx, sti_node_at(list, i), next, problems);
    }
    problems->prefix[0] = 0;
}

//  The first and last month a period covers, counted from year 0.
static void s_months(const sti_period_t *period, int *first, int *last)
{
    int month = sti_period_first_month(period);
    int span = period->kind == STI_PERIOD_YEAR ? 12 : period->kind == STI_PERIOD_QUARTER ? 3 : 1;
    *first = period->year * 12 + month - 1;
    *last = *first + span - 1;
}

//  True when the periods overlap (a year and a quarter of it, ...).
static bool s_overlap(const char *a, const char *b)
{
    sti_period_t pa, pb;
    char reason[96];
    if (sti_period_parse(a, strlen(a), &pa, reason, sizeof reason) != 0 ||
        sti_period_parse(b, strlen(b), &pb, reason, sizeof reason) != 0) {
        return false;
    }
    int a_first, a_last, b_first, b_last;
    s_months(&pa, &a_first, &a_last);
    s_months(&pb, &b_first, &b_last);
    return a_first <= b_last && b_first <= a_last;
}

//  The checks across fields, on the next state: the end not before the
//  start begins, no two periods of investment made overlapping.
static void s_across(const projects_record_t *next, projects_problems_t *problems)
{
    sti_period_t start, end;
    char reason[96];
    int start_first, start_last, end_first, end_last;
    if (*next->start && *next->end &&
        sti_period_parse(next->start, strlen(next->start), &start, reason, sizeof reason) == 0 &&
        sti_period_parse(next->end, strlen(next->end), &end, reason, sizeof reason) == 0) {
        s_months(&start, &start_first, &start_last);
        s_months(&end, &end_first, &end_last);
        if (end_last < start_first) {
            projects_problem(problems, "end", "%s is before the start %s", next->end, next->start);
        }
    }
    for (size_t i = 0; i < next->invested_count; i++) {
        for (size_t j = i + 1; j < next->invested_count; j++) {
            if (s_overlap(next->invested[i].period, next->invested[j].period)) {
                projects_problem(problems, "invested", "periods %s and %s overlap",
                                 next->invested[i].period, next->invested[j].period);
            }
        }
    }
}

//  Reads a status change (status, status_on, reason) into next, from the
//  current status (-1 for a new project).
static void s_status(const projects_input_ctx_t *ctx, sti_node_t body, projects_record_t *next,
                     int from, projects_problems_t *problems)
{
    int to = from < 0 ? PROJECTS_STATUS_PLANNED : from, on = ctx->today;
    char reason[PROJECTS_TEXT_MAX + 1] = "";
    s_word(body, "status", PROJECTS_LIST_STATUS, &to, problems);
    int given_on = s_date(body, "status_on", &on, false, projects_date_next(ctx->today), problems);
    s_text(body, "reason", reason, sizeof reason, problems);
    if (to == from) {
        return; // no change: status_on and reason go with a change only
    }
    const char *name = projects_code_name(PROJECTS_LIST_STATUS, to);
    if (from >= 0 && !projects_status_may_change(from, to)) {
        projects_problem(problems, "status",
                         "project %s is %s: a completed or cancelled project "
                         "keeps its status",
                         next->code, projects_code_name(PROJECTS_LIST_STATUS, from));
        return;
    }
    if ((to == PROJECTS_STATUS_SUSPENDED || to == PROJECTS_STATUS_CANCELLED) && !*reason) {
        projects_problem(problems, "reason", "needed when a project is %s", name);
    }
    if (from >= 0 && given_on >= 0 && on < next->status_on) {
        char before[16];
        char asked[16];
        projects_problem(problems, "status_on", "%s is before the current status took effect (%s)",
                         projects_date_format(on, asked, sizeof asked),
                         projects_date_format(next->status_on, before, sizeof before));
    }
    if (next->history_count == PROJECTS_HISTORY_MAX) {
        projects_problem(problems, "status", "at most %d changes of status", PROJECTS_HISTORY_MAX);
        return;
    }
    projects_status_change_t *change = &next->history[next->history_count++];
    memset(change, 0, sizeof *change);
    change->time_ms = ctx->now_ms;
    snprintf(change->who, sizeof change->who, "%s", ctx->who ? ctx->who : "unknown");
    change->from = from;
    change->to = to;
    change->on = on;
    snprintf(change->reason, sizeof change->reason, "%s", reason);
    next->status = to;
    next->status_on = on;
}

//  Reads one milestone's keys (due, description, done) into milestone.
static void s_milestone_keys(const projects_input_ctx_t *ctx, sti_node_t map,
                             projects_milestone_t *milestone, projects_problems_t *problems)
{
    char text[PROJECTS_TEXT_MAX + 1];
    s_date(map, "due", &milestone->due, false, 0, problems);
    s_date(map, "done", &milestone->done, true, projects_date_next(ctx->today), problems);
    int got = s_text(map, "description", text, sizeof text, problems);
    if (got == 2 || (got == 1 && strspn(text, " ") == strlen(text))) {
        projects_problem(problems, "description", "must be text, not blank");
    } else if (got == 1) {
        snprintf(milestone->description, sizeof milestone->description, "%s", text);
    }
}

//  Reads the milestones of a new project: [{due, description, done?}].
static void s_milestones(const projects_input_ctx_t *ctx, sti_node_t body, projects_record_t *next,
                         projects_problems_t *problems)
{
    sti_node_t list = sti_node_get(body, "milestones");
    for (size_t i = 0; i < sti_node_size(list) && i < PROJECTS_MILESTONES_MAX; i++) {
        projects_milestone_t *milestone = &next->milestones[next->milestone_count++];
        milestone->id = (int)next->milestone_count;
        snprintf(problems->prefix, sizeof problems->prefix, "milestones.%zu.", i);
        s_milestone_keys(ctx, sti_node_at(list, i), milestone, problems);
    }
    problems->prefix[0] = 0;
    next->last_milestone = (int)next->milestone_count;
}

//  The digest of a row: what a later import of the same row finds equal.
static void s_digest(sti_node_t row, projects_record_t *next)
{
    size_t size = 0;
    void *bytes = sti_node_encode(row, &size);
    unsigned char hash[32];
    crypto_generichash(hash, sizeof hash, bytes, size, NULL, 0);
    free(bytes);
    sodium_bin2hex(next->digest, sizeof next->digest, hash, sizeof hash);
}

int projects_input_add(const projects_input_ctx_t *ctx, sti_node_t row, projects_record_t *next,
                       projects_problems_t *problems)
{
    size_t before = problems->count;
    memset(next, 0, sizeof *next);
    next->level = next->kind = -1;
    char code[PROJECTS_CODE_MAX + 8] = "";
    if (s_text(row, "code", code, sizeof code, problems) == 1) {
        if (projects_code_valid(code)) {
            sti_text_copy(next->code, sizeof next->code, code);
        } else {
            projects_problem(problems, "code",
                             "must be 1 to 64 of A-Z a-z 0-9 _ . -, starting "
                             "with a letter or digit");
        }
    }
    s_fields(ctx, row, next, problems);
    s_status(ctx, row, next, -1, problems);
    s_milestones(ctx, row, next, problems);
    s_invested(ctx, row, next, problems);
    s_across(next, problems);
    s_digest(row, next);
    return problems->count == before ? 0 : -1;
}

int projects_input_update(const projects_input_ctx_t *ctx, sti_node_t body,
                          const projects_record_t *current, projects_record_t *next,
                          projects_problems_t *problems)
{
    size_t before = problems->count;
    memcpy(next, current, sizeof *next);
    s_fields(ctx, body, next, problems);
    s_status(ctx, body, next, current->status, problems);
    s_invested(ctx, body, next, problems);
    s_across(next, problems);
    return problems->count == before ? 0 : -1;
}

int projects_input_milestone(const projects_input_ctx_t *ctx, sti_node_t body,
                             const projects_record_t *current, projects_record_t *next,
                             projects_problems_t *problems)
{
    size_t before = problems->count;
    memcpy(next, current, sizeof *next);
    sti_node_t which = sti_node_get(body, "milestone");
    sti_field_error_t err = {"", ""};
    int64_t wanted = 0;
    projects_milestone_t *milestone = NULL;
    if (sti_node_is_missing(which)) {
        if (next->milestone_count == PROJECTS_MILESTONES_MAX) {
            projects_problem(problems, "milestone",
                             "project %s has %d milestones, the most "
                             "it may have",
                             next->code, PROJECTS_MILESTONES_MAX);
            return -1;
        }
        milestone = &next->milestones[next->milestone_count++];
        memset(milestone, 0, sizeof *milestone);
        milestone->id = ++next->last_milestone;
        if (sti_node_is_missing(sti_node_get(body, "due")) ||
            sti_node_is_missing(sti_node_get(body, "description"))) {
            projects_problem(problems, "milestone", "a new milestone needs due and description");
        }
    } else if (sti_node_int(which, &wanted, &err) != 0 ||
               !(milestone = projects_record_milestone(next, (int)wanted))) {
        projects_problem(problems, "milestone", "project %s has no milestone %lld", next->code,
                         (long long)wanted);
        return -1;
    }
    int due = milestone->due;
    s_milestone_keys(ctx, body, milestone, problems);
    if (milestone->due != due) {
        milestone->late = false; // a new due date may be missed again
    }
    return problems->count == before ? 0 : -1;
}
