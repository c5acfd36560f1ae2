/*  notify_keys: the names of sti-notify's Redis keys, one function per key
    family (docs/keys.md, "sti-notify").

    Every key is "<ns>:notify:..." built by sti_redis_key under the
    connection's namespace; nothing else in the service names a key. Each
    function writes into buf (NOTIFY_KEY_MAX bytes hold any of them: the
    namespace is at most 64 bytes, an id at most 129) and returns buf, or
    NULL when it does not fit.
*/
#pragma once
#include <stddef.h>

#include "sti_redis.h"

#define NOTIFY_KEY_MAX 512 // bytes of any key below, with its NUL

//  <ns>:notify:rules (hash: rule id -> the rule's MessagePack map)
char *notify_key_rules(sti_redis_t *redis, char *buf, size_t cap);
//  <ns>:notify:rules:seq (the last rule number given)
char *notify_key_rules_seq(sti_redis_t *redis, char *buf, size_t cap);
//  <ns>:notify:silences (hash: silence id -> the silence's map)
char *notify_key_silences(sti_redis_t *redis, char *buf, size_t cap);
//  <ns>:notify:silences:seq (the last silence number given)
char *notify_key_silences_seq(sti_redis_t *redis, char *buf, size_t cap);
//  <ns>:notify:version (grows with every change of rules or silences)
char *notify_key_version(sti_redis_t *redis, char *buf, size_t cap);
//  <ns>:notify:audit (stream: who changed which rule or silence)
char *notify_key_audit(sti_redis_t *redis, char *buf, size_t cap);
//  <ns>:notify:req:<request id> (the id an add made; "-" for none)
char *notify_key_request(sti_redis_t *redis, const char *request_id, char *buf, size_t cap);
//  <ns>:notify:lease:<stream> (the token of the replica evaluating it)
char *notify_key_lease(sti_redis_t *redis, const char *stream, char *buf, size_t cap);
//  <ns>:notify:cursor:<stream> (the last seq whose alerts are queued)
char *notify_key_cursor(sti_redis_t *redis, const char *stream, char *buf, size_t cap);
//  <ns>:notify:latest (hash: "<indicator>|<org>" -> the latest value seen)
char *notify_key_latest(sti_redis_t *redis, char *buf, size_t cap);
//  <ns>:notify:dlv:<delivery id> (hash: one delivery)
char *notify_key_delivery(sti_redis_t *redis, const char *id, char *buf, size_t cap);
//  <ns>:notify:due (sorted set: deliveries waiting, by due time)
char *notify_key_due(sti_redis_t *redis, char *buf, size_t cap);
//  <ns>:notify:index (sorted set: deliveries by creation, for listings)
char *notify_key_index(sti_redis_t *redis, char *buf, size_t cap);
//  <ns>:notify:dead (list: the dead letters, newest first)
char *notify_key_dead(sti_redis_t *redis, char *buf, size_t cap);
//  <ns>:notify:groups (sorted set: alert groups with events waiting, by flush time)
char *notify_key_groups(sti_redis_t *redis, char *buf, size_t cap);
//  <ns>:notify:group:<gid>:events (list: a group's waiting alert events)
char *notify_key_group_events(sti_redis_t *redis, const char *gid, char *buf, size_t cap);
//  <ns>:notify:group:<gid>:meta (hash: a group's rule, flushes, last_flush)
char *notify_key_group_meta(sti_redis_t *redis, const char *gid, char *buf, size_t cap);
