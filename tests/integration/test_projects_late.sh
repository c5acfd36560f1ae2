#!/usr/bin/env bash
# A milestone that passed its due date undone raises project.milestone_late
# once, whichever of two sti-projects replicas finds it, and sti-notify's
# condition milestone_late turns it into one bilingual webhook message for
# the rule's project kind (none for another kind); a change of status is a
# project.status_changed event a project.status_changed rule tells. The
# projects are made up.
. "$STI_SOURCE/tests/lib.sh"
. "$STI_SOURCE/tests/integration/notify_lib.sh"
CALL="$STI_SOURCE/tests/helpers/sti_call.py"

sti_start_redis
sti_start_broker
plan_put "$STI_REDIS_URL" "$STI_NAMESPACE" "$STI_SOURCE/data/plans/linping-2021-2025" \
    donghu:linping >/dev/null || sti_fail "plan_put failed"
sti_spawn projects1 sti-projects --http-addr 127.0.0.1:0 --late-check-ms 100
sti_spawn projects2 sti-projects --http-addr 127.0.0.1:0 --late-check-ms 100
sti_wait_service sti.projects
sink_start hook
notify_start notify --streams prj
hook="webhook:http://127.0.0.1:$(sink_port hook)/hook"
nctl rule add late --when milestone_late --category incubator --to "$hook" >/dev/null ||
    sti_fail "rule add late"
nctl rule add moved --event project.status_changed --when any --org donghu --to "$hook" \
    >/dev/null || sti_fail "rule add moved"
rc=0; nctl rule add wrong --when milestone_late --event indicator.changed --to "$hook" \
    2>"$T/wrong.txt" || rc=$?
[ $rc -eq 1 ] && grep -q "milestone_late is a condition of project events" "$T/wrong.txt" ||
    sti_fail "milestone_late for indicator events: $(cat "$T/wrong.txt")"

# One incubator with a milestone long past and undone, one done, one far ahead;
# one platform with a milestone past (another kind: no message).
nctl project add INC-L --name 逾期孵化器（虚构） --name-en "Late incubator (made up)" \
    --kind incubator --level district --org donghu --start 2020 --end 2099 \
    --status in_progress --status-on 2020-01-02 \
    --milestone "2020-01-01 完成选址" --milestone "2020-06-30/2020-06-01 完成设计" \
    --milestone "2099-12-31 开园运营" >/dev/null || sti_fail "add INC-L"
nctl project add PF-L --name 逾期平台（虚构） --kind platform --level district --org linping \
    --start 2020 --end 2099 --milestone "2020-02-01 挂牌" >/dev/null || sti_fail "add PF-L"

late_raised() {
    [ "$(sti_redis_cli HGET "$STI_NAMESPACE:prj:m:INC-L" 1.late)" = 1 ] &&
        [ "$(sti_redis_cli HGET "$STI_NAMESPACE:prj:m:PF-L" 1.late)" = 1 ] &&
        [ "$(sti_redis_cli ZCARD "$STI_NAMESPACE:prj:due")" = 1 ]
}
sti_wait_for 20 late_raised
# Marked and out of the index: no replica raises them again. The one left
# in the index is INC-L's milestone due in 2099.
[ "$(sti_redis_cli ZRANGE "$STI_NAMESPACE:prj:due" 0 -1)" = "INC-L#3" ] ||
    sti_fail "the index: $(sti_redis_cli ZRANGE "$STI_NAMESPACE:prj:due" 0 -1)"

nctl project update INC-L --status suspended --reason "示例：调整（虚构）" >/dev/null ||
    sti_fail "suspend"
"$CALL" sti.projects events.since '{"stream": "prj", "seq": 0}' >"$T/events.json"
/usr/bin/python3 - "$T/events.json" <<'PY' || sti_fail "events: $(cat "$T/events.json")"
import json, sys
events = json.load(open(sys.argv[1]))["body"]["events"]
late = sorted(e["subject"] for e in events if e["type"] == "project.milestone_late")
assert late == ["INC-L#1", "PF-L#1"], late
changed = [e for e in events if e["type"] == "project.status_changed"]
assert len(changed) == 1 and changed[0]["data"]["status_after"] == "suspended", changed
e = [e for e in events if e["subject"] == "INC-L#1"][0]
assert e["topic"] == "prj.incubator.INC-L", e
assert (e["data"]["milestone"], e["data"]["due"], e["data"]["description"]) == (
    1, "2020-01-01", "完成选址"), e["data"]
PY

events_done() { curl -sf "http://127.0.0.1:$NOTIFY_HTTP/metrics" | grep -q '^sti_notify_events_total 3$'; }
sti_wait_for 20 events_done
sti_wait_for 20 lines_at_least "$T/hook.jsonl" 2
/usr/bin/python3 - "$T/hook.jsonl" <<'PY' || sti_fail "messages: $(cat "$T/hook.jsonl")"
import json, sys
bodies = [json.loads(json.loads(l)["body"]) for l in open(sys.argv[1])]
assert len(bodies) == 2, bodies
by_rule = {b["rule"]["name"]: b for b in bodies}
late = by_rule["late"]["message"]
assert late["zh"] == ("【STI Monitor】项目里程碑逾期：逾期孵化器（虚构） — 完成选址（截止 2020-01-01）"
                      " · donghu · INC-L#1"), late["zh"]
assert "Project milestone late: Late incubator (made up)" in late["en"], late["en"]
moved = by_rule["moved"]["message"]["zh"]
assert "项目状态变更：逾期孵化器（虚构）" in moved and "in_progress → suspended" in moved, moved
PY
# A suspended project's milestones are not late any more: the one due in 2099
# left the index.
[ "$(sti_redis_cli ZCARD "$STI_NAMESPACE:prj:due")" = 0 ] || sti_fail "suspended, still indexed"
nctl project list --late | grep -q "^PF-L " || sti_fail "list --late"
echo ok
