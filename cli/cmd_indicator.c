/*  stictl indicator: the plan's indicators (catalog.list, catalog.get) and
    one indicator's series with every revision (series.get), from
    sti.indicators.

    `indicator show` asks for the definition first, so an unknown code is
    reported as such (exit 4) before any series is asked for; without --org
    the series is the root org unit's, found with org.list (which also
    names the unit in the text output). Tables size
    their columns by display width, so Chinese names and units line up.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sti_catalog.h"
#include "stictl.h"

const char stictl_indicator_usage[] =
    "usage: stictl indicator list [--json]\n"
    "       stictl indicator show CODE [--org ORG] [--period P | --period P1..P2]\n"
    "                                  [--limit N] [--latest] [--json]\n"
    "\n"
    "list: the plan's header, then every indicator: code, unit, kind, direction,\n"
    "its targets, and its name. --json prints the service's catalog.list reply.\n"
    "show: the definition of indicator CODE (names, unit, direction, kind,\n"
    "aggregation, formula, baseline with the plan's sentence, targets, tags),\n"
    "then its series at org unit ORG (default: the root, the district), one\n"
    "line per period with its current value, and under it the older revisions\n"
    "(value, origin, time, source, submitter). --period keeps the periods within P\n"
    "(2023: the year, its quarters and months; 2023Q2; 2023-05) or from P1 to P2\n"
    "(2021..2023); --limit N the newest N periods of those; --latest only each\n"
    "period's current value, not its older revisions. --json prints\n"
    "{\"indicator\": {...}, \"series\": {\"indicator\", \"org\", \"unit\", \"points\": [...]}}.\n"
    "Exit 4 when there is no indicator CODE or no org unit ORG.\n";

//  The targets of an indicator as "2025: 1000, 2023: 800" (or "-").
static const char *s_targets(sti_node_t indicator, char *buf, size_t cap)
{
    sti_node_t targets = sti_node_get(indicator, "targets");
    size_t used = 0;
    snprintf(buf, cap, "-");
    for (size_t i = 0; i < sti_node_size(targets) && used < cap; i++) {
        char year[32], value[64];
        stictl_map_text(sti_node_at(targets, i), "year", year, sizeof year);
        stictl_map_text(sti_node_at(targets, i), "value", value, sizeof value);
        int n = snprintf(buf + used, cap - used, "%s%s: %s", i ? ", " : "", year, value);
        used += n > 0 ? (size_t)n : 0;
    }
    return buf;
}

//  Prints a catalog.list reply: the plan's header, then one line per indicator.
static void s_print_list(sti_node_t body)
{
    sti_node_t plan = sti_node_get(body, "plan");
    char code[STI_CODE_MAX], name[STI_NAME_MAX], start[16], end[16], base[16], version[32];
    printf("plan %s %s (%s-%s, baseline %s), catalog version %s\n",
           stictl_map_text(plan, "code", code, sizeof code),
           stictl_map_text(plan, "name_zh", name, sizeof name),
           stictl_map_text(plan, "start_year", start, sizeof start),
           stictl_map_text(plan, "end_year", end, sizeof end),
           stictl_map_text(plan, "baseline_year", base, sizeof base),
           stictl_map_text(body, "version", version, sizeof version));
    static const char *const keys[] = {"code", "unit", "kind", "direction", NULL};
    static const char *const heads[] = {"CODE", "UNIT", "KIND", "DIRECTION", "TARGETS"};
    sti_node_t list = sti_node_get(body, "indicators");
    size_t count = sti_node_size(list), width[5];
    char cell[512];
    for (int k = 0; k < 5; k++) {
        width[k] = strlen(heads[k]);
        for (size_t i = 0; i < count; i++) {
            sti_node_t indicator = sti_node_at(list, i);
            size_t w =
                stictl_text_width(keys[k] ? stictl_map_text(indicator, keys[k], cell, sizeof cell)
                                          : s_targets(indicator, cell, sizeof cell));
            width[k] = w > width[k] ? w : width[k];
        }
    }
    for (int k = 0; k < 5; k++) {
        stictl_print_padded(stdout, heads[k], width[k] + 2);
    }
    puts("NAME");
    for (size_t i = 0; i < count; i++) {
        sti_node_t indicator = sti_node_at(list, i);
        for (int k = 0; k < 5; k++) {
            stictl_print_padded(stdout,
                                keys[k] ? stictl_map_text(indicator, keys[k], cell, sizeof cell)
                                        : s_targets(indicator, cell, sizeof cell),
                                width[k] + 2);
        }
        printf("%s / %s\n", stictl_map_text(indicator, "name_zh", cell, sizeof cell),
               stictl_map_text(indicator, "name_en", name, sizeof name));
    }
}

//  `indicator list`. Returns an exit code.
static int s_list(stictl_t *ctl, int argc, char **argv)
{
    if (argc > 2) {
        return stictl_usage_error(argv[0], "list takes no arguments ('%s')", argv[2]);
    }
    sti_writer_t *request = stictl_request("catalog.list", NULL, 0);
    sti_writer_map(request, 0);
    sti_reply_t reply;
    int rc = stictl_call_ok(ctl, "sti.indicators", &request, &reply);
    if (rc) {
        return rc;
    }
    if (sti_node_type(sti_node_get(reply.body, "indicators")) != STI_TYPE_ARRAY) {
        fprintf(stderr, "stictl indicator: sti.indicators answered without an indicators array\n");
        rc = STICTL_FAILED;
    } else if (ctl->json) {
        cJSON *json = stictl_json_from_node(reply.body);
        stictl_json_print(&json);
    } else {
        s_print_list(reply.body);
    }
    sti_reply_release(&reply);
    return rc;
}

//  Prints one labelled line of the definition.
static void s_line(const char *label, const char *text)
{
    printf("  %-12s %s\n", label, text);
}

//  Prints a catalog.get reply, one labelled line per field (missing ones as "-").
static void s_print_definition(sti_node_t indicator)
{
    char a[STI_TEXT_MAX], b[STI_TEXT_MAX], c[64];
    printf("%s  %s / %s\n", stictl_map_text(indicator, "code", c, sizeof c),
           stictl_map_text(indicator, "name_zh", a, sizeof a),
           stictl_map_text(indicator, "name_en", b, sizeof b));
    s_line("unit", stictl_map_text(indicator, "unit", a, sizeof a));
    s_line("category", stictl_map_text(indicator, "category", a, sizeof a));
    s_line("direction", stictl_map_text(indicator, "direction", a, sizeof a));
    s_line("kind", stictl_map_text(indicator, "kind", a, sizeof a));
    s_line("aggregation", stictl_map_text(indicator, "aggregation", a, sizeof a));
    if (sti_node_type(sti_node_get(indicator, "formula")) == STI_TYPE_STR) {
        s_line("formula", stictl_map_text(indicator, "formula", a, sizeof a));
    }
    sti_node_t baseline = sti_node_get(indicator, "baseline");
    if (sti_node_type(baseline) == STI_TYPE_MAP) {
        char value[64], period[32];
        snprintf(a, sizeof a, "%s (%s): %s",
                 stictl_map_text(baseline, "value", value, sizeof value),
                 stictl_map_text(baseline, "period", period, sizeof period),
                 stictl_map_text(baseline, "source_line", b, sizeof b));
        s_line("baseline", a);
    } else {
        s_line("baseline", "-");
    }
    s_line("targets", s_targets(indicator, a, sizeof a));
    sti_node_t tags = sti_node_get(indicator, "tags");
    size_t used = 0;
    snprintf(a, sizeof a, "-");
    for (size_t i = 0; i < sti_node_size(tags) && used < sizeof a; i++) {
        int n = snprintf(a + used, sizeof a - used, "%s%s", i ? ", " : "",
                         stictl_node_text(sti_node_at(tags, i), c, sizeof c));
        used += n > 0 ? (size_t)n : 0;
    }
    s_line("tags", a);
}

//  Prints the value, origin, time (local), source and submitter of a point
//  or revision, and a withdrawal's reason.
static void s_print_revision(sti_node_t node)
{
    char value[64], rev[32], origin[32], time[64], source[256], by[256], reason[512];
    printf("%-14s rev %-4s %-10s %-24s %s  %s", stictl_map_text(node, "value", value, sizeof value),
           stictl_map_text(node, "revision", rev, sizeof rev),
           stictl_map_text(node, "origin", origin, sizeof origin),
           stictl_map_time(node, "time", time, sizeof time),
           stictl_map_text(node, "source", source, sizeof source),
           stictl_map_text(node, "submitter", by, sizeof by));
    if (sti_node_type(sti_node_get(node, "reason")) == STI_TYPE_STR) {
        printf("  (%s)", stictl_map_text(node, "reason", reason, sizeof reason));
    }
    putchar('\n');
}

//  Prints a series.get reply: one line per period, its older revisions under it.
static void s_print_series(sti_node_t series, const stictl_orgs_t *orgs)
{
    char org[STI_CODE_MAX], name[STI_NAME_MAX], unit[64], period[32];
    sti_node_t points = sti_node_get(series, "points");
    stictl_map_text(series, "org", org, sizeof org);
    printf("\nseries at %s %s (%s): %zu period%s\n", stictl_orgs_name(orgs, org, name, sizeof name),
           org, stictl_map_text(series, "unit", unit, sizeof unit), sti_node_size(points),
           sti_node_size(points) == 1 ? "" : "s");
    if (sti_node_size(points) > 0) {
        printf("  %-10s %-14s %-8s %-10s %-24s %s\n", "PERIOD", "VALUE", "REVISION", "ORIGIN",
               "TIME", "SOURCE  SUBMITTER");
    }
    for (size_t i = 0; i < sti_node_size(points); i++) {
        sti_node_t point = sti_node_at(points, i);
        printf("  %-10s ", stictl_map_text(point, "period", period, sizeof period));
        s_print_revision(point);
        sti_node_t revisions = sti_node_get(point, "revisions");
        int64_t current = -1, revision = -2;
        sti_field_error_t err;
        sti_map_int(point, "revision", &current, &err);
        //  newest first, below the current value: the value's history
        for (size_t r = sti_node_size(revisions); r-- > 0;) {
            sti_node_t old = sti_node_at(revisions, r);
            if (sti_map_int(old, "revision", &revision, &err) == 0 && revision == current) {
                continue;
            }
            printf("  %-10s ", "");
            s_print_revision(old);
        }
    }
}

//  What `indicator show` asks beyond the code.
typedef struct {
    const char *org; // --org, or NULL: the root
    char from[16];   // --period's first period, or ""
    char to[16];     // its last, or ""
    long long limit; // --limit, 0: all
    bool latest;     // --latest: no older revisions
} s_show_t;

//  Asks for catalog.get {indicator}. On success leaves the reply in *reply.
static int s_ask(stictl_t *ctl, const char *code, sti_reply_t *reply)
{
    sti_writer_t *request = stictl_request("catalog.get", NULL, 0);
    sti_writer_map(request, 1);
    sti_writer_kv_str(request, "indicator", code);
    return stictl_call_ok(ctl, "sti.indicators", &request, reply);
}

//  Asks for series.get of code at org with what show asks.
static int s_ask_series(stictl_t *ctl, const char *code, const char *org, const s_show_t *show,
                        sti_reply_t *reply)
{
    sti_writer_t *request = stictl_request("series.get", NULL, 0);
    sti_writer_map(request, 2 + (show->from[0] != 0) + (show->to[0] != 0) + (show->limit > 0) +
                                show->latest);
    sti_writer_kv_str(request, "indicator", code);
    sti_writer_kv_str(request, "org", org);
    if (show->from[0]) {
        sti_writer_kv_str(request, "from", show->from);
    }
    if (show->to[0]) {
        sti_writer_kv_str(request, "to", show->to);
    }
    if (show->limit > 0) {
        sti_writer_kv_int(request, "limit", show->limit);
    }
    if (show->latest) {
        sti_writer_kv_int(request, "revisions", 0);
    }
    return stictl_call_ok(ctl, "sti.indicators", &request, reply);
}

//  Takes --period P or P1..P2 into show. Returns 0, or -1 when it is not
//  one or two periods.
static int s_period(const char *text, s_show_t *show)
{
    const char *dots = strstr(text, "..");
    size_t first = dots ? (size_t)(dots - text) : strlen(text);
    const char *second = dots ? dots + 2 : text;
    if (first == 0 || first >= sizeof show->from || !*second || strlen(second) >= sizeof show->to ||
        (dots && strstr(second, ".."))) {
        return -1;
    }
    snprintf(show->from, sizeof show->from, "%.*s", (int)first, text);
    snprintf(show->to, sizeof show->to, "%s", second);
    return 0;
}

//  Parses show's flags. Returns 0 with the code in *code, or an exit code.
static int s_show_args(int argc, char **argv, const char **code, s_show_t *show)
{
    for (int i = 2; i < argc; i++) {
        const char *arg = argv[i], *value = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(arg, "--org") == 0 && value) {
            show->org = argv[++i];
        } else if (strncmp(arg, "--org=", 6) == 0) {
            show->org = arg + 6;
        } else if (strcmp(arg, "--period") == 0 && value) {
            if (s_period(argv[++i], show)) {
                return stictl_usage_error(argv[0], "--period wants P or P1..P2 (2023, 2021..2023)");
            }
        } else if (strcmp(arg, "--limit") == 0 && value) {
            if (stictl_parse_int(argv[++i], 1, 100000, &show->limit)) {
                return stictl_usage_error(argv[0], "--limit wants 1 to 100000, not '%s'", argv[i]);
            }
        } else if (strcmp(arg, "--latest") == 0) {
            show->latest = true;
        } else if (arg[0] == '-') {
            return stictl_usage_error(argv[0], "unknown flag %s, or it needs a value", arg);
        } else if (!*code) {
            *code = arg;
        } else {
            return stictl_usage_error(argv[0], "one CODE only ('%s' is extra)", arg);
        }
    }
    return *code ? 0 : stictl_usage_error(argv[0], "show needs CODE");
}

//  `indicator show`. Returns an exit code (4 for an unknown indicator or org unit).
static int s_show(stictl_t *ctl, int argc, char **argv)
{
    const char *code = NULL;
    s_show_t show = {0};
    int rc = s_show_args(argc, argv, &code, &show);
    if (rc) {
        return rc;
    }
    sti_reply_t definition, series;
    rc = s_ask(ctl, code, &definition);
    if (rc) {
        return rc;
    }
    char root[STI_CODE_MAX];
    stictl_orgs_t orgs;
    rc = stictl_orgs_get(ctl, &orgs);
    if (rc == 0 && !show.org && !stictl_orgs_root(&orgs, root, sizeof root)) {
        fprintf(stderr, "stictl indicator: sti.indicators lists no root org unit: load a plan\n");
        rc = STICTL_FAILED;
    }
    if (rc == 0) {
        rc = s_ask_series(ctl, code, show.org ? show.org : root, &show, &series);
    }
    if (rc) {
        stictl_orgs_release(&orgs);
        sti_reply_release(&definition);
        return rc;
    }
    if (ctl->json) {
        cJSON *json = cJSON_CreateObject();
        cJSON_AddItemToObject(json, "indicator", stictl_json_from_node(definition.body));
        cJSON_AddItemToObject(json, "series", stictl_json_from_node(series.body));
        stictl_json_print(&json);
    } else {
        s_print_definition(definition.body);
        s_print_series(series.body, &orgs);
    }
    stictl_orgs_release(&orgs);
    sti_reply_release(&series);
    sti_reply_release(&definition);
    return STICTL_OK;
}

int stictl_indicator(stictl_t *ctl, int argc, char **argv)
{
    if (argc < 2) {
        return stictl_usage_error(argv[0], "which action? (list, show)");
    }
    if (strcmp(argv[1], "list") == 0) {
        return s_list(ctl, argc, argv);
    }
    if (strcmp(argv[1], "show") == 0) {
        return s_show(ctl, argc, argv);
    }
    return stictl_usage_error(argv[0], "unknown action '%s' (list, show)", argv[1]);
}
