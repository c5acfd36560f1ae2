/*  Unit tests of projects_counts: the feeds of projects.json checked
    against the catalog (every refusal names its place), and their values
    over made-up projects: counts by the status at the end of a year, with
    and without the plan's baseline, and the investment made in a year.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "projects_counts.h"
#include "projects_plan.h"

//  Decodes feeds (JSON) against the Linping catalog; NULL with err when refused.
static projects_counts_t *s_decode(const char *json, char *err, size_t cap)
{
    sti_catalog_t *catalog = projects_test_catalog();
    sti_writer_t *writer = sti_writer_new();
    char why[256];
    assert_int_equal(sti_json_text_to_writer(json, strlen(json), writer, why, sizeof why), 0);
    size_t size;
    const void *data = sti_writer_data(writer, &size);
    projects_counts_t *counts = projects_counts_decode(data, size, catalog, "万元", err, cap);
    sti_writer_destroy(&writer);
    sti_catalog_destroy(&catalog);
    return counts;
}

static void test_refusals(void **state)
{
    (void)state;
    const char *cases[][2] = {
        {"{\"feeds\": [{\"indicator\": \"no_such\"}]}",
         "projects: feeds[0].indicator: unknown indicator 'no_such'"},
        {"{\"feeds\": [{\"indicator\": \"incubators\", \"where\": {\"kind\": [\"ship\"]}}]}",
         "projects: feeds[0].where.kind[0]: must be one of platform, research, incubator, other"},
        {"{\"feeds\": [{\"indicator\": \"incubators\", \"where\": {\"programme\": "
         "[\"equipment\"]}}]}",
         "projects: feeds[0].where.programme[0]: 'equipment' is not a project tag of the plan"},
        {"{\"feeds\": [{\"indicator\": \"incubators\", \"measure\": \"investment\"}]}",
         "projects: feeds[0].measure: an investment in 万元 does not feed incubators (unit 个): "
         "unit '万元' does not convert to '个'"},
        {"{\"feeds\": [{\"indicator\": \"gdp\", \"plus_baseline\": true}]}",
         "projects: feeds[0].plus_baseline: the indicator has no baseline in the plan"},
        {"{\"feeds\": [{\"indicator\": \"incubators\", \"colour\": 1}]}",
         "projects: feeds[0].colour: unknown key"},
        {"{\"feeds\": 3}", "projects: feeds: must be a list of at most 32 feeds"},
    };
    char err[400];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        err[0] = 0;
        assert_null(s_decode(cases[i][0], err, sizeof err));
        assert_string_equal(err, cases[i][1]);
    }
}

//  A made-up project: kind, level, and up to two status changes (on, to).
static projects_tally_t s_project(int kind, int level, int on1, int to1, int on2, int to2)
{
    projects_tally_t project;
    memset(&project, 0, sizeof project);
    project.kind = kind;
    project.level = level;
    project.change_on[0] = on1;
    project.change_to[0] = to1;
    project.change_on[1] = on2;
    project.change_to[1] = to2;
    project.change_count = on2 ? 2 : 1;
    return project;
}

static void test_counts(void **state)
{
    (void)state;
    char err[256];
    projects_counts_t *counts =
        s_decode("{\"source\": \"test-registry\", \"feeds\": ["
                 "{\"indicator\": \"incubators\", \"where\": {\"kind\": [\"incubator\"]}, "
                 "\"plus_baseline\": true},"
                 "{\"indicator\": \"incubators_national\", \"where\": {\"kind\": [\"incubator\"], "
                 "\"level\": [\"national\"]}},"
                 "{\"indicator\": \"hitech_investment\", \"measure\": \"investment\"}]}",
                 err, sizeof err);
    assert_non_null(counts);
    assert_int_equal(projects_counts_count(counts), 3);
    assert_string_equal(projects_counts_source(counts), "test-registry");
    assert_string_equal(projects_counts_indicator(counts, 1), "incubators_national");
    projects_tally_t projects[4] = {
        //  completed in 2022, national
        s_project(2, 0, 20210101, PROJECTS_STATUS_IN_PROGRESS, 20220601, PROJECTS_STATUS_COMPLETED),
        //  completed in 2019: in the plan's 2020 baseline already
        s_project(2, 1, 20190301, PROJECTS_STATUS_COMPLETED, 0, 0),
        //  in progress: not counted
        s_project(2, 0, 20230101, PROJECTS_STATUS_IN_PROGRESS, 0, 0),
        //  a platform completed in 2023, with investment made
        s_project(0, 0, 20230301, PROJECTS_STATUS_COMPLETED, 0, 0),
    };
    projects[3].invested_year[0] = 2023;
    projects[3].invested_value[0] = 2500; // 万元
    projects[3].invested_count = 1;
    assert_true(projects_counts_value(counts, 0, projects, 4, 2021) == 11);
    assert_true(projects_counts_value(counts, 0, projects, 4, 2022) == 12);
    assert_true(projects_counts_value(counts, 1, projects, 4, 2021) == 0);
    assert_true(projects_counts_value(counts, 1, projects, 4, 2022) == 1);
    assert_true(projects_counts_value(counts, 2, projects, 4, 2023) == 0.25); // 亿元
    assert_true(projects_counts_value(counts, 2, projects, 4, 2022) == 0);
    assert_int_equal(projects_tally_status_at(&projects[0], 20201231), -1);
    assert_int_equal(projects_tally_status_at(&projects[0], 20220601), PROJECTS_STATUS_COMPLETED);
    projects_counts_destroy(&counts);
    projects_counts_destroy(&counts);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_counts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
