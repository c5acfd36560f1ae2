#!/usr/bin/env bash
# Sign-off (docs/signoff.md) through sti-gateway's HTTP API, whose routes
# come from sti-indicators' op table: a clerk may not approve (403), nor an
# officer their own unit's figures (403, naming the scope); the district's
# officer approves a town's period, the clerk's rows for it are refused with
# the reason and the others taken, the audit names the officer and the
# gateway, the same Idempotency-Key applies once, and a reopen needs a
# reason. Figures are made up for the test.
. "$STI_SOURCE/tests/lib.sh"
. "$STI_SOURCE/tests/integration/gateway_lib.sh"

stictl() { command stictl --timeout 15000 "$@"; }
gw_setup
CLERK=$(gw_token clara --role clerk --org donghu)
OWN=$(gw_token otto --role officer --org donghu)
OFFICER=$(gw_token olga --role officer --org linping)

# call TOKEN METHOD PATH [JSON [KEY]]: prints the status, the body in $T/body.
call() {
    local args=(-s -o "$T/body" -w '%{http_code}' -X "$2" -H "Authorization: Bearer $1")
    [ -n "${4:-}" ] && args+=(-H 'Content-Type: application/json' --data "$4")
    [ -n "${5:-}" ] && args+=(-H "Idempotency-Key: $5")
    curl "${args[@]}" "$GW$3"
}
audit_count() {
    sti_redis_cli --json XRANGE "$STI_NAMESPACE:approval:audit" - + | /usr/bin/python3 -c '
import json, sys
want = dict(zip(sys.argv[1::2], sys.argv[2::2]))
entries = [dict(zip(e[1][0::2], e[1][1::2])) for e in json.load(sys.stdin)]
print(sum(all(e.get(k) == v for k, v in want.items()) for e in entries))' "$@"
}

rows='{"rows": [{"indicator": "hitech_enterprises", "org": "donghu", "period": "2025", "value": 500}]}'
[ "$(call "$CLERK" POST /api/v1/observations "$rows")" = 200 ] || sti_fail "clerk submit: $(cat "$T/body")"
applied() { stictl --json progress --org donghu --year 2025 | grep -q '"latest":500'; }
sti_wait_for 20 applied

# A clerk may not approve; an officer may not approve their own unit.
[ "$(call "$CLERK" POST /api/v1/approvals/2025/donghu '{}')" = 403 ] || sti_fail "clerk: $(cat "$T/body")"
grep -q "not allowed for role clerk" "$T/body" || sti_fail "clerk's 403: $(cat "$T/body")"
[ "$(call "$OWN" POST /api/v1/approvals/2025/donghu '{}')" = 403 ] || sti_fail "own unit: $(cat "$T/body")"
grep -q "may not sign off donghu's own figures" "$T/body" || sti_fail "own unit's 403: $(cat "$T/body")"
[ "$(audit_count op approval.approve)" = 0 ] || sti_fail "a refused approval was audited"

# The district's officer approves donghu's 2025, once for one Idempotency-Key.
[ "$(call "$OFFICER" POST /api/v1/approvals/2025/donghu '{}' k1)" = 200 ] || sti_fail "officer: $(cat "$T/body")"
/usr/bin/python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert r["state"] == "approved" and r["by"] == "olga" and r["role"] == "officer" and r["via"] and not r["replayed"], r' "$T/body" ||
    sti_fail "the approval: $(cat "$T/body")"
[ "$(call "$OFFICER" POST /api/v1/approvals/2025/donghu '{}' k1)" = 200 ] || sti_fail "again: $(cat "$T/body")"
grep -q '"replayed":true' "$T/body" || sti_fail "the retry: $(cat "$T/body")"
[ "$(audit_count op approval.approve org donghu period 2025 who olga role officer)" = 1 ] ||
    sti_fail "the approval's audit"
[ "$(call "$CLERK" GET /api/v1/approvals/2025)" = 200 ] || sti_fail "list: $(cat "$T/body")"
/usr/bin/python3 -c 'import json,sys; u={x["org"]: x for x in json.load(open(sys.argv[1]))["units"]}; assert u["donghu"]["state"] == "approved" and u["donghu"]["by"] == "olga" and u["nanyuan"]["state"] == "open", u' "$T/body" ||
    sti_fail "the list: $(cat "$T/body")"

# The clerk's file: the locked row refused with the reason, the other taken.
rows='{"rows": [{"indicator": "hitech_enterprises", "org": "donghu", "period": "2025", "value": 510}, {"indicator": "hitech_enterprises", "org": "donghu", "period": "2024", "value": 450}]}'
[ "$(call "$CLERK" POST /api/v1/observations "$rows")" = 200 ] || sti_fail "clerk submit: $(cat "$T/body")"
/usr/bin/python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert r["accepted"] == 1 and r["rejected"] == 1 and r["errors"][0]["row"] == 1 and "已审核锁定" in r["errors"][0]["reason"] and "approved by olga" in r["errors"][0]["reason"], r' "$T/body" ||
    sti_fail "the locked row: $(cat "$T/body")"
[ "$(audit_count op obs.submit result refused_locked org donghu who clara role clerk approved_by olga)" = 1 ] ||
    sti_fail "the refusal's audit"

# Reopen: a reason is needed; the clerk may not.
[ "$(call "$OFFICER" POST /api/v1/approvals/2025/donghu/reopen '{}')" = 400 ] || sti_fail "no reason: $(cat "$T/body")"
[ "$(call "$CLERK" POST /api/v1/approvals/2025/donghu/reopen '{"reason": "x"}')" = 403 ] || sti_fail "clerk reopen"
[ "$(call "$OFFICER" POST /api/v1/approvals/2025/donghu/reopen '{"reason": "更正"}')" = 200 ] ||
    sti_fail "reopen: $(cat "$T/body")"
[ "$(audit_count op approval.reopen org donghu who olga reason 更正)" = 1 ] || sti_fail "the reopen's audit"
rows='{"rows": [{"indicator": "hitech_enterprises", "org": "donghu", "period": "2025", "value": 510}]}'
[ "$(call "$CLERK" POST /api/v1/observations "$rows")" = 200 ] && grep -q '"accepted":1' "$T/body" ||
    sti_fail "after the reopen: $(cat "$T/body")"
echo ok
