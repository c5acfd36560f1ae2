/*  test_notify_robots: the DingTalk and WeCom robot channels against a real
    HTTP receiver on loopback (tests/helpers/webhook_sink.py), which checks
    DingTalk's sign with Python's hmac and answers errcodes like the robots. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include "notify_message.h"
#include "notify_dingtalk.h"
#include "notify_receiver.h"
#include "notify_sinks.h"

#define S_SECRET "SECabc123"

static notify_sink_t s_sink; // the sink of the running test

static int s_teardown(void **state)
{
    (void)state;
    notify_sink_stop(&s_sink);
    return 0;
}

static notify_event_t s_event = {
    .indicator = "hitech_enterprises",
    .name_zh = "高新技术企业",
    .name_en = "High-tech enterprises",
    .org_unit = "linping",
    .period = "2023",
    .has_new_value = true,
    .new_value = 800,
    .unit = "家",
    .status_before = "on_track",
    .status_after = "lagging",
};

static notify_alert_t s_alert = {.rule_id = "r-3",
                                 .rule_name = "behind plan",
                                 .severity = "warning",
                                 .events = &s_event,
                                 .event_count = 1};

//  Starts the sink with flags and sends one delivery to "<channel>:<url><suffix>".
static int s_send(const char *channel, const char *suffix, const char *const *flags,
                  notify_result_t *result)
{
    assert_int_equal(notify_sink_start(&s_sink, "webhook_sink.py", flags), 0);
    char spec[256];
    snprintf(spec, sizeof spec, "%s:http://127.0.0.1:%d/robot/send%s", channel, s_sink.port,
             suffix);
    notify_receiver_t receiver;
    char err[256];
    assert_int_equal(notify_receiver_parse(spec, &receiver, err, sizeof err), 0);
    notify_channel_config_t config;
    notify_channel_config_defaults(&config);
    notify_delivery_t delivery = {.id = "dlv-r", .receiver = &receiver, .alert = &s_alert};
    return notify_deliver(&delivery, &config, result);
}

//  The text content of the one recorded request's body. Caller frees.
static char *s_content(const char *msgtype)
{
    cJSON *records = notify_sink_records(&s_sink);
    assert_int_equal(cJSON_GetArraySize(records), 1);
    cJSON *body = cJSON_Parse(notify_sink_string(cJSON_GetArrayItem(records, 0), NULL, "body"));
    assert_non_null(body);
    assert_string_equal(notify_sink_string(body, NULL, "msgtype"), msgtype);
    char *content = strdup(notify_sink_string(body, "text", "content"));
    cJSON_Delete(body);
    cJSON_Delete(records);
    return content;
}

static void test_dingtalk_sign_known_vector(void **state)
{
    (void)state;
    //  Computed with Python: quote_plus(b64encode(hmac.new(b"SECabc123",
    //  b"1700000000000\nSECabc123", sha256).digest())).
    char sign[96];
    assert_int_equal(notify_dingtalk_sign(S_SECRET, 1700000000000LL, sign, sizeof sign), 0);
    assert_string_equal(sign, "N5P09a4%2Bp1AMJIJWnIvQd2Yxw9%2Bfu%2FoEBnPrjCcsLXk%3D");
    char small[16];
    assert_int_equal(notify_dingtalk_sign(S_SECRET, 1700000000000LL, small, sizeof small), -1);
}

static void test_dingtalk_signed_delivery(void **state)
{
    (void)state;
    const char *flags[] = {"--errcode", "0", "--dingtalk-secret", S_SECRET, NULL};
    notify_result_t result;
    assert_int_equal(s_send("dingtalk", "?access_token=tok#" S_SECRET, flags, &result), 0);
    assert_int_equal(result.outcome, NOTIFY_DELIVERED);
    cJSON *records = notify_sink_records(&s_sink);
    cJSON *record = cJSON_GetArrayItem(records, 0);
    assert_string_equal(notify_sink_string(record, "query", "access_token"), "tok");
    const char *timestamp = notify_sink_string(record, "query", "timestamp");
    assert_non_null(timestamp);
    assert_true(llabs(atoll(timestamp) / 1000 - (long long)time(NULL)) < 60);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(record, "sign_ok")));
    cJSON_Delete(records);
    char *content = s_content("text");
    char *text = notify_message_text(&s_alert);
    assert_string_equal(content, text);
    free(text);
    free(content);
}

static void test_dingtalk_wrong_secret_is_final(void **state)
{
    (void)state;
    //  The robot answers 310000 (sign not match): a configuration error.
    const char *flags[] = {"--errcode", "0", "--dingtalk-secret", "SECother", NULL};
    notify_result_t result;
    assert_int_equal(s_send("dingtalk", "?access_token=tok#" S_SECRET, flags, &result), -1);
    assert_int_equal(result.outcome, NOTIFY_FINAL);
    assert_non_null(strstr(result.error, "310000"));
}

static void test_dingtalk_unsigned_has_no_sign(void **state)
{
    (void)state;
    const char *flags[] = {"--errcode", "0", NULL};
    notify_result_t result;
    assert_int_equal(s_send("dingtalk", "", flags, &result), 0);
    cJSON *records = notify_sink_records(&s_sink);
    assert_null(notify_sink_string(cJSON_GetArrayItem(records, 0), "query", "sign"));
    cJSON_Delete(records);
}

static void test_dingtalk_rate_limit_is_retryable(void **state)
{
    (void)state;
    const char *flags[] = {"--errcode", "130101", NULL};
    notify_result_t result;
    assert_int_equal(s_send("dingtalk", "", flags, &result), -1);
    assert_int_equal(result.outcome, NOTIFY_RETRYABLE);
    assert_non_null(strstr(result.error, "130101"));
}

static void test_dingtalk_http_failure_is_retryable(void **state)
{
    (void)state;
    const char *flags[] = {"--status", "502", NULL};
    notify_result_t result;
    assert_int_equal(s_send("dingtalk", "", flags, &result), -1);
    assert_int_equal(result.outcome, NOTIFY_RETRYABLE);
    assert_int_equal(result.status, 502);
}

static void test_robot_answer_without_errcode_is_final(void **state)
{
    (void)state;
    //  A 200 without errcode may have been posted: retrying could show it twice.
    notify_result_t result;
    assert_int_equal(s_send("dingtalk", "", NULL, &result), -1);
    assert_int_equal(result.outcome, NOTIFY_FINAL);
    assert_non_null(strstr(result.error, "without errcode"));
}

static void test_wecom_body(void **state)
{
    (void)state;
    const char *flags[] = {"--errcode", "0", NULL};
    notify_result_t result;
    assert_int_equal(s_send("wecom", "?key=k-1", flags, &result), 0);
    assert_int_equal(result.outcome, NOTIFY_DELIVERED);
    cJSON *records = notify_sink_records(&s_sink);
    cJSON *record = cJSON_GetArrayItem(records, 0);
    assert_string_equal(notify_sink_string(record, "query", "key"), "k-1");
    assert_null(notify_sink_string(record, "query", "sign"));
    assert_string_equal(notify_sink_string(record, "headers", "content-type"), "application/json");
    cJSON_Delete(records);
    char *content = s_content("text");
    assert_non_null(strstr(content, "【STI Monitor】高新技术企业 · linping · 2023: 800 家, 状态 "
                                    "正常 → 滞后\n[STI Monitor] High-tech enterprises"));
    assert_non_null(strstr(content, "规则 / rule: behind plan"));
    free(content);
}

static void test_wecom_long_text_is_cut(void **state)
{
    (void)state;
    notify_event_t events[40];
    for (size_t i = 0; i < 40; i++) {
        events[i] = s_event;
    }
    notify_alert_t alert = s_alert;
    alert.events = events;
    alert.event_count = 40;
    assert_int_equal(
        notify_sink_start(&s_sink, "webhook_sink.py", (const char *[]){"--errcode", "0", NULL}), 0);
    char spec[128];
    snprintf(spec, sizeof spec, "wecom:http://127.0.0.1:%d/send?key=k", s_sink.port);
    notify_receiver_t receiver;
    char err[256];
    assert_int_equal(notify_receiver_parse(spec, &receiver, err, sizeof err), 0);
    notify_channel_config_t config;
    notify_channel_config_defaults(&config);
    notify_delivery_t delivery = {.id = "dlv-long", .receiver = &receiver, .alert = &alert};
    notify_result_t result;
    assert_int_equal(notify_deliver(&delivery, &config, &result), 0);
    char *content = s_content("text");
    assert_true(strlen(content) <= 2048);
    assert_true(strlen(content) > 2000);
    assert_string_equal(content + strlen(content) - 3, "…");
    free(content);
}

static void test_wecom_errcodes(void **state)
{
    (void)state;
    notify_result_t result;
    assert_int_equal(
        s_send("wecom", "?key=k", (const char *[]){"--errcode", "45009", NULL}, &result), -1);
    assert_int_equal(result.outcome, NOTIFY_RETRYABLE);
    notify_sink_stop(&s_sink);
    assert_int_equal(
        s_send("wecom", "?key=k", (const char *[]){"--errcode", "93000", NULL}, &result), -1);
    assert_int_equal(result.outcome, NOTIFY_FINAL);
    assert_non_null(strstr(result.error, "robot errcode 93000"));
}

static void test_wecom_takes_no_secret(void **state)
{
    (void)state;
    notify_receiver_t receiver;
    char err[256];
    assert_int_equal(
        notify_receiver_parse("wecom:https://example.org/send?key=k#s", &receiver, err, sizeof err),
        -1);
    assert_string_equal(err, "wecom URL takes no #SECRET (the robot's key is in the URL)");
}

int main(void)
{
    unsetenv("http_proxy");
    unsetenv("HTTP_PROXY");
    unsetenv("all_proxy");
    unsetenv("ALL_PROXY");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dingtalk_sign_known_vector),
        cmocka_unit_test_teardown(test_dingtalk_signed_delivery, s_teardown),
        cmocka_unit_test_teardown(test_dingtalk_wrong_secret_is_final, s_teardown),
        cmocka_unit_test_teardown(test_dingtalk_unsigned_has_no_sign, s_teardown),
        cmocka_unit_test_teardown(test_dingtalk_rate_limit_is_retryable, s_teardown),
        cmocka_unit_test_teardown(test_dingtalk_http_failure_is_retryable, s_teardown),
        cmocka_unit_test_teardown(test_robot_answer_without_errcode_is_final, s_teardown),
        cmocka_unit_test_teardown(test_wecom_body, s_teardown),
        cmocka_unit_test_teardown(test_wecom_long_text_is_cut, s_teardown),
        cmocka_unit_test_teardown(test_wecom_errcodes, s_teardown),
        cmocka_unit_test(test_wecom_takes_no_secret),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
