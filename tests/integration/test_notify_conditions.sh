#!/usr/bin/env bash
# sti-notify's conditions against real events: each fires when it should and
# stays silent when it should not; a grouped rule sends one message for
# several events within group_wait; a silence holds (the alert is recorded,
# not sent); a stale rule fires once for an indicator whose latest period
# ended longer ago than its days. An add (rule, silence) sent again with its
# request id is applied once and answered with the id it made.
. "$STI_SOURCE/tests/lib.sh"
. "$STI_SOURCE/tests/integration/notify_lib.sh"

notify_setup
notify_start notify --stale-check-ms 300 --streams ind
sink_start hook
url="webhook:http://127.0.0.1:$(sink_port hook)/hook"

add() { nctl rule add "$@" --to "$url" >/dev/null; }
add status --indicator hitech_enterprises --when status_changed:lagging,at_risk       # r-1
add above --indicator tech_smes --when crosses_above:1000                              # r-2
add below --indicator rd_gdp_ratio --when crosses_below:50                             # r-3
add achieved --indicator little_giants --when achieved                                 # r-4
add donghu --indicator single_champions --org donghu --when any                        # r-5
add stale --indicator eagle_enterprises --when stale:30                                # r-6
add grouped --indicator hidden_champions --when any --group-by indicator --group-wait 4s  # r-7
add hushed --indicator invention_patents_per_10k --when any                            # r-8
nctl rule list | grep -c '^r-' | grep -qx 8 || sti_fail "rule list: $(nctl rule list)"

s=$(nctl silence add --rule r-8 --for 1h --comment "data migration")
nctl silence list | grep -q "$s.*rule=r-8" || sti_fail "silence list: $(nctl silence list)"
if nctl silence add --for 1h 2>"$T/err"; then sti_fail "a silence without matchers was accepted"; fi
grep -q matchers "$T/err" || sti_fail "silence refusal: $(cat "$T/err")"

emit_ind hitech_enterprises linping 2023 750 800 on_track lagging       # fires r-1
emit_ind hitech_enterprises linping 2023 800 900 lagging on_track       # not to a listed status
emit_ind hitech_enterprises linping 2023 900 910 on_track on_track      # no change
emit_ind tech_smes linping 2023 null 900 on_track on_track              # nothing before it
emit_ind tech_smes linping 2024 null 1100 on_track on_track             # 900 (2023) -> 1100: fires r-2
emit_ind tech_smes linping 2024 1100 1200 on_track on_track             # already above
emit_ind rd_gdp_ratio linping 2023 60 40 on_track at_risk               # fires r-3
emit_ind rd_gdp_ratio linping 2023 40 45 at_risk at_risk                # below, not crossing
emit_ind little_giants linping 2023 10 20 on_track achieved             # fires r-4
emit_ind little_giants linping 2023 20 21 achieved achieved             # already achieved
emit_ind single_champions linping 2023 1 2 on_track on_track            # another org
emit_ind single_champions donghu 2023 1 2 on_track on_track             # fires r-5
emit_ind hidden_champions linping 2023 1 2 on_track on_track            # r-7, grouped ...
emit_ind hidden_champions donghu 2023 1 2 on_track on_track
emit_ind hidden_champions nanyuan 2023 1 2 on_track on_track
emit_ind invention_patents_per_10k linping 2023 30 31 on_track on_track # silenced
emit_ind eagle_enterprises linping 2020 null 5 on_track on_track        # stale: fires r-6
emit_ind eagle_enterprises donghu 2026-11 null 5 on_track on_track      # period not over: not stale

events_done() { curl -sf "http://127.0.0.1:$NOTIFY_HTTP/metrics" | grep -q '^sti_notify_events_total 18$'; }
sti_wait_for 20 events_done
sti_wait_for 20 lines_at_least "$T/hook.jsonl" 7
# Nothing else is queued: every delivery is delivered or silenced.
settled() {
    nctl --json delivery list --limit 1000 | /usr/bin/python3 -c '
import json, sys
states = [json.loads(l)["state"] for l in sys.stdin]
sys.exit(0 if states and all(s in ("delivered", "silenced") for s in states) else 1)'
}
sti_wait_for 20 settled
# Stale checks keep running: a second and third round send nothing new.
metric() { curl -sf "http://127.0.0.1:$NOTIFY_HTTP/metrics" | awk -v m="$1" '$1 == m {print $2}'; }
/usr/bin/python3 - "$T/hook.jsonl" <<'PY' || sti_fail "wrong alerts"
import collections, json, sys
bodies = [json.loads(json.loads(l)["body"]) for l in open(sys.argv[1])]
by_rule = collections.Counter(b["rule"]["id"] for b in bodies)
want = {"r-1": 1, "r-2": 1, "r-3": 1, "r-4": 1, "r-5": 1, "r-6": 1, "r-7": 1}
assert by_rule == want, by_rule
def the(rule):
    return next(b for b in bodies if b["rule"]["id"] == rule)
assert the("r-1")["events"][0]["status_after"] == "lagging"
assert the("r-2")["events"][0]["new_value"] == 1100
assert the("r-5")["events"][0]["org_unit"] == "donghu"
grouped = the("r-7")
assert len(grouped["events"]) == 3, grouped["events"]
assert "3 项变化" in grouped["message"]["zh"], grouped["message"]["zh"]
stale = the("r-6")["events"][0]
assert stale["type"] == "indicator.stale" and stale["org_unit"] == "linping", stale
assert stale["period"] == "2020"
PY
# the silenced alert is recorded
nctl delivery list --rule r-8 | grep -q silenced || sti_fail "the silenced alert is not recorded"
# a later stale round sends nothing again (same indicator, org unit, period)
stale_rounds() { grep -c 'indicator.stale' "$T/hook.jsonl"; }
before=$(metric sti_notify_alerts_total)
wait_rounds() { [ "$(( $(date +%s%N) / 1000000 ))" -ge "$1" ]; }
sti_wait_for 5 wait_rounds $(( $(date +%s%N) / 1000000 + 1000 ))
[ "$(metric sti_notify_alerts_total)" = "$before" ] || sti_fail "a stale check queued again"
[ "$(stale_rounds)" = 1 ] || sti_fail "stale sent $(stale_rounds) times"
# after the silence is removed, the rule's alerts are sent
nctl silence rm "$s" | grep -q removed || sti_fail "silence rm"
emit_ind invention_patents_per_10k linping 2023 31 32 on_track on_track
sti_wait_for 20 lines_at_least "$T/hook.jsonl" 8
tail -n 1 "$T/hook.jsonl" | grep -q 'r-8' || sti_fail "the unsilenced rule did not send"

# A retried add (same request id) makes nothing new and names the first one.
CALL="$STI_SOURCE/tests/helpers/sti_call.py"
rules_before=$(nctl rule list | grep -c '^r-')
rule='{"name": "once", "indicators": ["tech_smes"], "when": "any", "to": ["webhook:http://127.0.0.1:9/"]}'
first=$(STI_CALL_ID=add-once-1 "$CALL" sti.notify rule.add "$rule")
again=$(STI_CALL_ID=add-once-1 "$CALL" sti.notify rule.add "$rule")
echo "$first" | grep -q '"ok": true' || sti_fail "rule.add: $first"
[ "$first" = "$again" ] || sti_fail "a retried rule.add answered otherwise: $first / $again"
[ "$(nctl rule list | grep -c '^r-')" = $((rules_before + 1)) ] || sti_fail "a retried rule.add added twice"
other=$(STI_CALL_ID=add-once-2 "$CALL" sti.notify rule.add "$rule")
[ "$other" != "$first" ] && echo "$other" | grep -q '"ok": true' || sti_fail "another request id: $other"
until_ms=$(( $(date +%s) * 1000 + 3600000 ))
silence="{\"rule\": \"r-1\", \"ends_at\": $until_ms}"
first=$(STI_CALL_ID=silence-once "$CALL" sti.notify silence.add "$silence")
again=$(STI_CALL_ID=silence-once "$CALL" sti.notify silence.add "$silence")
echo "$first" | grep -q '"ok": true' && [ "$first" = "$again" ] ||
    sti_fail "a retried silence.add: $first / $again"
[ "$(nctl silence list | grep -c 'rule=r-1')" = 1 ] || sti_fail "a retried silence.add added twice"
echo ok
