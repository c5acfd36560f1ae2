/*  talent_lookup_store: the registry's reading queries in Redis, for the reading
    ops (talent_query): a page of ids that match a search, the stats
    counters, a record's audit log, and the replay of the event stream tal.

    A search is one call of talent_search.lua: the ids in id order after a
    cursor, every index token matching (SINTER of the index sets) and the
    name starting with a prefix (the name index); an unfiltered page is one
    ZRANGEBYSCORE. Its cost grows with the records that match the filters,
    not with the registry. Everything returned is a copy: no reply of Redis
    leaves this module.
*/
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sti_auth.h"
#include "sti_envelope.h"
#include "sti_redis.h"
#include "talent_record.h"
#include "talent_store.h"

#define TALENT_SEARCH_FILTERS 6 // category, field, channel, overseas, status, employer
#define TALENT_STATS_MAX 512    // counters of the stats hash read, at most
#define TALENT_STAT_TOKEN_MAX 80

typedef struct _talent_lookup_store_t talent_lookup_store_t;

//  A search: every token must match, and the name start with name.
typedef struct {
    char tokens[TALENT_SEARCH_FILTERS][TALENT_EMPLOYER_NAME_MAX + 16]; // "category:top", ...
    size_t count;                                                      // tokens used
    char name[TALENT_PERSON_NAME_MAX + 1];                             // name prefix, or ""
    int64_t cursor;                                                    // after this id number
    int64_t limit;                                                     // page size
} talent_search_t;

//  The stats counters: index token -> number of records.
typedef struct {
    struct {
        char token[TALENT_STAT_TOKEN_MAX]; // "category:top", "year:2023", ...
        int64_t count;                     // records with it
    } items[TALENT_STATS_MAX];             // in the hash's order
    size_t count;                          // items used
} talent_stats_t;

//  One entry of a record's audit log.
typedef struct {
    char at[48];                        // the entry's id in the stream
    int64_t time;                       // ms since 1970 (0 when absent)
    char op[64];                        // the op ("" when absent)
    char who[STI_AUTH_NAME_MAX + 1];    // the caller's name ("" when absent)
    char request[STI_ID_MAX + 32];      // the request's id ("" when absent)
    char key[STI_AUTH_KEY_LEN + 1];     // the caller's public key
    bool has_key;                       // false: the entry has none (nil)
    char reason[TALENT_REASON_MAX + 1]; // why the caller read in clear
    bool has_reason;                    // false: the entry has none (nil)
} talent_audit_entry_t;

//  The lookups on a borrowed Redis. Returns a new object the caller destroys.
talent_lookup_store_t *talent_lookup_store_new(sti_redis_t *redis);
void talent_lookup_store_destroy(talent_lookup_store_t **self_p);

//  One page of ids that match search, in id order, into ids (room for
//  search->limit). Returns 0 with *count and *next (the cursor of the next
//  page, 0 on the last), or -1 with err when Redis failed.
int talent_lookup_store_search(talent_lookup_store_t *self, const talent_search_t *search,
                               char (*ids)[TALENT_REGISTRY_ID_MAX + 1], size_t *count,
                               int64_t *next, char *err, size_t errlen);
//  Reads the stats counters. Returns 0, or -1 with err when Redis failed.
int talent_lookup_store_stats(talent_lookup_store_t *self, talent_stats_t *stats, char *err,
                              size_t errlen);
//  The count of token in stats, 0 when absent.
int64_t talent_lookup_store_stat(const talent_stats_t *stats, const char *token);
//  The entries of record id's audit log after the entry `after` (NULL: from
//  the first), at most limit + 1 (one more than a page: there is a next).
//  Returns a new array the caller frees, with *count entries, or NULL with
//  err when Redis failed.
talent_audit_entry_t *talent_lookup_store_audit(talent_lookup_store_t *self, const char *id,
                                                const char *after, int64_t limit, size_t *count,
                                                char *err, size_t errlen);
//  Answers events.since for the stream tal (sti_events_since_reply): writes
//  the whole reply envelope into reply.
void talent_lookup_store_events_since(talent_lookup_store_t *self, const sti_request_t *request,
                                      sti_writer_t *reply);
