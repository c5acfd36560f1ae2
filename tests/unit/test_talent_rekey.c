/*  Unit tests of talent_rekey on a throw-away redis-server: records made
    under key 1 are counted as old once key 2 is current, talent.rekey
    (run as the frame runs it) moves them to key 2 page by page, they read
    as before, and nothing is left under key 1. The people are made up.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "talent_registry.h"
#include "talent_rekey.h"
#include "talent_stack.h"

static void test_rekey(void **state)
{
    (void)state;
    talent_test_stack_t stack;
    talent_test_stack_up(&stack);
    talent_registry_t *registry = talent_registry_new(stack.store);
    for (int n = 1; n <= 3; n++) {
        sti_reply_t reply;
        talent_test_call(&talent_registry_ops, registry, "talent.add", talent_test_add_body(n, ""),
                         &reply);
        assert_true(reply.ok);
        sti_reply_release(&reply);
    }
    //  Key 2 current, key 1 old.
    talent_crypto_t *crypto = talent_test_keyring(2);
    talent_store_t *store = talent_store_new(stack.redis, crypto, NULL);
    talent_rekey_store_t *keys = talent_rekey_store_new(stack.redis, crypto);
    talent_rekey_t *rekey = talent_rekey_new(store, keys, NULL);
    char err[256];
    sti_errcode_t code;
    assert_non_null(talent_store_codes(store, &code, err, sizeof err));
    talent_rekey_count_t count;
    assert_int_equal(talent_rekey_count(rekey, &count, err, sizeof err), 0);
    assert_int_equal(count.old, 3);
    assert_int_equal(count.unknown, 0);

    sti_reply_t reply;
    talent_test_call(&talent_rekey_ops, rekey, "talent.rekey", "{\"limit\": 2}", &reply);
    assert_true(reply.ok);
    assert_int_equal(talent_test_int(reply.body, "rekeyed"), 2);
    assert_int_equal(talent_test_int(reply.body, "remaining"), 1);
    assert_int_equal(talent_test_int(reply.body, "current_key"), 2);
    sti_reply_release(&reply);
    talent_test_call(&talent_rekey_ops, rekey, "talent.rekey", NULL, &reply);
    assert_int_equal(talent_test_int(reply.body, "rekeyed"), 1);
    assert_int_equal(talent_test_int(reply.body, "remaining"), 0);
    assert_true(sti_node_type(sti_node_get(reply.body, "next")) == STI_TYPE_NIL);
    sti_reply_release(&reply);
    talent_test_call(&talent_rekey_ops, rekey, "talent.rekey", "{\"limit\": 0}", &reply);
    assert_string_equal(reply.message, "limit: must be an integer from 1 to 1000");
    sti_reply_release(&reply);

    //  Under key 2 only: they read, and their hash names key 2.
    talent_record_t record;
    int64_t version;
    char number[TALENT_RESIDENT_ID_LEN + 1];
    talent_test_resident_id(2, number);
    assert_int_equal(talent_store_read(store, "T000002", &record, &version, err, sizeof err),
                     TALENT_STORE_OK);
    assert_string_equal(record.id_number, number);
    assert_int_equal(version, 1);
    talent_record_wipe(&record);
    redisReply *hash = sti_redis_command(stack.redis, "HGET ut:tal:rec:T000002 hash");
    assert_int_equal(strncmp(hash->str, "02", 2), 0);
    freeReplyObject(hash);
    redisReply *audit =
        sti_redis_command(stack.redis, "XREVRANGE ut:tal:audit:T000002 + - COUNT 1");
    assert_int_equal(audit->elements, 1);
    freeReplyObject(audit);

    talent_rekey_destroy(&rekey);
    talent_rekey_store_destroy(&keys);
    talent_store_destroy(&store);
    talent_crypto_destroy(&crypto);
    talent_registry_destroy(&registry);
    talent_test_stack_down(&stack);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rekey),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
