/*  The talent unit tests' stack: a throw-away redis-server, a keyring (key 1,
    or key 2 with key 1 old), the Linping plan in Redis, the records' store
    with the plan's codes read, made-up people, and a harness that runs an op
    of a module's table as the service frame does (the body checked against
    the declaration first, the caller an officer unless told). Header only,
    like redis_server.h; include it after cmocka.h.

    Every identity number is made up: 17 digits and the check character GB
    11643 gives them.
*/
#pragma once
#include <stdio.h>
#include <string.h>

#include "redis_server.h"
#include "sti_json.h"
#include "sti_service.h"
#include "talent_plan.h"
#include "talent_store.h"

typedef struct {
    test_redis_t server;     // the redis-server
    sti_redis_t *redis;      // a connection, namespace "ut"
    talent_crypto_t *crypto; // the keyring
    talent_store_t *store;   // the records' store, codes read
} talent_test_stack_t;

//  The test secret of key id (32 bytes).
static inline void talent_test_secret(uint8_t id, uint8_t secret[TALENT_SECRET_BYTES])
{
    for (int i = 0; i < TALENT_SECRET_BYTES; i++) {
        secret[i] = (uint8_t)(i * 7 + id);
    }
}

//  A keyring whose current key is current (1 or 2); with 2, key 1 is old.
static inline talent_crypto_t *talent_test_keyring(uint8_t current)
{
    uint8_t secret[TALENT_SECRET_BYTES];
    char err[256];
    talent_test_secret(current, secret);
    talent_crypto_t *crypto = talent_crypto_new(secret, current, err, sizeof err);
    assert_non_null(crypto);
    if (current == 2) {
        talent_test_secret(1, secret);
        assert_int_equal(talent_crypto_add_old_key(crypto, secret, 1, err, sizeof err), 0);
    }
    return crypto;
}

//  Starts the stack: Redis, key 1, the plan, the store (codes read).
static inline void talent_test_stack_up(talent_test_stack_t *stack)
{
    char err[256];
    memset(stack, 0, sizeof *stack);
    stack->crypto = talent_test_keyring(1);
    test_redis_start(&stack->server, NULL);
    stack->redis = sti_redis_new(stack->server.url, "ut", err, sizeof err);
    assert_non_null(stack->redis);
    assert_int_equal(sti_redis_wait(stack->redis, 5000), 0);
    talent_test_put_plan(stack->redis);
    stack->store = talent_store_new(stack->redis, stack->crypto, NULL);
    sti_errcode_t code;
    assert_non_null(talent_store_codes(stack->store, &code, err, sizeof err));
}

static inline void talent_test_stack_down(talent_test_stack_t *stack)
{
    talent_store_destroy(&stack->store);
    sti_redis_destroy(&stack->redis);
    talent_crypto_destroy(&stack->crypto);
    test_redis_stop(&stack->server);
}

//  A made-up resident id number: region 330105, born 1985-03-12, sequence n.
static inline void talent_test_resident_id(int n, char out[TALENT_RESIDENT_ID_LEN + 1])
{
    snprintf(out, TALENT_RESIDENT_ID_LEN + 1, "33010519850312%03d", n % 1000);
    out[17] = talent_check_resident_id_char(out);
    out[18] = 0;
}

//  A made-up person n: a national-level talent in equipment, recruited directly.
static inline talent_record_t talent_test_person(int n)
{
    talent_record_t record;
    memset(&record, 0, sizeof record);
    snprintf(record.name, sizeof record.name, "张%d", n);
    record.id_type = TALENT_ID_RESIDENT;
    talent_test_resident_id(n, record.id_number);
    snprintf(record.phone, sizeof record.phone, "138%08d", n);
    snprintf(record.email, sizeof record.email, "p%d@example.com", n);
    snprintf(record.category, sizeof record.category, "national");
    snprintf(record.field, sizeof record.field, "equipment");
    snprintf(record.channel, sizeof record.channel, "direct");
    snprintf(record.arrived, sizeof record.arrived, "2022-03-01");
    return record;
}

//  Runs op of table on object as the frame does: the body (JSON text, NULL
//  for none) checked against the declaration, then the handler, called by
//  identity (NULL: "officer-1", an officer) with request id (NULL: a new
//  one each call). The reply goes into *reply (release it with
//  sti_reply_release).
static inline void talent_test_call_as(const sti_op_table_t *table, void *object, const char *op,
                                       const char *body, const char *id,
                                       const sti_identity_t *identity, sti_reply_t *reply)
{
    static int calls;
    const sti_op_decl_t *decl = table->ops;
    while (decl->name && strcmp(decl->name, op) != 0) {
        decl++;
    }
    assert_non_null(decl->name);
    char err[256] = "", fresh[32];
    snprintf(fresh, sizeof fresh, "req-%d", ++calls);
    sti_writer_t *writer = sti_writer_new(), *answer = sti_writer_new();
    sti_envelope_request(writer, op, id ? id : fresh);
    if (body) {
        assert_int_equal(sti_json_text_to_writer(body, strlen(body), writer, err, sizeof err), 0);
    } else {
        sti_writer_nil(writer);
    }
    size_t size;
    const void *data = sti_writer_data(writer, &size);
    sti_request_t request;
    assert_int_equal(sti_request_decode(data, size, NULL, &request, err, sizeof err), 0);
    sti_identity_t officer = {.name = "officer-1", .role = "officer", .role_bit = STI_ROLE_OFFICER};
    sti_call_t call = {&request, answer, identity ? identity : &officer, NULL};
    sti_field_error_t field_err;
    if (sti_op_check(decl, request.body, &field_err) != 0) {
        sti_envelope_reply_invalid(answer, request.id, &field_err);
    } else {
        assert_int_equal(decl->handler(object, &call), 0);
    }
    data = sti_writer_data(answer, &size);
    assert_int_equal(sti_reply_decode(data, size, NULL, reply, err, sizeof err), 0);
    sti_request_release(&request);
    sti_writer_destroy(&writer);
    sti_writer_destroy(&answer);
}

static inline void talent_test_call(const sti_op_table_t *table, void *object, const char *op,
                                    const char *body, sti_reply_t *reply)
{
    talent_test_call_as(table, object, op, body, NULL, NULL, reply);
}

//  A string of a reply's body (or "" when absent), into a static buffer.
static inline const char *talent_test_text(sti_node_t map, const char *key)
{
    static char text[512];
    sti_field_error_t err;
    if (sti_map_str_copy(map, key, text, sizeof text, &err) != 0) {
        text[0] = 0;
    }
    return text;
}

//  An integer of a reply's body (-1 when absent).
static inline int64_t talent_test_int(sti_node_t map, const char *key)
{
    int64_t value = -1;
    sti_field_error_t err;
    sti_map_int(map, key, &value, &err);
    return value;
}

//  The JSON body of talent.add for made-up person n (extra: more keys, "" for none).
static inline const char *talent_test_add_body(int n, const char *extra)
{
    static char body[1024];
    char number[TALENT_RESIDENT_ID_LEN + 1];
    talent_test_resident_id(n, number);
    snprintf(body, sizeof body,
             "{\"name\": \"张%d\", \"id_type\": \"resident\", \"id_number\": \"%s\", "
             "\"phone\": \"138%08d\", \"category\": \"national\", \"field\": \"equipment\", "
             "\"channel\": {\"kind\": \"direct\"}, \"arrived\": \"2022-03-01\"%s}",
             n, number, n, extra);
    return body;
}

//  The reason of the first detail of an error reply for field, or "".
static inline const char *talent_test_detail(const sti_reply_t *reply, const char *field)
{
    static char reason[256];
    reason[0] = 0;
    for (size_t i = 0; i < sti_node_size(reply->details); i++) {
        sti_node_t detail = sti_node_at(reply->details, i);
        char name[128] = "";
        sti_field_error_t err;
        if (sti_map_str_copy(detail, "field", name, sizeof name, &err) == 0 &&
            strcmp(name, field) == 0) {
            sti_map_str_copy(detail, "reason", reason, sizeof reason, &err);
            break;
        }
    }
    return reason;
}
