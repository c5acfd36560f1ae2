#!/usr/bin/env bash
# The plan's projects through stictl, on a real Redis, broker and
# sti-projects: add, show, update (fields, status with its history and
# event, investment made), milestone, list with filters; bad input named by
# field (an unknown kind, programme tag, org unit and unit, each named);
# import of data/examples/projects.csv (made-up projects), the same file
# again (unchanged), an .xlsx, a file with bad rows (row, field, reason;
# nothing of it imported, its good rows neither), a retried import with the
# same --request-id (applied once). Every project here is made up.
. "$STI_SOURCE/tests/lib.sh"
CALL="$STI_SOURCE/tests/helpers/sti_call.py"
EXAMPLE="$STI_SOURCE/data/examples/projects.csv"
P() { stictl --broker "$STI_BROKER" --timeout 15000 "$@"; }
count() { P --json project list --limit 1000 | /usr/bin/python3 -c \
    'import json, sys; print(len(json.load(sys.stdin)["projects"]))'; }

sti_start_redis
sti_start_broker
plan_put "$STI_REDIS_URL" "$STI_NAMESPACE" "$STI_SOURCE/data/plans/linping-2021-2025" \
    donghu:linping >/dev/null || sti_fail "plan_put failed"
sti_spawn projects sti-projects --http-addr 127.0.0.1:0
sti_wait_service sti.projects

# --- add, show ---
P project add PF-1 --name 测试平台 --name-en "Test platform" --kind platform --level provincial \
    --org donghu --start 2021 --end 2024Q2 --programme peak_platforms --investment 1.5亿元 \
    --lead 测试单位 --status-on 2021-01-05 --milestone "2022-06-30/2022-06-01 主体完工" --milestone "2099-12-31 验收" \
    >"$T/add.txt" || sti_fail "add: $(cat "$T/add.txt")"
grep -qx "project PF-1: added (version 1)" "$T/add.txt" || sti_fail "add said: $(cat "$T/add.txt")"
P --json project show PF-1 >"$T/show.json"
/usr/bin/python3 - "$T/show.json" <<'PY' || sti_fail "show: $(cat "$T/show.json")"
import json, sys
p = json.load(open(sys.argv[1]))
assert p["investment"] == {"value": 15000, "unit": "万元"}, p["investment"]
assert p["status"] == "planned" and p["version"] == 1 and p["org"] == "donghu", p
m = p["milestones"]
assert [(x["id"], x["due"], x["done"], x["late"]) for x in m] == [
    (1, "2022-06-30", "2022-06-01", False), (2, "2099-12-31", None, False)], m
assert [(h["from"], h["to"]) for h in p["history"]] == [(None, "planned")], p["history"]
PY
P project show PF-1 | grep -q "milestones:" || sti_fail "show as text"

# --- bad input: every problem named, nothing added ---
rc=0
P project add BAD-1 --name 坏 --kind rocket --level national --org nowhere --start 2023 \
    --end 2021 --programme equipment --investment 3kg >"$T/bad.txt" 2>&1 || rc=$?
[ $rc -eq 1 ] || sti_fail "a bad add exited $rc: $(cat "$T/bad.txt")"
for expected in "kind: 'rocket' is not one of platform, research, incubator, other" \
    "programme: tag 'equipment' is a field, not a programme" \
    "org: unknown org unit 'nowhere'" "investment: unit 'kg' is not known" \
    "end: 2021 is before the start 2023"; do
    grep -qF "$expected" "$T/bad.txt" || sti_fail "bad add lacks '$expected': $(cat "$T/bad.txt")"
done
"$CALL" sti.projects project.add '{"code": "BAD-2", "name_zh": "坏", "kind": "other",
    "level": "district", "org": "linping", "start": "2023", "end": "2024",
    "programme": "no_such_tag"}' >"$T/bad2.json"
grep -q "unknown tag 'no_such_tag'" "$T/bad2.json" || sti_fail "unknown tag: $(cat "$T/bad2.json")"
[ "$(count)" = 1 ] || sti_fail "a refused add left a project"

# --- update: fields, status (history and event), investment made ---
P project update PF-1 --status in_progress --status-on 2021-03-01 --invested 2021=2000 \
    --invested 2022=0.3亿元 | grep -qx "project PF-1: updated (version 2)" || sti_fail "update"
rc=0; P project update PF-1 --status suspended >"$T/noreason.txt" 2>&1 || rc=$?
[ $rc -eq 1 ] && grep -q "reason: needed when a project is suspended" "$T/noreason.txt" ||
    sti_fail "suspension without a reason: $(cat "$T/noreason.txt")"
rc=0; P project update PF-1 --version 1 --lead x >"$T/stale.txt" 2>&1 || rc=$?
[ $rc -eq 1 ] && grep -q "conflict: project PF-1 is at version 2, not 1" "$T/stale.txt" ||
    sti_fail "a stale version: $(cat "$T/stale.txt")"
P project update PF-1 --clear lead --invested 2021= | grep -q "version 3" || sti_fail "clear"
P project milestone PF-1 --due 2023-03-31 --description 中期检查 | grep -q "milestone added" ||
    sti_fail "milestone add"
P project milestone PF-1 --id 3 --done 2023-03-20 | grep -q "version 5" || sti_fail "milestone done"
P --json project show PF-1 >"$T/show2.json"
/usr/bin/python3 - "$T/show2.json" <<'PY' || sti_fail "after the updates: $(cat "$T/show2.json")"
import json, sys
p = json.load(open(sys.argv[1]))
assert p["lead"] is None and p["status"] == "in_progress" and p["status_on"] == "2021-03-01", p
assert p["invested"] == [{"period": "2022", "value": 3000}], p["invested"]
assert [(h["from"], h["to"], h["on"]) for h in p["history"]] == [
    (None, "planned", "2021-01-05"), ("planned", "in_progress", "2021-03-01")], p["history"]
assert p["milestones"][2] == {"id": 3, "due": "2023-03-31", "description": "中期检查",
                              "done": "2023-03-20", "late": False}, p["milestones"]
PY
"$CALL" sti.projects events.since '{"stream": "prj", "seq": 0}' >"$T/events.json"
/usr/bin/python3 - "$T/events.json" <<'PY' || sti_fail "events: $(cat "$T/events.json")"
import json, sys
events = json.load(open(sys.argv[1]))["body"]["events"]
changed = [e for e in events if e["type"] == "project.status_changed"]
assert len(changed) == 1, events
e = changed[0]
assert e["topic"] == "prj.platform.PF-1" and e["subject"] == "PF-1", e
d = e["data"]
assert (d["status_before"], d["status_after"], d["on"], d["org"]) == (
    "planned", "in_progress", "2021-03-01", "donghu"), d
PY

# --- import: the example, again (unchanged), an .xlsx ---
P project import "$EXAMPLE" >"$T/import.txt" || sti_fail "import: $(cat "$T/import.txt")"
grep -qx "imported 6 projects: 6 added, 0 unchanged" "$T/import.txt" ||
    sti_fail "import said: $(cat "$T/import.txt")"
P project import "$EXAMPLE" | grep -qx "imported 6 projects: 0 added, 6 unchanged" ||
    sti_fail "the same file again"
[ "$(count)" = 7 ] || sti_fail "after the import: $(count) projects"
P --json project show EX-PF-01 >"$T/ex.json"
/usr/bin/python3 - "$T/ex.json" <<'PY' || sti_fail "an imported project: $(cat "$T/ex.json")"
import json, sys
p = json.load(open(sys.argv[1]))
assert p["investment"]["value"] == 50000 and p["programme"] == "peak_platforms", p
assert p["invested_total"] == 20000 and p["status"] == "in_progress", p
assert p["milestones"][0]["done"] == "2022-06-20", p["milestones"]
PY
P project list --kind incubator --status completed >"$T/list.txt"
[ "$(grep -c '^EX-INC' "$T/list.txt")" = 2 ] || sti_fail "list filters: $(cat "$T/list.txt")"
P --json project list --level national --limit 1 >"$T/page.json"
/usr/bin/python3 - "$T/page.json" <<'PY' || sti_fail "a page: $(cat "$T/page.json")"
import json, sys
r = json.load(open(sys.argv[1]))
assert [p["code"] for p in r["projects"]] == ["EX-INC-01"] and r["next"] == "EX-INC-01", r
PY
cat >"$T/more.csv" <<'EOF'
项目代码,项目名称,项目类型,项目级别,责任单位,开始期间,结束期间,计划投资,投资单位,状态,里程碑
XL-1,表格项目（虚构）,research,district,linping,2024,2025,80,万元,in_progress,2024-12-31 结题
EOF
/usr/bin/python3 - "$T/more.csv" "$T/more.json" <<'PY'
import csv, json, sys
rows = list(csv.reader(open(sys.argv[1], encoding="utf-8")))
rows[1][7] = float(rows[1][7])  # the amount as a number, as a clerk types it
json.dump(rows, open(sys.argv[2], "w"), ensure_ascii=False)
PY
/usr/bin/python3 "$STI_SOURCE/tests/helpers/xlsx_tool.py" make "$T/more.xlsx" "$T/more.json" ||
    sti_fail "xlsx_tool make"
P project import "$T/more.xlsx" | grep -qx "imported 1 projects: 1 added, 0 unchanged" ||
    sti_fail "an .xlsx import"
P --json project show XL-1 | grep -q '"investment":{"value":80,"unit":"万元"}' ||
    sti_fail "the .xlsx row"

# --- a file with bad rows: every problem named, nothing imported ---
cat >"$T/bad.csv" <<'EOF'
code,name_zh,kind,level,org,start,end,investment,milestones
OK-1,好项目（虚构）,other,district,linping,2023,2024,10万元,2024-06-30 完成
OK-2,又一个（虚构）,rocket,national,nowhere,2023,2024,10kg,2024-06-30
EX-INC-01,改过的（虚构）,incubator,national,linping,2021,2022,,
EOF
rc=0; P project import "$T/bad.csv" >"$T/badimport.txt" 2>&1 || rc=$?
[ $rc -eq 1 ] || sti_fail "a bad import exited $rc: $(cat "$T/badimport.txt")"
for expected in "nothing was imported" \
    "row 2: milestones: '2024-06-30' is not DUE DESCRIPTION or DUE/DONE DESCRIPTION" \
    "row 2: kind: 'rocket' is not one of platform, research, incubator, other" \
    "row 2: org: unknown org unit 'nowhere'" "row 2: investment: unit 'kg' is not known"; do
    grep -qF "$expected" "$T/badimport.txt" || sti_fail "bad import lacks '$expected': $(cat "$T/badimport.txt")"
done
[ "$(count)" = 8 ] || sti_fail "a refused import left projects ($(count))"
# Row 3 alone: its code exists with other data, named; still nothing imported.
sed -i '2,3d' "$T/bad.csv"
rc=0; P project import "$T/bad.csv" >"$T/conflict.txt" 2>&1 || rc=$?
[ $rc -eq 1 ] && grep -qF "row 1: code: project EX-INC-01 exists" "$T/conflict.txt" ||
    sti_fail "an existing code: rc $rc: $(cat "$T/conflict.txt")"

# --- a retried import (the same --request-id) is applied once ---
printf 'code,name_zh,kind,level,org,start,end\nRT-1,重试（虚构）,other,district,linping,2024,2024\n' \
    >"$T/retry.csv"
P --request-id retry-import-1 project import "$T/retry.csv" | grep -q "1 added" ||
    sti_fail "the first import"
P --request-id retry-import-1 project import "$T/retry.csv" | grep -q "1 added" ||
    sti_fail "the retry is answered as the first time"
[ "$(sti_redis_cli ZCARD "$STI_NAMESPACE:prj:all")" = 9 ] || sti_fail "the retry added again"
echo ok
