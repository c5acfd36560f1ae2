/*  Unit tests of talent_store on a throw-away redis-server: add and read
    back, a duplicate document, a stale version, what Redis holds (no
    document number, phone or e-mail in clear), erasure (nothing of the
    person left but the audit log's id and fact), and the plan's talent codes
    as the catalog in Redis holds them. The person is made up: the identity
    number is built with the GB 11643 check algorithm.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "talent_stack.h"

static talent_test_stack_t stack;
static sti_redis_t *redis;
static talent_crypto_t *crypto;
static talent_store_t *store;

static const char *s_number = "330105198503121235"; // made up, check digit computed
static const char *s_phone = "13812345678";
static const char *s_email = "zhang@example.com";

static int s_setup(void **state)
{
    (void)state;
    talent_test_stack_up(&stack);
    redis = stack.redis;
    crypto = stack.crypto;
    store = stack.store;
    return 0;
}

static int s_teardown(void **state)
{
    (void)state;
    talent_store_destroy(&stack.store);
    talent_test_stack_down(&stack); // safe after the store is gone
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
        redisReply *values =
            strcmp(type->str, "hash") == 0     ? sti_redis_command(redis, "HGETALL %s", key)
            : strcmp(type->str, "string") == 0 ? sti_redis_command(redis, "GET %s", key)
                                               : NULL;
        if (values && values->type == REDIS_REPLY_STRING) {
            found = found || memmem(values->str, values->len, text, strlen(text));
        }
        for (size_t v = 0; values && values->type == REDIS_REPLY_ARRAY && v < values->elements;
             v++) {
            found = found ||
                    memmem(values->element[v]->str, values->element[v]->len, text, strlen(text));
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
    assert_int_equal(talent_store_add(store, &person, &actor, id, err, sizeof err),
                     TALENT_STORE_OK);
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
    //  The same request again names the record it made (its document is
    //  registered by then: the request id is looked at first); another
    //  request with the same document is a duplicate.
    snprintf(id, sizeof id, "?");
    assert_int_equal(talent_store_add(store, &person, &actor, id, err, sizeof err),
                     TALENT_STORE_REPLAYED);
    assert_string_equal(id, "T000001");
    talent_actor_t other = {"talent.add", "test", "req-2", NULL, NULL};
    snprintf(id, sizeof id, "?");
    assert_int_equal(talent_store_add(store, &person, &other, id, err, sizeof err),
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
    assert_int_equal(talent_store_add(store, &person, &actor, id, err, sizeof err),
                     TALENT_STORE_OK);
    assert_string_equal(id, "T000002");
}

//  A copy of the Linping plan in a new directory dir, with talent as its
//  talent.json (NULL: none).
static void s_plan_copy(char dir[64], const char *talent)
{
    static const char *const names[] = {"plan.json", "units.json", "tags.json", "org_units.json",
                                        "indicators.json"};
    char from[4096], path[4200];
    talent_test_plan_dir(from, sizeof from);
    snprintf(dir, 64, "/tmp/talent_store_XXXXXX");
    assert_non_null(mkdtemp(dir));
    static char text[1024 * 1024];
    for (size_t i = 0; i < 5; i++) {
        snprintf(path, sizeof path, "%s/%s", from, names[i]);
        FILE *in = fopen(path, "rb");
        assert_non_null(in);
        size_t len = fread(text, 1, sizeof text, in);
        fclose(in);
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        FILE *out = fopen(path, "wb");
        assert_non_null(out);
        assert_int_equal(fwrite(text, 1, len, out), len);
        fclose(out);
    }
    if (talent) {
        snprintf(path, sizeof path, "%s/talent.json", dir);
        FILE *out = fopen(path, "wb");
        assert_non_null(out);
        fputs(talent, out);
        fclose(out);
    }
}

static void s_plan_remove(const char *dir)
{
    static const char *const names[] = {"plan.json",      "units.json",      "tags.json",
                                        "org_units.json", "indicators.json", "talent.json"};
    char path[4200];
    for (size_t i = 0; i < 6; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        unlink(path);
    }
    rmdir(dir);
}

//  Loads a copy of the plan with talent as its talent.json into other's namespace.
static void s_load(sti_redis_t *other, const char *talent)
{
    char dir[64];
    s_plan_copy(dir, talent);
    talent_test_put_plan_dir(other, dir);
    s_plan_remove(dir);
}

//  The codes come from the plan's catalog in Redis, and are read again when
//  it changes: none without a plan, none in a plan without talent.json, a
//  clear reason when they do not load.
static void test_codes_follow_the_catalog(void **state)
{
    (void)state;
    char err[512] = "", dir[4096], path[4200];
    sti_errcode_t code = STI_ERR_NONE;
    sti_redis_t *other = sti_redis_new(stack.server.url, "ut2", err, sizeof err);
    assert_non_null(other);
    talent_store_t *plain = talent_store_new(other, crypto, NULL);
    assert_null(talent_store_codes(plain, &code, err, sizeof err));
    assert_int_equal(code, STI_ERR_NOT_FOUND);
    assert_non_null(strstr(err, "no plan is loaded"));

    s_load(other, NULL);
    assert_null(talent_store_codes(plain, &code, err, sizeof err));
    assert_int_equal(code, STI_ERR_NOT_FOUND);
    assert_non_null(strstr(err, "the plan linping-2021-2025 has no talent codes (talent.json)"));

    talent_test_plan_dir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/talent.json", dir);
    FILE *file = fopen(path, "rb");
    assert_non_null(file);
    static char talent[1024 * 1024], more[1024 * 1024 + 256];
    talent[fread(talent, 1, sizeof talent - 1, file)] = 0;
    fclose(file);
    s_load(other, talent);
    const talent_codes_t *codes = talent_store_codes(plain, &code, err, sizeof err);
    assert_non_null(codes);
    assert_int_equal(talent_codes_count(codes, TALENT_LEVEL), 6);
    assert_int_equal(talent_store_codes(plain, &code, err, sizeof err), codes); // unchanged

    //  The plan loaded again with one more level: read again.
    const char *levels = strstr(talent, "\"levels\": [");
    assert_non_null(levels);
    snprintf(more, sizeof more,
             "%.*s\"levels\": [{\"code\": \"honorary\", \"name_zh\": "
             "\"荣誉人才\", \"name_en\": \"Honorary talent\"}, %s",
             (int)(levels - talent), talent, levels + strlen("\"levels\": ["));
    s_load(other, more);
    codes = talent_store_codes(plain, &code, err, sizeof err);
    assert_non_null(codes);
    assert_int_equal(talent_codes_count(codes, TALENT_LEVEL), 7);
    assert_non_null(talent_codes_find(codes, TALENT_LEVEL, "honorary"));

    //  Codes that do not load: internal, with the reason.
    s_load(other, "{\"levels\": \"top\"}");
    assert_null(talent_store_codes(plain, &code, err, sizeof err));
    assert_int_equal(code, STI_ERR_INTERNAL);
    assert_non_null(strstr(err, "the plan's talent codes do not load: levels: must be an array"));
    talent_store_destroy(&plain);
    sti_redis_destroy(&other);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_add_read_update_remove),
        cmocka_unit_test(test_codes_follow_the_catalog),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
