#!/usr/bin/env bash
# sti-notify refuses to start with a setting out of its range, or with
# settings that contradict each other, naming the setting and what it must
# be (exit 2); it never clamps a value. --help shows every range.
. "$STI_SOURCE/tests/lib.sh"

# refused SETTINGS... PATTERN: sti-notify exits 2 and says PATTERN.
refused() {
    local pattern=${*: -1}
    local args=("${@:1:$#-1}")
    local rc=0
    STI_HTTP_ADDR=127.0.0.1:0 STI_REDIS_URL=redis://127.0.0.1:1 \
        timeout 20 sti-notify "${args[@]}" >"$T/out" 2>"$T/err" || rc=$?
    [ "$rc" = 2 ] || { cat "$T/err" >&2; sti_fail "exit $rc (not 2) for: ${args[*]}"; }
    grep -qF -- "$pattern" "$T/err" || { cat "$T/err" >&2; sti_fail "no '$pattern' for: ${args[*]}"; }
}

refused --senders 0 "sti-notify: senders is 0; it must be from 1 to 64"
refused --claim-batch 65 "claim_batch is 65; it must be from 1 to 64"
refused --timeout-ms 0 "timeout_ms is 0; it must be from 1 to 3600000"
refused --connect-timeout-ms 0 "connect_timeout_ms is 0; it must be from 1 to 600000"
refused --eval-lease-ms 10 "eval_lease_ms is 10; it must be from 1000 to 3600000"
refused --retention-ms -1 "retention_ms is -1; it must be from 0 to 31536000000"
STI_EVAL_BATCH=0 refused "eval_batch is 0; it must be from 1 to 10000"
refused --backoff-ms 100 --backoff-max-ms 50 "backoff_max_ms (50) must be at least backoff_ms (100)"
refused --claim-lease-ms 2000 --timeout-ms 5000 \
    "claim_lease_ms (2000) must be longer than timeout_ms (5000)"
refused --streams ind,weather "streams: 'weather' is not a stream notify evaluates (ind, tal, prj)"

sti-notify --help >"$T/help"
grep -q -- "--senders .*sender threads (1 to 64)" "$T/help" || sti_fail "help: $(cat "$T/help")"
grep -q -- "--claim-batch .*(1 to 64)" "$T/help" || sti_fail "help: $(cat "$T/help")"
echo "ok"
