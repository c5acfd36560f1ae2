/*  test_notify_receivers: receiver specs, their checks and their reasons. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>
#include "notify_dingtalk.h"
#include "notify_email.h"
#include "notify_receiver.h"
#include "notify_webhook.h"
#include "notify_wecom.h"

//  Parses spec expecting failure; returns the reason (static buffer).
static const char *s_refused(const char *spec)
{
    static char err[256];
    notify_receiver_t receiver;
    err[0] = 0;
    assert_int_equal(notify_receiver_parse(spec, &receiver, err, sizeof err), -1);
    return err;
}

static void test_channels_table(void **state)
{
    (void)state;
    assert_ptr_equal(notify_receiver_channel("webhook"), &notify_webhook_channel);
    assert_ptr_equal(notify_receiver_channel("email"), &notify_email_channel);
    assert_ptr_equal(notify_receiver_channel("dingtalk"), &notify_dingtalk_channel);
    assert_ptr_equal(notify_receiver_channel("wecom"), &notify_wecom_channel);
    assert_null(notify_receiver_channel("sms"));
}

static void test_parse_good(void **state)
{
    (void)state;
    notify_receiver_t receiver;
    char err[256];
    assert_int_equal(notify_receiver_parse("webhook:https://hooks.example.org/sti#s3cret",
                                           &receiver, err, sizeof err),
                     0);
    assert_ptr_equal(receiver.channel, &notify_webhook_channel);
    assert_string_equal(receiver.target, "https://hooks.example.org/sti");
    assert_string_equal(receiver.secret, "s3cret");
    char described[512];
    assert_string_equal(notify_receiver_describe(&receiver, described, sizeof described),
                        "webhook:https://hooks.example.org/sti#***");

    assert_int_equal(notify_receiver_parse("email:bureau.office+sti@kjj.linping.gov.cn", &receiver,
                                           err, sizeof err),
                     0);
    assert_ptr_equal(receiver.channel, &notify_email_channel);
    assert_string_equal(receiver.target, "bureau.office+sti@kjj.linping.gov.cn");
    assert_string_equal(receiver.secret, "");

    assert_int_equal(
        notify_receiver_parse("dingtalk:https://oapi.dingtalk.com/robot/send?access_token=abc#SECx",
                              &receiver, err, sizeof err),
        0);
    assert_string_equal(receiver.target, "https://oapi.dingtalk.com/robot/send?access_token=abc");
    assert_string_equal(receiver.secret, "SECx");

    assert_int_equal(
        notify_receiver_parse("wecom:https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k1",
                              &receiver, err, sizeof err),
        0);
    assert_ptr_equal(receiver.channel, &notify_wecom_channel);
    assert_int_equal(
        notify_receiver_parse("webhook:http://127.0.0.1:8080/x", &receiver, err, sizeof err), 0);
}

static void test_parse_bad(void **state)
{
    (void)state;
    assert_string_equal(s_refused("webhook:ftp://example.org/x"),
                        "webhook URL must start with http:// or https://");
    assert_string_equal(s_refused("dingtalk:example.org"),
                        "dingtalk URL must start with http:// or https://");
    assert_string_equal(s_refused("webhook:http:///path"), "webhook URL has no host");
    assert_string_equal(s_refused("webhook:http://:80/x"), "webhook URL has no host");
    assert_string_equal(s_refused("webhook:https://user@/x"), "webhook URL has no host");
    assert_string_equal(s_refused("webhook:http://[zz/x"), "webhook URL is not a valid URL");
    assert_string_equal(s_refused("webhook:http://exa mple.org/"),
                        "webhook URL may not hold spaces, control or non-ASCII characters");
    assert_string_equal(s_refused("webhook:"), "webhook receiver has no URL");
    assert_string_equal(s_refused("email:"), "email receiver has no address");
    assert_string_equal(s_refused("sms:123"),
                        "unknown receiver type 'sms' (webhook, email, dingtalk, wecom)");
    assert_string_equal(s_refused("https://example.org"),
                        "unknown receiver type 'https' (webhook, email, dingtalk, wecom)");
    assert_non_null(strstr(s_refused("nothing"), "receiver must be"));
    assert_string_equal(s_refused("webhook:https://example.org/#"), "secret after '#' is empty");
    assert_string_equal(s_refused("webhook:https://example.org/#a b"),
                        "secret may hold only printable ASCII without spaces");
    //  wecom and email take no secret: '#' is part of the target and refused there.
    assert_non_null(strstr(s_refused("email:a@example.org#x"), "after '@'"));
    char long_secret[NOTIFY_SECRET_MAX + 64] = "webhook:https://example.org/#";
    memset(long_secret + strlen(long_secret), 'k', NOTIFY_SECRET_MAX + 1);
    assert_string_equal(s_refused(long_secret), "secret is longer than 256 bytes");
    char long_url[NOTIFY_TARGET_MAX + 64] = "webhook:https://example.org/";
    memset(long_url + strlen(long_url), 'p', NOTIFY_TARGET_MAX);
    assert_string_equal(s_refused(long_url), "webhook target is longer than 2048 bytes");
}

static void test_addresses(void **state)
{
    (void)state;
    char err[256];
    const char *good[] = {"a@b.cn", "first.last@example.org", "x_y-z+tag@mail.example.co",
                          "o'brien@example.ie"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        assert_int_equal(notify_check_address(good[i], err, sizeof err), 0);
    }
    assert_string_equal(s_refused("email:bureau"),
                        "e-mail address needs an '@' (user@example.org)");
    assert_string_equal(s_refused("email:@example.org"),
                        "e-mail address needs a local part of 1-64 characters");
    assert_string_equal(s_refused("email:a..b@example.org"),
                        "e-mail address has a misplaced '.' before '@'");
    assert_string_equal(s_refused("email:.a@example.org"),
                        "e-mail address has a misplaced '.' before '@'");
    assert_string_equal(s_refused("email:a b@example.org"),
                        "e-mail address has a character not allowed before '@'");
    assert_string_equal(s_refused("email:a@"), "e-mail address has no domain after '@'");
    assert_string_equal(s_refused("email:a@localhost"),
                        "e-mail address domain needs a dot (user@example.org)");
    assert_string_equal(s_refused("email:a@-x.org"),
                        "e-mail address has a bad domain label after '@'");
    assert_string_equal(s_refused("email:a@x-.org"),
                        "e-mail address has a bad domain label after '@'");
    assert_string_equal(s_refused("email:a@x..org"),
                        "e-mail address has a bad domain label after '@'");
    assert_string_equal(s_refused("email:a@b@x.org"),
                        "e-mail address has a character not allowed after '@'");
    assert_string_equal(s_refused("email:a@x.org\r\nBcc: b@y.org"),
                        "e-mail address has a character not allowed after '@'");
    char local[96] = "email:";
    memset(local + 6, 'a', 65);
    strcat(local, "@example.org");
    assert_string_equal(s_refused(local), "e-mail address needs a local part of 1-64 characters");
}

static void test_list_numbers_the_bad_one(void **state)
{
    (void)state;
    const char *specs[] = {"email:ops@example.org", "webhook:htp://example.org"};
    notify_receiver_t receivers[2];
    char err[256];
    assert_int_equal(notify_receivers_parse(specs, 2, receivers, err, sizeof err), -1);
    assert_string_equal(err, "receiver 2: webhook URL must start with http:// or https://");
    specs[1] = "wecom:https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k";
    assert_int_equal(notify_receivers_parse(specs, 2, receivers, err, sizeof err), 0);
    assert_ptr_equal(receivers[1].channel, &notify_wecom_channel);
}

static void test_bad_delivery_id_is_final(void **state)
{
    (void)state;
    notify_receiver_t receiver;
    char err[256];
    assert_int_equal(
        notify_receiver_parse("webhook:http://127.0.0.1:9/x", &receiver, err, sizeof err), 0);
    notify_event_t event = {.indicator = "x"};
    notify_alert_t alert = {.rule_name = "r", .events = &event, .event_count = 1};
    notify_delivery_t delivery = {.id = "bad id\r\n", .receiver = &receiver, .alert = &alert};
    notify_channel_config_t config;
    notify_channel_config_defaults(&config);
    notify_result_t result;
    assert_int_equal(notify_deliver(&delivery, &config, &result), -1);
    assert_int_equal(result.outcome, NOTIFY_FINAL);
    assert_non_null(strstr(result.error, "delivery id"));
    delivery.id = "";
    assert_int_equal(notify_deliver(&delivery, &config, &result), -1);
    assert_int_equal(result.outcome, NOTIFY_FINAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_channels_table),
        cmocka_unit_test(test_parse_good),
        cmocka_unit_test(test_parse_bad),
        cmocka_unit_test(test_addresses),
        cmocka_unit_test(test_list_numbers_the_bad_one),
        cmocka_unit_test(test_bad_delivery_id_is_final),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
