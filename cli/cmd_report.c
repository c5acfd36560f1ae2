/*  stictl report: the evaluation report of a year as one workbook
    (docs/report.md).

    Asks sti.indicators for report.data (the one document of what the
    report holds about the indicators: the same the gateway answers at
    GET /api/v1/report), then sti.projects for every project (project.list,
    page by page) and each one's milestones (project.get), and hands them
    to sti_report_book (shared/files: sti-gateway answers the same workbook
    at GET /api/v1/report.xlsx). Nothing is written before every answer is in: a
    refused request, a service that does not answer or an output path that
    cannot be written leaves no file behind. Once the workbook is written,
    the report is recorded as issued (report.issue, with report.data's
    `made`), so that the next report of the kind lists the revisions since
    this one; when that is refused the file is removed. --draft writes the
    workbook without recording it.
*/
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sti_report_book.h"
#include "stictl.h"

const char stictl_report_usage[] =
    "usage: stictl report --year Y --kind annual|midterm|final [--lang zh|en]\n"
    "                     [--since DATE] [--draft] -o FILE.xlsx\n"
    "\n"
    "Writes the evaluation report of year Y as one Excel workbook (docs/report.md):\n"
    "a summary sheet (each indicator's baseline, latest value, target, completion,\n"
    "status, projection at the plan's end and its class, coloured by status), one\n"
    "sheet per org unit, completeness and timeliness of reporting, the plan's\n"
    "projects and their milestones, the revisions of reported values since the\n"
    "last report, and charts of the main indicators against their trajectory.\n"
    "--kind: annual (any year of the plan), midterm (a year strictly inside it),\n"
    "final (its last year). --since DATE (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ):\n"
    "list the revisions made since then (default: since the last report of the\n"
    "kind was made; without one, 1 January of Y for annual, of the plan's first\n"
    "year for midterm and final).\n"
    "The report is recorded as issued (an officer's or admin's write: the next\n"
    "report of the kind starts its revisions here); --draft writes the workbook\n"
    "without recording it.\n"
    "Text is Chinese; --lang en writes it in English. An existing FILE is written\n"
    "over. Prints `wrote report YEAR KIND to FILE` (--json: {file, year, kind,\n"
    "indicators, orgs, projects, revisions, since, issued}).\n";

#define S_PROJECTS_MAX 10000 // projects read at most

//  What the command line asks.
typedef struct {
    long long year;    // --year
    const char *kind;  // --kind
    const char *lang;  // --lang
    const char *since; // --since, or NULL
    const char *path;  // -o
    bool draft;        // --draft: not recorded as issued
} s_args_t;

//  The answers the workbook is made from (released by s_answers_release).
typedef struct {
    sti_reply_t data;     // report.data
    sti_reply_t *replies; // project.get of each project
    sti_node_t *projects; // their bodies
    size_t count;         // how many
    bool has_data;        // data holds a reply
} s_answers_t;

static void s_answers_release(s_answers_t *answers)
{
    if (answers->has_data) {
        sti_reply_release(&answers->data);
    }
    for (size_t i = 0; i < answers->count; i++) {
        sti_reply_release(&answers->replies[i]);
    }
    free(answers->replies);
    free(answers->projects);
}

//  Whether path can be written: its directory exists and may be written,
//  and path itself is not a directory nor a file that may not be written.
//  Returns 0, or -1 with a reason in err.
static int s_writable(const char *path, char *err, size_t errlen)
{
    char copy[4096];
    snprintf(copy, sizeof copy, "%s", path);
    const char *dir = dirname(copy);
    if (access(dir, W_OK) != 0) {
        snprintf(err, errlen, "directory %s: %s", dir, strerror(errno));
        return -1;
    }
    if (access(path, F_OK) == 0 && access(path, W_OK) != 0) {
        snprintf(err, errlen, "%s", strerror(errno));
        return -1;
    }
    return 0;
}

static int s_parse(int argc, char **argv, s_args_t *args)
{
    memset(args, 0, sizeof *args);
    args->lang = "zh";
    for (int i = 1; i < argc; i++) {
        const char *value;
        if ((value = stictl_flag_value(argc, argv, &i, "--year"))) {
            if (stictl_parse_int(value, 2000, 2100, &args->year) != 0) {
                return stictl_usage_error(argv[0],
                                          "--year wants a year from 2000 to 2100, not '%s'", value);
            }
        } else if ((value = stictl_flag_value(argc, argv, &i, "--kind"))) {
            args->kind = value;
        } else if ((value = stictl_flag_value(argc, argv, &i, "--lang"))) {
            args->lang = value;
        } else if ((value = stictl_flag_value(argc, argv, &i, "--since"))) {
            args->since = value;
        } else if (strcmp(argv[i], "--draft") == 0) {
            args->draft = true;
        } else if ((value = stictl_flag_value(argc, argv, &i, "-o")) ||
                   (value = stictl_flag_value(argc, argv, &i, "--output"))) {
            args->path = value;
        } else {
            return stictl_usage_error(argv[0], "unexpected argument '%s'", argv[i]);
        }
    }
    if (!args->year || !args->kind || !args->path) {
        return stictl_usage_error(argv[0], "--year, --kind and -o are required");
    }
    if (strcmp(args->lang, "zh") != 0 && strcmp(args->lang, "en") != 0) {
        return stictl_usage_error(argv[0], "--lang wants zh or en, not '%s'", args->lang);
    }
    if (!stictl_table_is_xlsx(args->path)) {
        return stictl_usage_error(argv[0], "-o wants a file ending in .xlsx, not '%s'", args->path);
    }
    return 0;
}

//  Asks report.data. Returns 0, or an exit code after saying why.
static int s_ask_data(stictl_t *ctl, const s_args_t *args, s_answers_t *answers)
{
    sti_writer_t *request = stictl_request("report.data", NULL, 0);
    sti_writer_map(request, args->since ? 3 : 2);
    sti_writer_kv_int(request, "year", args->year);
    sti_writer_kv_str(request, "kind", args->kind);
    if (args->since) {
        sti_writer_kv_str(request, "since", args->since);
    }
    int rc = stictl_call_ok(ctl, "sti.indicators", &request, &answers->data);
    if (rc != 0) {
        return rc;
    }
    answers->has_data = true;
    if (sti_node_type(sti_node_get(answers->data.body, "indicators")) != STI_TYPE_ARRAY ||
        sti_node_type(sti_node_get(answers->data.body, "orgs")) != STI_TYPE_ARRAY) {
        fprintf(stderr, "stictl report: sti.indicators answered without indicators and orgs\n");
        return STICTL_FAILED;
    }
    return 0;
}

//  Asks project.get of code and keeps the answer. Returns 0 or an exit code.
static int s_ask_project(stictl_t *ctl, const char *code, s_answers_t *answers)
{
    sti_writer_t *request = stictl_request("project.get", NULL, 0);
    sti_writer_map(request, 1);
    sti_writer_kv_str(request, "code", code);
    answers->replies = realloc(answers->replies, (answers->count + 1) * sizeof *answers->replies);
    answers->projects =
        realloc(answers->projects, (answers->count + 1) * sizeof *answers->projects);
    if (!answers->replies || !answers->projects) {
        fprintf(stderr, "stictl report: out of memory\n");
        sti_writer_destroy(&request);
        return STICTL_FAILED;
    }
    int rc = stictl_call_ok(ctl, "sti.projects", &request, &answers->replies[answers->count]);
    if (rc == 0) {
        answers->projects[answers->count] = answers->replies[answers->count].body;
        answers->count++;
    }
    return rc;
}

//  Asks every project, page by page, and each one's whole record. Returns
//  0, or an exit code after saying why.
static int s_ask_projects(stictl_t *ctl, s_answers_t *answers)
{
    char after[80] = "", code[80];
    do {
        sti_writer_t *request = stictl_request("project.list", NULL, 0);
        sti_writer_map(request, after[0] ? 2 : 1);
        sti_writer_kv_int(request, "limit", 1000);
        if (after[0]) {
            sti_writer_kv_str(request, "after", after);
        }
        sti_reply_t page;
        int rc = stictl_call_ok(ctl, "sti.projects", &request, &page);
        if (rc != 0) {
            return rc;
        }
        sti_node_t list = sti_node_get(page.body, "projects");
        for (size_t i = 0; i < sti_node_size(list) && rc == 0; i++) {
            stictl_map_text(sti_node_at(list, i), "code", code, sizeof code);
            rc = answers->count < S_PROJECTS_MAX ? s_ask_project(ctl, code, answers) : 0;
        }
        after[0] = 0;
        if (sti_node_type(sti_node_get(page.body, "next")) == STI_TYPE_STR) {
            stictl_map_text(page.body, "next", after, sizeof after);
        }
        sti_reply_release(&page);
        if (rc != 0) {
            return rc;
        }
    } while (after[0] && answers->count < S_PROJECTS_MAX);
    return 0;
}

//  Records the report written as issued (report.issue): its year, kind,
//  the made of its data and the file's name. Returns 0, or an exit code
//  after saying why.
static int s_record(stictl_t *ctl, const s_args_t *args, const s_answers_t *answers,
                    sti_reply_t *reply)
{
    char id[STI_ID_MAX + 1], made[40] = "", copy[4096];
    stictl_map_text(answers->data.body, "made", made, sizeof made);
    snprintf(copy, sizeof copy, "%s", args->path);
    sti_writer_t *request = stictl_request("report.issue", id, sizeof id);
    sti_writer_map(request, made[0] ? 5 : 4);
    sti_writer_kv_int(request, "year", args->year);
    sti_writer_kv_str(request, "kind", args->kind);
    if (made[0]) {
        sti_writer_kv_str(request, "made", made);
    }
    sti_writer_kv_str(request, "file", basename(copy));
    sti_writer_kv_str(request, "request_id", id);
    return stictl_call_ok(ctl, "sti.indicators", &request, reply);
}

//  Prints what was written.
static void s_print_done(const stictl_t *ctl, const s_args_t *args, const s_answers_t *answers,
                         const sti_reply_t *issued)
{
    sti_node_t body = answers->data.body;
    size_t indicators = sti_node_size(sti_node_get(body, "indicators"));
    size_t orgs = sti_node_size(sti_node_get(body, "orgs"));
    size_t revisions = sti_node_size(sti_node_get(body, "revisions"));
    if (!ctl->json) {
        printf("wrote report %lld %s to %s (%zu indicators, %zu org units, %zu projects, %zu "
               "revisions)%s\n",
               args->year, args->kind, args->path, indicators, orgs, answers->count, revisions,
               issued ? "" : ", a draft not recorded as issued");
        return;
    }
    cJSON *out = cJSON_CreateObject();
    cJSON_AddStringToObject(out, "file", args->path);
    cJSON_AddNumberToObject(out, "year", (double)args->year);
    cJSON_AddStringToObject(out, "kind", args->kind);
    cJSON_AddNumberToObject(out, "indicators", (double)indicators);
    cJSON_AddNumberToObject(out, "orgs", (double)orgs);
    cJSON_AddNumberToObject(out, "projects", (double)answers->count);
    cJSON_AddNumberToObject(out, "revisions", (double)revisions);
    char since[40] = "";
    stictl_map_text(body, "since", since, sizeof since);
    cJSON_AddStringToObject(out, "since", since);
    if (issued) {
        cJSON *issue = cJSON_AddObjectToObject(out, "issued");
        char text[300];
        const char *keys[] = {"time", "made", "by", "request"};
        for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
            stictl_map_text(issued->body, keys[i], text, sizeof text);
            cJSON_AddStringToObject(issue, keys[i], text);
        }
    } else {
        cJSON_AddNullToObject(out, "issued");
    }
    stictl_json_print(&out);
}

int stictl_report(stictl_t *ctl, int argc, char **argv)
{
    s_args_t args;
    int rc = s_parse(argc, argv, &args);
    char err[512];
    if (rc != 0) {
        return rc;
    }
    if (s_writable(args.path, err, sizeof err) != 0) {
        fprintf(stderr, "stictl report: cannot write %s: %s\n", args.path, err);
        return STICTL_FAILED;
    }
    s_answers_t answers = {0};
    rc = s_ask_data(ctl, &args, &answers);
    rc = rc ? rc : s_ask_projects(ctl, &answers);
    if (rc == 0) {
        sti_report_t report = {answers.data.body, answers.projects, answers.count,
                               strcmp(args.lang, "en") == 0};
        sti_reply_t issued;
        if (sti_report_book_write(&report, args.path, NULL, err, sizeof err) != 0) {
            fprintf(stderr, "stictl report: cannot write %s: %s\n", args.path, err);
            rc = STICTL_FAILED;
        } else if (args.draft) {
            s_print_done(ctl, &args, &answers, NULL);
        } else if ((rc = s_record(ctl, &args, &answers, &issued)) != 0) {
            //  A report that is not recorded is not issued: no file says otherwise.
            unlink(args.path);
            fprintf(stderr,
                    "stictl report: %s removed: the report could not be recorded as issued "
                    "(--draft writes it without recording)\n",
                    args.path);
        } else {
            s_print_done(ctl, &args, &answers, &issued);
            sti_reply_release(&issued);
        }
    }
    s_answers_release(&answers);
    return rc;
}
