/*  notify_message: the bilingual text of an alert and its webhook JSON.

    Texts are built with open_memstream and cut to NOTIFY_MESSAGE_MAX bytes
    on a character boundary. Strings that come from events (names, org
    units, statuses) are written with their control characters replaced by
    spaces, so an event cannot add lines of its own to a message.
*/
#include "notify_message.h"
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sti_progress.h"

#define S_PREFIX_ZH "【STI Monitor】"
#define S_PREFIX_EN "[STI Monitor] "

char *notify_format_number(double value, char *out, size_t outlen)
{
    if (!isfinite(value)) {
        snprintf(out, outlen, "n/a");
        return out;
    }
    if (value == 0) {
        value = 0; // no "-0"
    }
    //  Two decimals (three significant digits for small values), then the
    //  trailing zeros go.
    if (fabs(value) >= 1) {
        snprintf(out, outlen, "%.2f", value);
    } else {
        snprintf(out, outlen, "%.3g", value);
    }
    if (strchr(out, '.') && !strchr(out, 'e')) {
        char *end = out + strlen(out) - 1;
        while (*end == '0') {
            *end-- = 0;
        }
        if (*end == '.') {
            *end = 0;
        }
    }
    if (strcmp(out, "-0") == 0) {
        snprintf(out, outlen, "0");
    }
    return out;
}

//  Writes text with control characters as spaces.
static void s_put_clean(FILE *out, const char *text)
{
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        fputc(*p < 0x20 || *p == 0x7f ? ' ' : *p, out);
    }
}

//  Writes "name · org · period" (what is known of it). Returns how many parts.
static int s_put_title(FILE *out, const notify_event_t *event, notify_lang_t lang)
{
    const char *name = lang == NOTIFY_LANG_ZH ? event->name_zh : event->name_en;
    const char *org = lang == NOTIFY_LANG_ZH ? event->org_name_zh : event->org_name_en;
    if (!org) {
        org = event->org_name_zh ? event->org_name_zh : event->org_unit;
    }
    const char *parts[3] = {name ? name : event->indicator, org, event->period};
    int written = 0;
    for (int i = 0; i < 3; i++) {
        if (parts[i] && *parts[i]) {
            fputs(written ? " · " : "", out);
            s_put_clean(out, parts[i]);
            written++;
        }
    }
    return written;
}

//  Writes " 家" for the unit of the language, or nothing.
static void s_put_unit(FILE *out, const notify_event_t *event, notify_lang_t lang)
{
    const char *unit = lang == NOTIFY_LANG_EN && event->unit_en ? event->unit_en : event->unit;
    if (unit && *unit) {
        fputc(' ', out);
        s_put_clean(out, unit);
    }
}

//  Writes "500 家 → 已撤回 (reason)": a value withdrawn. Returns 1.
static int s_put_withdrawn(FILE *out, const notify_event_t *event, notify_lang_t lang)
{
    char number[64];
    fputs(notify_format_number(event->old_value, number, sizeof number), out);
    s_put_unit(out, event, lang);
    fputs(lang == NOTIFY_LANG_ZH ? " → 已撤回" : " → withdrawn", out);
    if (event->reason && *event->reason) {
        fputs(lang == NOTIFY_LANG_ZH ? " (原因: " : " (reason: ", out);
        s_put_clean(out, event->reason);
        fputc(')', out);
    }
    return 1;
}

//  Writes "750 → 800 家 (目标 2025: 1000 家)". Returns 1 if it wrote anything.
static int s_put_value(FILE *out, const notify_event_t *event, notify_lang_t lang)
{
    char number[64];
    if (!event->has_new_value) {
        return event->has_old_value ? s_put_withdrawn(out, event, lang) : 0;
    }
    if (event->has_old_value && event->old_value != event->new_value) {
        fprintf(out, "%s → ", notify_format_number(event->old_value, number, sizeof number));
    }
    fputs(notify_format_number(event->new_value, number, sizeof number), out);
    s_put_unit(out, event, lang);
    if (event->has_target) {
        fputs(lang == NOTIFY_LANG_ZH ? " (目标" : " (target", out);
        if (event->target_period && *event->target_period) {
            fputc(' ', out);
            s_put_clean(out, event->target_period);
        }
        fprintf(out, ": %s", notify_format_number(event->target, number, sizeof number));
        s_put_unit(out, event, lang);
        fputc(')', out);
    }
    return 1;
}

//  Writes ", 状态 on_track → lagging" (or without the comma when first).
static void s_put_status(FILE *out, const notify_event_t *event, notify_lang_t lang, int first)
{
    if (!event->status_after || !*event->status_after) {
        return;
    }
    fputs(first ? "" : ", ", out);
    fputs(lang == NOTIFY_LANG_ZH ? "状态 " : "status ", out);
    if (event->status_before && *event->status_before &&
        strcmp(event->status_before, event->status_after) != 0) {
        s_put_clean(out, notify_status_word(event->status_before, lang));
        fputs(" → ", out);
    }
    s_put_clean(out, notify_status_word(event->status_after, lang));
}

const char *notify_status_word(const char *status, notify_lang_t lang)
{
    return lang == NOTIFY_LANG_ZH ? sti_status_zh(status) : status;
}

static void s_put_line(FILE *out, const notify_event_t *event, notify_lang_t lang)
{
    int titled = s_put_title(out, event, lang);
    bool has_status = event->status_after && *event->status_after;
    //  A reason of its own (an org unit retired), not a withdrawn value's.
    bool reason_only =
        !event->has_new_value && !event->has_old_value && event->reason && *event->reason;
    if (titled && (event->has_new_value || event->has_old_value || has_status || reason_only)) {
        fputs(": ", out);
    }
    if (reason_only) {
        fputs(lang == NOTIFY_LANG_ZH ? "原因: " : "reason: ", out);
        s_put_clean(out, event->reason);
    }
    int wrote = s_put_value(out, event, lang) || reason_only;
    s_put_status(out, event, lang, !wrote);
}

//  Closes the stream and cuts its text to the maximum. Returns the text or NULL.
static char *s_finish(FILE *out, char **text)
{
    if (fclose(out) != 0) {
        free(*text);
        return NULL;
    }
    return notify_utf8_truncate(*text, NOTIFY_MESSAGE_MAX);
}

char *notify_message_line(const notify_event_t *event, notify_lang_t lang)
{
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    if (!out) {
        return NULL;
    }
    fputs(lang == NOTIFY_LANG_ZH ? S_PREFIX_ZH : S_PREFIX_EN, out);
    s_put_line(out, event, lang);
    return s_finish(out, &text);
}

static void s_put_lang(FILE *out, const notify_alert_t *alert, notify_lang_t lang)
{
    fputs(lang == NOTIFY_LANG_ZH ? S_PREFIX_ZH : S_PREFIX_EN, out);
    if (alert->event_count == 1) {
        s_put_line(out, &alert->events[0], lang);
        return;
    }
    if (lang == NOTIFY_LANG_ZH) {
        fprintf(out, "%zu 项变化:", alert->event_count);
    } else {
        fprintf(out, "%zu changes:", alert->event_count);
    }
    for (size_t i = 0; i < alert->event_count; i++) {
        fputs("\n- ", out);
        s_put_line(out, &alert->events[i], lang);
    }
}

char *notify_message_lang(const notify_alert_t *alert, notify_lang_t lang)
{
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    if (!out) {
        return NULL;
    }
    s_put_lang(out, alert, lang);
    return s_finish(out, &text);
}

char *notify_message_text(const notify_alert_t *alert)
{
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    if (!out) {
        return NULL;
    }
    bool zh = !alert->lang || strcmp(alert->lang, "en") != 0;
    bool en = !alert->lang || strcmp(alert->lang, "zh") != 0;
    if (zh) {
        s_put_lang(out, alert, NOTIFY_LANG_ZH);
        fputc('\n', out);
    }
    if (en) {
        s_put_lang(out, alert, NOTIFY_LANG_EN);
        fputc('\n', out);
    }
    fputs(zh && en ? "规则 / rule: " : zh ? "规则: " : "rule: ", out);
    s_put_clean(out, alert->rule_name ? alert->rule_name : "?");
    if (alert->severity && *alert->severity) {
        fputs(zh && en ? " · 级别 / severity: " : zh ? " · 级别: " : " · severity: ", out);
        s_put_clean(out, alert->severity);
    }
    return s_finish(out, &text);
}

char *notify_message_subject(const notify_alert_t *alert)
{
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    if (!out) {
        return NULL;
    }
    notify_lang_t lang =
        alert->lang && strcmp(alert->lang, "en") == 0 ? NOTIFY_LANG_EN : NOTIFY_LANG_ZH;
    fputs(lang == NOTIFY_LANG_ZH ? S_PREFIX_ZH : S_PREFIX_EN, out);
    s_put_clean(out, alert->rule_name ? alert->rule_name : "?");
    if (alert->event_count > 0) {
        fputs(": ", out);
        s_put_title(out, &alert->events[0], lang);
    }
    if (alert->event_count > 1) {
        fprintf(out, " (+%zu)", alert->event_count - 1);
    }
    if (fclose(out) != 0) {
        free(text);
        return NULL;
    }
    return notify_utf8_truncate(text, 900); // a subject stays short
}

//  Adds name: text when text is known. Returns false when out of memory.
static bool s_add_string(cJSON *object, const char *name, const char *text)
{
    return !text || cJSON_AddStringToObject(object, name, text) != NULL;
}

static bool s_add_number(cJSON *object, const char *name, bool has, double value)
{
    return !has || cJSON_AddNumberToObject(object, name, value) != NULL;
}

static cJSON *s_event_json(const notify_event_t *event)
{
    cJSON *object = cJSON_CreateObject();
    bool ok = object && s_add_string(object, "id", event->event_id) &&
              s_add_string(object, "type", event->type) &&
              s_add_string(object, "indicator", event->indicator) &&
              s_add_string(object, "name_zh", event->name_zh) &&
              s_add_string(object, "name_en", event->name_en) &&
              s_add_string(object, "org_unit", event->org_unit) &&
              s_add_string(object, "org_name_zh", event->org_name_zh) &&
              s_add_string(object, "org_name_en", event->org_name_en) &&
              s_add_string(object, "period", event->period) &&
              s_add_number(object, "old_value", event->has_old_value, event->old_value) &&
              s_add_number(object, "new_value", event->has_new_value, event->new_value) &&
              s_add_string(object, "unit", event->unit) &&
              s_add_number(object, "target", event->has_target, event->target) &&
              s_add_string(object, "target_period", event->target_period) &&
              s_add_string(object, "status_before", event->status_before) &&
              s_add_string(object, "status_after", event->status_after) &&
              s_add_string(object, "reason", event->reason);
    if (!ok) {
        cJSON_Delete(object);
        return NULL;
    }
    return object;
}

//  Adds {"zh","en","text"} under "message". Returns false when out of memory.
static bool s_add_texts(cJSON *root, const notify_alert_t *alert)
{
    cJSON *message = cJSON_AddObjectToObject(root, "message");
    char *zh = notify_message_lang(alert, NOTIFY_LANG_ZH);
    char *en = notify_message_lang(alert, NOTIFY_LANG_EN);
    char *text = notify_message_text(alert);
    bool ok = message && zh && en && text && s_add_string(message, "zh", zh) &&
              s_add_string(message, "en", en) && s_add_string(message, "text", text);
    free(zh);
    free(en);
    free(text);
    return ok;
}

char *notify_message_json(const notify_alert_t *alert, const char *delivery_id)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *rule = root ? cJSON_AddObjectToObject(root, "rule") : NULL;
    cJSON *events = NULL;
    bool ok = rule && s_add_string(root, "delivery_id", delivery_id) &&
              s_add_string(rule, "id", alert->rule_id) &&
              s_add_string(rule, "name", alert->rule_name) &&
              s_add_string(root, "severity", alert->severity) && s_add_texts(root, alert) &&
              (events = cJSON_AddArrayToObject(root, "events")) != NULL;
    for (size_t i = 0; ok && i < alert->event_count; i++) {
        cJSON *event = s_event_json(&alert->events[i]);
        ok = event && cJSON_AddItemToArray(events, event);
        if (event && !ok) {
            cJSON_Delete(event);
        }
    }
    char *body = ok ? cJSON_PrintUnformatted(root) : NULL;
    cJSON_Delete(root);
    return body;
}

char *notify_utf8_truncate(char *text, size_t max)
{
    static const char ellipsis[] = "…"; // 3 bytes
    if (!text || strlen(text) <= max || max < sizeof ellipsis) {
        return text;
    }
    size_t cut = max - (sizeof ellipsis - 1);
    //  Step back over continuation bytes to the start of a character.
    while (cut > 0 && ((unsigned char)text[cut] & 0xC0) == 0x80) {
        cut--;
    }
    memcpy(text + cut, ellipsis, sizeof ellipsis);
    return text;
}
