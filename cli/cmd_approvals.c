/*  stictl approvals: the sign-off state of every org unit for a period
    (approval.list on sti.indicators; docs/signoff.md).
*/
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "sti_catalog.h"
#include "stictl.h"

const char stictl_approvals_usage[] =
    "usage: stictl approvals [--period P] [--org ORG] [--json]\n"
    "\n"
    "Prints, for period P (2025, 2025Q2, 2025-05; default: last year), one line\n"
    "per org unit (ORG and the units under it; default: all): its code, its name,\n"
    "the state in Chinese and English (已审核 approved, 已退回 reopened: open\n"
    "again after an approval, 未审核 open: never approved), who changed it, when,\n"
    "and a reopen's reason. --json prints the service's {\"period\", \"units\":\n"
    "[{\"org\", \"name_zh\", \"name_en\", \"parent\", \"state\", \"by\", \"role\", \"via\",\n"
    "\"at\", \"time\", \"reason\"}]}.\n"
    "Exit 4 when there is no org unit ORG.\n";

//  The state in Chinese.
static const char *s_state_zh(const char *state)
{
    return strcmp(state, "approved") == 0   ? "已审核"
           : strcmp(state, "reopened") == 0 ? "已退回"
                                            : "未审核";
}

//  Prints approval.list's units as lines.
static void s_print(sti_node_t body, void *arg)
{
    (void)arg;
    char period[16], org[STI_CODE_MAX], name[STI_NAME_MAX], state[16], by[128], when[40];
    char reason[520];
    printf("sign-off for %s\n", stictl_map_text(body, "period", period, sizeof period));
    sti_node_t units = sti_node_get(body, "units");
    for (size_t i = 0; i < sti_node_size(units); i++) {
        sti_node_t unit = sti_node_at(units, i);
        stictl_map_text(unit, "state", state, sizeof state);
        stictl_map_text(unit, "reason", reason, sizeof reason);
        stictl_map_text(unit, "name_zh", name, sizeof name);
        stictl_print_padded(stdout, stictl_map_text(unit, "org", org, sizeof org), 16);
        stictl_print_padded(stdout, stictl_text_fit(name, 20), 22);
        printf("%s %-9s", s_state_zh(state), state);
        if (strcmp(state, "open") != 0) {
            printf(" by %s at %s", stictl_map_text(unit, "by", by, sizeof by),
                   stictl_map_text(unit, "time", when, sizeof when));
        }
        if (strcmp(reason, "-") != 0 && reason[0]) {
            printf(": %s", reason);
        }
        putchar('\n');
    }
}

int stictl_approvals(stictl_t *ctl, int argc, char **argv)
{
    const char *period = NULL, *org = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--period") == 0 && i + 1 < argc) {
            period = argv[++i];
        } else if (strcmp(argv[i], "--org") == 0 && i + 1 < argc) {
            org = argv[++i];
        } else {
            return stictl_usage_error(argv[0], "unexpected argument '%s'", argv[i]);
        }
    }
    char last_year[16];
    if (!period) {
        time_t now = time(NULL);
        struct tm tm;
        gmtime_r(&now, &tm);
        snprintf(last_year, sizeof last_year, "%d", tm.tm_year + 1900 - 1);
        period = last_year;
    }
    sti_writer_t *request = stictl_request("approval.list", NULL, 0);
    sti_writer_map(request, org ? 2 : 1);
    sti_writer_kv_str(request, "period", period);
    if (org) {
        sti_writer_kv_str(request, "org", org);
    }
    return stictl_call_show(ctl, "sti.indicators", &request, s_print, NULL);
}
