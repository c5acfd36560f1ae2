/*  stictl project: the plan's projects (sti.projects) from the command
    line: add, update, milestone, list, show; import in cmd_project_io.c.

    Flags carry text; the service checks every field against the plan and
    answers every problem at once, which is printed as it comes (`FIELD:
    reason`). add, update and milestone print one line naming the project
    and its version; show prints the project with its milestones and
    history; list a table. --json prints the service's answer.
*/
#include "cmd_project.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char stictl_project_usage[] =
    "usage: stictl project add CODE --name NAME --kind KIND --level LEVEL --org ORG\n"
    "                          --start PERIOD --end PERIOD [FIELDS] [--milestone M ...]\n"
    "       stictl project update CODE [--version V] [FIELDS] [--clear KEY ...]\n"
    "       stictl project milestone CODE [--id N] [--due DATE] [--description TEXT]\n"
    "                                [--done DATE | --undone] [--version V]\n"
    "       stictl project list [--kind K] [--level L] [--status S] [--programme TAG]\n"
    "                           [--org ORG] [--late] [--limit N] [--after CODE]\n"
    "       stictl project show CODE\n"
    "       stictl project import FILE.csv|FILE.xlsx [--dry-run]\n"
    "\n"
    "KIND: platform, research, incubator, other. LEVEL: national, provincial, municipal,\n"
    "district. PERIOD: 2021, 2021Q3 or 2021-07. DATE: YYYY-MM-DD.\n"
    "FIELDS: --name-en NAME, --programme TAG (one of the plan's eight key projects,\n"
    "  e.g. peak_platforms), --lead ORGANISATION, --investment AMOUNT (1200 in 万元, or\n"
    "  with its unit: 1.5亿元), --status planned|in_progress|completed|suspended|\n"
    "  cancelled with --status-on DATE (default today) and --reason TEXT (needed to\n"
    "  suspend or cancel), --invested PERIOD=AMOUNT (investment made; PERIOD= removes it).\n"
    "--milestone 'DUE DESCRIPTION' or 'DUE/DONE DESCRIPTION' (add; repeat for more).\n"
    "--clear name_en|programme|lead|investment empties a field (update).\n"
    "milestone: without --id adds one (--due and --description); with --id changes it.\n"
    "list: --late shows only projects with a milestone past its due date undone.\n"
    "import: one row per project; columns code, name_zh, kind, level, org, start, end\n"
    "  (required), name_en, programme, lead, investment, investment_unit, status,\n"
    "  status_on, reason, milestones ('DUE[/DONE] TEXT; ...'), invested\n"
    "  ('PERIOD=AMOUNT; ...'); Chinese headers too (docs/projects.md). Every row is\n"
    "  checked; any problem imports nothing and prints `row K: FIELD: reason`\n"
    "  (exit 1). The same file again changes nothing; --request-id makes a retry safe;\n"
    "  --dry-run checks every row and writes nothing.\n"
    "data/examples/projects.csv is a sample (made-up projects).\n";

int stictl_project_call(stictl_t *ctl, sti_writer_t *request, sti_reply_t *reply)
{
    int rc = stictl_call(ctl, "sti.projects", request, reply);
    sti_writer_destroy(&request);
    return rc;
}

//  --- fields to the request map ---

//  Writes "AMOUNT[UNIT]" as value and (when given) unit keys. Returns 0 or -1.
static int s_amount(sti_writer_t *w, const char *value_key, const char *unit_key, const char *text,
                    char *reason, size_t cap)
{
    char *end = NULL;
    double value = strtod(text, &end);
    while (end && *end == ' ') {
        end++;
    }
    if (!end || end == text || !*text || value != value) {
        snprintf(reason, cap, "'%s' is not an amount (1200, or with its unit: 1.5亿元)", text);
        return -1;
    }
    sti_writer_kv_double(w, value_key, value);
    if (*end) {
        sti_writer_kv_str(w, unit_key, end);
    }
    return 0;
}

//  "DUE[/DONE] DESCRIPTION" as a milestone map. Returns 0 or -1.
static int s_milestone(sti_writer_t *w, const char *text, char *reason, size_t cap)
{
    char due[16] = "", done[16] = "";
    const char *space = strchr(text, ' ');
    size_t head = space ? (size_t)(space - text) : 0;
    const char *slash = space ? memchr(text, '/', head) : NULL;
    if (!space || head >= 32 || (slash ? (size_t)(slash - text) : head) >= sizeof due ||
        (slash && head - (size_t)(slash - text) - 1 >= sizeof done)) {
        snprintf(reason, cap, "'%s' is not DUE DESCRIPTION or DUE/DONE DESCRIPTION", text);
        return -1;
    }
    snprintf(due, sizeof due, "%.*s", (int)(slash ? slash - text : (ptrdiff_t)head), text);
    if (slash) {
        snprintf(done, sizeof done, "%.*s", (int)(text + head - slash - 1), slash + 1);
    }
    while (*space == ' ') {
        space++;
    }
    sti_writer_map(w, slash ? 3 : 2);
    sti_writer_kv_str(w, "due", due);
    sti_writer_kv_str(w, "description", space);
    if (slash) {
        sti_writer_kv_str(w, "done", done);
    }
    return 0;
}

//  "PERIOD=AMOUNT[UNIT]" (or "PERIOD=" to remove) as an investment map.
static int s_invested(sti_writer_t *w, const char *text, char *reason, size_t cap)
{
    const char *equals = strchr(text, '=');
    if (!equals || equals == text || equals - text > 16) {
        snprintf(reason, cap, "'%s' is not PERIOD=AMOUNT (2023=1200, 2023=0.12亿元)", text);
        return -1;
    }
    char period[24];
    snprintf(period, sizeof period, "%.*s", (int)(equals - text), text);
    if (!equals[1]) {
        sti_writer_map(w, 2);
        sti_writer_kv_str(w, "period", period);
        sti_writer_str(w, "value");
        sti_writer_nil(w);
        return 0;
    }
    bool unit = false;
    char *end = NULL;
    strtod(equals + 1, &end);
    unit = end && *end;
    sti_writer_map(w, unit ? 3 : 2);
    sti_writer_kv_str(w, "period", period);
    return s_amount(w, "value", "unit", equals + 1, reason, cap);
}

//  Writes one entry of a list (a milestone, a period's investment). Returns 0 or -1.
typedef int(s_entry_fn)(sti_writer_t *w, const char *text, char *reason, size_t cap);

//  Writes key and its list of count entries (nothing when there are none).
//  Returns 0, or -1 with the reason of the first entry that does not read.
static int s_list_write(sti_writer_t *w, const char *key, const char *const *entries, size_t count,
                        s_entry_fn *entry, char *reason, size_t cap)
{
    if (count) {
        sti_writer_str(w, key);
        sti_writer_array(w, count);
    }
    for (size_t i = 0; i < count; i++) {
        if (entry(w, entries[i], reason, cap) != 0) {
            return -1;
        }
    }
    return 0;
}

//  The plain text fields: key and value (NULL: not given).
static size_t s_texts(const stictl_project_fields_t *f, const char *pairs[][2])
{
    const char *all[][2] = {
        {"code", f->code},     {"name_zh", f->name_zh},     {"name_en", f->name_en},
        {"kind", f->kind},     {"programme", f->programme}, {"level", f->level},
        {"org", f->org},       {"lead", f->lead},           {"start", f->start},
        {"end", f->end},       {"status", f->status},       {"status_on", f->status_on},
        {"reason", f->reason},
    };
    size_t count = 0;
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        if (all[i][1]) {
            pairs[count][0] = all[i][0];
            pairs[count++][1] = all[i][1];
        }
    }
    return count;
}

int stictl_project_fields_write(const stictl_project_fields_t *f, size_t extra, sti_writer_t *w,
                                char *field, size_t field_cap, char *reason, size_t reason_cap)
{
    const char *pairs[16][2];
    size_t texts = s_texts(f, pairs);
    bool unit = false;
    if (f->investment) {
        char *end = NULL;
        strtod(f->investment, &end);
        unit = end && *end;
    }
    sti_writer_map(w, texts + extra + (f->investment ? 1 + unit : 0) + (f->milestone_count > 0) +
                          (f->invested_count > 0) + f->clear_count);
    for (size_t i = 0; i < texts; i++) {
        sti_writer_kv_str(w, pairs[i][0], pairs[i][1]);
    }
    for (size_t i = 0; i < f->clear_count; i++) {
        sti_writer_str(w, f->clear[i]);
        sti_writer_nil(w);
    }
    snprintf(field, field_cap, "investment");
    if (f->investment &&
        s_amount(w, "investment", "investment_unit", f->investment, reason, reason_cap) != 0) {
        return -1;
    }
    snprintf(field, field_cap, "milestones");
    if (s_list_write(w, "milestones", f->milestone, f->milestone_count, s_milestone, reason,
                     reason_cap) != 0) {
        return -1;
    }
    snprintf(field, field_cap, "invested");
    return s_list_write(w, "invested", f->invested, f->invested_count, s_invested, reason,
                        reason_cap);
}

int stictl_project_split(char *text, const char **list, size_t cap)
{
    size_t count = 0;
    char *start = text;
    for (char *p = text;; p++) {
        bool full = (unsigned char)p[0] == 0xef && (unsigned char)p[1] == 0xbc &&
                    (unsigned char)p[2] == 0x9b; // '；'
        if (*p && *p != ';' && *p != '\n' && !full) {
            continue;
        }
        bool last = !*p;
        *p = 0;
        p += full ? 2 : 0;
        while (*start == ' ') {
            start++;
        }
        for (char *e = start + strlen(start); e > start && isspace((unsigned char)e[-1]); e--) {
            e[-1] = 0;
        }
        if (*start) {
            if (count == cap) {
                return -1;
            }
            list[count++] = start;
        }
        if (last) {
            break;
        }
        start = p + 1;
    }
    return (int)count;
}

//  --- flags ---

//  Takes a field flag at argv[*i]. Returns 1 when taken, 0 when not a field flag.
static int s_field_flag(stictl_project_fields_t *f, int argc, char **argv, int *i)
{
    const struct {
        const char *flag;
        const char **slot;
    } flags[] = {
        {"--name-en", &f->name_en},
        {"--name", &f->name_zh},
        {"--kind", &f->kind},
        {"--programme", &f->programme},
        {"--level", &f->level},
        {"--org", &f->org},
        {"--lead", &f->lead},
        {"--start", &f->start},
        {"--end", &f->end},
        {"--investment", &f->investment},
        {"--status-on", &f->status_on},
        {"--status", &f->status},
        {"--reason", &f->reason},
    };
    const char *value = NULL;
    for (size_t k = 0; k < sizeof flags / sizeof flags[0]; k++) {
        if ((value = stictl_flag_value(argc, argv, i, flags[k].flag))) {
            *flags[k].slot = value;
            return 1;
        }
    }
    const char **lists[] = {f->milestone, f->invested, f->clear};
    size_t *counts[] = {&f->milestone_count, &f->invested_count, &f->clear_count};
    const char *names[] = {"--milestone", "--invested", "--clear"};
    size_t caps[] = {STICTL_PROJECT_LIST_MAX, STICTL_PROJECT_LIST_MAX, 8};
    for (int k = 0; k < 3; k++) {
        if ((value = stictl_flag_value(argc, argv, i, names[k])) && *counts[k] < caps[k]) {
            lists[k][(*counts[k])++] = value;
            return 1;
        }
    }
    return 0;
}

//  Prints "project CODE: WHAT (version V)" or the JSON answer. Returns the exit code.
static int s_print_done(stictl_t *ctl, const sti_reply_t *reply, const char *what)
{
    if (!reply->ok) {
        return stictl_print_error(reply);
    }
    if (ctl->json) {
        cJSON *json = stictl_json_from_node(reply->body);
        stictl_json_print(&json);
        return STICTL_OK;
    }
    char code[80], version[32];
    printf("project %s: %s (version %s)\n", stictl_map_text(reply->body, "code", code, sizeof code),
           what, stictl_map_text(reply->body, "version", version, sizeof version));
    return STICTL_OK;
}

//  Prints an ok answer's body as text.
typedef void(s_print_fn)(sti_node_t body);

//  Sends request (destroyed) and prints the answer: with print as text
//  unless --json, else (or an error) as s_print_done does with what.
//  Returns the exit code.
static int s_ask(stictl_t *ctl, sti_writer_t *request, s_print_fn *print, const char *what)
{
    sti_reply_t reply;
    int rc = stictl_project_call(ctl, request, &reply);
    if (rc != 0) {
        return rc;
    }
    if (!print || !reply.ok || ctl->json) {
        rc = s_print_done(ctl, &reply, what);
    } else {
        print(reply.body);
    }
    sti_reply_release(&reply);
    return rc;
}

//  Sends a request built from fields (+ version when given) and prints the outcome.
static int s_send_fields(stictl_t *ctl, const char *op, const stictl_project_fields_t *f,
                         const char *version, const char *what)
{
    char field[32], reason[256];
    long long number = 0;
    if (version && stictl_parse_int(version, 1, INT64_MAX, &number) != 0) {
        return stictl_usage_error("project", "--version: '%s' is not a version", version);
    }
    sti_writer_t *request = stictl_request(op, NULL, 0);
    if (stictl_project_fields_write(f, version ? 1 : 0, request, field, sizeof field, reason,
                                    sizeof reason) != 0) {
        sti_writer_destroy(&request);
        return stictl_usage_error("project", "%s: %s", field, reason);
    }
    if (version) {
        sti_writer_kv_int(request, "version", number);
    }
    return s_ask(ctl, request, NULL, what);
}

//  `project add` and `project update`.
static int s_add_update(stictl_t *ctl, int argc, char **argv, bool add)
{
    stictl_project_fields_t f;
    memset(&f, 0, sizeof f);
    const char *version = NULL, *value = NULL;
    for (int i = 2; i < argc; i++) {
        if (!add && (value = stictl_flag_value(argc, argv, &i, "--version"))) {
            version = value;
        } else if (s_field_flag(&f, argc, argv, &i)) {
            continue;
        } else if (argv[i][0] == '-') {
            return stictl_usage_error(argv[0], "unknown flag %s, or it needs a value", argv[i]);
        } else if (!f.code) {
            f.code = argv[i];
        } else {
            return stictl_usage_error(argv[0], "one CODE only ('%s' is extra)", argv[i]);
        }
    }
    if (!f.code) {
        return stictl_usage_error(argv[0], "%s needs the project's CODE", argv[1]);
    }
    if (add &&
        (f.clear_count || !f.name_zh || !f.kind || !f.level || !f.org || !f.start || !f.end)) {
        return stictl_usage_error(argv[0], "add needs --name, --kind, --level, --org, --start "
                                           "and --end (and takes no --clear)");
    }
    if (!add && f.milestone_count) {
        return stictl_usage_error(argv[0], "update takes no --milestone: use stictl project "
                                           "milestone");
    }
    return s_send_fields(ctl, add ? "project.add" : "project.update", &f, version,
                         add ? "added" : "updated");
}

//  `project milestone`.
static int s_milestone_cmd(stictl_t *ctl, int argc, char **argv)
{
    const char *code = NULL, *id = NULL, *due = NULL, *text = NULL, *done = NULL, *version = NULL;
    bool undone = false;
    for (int i = 2; i < argc; i++) {
        const char *v = NULL;
        if ((v = stictl_flag_value(argc, argv, &i, "--id"))) {
            id = v;
        } else if ((v = stictl_flag_value(argc, argv, &i, "--due"))) {
            due = v;
        } else if ((v = stictl_flag_value(argc, argv, &i, "--description"))) {
            text = v;
        } else if ((v = stictl_flag_value(argc, argv, &i, "--done"))) {
            done = v;
        } else if ((v = stictl_flag_value(argc, argv, &i, "--version"))) {
            version = v;
        } else if (strcmp(argv[i], "--undone") == 0) {
            undone = true;
        } else if (argv[i][0] == '-' || code) {
            return stictl_usage_error(argv[0], "unexpected '%s'", argv[i]);
        } else {
            code = argv[i];
        }
    }
    long long number = 0, ver = 0;
    if (!code || (id && stictl_parse_int(id, 1, 1000000, &number) != 0) ||
        (version && stictl_parse_int(version, 1, INT64_MAX, &ver) != 0) || (done && undone) ||
        (!id && (!due || !text))) {
        return stictl_usage_error(argv[0], "milestone CODE [--id N] [--due DATE] [--description "
                                           "TEXT] [--done DATE | --undone]; a new one needs "
                                           "--due and --description");
    }
    sti_writer_t *request = stictl_request("project.milestone", NULL, 0);
    sti_writer_map(request, 1 + (id != NULL) + (due != NULL) + (text != NULL) + (done || undone) +
                                (version != NULL));
    sti_writer_kv_str(request, "code", code);
    if (id) {
        sti_writer_kv_int(request, "milestone", number);
    }
    if (due) {
        sti_writer_kv_str(request, "due", due);
    }
    if (text) {
        sti_writer_kv_str(request, "description", text);
    }
    if (done || undone) {
        sti_writer_kv_str(request, "done", done); // NULL writes nil: not done
    }
    if (version) {
        sti_writer_kv_int(request, "version", ver);
    }
    return s_ask(ctl, request, NULL, id ? "milestone changed" : "milestone added");
}

//  --- show and list ---

//  Prints a project's FULL form as text.
static void s_print_project(sti_node_t p)
{
    char a[512], b[512], c[512], d[512];
    printf("%s  %s", stictl_map_text(p, "code", a, sizeof a),
           stictl_map_text(p, "name_zh", b, sizeof b));
    if (sti_node_type(sti_node_get(p, "name_en")) == STI_TYPE_STR) {
        printf(" (%s)", stictl_map_text(p, "name_en", a, sizeof a));
    }
    printf("\n  kind %s · level %s · programme %s · org %s\n",
           stictl_map_text(p, "kind", a, sizeof a), stictl_map_text(p, "level", b, sizeof b),
           stictl_map_text(p, "programme", c, sizeof c), stictl_map_text(p, "org", d, sizeof d));
    printf("  lead %s · from %s to %s\n", stictl_map_text(p, "lead", a, sizeof a),
           stictl_map_text(p, "start", b, sizeof b), stictl_map_text(p, "end", c, sizeof c));
    sti_node_t investment = sti_node_get(p, "investment");
    printf("  investment %s %s, made %s:", stictl_map_text(investment, "value", a, sizeof a),
           stictl_map_text(investment, "unit", b, sizeof b),
           stictl_map_text(p, "invested_total", c, sizeof c));
    sti_node_t invested = sti_node_get(p, "invested");
    for (size_t i = 0; i < sti_node_size(invested); i++) {
        printf(" %s %s", stictl_map_text(sti_node_at(invested, i), "period", a, sizeof a),
               stictl_map_text(sti_node_at(invested, i), "value", b, sizeof b));
    }
    printf("\n  status %s since %s (version %s)\n", stictl_map_text(p, "status", a, sizeof a),
           stictl_map_text(p, "status_on", b, sizeof b),
           stictl_map_text(p, "version", c, sizeof c));
    sti_node_t milestones = sti_node_get(p, "milestones");
    printf("  milestones:%s\n", sti_node_size(milestones) ? "" : " none");
    for (size_t i = 0; i < sti_node_size(milestones); i++) {
        sti_node_t m = sti_node_at(milestones, i);
        bool late = false, done = sti_node_type(sti_node_get(m, "done")) == STI_TYPE_STR;
        sti_field_error_t fe;
        sti_map_bool(m, "late", &late, &fe);
        printf("    %s  due %s  %s%s%s\n", stictl_map_text(m, "id", a, sizeof a),
               stictl_map_text(m, "due", b, sizeof b),
               stictl_map_text(m, "description", c, sizeof c),
               done   ? "  done "
               : late ? "  LATE"
                      : "",
               done ? stictl_map_text(m, "done", d, sizeof d) : "");
    }
    sti_node_t history = sti_node_get(p, "history");
    printf("  history:\n");
    for (size_t i = 0; i < sti_node_size(history); i++) {
        sti_node_t h = sti_node_at(history, i);
        char who[128], reason[512];
        printf("    %s  %s → %s on %s by %s%s%s\n", stictl_map_text(h, "time", a, sizeof a),
               stictl_map_text(h, "from", b, sizeof b), stictl_map_text(h, "to", c, sizeof c),
               stictl_map_text(h, "on", d, sizeof d), stictl_map_text(h, "who", who, sizeof who),
               sti_node_type(sti_node_get(h, "reason")) == STI_TYPE_STR ? ": " : "",
               sti_node_type(sti_node_get(h, "reason")) == STI_TYPE_STR
                   ? stictl_map_text(h, "reason", reason, sizeof reason)
                   : "");
    }
}

//  `project show`.
static int s_show(stictl_t *ctl, int argc, char **argv)
{
    if (argc != 3 || argv[2][0] == '-') {
        return stictl_usage_error(argv[0], "show needs one CODE");
    }
    sti_writer_t *request = stictl_request("project.get", NULL, 0);
    sti_writer_map(request, 1);
    sti_writer_kv_str(request, "code", argv[2]);
    return s_ask(ctl, request, s_print_project, "");
}

//  Prints the summaries as a table.
static void s_print_list(sti_node_t projects)
{
    static const char *const keys[] = {"code", "kind",       "level", "status",
                                       "org",  "milestones", "late",  "name_zh"};
    static const char *const heads[] = {"CODE", "KIND",       "LEVEL", "STATUS",
                                        "ORG",  "MILESTONES", "LATE",  "NAME"};
    size_t count = sti_node_size(projects), width[8];
    char cell[512];
    for (int k = 0; k < 8; k++) {
        width[k] = strlen(heads[k]);
        for (size_t i = 0; i < count; i++) {
            size_t w = stictl_text_width(
                stictl_map_text(sti_node_at(projects, i), keys[k], cell, sizeof cell));
            width[k] = w > width[k] ? w : width[k];
        }
    }
    for (size_t i = 0; i <= count; i++) {
        for (int k = 0; k < 8; k++) {
            const char *text =
                i == 0 ? heads[k]
                       : stictl_map_text(sti_node_at(projects, i - 1), keys[k], cell, sizeof cell);
            stictl_print_padded(stdout, text, k < 7 ? width[k] + 2 : 0);
        }
        putchar('\n');
    }
}

//  Prints a page of project.list: the table, then how to ask for the next.
static void s_print_page(sti_node_t body)
{
    char next[80];
    s_print_list(sti_node_get(body, "projects"));
    if (sti_node_type(sti_node_get(body, "next")) == STI_TYPE_STR) {
        printf("(more: --after %s)\n", stictl_map_text(body, "next", next, sizeof next));
    }
}

//  `project list`.
static int s_list(stictl_t *ctl, int argc, char **argv)
{
    static const char *const keys[] = {"kind", "level", "status", "programme", "org", "after"};
    const char *values[6] = {NULL}, *limit = NULL;
    bool late = false;
    for (int i = 2; i < argc; i++) {
        const char *value = NULL;
        int k = 0;
        for (; k < 6; k++) {
            char flag[32];
            snprintf(flag, sizeof flag, "--%s", keys[k]);
            if ((value = stictl_flag_value(argc, argv, &i, flag))) {
                values[k] = value;
                break;
            }
        }
        if (k < 6 || (value = stictl_flag_value(argc, argv, &i, "--limit"))) {
            limit = k < 6 ? limit : value;
        } else if (strcmp(argv[i], "--late") == 0) {
            late = true;
        } else {
            return stictl_usage_error(argv[0], "unexpected '%s'", argv[i]);
        }
    }
    long long number = 100;
    if (limit && stictl_parse_int(limit, 1, 1000, &number) != 0) {
        return stictl_usage_error(argv[0], "--limit: 1 to 1000");
    }
    size_t pairs = 1 + late;
    for (int k = 0; k < 6; k++) {
        pairs += values[k] != NULL;
    }
    sti_writer_t *request = stictl_request("project.list", NULL, 0);
    sti_writer_map(request, pairs);
    for (int k = 0; k < 6; k++) {
        if (values[k]) {
            sti_writer_kv_str(request, keys[k], values[k]);
        }
    }
    if (late) {
        sti_writer_kv_bool(request, "late", true);
    }
    sti_writer_kv_int(request, "limit", number);
    return s_ask(ctl, request, s_print_page, "");
}

int stictl_project(stictl_t *ctl, int argc, char **argv)
{
    const char *actions = "add, update, milestone, list, show, import";
    if (argc < 2) {
        return stictl_usage_error(argv[0], "which action? (%s)", actions);
    }
    const char *action = argv[1];
    if (strcmp(action, "add") == 0 || strcmp(action, "update") == 0) {
        return s_add_update(ctl, argc, argv, action[0] == 'a');
    }
    if (strcmp(action, "milestone") == 0) {
        return s_milestone_cmd(ctl, argc, argv);
    }
    if (strcmp(action, "show") == 0) {
        return s_show(ctl, argc, argv);
    }
    if (strcmp(action, "list") == 0) {
        return s_list(ctl, argc, argv);
    }
    if (strcmp(action, "import") == 0) {
        return stictl_project_import(ctl, argc - 1, argv + 1);
    }
    return stictl_usage_error(argv[0], "unknown action '%s' (%s)", action, actions);
}
