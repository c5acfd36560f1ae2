/*  plan_put: stores a plan directory's catalog in Redis, as plan.load does,
    and optionally adds org units, so that tests of sti-ingest need no
    sti-indicators.

    plan_put REDIS_URL NAMESPACE PLAN_DIR [ORG:PARENT ...]
    Exit 0 when stored, 1 with the reason on stderr.
*/
#include <stdio.h>
#include <string.h>

#include "sti_catalog_io.h"
#include "sti_catalog_store.h"

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: plan_put REDIS_URL NAMESPACE PLAN_DIR [ORG:PARENT ...]\n");
        return 2;
    }
    char err[512];
    sti_catalog_t *plan = sti_catalog_load_dir(argv[3], err, sizeof err);
    sti_redis_t *redis = plan ? sti_redis_new(argv[1], argv[2], err, sizeof err) : NULL;
    if (!plan || !redis || sti_redis_wait(redis, 5000)) {
        fprintf(stderr, "plan_put: %s\n", redis ? sti_redis_errstr(redis) : err);
        sti_catalog_destroy(&plan);
        sti_redis_destroy(&redis);
        return 1;
    }
    sti_catalog_store_t *store = sti_catalog_store_new(redis);
    bool changed;
    sti_errcode_t code = sti_catalog_store_put_plan(store, plan, &changed, err, sizeof err);
    for (int i = 4; i < argc && code == STI_ERR_NONE; i++) {
        char org[STI_CODE_MAX];
        const char *colon = strchr(argv[i], ':');
        snprintf(org, sizeof org, "%.*s", colon ? (int)(colon - argv[i]) : 0, argv[i]);
        code = sti_catalog_store_add_org(store, org, colon ? colon + 1 : "", org, org, &changed,
                                         err, sizeof err);
    }
    if (code != STI_ERR_NONE) {
        fprintf(stderr, "plan_put: %s: %s\n", sti_errcode_name(code), err);
    }
    sti_catalog_store_destroy(&store);
    sti_redis_destroy(&redis);
    sti_catalog_destroy(&plan);
    return code == STI_ERR_NONE ? 0 : 1;
}
