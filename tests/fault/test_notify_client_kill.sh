#!/usr/bin/env bash
# Fault: Redis stays up, but sti-notify's connections to it break while
# 1,000 alerts are being delivered: Redis closes every connection of the
# sti-notify user (CLIENT KILL USER) five times, as the webhook has received
# 100, 250, 400, 550 and 700 of them. sti-notify is not restarted: it makes
# its connections again and goes on. Every alert reaches the webhook, no
# idempotency key names two alerts (a delivery whose claim was cut may
# arrive again, always with its own key), a send's result whose write was
# cut is written again on the new connection (never left to be sent again),
# and sti-notify is still running and ready. Redis runs with the users of scripts/redis-acl,
# so the cuts hit sti-notify alone.
. "$STI_SOURCE/tests/lib.sh"
. "$STI_SOURCE/tests/integration/notify_lib.sh"

sti_start_redis_acl everysec
sti_start_broker
plan_put "$(sti_redis_url sti-admin)" "$STI_NAMESPACE" "$STI_SOURCE/data/plans/linping-2021-2025" \
    donghu:linping nanyuan:linping >/dev/null || sti_fail "plan_put"
STI_REDIS_URL=$(sti_redis_url sti-indicators) sti_spawn pub_ind events_server --stream ind \
    --service sti.indicators
sti_wait_service sti.indicators
sink_start hook
STI_REDIS_URL=$(sti_redis_url sti-notify) notify_start notify --streams ind --senders 4 \
    --claim-lease-ms 1500 --timeout-ms 1000
nctl rule add every --indicator hitech_enterprises --when any \
    --to "webhook:http://127.0.0.1:$(sink_port hook)/hook" >/dev/null || sti_fail "rule add"

emit_alerts 1000

cuts=0
for at in 100 250 400 550 700; do
    sti_wait_for 60 lines_at_least "$T/hook.jsonl" "$at"
    cuts=$((cuts + $(sti_redis_cli CLIENT KILL USER sti-notify)))
done
[ "$(lines "$T/hook.jsonl")" -lt 1000 ] || sti_fail "all 1000 were delivered before the last cut"
[ "$cuts" -ge 5 ] || sti_fail "only $cuts connections of sti-notify were cut"

sti_wait_for 90 hook_has_all "$T/hook.jsonl" 1000
hook_keys_one_to_one "$T/hook.jsonl" 1000
# A result whose write was cut is written again on a new connection: none is
# left for the lease to send again.
! grep -q "result not recorded" "$T/notify.log" || sti_fail "a delivery's result was not recorded"
kill -0 "${STI_PIDS[notify]}" 2>/dev/null || sti_fail "sti-notify is not running"
sti_wait_for 15 curl -sf "http://127.0.0.1:$NOTIFY_HTTP/readyz"
echo "ok: $cuts connections of sti-notify cut during the deliveries; every alert delivered"
