/*  Unit tests of projects_input: bodies checked against the Linping plan
    (with a made-up org unit donghu): a whole project, every problem of a bad
    one at once (kind, programme tag, org unit, unit, periods), a change of
    status and its rules, milestones added and changed, investment made in
    periods that must not overlap. The projects are made up.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "projects_input.h"
#include "projects_plan.h"

static sti_catalog_t *catalog;
static projects_input_ctx_t ctx;

static int s_setup(void **state)
{
    (void)state;
    catalog = projects_test_catalog();
    ctx = (projects_input_ctx_t){catalog, "万元", 20240615, "tester", 1718409600000};
    return 0;
}

static int s_teardown(void **state)
{
    (void)state;
    sti_catalog_destroy(&catalog);
    return 0;
}

//  Runs fn over the body (JSON); the problems' details as "field: reason" lines.
typedef int(s_fn)(sti_node_t body, projects_record_t *next, projects_problems_t *problems);

static const char *s_run(s_fn *fn, const char *json, projects_record_t *next)
{
    static char lines[4096];
    char err[256];
    sti_writer_t *writer = sti_writer_new();
    assert_int_equal(sti_json_text_to_writer(json, strlen(json), writer, err, sizeof err), 0);
    size_t size;
    const void *data = sti_writer_data(writer, &size);
    sti_reader_t *reader = sti_reader_new(data, size, NULL, err, sizeof err);
    projects_problems_t problems;
    projects_problems_init(&problems);
    fn(sti_reader_root(reader), next, &problems);
    lines[0] = 0;
    const void *details = sti_writer_data(problems.details, &size);
    sti_writer_t *array = sti_writer_new();
    sti_writer_array(array, problems.count);
    sti_writer_raw(array, details, size);
    data = sti_writer_data(array, &size);
    sti_reader_t *list = sti_reader_new(data, size, NULL, err, sizeof err);
    for (size_t i = 0; i < problems.count; i++) {
        char field[96], reason[256];
        sti_field_error_t fe;
        sti_map_str_copy(sti_node_at(sti_reader_root(list), i), "field", field, sizeof field, &fe);
        sti_map_str_copy(sti_node_at(sti_reader_root(list), i), "reason", reason, sizeof reason,
                         &fe);
        snprintf(lines + strlen(lines), sizeof lines - strlen(lines), "%s: %s\n", field, reason);
    }
    sti_reader_destroy(&list);
    sti_writer_destroy(&array);
    projects_problems_fini(&problems);
    sti_reader_destroy(&reader);
    sti_writer_destroy(&writer);
    return lines;
}

static const projects_record_t *s_current;

static int s_add(sti_node_t body, projects_record_t *next, projects_problems_t *problems)
{
    return projects_input_add(&ctx, body, next, problems);
}

static int s_update(sti_node_t body, projects_record_t *next, projects_problems_t *problems)
{
    return projects_input_update(&ctx, body, s_current, next, problems);
}

static int s_milestone(sti_node_t body, projects_record_t *next, projects_problems_t *problems)
{
    return projects_input_milestone(&ctx, body, s_current, next, problems);
}

#define S_GOOD                                                                                         \
    "{\"code\": \"INC-9\", \"name_zh\": \"示例\", \"kind\": \"incubator\", \"level\": "              \
    "\"national\", \"org\": \"donghu\", \"start\": \"2021Q3\", \"end\": \"2023\", "                    \
    "\"programme\": \"innovation_space\", \"investment\": 1.2, \"investment_unit\": \"亿元\", "      \
    "\"status_on\": \"2021-07-01\", \"milestones\": [{\"due\": \"2022-06-30\", \"description\": "      \
    "\"选址\", \"done\": \"2022-06-01\"}, {\"due\": \"2023-06-30\", \"description\": \"运营\"}], " \
    "\"invested\": [{\"period\": \"2021\", \"value\": 800}]}"

static void test_add(void **state)
{
    (void)state;
    projects_record_t *next = projects_record_new();
    assert_string_equal(s_run(s_add, S_GOOD, next), "");
    assert_string_equal(next->code, "INC-9");
    assert_int_equal(next->kind, 2);
    assert_true(next->investment == 12000);
    assert_int_equal(next->status, PROJECTS_STATUS_PLANNED);
    assert_int_equal(next->history_count, 1);
    assert_int_equal(next->history[0].from, -1);
    assert_int_equal(next->history[0].on, 20210701);
    assert_string_equal(next->history[0].who, "tester");
    assert_int_equal(next->milestone_count, 2);
    assert_int_equal(next->last_milestone, 2);
    assert_int_equal(next->milestones[0].done, 20220601);
    assert_int_equal(strlen(next->digest), 64);
    free(next);
}

static void test_add_problems(void **state)
{
    (void)state;
    projects_record_t *next = projects_record_new();
    const char *lines = s_run(
        s_add,
        "{\"code\": \"-bad\", \"name_zh\": \" \", \"kind\": \"ship\", \"level\": \"galactic\", "
        "\"org\": \"nowhere\", \"start\": \"2024\", \"end\": \"2023Q2\", \"programme\": "
        "\"equipment\", \"investment\": -1, \"status\": \"cancelled\", \"status_on\": "
        "\"2030-01-01\", \"milestones\": [{\"due\": \"2023-02-30\", \"description\": \"x\"}], "
        "\"invested\": [{\"period\": \"2022\", \"value\": 1, \"unit\": \"kg\"}, {\"period\": "
        "\"2023\", \"value\": 5}, {\"period\": \"2023Q2\", \"value\": 1}]}",
        next);
    const char *expected[] = {
        "code: must be 1 to 64 of A-Z a-z 0-9 _ . -, starting with a letter or digit",
        "name_zh: must be text, not blank",
        "kind: 'ship' is not one of platform, research, incubator, other",
        "level: 'galactic' is not one of national, provincial, municipal, district",
        "programme: tag 'equipment' is a field, not a programme",
        "org: unknown org unit 'nowhere' (stictl org list)",
        "investment: must be a number of at least 0",
        "status_on: 2030-01-01 is in the future (the latest allowed is 2024-06-16, UTC)",
        "reason: needed when a project is cancelled",
        "milestones.0.due: 2023-02-30 is not a real date",
        "invested.0.value: unit 'kg' is not known (give a unit of money, e.g. 万元)",
        "end: 2023Q2 is before the start 2024",
        "invested: periods 2023 and 2023Q2 overlap",
    };
    for (size_t i = 0; i < sizeof expected / sizeof expected[0]; i++) {
        if (!strstr(lines, expected[i])) {
            fail_msg("missing '%s' in:\n%s", expected[i], lines);
        }
    }
    free(next);
}

static void test_update(void **state)
{
    (void)state;
    projects_record_t *current = projects_record_new(), *next = projects_record_new();
    assert_string_equal(s_run(s_add, S_GOOD, current), "");
    current->version = 1;
    s_current = current;
    assert_string_equal(
        s_run(s_update,
              "{\"code\": \"INC-9\", \"status\": \"in_progress\", \"status_on\": "
              "\"2021-09-01\", \"lead\": \"示例单位\", \"programme\": null, "
              "\"invested\": [{\"period\": \"2021\", \"value\": null}, {\"period\": "
              "\"2022\", \"value\": 0.05, \"unit\": \"亿元\"}]}",
              next),
        "");
    assert_int_equal(next->status, PROJECTS_STATUS_IN_PROGRESS);
    assert_int_equal(next->history_count, 2);
    assert_int_equal(next->history[1].from, PROJECTS_STATUS_PLANNED);
    assert_string_equal(next->lead, "示例单位");
    assert_string_equal(next->programme, "");
    assert_int_equal(next->invested_count, 1);
    assert_string_equal(next->invested[0].period, "2022");
    assert_true(next->invested[0].value == 500);
    //  the same status again changes nothing; a date before the current one is refused
    assert_string_equal(s_run(s_update, "{\"code\": \"INC-9\", \"status\": \"planned\"}", next),
                        "");
    assert_int_equal(next->history_count, 1);
    assert_string_equal(s_run(s_update,
                              "{\"code\": \"INC-9\", \"status\": \"completed\", \"status_on\": "
                              "\"2021-01-01\"}",
                              next),
                        "status_on: 2021-01-01 is before the current status took effect "
                        "(2021-07-01)\n");
    current->status = PROJECTS_STATUS_COMPLETED;
    assert_string_equal(s_run(s_update, "{\"code\": \"INC-9\", \"status\": \"in_progress\"}", next),
                        "status: project INC-9 is completed: a completed or cancelled project "
                        "keeps its status\n");
    free(current);
    free(next);
}

static void test_milestone(void **state)
{
    (void)state;
    projects_record_t *current = projects_record_new(), *next = projects_record_new();
    assert_string_equal(s_run(s_add, S_GOOD, current), "");
    current->milestones[1].late = true;
    s_current = current;
    assert_string_equal(s_run(s_milestone,
                              "{\"code\": \"INC-9\", \"due\": \"2024-03-31\", \"description\": "
                              "\"验收\"}",
                              next),
                        "");
    assert_int_equal(next->milestone_count, 3);
    assert_int_equal(next->milestones[2].id, 3);
    assert_int_equal(next->last_milestone, 3);
    assert_string_equal(s_run(s_milestone,
                              "{\"code\": \"INC-9\", \"milestone\": 2, \"due\": "
                              "\"2024-12-31\", \"done\": null}",
                              next),
                        "");
    assert_false(next->milestones[1].late); // a new due date may be missed again
    assert_int_equal(next->milestones[1].due, 20241231);
    assert_string_equal(s_run(s_milestone, "{\"code\": \"INC-9\", \"milestone\": 7}", next),
                        "milestone: project INC-9 has no milestone 7\n");
    assert_string_equal(s_run(s_milestone, "{\"code\": \"INC-9\", \"due\": \"2024-03-31\"}", next),
                        "milestone: a new milestone needs due and description\n");
    free(current);
    free(next);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_add),
        cmocka_unit_test(test_add_problems),
        cmocka_unit_test(test_update),
        cmocka_unit_test(test_milestone),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
