/*  test_notify_message: the bilingual alert text and the webhook JSON. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "notify_message.h"

static notify_event_t s_hitech(void)
{
    notify_event_t event = {
        .event_id = "ind-42",
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
    return event;
}

static void test_numbers(void **state)
{
    (void)state;
    char out[64];
    assert_string_equal(notify_format_number(1000, out, sizeof out), "1000");
    assert_string_equal(notify_format_number(12.5, out, sizeof out), "12.5");
    assert_string_equal(notify_format_number(0.1 + 0.2, out, sizeof out), "0.3");
    assert_string_equal(notify_format_number(-0.25, out, sizeof out), "-0.25");
    assert_string_equal(notify_format_number(-0.0, out, sizeof out), "0");
    assert_string_equal(notify_format_number(2500000, out, sizeof out), "2500000");
    assert_string_equal(notify_format_number(NAN, out, sizeof out), "n/a");
    assert_string_equal(notify_format_number(INFINITY, out, sizeof out), "n/a");
    //  Rounded: two decimals, three significant digits below 1.
    assert_string_equal(notify_format_number(1234.5678, out, sizeof out), "1234.57");
    assert_string_equal(notify_format_number(26.920000000000002, out, sizeof out), "26.92");
    assert_string_equal(notify_format_number(0.0012345, out, sizeof out), "0.00123");
    assert_string_equal(notify_format_number(-0.001, out, sizeof out), "-0.001");
    assert_string_equal(notify_format_number(99.999, out, sizeof out), "100");
}

//  Org units by name, statuses in the line's language, and the rule's language.
static void test_names_and_languages(void **state)
{
    (void)state;
    notify_event_t event = s_hitech();
    event.org_name_zh = "临平区";
    event.org_name_en = "Linping District";
    event.status_before = "at_risk";
    event.status_after = "on_track";
    event.new_value = 812.3456;
    char *zh = notify_message_line(&event, NOTIFY_LANG_ZH);
    char *en = notify_message_line(&event, NOTIFY_LANG_EN);
    assert_string_equal(zh, "【STI Monitor】高新技术企业 · 临平区 · 2023: 812.35 家 (目标 2025: "
                            "1000 家), 状态 有风险 → 正常");
    assert_string_equal(en, "[STI Monitor] High-tech enterprises · Linping District · 2023: "
                            "812.35 家 (target 2025: 1000 家), status at_risk → on_track");
    free(zh);
    free(en);
    event.org_name_en = NULL; // no English name: the Chinese one
    en = notify_message_line(&event, NOTIFY_LANG_EN);
    assert_non_null(strstr(en, "High-tech enterprises · 临平区 · 2023"));
    free(en);
    notify_alert_t alert = {
        .rule_name = "r", .severity = "info", .events = &event, .event_count = 1, .lang = "zh"};
    char *text = notify_message_text(&alert);
    assert_null(strstr(text, "[STI Monitor]"));
    assert_non_null(strstr(text, "状态 有风险 → 正常"));
    assert_non_null(strstr(text, "规则: r · 级别: info"));
    free(text);
    alert.lang = "en";
    text = notify_message_text(&alert);
    assert_null(strstr(text, "【STI Monitor】"));
    assert_non_null(strstr(text, "rule: r · severity: info"));
    free(text);
    char *subject = notify_message_subject(&alert);
    assert_string_equal(subject, "[STI Monitor] r: High-tech enterprises · 临平区 · 2023");
    free(subject);
    assert_string_equal(notify_status_word("achieved", NOTIFY_LANG_ZH), "已完成");
    assert_string_equal(notify_status_word("no_data", NOTIFY_LANG_ZH), "无数据");
    assert_string_equal(notify_status_word("achieved", NOTIFY_LANG_EN), "achieved");
    //  A withdrawn value: what it was, and why.
    notify_event_t gone = s_hitech();
    gone.has_new_value = false;
    gone.has_old_value = true;
    gone.old_value = 500;
    gone.has_target = false;
    gone.reason = "重复计数";
    gone.org_name_zh = "东湖街道";
    zh = notify_message_line(&gone, NOTIFY_LANG_ZH);
    assert_string_equal(zh, "【STI Monitor】高新技术企业 · 东湖街道 · 2023: 500 家 → 已撤回 (原因: "
                            "重复计数), 状态 正常 → 滞后");
    free(zh);
}

static void test_line_both_languages(void **state)
{
    (void)state;
    notify_event_t event = s_hitech();
    char *zh = notify_message_line(&event, NOTIFY_LANG_ZH);
    char *en = notify_message_line(&event, NOTIFY_LANG_EN);
    assert_string_equal(zh, "【STI Monitor】高新技术企业 · linping · 2023: 800 家 (目标 2025: "
                            "1000 家), 状态 正常 → 滞后");
    assert_string_equal(en, "[STI Monitor] High-tech enterprises · linping · 2023: 800 家 "
                            "(target 2025: 1000 家), status on_track → lagging");
    free(zh);
    free(en);
}

static void test_line_from_what_to_what(void **state)
{
    (void)state;
    notify_event_t event = s_hitech();
    event.has_old_value = true;
    event.old_value = 750.5;
    event.unit_en = "firms";
    event.status_before = NULL;
    event.has_target = false;
    char *zh = notify_message_line(&event, NOTIFY_LANG_ZH);
    char *en = notify_message_line(&event, NOTIFY_LANG_EN);
    assert_string_equal(zh,
                        "【STI Monitor】高新技术企业 · linping · 2023: 750.5 → 800 家, 状态 滞后");
    assert_string_equal(en, "[STI Monitor] High-tech enterprises · linping · 2023: 750.5 → 800 "
                            "firms, status lagging");
    free(zh);
    free(en);
}

static void test_line_sparse_and_clean(void **state)
{
    (void)state;
    //  No value, no names: the code stands in, and control characters go.
    notify_event_t event = {.indicator = "rd\nspend", .status_after = "achieved"};
    char *en = notify_message_line(&event, NOTIFY_LANG_EN);
    assert_string_equal(en, "[STI Monitor] rd spend: status achieved");
    free(en);
    notify_event_t bare = {.indicator = "x", .has_new_value = true, .new_value = 3};
    char *zh = notify_message_line(&bare, NOTIFY_LANG_ZH);
    assert_string_equal(zh, "【STI Monitor】x: 3");
    free(zh);
}

static void test_text_single(void **state)
{
    (void)state;
    notify_event_t event = s_hitech();
    notify_alert_t alert = {.rule_id = "r1",
                            .rule_name = "hitech behind plan",
                            .severity = "warning",
                            .events = &event,
                            .event_count = 1};
    char *text = notify_message_text(&alert);
    assert_string_equal(
        text, "【STI Monitor】高新技术企业 · linping · 2023: 800 家 (目标 2025: 1000 家), "
              "状态 正常 → 滞后\n"
              "[STI Monitor] High-tech enterprises · linping · 2023: 800 家 (target "
              "2025: 1000 家), status on_track → lagging\n"
              "规则 / rule: hitech behind plan · 级别 / severity: warning");
    free(text);
    char *subject = notify_message_subject(&alert);
    assert_string_equal(subject,
                        "【STI Monitor】hitech behind plan: 高新技术企业 · linping · 2023");
    free(subject);
}

static void test_text_grouped(void **state)
{
    (void)state;
    notify_event_t events[2] = {s_hitech(), s_hitech()};
    events[1].org_unit = "yuhang";
    events[1].new_value = 1200;
    events[1].status_before = "lagging";
    events[1].status_after = "achieved";
    notify_alert_t alert = {.rule_id = "r1",
                            .rule_name = "hitech",
                            .severity = "info",
                            .events = events,
                            .event_count = 2};
    char *zh = notify_message_lang(&alert, NOTIFY_LANG_ZH);
    assert_string_equal(zh, "【STI Monitor】2 项变化:\n"
                            "- 高新技术企业 · linping · 2023: 800 家 (目标 2025: 1000 家), 状态 "
                            "正常 → 滞后\n"
                            "- 高新技术企业 · yuhang · 2023: 1200 家 (目标 2025: 1000 家), 状态 "
                            "滞后 → 已完成");
    free(zh);
    char *en = notify_message_lang(&alert, NOTIFY_LANG_EN);
    assert_non_null(strstr(en, "[STI Monitor] 2 changes:\n- High-tech enterprises · linping"));
    free(en);
    char *subject = notify_message_subject(&alert);
    assert_string_equal(subject, "【STI Monitor】hitech: 高新技术企业 · linping · 2023 (+1)");
    free(subject);
}

static void test_json(void **state)
{
    (void)state;
    notify_event_t event = s_hitech();
    notify_alert_t alert = {.rule_id = "r7",
                            .rule_name = "hitech",
                            .severity = "critical",
                            .events = &event,
                            .event_count = 1};
    char *body = notify_message_json(&alert, "d-1");
    cJSON *root = cJSON_Parse(body);
    assert_non_null(root);
    assert_string_equal(cJSON_GetObjectItem(root, "delivery_id")->valuestring, "d-1");
    assert_string_equal(cJSON_GetObjectItem(root, "severity")->valuestring, "critical");
    cJSON *rule = cJSON_GetObjectItem(root, "rule");
    assert_string_equal(cJSON_GetObjectItem(rule, "id")->valuestring, "r7");
    assert_string_equal(cJSON_GetObjectItem(rule, "name")->valuestring, "hitech");
    cJSON *message = cJSON_GetObjectItem(root, "message");
    assert_non_null(strstr(cJSON_GetObjectItem(message, "zh")->valuestring, "目标 2025"));
    assert_non_null(strstr(cJSON_GetObjectItem(message, "en")->valuestring, "target 2025"));
    cJSON *events = cJSON_GetObjectItem(root, "events");
    assert_int_equal(cJSON_GetArraySize(events), 1);
    cJSON *first = cJSON_GetArrayItem(events, 0);
    assert_string_equal(cJSON_GetObjectItem(first, "indicator")->valuestring, "hitech_enterprises");
    assert_true(cJSON_GetObjectItem(first, "new_value")->valuedouble == 800);
    assert_true(cJSON_GetObjectItem(first, "target")->valuedouble == 1000);
    assert_null(cJSON_GetObjectItem(first, "old_value"));
    assert_string_equal(cJSON_GetObjectItem(first, "status_after")->valuestring, "lagging");
    cJSON_Delete(root);
    free(body);
}

static void test_truncate(void **state)
{
    (void)state;
    char text[] = "ab高新"; // 2 + 3 + 3 bytes
    //  7 bytes: "ab" + "…" fits; "高" (3 more) would not with the ellipsis.
    assert_string_equal(notify_utf8_truncate(text, 7), "ab…");
    char fits[] = "abc";
    assert_string_equal(notify_utf8_truncate(fits, 3), "abc");
    char cut[] = "高新技术企业";
    assert_string_equal(notify_utf8_truncate(cut, 9), "高新…");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_line_both_languages),
        cmocka_unit_test(test_names_and_languages),
        cmocka_unit_test(test_line_from_what_to_what),
        cmocka_unit_test(test_line_sparse_and_clean),
        cmocka_unit_test(test_text_single),
        cmocka_unit_test(test_text_grouped),
        cmocka_unit_test(test_json),
        cmocka_unit_test(test_truncate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
