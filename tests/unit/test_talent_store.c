/*  Unit tests of talent_store on a throw-away redis-server: add and read
    back, a duplicate document, a stale version, what Redis holds (no
    document number, phone or e-mail in clear), and erasure (nothing of the
    person left but the audit log's id and fact). The person is made up: the
    identity number is built with the GB 11643 check algorithm.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "redis_server.h"
#include "talent_plan.h"
#include "talent_at_rest.h"
#include "talent_store.h"

static test_redis_t server;
static sti_redis_t *redis;
static talent_codes_t *codes;
static talent_crypto_t *crypto;
static talent_store_t *store;

static const char *s_number = "330105198503121235"; // made up, check digit computed
static const char *s_phone = "13812345678";
static const char *s_email = "zhang@example.com";

static int s_setup(void **state)
{
    (void)state;
    char err[256];
    codes = talent_test_codes();
    uint8_t secret[TALENT_SECRET_BYTES];
    for (int i = 0; i < TALENT_SECRET_BYTES; i++) {
        secret[i] = (uint8_t)(i * 7 + 1);
    }
    crypto = talent_crypto_new(secret, 1, err, sizeof err);
    assert_non_null(crypto);
    test_redis_start(&server, NULL);
    redis = sti_redis_new(server.url, "ut", err, sizeof err);
    assert_non_null(redis);
    assert_int_equal(sti_redis_wait(redis, 5000), 0);
    store = talent_store_new(redis, codes, crypto, NULL);
    return 0;
}

static int s_teardown(void **state)
{
    (void)state;
    talent_store_destroy(&store);
    talent_store_destroy(&store);
    sti_redis_destroy(&redis);
    talent_crypto_destroy(&crypto);
    talent_codes_destroy(&codes);
    test_redis_stop(&server);
    return 0;
}

static talent_record_t s_person(void)
{
    talent_record_t record;
    memset(&record, 0, sizeof record);
    snprintf(record.name, sizeof record.name, "张三");
    record.id_type = TALENT_ID_RESIDENT;
    snprintf(record.id_number, sizeof record.id_number, "%s", s_number);
    snprintf(record.phone, sizeof record.phone, "%s", s_phone);
    snprintf(record.email, sizeof record.email, "%s", s_email);
    snprintf(record.category, sizeof record.category, "national");
    snprintf(record.field, sizeof record.field, "equipment");
    snprintf(record.channel, sizeof record.channel, "direct");
    snprintf(record.employer_name, sizeof record.employer_name, "临平示例科技有限公司");
    snprintf(record.arrived, sizeof record.arrived, "2022-03-01");
    record.overseas = true;
    return record;
}

//  True when some key's name, or some value of a string or hash, holds text.
static bool s_redis_holds(const char *text)
{
    redisReply *keys = sti_redis_command(redis, "KEYS *");
    assert_non_null(keys);
    bool found = false;
    for (size_t i = 0; i < keys->elements && !found; i++) {
        const char *key = keys->element[i]->str;
        found = strstr(key, text) != NULL;
        redisReply *type = sti_redis_command(redis, "TYPE %s", key);
        redisReply *values = strcmp(type->str, "hash") == 0 ? sti_redis_command(redis, "HGETALL %s", key)
                             : strcmp(type->str, "string") == 0
                                 ? sti_redis_command(redis, "GET %s", key)
                                 : NULL;
        if (values && values->type == REDIS_REPLY_STRING) {
            found = found || memmem(values->str, values->len, text, strlen(text));
        }
        for (size_t v = 0; values && values->type == REDIS_REPLY_ARRAY && v < values->elements; v++) {
            found = found || memmem(values->element[v]->str, values->element[v]->len, text,
                                    strlen(text));
        }
        if (values) {
            freeReplyObject(values);
        }
        freeReplyObject(type);
    }
    freeReplyObject(keys);
    return found;
}

static void test_add_read_update_remove(void **state)
{
    (void)state;
    talent_record_t person = s_person(), back, changed;
    talent_actor_t actor = {"talent.add", "test", "req-1", NULL, NULL};
    char id[TALENT_REGISTRY_ID_MAX + 1], err[256];
    int64_t version = 0;
    assert_int_equal(talent_store_add(store, &person, &actor, id, err, sizeof err), TALENT_STORE_OK);
    assert_string_equal(id, "T000001");
    assert_int_equal(talent_store_read(store, id, &back, &version, err, sizeof err),
                     TALENT_STORE_OK);
    assert_int_equal(version, 1);
    assert_string_equal(back.name, "张三");
    assert_string_equal(back.id_number, s_number);
    assert_string_equal(back.phone, s_phone);
    assert_string_equal(back.email, s_email);
    assert_string_equal(back.employer_name, "临平示例科技有限公司");
    assert_true(back.overseas);
    //  Nothing personal in clear in Redis.
    assert_false(s_redis_holds(s_number));
    assert_false(s_redis_holds(s_phone));
    assert_false(s_redis_holds(s_email));
    //  The same request again names the record it made; the same document is a duplicate.
    assert_int_equal(talent_store_add(store, &person, &actor, id, err, sizeof err),
                     TALENT_STORE_DUPLICATE);
    assert_string_equal(id, "T000001");
    assert_int_equal(talent_store_read(store, "T000099", &back, &version, err, sizeof err),
                     TALENT_STORE_NOT_FOUND);

    changed = person;
    snprintf(changed.field, sizeof changed.field, "future");
    actor.op = "talent.update";
    char conflict[TALENT_REGISTRY_ID_MAX + 1] = "";
    assert_int_equal(talent_store_update(store, "T000001", 5, &person, &changed, "talent.updated",
                                         &actor, conflict, err, sizeof err),
                     TALENT_STORE_STALE);
    assert_int_equal(talent_store_update(store, "T000001", 1, &person, &changed, "talent.updated",
                                         &actor, conflict, err, sizeof err),
                     TALENT_STORE_OK);
    assert_int_equal(talent_store_read(store, "T000001", &back, &version, err, sizeof err),
                     TALENT_STORE_OK);
    assert_int_equal(version, 2);
    assert_string_equal(back.field, "future");

    actor.op = "talent.remove";
    assert_int_equal(talent_store_remove(store, "T000001", 2, &changed, &actor, err, sizeof err),
                     TALENT_STORE_OK);
    assert_false(s_redis_holds("张三"));
    assert_false(s_redis_holds("临平示例"));
    char hash[TALENT_HASH_TEXT_LEN + 1];
    talent_crypto_hash(crypto, "resident", s_number, hash);
    assert_false(s_redis_holds(hash));
    //  The id is left only in its audit log and the event log.
    redisReply *keys = sti_redis_command(redis, "KEYS *T000001*");
    assert_int_equal(keys->elements, 1);
    assert_string_equal(keys->element[0]->str, "ut:tal:audit:T000001");
    freeReplyObject(keys);
    redisReply *audit = sti_redis_command(redis, "XLEN ut:tal:audit:T000001");
    assert_int_equal(audit->integer, 3);
    freeReplyObject(audit);
    //  Registered again after erasure, the person is a new record.
    actor.request = "req-2";
    actor.op = "talent.add";
    assert_int_equal(talent_store_add(store, &person, &actor, id, err, sizeof err), TALENT_STORE_OK);
    assert_string_equal(id, "T000002");
}

static void test_tokens_and_ids(void **state)
{
    (void)state;
    talent_record_t person = s_person();
    char tokens[512];
    assert_int_equal(talent_at_rest_tokens(&person, tokens, sizeof tokens), 0);
    assert_string_equal(tokens, "category:national\nfield:equipment\nchannel:direct\noverseas:1\n"
                                "status:active\nyear:2022\nemployer:临平示例科技有限公司\n");
    assert_int_equal(talent_at_rest_tokens(&person, tokens, 20), -1);
    assert_int_equal(talent_at_rest_id_number("T000012"), 12);
    assert_int_equal(talent_at_rest_id_number("G000012"), -1);
    assert_int_equal(talent_at_rest_id_number("T12a"), -1);
    assert_int_equal(talent_at_rest_id_number("T"), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_add_read_update_remove),
        cmocka_unit_test(test_tokens_and_ids),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
