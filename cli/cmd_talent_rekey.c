/*  stictl talent rekey: moves the talent registry to its current key.

    Calls talent.rekey (admin only) batch after batch, following the
    cursor, and prints a progress line per batch (stderr; stdout keeps the
    summary). A walk through the registry that ends while records remain
    under an old key the service holds starts again from the first id
    (a replica still running the old key may have written some meanwhile),
    as long as the last walk re-keyed something. A rate_limited answer is
    retried after the wait it names. Exit 0 when no record remains under an
    old key, 3 when some do (conflicts, damaged values, or a key the service
    does not hold: the summary says which), 1 when the service failed.
*/
#include <czmq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_talent.h"
#include "stictl.h"

#define S_WALKS_MAX 10 // walks through the registry one run makes at most
#define S_RATE_RETRIES 20

//  The counts of one answer.
typedef struct {
    long long rekeyed, conflicts, failed, remaining, unknown, current, next;
} s_answer_t;

static long long s_int(sti_node_t map, const char *key)
{
    int64_t value = 0;
    sti_field_error_t err;
    sti_node_t node = sti_node_get(map, key);
    if (sti_node_is_missing(node) || sti_node_type(node) == STI_TYPE_NIL ||
        sti_node_int(node, &value, &err) != 0) {
        return 0;
    }
    return (long long)value;
}

//  The wait a rate_limited reply asks for, in ms (1000 when it names none).
static int64_t s_retry_after(const sti_reply_t *reply)
{
    for (size_t i = 0; i < sti_node_size(reply->details); i++) {
        sti_node_t detail = sti_node_at(reply->details, i);
        char field[32], reason[32];
        stictl_map_text(detail, "field", field, sizeof field);
        if (strcmp(field, "retry_after_ms") == 0) {
            long long ms;
            if (stictl_parse_int(stictl_map_text(detail, "reason", reason, sizeof reason), 0, 60000,
                                 &ms) == 0) {
                return ms;
            }
        }
    }
    return 1000;
}

//  One call of talent.rekey. Returns 0 with answer, or the exit code.
static int s_batch(stictl_t *ctl, long long cursor, long long limit, s_answer_t *answer)
{
    for (int attempt = 0;; attempt++) {
        sti_writer_t *request = stictl_request("talent.rekey", NULL, 0);
        sti_writer_map(request, cursor > 0 ? 2 : 1);
        sti_writer_kv_int(request, "limit", limit);
        if (cursor > 0) {
            sti_writer_kv_int(request, "cursor", cursor);
        }
        sti_reply_t reply;
        int rc = stictl_talent_call(ctl, request, &reply);
        if (rc != 0) {
            return rc;
        }
        if (!reply.ok && reply.code == STI_ERR_RATE_LIMITED && attempt < S_RATE_RETRIES) {
            int64_t ms = s_retry_after(&reply);
            sti_reply_release(&reply);
            zclock_sleep((int)(ms > 0 ? ms : 1));
            continue;
        }
        if (!reply.ok) {
            rc = stictl_print_error(&reply);
            sti_reply_release(&reply);
            return rc;
        }
        answer->rekeyed = s_int(reply.body, "rekeyed");
        answer->conflicts = s_int(reply.body, "conflicts");
        answer->failed = s_int(reply.body, "failed");
        answer->remaining = s_int(reply.body, "remaining");
        answer->unknown = s_int(reply.body, "unknown_key");
        answer->current = s_int(reply.body, "current_key");
        answer->next = s_int(reply.body, "next");
        sti_reply_release(&reply);
        return 0;
    }
}

int stictl_talent_rekey(stictl_t *ctl, int argc, char **argv)
{
    long long limit = 100;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--limit") == 0 && i + 1 < argc) {
            if (stictl_parse_int(argv[++i], 1, 1000, &limit) != 0) {
                return stictl_usage_error("talent", "rekey: --limit must be from 1 to 1000");
            }
        } else {
            return stictl_usage_error("talent", "rekey: unexpected %s", argv[i]);
        }
    }
    s_answer_t answer;
    memset(&answer, 0, sizeof answer);
    long long total = 0, cursor = 0, walk_rekeyed = 0, skipped = 0;
    for (int walk = 0; walk < S_WALKS_MAX;) {
        int rc = s_batch(ctl, cursor, limit, &answer);
        if (rc) {
            return rc;
        }
        total += answer.rekeyed;
        walk_rekeyed += answer.rekeyed;
        skipped += answer.conflicts + answer.failed;
        if (!ctl->json) {
            fprintf(stderr, "rekeyed %lld (%lld in all), %lld remain under old keys\n",
                    answer.rekeyed, total, answer.remaining);
        }
        cursor = answer.next;
        if (answer.remaining == 0) {
            break;
        }
        if (cursor == 0) { // a walk ended: another only when this one moved something
            walk++;
            if (walk_rekeyed == 0 || answer.remaining <= answer.unknown + skipped) {
                break;
            }
            walk_rekeyed = 0;
            skipped = 0;
        }
    }
    if (ctl->json) {
        printf("{\"rekeyed\":%lld,\"remaining\":%lld,\"unknown_key\":%lld,\"current_key\":%lld}\n",
               total, answer.remaining, answer.unknown, answer.current);
    } else {
        printf("rekeyed %lld; %lld remain under old keys (%lld under a key the service does not "
               "hold); current key %lld\n",
               total, answer.remaining, answer.unknown, answer.current);
    }
    if (answer.remaining > 0 && !ctl->json) {
        fprintf(stderr,
                "records remain under old keys: see sti-talent's log for the ids (a document "
                "registered twice, a damaged value, or a key id not loaded)\n");
    }
    return answer.remaining > 0 ? STICTL_PARTIAL : STICTL_OK;
}
