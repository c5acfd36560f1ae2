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
    "first, one line each: when it was recorded, its kind and year, who issued it,\n"
    "when its figures were read (the next report of the kind lists the revisions\n"
    "since then) and its file. --kind: only that kind; --limit: at most N (1 to\n"
    "100, default 20). --json prints the service's {\"reports\": [{\"kind\",\n"
    "\"year\", \"at\", \"time\", \"made\", \"by\", \"role\", \"via\", \"file\",\n"
    "\"request\"}]}.\n";

//  Prints report.list's reports as lines.
static void s_print(sti_node_t body, void *arg)
{
    (void)arg;
    char time[40], kind[16], year[8], by[128], made[40], file[256];
    sti_node_t reports = sti_node_get(body, "reports");
    if (sti_node_size(reports) == 0) {
        printf("no report issued yet\n");
    }
    for (size_t i = 0; i < sti_node_size(reports); i++) {
        sti_node_t one = sti_node_at(reports, i);
        printf("%s %-7s %s by %s, figures of %s, %s\n",
               stictl_map_text(one, "time", time, sizeof time),
               stictl_map_text(one, "kind", kind, sizeof kind),
               stictl_map_text(one, "year", year, sizeof year),
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
