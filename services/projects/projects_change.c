/*  projects_change: a write worked out in C. See projects_change.h.

    The JSON is built with cJSON; strings go in as they are (cJSON escapes
    them), numbers as text. Milestone fields are "<id>.due", "<id>.desc",
    "<id>.done" (YYYYMMDD, 0 while not done) and "<id>.late" (1 once
    reported); the investment hash maps a period to its amount.
*/
#include "projects_change.h"

#include <assert.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sti_time.h"

//  Adds field and value (both text) to a flat array.
static void s_pair(cJSON *array, const char *field, const char *value)
{
    cJSON_AddItemToArray(array, cJSON_CreateString(field));
    cJSON_AddItemToArray(array, cJSON_CreateString(value));
}

static void s_pair_int(cJSON *array, const char *field, int64_t value)
{
    char text[32];
    snprintf(text, sizeof text, "%lld", (long long)value);
    s_pair(array, field, text);
}

//  Every field of the project's hash.
static cJSON *s_hash(const projects_change_t *change, int64_t now_ms)
{
    const projects_record_t *next = change->next, *current = change->current;
    cJSON *hash = cJSON_CreateArray();
    char amount[40] = "";
    if (next->has_investment) {
        snprintf(amount, sizeof amount, "%.17g", next->investment);
    }
    const char *pairs[][2] = {
        {"code", next->code},
        {"name_zh", next->name_zh},
        {"name_en", next->name_en},
        {"kind", projects_code_name(PROJECTS_LIST_KIND, next->kind)},
        {"programme", next->programme},
        {"level", projects_code_name(PROJECTS_LIST_LEVEL, next->level)},
        {"org", next->org},
        {"lead", next->lead},
        {"start", next->start},
        {"end", next->end},
        {"investment", amount},
        {"status", projects_code_name(PROJECTS_LIST_STATUS, next->status)},
        {"digest", current ? current->digest : next->digest},
    };
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        s_pair(hash, pairs[i][0], pairs[i][1]);
    }
    s_pair_int(hash, "status_on", next->status_on);
    s_pair_int(hash, "version", current ? current->version + 1 : 1);
    s_pair_int(hash, "created", current ? current->created_ms : now_ms);
    s_pair_int(hash, "updated", now_ms);
    s_pair_int(hash, "ms", next->last_milestone);
    return hash;
}

//  The milestone fields that changed, the late marks taken back, and the
//  index of milestones that may become late.
static void s_milestones(const projects_change_t *change, cJSON *set, cJSON *del, cJSON *due_add,
                         cJSON *due_del)
{
    const projects_record_t *next = change->next;
    for (size_t i = 0; i < next->milestone_count; i++) {
        const projects_milestone_t *now = &next->milestones[i];
        const projects_milestone_t *was =
            change->current
                ? projects_record_milestone((projects_record_t *)change->current, now->id)
                : NULL;
        char field[32], member[PROJECTS_CODE_MAX + 16];
        if (!was || was->due != now->due || was->done != now->done ||
            strcmp(was->description, now->description) != 0) {
            snprintf(field, sizeof field, "%d.due", now->id);
            s_pair_int(set, field, now->due);
            snprintf(field, sizeof field, "%d.desc", now->id);
            s_pair(set, field, now->description);
            snprintf(field, sizeof field, "%d.done", now->id);
            s_pair_int(set, field, now->done);
        }
        if (was && was->late && !now->late) {
            snprintf(field, sizeof field, "%d.late", now->id);
            cJSON_AddItemToArray(del, cJSON_CreateString(field));
        }
        projects_change_member(next->code, now->id, member, sizeof member);
        if (!now->done && !now->late && projects_status_active(next->status)) {
            char score[16];
            snprintf(score, sizeof score, "%d", now->due);
            s_pair(due_add, score, member);
        } else {
            cJSON_AddItemToArray(due_del, cJSON_CreateString(member));
        }
    }
}

//  The investment made that changed, and the periods taken out.
static void s_invested(const projects_change_t *change, cJSON *set, cJSON *del)
{
    const projects_record_t *next = change->next;
    projects_record_t *current = (projects_record_t *)change->current;
    for (size_t i = 0; i < next->invested_count; i++) {
        const projects_invested_t *was =
            current ? projects_record_invested(current, next->invested[i].period) : NULL;
        if (!was || was->value != next->invested[i].value) {
            char amount[40];
            snprintf(amount, sizeof amount, "%.17g", next->invested[i].value);
            s_pair(set, next->invested[i].period, amount);
        }
    }
    for (size_t i = 0; current && i < current->invested_count; i++) {
        if (!projects_record_invested((projects_record_t *)next, current->invested[i].period)) {
            cJSON_AddItemToArray(del, cJSON_CreateString(current->invested[i].period));
        }
    }
}

//  The history entry of a status change, or an empty array.
static cJSON *s_history(const projects_change_t *change)
{
    cJSON *history = cJSON_CreateArray();
    const projects_record_t *next = change->next;
    size_t before = change->current ? change->current->history_count : 0;
    if (next->history_count > before) {
        const projects_status_change_t *entry = &next->history[next->history_count - 1];
        s_pair_int(history, "time", entry->time_ms);
        s_pair(history, "who", entry->who);
        const char *from = projects_code_name(PROJECTS_LIST_STATUS, entry->from);
        s_pair(history, "from", from ? from : "");
        s_pair(history, "to", projects_code_name(PROJECTS_LIST_STATUS, entry->to));
        s_pair_int(history, "on", entry->on);
        s_pair(history, "reason", entry->reason);
    }
    return history;
}

cJSON *projects_change_object(const projects_change_t *change, int64_t now_ms)
{
    cJSON *object = cJSON_CreateObject();
    cJSON_AddStringToObject(object, "code", change->next->code);
    cJSON_AddNumberToObject(object, "index", (double)change->index);
    cJSON_AddNumberToObject(object, "version",
                            change->current ? (double)change->current->version : 0);
    cJSON_AddStringToObject(object, "digest", change->next->digest);
    cJSON_AddItemToObject(object, "hash", s_hash(change, now_ms));
    cJSON *m_set = cJSON_AddArrayToObject(object, "m_set");
    cJSON *m_del = cJSON_AddArrayToObject(object, "m_del");
    cJSON *due_add = cJSON_AddArrayToObject(object, "due_add");
    cJSON *due_del = cJSON_AddArrayToObject(object, "due_del");
    s_milestones(change, m_set, m_del, due_add, due_del);
    cJSON *i_set = cJSON_AddArrayToObject(object, "i_set");
    cJSON *i_del = cJSON_AddArrayToObject(object, "i_del");
    s_invested(change, i_set, i_del);
    cJSON_AddItemToObject(object, "history", s_history(change));
    return object;
}

char *projects_change_encode(const projects_change_t *changes, size_t count, int64_t now_ms)
{
    cJSON *array = cJSON_CreateArray();
    for (size_t c = 0; c < count; c++) {
        cJSON_AddItemToArray(array, projects_change_object(&changes[c], now_ms));
    }
    char *text = cJSON_PrintUnformatted(array);
    assert(text);
    cJSON_Delete(array);
    return text;
}

//  The parts every event of a project has.
static void s_event_head(const projects_record_t *record, const char *type, projects_event_t *event)
{
    memset(event, 0, sizeof *event);
    snprintf(event->topic, sizeof event->topic, "prj.%s.%s",
             projects_code_name(PROJECTS_LIST_KIND, record->kind), record->code);
    event->type = type;
    snprintf(event->subject, sizeof event->subject, "%s", record->code);
    sti_time_rfc3339(sti_time_now_ms(), event->time, sizeof event->time);
}

//  Takes the writer's bytes as the event's data.
static void s_event_data(sti_writer_t **writer_p, projects_event_t *event)
{
    const void *data = sti_writer_data(*writer_p, &event->size);
    event->data = malloc(event->size);
    assert(event->data);
    memcpy(event->data, data, event->size);
    sti_writer_destroy(writer_p);
}

size_t projects_change_events(const projects_change_t *changes, size_t count,
                              projects_event_t *events, size_t cap)
{
    size_t made = 0;
    for (size_t c = 0; c < count && made < cap; c++) {
        const projects_record_t *next = changes[c].next, *current = changes[c].current;
        if (!current || next->history_count <= current->history_count) {
            continue;
        }
        const projects_status_change_t *entry = &next->history[next->history_count - 1];
        char on[16];
        projects_event_t *event = &events[made++];
        s_event_head(next, "project.status_changed", event);
        sti_writer_t *writer = sti_writer_new();
        projects_record_write_event(next, 5, writer);
        sti_writer_kv_str(writer, "status_before",
                          projects_code_name(PROJECTS_LIST_STATUS, entry->from));
        sti_writer_kv_str(writer, "status_after",
                          projects_code_name(PROJECTS_LIST_STATUS, entry->to));
        sti_writer_kv_str(writer, "on", projects_date_format(entry->on, on, sizeof on));
        sti_writer_kv_str(writer, "reason", entry->reason[0] ? entry->reason : NULL);
        sti_writer_kv_str(writer, "who", entry->who);
        s_event_data(&writer, event);
    }
    return made;
}

void projects_change_late_event(const projects_record_t *record,
                                const projects_milestone_t *milestone, projects_event_t *event)
{
    char due[16];
    s_event_head(record, "project.milestone_late", event);
    snprintf(event->subject, sizeof event->subject, "%s#%d", record->code, milestone->id);
    sti_writer_t *writer = sti_writer_new();
    projects_record_write_event(record, 3, writer);
    sti_writer_kv_int(writer, "milestone", milestone->id);
    sti_writer_kv_str(writer, "due", projects_date_format(milestone->due, due, sizeof due));
    sti_writer_kv_str(writer, "description", milestone->description);
    s_event_data(&writer, event);
}

void projects_change_event_free(projects_event_t *event)
{
    free(event->data);
    event->data = NULL;
}

char *projects_change_member(const char *code, int id, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s#%d", code, id);
    return buf;
}
