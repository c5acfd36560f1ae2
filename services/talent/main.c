/*  sti-talent: the talent registry (service sti.talent).

    Loads the plan's talent codes (talent.json) and the secret that protects
    personal data, then serves the registry's ops (talent_ops.h) and the
    replay of its event stream `tal` (events.since). Its tick sends the
    registry's counts to sti.ingest (talent_counts.h). Without a secret it
    refuses to start: STI_TALENT_KEY_FILE names a file (mode 0600 or 0400)
    or STI_TALENT_KEY holds the secret (64 hex digits or base64 of 32 bytes).
    Older secrets, kept while the registry is re-keyed (talent.rekey), come
    from talent_old_keys and STI_TALENT_OLD_KEY_<ID> (talent_keys.h).
    Stateless: run as many as the load needs.
*/
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include "sti_log.h"
#include "talent_counts.h"
#include "talent_keys.h"
#include "talent_ops.h"

extern char **environ;

//  Settings of sti-talent (filled by the configuration table).
typedef struct {
    char *plan_dir;          // the plan directory holding talent.json
    char *talent_key_file;   // file holding the secret, or NULL (then STI_TALENT_KEY)
    int64_t talent_key_id;   // id of the secret (1-255), written into sealed values
    char *talent_old_keys;   // older secrets still read: "ID:PATH[,ID:PATH...]", or NULL
    int64_t count_first_year; // earliest year whose counts go to sti-ingest
} s_config_t;

#ifndef STI_TALENT_DEFAULT_PLAN
#define STI_TALENT_DEFAULT_PLAN "data/plans/linping-2021-2025"
#endif

static s_config_t s_config;
static talent_ops_t *s_ops;
static talent_counts_t *s_counts;

static const sti_config_entry_t s_config_map[] = {
    {"plan_dir", STI_CONFIG_STR, STI_TALENT_DEFAULT_PLAN, offsetof(s_config_t, plan_dir),
     "the plan directory; its talent.json defines levels, fields, channels, counts"},
    {"talent_key_file", STI_CONFIG_STR, NULL, offsetof(s_config_t, talent_key_file),
     "file with the 32-byte secret (mode 0600/0400); else env STI_TALENT_KEY"},
    {"talent_key_id", STI_CONFIG_INT, "1", offsetof(s_config_t, talent_key_id),
     "the secret's key id (1-255)"},
    {"talent_old_keys", STI_CONFIG_STR, NULL, offsetof(s_config_t, talent_old_keys),
     "older secrets kept while re-keying: ID:PATH[,ID:PATH...] (also env STI_TALENT_OLD_KEY_<ID>)"},
    {"count_first_year", STI_CONFIG_INT, "2020", offsetof(s_config_t, count_first_year),
     "earliest year whose talent counts are sent to sti.ingest"},
    {NULL, 0, NULL, 0, NULL},
};

#define S_OP(op)                                                                                   \
    static int s_##op(sti_service_t *service, const sti_request_t *request, sti_writer_t *reply,   \
                      void *ctx)                                                                   \
    {                                                                                              \
        (void)ctx;                                                                                 \
        talent_ops_set_caller(s_ops, sti_service_caller(service)->name,                            \
                              sti_service_caller(service)->key);                                   \
        return talent_ops_##op(service, request, reply, s_ops);                                    \
    }
S_OP(add)
S_OP(get)
S_OP(update)
S_OP(leave)
S_OP(remove)
S_OP(import)
S_OP(search)
S_OP(export)
S_OP(stats)
S_OP(audit)
S_OP(reveal)
S_OP(rekey)
S_OP(team_add)
S_OP(team_get)
S_OP(team_update)
#undef S_OP

static int s_events_since(sti_service_t *service, const sti_request_t *request,
                          sti_writer_t *reply, void *ctx)
{
    (void)ctx;
    sti_events_since_reply(sti_service_redis(service), "tal", request, reply);
    return 0;
}

//  Who may call what: the talent office (officer) keeps the registry; clerks
//  may import; stats hold no personal data, so readers and services see them.
//  Personal data in clear (talent.reveal) is for officers only: not for admin,
//  and so not for the local identity of a stack without CURVE. Re-keying
//  (talent.rekey) is the operator's: admin only, and a write for the rate
//  limit (each call rewrites up to a thousand records).
#define S_READ STI_ROLE_OFFICER
#define S_WRITE (STI_ROLE_OFFICER | STI_OP_WRITE)
static const sti_op_t s_op_table[] = {
    {"talent.add", s_add, S_WRITE},
    {"talent.get", s_get, S_READ},
    {"talent.update", s_update, S_WRITE},
    {"talent.leave", s_leave, S_WRITE},
    {"talent.remove", s_remove, S_WRITE},
    {"talent.import", s_import, S_WRITE | STI_ROLE_CLERK},
    {"talent.search", s_search, S_READ},
    {"talent.export", s_export, S_READ},
    {"talent.stats", s_stats, S_READ | STI_ROLE_READER | STI_ROLE_SERVICE},
    {"talent.audit", s_audit, S_READ},
    {"talent.reveal", s_reveal, STI_ROLE_OFFICER | STI_OP_LISTED_ONLY},
    {"talent.rekey", s_rekey, STI_OP_WRITE},
    {"team.add", s_team_add, S_WRITE},
    {"team.get", s_team_get, S_READ | STI_ROLE_READER},
    {"team.update", s_team_update, S_WRITE},
    {"events.since", s_events_since, STI_ROLES_ANY},
    {NULL, NULL, 0},
};

static void s_tick(sti_service_t *service, void *ctx)
{
    (void)service;
    (void)ctx;
    if (s_counts) {
        talent_counts_tick(s_counts);
    }
    if (s_ops) {
        talent_rekey_tick(talent_ops_rekeyer(s_ops));
    }
}

//  Loads the current secret and the old ones. Returns a new keyring, or NULL
//  after printing why.
static talent_crypto_t *s_keyring(void)
{
    char err[1400];
    talent_keys_config_t keys = {s_config.talent_key_file, "STI_TALENT_KEY",
                                 s_config.talent_key_id, s_config.talent_old_keys, environ};
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

int main(int argc, char **argv)
{
    sti_service_def_t def = {
        .name = "sti-talent",
        .service = "sti.talent",
        .ops = s_op_table,
        .config = s_config_map,
        .ctx = &s_config,
        .tick = s_tick,
        .tick_ms = 200,
    };
    int exit_code = 0;
    sti_service_t *service = sti_service_new(&def, argc, argv, &exit_code);
    if (!service) {
        return exit_code;
    }
    char err[512];
    talent_codes_t *codes = talent_codes_load_plan(s_config.plan_dir, err, sizeof err);
    talent_crypto_t *crypto = codes ? s_keyring() : NULL;
    if (!codes) {
        fprintf(stderr, "sti-talent: %s\n", err);
        sti_error("refusing to start: %s", err);
    }
    if (!codes || !crypto) {
        talent_codes_destroy(&codes);
        sti_service_destroy(&service);
        return 1;
    }
    sti_redis_t *redis = sti_service_redis(service);
    talent_store_t *store =
        talent_store_new(redis, codes, crypto, sti_service_publisher(service, "tal"));
    s_ops = talent_ops_new(store);
    talent_rekey_metrics(talent_ops_rekeyer(s_ops), sti_service_http(service));
    s_counts = talent_counts_new(redis, codes, sti_service_config(service)->broker,
                                 (int)s_config.count_first_year);
    int rc = sti_service_run(service);
    talent_counts_destroy(&s_counts);
    talent_ops_destroy(&s_ops);
    talent_store_destroy(&store);
    talent_crypto_destroy(&crypto);
    talent_codes_destroy(&codes);
    sti_service_destroy(&service);
    return rc;
}
