#!/usr/bin/env bash
# Sign-off (数据审核, docs/signoff.md) through stictl on a real stack: an
# approval locks an org unit's period (a row for it is refused with the
# reason, naming who approved it when, while the other rows of the file are
# taken; a withdrawal is refused too), every approve, reopen and refusal is
# audited with the person and is an event, progress marks what is approved
# and can count only that, the same request id is applied once, an approval
# waits for rows accepted but not applied yet, reopen unlocks, and the lock
# holds across a kill -9 of Redis and a restart of the services.
# Figures: hitech_enterprises' baseline 578 (2020) is the plan's; the town
# values are made up for the test.
. "$STI_SOURCE/tests/lib.sh"

stictl() { command stictl --timeout 15000 "$@"; }
ns=$STI_NAMESPACE

# Redis as deployed (the services' ACL users), with every write on disk
# before it is answered, so a kill -9 loses nothing acknowledged.
sti_start_redis_acl always
sti_start_broker
start_ingest() {
    STI_REDIS_URL=$(sti_redis_url sti-ingest) sti_spawn ingest sti-ingest --http-addr 127.0.0.1:0
}
start_indicators() { # [CONSUMER [FLAGS...]]
    local consumer=${1:-test-1}; shift || true
    STI_REDIS_URL=$(sti_redis_url sti-indicators) sti_spawn indicators sti-indicators \
        --http-addr 127.0.0.1:0 --consumer "$consumer" "$@"
}
start_ingest
start_indicators
sti_wait_service sti.ingest
sti_wait_service sti.indicators
stictl plan load "$STI_SOURCE/data/plans/linping-2021-2025" >/dev/null || sti_fail "plan load"
stictl org add donghu --parent linping --name 东湖街道 >/dev/null || sti_fail "org add donghu"
stictl org add nanyuan --parent linping --name 南苑街道 >/dev/null || sti_fail "org add nanyuan"

# latest ORG: "VALUE PERIOD APPROVED" of hitech_enterprises in 2025's progress.
latest() {
    stictl --json progress --org "$1" --year 2025 ${2:+--approved} | /usr/bin/python3 -c '
import json, sys
row = {r["code"]: r for r in json.load(sys.stdin)["indicators"]}["hitech_enterprises"]
v = row["latest"]
print("%g" % v if v is not None else "none", row["latest_period"], row["approved"])'
}
latest_is() { [ "$(latest "$1" "${3:-}")" = "$2" ]; }
audit() { sti_redis_cli --no-raw XRANGE "$ns:approval:audit" - + ; }
# audit_has OP RESULT-OR-- ORG PERIOD WHO [FIELD VALUE]: one audit entry so.
audit_count() {
    sti_redis_cli --json XRANGE "$ns:approval:audit" - + 2>/dev/null | /usr/bin/python3 -c '
import json, sys
want = dict(zip(sys.argv[1::2], sys.argv[2::2]))
entries = [dict(zip(e[1][0::2], e[1][1::2])) for e in json.load(sys.stdin)]
print(sum(all(e.get(k) == v for k, v in want.items()) for e in entries))' "$@"
}

printf 'indicator,org,period,value\nhitech_enterprises,donghu,2025,500\nhitech_enterprises,nanyuan,2025,350\n' >"$T/rows.csv"
stictl ingest "$T/rows.csv" >/dev/null || sti_fail "ingest"
sti_wait_for 20 latest_is donghu "500 2025 False"
sti_wait_for 20 latest_is nanyuan "350 2025 False"

# --- approve: locks donghu 2025 ---
stictl approve donghu 2025 >"$T/out" || sti_fail "approve: $(cat "$T/out")"
grep -Eq '^approved donghu 2025 by local at 20[0-9-]+T' "$T/out" || sti_fail "approve said: $(cat "$T/out")"
stictl approvals --period 2025 >"$T/list" || sti_fail "approvals"
grep -Eq '^donghu .*已审核 approved +by local at ' "$T/list" || sti_fail "approvals: $(cat "$T/list")"
grep -Eq '^nanyuan .*未审核 open' "$T/list" || sti_fail "approvals (nanyuan): $(cat "$T/list")"
rc=0; stictl approve donghu 2025 2>"$T/err" || rc=$?
[ $rc -eq 1 ] && grep -q "approved already (by local" "$T/err" || sti_fail "approve twice: $rc $(cat "$T/err")"
latest_is donghu "500 2025 True" || sti_fail "progress after the approval: $(latest donghu)"
stictl progress --org donghu --year 2025 | grep -E '^hitech_enterprises ' | grep -q '已审核' ||
    sti_fail "the table's APPROVAL: $(stictl progress --org donghu --year 2025)"
stictl progress --org nanyuan --year 2025 | grep -E '^hitech_enterprises ' | grep -q '未审核' ||
    sti_fail "the table's APPROVAL (nanyuan)"

# A file with a row for the locked period and two others: the two are taken.
printf 'indicator,org,period,value\nhitech_enterprises,donghu,2025,520\nhitech_enterprises,nanyuan,2025,360\nhitech_enterprises,donghu,2024,480\n' >"$T/rows.csv"
rc=0; stictl ingest "$T/rows.csv" >"$T/out" 2>"$T/err" || rc=$?
[ $rc -eq 3 ] || sti_fail "ingest with a locked row: exit $rc $(cat "$T/out" "$T/err")"
grep -q "accepted 2, rejected 1" "$T/out" && grep -q "已审核锁定" "$T/out" &&
    grep -q "donghu's figures for 2025 were approved by local at 20" "$T/out" &&
    grep -q "row 1: period: hitech_enterprises at donghu for 2025" "$T/out" &&
    grep -q "ask an officer to reopen" "$T/out" || sti_fail "the refusal: $(cat "$T/out")"
# The same file again is the same request (stictl's ids come from the file):
# answered as the first time, and neither applied nor audited twice.
rc=0; stictl --json ingest "$T/rows.csv" >"$T/out.json" 2>/dev/null || rc=$?
/usr/bin/python3 - "$T/out.json" <<'PY' || sti_fail "--json refusal: $(cat "$T/out.json")"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["accepted"] == 2 and r["rejected"] == 1, r
assert [e["row"] for e in r["errors"]] == [1] and "已审核锁定" in r["errors"][0]["reason"], r
PY
sti_wait_for 20 latest_is nanyuan "360 2025 False"
latest_is donghu "500 2025 True" || sti_fail "the locked value changed: $(latest donghu)"
# A withdrawal of the locked value is refused too.
rc=0; stictl value withdraw hitech_enterprises donghu 2025 --reason "重复" 2>"$T/err" || rc=$?
[ $rc -eq 1 ] && grep -q "已审核锁定" "$T/err" || sti_fail "withdraw a locked value: $rc $(cat "$T/err")"

# The audit: the approval and each refusal, with the person.
[ "$(audit_count op approval.approve org donghu period 2025 who local role admin)" = 1 ] ||
    sti_fail "audit of the approval: $(audit)"
[ "$(audit_count op obs.submit result refused_locked org donghu period 2025 who local rows 0 approved_by local)" = 1 ] ||
    sti_fail "audit of the refused rows: $(audit)"
[ "$(audit_count op value.withdraw result refused_locked org donghu period 2025 who local)" = 1 ] ||
    sti_fail "audit of the refused withdrawal: $(audit)"
# The events, on ind._approval.<org>.
events_are() {
    [ "$(stictl --json events since 0 --prefix ind._approval.donghu | /usr/bin/python3 -c '
import json, sys
print(" ".join(json.loads(l)["type"] for l in sys.stdin))')" = "$1" ]
}
sti_wait_for 20 events_are "approval.approved observation.refused_locked observation.refused_locked"
stictl --json events since 0 --prefix ind._approval.donghu >"$T/events.json"
/usr/bin/python3 - "$T/events.json" <<'PY' || sti_fail "the events: $(cat "$T/events.json")"
import json, sys
events = [json.loads(l) for l in open(sys.argv[1])]
a = events[0]
assert a["subject"] == "donghu/2025" and a["data"]["by"] == "local" and a["data"]["state"] == "approved", a
r = events[1]["data"]
assert r["org"] == "donghu" and r["period"] == "2025" and r["rows"] == [0], r
assert r["indicators"] == ["hitech_enterprises"] and r["approved_by"] == "local" and r["by"] == "local", r
w = events[2]["data"]
assert w["indicators"] == ["hitech_enterprises"] and w["approved_by"] == "local", w
PY

# --- the same request id: applied once ---
stictl --request-id signoff-1 approve nanyuan 2025 >"$T/out" || sti_fail "approve nanyuan"
stictl --json --request-id signoff-1 approve nanyuan 2025 >"$T/out.json" || sti_fail "approve nanyuan again"
grep -q '"replayed":true' "$T/out.json" || sti_fail "the repeat: $(cat "$T/out.json")"
[ "$(audit_count op approval.approve org nanyuan)" = 1 ] || sti_fail "the repeat was audited again: $(audit)"
# --approved: only approved figures count; donghu's 2024 is not approved.
latest_is nanyuan "360 2025 True" || sti_fail "nanyuan: $(latest nanyuan)"
stictl approve donghu 2024 >/dev/null && stictl reopen donghu 2024 --reason "补录" >/dev/null ||
    sti_fail "approve and reopen donghu 2024"
latest_is donghu "500 2025 True" approved || sti_fail "--approved: $(latest donghu approved)"

# --- reopen: a reason is needed; then the period takes rows again ---
rc=0; stictl reopen donghu 2025 2>/dev/null || rc=$?
[ $rc -eq 2 ] || sti_fail "reopen without --reason: exit $rc"
stictl reopen donghu 2025 --reason "街道更正数据" >"$T/out" || sti_fail "reopen: $(cat "$T/out")"
grep -q "^reopened donghu 2025 by local at .*: 街道更正数据$" "$T/out" || sti_fail "reopen said: $(cat "$T/out")"
[ "$(audit_count op approval.reopen org donghu period 2025 who local reason 街道更正数据)" = 1 ] ||
    sti_fail "audit of the reopen: $(audit)"
stictl approvals --period 2025 --org donghu | grep -q "已退回 reopened.*: 街道更正数据" ||
    sti_fail "approvals after the reopen: $(stictl approvals --period 2025)"
rc=0; stictl reopen donghu 2025 --reason again 2>"$T/err" || rc=$?
[ $rc -eq 1 ] && grep -q "is not approved" "$T/err" || sti_fail "reopen twice: $rc $(cat "$T/err")"
sti_wait_for 20 events_are "approval.approved observation.refused_locked observation.refused_locked approval.approved approval.reopened approval.reopened"

# --- rows accepted but not applied when the approval comes: it waits ---
sti_stop indicators || sti_fail "sti-indicators did not exit 0"
printf 'indicator,org,period,value\nhitech_enterprises,donghu,2025,530\n' >"$T/rows.csv"
stictl ingest "$T/rows.csv" >/dev/null || sti_fail "ingest while sti-indicators is away"
# Another consumer of the group holds the entry, read and not applied.
sti_redis_cli XREADGROUP GROUP indicators ghost COUNT 10 STREAMS "$ns:intake" '>' >/dev/null
start_indicators test-1 --claim-idle-ms 1h
sti_wait_service sti.indicators
rc=0; stictl approve donghu 2025 2>"$T/err" || rc=$?
# stictl asks again for 5 s, then says why.
[ $rc -eq 1 ] && grep -q "still being applied; waiting" "$T/err" && grep -q "not applied yet" "$T/err" ||
    sti_fail "approve with a backlog: $rc $(cat "$T/err")"
[ "$(audit_count op approval.approve org donghu period 2025)" = 1 ] || sti_fail "a refused approval was audited"
latest_is donghu "500 2025 False" || sti_fail "the pending row applied early: $(latest donghu)"
# The consumer that holds it comes back and applies it; then the approval is of 530.
sti_stop indicators || sti_fail "sti-indicators did not exit 0"
start_indicators ghost
sti_wait_for 20 latest_is donghu "530 2025 False"
stictl approve donghu 2025 >/dev/null || sti_fail "approve after the backlog"

# --- kill -9 of Redis, restart of the services: the lock holds ---
sti_stop ingest || sti_fail "sti-ingest did not exit 0"
sti_stop indicators || sti_fail "sti-indicators did not exit 0"
sti_restart_redis KILL
start_ingest
start_indicators
sti_wait_service sti.ingest
sti_wait_service sti.indicators
printf 'indicator,org,period,value\nhitech_enterprises,donghu,2025,540\n' >"$T/rows.csv"
rc=0; stictl ingest "$T/rows.csv" >"$T/out" 2>&1 || rc=$?
[ $rc -eq 3 ] && grep -q "已审核锁定" "$T/out" || sti_fail "after the restarts: $rc $(cat "$T/out")"
latest_is donghu "530 2025 True" || sti_fail "after the restarts: $(latest donghu)"
stictl approvals --period 2025 | grep -Eq '^donghu .*已审核 approved' || sti_fail "approvals after the restarts"
# A period that has not begun, and an unknown unit.
rc=0; stictl approve donghu 2099 2>"$T/err" || rc=$?
[ $rc -eq 1 ] && grep -q "has not begun" "$T/err" || sti_fail "a future period: $rc $(cat "$T/err")"
rc=0; stictl approve nowhere 2025 2>/dev/null || rc=$?
[ $rc -eq 4 ] || sti_fail "an unknown unit: exit $rc"
! grep -q NOPERM "$T"/ingest.log "$T"/indicators.log || sti_fail "a service log shows NOPERM"
sti_stop indicators || sti_fail "sti-indicators did not exit 0 on SIGTERM"
sti_stop ingest || sti_fail "sti-ingest did not exit 0 on SIGTERM"
echo ok
