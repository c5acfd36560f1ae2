/*  test_notify_alert: events read as alerts keep them, hostile data
    included, and the stored form reads back the same. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "notify_alert.h"

//  An event of type on topic with data as written by fill (NULL: no data).
static sti_event_t s_event(const char *type, const char *topic, void (*fill)(sti_writer_t *))
{
    sti_event_t event;
    memset(&event, 0, sizeof event);
    event.seq = 7;
    event.type = (char *)type;
    event.topic = (char *)topic;
    event.id = (char *)"ind-7";
    if (fill) {
        sti_writer_t *w = sti_writer_new();
        fill(w);
        size_t size;
        const void *data = sti_writer_data(w, &size);
        event.data = malloc(size);
        memcpy(event.data, data, size);
        event.data_size = size;
        sti_writer_destroy(&w);
    }
    return event;
}

static void s_good(sti_writer_t *w)
{
    sti_writer_map(w, 7);
    sti_writer_kv_str(w, "indicator", "hitech_enterprises");
    sti_writer_kv_str(w, "org", "linping");
    sti_writer_kv_str(w, "period", "2023");
    sti_writer_str(w, "old");
    sti_writer_nil(w);
    sti_writer_kv_int(w, "new", 800);
    sti_writer_kv_str(w, "status_after", "lagging");
    sti_writer_kv_int(w, "target_year", 2025);
}

static void s_wrong_types(sti_writer_t *w)
{
    sti_writer_map(w, 5);
    sti_writer_kv_str(w, "indicator", "hitech_enterprises");
    sti_writer_kv_str(w, "org", "linping");
    sti_writer_kv_str(w, "new", "eight hundred"); // not a number: left out
    sti_writer_kv_int(w, "period", 2023);         // an integer period reads as text
    sti_writer_str(w, "status_after");
    sti_writer_array(w, 0); // not a string: left out
}

static void s_no_org(sti_writer_t *w)
{
    sti_writer_map(w, 1);
    sti_writer_kv_str(w, "indicator", "hitech_enterprises");
}

static void s_not_map(sti_writer_t *w)
{
    sti_writer_array(w, 1);
    sti_writer_int(w, 1);
}

static void s_long_org(sti_writer_t *w)
{
    char org[300];
    memset(org, 'x', sizeof org - 1);
    org[sizeof org - 1] = 0;
    sti_writer_map(w, 2);
    sti_writer_kv_str(w, "indicator", "hitech_enterprises");
    sti_writer_kv_str(w, "org", org); // too long: left out, so refused
}

static void s_talent(sti_writer_t *w)
{
    sti_writer_map(w, 2);
    sti_writer_kv_str(w, "id", "T-0002");
    sti_writer_kv_str(w, "status", "active");
}

static void test_indicator(void **state)
{
    (void)state;
    char err[256];
    notify_alert_event_t alert, back;
    sti_event_t event = s_event("indicator.changed", "ind.hitech_enterprises.linping", s_good);
    assert_int_equal(notify_alert_event_from(&event, NULL, &alert, err, sizeof err), 0);
    assert_false(alert.has_old);
    assert_true(alert.has_new && alert.new_value == 800);
    assert_string_equal(alert.target_year, "2025");
    sti_writer_t *w = sti_writer_new();
    notify_alert_event_write(&alert, w);
    size_t size;
    const void *data = sti_writer_data(w, &size);
    sti_reader_t *reader = sti_reader_new(data, size, NULL, err, sizeof err);
    assert_int_equal(notify_alert_event_read(sti_reader_root(reader), &back), 0);
    assert_memory_equal(&alert, &back, sizeof alert);
    notify_event_t view;
    notify_alert_event_view(&back, &view);
    assert_null(view.unit);
    assert_string_equal(view.status_after, "lagging");
    sti_reader_destroy(&reader);
    sti_writer_destroy(&w);
    free(event.data);
}

static void test_hostile(void **state)
{
    (void)state;
    char err[256];
    notify_alert_event_t alert;
    sti_event_t event = s_event("indicator.changed", "ind.x", s_wrong_types);
    assert_int_equal(notify_alert_event_from(&event, NULL, &alert, err, sizeof err), 0);
    assert_false(alert.has_new);
    assert_string_equal(alert.period, "2023");
    assert_string_equal(alert.status_after, "");
    free(event.data);
    void (*refused[])(sti_writer_t *) = {s_no_org, s_not_map, s_long_org, NULL};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        event = s_event("indicator.changed", "ind.x", refused[i]);
        assert_int_equal(notify_alert_event_from(&event, NULL, &alert, err, sizeof err), -1);
        free(event.data);
    }
    event = s_event("indicator.changed", "ind.x", NULL);
    event.data = (void *)"\xc1"; // never valid MessagePack
    event.data_size = 1;
    assert_int_equal(notify_alert_event_from(&event, NULL, &alert, err, sizeof err), -1);
}

static void test_talent(void **state)
{
    (void)state;
    char err[256];
    notify_alert_event_t alert;
    sti_event_t event = s_event("talent.registered", "tal.top", s_talent);
    assert_int_equal(notify_alert_event_from(&event, NULL, &alert, err, sizeof err), 0);
    assert_string_equal(alert.category, "top");
    assert_string_equal(alert.period, "T-0002");
    assert_string_equal(alert.name_zh, "人才登记");
    free(event.data);
    event = s_event("talent.something", "tal.national", NULL);
    assert_int_equal(notify_alert_event_from(&event, NULL, &alert, err, sizeof err), 0);
    assert_string_equal(alert.name_en, "Talent event talent.something");
    assert_string_equal(alert.category, "national");
}

//  The data of a project.milestone_late event, as sti-projects writes it
//  (a made-up project).
static void s_late(sti_writer_t *w)
{
    sti_writer_map(w, 11);
    sti_writer_kv_str(w, "code", "INC-01");
    sti_writer_kv_str(w, "name_zh", "示例孵化器");
    sti_writer_kv_str(w, "name_en", "Sample incubator");
    sti_writer_kv_str(w, "kind", "incubator");
    sti_writer_kv_str(w, "programme", "innovation_space");
    sti_writer_kv_str(w, "level", "national");
    sti_writer_kv_str(w, "org", "linping");
    sti_writer_kv_str(w, "status", "in_progress");
    sti_writer_kv_int(w, "milestone", 2);
    sti_writer_kv_str(w, "due", "2022-06-30");
    sti_writer_kv_str(w, "description", "完成选址");
}

static void s_status(sti_writer_t *w)
{
    sti_writer_map(w, 4);
    sti_writer_kv_str(w, "code", "INC-01");
    sti_writer_kv_str(w, "kind", "incubator");
    sti_writer_kv_str(w, "status_before", "planned");
    sti_writer_kv_str(w, "status_after", "in_progress");
}

static void test_project(void **state)
{
    (void)state;
    char err[256];
    notify_alert_event_t alert;
    sti_event_t event = s_event("project.milestone_late", "prj.incubator.INC-01", s_late);
    event.subject = (char *)"INC-01#2";
    assert_int_equal(notify_alert_event_from(&event, NULL, &alert, err, sizeof err), 0);
    assert_string_equal(alert.category, "incubator");
    assert_string_equal(alert.org, "linping");
    assert_string_equal(alert.period, "INC-01#2");
    assert_string_equal(alert.name_zh, "项目里程碑逾期：示例孵化器 — 完成选址（截止 2022-06-30）");
    assert_string_equal(alert.name_en,
                        "Project milestone late: Sample incubator — 完成选址 (due 2022-06-30)");
    free(event.data);
    event = s_event("project.status_changed", "prj.incubator.INC-01", s_status);
    event.subject = (char *)"INC-01";
    assert_int_equal(notify_alert_event_from(&event, NULL, &alert, err, sizeof err), 0);
    assert_string_equal(alert.name_en, "Project status changed: INC-01");
    assert_string_equal(alert.status_before, "planned");
    assert_string_equal(alert.status_after, "in_progress");
    free(event.data);
    event = s_event("project.status_changed", "prj.incubator.INC-01", NULL);
    assert_int_equal(notify_alert_event_from(&event, NULL, &alert, err, sizeof err), -1);
    assert_string_equal(err, "a project event needs data");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_indicator),
        cmocka_unit_test(test_hostile),
        cmocka_unit_test(test_talent),
        cmocka_unit_test(test_project),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
