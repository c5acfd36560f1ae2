/*  sti-talent: the talent registry (service sti.talent).

    Loads the plan's talent codes (talent.json) and the secret that protects
    personal data, then serves the registry's ops (talent_ops.h) and the
    replay of its event stream `tal` (events.since). Its tick sends the
    registry's counts to sti.ingest (talent_counts.h). Without a secret it
    refuses to start: STI_TALENT_KEY_FILE names a file (mode 0600 or 0400)
    or STI_TALENT_KEY holds the secret (64 hex digits or base64 of 32 bytes).
    Stateless: run as many as the load needs.
*/
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "sti_log.h"
#include "talent_counts.h"
#include "talent_ops.h"

//  Settings of sti-talent (filled by the configuration table).
typedef struct {
    char *plan_dir;          // the plan directory holding talent.json
    char *talent_key_file;   // file holding the secret, or NULL (then STI_TALENT_KEY)
    int64_t talent_key_id;   // id of the secret (1-255), written into sealed values
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
//  and so not for the local identity of a stack without CURVE.
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
}

//  Loads the secret. Returns a new keyring, or NULL after printing why.
static talent_crypto_t *s_keyring(void)
{
    uint8_t *secret = (uint8_t *)sodium_malloc(TALENT_SECRET_BYTES);
    char err[256];
    int rc;
    if (!secret) {
        fprintf(stderr, "sti-talent: no memory for the secret\n");
        return NULL;
    }
    if (s_config.talent_key_file && *s_config.talent_key_file) {
        rc = talent_secret_read_file(s_config.talent_key_file, secret, err, sizeof err);
    } else if (getenv("STI_TALENT_KEY")) {
        rc = talent_secret_from_env("STI_TALENT_KEY", secret, err, sizeof err);
    } else {
        snprintf(err, sizeof err,
                 "no secret: set STI_TALENT_KEY_FILE (a file of 32 random bytes, mode 0600) "
                 "or STI_TALENT_KEY (64 hex digits); personal data cannot be protected without it");
        rc = -1;
    }
    talent_crypto_t *crypto = NULL;
    if (rc == 0 && (s_config.talent_key_id < 1 || s_config.talent_key_id > 255)) {
        snprintf(err, sizeof err, "talent_key_id must be from 1 to 255");
        rc = -1;
    }
    if (rc == 0) {
        crypto = talent_crypto_new(secret, (uint8_t)s_config.talent_key_id, err, sizeof err);
    }
    sodium_free(secret);
    if (!crypto) {
        fprintf(stderr, "sti-talent: %s\n", err);
        sti_error("refusing to start: %s", err);
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
