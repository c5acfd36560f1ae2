#!/usr/bin/env bash
# The evaluation report (docs/report.md) through stictl against real
# processes: the Linping plan with the org units donghu and nanyuan, values
# for both, a revised value, a project with a milestone; `stictl report`
# writes a workbook (Chinese, then English) that Python's zipfile and xml
# read back: every indicator of the summary and of donghu's sheet has the
# figures `stictl progress --json` gives, a line chart is there, the
# revision, the project and its milestone are listed; two units with one
# long name full of characters Excel refuses get sheets named within its
# rules, told apart. The gateway's
# GET /api/v1/report answers what the op report.data answers, with the
# projects of sti-projects added (and without them, saying why, when
# sti-projects is down). Each report written is recorded as issued: the
# next one lists the revisions made since, a draft records nothing, a run
# again with its request id records nothing twice. GET
# /api/v1/report.xlsx answers the same workbook (a draft; 401 without a
# token), POST records it as issued first (an officer: once per
# Idempotency-Key; a reader: 403 and no workbook). Bad input
# (an unknown kind, a year outside the plan or not one the kind allows, a
# path that cannot be written) is refused with a clear error and no file.
# Every figure, target, org unit and project here is made up for the test;
# only the plan (its indicators, baselines, years) is the plan's.
. "$STI_SOURCE/tests/lib.sh"
. "$STI_SOURCE/tests/integration/gateway_lib.sh"

stictl() { command stictl --timeout 15000 "$@"; }
CHECK="$STI_SOURCE/tests/helpers/report_check.py"
CALL="$STI_SOURCE/tests/helpers/sti_call.py"

gw_setup
sti_wait_service sti.projects
stictl target set hitech_enterprises 2025 1000 >/dev/null || sti_fail "target"
# Two units with one long name that Excel could not take as a sheet's name.
LONG='临平区某某街道科技创新服务中心[甲]:乙/丙?丁*戊\己及其下属的各个孵化平台'
for code in long_a long_b; do
    stictl org add $code --parent linping --name "$LONG" >/dev/null || sti_fail "org add $code"
done
stictl target set hitech_enterprises 2025 400 --org donghu >/dev/null || sti_fail "target donghu"
# Duties (made up): both towns report hitech_enterprises and tech_smes each
# year, due by the end of February (the default); the report's completeness
# for 2023 then owes four, three received (late: sent now), one missing.
for code in donghu nanyuan; do
    stictl duty type $code street >/dev/null || sti_fail "duty type $code"
done
stictl duty assign street hitech_enterprises tech_smes >/dev/null || sti_fail "duty assign"

# Made-up values: two towns, three years; donghu's 2023 figure is revised.
cat >"$T/rows.csv" <<'CSV'
indicator,org,period,value
hitech_enterprises,donghu,2021,250
hitech_enterprises,donghu,2022,290
hitech_enterprises,donghu,2023,310
hitech_enterprises,nanyuan,2021,330
hitech_enterprises,nanyuan,2022,350
hitech_enterprises,nanyuan,2023,380
rd_expenditure,donghu,2022,21.5
rd_expenditure,nanyuan,2022,30.25
tech_smes,donghu,2023,900
CSV
stictl ingest "$T/rows.csv" | grep -qx "accepted 9, rejected 0" || sti_fail "ingest"
printf 'indicator,org,period,value\nhitech_enterprises,donghu,2023,320\n' >"$T/revise.csv"
stictl ingest "$T/revise.csv" | grep -qx "accepted 1, rejected 0" || sti_fail "ingest revision"
# latest_is CODE VALUE: true once the root's 2023 progress shows VALUE for CODE.
latest_is() {
    stictl --json progress --year 2023 | /usr/bin/python3 -c '
import json, sys
rows = {r["code"]: r for r in json.load(sys.stdin)["indicators"]}
sys.exit(0 if rows[sys.argv[1]]["latest"] == float(sys.argv[2]) else 1)' "$1" "$2"
}
sti_wait_for 20 latest_is hitech_enterprises 700
stictl project add PR-1 --name 报告测试平台 --name-en "Report test platform" --kind platform \
    --level district --org donghu --start 2021 --end 2025 --milestone "2022-06-30 主体完工" \
    >/dev/null || sti_fail "project add"
# The first project written makes sti-projects feed the incubators (the
# plan's 2020 count, 11: no incubator project is completed) through sti-ingest.
sti_wait_for 20 latest_is incubators 11

stictl --json progress --year 2023 >"$T/root.json"
stictl --json progress --year 2023 --org donghu >"$T/donghu.json"
echo '{"revision": ["hitech_enterprises", "donghu", "2023", 2], "project": "PR-1",
       "milestone": "主体完工", "chart_point": ["hitech_enterprises", 2020, 578, 578],
       "completeness_total": [4, 3, 0, 3], "completeness_orgs": ["donghu", "nanyuan"]}' \
    >"$T/checks.json"

# --- the workbook, in Chinese and in English ---
stictl report --year 2023 --kind annual -o "$T/report.xlsx" >"$T/out.txt" 2>&1 ||
    sti_fail "report: $(cat "$T/out.txt")"
grep -q "^wrote report 2023 annual to $T/report.xlsx" "$T/out.txt" || sti_fail "said: $(cat "$T/out.txt")"
/usr/bin/python3 "$CHECK" "$T/report.xlsx" zh "$T/root.json" 东湖 "$T/donghu.json" \
    "$T/checks.json" || sti_fail "the Chinese workbook"
/usr/bin/python3 - "$T/report.xlsx" "$LONG" <<'PY' || sti_fail "the long names' sheets"
import re, sys, zipfile
names = re.findall(r'<sheet name="([^"]*)"', zipfile.ZipFile(sys.argv[1]).read("xl/workbook.xml").decode())
cut = re.sub(r"[\[\]:*?/\\]", "_", sys.argv[2])[:28]
assert cut in names and cut + "~2" in names, (cut, names)
PY
# The Chinese report was recorded as issued: without --since the next
# annual one would list only what was revised after it.
stictl report --year 2023 --kind annual --lang en --since 2023-01-01 -o "$T/report-en.xlsx" \
    >/dev/null ||
    sti_fail "report --lang en"
/usr/bin/python3 "$CHECK" "$T/report-en.xlsx" en "$T/root.json" donghu "$T/donghu.json" \
    "$T/checks.json" || sti_fail "the English workbook"
stictl report --year 2025 --kind final -o "$T/final.xlsx" >/dev/null || sti_fail "final report"
stictl report --year 2023 --kind midterm -o "$T/mid.xlsx" >/dev/null || sti_fail "midterm report"

# --- the gateway's route answers what the op answers ---
TOKEN=$(gw_token reporter --role reader) || sti_fail "token"
curl -sf -H "Authorization: Bearer $TOKEN" "$GW/api/v1/report?year=2023&kind=annual" \
    >"$T/http.json" || sti_fail "GET /api/v1/report"
"$CALL" sti.indicators report.data '{"year": 2023, "kind": "annual"}' >"$T/op.json" ||
    sti_fail "report.data"
"$CALL" sti.projects project.get '{"code": "PR-1"}' >"$T/project.json" || sti_fail "project.get"
/usr/bin/python3 - "$T/http.json" "$T/op.json" "$T/project.json" <<'PY' ||
import json, sys
http, op, project = (json.load(open(p)) for p in sys.argv[1:])
assert op["ok"] and project["ok"], (op, project)
op = op["body"]
# The route adds sti-projects' projects to the op's document: project.get's answer of each.
assert http.pop("projects") == [project["body"]], http
assert http["last_report"]["kind"] == "annual" and http["last_report"]["year"] == 2023, http
for doc in (http, op):
    doc.pop("made")
    doc["completeness"].pop("as_of")
def same(a, b, where):
    if isinstance(a, dict):
        assert isinstance(b, dict) and a.keys() == b.keys(), where
        for k in a:
            same(a[k], b[k], where + "." + k)
    elif isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            same(x, y, f"{where}[{i}]")
    elif isinstance(a, float) or isinstance(b, float):
        assert abs(a - b) <= 1e-12 * max(1.0, abs(b)), (where, a, b)
    else:
        assert a == b, (where, a, b)
same(http, op, "report")
assert [r["code"] for r in op["indicators"]][:1] == ["rd_expenditure"], op["indicators"][0]
assert sorted(o["org"] for o in op["orgs"]) == ["donghu", "long_a", "long_b", "nanyuan"], op["orgs"]
assert op["revisions_more"] is False, op
total = op["completeness"]["total"]
assert (total["expected"], total["received"], total["late"], total["missing"]) == (4, 3, 3, 1), total
assert sorted(o["org"] for o in op["completeness"]["orgs"]) == ["donghu", "nanyuan"], op["completeness"]
PY
    sti_fail "the route differs from the op"
# --- the gateway's workbook: the one stictl report writes ---
# A draft by GET, the revisions since 2023-01-01 (the reports issued above
# would hide donghu's); read back as stictl's, named for the plan and year,
# the file in upload_dir ($T) removed.
curl -sf -D "$T/xlsx.head" -H "Authorization: Bearer $TOKEN" -o "$T/http.xlsx" \
    "$GW/api/v1/report.xlsx?year=2023&kind=annual&since=2023-01-01" ||
    sti_fail "GET /api/v1/report.xlsx"
tr -d '\r' <"$T/xlsx.head" >"$T/xlsx.headers"
grep -qix 'content-type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' \
    "$T/xlsx.headers" || sti_fail "the workbook's type: $(cat "$T/xlsx.headers")"
grep -qx "Content-Disposition: attachment; filename=\"report-linping-2021-2025-2023-annual.xlsx\"; filename\*=UTF-8''%E4%B8%B4%E5%B9%B3%E5%8C%BA.*%202023%20%E5%B9%B4%E5%BA%A6%E7%9B%91%E6%B5%8B%E6%8A%A5%E5%91%8A.xlsx" \
    "$T/xlsx.headers" || sti_fail "the workbook's name: $(grep -i disposition "$T/xlsx.headers")"
/usr/bin/python3 "$CHECK" "$T/http.xlsx" zh "$T/root.json" 东湖 "$T/donghu.json" \
    "$T/checks.json" || sti_fail "the gateway's workbook"
/usr/bin/python3 - "$T/http.xlsx" "$T/http.json" "$STI_SOURCE/tests/helpers" <<'PY' ||
import json, sys
sys.path.insert(0, sys.argv[3])
from report_check import Book
rows = Book(sys.argv[1]).rows("汇总")
latest = {r[0]: r.get(5) for n, r in rows.items() if n >= 4 and 0 in r}
http = json.load(open(sys.argv[2]))
for ind in http["indicators"]:
    assert latest[ind["code"]] == ind["latest"], (ind["code"], latest[ind["code"]], ind["latest"])
assert latest["hitech_enterprises"] == 700.0, latest
PY
    sti_fail "the workbook's latest values are not GET /api/v1/report's"
curl -sf -D "$T/en.head" -H "Authorization: Bearer $TOKEN" -o "$T/http-en.xlsx" \
    "$GW/api/v1/report.xlsx?year=2023&kind=annual&since=2023-01-01&lang=en" ||
    sti_fail "GET /api/v1/report.xlsx?lang=en"
/usr/bin/python3 "$CHECK" "$T/http-en.xlsx" en "$T/root.json" donghu "$T/donghu.json" \
    "$T/checks.json" || sti_fail "the gateway's English workbook"
grep -qi "filename\*=UTF-8''Linping%20District%20.*%20Annual%20monitoring%20report%202023.xlsx" \
    "$T/en.head" || sti_fail "the English workbook's name: $(grep -i disposition "$T/en.head")"
ls "$T"/sti-gateway-report-* 2>/dev/null && sti_fail "a workbook was left in upload_dir"
code=$(curl -s -o "$T/bad.json" -w '%{http_code}' "$GW/api/v1/report.xlsx?year=2023&kind=annual")
[ "$code" = 401 ] && grep -q '"unauthenticated"' "$T/bad.json" ||
    sti_fail "GET /api/v1/report.xlsx without a token: $code $(cat "$T/bad.json")"
code=$(curl -s -o "$T/bad.json" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" \
    "$GW/api/v1/report.xlsx?year=2023&kind=annual&lang=fr")
[ "$code" = 400 ] && grep -q 'lang: must be zh or en' "$T/bad.json" ||
    sti_fail "GET /api/v1/report.xlsx with lang=fr: $code $(cat "$T/bad.json")"
code=$(curl -s -o "$T/bad.json" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" \
    "$GW/api/v1/report.xlsx?year=2030&kind=annual")
[ "$code" = 400 ] && grep -q "year: 2030 is outside the plan's years 2021 to 2025" "$T/bad.json" ||
    sti_fail "GET /api/v1/report.xlsx of 2030: $code $(cat "$T/bad.json")"

code=$(curl -s -o "$T/bad.json" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" \
    "$GW/api/v1/report?year=2023&kind=weekly")
[ "$code" = 400 ] && grep -q "kind: must be annual, midterm or final, got 'weekly'" "$T/bad.json" ||
    sti_fail "GET with kind weekly: $code $(cat "$T/bad.json")"

# --- revisions since the last report: each report issued is recorded ---
# Two annual reports: the second lists the revisions made since the first
# was made (its `made`), not those before; a draft records nothing; a run
# again with the same request id records nothing twice.
issued() { "$CALL" sti.indicators report.list '{"kind": "annual", "limit": 100}'; }
count_issued() { issued | /usr/bin/python3 -c 'import json,sys; print(len(json.load(sys.stdin)["body"]["reports"]))'; }
stictl --json report --year 2023 --kind annual -o "$T/first.xlsx" >"$T/first.json" ||
    sti_fail "first report: $(cat "$T/first.json")"
printf 'indicator,org,period,value\nhitech_enterprises,nanyuan,2023,390\n' >"$T/revise2.csv"
stictl ingest "$T/revise2.csv" | grep -qx "accepted 1, rejected 0" || sti_fail "ingest revision 2"
sti_wait_for 20 latest_is hitech_enterprises 710
before=$(count_issued)
stictl --json report --year 2023 --kind annual --draft -o "$T/draft.xlsx" >"$T/draft.json" ||
    sti_fail "draft: $(cat "$T/draft.json")"
[ "$(count_issued)" = "$before" ] || sti_fail "a draft was recorded"
stictl --json --request-id rep-2 report --year 2023 --kind annual -o "$T/second.xlsx" \
    >"$T/second.json" || sti_fail "second report: $(cat "$T/second.json")"
stictl --json --request-id rep-2 report --year 2023 --kind annual -o "$T/second.xlsx" \
    >"$T/again.json" || sti_fail "second report again: $(cat "$T/again.json")"
[ "$(count_issued)" = $((before + 1)) ] || sti_fail "the second report was not recorded once"
issued >"$T/issued.json"
/usr/bin/python3 - "$T/first.json" "$T/draft.json" "$T/second.json" "$T/again.json" \
    "$T/issued.json" "$T/second.xlsx" <<'PY' || sti_fail "revisions since the last report"
import json, re, sys, zipfile
first, draft, second, again, issued = (json.load(open(p)) for p in sys.argv[1:6])
# The first lists nothing (the English report before it was made after every
# revision then); the draft and the second start at the first's made and
# list the one revision made since.
assert first["revisions"] == 0 and first["issued"]["by"], first
assert draft["issued"] is None and draft["since"] == first["issued"]["made"], draft
assert second["since"] == first["issued"]["made"] and second["revisions"] == 1, second
assert again["issued"] == second["issued"], (again, second)
reports = issued["body"]["reports"]
assert reports[0]["made"] == second["issued"]["made"] and reports[0]["file"] == "second.xlsx", reports
assert reports[1]["made"] == first["issued"]["made"] and reports[1]["file"] == "first.xlsx", reports
assert reports[0]["request"] == second["issued"]["request"], reports
# The workbook's revisions sheet holds nanyuan's, not donghu's older one.
book = zipfile.ZipFile(sys.argv[6])
shared = book.read("xl/sharedStrings.xml").decode()
assert "nanyuan" in shared, "the revision of nanyuan is not in the workbook"
PY
# stictl reports lists them, newest first, as report.list does.
stictl reports --kind annual --limit 2 >"$T/reports.txt" || sti_fail "stictl reports"
[ "$(wc -l <"$T/reports.txt")" = 2 ] && head -1 "$T/reports.txt" | grep -q " 2023 年度监测报告 (annual) 由 .* 发布 (issued by), 数据截至 .*, second.xlsx$" &&
    tail -1 "$T/reports.txt" | grep -q ", first.xlsx$" || sti_fail "stictl reports: $(cat "$T/reports.txt")"
stictl --json reports --kind annual --limit 1 | /usr/bin/python3 -c '
import json, sys
r = json.load(sys.stdin)["reports"]
assert len(r) == 1 and r[0]["file"] == "second.xlsx", r' || sti_fail "stictl reports --json"
stictl reports --limit 0 2>/dev/null && sti_fail "stictl reports --limit 0 was taken"
out=$(redis-cli -p "$REDIS_PORT" xlen "$STI_NAMESPACE:report:audit")
[ "$out" = "$(redis-cli -p "$REDIS_PORT" llen "$STI_NAMESPACE:report:issued")" ] ||
    sti_fail "the audit holds $out entries, not one a report"
# Each report recorded made one report.issued event (the retry none), in the
# log for subscribers (sti-notify can announce it).
"$CALL" sti.indicators events.since '{"stream": "ind", "seq": 0, "prefix": "ind._report."}' \
    >"$T/events.json"
/usr/bin/python3 - "$T/events.json" "$T/issued.json" <<'PY' || sti_fail "report.issued: $(cat "$T/events.json")"
import json, sys
events = [e for e in json.load(open(sys.argv[1]))["body"]["events"] if e["type"] == "report.issued"]
reports = json.load(open(sys.argv[2]))["body"]["reports"]   # the annual ones
annual = [e for e in events if e["data"]["kind"] == "annual"]
assert [e["data"]["request"] for e in reversed(annual)] == [r["request"] for r in reports], (events, reports)
last = events[-1]
assert last["topic"] == "ind._report.annual" and last["subject"] == "annual/2023", last
d = last["data"]
assert d == reports[0], (d, reports[0])   # the record as report.list shows it
PY
# report.issue refuses what report.data refuses, and a reader.
code=$(curl -s -o "$T/bad.json" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" \
    -H 'Content-Type: application/json' -d '{"year": 2023, "kind": "annual"}' "$GW/api/v1/reports")
[ "$code" = 403 ] || sti_fail "a reader's report.issue: $code $(cat "$T/bad.json")"
"$CALL" sti.indicators report.issue '{"year": 2024, "kind": "final"}' >"$T/bad.json"
grep -q "a final report is of the plan's last year 2025, got 2024" "$T/bad.json" ||
    sti_fail "report.issue of a final 2024: $(cat "$T/bad.json")"
"$CALL" sti.indicators report.issue '{"year": 2023, "kind": "annual", "made": "2999-01-01"}' \
    >"$T/bad.json"
grep -q '"field": "made"' "$T/bad.json" || sti_fail "a made in the future: $(cat "$T/bad.json")"
[ "$(count_issued)" = $((before + 1)) ] || sti_fail "a refused report.issue recorded"

# POST /api/v1/report.xlsx: a reader is refused (403, JSON, no workbook, no
# record); an officer gets the workbook once it is recorded, as report.list
# shows; the same Idempotency-Key again records nothing more.
code=$(curl -s -o "$T/bad.json" -w '%{http_code}' -X POST -H "Authorization: Bearer $TOKEN" \
    "$GW/api/v1/report.xlsx?year=2023&kind=annual")
[ "$code" = 403 ] && grep -q '"forbidden"' "$T/bad.json" ||
    sti_fail "a reader's POST /api/v1/report.xlsx: $code $(head -c 300 "$T/bad.json")"
[ "$(count_issued)" = $((before + 1)) ] || sti_fail "a reader's workbook was recorded"
OFFICER=$(gw_token issuer --role officer) || sti_fail "officer token"
for try in 1 2; do
    curl -sf -X POST -H "Authorization: Bearer $OFFICER" -H "Idempotency-Key: issue-2023" \
        -o "$T/issued-$try.xlsx" "$GW/api/v1/report.xlsx?year=2023&kind=annual" ||
        sti_fail "an officer's POST /api/v1/report.xlsx ($try)"
    [ "$(head -c 2 "$T/issued-$try.xlsx")" = PK ] || sti_fail "the issued workbook is no zip ($try)"
    [ "$(count_issued)" = $((before + 2)) ] || sti_fail "the issued workbook was not recorded once ($try)"
done
issued | /usr/bin/python3 -c '
import json, sys
r = json.load(sys.stdin)["body"]["reports"][0]
assert r["file"] == "report-linping-2021-2025-2023-annual.xlsx" and "issuer" in json.dumps(r["by"]), r' ||
    sti_fail "report.list does not show the workbook issued by the officer"

# --- bad input: a clear error, exit 1, no file ---
# refused WANT ARGS...: stictl report ARGS fails saying WANT and leaves no file.
refused() {
    local want=$1
    shift
    rm -f "$T/bad.xlsx"
    if stictl report "$@" >"$T/bad.out" 2>&1; then sti_fail "accepted: $*"; fi
    grep -qF -- "$want" "$T/bad.out" || sti_fail "$*: said $(cat "$T/bad.out")"
    [ ! -e "$T/bad.xlsx" ] || sti_fail "$*: left a file"
}
refused "kind: must be annual, midterm or final, got 'weekly'" --year 2023 --kind weekly -o "$T/bad.xlsx"
refused "year: 2030 is outside the plan's years 2021 to 2025" --year 2030 --kind annual -o "$T/bad.xlsx"
refused "a midterm report is of a year after the plan's first (2021)" --year 2021 --kind midterm -o "$T/bad.xlsx"
refused "a final report is of the plan's last year 2025, got 2024" --year 2024 --kind final -o "$T/bad.xlsx"
refused "since: must be YYYY-MM-DD" --year 2023 --kind annual --since 2023-13-01 -o "$T/bad.xlsx"
refused "since: must be YYYY-MM-DD" --year 2023 --kind annual --since 2023-3-1xx -o "$T/bad.xlsx"
refused "cannot write $T/no/such/dir/r.xlsx: directory $T/no/such/dir" \
    --year 2023 --kind annual -o "$T/no/such/dir/r.xlsx"
refused "-o wants a file ending in .xlsx" --year 2023 --kind annual -o "$T/bad.csv"
refused "--year, --kind and -o are required" --year 2023 -o "$T/bad.xlsx"

# Without sti-projects the route still answers the report, saying why it
# has no projects.
sti_stop projects
curl -sf -H "Authorization: Bearer $TOKEN" "$GW/api/v1/report?year=2023&kind=annual" \
    >"$T/http2.json" || sti_fail "GET /api/v1/report without sti-projects"
/usr/bin/python3 - "$T/http2.json" <<'PY' || sti_fail "without sti-projects: $(head -c 300 "$T/http2.json")"
import json, sys
doc = json.load(open(sys.argv[1]))
assert doc["projects"] is None and "sti.projects did not answer" in doc["projects_error"], doc.get("projects_error")
assert len(doc["indicators"]) == 25, len(doc["indicators"])
PY
# ... but no workbook: it lists the projects (503 naming sti.projects).
code=$(curl -s -o "$T/bad.json" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" \
    "$GW/api/v1/report.xlsx?year=2023&kind=annual")
[ "$code" = 503 ] && grep -q "sti.projects did not answer" "$T/bad.json" ||
    sti_fail "GET /api/v1/report.xlsx without sti-projects: $code $(cat "$T/bad.json")"
echo "ok"
