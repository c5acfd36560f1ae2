/*  notify_alert: one event as an alert tells it, kept with the delivery.

    When an event matches a rule, what the message needs is taken from the
    event's data and the catalog (names, the plan's final target) at that
    moment and kept as a small MessagePack map in the delivery (or in the
    alert group), so a delivery sent an hour later says what was true when
    the event came, and the sender needs no catalog:

      {id, type, indicator, name_zh, name_en, org, org_name_zh, org_name_en,
       period, old, new, unit, target, target_year, status_before,
       status_after, category, lang, reason}

    A progress.changed event (a target or the plan changed progress, no
    value changed) is kept with period = the year of the progress, new =
    the latest value it is measured at. An indicator.forecast_changed event
    is kept with period = the plan's end year, new = the value projected
    there, the statuses = the forecast's classes, and names that say it is
    a forecast (预测 / Forecast). lang is the rule's language.

    Absent values are left out of the map.
*/
#pragma once
#include <stdbool.h>

#include "notify_message.h"
#include "sti_catalog.h"
#include "sti_codec.h"
#include "sti_events.h"

//  One event of an alert. A plain value.
typedef struct {
    char id[STI_EVENTS_FIELD_MAX + 1];   // CloudEvents id, "ind-42"
    char type[STI_EVENTS_FIELD_MAX + 1]; // "indicator.changed", "indicator.stale", "talent.left"
    char indicator[64];                  // indicator code ("" for talent events)
    char name_zh[STI_NAME_MAX];          // what the Chinese line calls it
    char name_en[STI_NAME_MAX];          // what the English line calls it
    char org[64];                        // org unit ("" when none)
    char org_name_zh[STI_NAME_MAX];      // its Chinese name ("" when not known)
    char org_name_en[STI_NAME_MAX];      // its English name ("" when not known)
    char period[80];                     // the value's period, a talent's registry id, or a
                                         // project's code (<code>#<milestone> when late)
    bool has_old;                        // whether old holds the value before
    double old;                          // value before
    bool has_new;                        // whether new holds the value now
    double new_value;                    // value now
    char unit[32];                       // unit of the values
    bool has_target;                     // whether target holds the plan's target
    double target;                       // the plan's target
    char target_year[16];                // the target's year
    char status_before[32];              // progress status (a forecast's class) before
    char status_after[32];               // progress status (a forecast's class) now
    char category[64];                   // talent category or project kind ("" for indicators)
    char lang[8];                        // the rule's language: zh, en or zh,en ("": zh,en)
    char reason[256];                    // why a value was withdrawn ("" else)
} notify_alert_event_t;

//  Reads an indicator.changed, progress.changed, org.changed, talent.* or
//  project.* event into out, adding names and the target from catalog (may
//  be NULL). Returns 0, or -1 with a reason
//  when the data is not what the type promises.
int notify_alert_event_from(const sti_event_t *event, const sti_catalog_t *catalog,
                            notify_alert_event_t *out, char *err, size_t errlen);

//  Writes the map. Never fails.
void notify_alert_event_write(const notify_alert_event_t *event, sti_writer_t *writer);

//  Reads a map written by notify_alert_event_write. Returns 0, or -1.
int notify_alert_event_read(sti_node_t map, notify_alert_event_t *out);

//  The view notify_message wants (strings borrowed from event).
void notify_alert_event_view(const notify_alert_event_t *event, notify_event_t *view);
