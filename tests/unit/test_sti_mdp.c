/*  Unit tests of sti_mdp: the socket limits, service name checks and the
    three frame parsers, fed well-formed, truncated, wrongly framed and random
    messages. A parser must never crash and must always consume its input.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "sti_mdp.h"

//  Builds a message from n frames given as strings; "" is an empty frame.
static zmsg_t *s_msg(int n, ...)
{
    zmsg_t *msg = zmsg_new();
    va_list args;
    va_start(args, n);
    for (int i = 0; i < n; i++) {
        zmsg_addstr(msg, va_arg(args, const char *));
    }
    va_end(args);
    return msg;
}

//  Parses with the broker parser; returns the rc and leaves out filled.
static int s_broker(zmsg_t *msg, sti_mdp_msg_t *out)
{
    char err[128] = "";
    int rc = sti_mdp_parse_broker(&msg, out, err, sizeof(err));
    assert_null(msg);
    if (rc != 0) {
        assert_true(strlen(err) > 0);
    }
    return rc;
}

static void test_socket_limits(void **state)
{
    (void)state;
    zsock_t *sock = zsock_new(ZMQ_DEALER);
    sti_mdp_socket_limits(sock, 123);
    assert_int_equal(zsock_maxmsgsize(sock), STI_MDP_MAX_MSG);
    assert_int_equal(zsock_sndhwm(sock), 123);
    assert_int_equal(zsock_rcvhwm(sock), 123);
    assert_int_equal(zsock_linger(sock), 0);
    zsock_destroy(&sock);
}

static void test_service_valid(void **state)
{
    (void)state;
    assert_true(sti_mdp_service_valid("sti.ingest", 10));
    assert_true(sti_mdp_service_valid("mmi.service", 11));
    assert_false(sti_mdp_service_valid("", 0));
    assert_false(sti_mdp_service_valid(NULL, 3));
    assert_false(sti_mdp_service_valid("a b", 3));
    assert_false(sti_mdp_service_valid("a\"b", 3));
    assert_false(sti_mdp_service_valid("a\\b", 3));
    assert_false(sti_mdp_service_valid("a\0b", 3));
    char longname[300];
    memset(longname, 'x', sizeof(longname));
    assert_true(sti_mdp_service_valid(longname, STI_MDP_SERVICE_MAX));
    assert_false(sti_mdp_service_valid(longname, STI_MDP_SERVICE_MAX + 1));
}

static void test_broker_client_request(void **state)
{
    (void)state;
    sti_mdp_msg_t out;
    assert_int_equal(s_broker(s_msg(6, "C1", "", "MDPC01", "echo", "a", "b"), &out), 0);
    assert_int_equal(out.kind, STI_MDP_CLIENT_REQUEST);
    assert_true(zframe_streq(out.sender, "C1"));
    assert_string_equal(out.service, "echo");
    assert_int_equal(zmsg_size(out.body), 2);
    assert_true(zframe_streq(zmsg_first(out.body), "a"));
    sti_mdp_msg_release(&out);
    sti_mdp_msg_release(&out); // safe twice
    //  An empty body frame is a body.
    assert_int_equal(s_broker(s_msg(5, "C1", "", "MDPC01", "echo", ""), &out), 0);
    sti_mdp_msg_release(&out);
}

static void test_broker_client_malformed(void **state)
{
    (void)state;
    sti_mdp_msg_t out;
    //  No body frame: the case that aborts the guide's broker.
    assert_int_equal(s_broker(s_msg(4, "C1", "", "MDPC01", "echo"), &out), -1);
    assert_int_equal(out.kind, STI_MDP_NONE);
    assert_true(zframe_streq(out.sender, "C1"));
    sti_mdp_msg_release(&out);
    assert_int_equal(s_broker(s_msg(3, "C1", "", "MDPC01"), &out), -1);
    sti_mdp_msg_release(&out);
    assert_int_equal(s_broker(s_msg(2, "C1", ""), &out), -1);
    sti_mdp_msg_release(&out);
    assert_int_equal(s_broker(s_msg(1, "C1"), &out), -1);
    sti_mdp_msg_release(&out);
    assert_int_equal(s_broker(zmsg_new(), &out), -1);
    sti_mdp_msg_release(&out);
    //  No delimiter, unknown header, bad service name.
    assert_int_equal(s_broker(s_msg(4, "C1", "MDPC01", "echo", "x"), &out), -1);
    sti_mdp_msg_release(&out);
    assert_int_equal(s_broker(s_msg(5, "C1", "", "MDPC02", "echo", "x"), &out), -1);
    sti_mdp_msg_release(&out);
    assert_int_equal(s_broker(s_msg(5, "C1", "", "MDPC01", "", "x"), &out), -1);
    sti_mdp_msg_release(&out);
    assert_int_equal(s_broker(s_msg(5, "C1", "", "MDPC01", "a b", "x"), &out), -1);
    sti_mdp_msg_release(&out);
    zmsg_t *null_msg = NULL;
    char err[64];
    assert_int_equal(sti_mdp_parse_broker(&null_msg, &out, err, sizeof(err)), -1);
    sti_mdp_msg_release(&out);
}

static void test_broker_worker_commands(void **state)
{
    (void)state;
    sti_mdp_msg_t out;
    assert_int_equal(s_broker(s_msg(5, "W1", "", "MDPW01", "\001", "echo"), &out), 0);
    assert_int_equal(out.kind, STI_MDP_WORKER_READY);
    assert_string_equal(out.service, "echo");
    sti_mdp_msg_release(&out);
    //  READY with an invalid name parses, with an empty service: the broker refuses it.
    assert_int_equal(s_broker(s_msg(5, "W1", "", "MDPW01", "\001", "bad name"), &out), 0);
    assert_int_equal(out.kind, STI_MDP_WORKER_READY);
    assert_string_equal(out.service, "");
    sti_mdp_msg_release(&out);
    assert_int_equal(s_broker(s_msg(4, "W1", "", "MDPW01", "\001"), &out), -1);
    sti_mdp_msg_release(&out);

    assert_int_equal(s_broker(s_msg(8, "W1", "", "MDPW01", "\003", "C1", "", "r1", "r2"), &out), 0);
    assert_int_equal(out.kind, STI_MDP_WORKER_REPLY);
    assert_true(zframe_streq(out.client, "C1"));
    assert_int_equal(zmsg_size(out.body), 2);
    sti_mdp_msg_release(&out);
    assert_int_equal(s_broker(s_msg(6, "W1", "", "MDPW01", "\003", "C1", ""), &out), -1);
    sti_mdp_msg_release(&out);
    assert_int_equal(s_broker(s_msg(6, "W1", "", "MDPW01", "\003", "C1", "x"), &out), -1);
    sti_mdp_msg_release(&out);
    assert_int_equal(s_broker(s_msg(4, "W1", "", "MDPW01", "\003"), &out), -1);
    sti_mdp_msg_release(&out);

    assert_int_equal(s_broker(s_msg(4, "W1", "", "MDPW01", "\004"), &out), 0);
    assert_int_equal(out.kind, STI_MDP_WORKER_HEARTBEAT);
    sti_mdp_msg_release(&out);
    assert_int_equal(s_broker(s_msg(4, "W1", "", "MDPW01", "\005"), &out), 0);
    assert_int_equal(out.kind, STI_MDP_WORKER_DISCONNECT);
    sti_mdp_msg_release(&out);
    //  REQUEST is the broker's command; 0x06 and "01" are unknown.
    assert_int_equal(s_broker(s_msg(7, "W1", "", "MDPW01", "\002", "C1", "", "x"), &out), -1);
    sti_mdp_msg_release(&out);
    assert_int_equal(s_broker(s_msg(4, "W1", "", "MDPW01", "\006"), &out), -1);
    sti_mdp_msg_release(&out);
    assert_int_equal(s_broker(s_msg(4, "W1", "", "MDPW01", "01"), &out), -1);
    sti_mdp_msg_release(&out);
    assert_int_equal(s_broker(s_msg(3, "W1", "", "MDPW01"), &out), -1);
    sti_mdp_msg_release(&out);
}

static void test_worker_side(void **state)
{
    (void)state;
    sti_mdp_msg_t out;
    char err[128];
    zmsg_t *msg = s_msg(6, "", "MDPW01", "\002", "C1", "", "body");
    assert_int_equal(sti_mdp_parse_worker(&msg, &out, err, sizeof(err)), 0);
    assert_null(msg);
    assert_int_equal(out.kind, STI_MDP_WORKER_REQUEST);
    assert_true(zframe_streq(out.client, "C1"));
    assert_true(zframe_streq(zmsg_first(out.body), "body"));
    sti_mdp_msg_release(&out);
    msg = s_msg(3, "", "MDPW01", "\004");
    assert_int_equal(sti_mdp_parse_worker(&msg, &out, err, sizeof(err)), 0);
    assert_int_equal(out.kind, STI_MDP_WORKER_HEARTBEAT);
    msg = s_msg(3, "", "MDPW01", "\005");
    assert_int_equal(sti_mdp_parse_worker(&msg, &out, err, sizeof(err)), 0);
    assert_int_equal(out.kind, STI_MDP_WORKER_DISCONNECT);
    msg = s_msg(4, "", "MDPW01", "\001", "echo"); // READY is not for workers
    assert_int_equal(sti_mdp_parse_worker(&msg, &out, err, sizeof(err)), -1);
    msg = s_msg(5, "", "MDPW01", "\002", "C1", ""); // no body
    assert_int_equal(sti_mdp_parse_worker(&msg, &out, err, sizeof(err)), -1);
    sti_mdp_msg_release(&out);
    msg = s_msg(3, "x", "MDPW01", "\004");
    assert_int_equal(sti_mdp_parse_worker(&msg, &out, err, sizeof(err)), -1);
    msg = s_msg(3, "", "MDPC01", "\004");
    assert_int_equal(sti_mdp_parse_worker(&msg, &out, err, sizeof(err)), -1);
    msg = s_msg(2, "", "MDPW01");
    assert_int_equal(sti_mdp_parse_worker(&msg, &out, err, sizeof(err)), -1);
    assert_null(msg);
}

static void test_client_side(void **state)
{
    (void)state;
    sti_mdp_msg_t out;
    char err[128];
    zmsg_t *msg = s_msg(5, "", "MDPC01", "echo", "a", "b");
    assert_int_equal(sti_mdp_parse_client(&msg, &out, err, sizeof(err)), 0);
    assert_int_equal(out.kind, STI_MDP_CLIENT_REPLY);
    assert_string_equal(out.service, "echo");
    assert_int_equal(zmsg_size(out.body), 2);
    sti_mdp_msg_release(&out);
    msg = s_msg(3, "", "MDPC01", "echo");
    assert_int_equal(sti_mdp_parse_client(&msg, &out, err, sizeof(err)), -1);
    sti_mdp_msg_release(&out);
    msg = s_msg(4, "", "MDPW01", "echo", "a");
    assert_int_equal(sti_mdp_parse_client(&msg, &out, err, sizeof(err)), -1);
    msg = s_msg(3, "MDPC01", "echo", "a");
    assert_int_equal(sti_mdp_parse_client(&msg, &out, err, sizeof(err)), -1);
    sti_mdp_msg_release(&out);
}

//  Random frames: every parser returns 0 or -1 and frees everything (ASan checks).
static void test_random_input(void **state)
{
    (void)state;
    const char *pieces[] = {"",     "MDPC01", "MDPW01", "\001",        "\002", "\003", "\004",
                            "\005", "\006",   "echo",   "mmi.service", "C1",   "x y"};
    size_t npieces = sizeof(pieces) / sizeof(pieces[0]);
    uint32_t seed = 12345;
    for (int round = 0; round < 20000; round++) {
        zmsg_t *msgs[3];
        for (int m = 0; m < 3; m++) {
            msgs[m] = zmsg_new();
        }
        seed = seed * 1103515245u + 12345u;
        int frames = (int)(seed >> 16) % 9;
        for (int f = 0; f < frames; f++) {
            seed = seed * 1103515245u + 12345u;
            uint32_t pick = seed >> 16;
            byte raw[16];
            size_t rawlen = pick % sizeof(raw);
            for (size_t i = 0; i < rawlen; i++) {
                raw[i] = (byte)(pick >> (i % 8));
            }
            for (int m = 0; m < 3; m++) {
                if (pick % 3 == 0) {
                    zmsg_addmem(msgs[m], raw, rawlen);
                } else {
                    zmsg_addstr(msgs[m], pieces[pick % npieces]);
                }
            }
        }
        sti_mdp_msg_t out;
        char err[64];
        int rc = sti_mdp_parse_broker(&msgs[0], &out, err, sizeof(err));
        assert_true(rc == 0 || rc == -1);
        assert_true(rc != 0 || out.kind != STI_MDP_NONE);
        sti_mdp_msg_release(&out);
        rc = sti_mdp_parse_worker(&msgs[1], &out, err, sizeof(err));
        assert_true(rc == 0 || rc == -1);
        sti_mdp_msg_release(&out);
        rc = sti_mdp_parse_client(&msgs[2], &out, err, sizeof(err));
        assert_true(rc == 0 || rc == -1);
        sti_mdp_msg_release(&out);
        for (int m = 0; m < 3; m++) {
            assert_null(msgs[m]);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_socket_limits),
        cmocka_unit_test(test_service_valid),
        cmocka_unit_test(test_broker_client_request),
        cmocka_unit_test(test_broker_client_malformed),
        cmocka_unit_test(test_broker_worker_commands),
        cmocka_unit_test(test_worker_side),
        cmocka_unit_test(test_client_side),
        cmocka_unit_test(test_random_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
