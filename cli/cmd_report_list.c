/*  stictl reports: the evaluation reports issued (report.list on
    sti.indicators; docs/report.md).
*/
#include <stdio.h>
#include <string.h>

#include "stictl.h"

const char stictl_reports_usage[] =
    "usage: stictl reports [--kind annual|midterm|final] [--limit N] [--json]\n"
    "\n"
    "Prints the evaluation reports issued (stictl report without --draft), newest\n"
    "first, one line each, Chinese first: when it was recorded, its year and kind\n"
    "(年度监测报告 annual, 中期评估报告 midterm, 总结评估报告 final), who issued it,\n"
    "when its figures were read (the next report of the kind lists the revisions\n"
    "since then) and its file. --kind: only that kind; --limit: at most N (1 to\n"
    "100, default 20). --json prints the service's {\"reports\": [{\"kind\",\n"
    "\"year\", \"at\", \"time\", \"made\", \"by\", \"role\", \"via\", \"file\",\n"
    "\"request\"}]}.\n";

//  The kind's Chinese name, as the workbook's title has it.
static const char *s_kind_zh(const char *kind)
{
    return strcmp(kind, "annual") == 0    ? "年度监测报告"
           : strcmp(kind, "midterm") == 0 ? "中期评估报告"
           : strcmp(kind, "final") == 0   ? "总结评估报告"
                                          : kind;
}

//  Prints report.list's reports as lines, Chinese first:
//  "<time> <year> 年度监测报告 (annual) 由 <by> 发布 (issued by), 数据截至 <made> (figures of),
//  <file>".
static void s_print(sti_node_t body, void *arg)
{
    (void)arg;
    char time[40], kind[16], year[8], by[128], made[40], file[256];
    sti_node_t reports = sti_node_get(body, "reports");
    if (sti_node_size(reports) == 0) {
        printf("尚未发布报告 (no report issued yet)\n");
    }
    for (size_t i = 0; i < sti_node_size(reports); i++) {
        sti_node_t one = sti_node_at(reports, i);
        stictl_map_text(one, "kind", kind, sizeof kind);
        printf("%s %s %s (%s) 由 %s 发布 (issued by), 数据截至 %s (figures of), %s\n",
               stictl_map_text(one, "time", time, sizeof time),
               stictl_map_text(one, "year", year, sizeof year), s_kind_zh(kind), kind,
               stictl_map_text(one, "by", by, sizeof by),
               stictl_map_text(one, "made", made, sizeof made),
               stictl_map_text(one, "file", file, sizeof file));
    }
}

int stictl_reports(stictl_t *ctl, int argc, char **argv)
{
    const char *kind = NULL, *value;
    long long limit = 0;
    for (int i = 1; i < argc; i++) {
        if ((value = stictl_flag_value(argc, argv, &i, "--kind"))) {
            kind = value;
        } else if ((value = stictl_flag_value(argc, argv, &i, "--limit"))) {
            if (stictl_parse_int(value, 1, 100, &limit) != 0) {
                return stictl_usage_error(argv[0], "--limit wants 1 to 100, not '%s'", value);
            }
        } else {
            return stictl_usage_error(argv[0], "unexpected argument '%s'", argv[i]);
        }
    }
    sti_writer_t *request = stictl_request("report.list", NULL, 0);
    sti_writer_map(request, (kind ? 1 : 0) + (limit ? 1 : 0));
    if (kind) {
        sti_writer_kv_str(request, "kind", kind);
    }
    if (limit) {
        sti_writer_kv_int(request, "limit", limit);
    }
    return stictl_call_show(ctl, "sti.indicators", &request, s_print, NULL);
}
