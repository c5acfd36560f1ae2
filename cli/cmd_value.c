/*  stictl value: fixing a value that was wrong (value.withdraw on
    sti.indicators).

    A wrong value is withdrawn, never deleted: the withdrawal is one more
    revision of the value, with the reason and who withdrew it, and the
    sums and derived values above it are computed again as if it had never
    been reported. The service takes it into the intake log and applies it
    in order; `stictl indicator show` shows the revision once it is applied.
    Like every write, the same command with --request-id is applied once.
*/
#include <stdio.h>
#include <string.h>

#include "stictl.h"

const char stictl_value_usage[] =
    "usage: stictl value withdraw INDICATOR ORG PERIOD --reason TEXT [--json]\n"
    "\n"
    "withdraw: takes back the value reported for INDICATOR at org unit ORG for\n"
    "PERIOD (2023, 2023Q2, 2023-05): its next revision says `withdrawn`, with TEXT\n"
    "(why) and who; the district's sums, derived indicators and progress are\n"
    "computed again as if the value had never been reported, and an\n"
    "indicator.changed event (new null, origin withdrawn) says so. The history\n"
    "keeps every revision (`stictl indicator show INDICATOR --org ORG`); a new value\n"
    "for the same period is a new revision again. Prints `withdrawn INDICATOR ORG\n"
    "PERIOD (was VALUE, revision N): applied in order with the intake log`; --json\n"
    "prints the service's {\"indicator\", \"org\", \"period\", \"value\", \"revision\",\n"
    "\"reason\"}.\n"
    "Exit 4 when there is no such indicator or org unit, or nothing reported\n"
    "there to withdraw.\n";

//  Prints value.withdraw's answer; arg: the indicator, org and period.
static void s_show_withdrawn(sti_node_t body, void *arg)
{
    const char **asked = (const char **)arg;
    char value[64], revision[32];
    printf("withdrawn %s %s %s (was %s, revision %s): applied in order with the intake log\n",
           asked[0], asked[1], asked[2], stictl_map_text(body, "value", value, sizeof value),
           stictl_map_text(body, "revision", revision, sizeof revision));
}

//  `value withdraw`. Returns an exit code.
static int s_withdraw(stictl_t *ctl, int argc, char **argv)
{
    const char *positional[3] = {NULL, NULL, NULL}, *reason = NULL;
    int count = 0;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--reason") == 0 && i + 1 < argc) {
            reason = argv[++i];
        } else if (strncmp(argv[i], "--reason=", 9) == 0) {
            reason = argv[i] + 9;
        } else if (argv[i][0] == '-') {
            return stictl_usage_error(argv[0], "unknown flag %s, or it needs a value", argv[i]);
        } else if (count < 3) {
            positional[count++] = argv[i];
        } else {
            return stictl_usage_error(argv[0], "'%s' is extra", argv[i]);
        }
    }
    if (count != 3 || !reason || !*reason) {
        return stictl_usage_error(argv[0], "withdraw wants INDICATOR ORG PERIOD --reason TEXT");
    }
    char id[STI_ID_MAX + 1];
    sti_writer_t *request = stictl_request("value.withdraw", id, sizeof id);
    sti_writer_map(request, 5);
    sti_writer_kv_str(request, "indicator", positional[0]);
    sti_writer_kv_str(request, "org", positional[1]);
    sti_writer_kv_str(request, "period", positional[2]);
    sti_writer_kv_str(request, "reason", reason);
    sti_writer_kv_str(request, "request_id", id);
    return stictl_call_show(ctl, "sti.indicators", &request, s_show_withdrawn, positional);
}

int stictl_value(stictl_t *ctl, int argc, char **argv)
{
    if (argc < 2) {
        return stictl_usage_error(argv[0], "which action? (withdraw)");
    }
    if (strcmp(argv[1], "withdraw") == 0) {
        return s_withdraw(ctl, argc, argv);
    }
    return stictl_usage_error(argv[0], "unknown action '%s' (withdraw)", argv[1]);
}
