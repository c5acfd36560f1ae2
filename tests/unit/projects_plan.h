/*  The projects unit tests' plan: the Linping catalog loaded from this
    source tree (talent_plan.h finds the directory), with one more org unit
    (donghu), and a projects.json of the tests' own put into it. Header only,
    like redis_server.h; include it after cmocka.h.
*/
#pragma once
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "projects_record.h"
#include "projects_writer.h"
#include "redis_server.h"
#include "sti_catalog_io.h"
#include "sti_json.h"
#include "talent_plan.h"

//  The Linping catalog with org unit donghu under linping; the test fails
//  when it does not load. The caller destroys it.
static inline sti_catalog_t *projects_test_catalog(void)
{
    char dir[4096], err[512] = "";
    talent_test_plan_dir(dir, sizeof dir);
    sti_catalog_t *catalog = sti_catalog_load_dir(dir, err, sizeof err);
    if (!catalog) {
        fail_msg("%s: %s", dir, err);
    }
    assert_int_equal(sti_catalog_org_add(catalog, "donghu", "linping", "东湖", "", err, sizeof err),
                     0);
    return catalog;
}

//  Sets the catalog's project feeds from JSON text; the test fails when it
//  is not a map.
static inline void projects_test_feeds(sti_catalog_t *catalog, const char *json)
{
    char err[256] = "";
    sti_writer_t *writer = sti_writer_new();
    assert_int_equal(sti_json_text_to_writer(json, strlen(json), writer, err, sizeof err), 0);
    size_t size;
    const void *data = sti_writer_data(writer, &size);
    assert_int_equal(sti_catalog_set_projects(catalog, data, size, err, sizeof err), 0);
    sti_writer_destroy(&writer);
}

//  A made-up project to store: an incubator planned since 2021-01-05 at
//  linping, milestones due 2020-03-31 (past) and 2099-12-31.
static inline void projects_test_project(projects_record_t *p, const char *code)
{
    memset(p, 0, sizeof *p);
    snprintf(p->code, sizeof p->code, "%s", code);
    snprintf(p->name_zh, sizeof p->name_zh, "示例项目（虚构）");
    p->kind = 2;
    snprintf(p->org, sizeof p->org, "linping");
    snprintf(p->start, sizeof p->start, "2021");
    snprintf(p->end, sizeof p->end, "2023");
    p->status_on = 20210105;
    snprintf(p->digest, sizeof p->digest, "digest-%s", code);
    p->milestones[0] = (projects_milestone_t){1, 20200331, 0, false, "选址"};
    p->milestones[1] = (projects_milestone_t){2, 20991231, 0, false, "运营"};
    p->milestone_count = 2;
    p->last_milestone = 2;
    p->invested[0] = (projects_invested_t){"2021", 500};
    p->invested_count = 1;
    p->history[0] = (projects_status_change_t){1000, "tester", -1, 0, 20210105, ""};
    p->history_count = 1;
}

//  A throw-away redis-server and a connection to it (namespace "ut").
typedef struct {
    test_redis_t server; // the redis-server
    sti_redis_t *redis;  // the connection
} projects_test_redis_t;

//  Starts the server and connects, for a group setup; *state receives a
//  projects_test_redis_t. Returns 0, or -1 when the connection does not come up.
static inline int projects_test_setup(void **state)
{
    char err[256];
    projects_test_redis_t *t = (projects_test_redis_t *)calloc(1, sizeof *t);
    test_redis_start(&t->server, NULL);
    t->redis = sti_redis_new(t->server.url, "ut", err, sizeof err);
    *state = t;
    return t->redis ? sti_redis_wait(t->redis, 5000) : -1;
}

//  Closes the connection and stops the server, for a group teardown.
static inline int projects_test_teardown(void **state)
{
    projects_test_redis_t *t = (projects_test_redis_t *)*state;
    sti_redis_destroy(&t->redis);
    test_redis_stop(&t->server);
    free(t);
    return 0;
}

//  Adds made-up project code (projects_test_project) at level through
//  writer; the test fails when it is not added.
static inline void projects_test_add(projects_writer_t *writer, const char *code, int level)
{
    projects_record_t *next = projects_record_new();
    projects_test_project(next, code);
    next->level = level;
    projects_change_t change = {NULL, next, 0};
    projects_write_result_t result;
    projects_writer_write(writer, "project.add", code, &change, 1, &result);
    assert_int_equal(result.rc, PROJECTS_STORE_OK);
    free(next);
}
