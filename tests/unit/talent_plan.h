/*  The Linping plan for the talent unit tests: its directory in this source
    tree (or under STI_SOURCE), its talent codes loaded from there, and the
    plan put into a Redis as plan.load puts it (sti-talent reads its codes
    from there). Header only, like redis_server.h; include it after cmocka.h.
*/
#pragma once
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sti_catalog_io.h"
#include "sti_catalog_store.h"
#include "talent_codes.h"

//  The plan directory data/plans/linping-2021-2025 into buf.
static inline void talent_test_plan_dir(char *buf, size_t cap)
{
    const char *source = getenv("STI_SOURCE");
    if (source) {
        snprintf(buf, cap, "%s/data/plans/linping-2021-2025", source);
        return;
    }
    snprintf(buf, cap, "%s", __FILE__);
    char *tail = strstr(buf, "/tests/unit/");
    assert_non_null(tail);
    snprintf(tail, cap - (size_t)(tail - buf), "/data/plans/linping-2021-2025");
}

//  The plan's talent codes (talent.json); the test fails when they do not
//  load. The caller destroys them.
static inline talent_codes_t *talent_test_codes(void)
{
    char dir[4096], err[512] = "";
    talent_test_plan_dir(dir, sizeof dir);
    talent_codes_t *codes = talent_codes_load_plan(dir, err, sizeof err);
    if (!codes) {
        fail_msg("%s: %s", dir, err);
    }
    return codes;
}

//  Stores the catalog of plan directory dir in redis, as plan.load does;
//  the test fails when it does not load or store.
static inline void talent_test_put_plan_dir(sti_redis_t *redis, const char *dir)
{
    char err[512] = "";
    sti_catalog_t *plan = sti_catalog_load_dir(dir, err, sizeof err);
    if (!plan) {
        fail_msg("%s: %s", dir, err);
    }
    sti_catalog_store_t *store = sti_catalog_store_new(redis);
    bool changed = false;
    if (sti_catalog_store_put_plan(store, plan, &changed, err, sizeof err) != STI_ERR_NONE) {
        fail_msg("plan load: %s", err);
    }
    sti_catalog_store_destroy(&store);
    sti_catalog_destroy(&plan);
}

//  Stores the Linping plan (talent.json included) in redis.
static inline void talent_test_put_plan(sti_redis_t *redis)
{
    char dir[4096];
    talent_test_plan_dir(dir, sizeof dir);
    talent_test_put_plan_dir(redis, dir);
}
