/*  Unit tests of sti_mdp_client against a fake broker: a ROUTER in the test's
    own thread that reads the client's frames and answers (or not) by hand.
    Every wait is a poll with a bound.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "sti_mdp.h"
#include "sti_mdp_client.h"

//  The fake broker.
typedef struct {
    zsock_t *router;    // where the client connects
    char endpoint[64];  // tcp://127.0.0.1:port
} s_fake_t;

static int s_setup(void **state)
{
    s_fake_t *fake = (s_fake_t *)zmalloc(sizeof(s_fake_t));
    fake->router = zsock_new(ZMQ_ROUTER);
    int port = zsock_bind(fake->router, "tcp://127.0.0.1:*");
    assert_true(port > 0);
    snprintf(fake->endpoint, sizeof(fake->endpoint), "tcp://127.0.0.1:%d", port);
    *state = fake;
    return 0;
}

static int s_teardown(void **state)
{
    s_fake_t *fake = (s_fake_t *)*state;
    zsock_destroy(&fake->router);
    free(fake);
    return 0;
}

//  Reads one request at the fake broker within 5 s: returns id "" MDPC01 service body...
static zmsg_t *s_take(s_fake_t *fake)
{
    zpoller_t *poller = zpoller_new(fake->router, NULL);
    void *which = zpoller_wait(poller, 5000);
    zpoller_destroy(&poller);
    assert_non_null(which);
    zmsg_t *msg = zmsg_recv(fake->router);
    assert_non_null(msg);
    return msg;
}

//  Answers the request msg (consumed) as service with the given body frame.
static void s_answer(s_fake_t *fake, zmsg_t **msg_p, const char *service, const char *body)
{
    zmsg_t *msg = *msg_p;
    zframe_t *id = zmsg_pop(msg);
    zmsg_destroy(msg_p);
    zmsg_t *reply = zmsg_new();
    zmsg_append(reply, &id);
    zmsg_addmem(reply, NULL, 0);
    zmsg_addstr(reply, STI_MDPC);
    zmsg_addstr(reply, service);
    zmsg_addstr(reply, body);
    zmsg_send(&reply, fake->router);
}

//  A request travels framed as RFC 7 says and its reply comes back.
static void test_request_reply(void **state)
{
    s_fake_t *fake = (s_fake_t *)*state;
    sti_mdp_client_t *client = sti_mdp_client_new(fake->endpoint, 2000, 0);
    assert_non_null(client);
    zmsg_t *request = zmsg_new();
    zmsg_addstr(request, "hello");
    //  Asynchronous use: send, serve by hand, then receive.
    assert_int_equal(sti_mdp_client_send(client, "echo", &request), 0);
    assert_null(request);
    zmsg_t *seen = s_take(fake);
    assert_int_equal(zmsg_size(seen), 5);
    zframe_t *frame = zmsg_first(seen);
    frame = zmsg_next(seen);
    assert_int_equal(zframe_size(frame), 0);
    assert_true(zframe_streq(zmsg_next(seen), "MDPC01"));
    assert_true(zframe_streq(zmsg_next(seen), "echo"));
    assert_true(zframe_streq(zmsg_next(seen), "hello"));
    s_answer(fake, &seen, "echo", "world");
    zmsg_t *reply = sti_mdp_client_recv(client, 2000);
    assert_non_null(reply);
    assert_true(zframe_streq(zmsg_first(reply), "world"));
    zmsg_destroy(&reply);
    //  Nothing more: recv times out.
    assert_null(sti_mdp_client_recv(client, 50));
    sti_mdp_client_destroy(&client);
    sti_mdp_client_destroy(&client);
}

//  The fake broker as an actor, for the blocking calls. Its mode: "drop-first"
//  ignores the first request and answers later ones, first with a reply for
//  another service, then the right one; "never" answers nothing; "envelope"
//  answers with an encoded reply envelope. "STATS" on the pipe answers
//  "<requests> <distinct routing ids>".
typedef struct {
    zsock_t *router; // handed over by the test (owned by the test)
    const char *mode;
} s_server_args_t;

static void s_server(zsock_t *pipe, void *arg)
{
    s_server_args_t *args = (s_server_args_t *)arg;
    zsock_signal(pipe, 0);
    zhashx_t *ids = zhashx_new();
    int requests = 0;
    zpoller_t *poller = zpoller_new(pipe, args->router, NULL);
    while (true) {
        void *which = zpoller_wait(poller, -1);
        if (which == pipe) {
            char *command = zstr_recv(pipe);
            bool stats = command && strcmp(command, "STATS") == 0;
            zstr_free(&command);
            if (!stats) {
                break;
            }
            zstr_sendf(pipe, "%d %zu", requests, zhashx_size(ids));
            continue;
        }
        if (which != args->router) {
            break;
        }
        zmsg_t *msg = zmsg_recv(args->router);
        char *id = zframe_strhex(zmsg_first(msg));
        zhashx_update(ids, id, (void *)1);
        free(id);
        requests++;
        if (strcmp(args->mode, "never") == 0 || (strcmp(args->mode, "drop-first") == 0 && requests == 1)) {
            zmsg_destroy(&msg);
            continue;
        }
        zframe_t *who = zmsg_pop(msg);
        zmsg_destroy(&msg);
        for (int i = 0; i < 2; i++) {
            zmsg_t *reply = zmsg_new();
            zframe_t *to = zframe_dup(who);
            zmsg_append(reply, &to);
            zmsg_addmem(reply, NULL, 0);
            zmsg_addstr(reply, STI_MDPC);
            if (strcmp(args->mode, "envelope") == 0) {
                zmsg_addstr(reply, "svc");
                sti_writer_t *writer = sti_writer_new();
                sti_envelope_reply_ok(writer, "r-1");
                sti_writer_str(writer, "fine");
                size_t size;
                const void *data = sti_writer_data(writer, &size);
                zmsg_addmem(reply, data, size);
                sti_writer_destroy(&writer);
                i = 1;
            } else {
                zmsg_addstr(reply, i == 0 ? "other" : "svc");
                zmsg_addstr(reply, i == 0 ? "wrong" : "right");
            }
            zmsg_send(&reply, args->router);
        }
        zframe_destroy(&who);
    }
    zpoller_destroy(&poller);
    zhashx_destroy(&ids);
}

//  Asks the server for "<requests> <ids>".
static void s_stats(zactor_t *server, int *requests, int *ids)
{
    zstr_send(server, "STATS");
    char *text = zstr_recv(server);
    assert_non_null(text);
    assert_int_equal(sscanf(text, "%d %d", requests, ids), 2);
    zstr_free(&text);
}

//  Lazy Pirate: no answer to the first attempt; the retry comes from a fresh
//  socket (another routing id) and its answer is returned; the reply naming
//  another service is discarded.
static void test_retry_fresh_socket(void **state)
{
    s_fake_t *fake = (s_fake_t *)*state;
    s_server_args_t args = {fake->router, "drop-first"};
    zactor_t *server = zactor_new(s_server, &args);
    sti_mdp_client_t *client = sti_mdp_client_new(fake->endpoint, 300, 2);
    zmsg_t *request = zmsg_new();
    zmsg_addstr(request, "again");
    zmsg_t *reply = sti_mdp_client_request(client, "svc", &request);
    assert_null(request);
    assert_non_null(reply);
    assert_true(zframe_streq(zmsg_first(reply), "right"));
    zmsg_destroy(&reply);
    int requests, ids;
    s_stats(server, &requests, &ids);
    assert_int_equal(requests, 2);
    assert_int_equal(ids, 2);
    zactor_destroy(&server);
    sti_mdp_client_destroy(&client);
}

//  Every attempt times out: NULL, an error, and 1 + retries attempts.
static void test_all_attempts_time_out(void **state)
{
    s_fake_t *fake = (s_fake_t *)*state;
    s_server_args_t args = {fake->router, "never"};
    zactor_t *server = zactor_new(s_server, &args);
    sti_mdp_client_t *client = sti_mdp_client_new(fake->endpoint, 100, 2);
    zmsg_t *request = zmsg_new();
    zmsg_addstr(request, "lost");
    int64_t start = zclock_mono();
    assert_null(sti_mdp_client_request(client, "svc", &request));
    assert_true(zclock_mono() - start >= 300);
    assert_non_null(strstr(sti_mdp_client_error(client), "3 attempts"));
    int requests = 0, ids = 0;
    for (int64_t until = zclock_mono() + 2000; requests < 3 && zclock_mono() < until;) {
        s_stats(server, &requests, &ids);
    }
    assert_int_equal(requests, 3);
    zactor_destroy(&server);
    sti_mdp_client_destroy(&client);
}

//  sti_mdp_client_call decodes the reply envelope.
static void test_call_envelope(void **state)
{
    s_fake_t *fake = (s_fake_t *)*state;
    s_server_args_t args = {fake->router, "envelope"};
    zactor_t *server = zactor_new(s_server, &args);
    sti_mdp_client_t *client = sti_mdp_client_new(fake->endpoint, 2000, 0);
    sti_writer_t *writer = sti_writer_new();
    sti_envelope_request(writer, "ping", "r-1");
    sti_writer_nil(writer);
    size_t size;
    const void *data = sti_writer_data(writer, &size);
    sti_reply_t reply;
    assert_int_equal(sti_mdp_client_call(client, "svc", data, size, &reply), 0);
    assert_true(reply.ok);
    assert_string_equal(reply.id, "r-1");
    sti_reply_release(&reply);
    sti_writer_destroy(&writer);
    zactor_destroy(&server);
    sti_mdp_client_destroy(&client);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_request_reply, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_retry_fresh_socket, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_all_attempts_time_out, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_call_envelope, s_setup, s_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
