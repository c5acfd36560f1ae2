/*  Unit tests for sti_redis against a real redis-server started on a spare
    port: URL parsing, AUTH (password and ACL user), SELECT, key building,
    pipelining, scripts across SCRIPT FLUSH, read-only scripts (EVALSHA_RO)
    under a user that may only read, and reconnection after the server
    restarts.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "redis_server.h"
#include "sti_log.h"
#include "sti_redis.h"

static test_redis_t s_server;

static int s_setup(void **state)
{
    (void)state;
    sti_log_init("test_sti_redis", STI_LOG_ERROR);
    test_redis_start(&s_server, NULL);
    return 0;
}

static int s_teardown(void **state)
{
    (void)state;
    test_redis_stop(&s_server);
    return 0;
}

static sti_redis_t *s_connect(const char *url)
{
    char err[256] = "";
    sti_redis_t *redis = sti_redis_new(url, "stitest", err, sizeof err);
    assert_non_null(redis);
    assert_int_equal(sti_redis_wait(redis, 5000), 0);
    return redis;
}

static void test_url_table(void **state)
{
    (void)state;
    struct {
        const char *url;
        bool ok;
    } table[] = {
        {"redis://127.0.0.1:1", true},
        {"redis://localhost", true},
        {"redis://127.0.0.1:1/0", true},
        {"redis://127.0.0.1:1/15", true},
        {"redis://:secret@127.0.0.1:1", true},
        {"redis://alice:secret@127.0.0.1:1/2", true},
        {"redis://alice:p%40ss@127.0.0.1:1", true},
        {"redis://:p@ss@127.0.0.1:1", true},
        {"redis://[::1]:1", true},
        {"redis://127.0.0.1:1/", true},
        {"rediss://127.0.0.1:1", false},
        {"unix:///tmp/redis.sock", false},
        {"http://127.0.0.1:1", false},
        {"127.0.0.1:6379", false},
        {"redis://", false},
        {"redis://:6379", false},
        {"redis://127.0.0.1:0", false},
        {"redis://127.0.0.1:65536", false},
        {"redis://127.0.0.1:12ab", false},
        {"redis://127.0.0.1:", false},
        {"redis://127.0.0.1:1/x", false},
        {"redis://127.0.0.1:1/1/2", false},
        {"redis://127.0.0.1:1/-1", false},
        {"redis://127.0.0.1:1?db=2", false},
        {"redis://secret@127.0.0.1:1", false},
        {"redis://alice:@127.0.0.1:1", false},
        {"redis://:%zz@127.0.0.1:1", false},
        {"redis://:%00x@127.0.0.1:1", false},
        {"redis://:x%4@127.0.0.1:1", false},
        {"redis://[::1:1", false},
        {"redis://ho st:1", false},
        {NULL, false},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        char err[256] = "";
        sti_redis_t *redis = sti_redis_new(table[i].url, "stitest", err, sizeof err);
        if (table[i].ok != (redis != NULL)) {
            fail_msg("%s: expected %s (%s)", table[i].url ? table[i].url : "(null)",
                     table[i].ok ? "accepted" : "refused", err);
        }
        if (!redis) {
            assert_true(strlen(err) > 0);
        }
        sti_redis_destroy(&redis);
        sti_redis_destroy(&redis);
    }
    char err[256];
    assert_null(sti_redis_new("redis://127.0.0.1:1", "", err, sizeof err));
    assert_null(sti_redis_new("redis://127.0.0.1:1", "a b", err, sizeof err));
}

static void test_unreachable(void **state)
{
    (void)state;
    char err[256];
    sti_redis_t *redis = sti_redis_new("redis://127.0.0.1:1", NULL, err, sizeof err);
    assert_non_null(redis);
    assert_false(sti_redis_connected(redis));
    assert_string_equal(sti_redis_namespace(redis), "sti");
    assert_null(sti_redis_command(redis, "PING"));
    assert_true(strlen(sti_redis_errstr(redis)) > 0);
    assert_int_equal(sti_redis_wait(redis, 100), -1);
    sti_redis_destroy(&redis);
}

static void test_select_db(void **state)
{
    (void)state;
    char url[128];
    snprintf(url, sizeof url, "%s/3", s_server.url);
    sti_redis_t *redis = s_connect(url);
    redisReply *reply = sti_redis_command(redis, "SET %s %s", "dbkey", "three");
    assert_non_null(reply);
    freeReplyObject(reply);
    redisContext *raw = redisConnect("127.0.0.1", s_server.port);
    reply = redisCommand(raw, "GET dbkey");
    assert_int_equal(reply->type, REDIS_REPLY_NIL);
    freeReplyObject(reply);
    freeReplyObject(redisCommand(raw, "SELECT 3"));
    reply = redisCommand(raw, "GET dbkey");
    assert_int_equal(reply->type, REDIS_REPLY_STRING);
    assert_string_equal(reply->str, "three");
    freeReplyObject(reply);
    redisFree(raw);
    sti_redis_destroy(&redis);
}

static void test_auth(void **state)
{
    (void)state;
    test_redis_t secured = {0};
    const char *extra[] = {"--requirepass", "s3cr@t", NULL};
    test_redis_start(&secured, extra);
    char url[128];

    snprintf(url, sizeof url, "redis://:s3cr%%40t@127.0.0.1:%d", secured.port);
    sti_redis_t *redis = s_connect(url);
    redisReply *reply = sti_redis_command(redis, "ACL SETUSER alice on >pw ~* +@all");
    assert_non_null(reply);
    assert_int_equal(reply->type, REDIS_REPLY_STATUS);
    freeReplyObject(reply);
    sti_redis_destroy(&redis);

    snprintf(url, sizeof url, "redis://alice:pw@127.0.0.1:%d", secured.port);
    redis = s_connect(url);
    reply = sti_redis_command(redis, "ACL WHOAMI");
    assert_non_null(reply);
    assert_string_equal(reply->str, "alice");
    freeReplyObject(reply);
    sti_redis_destroy(&redis);

    char err[256];
    snprintf(url, sizeof url, "redis://:wrong@127.0.0.1:%d", secured.port);
    redis = sti_redis_new(url, "stitest", err, sizeof err);
    assert_non_null(redis);
    assert_false(sti_redis_connected(redis));
    assert_non_null(strstr(sti_redis_errstr(redis), "AUTH"));
    sti_redis_destroy(&redis);

    snprintf(url, sizeof url, "redis://127.0.0.1:%d", secured.port);
    redis = sti_redis_new(url, "stitest", err, sizeof err);
    reply = sti_redis_command(redis, "GET x");
    assert_non_null(reply);
    assert_int_equal(reply->type, REDIS_REPLY_ERROR); // NOAUTH
    freeReplyObject(reply);
    sti_redis_destroy(&redis);
    test_redis_stop(&secured);
}

static void test_keys(void **state)
{
    (void)state;
    sti_redis_t *redis = s_connect(s_server.url);
    char buf[64];
    assert_string_equal(sti_redis_key(redis, buf, sizeof buf, "events", "ind", NULL),
                        "stitest:events:ind");
    assert_string_equal(sti_redis_key(redis, buf, sizeof buf, NULL), "stitest");
    assert_null(sti_redis_key(redis, buf, 10, "events", NULL));
    assert_null(sti_redis_key(redis, buf, 7, NULL));
    assert_non_null(sti_redis_key(redis, buf, 8, NULL));
    sti_redis_destroy(&redis);
}

static void test_pipeline(void **state)
{
    (void)state;
    sti_redis_t *redis = s_connect(s_server.url);
    freeReplyObject(sti_redis_command(redis, "DEL stitest:counter"));
    enum { COUNT = 10000 };
    for (int i = 0; i < COUNT; i++) {
        const char *argv[] = {"INCR", "stitest:counter"};
        assert_int_equal(sti_redis_append(redis, 2, argv, NULL), 0);
    }
    assert_int_equal(sti_redis_appendf(redis, "GET %s", "stitest:counter"), 0);
    for (int i = 0; i < COUNT; i++) {
        redisReply *reply = sti_redis_reply(redis);
        assert_non_null(reply);
        assert_int_equal(reply->type, REDIS_REPLY_INTEGER);
        assert_int_equal(reply->integer, i + 1);
        freeReplyObject(reply);
    }
    redisReply *reply = sti_redis_reply(redis);
    assert_string_equal(reply->str, "10000");
    freeReplyObject(reply);
    assert_null(sti_redis_reply(redis)); // nothing owed
    sti_redis_destroy(&redis);
}

static void test_scripts(void **state)
{
    (void)state;
    sti_redis_t *redis = s_connect(s_server.url);
    const char *source = "return KEYS[1] .. ':' .. ARGV[1]";
    sti_script_t *script = sti_redis_script(redis, source);
    assert_ptr_equal(sti_redis_script(redis, source), script);
    const char *argv[] = {"k", "v"};
    for (int round = 0; round < 3; round++) {
        redisReply *reply = sti_redis_eval(redis, script, 1, 1, argv, NULL);
        assert_non_null(reply);
        assert_int_equal(reply->type, REDIS_REPLY_STRING);
        assert_string_equal(reply->str, "k:v");
        freeReplyObject(reply);
        freeReplyObject(sti_redis_command(redis, "SCRIPT FLUSH"));
    }
    //  Pipelined: after a flush the batch sees NOSCRIPT once, the next batch works.
    assert_int_equal(sti_redis_script_load(redis, script), 0);
    freeReplyObject(sti_redis_command(redis, "SCRIPT FLUSH"));
    assert_int_equal(sti_redis_eval_append(redis, script, 1, 1, argv, NULL), 0);
    redisReply *reply = sti_redis_reply(redis);
    assert_int_equal(reply->type, REDIS_REPLY_ERROR);
    freeReplyObject(reply);
    for (int i = 0; i < 100; i++) {
        assert_int_equal(sti_redis_eval_append(redis, script, 1, 1, argv, NULL), 0);
    }
    for (int i = 0; i < 100; i++) {
        reply = sti_redis_reply(redis);
        assert_non_null(reply);
        assert_string_equal(reply->str, "k:v");
        freeReplyObject(reply);
    }
    //  A script error comes back as an error reply, not NULL.
    sti_script_t *bad = sti_redis_script(redis, "return redis.call('NOSUCHCMD')");
    reply = sti_redis_eval(redis, bad, 0, 0, NULL, NULL);
    assert_non_null(reply);
    assert_int_equal(reply->type, REDIS_REPLY_ERROR);
    freeReplyObject(reply);
    sti_redis_destroy(&redis);
}

//  A script that declares no-writes runs by EVALSHA_RO, so a user that may
//  only read its keys (%R~) may run it; the same text without the shebang
//  goes by EVALSHA, which Redis counts as a write of every key it is given.
static void test_read_only_script(void **state)
{
    (void)state;
    sti_redis_t *admin = s_connect(s_server.url);
    redisReply *reply = sti_redis_command(admin, "ACL SETUSER reader on >pw resetkeys -@all "
                                                 "+evalsha +evalsha_ro +script|load +get "
                                                 "%%R~stitest:ro:*");
    assert_int_equal(reply->type, REDIS_REPLY_STATUS);
    freeReplyObject(reply);
    freeReplyObject(sti_redis_command(admin, "SET stitest:ro:k v"));
    char url[128];
    snprintf(url, sizeof url, "redis://reader:pw@127.0.0.1:%d", s_server.port);
    sti_redis_t *reader = s_connect(url);
    const char *argv[] = {"stitest:ro:k"};
    const char *body = "return redis.call('GET', KEYS[1])";
    char source[128];
    snprintf(source, sizeof source, "#!lua flags=allow-stale,no-writes\n%s", body);
    reply = sti_redis_eval(reader, sti_redis_script(reader, source), 1, 0, argv, NULL);
    assert_non_null(reply);
    assert_int_equal(reply->type, REDIS_REPLY_STRING);
    assert_string_equal(reply->str, "v");
    freeReplyObject(reply);
    reply = sti_redis_eval(reader, sti_redis_script(reader, body), 1, 0, argv, NULL);
    assert_int_equal(reply->type, REDIS_REPLY_ERROR);
    assert_non_null(strstr(reply->str, "NOPERM"));
    freeReplyObject(reply);
    //  Pipelined the same way.
    assert_int_equal(
        sti_redis_eval_append(reader, sti_redis_script(reader, source), 1, 0, argv, NULL), 0);
    reply = sti_redis_reply(reader);
    assert_string_equal(reply->str, "v");
    freeReplyObject(reply);
    //  Redis holds the script to its word.
    sti_script_t *liar =
        sti_redis_script(admin, "#!lua flags=no-writes\nreturn redis.call('SET', KEYS[1], 'x')");
    reply = sti_redis_eval(admin, liar, 1, 0, argv, NULL);
    assert_int_equal(reply->type, REDIS_REPLY_ERROR);
    freeReplyObject(reply);
    sti_redis_destroy(&reader);
    freeReplyObject(sti_redis_command(admin, "ACL DELUSER reader"));
    freeReplyObject(sti_redis_command(admin, "DEL stitest:ro:k"));
    sti_redis_destroy(&admin);
}

static void test_reconnect(void **state)
{
    (void)state;
    sti_redis_t *redis = s_connect(s_server.url);
    sti_redis_set_timeouts(redis, 500, 1000);
    sti_script_t *script = sti_redis_script(redis, "return 7");
    redisReply *reply = sti_redis_eval(redis, script, 0, 0, NULL, NULL);
    assert_int_equal(reply->integer, 7);
    freeReplyObject(reply);

    test_redis_stop(&s_server);
    assert_null(sti_redis_command(redis, "PING")); // breaks on the wire
    assert_false(sti_redis_connected(redis));
    assert_null(sti_redis_command(redis, "PING")); // first attempt: refused
    assert_null(sti_redis_command(redis, "PING")); // within the back-off: fails fast
    assert_non_null(strstr(sti_redis_errstr(redis), "next attempt"));
    const char *argv[] = {"PING"};
    assert_int_equal(sti_redis_append(redis, 1, argv, NULL), -1);

    test_redis_start(&s_server, NULL); // same port, empty server: no scripts
    assert_int_equal(sti_redis_wait(redis, 10000), 0);
    assert_true(sti_redis_connected(redis));
    reply = sti_redis_command(redis, "PING");
    assert_string_equal(reply->str, "PONG");
    freeReplyObject(reply);
    reply = sti_redis_eval(redis, script, 0, 0, NULL, NULL);
    assert_int_equal(reply->integer, 7);
    freeReplyObject(reply);

    //  A pipeline whose connection dies: every owed reply is NULL.
    assert_int_equal(sti_redis_append(redis, 1, argv, NULL), 0);
    assert_int_equal(sti_redis_append(redis, 1, argv, NULL), 0);
    test_redis_stop(&s_server);
    assert_null(sti_redis_reply(redis));
    assert_null(sti_redis_reply(redis));
    test_redis_start(&s_server, NULL);
    const char *get[] = {"GET", "nothing"};
    reply = sti_redis_argv_retry(redis, 2, get, NULL);
    assert_non_null(reply);
    assert_int_equal(reply->type, REDIS_REPLY_NIL);
    freeReplyObject(reply);
    sti_redis_destroy(&redis);
}

//  Closes redis's connection from the server's side (CLIENT KILL ID).
static void s_kill_client(sti_redis_t *redis)
{
    redisReply *id = sti_redis_command(redis, "CLIENT ID");
    assert_non_null(id);
    assert_int_equal(id->type, REDIS_REPLY_INTEGER);
    sti_redis_t *admin = s_connect(s_server.url);
    redisReply *killed = sti_redis_command(admin, "CLIENT KILL ID %lld", id->integer);
    assert_int_equal(killed->integer, 1);
    freeReplyObject(killed);
    freeReplyObject(id);
    sti_redis_destroy(&admin);
}

//  A script safe to run twice is sent again on a new connection when Redis
//  closed the one it went out on; a plain eval answers NULL then. (Here the
//  connection is closed before the script runs; a script that ran and whose
//  reply was lost is tests/fault/test_redis_client_kill.sh's phase 3.)
static void test_eval_retry(void **state)
{
    (void)state;
    sti_redis_t *redis = s_connect(s_server.url);
    sti_script_t *script = sti_redis_script(redis, "return redis.call('INCR', KEYS[1])");
    const char *argv[] = {"stitest:retry"};
    freeReplyObject(sti_redis_command(redis, "DEL stitest:retry"));

    s_kill_client(redis);
    assert_null(sti_redis_eval(redis, script, 1, 0, argv, NULL));
    assert_false(sti_redis_connected(redis));

    bool again = true;
    redisReply *reply = sti_redis_eval_retry(redis, script, 1, 0, argv, NULL, &again);
    assert_non_null(reply);
    assert_int_equal(reply->integer, 1); // the failed eval did not run
    assert_false(again);                 // a connection down before is not a break under it
    freeReplyObject(reply);

    s_kill_client(redis);
    reply = sti_redis_eval_retry(redis, script, 1, 0, argv, NULL, &again);
    assert_non_null(reply);
    assert_int_equal(reply->integer, 2);
    assert_true(again);
    freeReplyObject(reply);

    //  Down before the call, within the back-off: it fails fast, once, and
    //  says it did not send twice (no connect is tried past the back-off).
    test_redis_stop(&s_server);
    assert_null(sti_redis_command(redis, "PING")); // breaks on the wire
    assert_null(sti_redis_command(redis, "PING")); // first attempt refused: back-off
    again = true;
    assert_null(sti_redis_eval_retry(redis, script, 1, 0, argv, NULL, &again));
    assert_false(again);
    assert_non_null(strstr(sti_redis_errstr(redis), "next attempt"));
    test_redis_start(&s_server, NULL);
    assert_int_equal(sti_redis_wait(redis, 10000), 0);
    freeReplyObject(sti_redis_command(redis, "DEL stitest:retry"));
    sti_redis_destroy(&redis);
}

//  Starts a Sentinel on a spare port monitoring master as "sti". Returns its pid.
static pid_t s_start_sentinel(int master, int *port)
{
    *port = test_spare_port();
    char path[64];
    snprintf(path, sizeof path, "/tmp/sti-sentinel-%d.conf", *port);
    FILE *conf = fopen(path, "w");
    assert_non_null(conf);
    fprintf(conf,
            "port %d\nbind 127.0.0.1\nsentinel monitor sti 127.0.0.1 %d 1\n"
            "sentinel down-after-milliseconds sti 1000\n",
            *port, master);
    fclose(conf);
    pid_t pid = fork();
    if (pid == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        dup2(devnull, STDOUT_FILENO);
        execlp("redis-server", "redis-server", path, "--sentinel", (char *)NULL);
        _exit(127);
    }
    int64_t deadline = zclock_mono() + 10000;
    while (!test_redis_answers(*port) && zclock_mono() < deadline) {
        zclock_sleep(20); // a bounded poll for the Sentinel to come up
    }
    return pid;
}

//  Asks the Sentinel for a command's reply as an integer-or-string check.
static bool s_sentinel_says(int port, const char *command, const char *expect)
{
    redisContext *ctx = redisConnect("127.0.0.1", port);
    redisReply *reply = ctx && !ctx->err ? (redisReply *)redisCommand(ctx, command) : NULL;
    bool ok = false;
    if (reply && reply->type == REDIS_REPLY_STATUS) {
        ok = strcmp(reply->str, expect) == 0;
    } else if (reply && reply->type == REDIS_REPLY_ARRAY && reply->elements == 2) {
        ok = strcmp(reply->element[1]->str, expect) == 0;
    }
    if (reply) {
        freeReplyObject(reply);
    }
    redisFree(ctx);
    return ok;
}

//  The master is found through a Sentinel, and found again after a fail-over.
static void test_sentinel(void **state)
{
    (void)state;
    test_redis_t master = {0}, replica = {0};
    test_redis_start(&master, NULL);
    char of[16];
    snprintf(of, sizeof of, "%d", master.port);
    const char *replica_args[] = {"--replicaof", "127.0.0.1", of, NULL};
    test_redis_start(&replica, replica_args);
    int sentinel_port;
    pid_t sentinel = s_start_sentinel(master.port, &sentinel_port);

    char err[256], sentinels[64];
    sti_redis_t *redis = sti_redis_new("redis://nowhere.invalid:1", "t", err, sizeof err);
    assert_non_null(redis);
    assert_int_equal(sti_redis_set_sentinels(redis, "", "sti", err, sizeof err), -1);
    snprintf(sentinels, sizeof sentinels, "127.0.0.1:%d", sentinel_port);
    assert_int_equal(sti_redis_set_sentinels(redis, sentinels, "sti", err, sizeof err), 0);
    assert_int_equal(sti_redis_wait(redis, 10000), 0);
    redisReply *reply = sti_redis_command(redis, "SET k before");
    assert_string_equal(reply->str, "OK");
    freeReplyObject(reply);

    //  Fail over (the Sentinel must first have seen the replica), then write
    //  until the connection has followed the master to the replica's port.
    char port_text[16];
    snprintf(port_text, sizeof port_text, "%d", replica.port);
    int64_t deadline = zclock_mono() + 30000;
    while (!s_sentinel_says(sentinel_port, "SENTINEL FAILOVER sti", "OK")) {
        assert_true(zclock_mono() < deadline);
        zclock_sleep(100); // bounded poll: the Sentinel learns of replicas from INFO
    }
    bool written = false;
    while (!written && zclock_mono() < deadline) {
        reply = sti_redis_command(redis, "SET k after");
        written = reply && reply->type == REDIS_REPLY_STATUS &&
                  s_sentinel_says(sentinel_port, "SENTINEL get-master-addr-by-name sti", port_text);
        if (reply) {
            freeReplyObject(reply);
        }
        if (!written) {
            sti_redis_wait(redis, 200);
        }
    }
    assert_true(written);
    redisContext *ctx = redisConnect("127.0.0.1", replica.port);
    reply = (redisReply *)redisCommand(ctx, "GET k");
    assert_string_equal(reply->str, "after");
    freeReplyObject(reply);
    redisFree(ctx);

    sti_redis_destroy(&redis);
    kill(sentinel, SIGKILL);
    waitpid(sentinel, NULL, 0);
    char path[64];
    snprintf(path, sizeof path, "/tmp/sti-sentinel-%d.conf", sentinel_port);
    unlink(path);
    test_redis_stop(&replica);
    test_redis_stop(&master);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_url_table), cmocka_unit_test(test_unreachable),
        cmocka_unit_test(test_select_db), cmocka_unit_test(test_auth),
        cmocka_unit_test(test_keys),      cmocka_unit_test(test_pipeline),
        cmocka_unit_test(test_scripts),   cmocka_unit_test(test_read_only_script),
        cmocka_unit_test(test_reconnect), cmocka_unit_test(test_eval_retry),
        cmocka_unit_test(test_sentinel),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
