/*  Unit tests of sti_mdp_client against a fake broker: a ROUTER in the test's
    own thread that reads the client's frames and answers (or not) by hand,
    or an actor that plays a broker by a plan (Lazy Pirate retries and the
    resending call).
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
    zsock_t *router;   // where the client connects
    char endpoint[64]; // tcp://127.0.0.1:port
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
        if (strcmp(args->mode, "never") == 0 ||
            (strcmp(args->mode, "drop-first") == 0 && requests == 1)) {
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

//  --- sti_mdp_client_call_resend ---

//  A fake broker for resending calls. plan[k] says what it does with the
//  k-th request: 'd' drops it, 'a' answers it, 'h' holds it and answers it
//  when the next request comes (then handles that one), 's' answers first
//  with another request's id, then with its own. Its reply envelope echoes
//  the request's id. "STATS" answers "<requests> <distinct routing ids>
//  <1 when every request's bytes were the same>".
typedef struct {
    zsock_t *router;  // handed over by the test
    const char *plan; // one letter per request
} s_resender_args_t;

//  Sends an ok reply envelope with id to the routing id who.
static void s_send_envelope(zsock_t *router, zframe_t *who, const char *id)
{
    zmsg_t *reply = zmsg_new();
    zframe_t *to = zframe_dup(who);
    zmsg_append(reply, &to);
    zmsg_addmem(reply, NULL, 0);
    zmsg_addstr(reply, STI_MDPC);
    zmsg_addstr(reply, "svc");
    sti_writer_t *writer = sti_writer_new();
    sti_envelope_reply_ok(writer, id);
    sti_writer_str(writer, "fine");
    size_t size;
    const void *data = sti_writer_data(writer, &size);
    zmsg_addmem(reply, data, size);
    sti_writer_destroy(&writer);
    zmsg_send(&reply, router);
}

//  The request id inside the last frame of a request as the broker sees it.
static void s_request_id(zmsg_t *msg, char *id, size_t cap)
{
    zframe_t *body = zmsg_last(msg);
    sti_request_t request;
    char err[128];
    sti_limits_t limits = {0};
    assert_int_equal(sti_request_decode(zframe_data(body), zframe_size(body), &limits, &request,
                                        err, sizeof err),
                     0);
    snprintf(id, cap, "%s", request.id);
    sti_request_release(&request);
}

static void s_resender(zsock_t *pipe, void *arg)
{
    s_resender_args_t *args = (s_resender_args_t *)arg;
    zsock_signal(pipe, 0);
    zhashx_t *ids = zhashx_new();
    int requests = 0, same = 1;
    zframe_t *first = NULL, *held = NULL;
    char held_id[STI_ID_MAX + 1] = "";
    zpoller_t *poller = zpoller_new(pipe, args->router, NULL);
    while (zpoller_wait(poller, -1) == args->router) {
        zmsg_t *msg = zmsg_recv(args->router);
        char *hex = zframe_strhex(zmsg_first(msg));
        zhashx_update(ids, hex, (void *)1);
        free(hex);
        if (!first) {
            first = zframe_dup(zmsg_last(msg));
        }
        same &= zframe_eq(first, zmsg_last(msg));
        char id[STI_ID_MAX + 1];
        s_request_id(msg, id, sizeof id);
        zframe_t *who = zmsg_pop(msg);
        zmsg_destroy(&msg);
        if (held) {
            s_send_envelope(args->router, held, held_id);
            zframe_destroy(&held);
        }
        char what = args->plan[requests] ? args->plan[requests] : 'd';
        requests++;
        if (what == 'h') {
            held = who;
            snprintf(held_id, sizeof held_id, "%s", id);
            continue;
        }
        if (what == 's') {
            s_send_envelope(args->router, who, "an-earlier-call");
        }
        if (what != 'd') {
            s_send_envelope(args->router, who, id);
        }
        zframe_destroy(&who);
    }
    //  The pipe: STATS, or the end.
    char *command = zstr_recv(pipe);
    if (command && strcmp(command, "STATS") == 0) {
        zstr_sendf(pipe, "%d %zu %d", requests, zhashx_size(ids), same);
        zstr_free(&command);
        command = zstr_recv(pipe); // then the end
    }
    zstr_free(&command);
    zframe_destroy(&first);
    zframe_destroy(&held);
    zpoller_destroy(&poller);
    zhashx_destroy(&ids);
}

//  Counts the calls of on_resend and checks their numbers.
static void s_on_resend(void *arg, int send, int sends, int waited_ms)
{
    int *calls = (int *)arg;
    (*calls)++;
    assert_int_equal(send, *calls + 1);
    assert_true(send <= sends && waited_ms >= 0);
}

//  Calls with id through a resending client. Returns the call's result.
static int s_resend_call(sti_mdp_client_t *client, const char *id, int budget_ms, int *calls,
                         int *sent)
{
    sti_writer_t *writer = sti_writer_new();
    sti_envelope_request(writer, "ping", id);
    sti_writer_nil(writer);
    size_t size;
    const void *data = sti_writer_data(writer, &size);
    sti_mdp_resend_t resend = {id, 3, budget_ms, s_on_resend, calls};
    sti_reply_t reply;
    int rc = sti_mdp_client_call_resend(client, "svc", data, size, &resend, &reply, sent);
    if (rc == 0) {
        assert_string_equal(reply.id, id);
        sti_reply_release(&reply);
    }
    sti_writer_destroy(&writer);
    return rc;
}

//  Runs plan at a fake broker; returns the actor.
static zactor_t *s_resender_start(s_fake_t *fake, s_resender_args_t *args, const char *plan)
{
    args->router = fake->router;
    args->plan = plan;
    return zactor_new(s_resender, args);
}

//  The first send is lost (a dead worker): the same bytes are sent again,
//  from the same socket, after a third of the budget, and answered.
static void test_resend_lost_send(void **state)
{
    s_fake_t *fake = (s_fake_t *)*state;
    s_resender_args_t args;
    zactor_t *server = s_resender_start(fake, &args, "da");
    sti_mdp_client_t *client = sti_mdp_client_new(fake->endpoint, 100000, 0);
    int calls = 0, sent = 0;
    int64_t start = zclock_mono();
    assert_int_equal(s_resend_call(client, "r-lost", 900, &calls, &sent), 0);
    assert_true(zclock_mono() - start >= 300);
    assert_int_equal(sent, 2);
    assert_int_equal(calls, 1);
    zstr_send(server, "STATS");
    char *text = zstr_recv(server);
    assert_string_equal(text, "2 1 1"); // two sends, one socket, the same bytes
    zstr_free(&text);
    zactor_destroy(&server);
    sti_mdp_client_destroy(&client);
}

//  A slow first answer that comes after the second send is taken; the
//  answer to the second send, coming later, does not reach the next call.
static void test_resend_slow_first(void **state)
{
    s_fake_t *fake = (s_fake_t *)*state;
    s_resender_args_t args;
    zactor_t *server = s_resender_start(fake, &args, "haa");
    sti_mdp_client_t *client = sti_mdp_client_new(fake->endpoint, 100000, 0);
    int calls = 0, sent = 0;
    assert_int_equal(s_resend_call(client, "r-slow", 900, &calls, &sent), 0);
    assert_int_equal(sent, 2);
    calls = 0;
    assert_int_equal(s_resend_call(client, "r-next", 900, &calls, &sent), 0);
    assert_int_equal(sent, 1);
    assert_int_equal(calls, 0);
    zactor_destroy(&server);
    sti_mdp_client_destroy(&client);
}

//  An answer with another request's id is not this call's.
static void test_resend_stray_answer(void **state)
{
    s_fake_t *fake = (s_fake_t *)*state;
    s_resender_args_t args;
    zactor_t *server = s_resender_start(fake, &args, "s");
    sti_mdp_client_t *client = sti_mdp_client_new(fake->endpoint, 100000, 0);
    int calls = 0, sent = 0;
    assert_int_equal(s_resend_call(client, "r-mine", 3000, &calls, &sent), 0);
    assert_int_equal(sent, 1);
    zactor_destroy(&server);
    sti_mdp_client_destroy(&client);
}

//  No answer at all: -1 once the budget is spent, after every send.
static void test_resend_time_out(void **state)
{
    s_fake_t *fake = (s_fake_t *)*state;
    s_resender_args_t args;
    zactor_t *server = s_resender_start(fake, &args, "ddd");
    sti_mdp_client_t *client = sti_mdp_client_new(fake->endpoint, 100000, 0);
    int calls = 0, sent = 0;
    int64_t start = zclock_mono();
    assert_int_equal(s_resend_call(client, "r-lost", 600, &calls, &sent), -1);
    int64_t took = zclock_mono() - start;
    assert_true(took >= 600 && took < 5000);
    assert_int_equal(sent, 3);
    assert_int_equal(calls, 2);
    assert_non_null(strstr(sti_mdp_client_error(client), "within 600 ms (3 sends)"));
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
        cmocka_unit_test_setup_teardown(test_resend_lost_send, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_resend_slow_first, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_resend_stray_answer, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_resend_time_out, s_setup, s_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
