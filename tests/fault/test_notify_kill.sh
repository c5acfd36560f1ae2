#!/usr/bin/env bash
# kill -9 sti-notify while 1,000 alerts are being delivered, start it again:
# every alert reaches the webhook, and no idempotency key is new twice
# (a delivery cut mid-send may arrive again, always with its own key).
. "$STI_SOURCE/tests/lib.sh"
. "$STI_SOURCE/tests/integration/notify_lib.sh"

notify_setup
sink_start hook
notify_start notify --streams ind --senders 4 --claim-lease-ms 1500 --timeout-ms 1000
nctl rule add every --indicator hitech_enterprises --when any \
    --to "webhook:http://127.0.0.1:$(sink_port hook)/hook" >/dev/null

emit_alerts 1000

sti_wait_for 60 lines_at_least "$T/hook.jsonl" 150
sti_stop notify KILL || true
cut=$(lines "$T/hook.jsonl")
[ "$cut" -lt 1000 ] || sti_fail "all 1000 were delivered before the kill; the test proves nothing"
notify_start notify --streams ind --senders 4 --claim-lease-ms 1500 --timeout-ms 1000

sti_wait_for 90 hook_has_all "$T/hook.jsonl" 1000
hook_keys_one_to_one "$T/hook.jsonl" 1000
echo "killed after $cut records; ok"
