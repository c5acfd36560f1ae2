/*  notify_rule_store: rules and silences in Redis, and a cached copy of them.

    Rules live in the hash <ns>:notify:rules (id -> the rule's MessagePack
    map, secrets included), silences in <ns>:notify:silences; ids come from
    <ns>:notify:rules:seq and <ns>:notify:silences:seq ("r-1", "s-1"), and
    <ns>:notify:version grows with every change, so a replica re-reads both
    hashes only when it changed (one GET per refresh). A change and the
    version bump are one step (notify_add.lua, notify_remove.lua), and so
    is the change's audit entry: the stream <ns>:notify:audit (MAXLEN ~
    100,000) says who (the person, when the gateway acted for one), when,
    which op, which id and which request. An add is applied once per
    request id: notify_add.lua keeps the id it made under
    <ns>:notify:req:<request id> for a day, and a retried add is answered
    with it (and audited once). A removal of no such id changes nothing
    and is not audited. The store borrows the connection.
*/
#pragma once
#include "notify_rule.h"
#include "notify_silence.h"
#include "sti_redis.h"

typedef struct _notify_rule_store_t notify_rule_store_t;

//  Who makes a change, for its audit entry (all borrowed).
typedef struct {
    const char *op;      // "rule.add", "rule.remove", "silence.add", "silence.remove"
    const char *who;     // the caller: the person when the gateway acts for one
    const char *role;    // the caller's role
    const char *via;     // the gateway that acted for the person, "" when none
    const char *request; // the request id
} notify_audit_t;

//  Never NULL (aborts on out-of-memory).
notify_rule_store_t *notify_rule_store_new(sti_redis_t *redis);
void notify_rule_store_destroy(notify_rule_store_t **self_p);

//  Stores a new rule for audit->who: sets rule->id and rule->created_ms.
//  audit->request ("" for none) makes it once: a rule already added under
//  it is not added again, and rule->id is set to its id. Returns 0, or -1
//  when Redis failed.
int notify_rule_store_rule_add(notify_rule_store_t *self, notify_rule_t *rule, int64_t now_ms,
                               const notify_audit_t *audit);
//  Removes a rule for audit->who. Returns 0 and sets *removed, or -1 when
//  Redis failed.
int notify_rule_store_rule_remove(notify_rule_store_t *self, const char *id, int64_t now_ms,
                                  const notify_audit_t *audit, bool *removed);
//  As the two above, for silences.
int notify_rule_store_silence_add(notify_rule_store_t *self, notify_silence_t *silence,
                                  int64_t now_ms, const notify_audit_t *audit);
int notify_rule_store_silence_remove(notify_rule_store_t *self, const char *id, int64_t now_ms,
                                     const notify_audit_t *audit, bool *removed);

//  Reads rules and silences again if the version changed. Returns 0, or -1
//  when Redis failed (the copy held stays). A stored value that does not
//  read is skipped with a log line.
int notify_rule_store_refresh(notify_rule_store_t *self);

//  The cached rules and silences (borrowed until the next refresh).
size_t notify_rule_store_rule_count(notify_rule_store_t *self);
const notify_rule_t *notify_rule_store_rule_at(notify_rule_store_t *self, size_t index);
const notify_rule_t *notify_rule_store_rule_find(notify_rule_store_t *self, const char *id);
size_t notify_rule_store_silence_count(notify_rule_store_t *self);
const notify_silence_t *notify_rule_store_silence_at(notify_rule_store_t *self, size_t index);
