/*  test_notify_webhook: the webhook channel against a real HTTP receiver on
    loopback (tests/helpers/webhook_sink.py): headers, body, signature, and
    the retry classes of every kind of failure. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include "notify_receiver.h"
#include "notify_webhook.h"
#include "notify_sinks.h"

#define S_SECRET "whsec-42"

static notify_sink_t s_sink; // the sink of the running test

static int s_teardown(void **state)
{
    (void)state;
    notify_sink_stop(&s_sink);
    return 0;
}

static notify_event_t s_event = {
    .event_id = "ind-7",
    .type = "indicator.changed",
    .indicator = "hitech_enterprises",
    .name_zh = "高新技术企业",
    .name_en = "High-tech enterprises",
    .org_unit = "linping",
    .period = "2023",
    .has_new_value = true,
    .new_value = 800,
    .unit = "家",
    .has_target = true,
    .target = 1000,
    .target_period = "2025",
    .status_before = "on_track",
    .status_after = "lagging",
};

static notify_alert_t s_alert = {.rule_id = "r-1",
                                 .rule_name = "hitech behind plan",
                                 .severity = "warning",
                                 .events = &s_event,
                                 .event_count = 1};

//  Starts a sink with flags, sends one delivery to it, returns the result.
static int s_send(notify_sink_t *sink, const char *const *flags, const char *secret,
                  int64_t timeout_ms, notify_result_t *result)
{
    assert_int_equal(notify_sink_start(sink, "webhook_sink.py", flags), 0);
    char spec[256];
    snprintf(spec, sizeof spec, "webhook:http://127.0.0.1:%d/hook%s%s", sink->port,
             secret ? "#" : "", secret ? secret : "");
    notify_receiver_t receiver;
    char err[256];
    assert_int_equal(notify_receiver_parse(spec, &receiver, err, sizeof err), 0);
    notify_channel_config_t config;
    notify_channel_config_defaults(&config);
    config.timeout_ms = timeout_ms;
    notify_delivery_t delivery = {.id = "dlv-0001", .receiver = &receiver, .alert = &s_alert};
    return notify_deliver(&delivery, &config, result);
}

static void test_delivered_with_headers_and_body(void **state)
{
    (void)state;
    notify_result_t result;
    assert_int_equal(s_send(&s_sink, NULL, NULL, 5000, &result), 0);
    assert_int_equal(result.outcome, NOTIFY_DELIVERED);
    assert_int_equal(result.status, 200);
    cJSON *records = notify_sink_records(&s_sink);
    assert_int_equal(cJSON_GetArraySize(records), 1);
    cJSON *record = cJSON_GetArrayItem(records, 0);
    assert_string_equal(notify_sink_string(record, NULL, "method"), "POST");
    assert_string_equal(notify_sink_string(record, NULL, "path"), "/hook");
    assert_string_equal(notify_sink_string(record, "headers", "content-type"), "application/json");
    assert_string_equal(notify_sink_string(record, "headers", "idempotency-key"), "dlv-0001");
    assert_null(notify_sink_string(record, "headers", "x-sti-signature"));
    cJSON *body = cJSON_Parse(notify_sink_string(record, NULL, "body"));
    assert_non_null(body);
    assert_string_equal(notify_sink_string(body, "rule", "id"), "r-1");
    assert_string_equal(notify_sink_string(body, "rule", "name"), "hitech behind plan");
    assert_string_equal(notify_sink_string(body, NULL, "severity"), "warning");
    assert_string_equal(notify_sink_string(body, "message", "zh"),
                        "【STI Monitor】高新技术企业 · linping · 2023: 800 家 (目标 2025: "
                        "1000 家), 状态 正常 → 滞后");
    assert_string_equal(notify_sink_string(body, "message", "en"),
                        "[STI Monitor] High-tech enterprises · linping · 2023: 800 家 (target "
                        "2025: 1000 家), status on_track → lagging");
    cJSON *event = cJSON_GetArrayItem(cJSON_GetObjectItem(body, "events"), 0);
    assert_string_equal(notify_sink_string(event, NULL, "id"), "ind-7");
    assert_true(cJSON_GetObjectItem(event, "new_value")->valuedouble == 800);
    cJSON_Delete(body);
    cJSON_Delete(records);
    notify_sink_stop(&s_sink);
    notify_sink_stop(&s_sink);
}

static void test_signature_verifies(void **state)
{
    (void)state;
    notify_result_t result;
    const char *flags[] = {"--webhook-secret", S_SECRET, NULL};
    assert_int_equal(s_send(&s_sink, flags, S_SECRET, 5000, &result), 0);
    cJSON *records = notify_sink_records(&s_sink);
    cJSON *record = cJSON_GetArrayItem(records, 0);
    const char *timestamp = notify_sink_string(record, "headers", "x-sti-timestamp");
    assert_non_null(timestamp);
    assert_true(llabs(atoll(timestamp) - (long long)time(NULL)) < 60);
    const char *signature = notify_sink_string(record, "headers", "x-sti-signature");
    assert_non_null(signature);
    assert_int_equal(strncmp(signature, "sha256=", 7), 0);
    assert_int_equal(strlen(signature), 7 + 64);
    //  Python's hmac in the sink agrees.
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(record, "signature_ok")));
    //  And the helper reproduces it over what the receiver got.
    char again[80];
    assert_int_equal(notify_webhook_sign(S_SECRET, timestamp,
                                         notify_sink_string(record, NULL, "body"), again,
                                         sizeof again),
                     0);
    assert_string_equal(again, signature);
    cJSON_Delete(records);
    notify_sink_stop(&s_sink);
}

static void test_wrong_secret_does_not_verify(void **state)
{
    (void)state;
    notify_result_t result;
    const char *flags[] = {"--webhook-secret", "other", NULL};
    assert_int_equal(s_send(&s_sink, flags, S_SECRET, 5000, &result), 0);
    cJSON *records = notify_sink_records(&s_sink);
    assert_true(cJSON_IsFalse(cJSON_GetObjectItem(cJSON_GetArrayItem(records, 0), "signature_ok")));
    cJSON_Delete(records);
    notify_sink_stop(&s_sink);
}

static void test_503_is_retryable_and_key_is_stable(void **state)
{
    (void)state;
    notify_result_t result;
    const char *flags[] = {"--fail-first", "3", NULL};
    assert_int_equal(s_send(&s_sink, flags, NULL, 5000, &result), -1);
    assert_int_equal(result.outcome, NOTIFY_RETRYABLE);
    assert_int_equal(result.status, 503);
    assert_non_null(strstr(result.error, "HTTP 503"));
    assert_int_equal(result.retry_after_s, -1);
    //  The same delivery again, as a retry would send it: 503, 503, then 200.
    char spec[128];
    snprintf(spec, sizeof spec, "webhook:http://127.0.0.1:%d/hook", s_sink.port);
    notify_receiver_t receiver;
    char err[256];
    assert_int_equal(notify_receiver_parse(spec, &receiver, err, sizeof err), 0);
    notify_channel_config_t config;
    notify_channel_config_defaults(&config);
    notify_delivery_t delivery = {.id = "dlv-0001", .receiver = &receiver, .alert = &s_alert};
    assert_int_equal(notify_deliver(&delivery, &config, &result), -1);
    assert_int_equal(notify_deliver(&delivery, &config, &result), -1);
    assert_int_equal(notify_deliver(&delivery, &config, &result), 0);
    assert_int_equal(result.outcome, NOTIFY_DELIVERED);
    cJSON *records = notify_sink_records(&s_sink);
    assert_int_equal(cJSON_GetArraySize(records), 4);
    cJSON *record;
    cJSON_ArrayForEach(record, records)
    {
        assert_string_equal(notify_sink_string(record, "headers", "idempotency-key"), "dlv-0001");
    }
    cJSON_Delete(records);
    notify_sink_stop(&s_sink);
}

static void test_400_is_final(void **state)
{
    (void)state;
    notify_result_t result;
    const char *flags[] = {"--status", "400", NULL};
    assert_int_equal(s_send(&s_sink, flags, NULL, 5000, &result), -1);
    assert_int_equal(result.outcome, NOTIFY_FINAL);
    assert_int_equal(result.status, 400);
    assert_non_null(strstr(result.error, "HTTP 400"));
    notify_sink_stop(&s_sink);
}

static void test_429_is_retryable_with_retry_after(void **state)
{
    (void)state;
    notify_result_t result;
    const char *flags[] = {"--status", "429", "--retry-after", "17", NULL};
    assert_int_equal(s_send(&s_sink, flags, NULL, 5000, &result), -1);
    assert_int_equal(result.outcome, NOTIFY_RETRYABLE);
    assert_int_equal(result.status, 429);
    assert_int_equal(result.retry_after_s, 17);
    notify_sink_stop(&s_sink);
}

static void test_retry_after_is_bounded(void **state)
{
    (void)state;
    notify_result_t result;
    const char *flags[] = {"--status", "503", "--retry-after", "99999999", NULL};
    assert_int_equal(s_send(&s_sink, flags, NULL, 5000, &result), -1);
    assert_int_equal(result.outcome, NOTIFY_RETRYABLE);
    assert_int_equal(result.retry_after_s, 86400);
}

static void test_redirect_is_final(void **state)
{
    (void)state;
    notify_result_t result;
    const char *flags[] = {"--status", "302", NULL};
    assert_int_equal(s_send(&s_sink, flags, NULL, 5000, &result), -1);
    assert_int_equal(result.outcome, NOTIFY_FINAL);
    notify_sink_stop(&s_sink);
}

static void test_connection_refused_is_retryable(void **state)
{
    (void)state;
    char spec[128];
    snprintf(spec, sizeof spec, "webhook:http://127.0.0.1:%d/hook", notify_sink_closed_port());
    notify_receiver_t receiver;
    char err[256];
    assert_int_equal(notify_receiver_parse(spec, &receiver, err, sizeof err), 0);
    notify_channel_config_t config;
    notify_channel_config_defaults(&config);
    notify_delivery_t delivery = {.id = "dlv-2", .receiver = &receiver, .alert = &s_alert};
    notify_result_t result;
    assert_int_equal(notify_deliver(&delivery, &config, &result), -1);
    assert_int_equal(result.outcome, NOTIFY_RETRYABLE);
    assert_int_equal(result.status, 0);
    assert_non_null(strstr(result.error, "connect"));
}

static void test_dns_failure_is_retryable(void **state)
{
    (void)state;
    notify_receiver_t receiver;
    char err[256];
    //  .invalid never resolves (RFC 6761).
    assert_int_equal(
        notify_receiver_parse("webhook:http://sti-notify.invalid/hook", &receiver, err, sizeof err),
        0);
    notify_channel_config_t config;
    notify_channel_config_defaults(&config);
    config.timeout_ms = 5000;
    notify_delivery_t delivery = {.id = "dlv-3", .receiver = &receiver, .alert = &s_alert};
    notify_result_t result;
    assert_int_equal(notify_deliver(&delivery, &config, &result), -1);
    assert_int_equal(result.outcome, NOTIFY_RETRYABLE);
}

static void test_time_out_is_retryable(void **state)
{
    (void)state;
    notify_result_t result;
    const char *flags[] = {"--hang", NULL};
    int64_t started = zclock_mono();
    assert_int_equal(s_send(&s_sink, flags, NULL, 500, &result), -1);
    int64_t took = zclock_mono() - started;
    assert_int_equal(result.outcome, NOTIFY_RETRYABLE);
    assert_non_null(strstr(result.error, "Timeout was reached"));
    assert_true(took < 5000);
    //  The request did arrive: the receiver just never answered.
    cJSON *records = notify_sink_records(&s_sink);
    assert_int_equal(cJSON_GetArraySize(records), 1);
    cJSON_Delete(records);
    notify_sink_stop(&s_sink);
}

int main(void)
{
    //  Loopback sinks are reached directly, whatever the environment's proxy.
    unsetenv("http_proxy");
    unsetenv("HTTP_PROXY");
    unsetenv("all_proxy");
    unsetenv("ALL_PROXY");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_delivered_with_headers_and_body, s_teardown),
        cmocka_unit_test_teardown(test_signature_verifies, s_teardown),
        cmocka_unit_test_teardown(test_wrong_secret_does_not_verify, s_teardown),
        cmocka_unit_test_teardown(test_503_is_retryable_and_key_is_stable, s_teardown),
        cmocka_unit_test_teardown(test_400_is_final, s_teardown),
        cmocka_unit_test_teardown(test_429_is_retryable_with_retry_after, s_teardown),
        cmocka_unit_test_teardown(test_retry_after_is_bounded, s_teardown),
        cmocka_unit_test_teardown(test_redirect_is_final, s_teardown),
        cmocka_unit_test_teardown(test_connection_refused_is_retryable, s_teardown),
        cmocka_unit_test_teardown(test_dns_failure_is_retryable, s_teardown),
        cmocka_unit_test_teardown(test_time_out_is_retryable, s_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
