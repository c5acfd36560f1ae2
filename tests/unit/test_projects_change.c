/*  Unit tests of projects_change: what a write does, worked out from the
    current and the next state of a made-up project: every field of the
    hash, the milestone fields that changed and the late marks taken back,
    the index of milestones that may become late, the investment made set
    and removed, the history entry, and the events with their data.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "projects_change.h"

//  A made-up project: planned since 2021-01-05, two milestones, one period.
static projects_record_t *s_project(void)
{
    projects_record_t *p = projects_record_new();
    snprintf(p->code, sizeof p->code, "INC-1");
    snprintf(p->name_zh, sizeof p->name_zh, "示例");
    p->kind = 2;
    p->level = 0;
    snprintf(p->org, sizeof p->org, "linping");
    snprintf(p->start, sizeof p->start, "2021");
    snprintf(p->end, sizeof p->end, "2023");
    p->has_investment = true;
    p->investment = 0.1;
    p->status_on = 20210105;
    p->version = 3;
    p->created_ms = 1000;
    snprintf(p->digest, sizeof p->digest, "d1");
    p->milestones[0] = (projects_milestone_t){1, 20220630, 0, true, "选址"};
    p->milestones[1] = (projects_milestone_t){2, 20230630, 0, false, "运营"};
    p->milestone_count = 2;
    p->last_milestone = 2;
    p->invested[0] = (projects_invested_t){"2021", 500};
    p->invested_count = 1;
    p->history[0] = (projects_status_change_t){900, "a", -1, 0, 20210105, ""};
    p->history_count = 1;
    return p;
}

//  The array under key of the change's JSON, as one line of text.
static const char *s_list(cJSON *change, const char *key)
{
    static char text[1024];
    char *printed = cJSON_PrintUnformatted(cJSON_GetObjectItem(change, key));
    snprintf(text, sizeof text, "%s", printed);
    cJSON_free(printed);
    return text;
}

static void test_new_project(void **state)
{
    (void)state;
    projects_record_t *next = s_project();
    projects_change_t change = {NULL, next, 4};
    char *json = projects_change_encode(&change, 1, 5000);
    cJSON *array = cJSON_Parse(json), *c = cJSON_GetArrayItem(array, 0);
    assert_int_equal(cJSON_GetObjectItem(c, "version")->valueint, 0);
    assert_int_equal(cJSON_GetObjectItem(c, "index")->valueint, 4);
    const char *hash = s_list(c, "hash");
    assert_non_null(strstr(hash, "\"investment\",\"0.10000000000000001\""));
    assert_non_null(strstr(hash, "\"version\",\"1\""));
    assert_non_null(strstr(hash, "\"created\",\"5000\""));
    assert_non_null(strstr(hash, "\"kind\",\"incubator\""));
    assert_string_equal(s_list(c, "due_add"), "[\"20230630\",\"INC-1#2\"]");
    assert_string_equal(s_list(c, "due_del"), "[\"INC-1#1\"]"); // reported late already
    assert_string_equal(s_list(c, "i_set"), "[\"2021\",\"500\"]");
    assert_non_null(strstr(s_list(c, "history"), "\"from\",\"\",\"to\",\"planned\",\"on\","
                                                 "\"20210105\""));
    projects_event_t events[4];
    assert_int_equal(projects_change_events(&change, 1, events, 4), 0); // no event for an add
    cJSON_Delete(array);
    free(json);
    free(next);
}

static void test_status_change(void **state)
{
    (void)state;
    projects_record_t *current = s_project(), *next = s_project();
    next->status = PROJECTS_STATUS_SUSPENDED;
    next->status_on = 20230101;
    next->history[1] = (projects_status_change_t){2000, "officer", 0, 3, 20230101, "示例原因"};
    next->history_count = 2;
    next->milestones[0].late = false; // its due date moved
    next->milestones[0].due = 20240101;
    next->invested_count = 0;
    projects_change_t change = {current, next, 0};
    char *json = projects_change_encode(&change, 1, 5000);
    cJSON *array = cJSON_Parse(json), *c = cJSON_GetArrayItem(array, 0);
    assert_int_equal(cJSON_GetObjectItem(c, "version")->valueint, 3);
    assert_non_null(strstr(s_list(c, "hash"), "\"version\",\"4\""));
    assert_non_null(strstr(s_list(c, "hash"), "\"created\",\"1000\""));
    assert_string_equal(s_list(c, "m_set"),
                        "[\"1.due\",\"20240101\",\"1.desc\",\"选址\",\"1.done\",\"0\"]");
    assert_string_equal(s_list(c, "m_del"), "[\"1.late\"]");
    assert_string_equal(s_list(c, "due_add"), "[]"); // suspended: nothing may become late
    assert_string_equal(s_list(c, "due_del"), "[\"INC-1#1\",\"INC-1#2\"]");
    assert_string_equal(s_list(c, "i_del"), "[\"2021\"]");
    projects_event_t events[4];
    assert_int_equal(projects_change_events(&change, 1, events, 4), 1);
    assert_string_equal(events[0].topic, "prj.incubator.INC-1");
    assert_string_equal(events[0].type, "project.status_changed");
    char err[128];
    sti_reader_t *reader = sti_reader_new(events[0].data, events[0].size, NULL, err, sizeof err);
    sti_node_t data = sti_reader_root(reader);
    char text[64];
    sti_field_error_t fe;
    assert_int_equal(sti_map_str_copy(data, "status_before", text, sizeof text, &fe), 0);
    assert_string_equal(text, "planned");
    assert_int_equal(sti_map_str_copy(data, "status_after", text, sizeof text, &fe), 0);
    assert_string_equal(text, "suspended");
    assert_int_equal(sti_map_str_copy(data, "reason", text, sizeof text, &fe), 0);
    assert_string_equal(text, "示例原因");
    sti_reader_destroy(&reader);
    projects_change_event_free(&events[0]);
    projects_event_t late;
    projects_change_late_event(current, &current->milestones[1], &late);
    assert_string_equal(late.subject, "INC-1#2");
    assert_string_equal(late.type, "project.milestone_late");
    projects_change_event_free(&late);
    cJSON_Delete(array);
    free(json);
    free(current);
    free(next);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_new_project),
        cmocka_unit_test(test_status_change),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
