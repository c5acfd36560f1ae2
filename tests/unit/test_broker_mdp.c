/*  Unit tests of the broker's Majordomo engine (services/broker/broker_mdp.c),
    driven in-process: the test owns the ROUTER (inproc), feeds what it reads
    to broker_mdp_handle, and plays the workers and clients on DEALERs.
    Checks LRU dispatch, the queue caps, request deadlines, dead workers
    (busy ones too), refusals, MMI, and the config checks.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "broker.h"
#include "broker_mdp.h"
#include "sti_envelope.h"
#include "sti_mdp.h"

//  The engine and its sockets.
typedef struct {
    zsock_t *router;        // the broker's socket
    sti_http_t *http;       // metrics (port 0)
    broker_mdp_t *mdp;      // the engine under test
    broker_limits_t limits; // what it was made with
} s_rig_t;

static void s_rig_start(s_rig_t *rig, int64_t queue_max, int64_t timeout_ms, int64_t heartbeat_ms)
{
    static int counter = 0;
    char endpoint[64];
    snprintf(endpoint, sizeof(endpoint), "inproc://broker-mdp-%d", ++counter);
    rig->router = zsock_new_router(endpoint);
    assert_non_null(rig->router);
    char err[128];
    rig->http = sti_http_new("127.0.0.1:0", NULL, NULL, err, sizeof(err));
    assert_non_null(rig->http);
    rig->limits =
        (broker_limits_t){queue_max, 1 << 20, 1000, 1 << 22, timeout_ms, heartbeat_ms, 10};
    rig->mdp = broker_mdp_new(rig->router, rig->http, &rig->limits);
}

static void s_rig_stop(s_rig_t *rig)
{
    broker_mdp_destroy(&rig->mdp);
    broker_mdp_destroy(&rig->mdp);
    sti_http_destroy(&rig->http);
    zsock_destroy(&rig->router);
}

static zsock_t *s_peer(s_rig_t *rig)
{
    zsock_t *sock = zsock_new(ZMQ_DEALER);
    assert_int_equal(zsock_connect(sock, "%s", zsock_endpoint(rig->router)), 0);
    return sock;
}

//  Hands the engine everything the router holds, waiting up to 1 s for the first.
static void s_pump(s_rig_t *rig)
{
    zpoller_t *poller = zpoller_new(rig->router, NULL);
    int wait = 1000;
    while (zpoller_wait(poller, wait)) {
        zmsg_t *msg = zmsg_recv(rig->router);
        broker_mdp_handle(rig->mdp, &msg);
        wait = 20;
    }
    zpoller_destroy(&poller);
}

//  Sends "" protocol frames... from a peer.
static void s_say(zsock_t *peer, int n, ...)
{
    zmsg_t *msg = zmsg_new();
    zmsg_addmem(msg, NULL, 0);
    va_list args;
    va_start(args, n);
    for (int i = 0; i < n; i++) {
        zmsg_addstr(msg, va_arg(args, const char *));
    }
    va_end(args);
    zmsg_send(&msg, peer);
}

//  Reads what a peer got within 1 s, skipping heartbeats; NULL if nothing.
static zmsg_t *s_hear(zsock_t *peer)
{
    zpoller_t *poller = zpoller_new(peer, NULL);
    zmsg_t *msg = NULL;
    while (!msg && zpoller_wait(poller, 1000)) {
        msg = zmsg_recv(peer);
        zframe_t *command = zmsg_size(msg) == 3 ? zmsg_last(msg) : NULL;
        if (command && zframe_streq(command, STI_MDPW_HEARTBEAT)) {
            zmsg_destroy(&msg);
        }
    }
    zpoller_destroy(&poller);
    return msg;
}

//  A worker reads a REQUEST, checks its body, and answers it.
static void s_serve(zsock_t *worker, const char *expect)
{
    zmsg_t *msg = s_hear(worker);
    assert_non_null(msg);
    sti_mdp_msg_t req;
    char err[64];
    assert_int_equal(sti_mdp_parse_worker(&msg, &req, err, sizeof(err)), 0);
    assert_int_equal(req.kind, STI_MDP_WORKER_REQUEST);
    assert_true(zframe_streq(zmsg_first(req.body), expect));
    zmsg_t *reply = zmsg_new();
    zmsg_addmem(reply, NULL, 0);
    zmsg_addstr(reply, STI_MDPW);
    zmsg_addstr(reply, STI_MDPW_REPLY);
    zmsg_append(reply, &req.client);
    zmsg_addmem(reply, NULL, 0);
    zmsg_addstr(reply, expect);
    zmsg_send(&reply, worker);
    sti_mdp_msg_release(&req);
}

static void test_lru_and_reply(void **state)
{
    (void)state;
    s_rig_t rig;
    s_rig_start(&rig, 100, 10000, 10000);
    zsock_t *w1 = s_peer(&rig), *w2 = s_peer(&rig), *client = s_peer(&rig);
    s_say(w1, 3, STI_MDPW, STI_MDPW_READY, "svc");
    s_pump(&rig);
    s_say(w2, 3, STI_MDPW, STI_MDPW_READY, "svc");
    s_pump(&rig);
    assert_int_equal(broker_mdp_workers(rig.mdp, "svc"), 2);
    //  w1 waited longest: it gets the first request, w2 the second.
    s_say(client, 3, STI_MDPC, "svc", "a");
    s_pump(&rig);
    s_serve(w1, "a");
    s_pump(&rig);
    s_say(client, 3, STI_MDPC, "svc", "b");
    s_pump(&rig);
    s_serve(w2, "b");
    s_pump(&rig);
    for (int i = 0; i < 2; i++) {
        zmsg_t *reply = s_hear(client);
        assert_non_null(reply);
        assert_int_equal(zmsg_size(reply), 4);
        zmsg_destroy(&reply);
    }
    //  MMI: 200 for svc, 404 for nobody, 501 for other mmi.
    s_say(client, 3, STI_MDPC, "mmi.service", "svc");
    s_say(client, 3, STI_MDPC, "mmi.service", "nobody");
    s_say(client, 3, STI_MDPC, "mmi.other", "x");
    s_pump(&rig);
    const char *codes[] = {"200", "404", "501"};
    for (int i = 0; i < 3; i++) {
        zmsg_t *reply = s_hear(client);
        assert_true(zframe_streq(zmsg_last(reply), codes[i]));
        zmsg_destroy(&reply);
    }
    //  A worker's DISCONNECT removes it.
    s_say(w2, 2, STI_MDPW, STI_MDPW_DISCONNECT);
    s_pump(&rig);
    assert_int_equal(broker_mdp_workers(rig.mdp, "svc"), 1);
    zsock_destroy(&w1);
    zsock_destroy(&w2);
    zsock_destroy(&client);
    s_rig_stop(&rig);
}

//  Sends a client request for service whose body is an envelope with id.
static void s_say_envelope(zsock_t *client, const char *service, const char *id)
{
    sti_writer_t *writer = sti_writer_new();
    sti_envelope_request(writer, "echo", id);
    size_t size;
    const void *data = sti_writer_data(writer, &size);
    zmsg_t *msg = zmsg_new();
    zmsg_addmem(msg, NULL, 0);
    zmsg_addstr(msg, STI_MDPC);
    zmsg_addstr(msg, service);
    zmsg_addmem(msg, data, size);
    zmsg_send(&msg, client);
    sti_writer_destroy(&writer);
}

//  The client reads a reply from service: an `unavailable` error with id
//  whose message says why, the broker's refusal of a request it will not queue.
static void s_expect_refusal(zsock_t *client, const char *service, const char *id, const char *why)
{
    zmsg_t *msg = s_hear(client);
    assert_non_null(msg);
    sti_mdp_msg_t reply;
    char err[64];
    assert_int_equal(sti_mdp_parse_client(&msg, &reply, err, sizeof(err)), 0);
    assert_string_equal(reply.service, service);
    zframe_t *body = zmsg_first(reply.body);
    sti_reply_t decoded;
    assert_int_equal(
        sti_reply_decode(zframe_data(body), zframe_size(body), NULL, &decoded, err, sizeof(err)),
        0);
    assert_false(decoded.ok);
    assert_int_equal(decoded.code, STI_ERR_UNAVAILABLE);
    assert_string_equal(decoded.id, id);
    assert_non_null(strstr(decoded.message, why));
    sti_reply_release(&decoded);
    sti_mdp_msg_release(&reply);
}

static void test_queue_cap_and_deadline(void **state)
{
    (void)state;
    s_rig_t rig;
    s_rig_start(&rig, 2, 50, 10000);
    zsock_t *client = s_peer(&rig);
    for (int i = 0; i < 5; i++) {
        s_say(client, 3, STI_MDPC, "absent", "x");
    }
    s_pump(&rig);
    assert_int_equal(broker_mdp_queued(rig.mdp), 2); // the cap held, the rest refused
    for (int i = 0; i < 3; i++) {
        s_expect_refusal(client, "absent", "", "its queue is full (queue_max)");
    }
    //  A request with an envelope gets its id back in the refusal.
    s_say_envelope(client, "absent", "req-cap");
    s_pump(&rig);
    s_expect_refusal(client, "absent", "req-cap", "its queue is full (queue_max)");
    int64_t until = zclock_mono() + 2000;
    while (broker_mdp_queued(rig.mdp) > 0 && zclock_mono() < until) {
        zpoller_t *poller = zpoller_new(NULL);
        zpoller_wait(poller, 10);
        zpoller_destroy(&poller);
        broker_mdp_tick(rig.mdp);
    }
    assert_int_equal(broker_mdp_queued(rig.mdp), 0); // past the deadline
    zmsg_t *none = s_hear(client);
    assert_null(none); // and never answered
    zsock_destroy(&client);
    s_rig_stop(&rig);
}

//  A request for one service more than max_services is refused with a reply.
static void test_services_cap_answered(void **state)
{
    (void)state;
    s_rig_t rig;
    s_rig_start(&rig, 2, 10000, 10000);
    zsock_t *client = s_peer(&rig);
    char name[16];
    for (int i = 0; i < rig.limits.max_services; i++) {
        snprintf(name, sizeof name, "svc-%d", i);
        s_say(client, 3, STI_MDPC, name, "x");
    }
    s_say_envelope(client, "one-too-many", "req-svc");
    s_pump(&rig);
    assert_int_equal(broker_mdp_queued(rig.mdp), rig.limits.max_services);
    s_expect_refusal(client, "one-too-many", "req-svc", "max_services");
    zsock_destroy(&client);
    s_rig_stop(&rig);
}

static void test_dead_and_refused_workers(void **state)
{
    (void)state;
    s_rig_t rig;
    s_rig_start(&rig, 100, 10000, 20);
    zsock_t *busy = s_peer(&rig), *client = s_peer(&rig), *bad = s_peer(&rig);
    s_say(busy, 3, STI_MDPW, STI_MDPW_READY, "svc");
    s_pump(&rig);
    s_say(client, 3, STI_MDPC, "svc", "held");
    s_pump(&rig);
    zmsg_t *request = s_hear(busy); // busy now, and silent from here on
    assert_non_null(request);
    zmsg_destroy(&request);
    int64_t until = zclock_mono() + 2000;
    while (broker_mdp_workers(rig.mdp, "svc") > 0 && zclock_mono() < until) {
        zpoller_t *poller = zpoller_new(NULL);
        zpoller_wait(poller, 10);
        zpoller_destroy(&poller);
        broker_mdp_tick(rig.mdp);
    }
    assert_int_equal(broker_mdp_workers(rig.mdp, "svc"), 0);
    //  A reserved name gets DISCONNECT and is not registered.
    s_say(bad, 3, STI_MDPW, STI_MDPW_READY, "mmi.x");
    s_pump(&rig);
    zmsg_t *answer = s_hear(bad);
    assert_non_null(answer);
    assert_true(zframe_streq(zmsg_last(answer), STI_MDPW_DISCONNECT));
    zmsg_destroy(&answer);
    assert_int_equal(broker_mdp_workers(rig.mdp, "mmi.x"), 0);
    zsock_destroy(&busy);
    zsock_destroy(&client);
    zsock_destroy(&bad);
    s_rig_stop(&rig);
}

//  A registered worker that breaks the protocol is sent DISCONNECT and
//  forgotten, and the client of its request gets an error with the id.
static void test_broken_worker(void **state)
{
    (void)state;
    s_rig_t rig;
    s_rig_start(&rig, 100, 10000, 10000);
    zsock_t *client = s_peer(&rig);
    sti_writer_t *writer = sti_writer_new();
    sti_envelope_request(writer, "talent.add", "req-9");
    sti_writer_nil(writer);
    size_t size;
    const void *data = sti_writer_data(writer, &size);
    //  1: REPLY without a body (what the guide's mdwrkapi sends for an empty
    //  answer); 2: REPLY without the empty delimiter; 3: REPLY with no request.
    for (int kind = 1; kind <= 3; kind++) {
        zsock_t *worker = s_peer(&rig);
        s_say(worker, 3, STI_MDPW, STI_MDPW_READY, "svc");
        s_pump(&rig);
        assert_int_equal(broker_mdp_workers(rig.mdp, "svc"), 1);
        zframe_t *address = NULL;
        if (kind < 3) {
            zmsg_t *request = zmsg_new();
            zmsg_addmem(request, NULL, 0);
            zmsg_addstr(request, STI_MDPC);
            zmsg_addstr(request, "svc");
            zmsg_addmem(request, data, size);
            zmsg_send(&request, client);
            s_pump(&rig);
            zmsg_t *got = s_hear(worker);
            sti_mdp_msg_t req;
            char err[64];
            assert_int_equal(sti_mdp_parse_worker(&got, &req, err, sizeof err), 0);
            address = req.client;
            req.client = NULL;
            sti_mdp_msg_release(&req);
        }
        zmsg_t *reply = zmsg_new();
        zmsg_addmem(reply, NULL, 0);
        zmsg_addstr(reply, STI_MDPW);
        zmsg_addstr(reply, STI_MDPW_REPLY);
        zmsg_append(reply, address ? &address : &(zframe_t *){zframe_new("x", 1)});
        if (kind != 2) {
            zmsg_addmem(reply, NULL, 0);
        }
        if (kind != 1) {
            zmsg_addstr(reply, "answer");
        }
        zmsg_send(&reply, worker);
        s_pump(&rig);
        zmsg_t *answer = s_hear(worker);
        assert_non_null(answer);
        assert_true(zframe_streq(zmsg_last(answer), STI_MDPW_DISCONNECT));
        zmsg_destroy(&answer);
        assert_int_equal(broker_mdp_workers(rig.mdp, "svc"), 0);
        if (kind < 3) {
            zmsg_t *error = s_hear(client);
            assert_non_null(error);
            assert_int_equal(zmsg_size(error), 4); // "" MDPC01 svc body
            zframe_t *body = zmsg_last(error);
            sti_reply_t decoded;
            char err[128];
            assert_int_equal(sti_reply_decode(zframe_data(body), zframe_size(body), NULL, &decoded,
                                              err, sizeof err),
                             0);
            assert_false(decoded.ok);
            assert_int_equal(decoded.code, STI_ERR_UNAVAILABLE);
            assert_string_equal(decoded.id, "req-9");
            assert_non_null(strstr(decoded.message, "broke the protocol"));
            sti_reply_release(&decoded);
            zmsg_destroy(&error);
        }
        zsock_destroy(&worker);
    }
    assert_null(s_hear(client)); // nothing else
    //  MMI says the service is gone.
    s_say(client, 3, STI_MDPC, "mmi.service", "svc");
    s_pump(&rig);
    zmsg_t *mmi = s_hear(client);
    assert_true(zframe_streq(zmsg_last(mmi), "404"));
    zmsg_destroy(&mmi);
    sti_writer_destroy(&writer);
    zsock_destroy(&client);
    s_rig_stop(&rig);
}

static void test_config_check(void **state)
{
    (void)state;
    broker_config_t config = {.bind = "tcp://*:1",
                              .xpub = "tcp://*:2",
                              .xsub = "tcp://*:3",
                              .http_addr = "127.0.0.1:0",
                              .log_level = "info",
                              .queue_max = 1,
                              .queue_bytes = 1,
                              .queue_total_max = 1,
                              .queue_total_bytes = 1,
                              .request_timeout_ms = 1,
                              .heartbeat_ms = 1,
                              .max_services = 1,
                              .max_connections = 1,
                              .message_max_bytes = 1,
                              .message_max_frames = 1,
                              .receive_max_bytes = 1,
                              .handshake_ms = 1,
                              .zmtp_ping_ms = 1,
                              .zmtp_timeout_ms = 1,
                              .stall_ms = 1,
                              .subscriber_queue_bytes = 16384,
                              .event_max_bytes = 1,
                              .curve = false,
                              .curve_reload_ms = 1000};
    char err[128];
    assert_int_equal(broker_config_check(&config, err, sizeof(err)), 0);
    config.message_max_bytes = 2; // a message may not be larger than all of them together
    assert_int_equal(broker_config_check(&config, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "receive_max_bytes"));
    config.message_max_bytes = 1;
    config.curve = true; // CURVE without a certificate and an allow-list is refused
    assert_int_equal(broker_config_check(&config, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "curve_cert"));

    //  A single value out of its range is the table's to refuse.
    broker_config_t loaded;
    char *argv[] = {"sti-broker", "--heartbeat-ms", "0", NULL};
    int argc = 3;
    char reason[256];
    assert_int_equal(
        sti_config_load(broker_config_map, &loaded, &argc, argv, reason, sizeof reason), -1);
    assert_string_equal(reason,
                        "heartbeat_ms is 0 (flag --heartbeat-ms); it must be from 1ms to 1h");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lru_and_reply),
        cmocka_unit_test(test_queue_cap_and_deadline),
        cmocka_unit_test(test_services_cap_answered),
        cmocka_unit_test(test_dead_and_refused_workers),
        cmocka_unit_test(test_broken_worker),
        cmocka_unit_test(test_config_check),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
