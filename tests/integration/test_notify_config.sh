#!/usr/bin/env bash
# sti-notify refuses to start with a setting out of its range, or with
# settings that contradict each other, naming the setting and what it must
# be (exit 2); it never clamps a value. --help shows every range.
. "$STI_SOURCE/tests/lib.sh"

sti_refused sti-notify --senders 0 "sti-notify: senders is 0 (flag --senders); it must be from 1 to 64"
sti_refused sti-notify --claim-batch 65 "claim_batch is 65 (flag --claim-batch); it must be from 1 to 64"
sti_refused sti-notify --timeout-ms 0 "timeout_ms is 0 (flag --timeout-ms); it must be from 1ms to 1h"
sti_refused sti-notify --connect-timeout-ms 0 \
    "connect_timeout_ms is 0 (flag --connect-timeout-ms); it must be from 1ms to 10m"
sti_refused sti-notify --eval-lease-ms 10 "eval_lease_ms is 10 (flag --eval-lease-ms); it must be from 1s to 1h"
sti_refused sti-notify --eval-lease-ms 2h "eval_lease_ms is 2h (flag --eval-lease-ms); it must be from 1s to 1h"
sti_refused sti-notify --retention-ms -1 "retention_ms is '-1' (flag --retention-ms): not a duration"
STI_EVAL_BATCH=0 sti_refused sti-notify "eval_batch is 0 (STI_EVAL_BATCH); it must be from 1 to 10000"
sti_refused sti-notify --backoff-ms 100 --backoff-max-ms 50 "backoff_max_ms (50) must be at least backoff_ms (100)"
sti_refused sti-notify --claim-lease-ms 2000 --timeout-ms 5000 \
    "claim_lease_ms (2000) must be longer than timeout_ms (5000)"
sti_refused sti-notify --streams ind,weather "streams: 'weather' is not a stream notify evaluates (ind, tal, prj)"

sti-notify --help >"$T/help"
grep -q -- "--senders .*sender threads (1 to 64)" "$T/help" || sti_fail "help: $(cat "$T/help")"
grep -q -- "--claim-batch .*(1 to 64)" "$T/help" || sti_fail "help: $(cat "$T/help")"
grep -q -- "--eval-lease-ms duration .*10s .*(1s to 1h)" "$T/help" || sti_fail "help: $(cat "$T/help")"
echo "ok"
