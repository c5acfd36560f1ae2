/*  sti-talent: the talent registry (service sti.talent).

    Loads the secret that protects personal data, makes the stores (the
    records, the reading queries, re-keying, counts, teams: each on the
    service's Redis), the op modules on them (talent_registry, talent_query,
    talent_rekey, talent_team_registry) and the feed of the registry's
    counts to sti.ingest (talent_feed), binds the ops, runs, and destroys
    everything in reverse order. The plan's talent codes come from the
    plan's catalog in Redis, where stictl plan load puts them (talent_store):
    until a plan is loaded its ops answer not_found. Without a secret it refuses to
    start: STI_TALENT_KEY_FILE names a file (mode 0600 or 0400) or
    STI_TALENT_KEY holds the secret (64 hex digits or base64 of 32 bytes).
    Older secrets, kept while the registry is re-keyed (talent.rekey), come
    from talent_old_keys and STI_TALENT_OLD_KEY_<ID> (talent_keys.h).
    Stateless: run as many as the load needs.
*/
#include <stddef.h>
#include <stdio.h>

#include "sti_log.h"
#include "talent_count_store.h"
#include "talent_feed.h"
#include "talent_keys.h"
#include "talent_lookup_store.h"
#include "talent_query.h"
#include "talent_registry.h"
#include "talent_rekey.h"
#include "talent_rekey_store.h"
#include "talent_store.h"
#include "talent_team_registry.h"
#include "talent_team_store.h"

extern char **environ;

//  The settings of sti-talent (filled by the configuration table), and the
//  objects its tick drives.
typedef struct {
    char *talent_key_file;    // file holding the secret, or NULL (then STI_TALENT_KEY)
    int64_t talent_key_id;    // id of the secret (1-255), written into sealed values
    char *talent_old_keys;    // older secrets still read: "ID:PATH[,ID:PATH...]", or NULL
    int64_t count_first_year; // earliest year whose counts go to sti-ingest
    talent_feed_t *feed;      // the counts' feed (set once running)
    talent_rekey_t *rekey;    // the re-keyer, whose gauges the tick refreshes
} s_talent_t;

static const sti_config_entry_t s_config_map[] = {
    {"talent_key_file", STI_CONFIG_STR, NULL, offsetof(s_talent_t, talent_key_file),
     "file with the 32-byte secret (mode 0600/0400); else env STI_TALENT_KEY", 0, 0},
    {"talent_key_id", STI_CONFIG_INT, "1", offsetof(s_talent_t, talent_key_id),
     "the secret's key id, written into every sealed value and hash", 1, 255},
    {"talent_old_keys", STI_CONFIG_STR, NULL, offsetof(s_talent_t, talent_old_keys),
     "older secrets kept while re-keying: ID:PATH[,ID:PATH...] (also env STI_TALENT_OLD_KEY_<ID>)",
     0, 0},
    {"count_first_year", STI_CONFIG_INT, "2020", offsetof(s_talent_t, count_first_year),
     "earliest year whose talent counts are sent to sti.ingest", 2000, 2100},
    STI_CONFIG_END,
};

static const sti_op_table_t *const s_tables[] = {
    &talent_registry_ops, &talent_query_ops, &talent_rekey_ops, &talent_team_registry_ops, NULL,
};

//  Between requests: the counts' feed, the re-key gauges.
static void s_tick(sti_service_t *service, void *ctx)
{
    (void)service;
    s_talent_t *talent = (s_talent_t *)ctx;
    if (talent->feed) {
        talent_feed_tick(talent->feed);
    }
    if (talent->rekey) {
        talent_rekey_tick(talent->rekey);
    }
}

//  Loads the current secret and the old ones. Returns a new keyring, or NULL
//  after printing why.
static talent_crypto_t *s_keyring(const s_talent_t *talent)
{
    char err[1400];
    talent_keys_config_t keys = {talent->talent_key_file, "STI_TALENT_KEY", talent->talent_key_id,
                                 talent->talent_old_keys, environ};
    talent_crypto_t *crypto = talent_keys_load(&keys, err, sizeof err);
    if (!crypto) {
        fprintf(stderr, "sti-talent: %s\n", err);
        sti_error("refusing to start: %s", err);
    } else {
        sti_info("talent: current key %u, %d keys loaded", talent_crypto_key_id(crypto),
                 (int)talent_crypto_key_ids(crypto, NULL, 0));
    }
    return crypto;
}

//  The HTTP routes of the ops (sti-gateway's API, docs/gateway.md).
static const sti_op_route_t s_routes[] = {
    {"talent.search", "GET", "/api/v1/talents"},
    {"talent.add", "POST", "/api/v1/talents"},
    {"talent.export", "GET", "/api/v1/talents/export"},
    {"talent.import", "POST", "/api/v1/talents/import"},
    {"talent.stats", "GET", "/api/v1/talents/stats"},
    {"talent.rekey", "POST", "/api/v1/talents/rekey"},
    {"talent.get", "GET", "/api/v1/talents/{id}"},
    {"talent.update", "PATCH", "/api/v1/talents/{id}"},
    {"talent.remove", "DELETE", "/api/v1/talents/{id}"},
    {"talent.leave", "POST", "/api/v1/talents/{id}/leave"},
    {"talent.reveal", "POST", "/api/v1/talents/{id}/reveal"},
    {"talent.audit", "GET", "/api/v1/talents/{id}/audit"},
    {"team.add", "POST", "/api/v1/teams"},
    {"team.get", "GET", "/api/v1/teams/{id}"},
    {"team.update", "PATCH", "/api/v1/teams/{id}"},
    STI_ROUTES_END,
};

int main(int argc, char **argv)
{
    s_talent_t talent = {0};
    sti_service_def_t def = {
        .name = "sti-talent",
        .service = "sti.talent",
        .tables = s_tables,
        .routes = s_routes,
        .config = s_config_map,
        .ctx = &talent,
        .tick = s_tick,
        .tick_ms = 200,
    };
    int exit_code = 0;
    sti_service_t *service = sti_service_new(&def, argc, argv, &exit_code);
    if (!service) {
        return exit_code;
    }
    talent_crypto_t *crypto = s_keyring(&talent);
    if (!crypto) {
        sti_service_destroy(&service);
        return 1;
    }
    sti_redis_t *redis = sti_service_redis(service);
    talent_store_t *store = talent_store_new(redis, crypto, sti_service_publisher(service, "tal"));
    talent_lookup_store_t *lookup = talent_lookup_store_new(redis);
    talent_rekey_store_t *rekey_store = talent_rekey_store_new(redis, crypto);
    talent_count_store_t *count_store = talent_count_store_new(redis);
    talent_team_store_t *team_store = talent_team_store_new(redis);

    talent_registry_t *registry = talent_registry_new(store);
    talent.rekey = talent_rekey_new(store, rekey_store, sti_service_http(service));
    talent_query_t *query = talent_query_new(store, lookup, talent.rekey);
    talent_team_registry_t *teams = talent_team_registry_new(store, team_store);
    talent.feed = talent_feed_new(store, count_store, sti_service_config(service)->broker,
                                  (int)talent.count_first_year);
    sti_service_bind(service, &talent_registry_ops, registry);
    sti_service_bind(service, &talent_query_ops, query);
    sti_service_bind(service, &talent_rekey_ops, talent.rekey);
    sti_service_bind(service, &talent_team_registry_ops, teams);

    int rc = sti_service_run(service);

    talent_feed_destroy(&talent.feed);
    talent_team_registry_destroy(&teams);
    talent_query_destroy(&query);
    talent_rekey_destroy(&talent.rekey);
    talent_registry_destroy(&registry);
    talent_team_store_destroy(&team_store);
    talent_count_store_destroy(&count_store);
    talent_rekey_store_destroy(&rekey_store);
    talent_lookup_store_destroy(&lookup);
    talent_store_destroy(&store);
    talent_crypto_destroy(&crypto);
    sti_service_destroy(&service);
    return rc;
}
