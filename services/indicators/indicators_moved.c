/*  indicators_moved: when progress has moved, and its event. See the
    header.
*/
#include "indicators_moved.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <time.h>

void indicators_moved_years(const sti_catalog_t *catalog, int span, int *first, int *last)
{
    assert(catalog && first && last);
    const sti_plan_t *plan = sti_catalog_plan(catalog);
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    int this_year = tm.tm_year + 1900;
    *first = plan ? plan->start_year : 1;
    *last = plan ? (plan->end_year < this_year ? plan->end_year : this_year) : 0;
    if (*last - *first >= span) {
        *first = *last - span + 1;
    }
}

//  Whether two fractions differ by more than rounding (the same share of a
//  line computed over two targets may differ in its last bits).
static bool s_moved(double a, double b)
{
    return fabs(a - b) > 1e-9 * fmax(1.0, fmax(fabs(a), fabs(b)));
}

bool indicators_moved(const sti_progress_t *a, const sti_progress_t *b)
{
    assert(a && b);
    return a->status != b->status || a->has_completion != b->has_completion ||
           (a->has_completion && s_moved(a->completion, b->completion)) ||
           a->has_expected != b->has_expected ||
           (a->has_expected && s_moved(a->expected_completion, b->expected_completion));
}

static void s_write_opt(sti_writer_t *w, const char *key, bool has, double value)
{
    sti_writer_str(w, key);
    has ? sti_writer_double(w, value) : sti_writer_nil(w);
}

void indicators_moved_write(sti_writer_t *w, indicators_table_t *table,
                            const sti_catalog_t *catalog, const indicators_group_t *group, int year,
                            int latest, const sti_progress_t *before, const sti_progress_t *after,
                            const char *cause, const char *by)
{
    assert(w && table && catalog && group && before && after && cause && by);
    const sti_indicator_t *ind = group->indicator;
    const sti_indicator_t *now = sti_catalog_indicator_find(catalog, ind->code);
    const sti_org_unit_t *org = sti_catalog_org_find(catalog, group->org->code);
    const sti_target_t *target = now && org ? sti_catalog_final_target(catalog, now, org) : NULL;
    const indicators_value_t *value = latest >= 0 ? indicators_table_value_at(table, latest) : NULL;
    char year_text[16];
    snprintf(year_text, sizeof year_text, "%d", year);
    sti_writer_map(w, 15);
    sti_writer_kv_str(w, "indicator", ind->code);
    sti_writer_kv_str(w, "org", group->org->code);
    sti_writer_kv_str(w, "year", year_text);
    sti_writer_kv_str(w, "period", value ? value->period_text : NULL);
    s_write_opt(w, "value", value != NULL, value ? value->record.v : 0);
    sti_writer_kv_str(w, "unit", ind->unit);
    sti_writer_kv_str(w, "status_before", sti_status_name(before->status));
    sti_writer_kv_str(w, "status_after", sti_status_name(after->status));
    s_write_opt(w, "completion_before", before->has_completion, before->completion);
    s_write_opt(w, "completion", after->has_completion, after->completion);
    s_write_opt(w, "expected_completion", after->has_expected, after->expected_completion);
    s_write_opt(w, "target", target != NULL, target ? target->value : 0);
    sti_writer_str(w, "target_year");
    target ? sti_writer_int(w, target->year) : sti_writer_nil(w);
    sti_writer_kv_str(w, "cause", cause);
    sti_writer_kv_str(w, "by", by);
}
