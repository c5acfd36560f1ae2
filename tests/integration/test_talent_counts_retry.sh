#!/usr/bin/env bash
# The registry's counts are not lost while sti-ingest is away: a talent
# registered with no sti-ingest running leaves its count marked in Redis,
# and once sti-ingest starts the count arrives in the intake log, under a
# request id derived from the change, and the mark is cleared. The identity
# number is made up (tests/helpers/talent_ids.py).
. "$STI_SOURCE/tests/lib.sh"
CALL="$STI_SOURCE/tests/helpers/sti_call.py"

sti_start_redis
sti_start_broker
plan_put "$STI_REDIS_URL" "$STI_NAMESPACE" "$STI_SOURCE/data/plans/linping-2021-2025" ||
    sti_fail "plan_put failed"
sti_spawn talent sti-talent --http-addr 127.0.0.1:0
sti_wait_service sti.talent

number=$("$STI_SOURCE/tests/helpers/talent_ids.py" resident 11)
out=$("$CALL" sti.talent talent.add "{\"name\":\"周七\",\"id_type\":\"resident\",
  \"id_number\":\"$number\",\"category\":\"municipal\",\"field\":\"fashion\",
  \"channel\":{\"kind\":\"direct\"},\"overseas\":true,\"arrived\":\"2022-07-01\"}")
echo "$out" | grep -q '"ok": true' || sti_fail "add: $out"

# No sti-ingest: the count stays marked, and sti-talent keeps answering.
[ "$(sti_redis_cli HGET "$STI_NAMESPACE:tal:count:dirty" registered_talents)" = 2022 ] ||
    sti_fail "the count is not marked"
"$CALL" sti.talent talent.stats '{}' | grep -q '"total": 1' || sti_fail "stats while ingest is away"
[ "$(sti_redis_cli XLEN "$STI_NAMESPACE:intake")" = 0 ] || sti_fail "intake before ingest"

sti_spawn ingest sti-ingest --http-addr 127.0.0.1:0
dirty_gone() { [ "$(sti_redis_cli EXISTS "$STI_NAMESPACE:tal:count:dirty")" = 0 ]; }
sti_wait_for 60 dirty_gone
sti_redis_cli XRANGE "$STI_NAMESPACE:intake" - + >"$T/intake.txt"
grep -q "^talent-counts-1-" "$T/intake.txt" && grep -qx "talent-registry" "$T/intake.txt" ||
    sti_fail "intake: $(cat "$T/intake.txt")"
grep -aq "registered_overseas_talents" "$T/intake.txt" || sti_fail "the overseas count is missing"
[ "$(sti_redis_cli XLEN "$STI_NAMESPACE:intake")" = 1 ] || sti_fail "the counts were appended twice"
echo ok
