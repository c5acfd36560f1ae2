/*  test_notify_email: the e-mail channel against a real SMTP server on
    loopback (tests/helpers/smtp_sink.py), which decodes what arrives with
    Python's email package: subject and body in UTF-8, headers, AUTH, and
    the retry classes of SMTP replies. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include "notify_message.h"
#include "notify_receiver.h"
#include "notify_sinks.h"

static notify_sink_t s_sink; // the sink of the running test

static int s_teardown(void **state)
{
    (void)state;
    notify_sink_stop(&s_sink);
    return 0;
}

static notify_event_t s_events[2] = {
    {
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
    },
    {
        .indicator = "rd_intensity",
        .name_zh = "研究与试验发展经费投入强度",
        .name_en = "R&D intensity",
        .org_unit = "linping",
        .period = "2023",
        .has_old_value = true,
        .old_value = 3.1,
        .has_new_value = true,
        .new_value = 3.25,
        .unit = "%",
        .status_after = "achieved",
    },
};

static notify_alert_t s_alert = {.rule_id = "r-9",
                                 .rule_name = "科技局周报 weekly",
                                 .severity = "info",
                                 .events = s_events,
                                 .event_count = 2};

//  Sends one delivery to an SMTP sink on port, as user (NULL for none),
//  verifying the server's certificate or not.
static int s_send_tls(int port, const char *user, const char *password, bool tls_verify,
                      notify_result_t *result)
{
    char url[64];
    snprintf(url, sizeof url, "smtp://127.0.0.1:%d", port);
    notify_receiver_t receiver;
    char err[256];
    assert_int_equal(
        notify_receiver_parse("email:bureau@kjj.example.cn", &receiver, err, sizeof err), 0);
    notify_channel_config_t config;
    notify_channel_config_defaults(&config);
    config.smtp_url = url;
    config.smtp_from = "sti-monitor@example.org";
    config.smtp_user = user;
    config.smtp_password = password;
    config.tls_verify = tls_verify;
    notify_delivery_t delivery = {.id = "dlv-mail-1", .receiver = &receiver, .alert = &s_alert};
    return notify_deliver(&delivery, &config, result);
}

static int s_send(int port, const char *user, const char *password, notify_result_t *result)
{
    return s_send_tls(port, user, password, true, result);
}

//  Compares texts ignoring CR (the body is sent with CRLF line ends).
static void s_assert_text(const char *got, const char *expected)
{
    char *clean = strdup(got);
    size_t n = 0;
    for (const char *p = got; *p; p++) {
        if (*p != '\r') {
            clean[n++] = *p;
        }
    }
    clean[n] = 0;
    //  Python's get_content() ends a text part with a newline.
    if (n > 0 && clean[n - 1] == '\n') {
        clean[n - 1] = 0;
    }
    assert_string_equal(clean, expected);
    free(clean);
}

static void test_mail_received_in_utf8(void **state)
{
    (void)state;
    assert_int_equal(notify_sink_start(&s_sink, "smtp_sink.py", NULL), 0);
    notify_result_t result;
    assert_int_equal(s_send(s_sink.port, NULL, NULL, &result), 0);
    assert_int_equal(result.outcome, NOTIFY_DELIVERED);
    assert_int_equal(result.status, 250);
    cJSON *records = notify_sink_records(&s_sink);
    assert_int_equal(cJSON_GetArraySize(records), 1);
    cJSON *mail = cJSON_GetArrayItem(records, 0);
    assert_string_equal(notify_sink_string(mail, NULL, "mail_from"), "<sti-monitor@example.org>");
    assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(mail, "rcpt_to"), 0)->valuestring,
                        "<bureau@kjj.example.cn>");
    char *subject = notify_message_subject(&s_alert);
    assert_string_equal(subject,
                        "【STI Monitor】科技局周报 weekly: 高新技术企业 · linping · 2023 (+1)");
    assert_string_equal(notify_sink_string(mail, NULL, "subject"), subject);
    free(subject);
    char *text = notify_message_text(&s_alert);
    s_assert_text(notify_sink_string(mail, NULL, "body"), text);
    assert_non_null(strstr(text, "研究与试验发展经费投入强度 · linping · 2023: 3.1 → 3.25 %"));
    free(text);
    assert_string_equal(notify_sink_string(mail, NULL, "content_type"), "text/plain");
    assert_string_equal(notify_sink_string(mail, NULL, "charset"), "utf-8");
    assert_string_equal(notify_sink_string(mail, NULL, "message_id"), "<dlv-mail-1@example.org>");
    assert_true(strlen(notify_sink_string(mail, NULL, "date")) > 20);
    //  No raw line longer than SMTP's 998.
    const char *data = notify_sink_string(mail, NULL, "data");
    for (const char *line = data; line && *line;) {
        const char *end = strstr(line, "\r\n");
        size_t length = end ? (size_t)(end - line) : strlen(line);
        assert_true(length <= 998);
        line = end ? end + 2 : NULL;
    }
    cJSON_Delete(records);
    notify_sink_stop(&s_sink);
}

static void test_authentication(void **state)
{
    (void)state;
    const char *flags[] = {"--user", "sti", "--password", "pa55", NULL};
    assert_int_equal(notify_sink_start(&s_sink, "smtp_sink.py", flags), 0);
    notify_result_t result;
    //  No credentials: the server wants AUTH before MAIL (530), final.
    assert_int_equal(s_send(s_sink.port, NULL, NULL, &result), -1);
    assert_int_equal(result.outcome, NOTIFY_FINAL);
    assert_int_equal(result.status, 530);
    //  Wrong password: refused, final.
    assert_int_equal(s_send(s_sink.port, "sti", "wrong", &result), -1);
    assert_int_equal(result.outcome, NOTIFY_FINAL);
    assert_int_equal(s_send(s_sink.port, "sti", "pa55", &result), 0);
    cJSON *records = notify_sink_records(&s_sink);
    assert_int_equal(cJSON_GetArraySize(records), 1);
    assert_string_equal(notify_sink_string(cJSON_GetArrayItem(records, 0), NULL, "auth_user"),
                        "sti");
    cJSON_Delete(records);
    notify_sink_stop(&s_sink);
}

static void test_reply_classes(void **state)
{
    (void)state;
    const char *permanent[] = {"--rcpt-reply", "550 no such mailbox", NULL};
    assert_int_equal(notify_sink_start(&s_sink, "smtp_sink.py", permanent), 0);
    notify_result_t result;
    assert_int_equal(s_send(s_sink.port, NULL, NULL, &result), -1);
    assert_int_equal(result.outcome, NOTIFY_FINAL);
    assert_int_equal(result.status, 550);
    notify_sink_stop(&s_sink);

    const char *transient[] = {"--rcpt-reply", "451 try again later", NULL};
    assert_int_equal(notify_sink_start(&s_sink, "smtp_sink.py", transient), 0);
    assert_int_equal(s_send(s_sink.port, NULL, NULL, &result), -1);
    assert_int_equal(result.outcome, NOTIFY_RETRYABLE);
    assert_int_equal(result.status, 451);
    notify_sink_stop(&s_sink);

    assert_int_equal(s_send(notify_sink_closed_port(), NULL, NULL, &result), -1);
    assert_int_equal(result.outcome, NOTIFY_RETRYABLE);
}

static void test_starttls_when_offered(void **state)
{
    (void)state;
    const char *flags[] = {"--starttls", "--user", "sti", "--password", "pa55", NULL};
    assert_int_equal(notify_sink_start(&s_sink, "smtp_sink.py", flags), 0);
    notify_result_t result;
    //  The throw-away certificate is not trusted: final, nothing sent in the clear.
    assert_int_equal(s_send_tls(s_sink.port, "sti", "pa55", true, &result), -1);
    assert_int_equal(result.outcome, NOTIFY_FINAL);
    assert_non_null(strstr(result.error, "certificate"));
    //  Not verifying it, the mail goes over TLS, AUTH included.
    assert_int_equal(s_send_tls(s_sink.port, "sti", "pa55", false, &result), 0);
    cJSON *records = notify_sink_records(&s_sink);
    assert_int_equal(cJSON_GetArraySize(records), 1);
    cJSON *mail = cJSON_GetArrayItem(records, 0);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(mail, "tls")));
    assert_string_equal(notify_sink_string(mail, NULL, "auth_user"), "sti");
    cJSON_Delete(records);
}

static void test_plain_when_tls_not_offered(void **state)
{
    (void)state;
    assert_int_equal(notify_sink_start(&s_sink, "smtp_sink.py", NULL), 0);
    notify_result_t result;
    assert_int_equal(s_send(s_sink.port, NULL, NULL, &result), 0);
    cJSON *records = notify_sink_records(&s_sink);
    assert_true(cJSON_IsFalse(cJSON_GetObjectItem(cJSON_GetArrayItem(records, 0), "tls")));
    cJSON_Delete(records);
}

static void test_missing_configuration_is_final(void **state)
{
    (void)state;
    notify_receiver_t receiver;
    char err[256];
    assert_int_equal(notify_receiver_parse("email:a@example.org", &receiver, err, sizeof err), 0);
    notify_channel_config_t config;
    notify_channel_config_defaults(&config);
    notify_delivery_t delivery = {.id = "d", .receiver = &receiver, .alert = &s_alert};
    notify_result_t result;
    assert_int_equal(notify_deliver(&delivery, &config, &result), -1);
    assert_int_equal(result.outcome, NOTIFY_FINAL);
    assert_non_null(strstr(result.error, "smtp_url"));
    config.smtp_url = "smtp://127.0.0.1:1";
    config.smtp_from = "not an address";
    assert_int_equal(notify_deliver(&delivery, &config, &result), -1);
    assert_int_equal(result.outcome, NOTIFY_FINAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_mail_received_in_utf8, s_teardown),
        cmocka_unit_test_teardown(test_authentication, s_teardown),
        cmocka_unit_test_teardown(test_reply_classes, s_teardown),
        cmocka_unit_test_teardown(test_starttls_when_offered, s_teardown),
        cmocka_unit_test_teardown(test_plain_when_tls_not_offered, s_teardown),
        cmocka_unit_test_teardown(test_missing_configuration_is_final, s_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
