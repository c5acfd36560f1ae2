/*  Unit tests of sti_mdp_worker against a fake broker: a ROUTER the test
    drives by hand. The worker's calls all take timeouts, so one thread plays
    both sides. Every wait is a poll with a bound.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "sti_mdp.h"
#include "sti_mdp_worker.h"

//  The fake broker.
typedef struct {
    zsock_t *router;   // where the worker connects
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

//  The next message from the worker within timeout_ms, parsed; kind NONE on timeout.
//  skip_heartbeats drops heartbeats on the way.
static sti_mdp_msg_t s_next(s_fake_t *fake, int timeout_ms, bool skip_heartbeats)
{
    sti_mdp_msg_t msg = {0};
    int64_t until = zclock_mono() + timeout_ms;
    while (zclock_mono() < until) {
        zmq_pollitem_t item = {zsock_resolve(fake->router), 0, ZMQ_POLLIN, 0};
        if (zmq_poll(&item, 1, (long)(until - zclock_mono())) <= 0) {
            break;
        }
        zmsg_t *raw = zmsg_recv(fake->router);
        char err[128];
        assert_int_equal(sti_mdp_parse_broker(&raw, &msg, err, sizeof(err)), 0);
        if (skip_heartbeats && msg.kind == STI_MDP_WORKER_HEARTBEAT) {
            sti_mdp_msg_release(&msg);
            continue;
        }
        break;
    }
    return msg;
}

//  Sends id "" MDPW01 command [extra frames...] to the worker.
static void s_send(s_fake_t *fake, zframe_t *id, const char *command, int extra, ...)
{
    zmsg_t *msg = zmsg_new();
    zframe_t *to = zframe_dup(id);
    zmsg_append(msg, &to);
    zmsg_addmem(msg, NULL, 0);
    zmsg_addstr(msg, STI_MDPW);
    zmsg_addstr(msg, command);
    va_list args;
    va_start(args, extra);
    for (int i = 0; i < extra; i++) {
        zmsg_addstr(msg, va_arg(args, const char *));
    }
    va_end(args);
    zmsg_send(&msg, fake->router);
}

//  Waits for the worker's READY and returns its routing id (caller destroys).
static zframe_t *s_ready(s_fake_t *fake, sti_mdp_worker_t *worker)
{
    for (int64_t until = zclock_mono() + 5000; zclock_mono() < until;) {
        zframe_t *client = NULL;
        zmsg_t *body = sti_mdp_worker_recv(worker, &client, 10); // lets the worker run
        assert_null(body);
        sti_mdp_msg_t msg = s_next(fake, 10, true);
        if (msg.kind == STI_MDP_WORKER_READY) {
            assert_string_equal(msg.service, "svc");
            assert_true(msg.identity); // asks for the caller's identity with each request
            zframe_t *id = msg.sender;
            msg.sender = NULL;
            sti_mdp_msg_release(&msg);
            return id;
        }
        sti_mdp_msg_release(&msg);
    }
    fail_msg("no READY");
    return NULL;
}

//  READY on connect; a request arrives with its client; the reply goes back framed.
static void test_request_reply(void **state)
{
    s_fake_t *fake = (s_fake_t *)*state;
    sti_mdp_worker_t *worker = sti_mdp_worker_new(fake->endpoint, "svc");
    assert_non_null(worker);
    assert_non_null(sti_mdp_worker_sock(worker));
    zframe_t *id = s_ready(fake, worker);
    //  The broker puts the caller's identity frame before the body.
    sti_identity_t alice;
    sti_identity_set(&alice, "alice", "clerk", NULL);
    size_t size = 0;
    char *identity = (char *)sti_identity_encode(&alice, &size);
    char *frame = (char *)zmalloc(size + 1);
    memcpy(frame, identity, size); // no NUL inside a msgpack map of short strings
    s_send(fake, id, STI_MDPW_REQUEST, 4, "client-x", "", frame, "body");
    free(identity);
    free(frame);
    zframe_t *client = NULL;
    zmsg_t *body = sti_mdp_worker_recv(worker, &client, 5000);
    assert_non_null(body);
    assert_true(zframe_streq(client, "client-x"));
    assert_int_equal(zmsg_size(body), 1);
    assert_true(zframe_streq(zmsg_first(body), "body"));
    assert_string_equal(sti_mdp_worker_caller(worker)->name, "alice");
    assert_int_equal(sti_mdp_worker_caller(worker)->role_bit, STI_ROLE_CLERK);
    zmsg_addstr(body, "answer");
    assert_int_equal(sti_mdp_worker_send(worker, &client, &body), 0);
    assert_null(client);
    assert_null(body);
    sti_mdp_msg_t reply = s_next(fake, 5000, true);
    assert_int_equal(reply.kind, STI_MDP_WORKER_REPLY);
    assert_true(zframe_eq(reply.sender, id));
    assert_true(zframe_streq(reply.client, "client-x"));
    assert_int_equal(zmsg_size(reply.body), 2);
    sti_mdp_msg_release(&reply);
    zframe_destroy(&id);
    sti_mdp_worker_destroy(&worker);
    sti_mdp_worker_destroy(&worker);
    //  On its way out the worker said DISCONNECT.
    sti_mdp_msg_t bye = s_next(fake, 5000, true);
    assert_int_equal(bye.kind, STI_MDP_WORKER_DISCONNECT);
    sti_mdp_msg_release(&bye);
}

//  The worker heartbeats from recv and from tick; a malformed message from
//  the broker is dropped and the worker goes on.
static void test_heartbeats(void **state)
{
    s_fake_t *fake = (s_fake_t *)*state;
    sti_mdp_worker_t *worker = sti_mdp_worker_new(fake->endpoint, "svc");
    sti_mdp_worker_set_heartbeat(worker, 100);
    zframe_t *id = s_ready(fake, worker);
    int heartbeats = 0;
    for (int64_t until = zclock_mono() + 5000; heartbeats < 3 && zclock_mono() < until;) {
        s_send(fake, id, STI_MDPW_HEARTBEAT, 0); // keep the worker's broker alive
        s_send(fake, id, "\011", 1, "garbage");
        zframe_t *client = NULL;
        assert_null(sti_mdp_worker_recv(worker, &client, 30));
        sti_mdp_worker_tick(worker);
        sti_mdp_msg_t msg = s_next(fake, 30, false);
        if (msg.kind == STI_MDP_WORKER_HEARTBEAT) {
            assert_true(zframe_eq(msg.sender, id)); // same socket: no reconnect
            heartbeats++;
        }
        sti_mdp_msg_release(&msg);
    }
    assert_int_equal(heartbeats, 3);
    zframe_destroy(&id);
    sti_mdp_worker_destroy(&worker);
}

//  DISCONNECT from the broker: the worker says READY again from a fresh socket.
static void test_disconnect_reconnects(void **state)
{
    s_fake_t *fake = (s_fake_t *)*state;
    sti_mdp_worker_t *worker = sti_mdp_worker_new(fake->endpoint, "svc");
    zframe_t *first = s_ready(fake, worker);
    s_send(fake, first, STI_MDPW_DISCONNECT, 0);
    zframe_t *second = s_ready(fake, worker);
    assert_false(zframe_eq(first, second));
    zframe_destroy(&first);
    zframe_destroy(&second);
    sti_mdp_worker_destroy(&worker);
}

//  A silent broker: after LIVENESS heartbeats the worker reconnects.
static void test_silence_reconnects(void **state)
{
    s_fake_t *fake = (s_fake_t *)*state;
    sti_mdp_worker_t *worker = sti_mdp_worker_new(fake->endpoint, "svc");
    sti_mdp_worker_set_heartbeat(worker, 50);
    zframe_t *first = s_ready(fake, worker);
    int64_t start = zclock_mono();
    zframe_t *second = s_ready(fake, worker);
    assert_true(zclock_mono() - start >= 50 * (STI_MDP_LIVENESS - 1));
    assert_false(zframe_eq(first, second));
    zframe_destroy(&first);
    zframe_destroy(&second);
    sti_mdp_worker_destroy(&worker);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_request_reply, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_heartbeats, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_disconnect_reconnects, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_silence_reconnects, s_setup, s_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
