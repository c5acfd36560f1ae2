/*  talent_ops: the ops of service sti.talent (docs/ops.md, section sti.talent).

    Records: talent.add, talent.get, talent.update, talent.leave,
    talent.remove, talent.import (talent_ops.c); talent.search,
    talent.export, talent.stats, talent.audit (talent_query.c);
    talent.reveal, the one answer with personal data in clear (talent_ops.c);
    talent.rekey, the records moved to the current key (talent_rekey.c); teams:
    team.add, team.get, team.update (talent_teams.c).

    Every handler writes the whole reply and returns 0, or -1 for an
    internal failure (the frame answers `internal`). Personal data leaves
    only masked (talent_record_encode_masked), except through talent.reveal
    (talent_record_encode_revealed), whose read is audited with the caller's
    key and reason before anything is answered; every record read or changed
    is in its audit log.
*/
#pragma once
#include "sti_auth.h"
#include "sti_service.h"
#include "talent_rekey.h"
#include "talent_store.h"

#define TALENT_PAGE_MAX 100     // most records one search page holds
#define TALENT_EXPORT_MAX 1000  // most records one export page holds
#define TALENT_IMPORT_MAX 1000  // most rows one import request holds
#define TALENT_REASON_MAX 200   // longest reason a talent.reveal gives, bytes

typedef struct _talent_ops_t talent_ops_t;

//  The ops on a store (borrowed; outlives them). Returns a new object the
//  caller destroys.
talent_ops_t *talent_ops_new(talent_store_t *store);
void talent_ops_destroy(talent_ops_t **self_p);

//  The handlers: each as sti_handler_fn, with the talent_ops_t as ctx.
int talent_ops_add(sti_service_t *service, const sti_request_t *request, sti_writer_t *reply,
                   void *ctx);
int talent_ops_get(sti_service_t *service, const sti_request_t *request, sti_writer_t *reply,
                   void *ctx);
int talent_ops_update(sti_service_t *service, const sti_request_t *request, sti_writer_t *reply,
                      void *ctx);
int talent_ops_leave(sti_service_t *service, const sti_request_t *request, sti_writer_t *reply,
                     void *ctx);
int talent_ops_remove(sti_service_t *service, const sti_request_t *request, sti_writer_t *reply,
                      void *ctx);
int talent_ops_import(sti_service_t *service, const sti_request_t *request, sti_writer_t *reply,
                      void *ctx);
int talent_ops_search(sti_service_t *service, const sti_request_t *request, sti_writer_t *reply,
                      void *ctx);
int talent_ops_export(sti_service_t *service, const sti_request_t *request, sti_writer_t *reply,
                      void *ctx);
int talent_ops_stats(sti_service_t *service, const sti_request_t *request, sti_writer_t *reply,
                     void *ctx);
int talent_ops_audit(sti_service_t *service, const sti_request_t *request, sti_writer_t *reply,
                     void *ctx);
int talent_ops_reveal(sti_service_t *service, const sti_request_t *request, sti_writer_t *reply,
                      void *ctx);
//  talent.rekey (talent_rekey.c): re-keys a batch of records under old keys.
int talent_ops_rekey(sti_service_t *service, const sti_request_t *request, sti_writer_t *reply,
                     void *ctx);
int talent_ops_team_add(sti_service_t *service, const sti_request_t *request,
                        sti_writer_t *reply, void *ctx);
int talent_ops_team_get(sti_service_t *service, const sti_request_t *request,
                        sti_writer_t *reply, void *ctx);
int talent_ops_team_update(sti_service_t *service, const sti_request_t *request,
                           sti_writer_t *reply, void *ctx);

//  --- shared by the op modules ---

//  The store behind the ops (borrowed).
talent_store_t *talent_ops_store(talent_ops_t *self);
//  The re-keyer behind talent.rekey and the key counts of talent.stats (borrowed).
talent_rekey_t *talent_ops_rekeyer(talent_ops_t *self);
//  The search script (talent_search.lua), registered on the store's Redis.
sti_script_t *talent_ops_search_script(talent_ops_t *self);
//  Sets who calls (the authenticated caller's name and public key, "" or
//  NULL without CURVE) before a handler runs.
void talent_ops_set_caller(talent_ops_t *self, const char *who, const char *key);
//  The caller as the audit log names it, for op and request_key (its
//  strings are borrowed from self and the arguments).
talent_actor_t talent_ops_actor(talent_ops_t *self, const char *op, const char *request_key);
//  Writes an error reply carrying a decoder's errors as details (index -1,
//  or index when index >= 0).
void talent_ops_reply_errors(sti_writer_t *reply, const sti_request_t *request,
                             const talent_errors_t *errors);
//  Writes the error reply of a store result that is not OK.
void talent_ops_reply_store(sti_writer_t *reply, const sti_request_t *request,
                            talent_store_rc_t rc, const char *conflict_id, const char *err);
//  Reads body.id as a registry id. Returns 0, or -1 after writing the reply.
int talent_ops_read_id(const sti_request_t *request, sti_node_t body, const char *key,
                       char id[TALENT_REGISTRY_ID_MAX + 1], sti_writer_t *reply);
