#!/usr/bin/env bash
# A clerk's files, through stictl exactly as a clerk types it: `stictl
# template` writes the form, it is filled in (with Python's zipfile and xml,
# not with stictl's own code: a number, a value typed with a thousands
# separator in another unit, a percentage, a formula with its saved result,
# a period typed as a number and one Excel turned into a month date) and goes
# back through `stictl ingest`; the rows left empty are skipped, the values
# land converted; a bad value is echoed with its Excel row; the form left
# empty and a header-only file submit nothing (exit 2). Then a CSV with a
# Chinese header, the same file in GBK (read as GBK and said so), an unknown
# column (named), the samples in data/examples (CSV and .xlsx hold the same
# rows and are accepted whole), `stictl progress -o progress.xlsx` (every
# indicator with the figures of `stictl --json progress`, read back with
# zipfile), and `stictl talent import` of an .xlsx. The figures are made up.
. "$STI_SOURCE/tests/lib.sh"

stictl() { command stictl --timeout 15000 "$@"; }
xlsx() { /usr/bin/python3 "$STI_SOURCE/tests/helpers/xlsx_tool.py" "$@"; }

sti_start_redis
sti_start_broker
head -c 32 /dev/urandom >"$T/talent.key"
chmod 600 "$T/talent.key"
sti_spawn ingest sti-ingest --http-addr 127.0.0.1:0
sti_spawn indicators sti-indicators --http-addr 127.0.0.1:0
sti_spawn talent env -u STI_TALENT_KEY sti-talent --http-addr 127.0.0.1:0 \
    --talent-key-file "$T/talent.key"
sti_wait_service sti.ingest
sti_wait_service sti.indicators
sti_wait_service sti.talent
stictl plan load "$STI_SOURCE/data/plans/linping-2021-2025" >/dev/null || sti_fail "plan load"
stictl org add donghu --parent linping --name 东湖街道 >/dev/null || sti_fail "org add"
stictl target set hitech_enterprises 2025 1000 >/dev/null || sti_fail "target set"

intake() { sti_redis_cli XLEN "$STI_NAMESPACE:intake"; }

# --- the template ---
cd "$T"
stictl template --year 2025 --org linping -o 填报模板.xlsx >"$T/out.txt" || sti_fail "template"
grep -qE "^wrote [0-9]+ indicators to 填报模板.xlsx \(2025, linping\)$" "$T/out.txt" \
    || sti_fail "template: $(cat "$T/out.txt")"
xlsx read 填报模板.xlsx >"$T/form.json" || sti_fail "the template does not read with zipfile"
xlsx validations 填报模板.xlsx >"$T/rules.json"
stictl --json indicator list >"$T/catalog.json" || sti_fail "indicator list"
/usr/bin/python3 - "$T/form.json" "$T/rules.json" "$T/catalog.json" <<'PY' || sti_fail "the template"
import json, sys
form, rules, catalog = (json.load(open(p, encoding="utf-8")) for p in sys.argv[1:4])
assert form["sheets"] == ["填报", "指标", "组织", "单位", "说明"], form["sheets"]
rows = form["rows"]
assert rows[0]["cells"] == {"A": "指标", "B": "指标名称", "C": "组织", "D": "期间", "E": "数值",
                            "F": "单位", "G": "来源", "H": "备注"}, rows[0]
reported = [i for i in catalog["indicators"] if not i["formula"]]
assert len(rows) == 1 + len(reported), (len(rows), len(reported))
for row, ind in zip(rows[1:], reported):
    c = row["cells"]
    assert c["A"] == ind["code"] and c["B"] == ind["name_zh"] and c["F"] == ind["unit"], row
    assert c["C"] == "linping" and c["D"] == "2025" and "E" not in c, row
kinds = {}
for rule in rules:
    kinds.setdefault(rule["type"] or "any", []).append(rule)
assert any(r["formula1"] == "'指标'!$A$2:$A$%d" % (len(reported) + 1) for r in kinds["list"]), rules
assert any(r["formula1"] and "亿元" in r["formula1"] and "万元" in r["formula1"]
           for r in kinds["list"]), rules
assert any(r["sqref"].startswith("D2") for r in kinds["any"]), rules
assert kinds["decimal"], rules
PY

# Not written over without --force: the form may hold a clerk's typing.
rc=0; stictl template --year 2025 --org linping -o 填报模板.xlsx 2>"$T/err.txt" || rc=$?
[ $rc -eq 2 ] && grep -q "exists" "$T/err.txt" || sti_fail "template over a file: rc $rc"
rc=0; stictl template --org nowhere -o x.xlsx 2>"$T/err.txt" || rc=$?
[ $rc -eq 4 ] && grep -q "no org unit 'nowhere'" "$T/err.txt" || sti_fail "template --org nowhere"

# The form as it is: every row without a value, nothing submitted.
before=$(intake)
rc=0; stictl ingest 填报模板.xlsx >"$T/out.txt" 2>"$T/err.txt" || rc=$?
[ $rc -eq 2 ] && grep -q "has a value: nothing was submitted" "$T/err.txt" \
    || sti_fail "the empty form: rc $rc $(cat "$T/out.txt" "$T/err.txt")"
[ "$(intake)" = "$before" ] || sti_fail "the empty form submitted something"

# Filled in.
cat >"$T/edits.json" <<'JSON'
[{"find": "hitech_enterprises", "col": "E", "number": 850},
 {"find": "rd_expenditure", "col": "E", "text": "12,000"},
 {"find": "rd_expenditure", "col": "F", "text": "万元"},
 {"find": "hitech_value_added_share", "col": "E", "text": "75.5%"},
 {"find": "tech_smes", "col": "E", "formula": "400+20", "number": 420},
 {"find": "gdp", "col": "E", "number": 1234.5},
 {"find": "gdp", "col": "D", "number": 2024},
 {"find": "talent_total", "col": "E", "number": 21.5},
 {"find": "talent_total", "col": "D", "number": 45778, "format": "yyyy-mm"}]
JSON
xlsx fill 填报模板.xlsx filled.xlsx "$T/edits.json" || sti_fail "fill"
stictl ingest filled.xlsx --source 填报 >"$T/out.txt" 2>"$T/err.txt" \
    || sti_fail "ingest filled: $(cat "$T/out.txt" "$T/err.txt")"
total=$(/usr/bin/python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["rows"]) - 1)' "$T/form.json")
grep -qx "accepted 6, rejected 0, skipped $((total - 6)) without a value" "$T/out.txt" \
    || sti_fail "ingest filled: $(cat "$T/out.txt")"
/usr/bin/python3 - "$REDIS_PORT" "$STI_NAMESPACE" <<'PY' || sti_fail "the values kept"
import sys, msgpack, redis
r = redis.Redis(port=int(sys.argv[1]))
entry = r.xrevrange(sys.argv[2] + ":intake", count=1)[0][1]
rows = {row[0]: row for row in msgpack.unpackb(entry[b"rows"], raw=False)}
want = {"hitech_enterprises": ("2025", 850), "rd_expenditure": ("2025", 1.2),
        "hitech_value_added_share": ("2025", 75.5), "tech_smes": ("2025", 420),
        "gdp": ("2024", 1234.5), "talent_total": ("2025-05", 21.5)}
assert set(rows) == set(want), rows
for code, (period, value) in want.items():
    assert rows[code][1] == "linping" and rows[code][2] == period, rows[code]
    assert abs(rows[code][3] - value) < 1e-9, rows[code]
    assert rows[code][4] == "填报", rows[code]
PY

# A bad value is echoed, with the row number Excel shows; a formula without a saved result.
cat >"$T/edits.json" <<'JSON'
[{"find": "hitech_enterprises", "col": "E", "text": "2,13"},
 {"find": "gdp", "col": "E", "formula": "1/0"},
 {"find": "tech_smes", "col": "E", "text": "1,234"},
 {"find": "tech_smes", "col": "D", "text": "2025-5"}]
JSON
xlsx fill 填报模板.xlsx bad.xlsx "$T/edits.json" || sti_fail "fill bad"
hitech_row=$(/usr/bin/python3 -c '
import json, sys
print(next(r["row"] for r in json.load(open(sys.argv[1]))["rows"] if r["cells"].get("A") == sys.argv[2]))' \
    "$T/form.json" hitech_enterprises)
gdp_row=$(/usr/bin/python3 -c '
import json, sys
print(next(r["row"] for r in json.load(open(sys.argv[1]))["rows"] if r["cells"].get("A") == sys.argv[2]))' \
    "$T/form.json" gdp)
rc=0; stictl ingest bad.xlsx --dry-run >"$T/out.txt" 2>"$T/err.txt" || rc=$?
[ $rc -eq 3 ] || sti_fail "bad values: rc $rc $(cat "$T/out.txt" "$T/err.txt")"
grep -qx "row $hitech_row: value: '2,13' is not a number" "$T/out.txt" &&
    grep -q "^row $gdp_row: row: cell E$gdp_row is a formula without a saved result" "$T/out.txt" &&
    grep -q "period: '2025-5' is not a period: write 2023, 2023Q2 or 2023-05" "$T/out.txt" ||
    sti_fail "bad values: $(cat "$T/out.txt")"

# --- CSV: a Chinese header, a quoted number with separators, then the same in GBK ---
printf '指标,组织,期间,数值,单位,备注\n' >zh.csv
printf 'hitech_enterprises,donghu,2024,"1,050",家,东湖街道上报\n' >>zh.csv
printf 'rd_expenditure,donghu,2024Q1,"3,000.5",万元,\n' >>zh.csv
printf 'tech_smes,donghu,2024,"2,13",,\n' >>zh.csv
rc=0; stictl ingest zh.csv >"$T/out.txt" 2>"$T/err.txt" || rc=$?
[ $rc -eq 3 ] && grep -qx "accepted 2, rejected 1" "$T/out.txt" &&
    grep -qx "row 3: value: '2,13' is not a number" "$T/out.txt" && [ ! -s "$T/err.txt" ] ||
    sti_fail "Chinese header: rc $rc $(cat "$T/out.txt" "$T/err.txt")"
/usr/bin/python3 -c 'import sys; open(sys.argv[2], "wb").write(open(sys.argv[1], encoding="utf-8").read().encode("gbk"))' \
    zh.csv gbk.csv
rc=0; stictl ingest gbk.csv --dry-run >"$T/out.txt" 2>"$T/err.txt" || rc=$?
[ $rc -eq 3 ] && grep -qx "accepted 2, rejected 1" "$T/out.txt" &&
    grep -q "read as GB18030 (GBK)" "$T/err.txt" ||
    sti_fail "GBK: rc $rc $(cat "$T/out.txt" "$T/err.txt")"
# The GBK note column arrives as the same UTF-8 text.
stictl --json ingest gbk.csv >"$T/out.json" 2>/dev/null || true
/usr/bin/python3 - "$REDIS_PORT" "$STI_NAMESPACE" <<'PY' || sti_fail "GBK text"
import sys, msgpack, redis
r = redis.Redis(port=int(sys.argv[1]))
entry = r.xrevrange(sys.argv[2] + ":intake", count=1)[0][1]
rows = msgpack.unpackb(entry[b"rows"], raw=False)
assert rows[0][:4] == ["hitech_enterprises", "donghu", "2024", 1050.0], rows
assert rows[0][5] == "东湖街道上报", rows
assert abs(rows[1][3] - 0.30005) < 1e-12, rows
PY
printf 'indicator,org,period,value,colour\ngdp,linping,2023,1,red\n' >colour.csv
rc=0; stictl ingest colour.csv 2>"$T/err.txt" || rc=$?
[ $rc -eq 2 ] && grep -q "header: unknown column 'colour' (column 5); the columns are indicator (指标), org (组织)" "$T/err.txt" ||
    sti_fail "unknown column: rc $rc $(cat "$T/err.txt")"

# --- the samples: accepted whole, the same rows in both ---
for f in values.csv values.xlsx; do
    rc=0; stictl --json ingest "$STI_SOURCE/data/examples/$f" --dry-run >"$T/$f.json" || rc=$?
    [ $rc -eq 0 ] || sti_fail "sample $f: rc $rc $(cat "$T/$f.json")"
done
xlsx read "$STI_SOURCE/data/examples/values.xlsx" >"$T/sample.json"
/usr/bin/python3 - "$T" "$STI_SOURCE/data/examples/values.csv" <<'PY' || sti_fail "the samples differ"
import csv, json, sys
t = sys.argv[1]
a, b = (json.load(open(t + "/" + f + ".json")) for f in ("values.csv", "values.xlsx"))
assert a["accepted"] == b["accepted"] > 5 and a["rejected"] == b["rejected"] == 0, (a, b)
rows = list(csv.reader(open(sys.argv[2], encoding="utf-8-sig")))
sheet = json.load(open(t + "/sample.json"))["rows"]
def number(text):  # the value as the CSV has it, as the sheet keeps it
    text = text.replace(",", "")
    return float(text[:-1]) / 100 if text.endswith("%") else float(text)
for line, row in zip(rows[1:], sheet[1:]):
    cells = [row["cells"].get(c, "") for c in "ABCDEFG"]
    assert abs(number(line[3]) - cells[3]) < 1e-12, (line, cells)
    assert cells[:3] + cells[4:] == line[:3] + line[4:], (line, cells)
assert [sheet[0]["cells"][c] for c in "ABCDEFG"] == rows[0], sheet[0]
assert len(rows) == len(sheet), (len(rows), len(sheet))
PY

# --- progress as an .xlsx: every indicator, the figures of --json ---
progress_has() {
    stictl --json progress --year 2025 >"$T/progress.json" &&
        grep -q '"code":"hitech_enterprises"[^}]*"latest":850' "$T/progress.json"
}
sti_wait_for 20 progress_has
stictl progress --year 2025 -o progress.xlsx >"$T/out.txt" || sti_fail "progress -o"
stictl --json progress --year 2025 >"$T/progress.json" || sti_fail "progress --json"
xlsx read progress.xlsx >"$T/progress-xlsx.json" || sti_fail "progress.xlsx does not read"
/usr/bin/python3 - "$T/progress.json" "$T/progress-xlsx.json" "$T/out.txt" <<'PY' || sti_fail "progress.xlsx"
import json, sys
doc, book = (json.load(open(p, encoding="utf-8")) for p in sys.argv[1:3])
assert book["sheets"] == ["进度", "说明"], book["sheets"]
fields = ["code", "name_zh", "name_en", "unit", "baseline", "latest", "latest_period", "target",
          "target_year", "completion", "expected_completion", "status"]
head = book["rows"][0]["cells"]
assert [head[c] for c in "ABCDEFGHIJKLM"] == ["指标代码", "指标名称", "英文名称", "单位", "基期值",
        "最新值", "最新期间", "目标值", "目标年份", "完成度", "应完成度", "状态", "状态代码"], head
zh = {"on_track": "正常", "lagging": "滞后", "at_risk": "有风险", "achieved": "已完成",
      "no_data": "无数据", "no_target": "无目标"}
rows = book["rows"][1:]
assert len(rows) == len(doc["indicators"]) > 20, (len(rows), len(doc["indicators"]))
for row, want in zip(rows, doc["indicators"]):
    cells = row["cells"]
    assert cells["L"] == zh[want["status"]], (cells["L"], want["status"])
    for column, field in zip("ABCDEFGHIJKM", fields):
        value = want[field]
        if value is None:
            assert column not in cells, (field, cells)
        elif isinstance(value, float) or isinstance(value, int):
            assert abs(cells[column] - value) < 1e-9, (field, cells[column], value)
        else:
            assert cells[column] == value, (field, cells[column], value)
hitech = next(r for r in doc["indicators"] if r["code"] == "hitech_enterprises")
assert hitech["latest"] == 850 and hitech["status"] == "at_risk", hitech  # 2025: all expected
assert open(sys.argv[3]).read() == "wrote %d indicators to progress.xlsx\n" % len(rows)
PY

# --- talent import from an .xlsx ---
N1=$(/usr/bin/python3 "$STI_SOURCE/tests/helpers/talent_ids.py" resident 71)
cat >"$T/talents.json" <<JSON
[["name", "id_type", "id_number", "category", "field", "channel", "arrived", "overseas"],
 ["赵六", "resident", "$N1", "municipal", "fashion", "direct", "2024-02-01", "no"],
 ["钱七", "resident", "123", "municipal", "fashion", "direct", "2024-02-01", "no"]]
JSON
xlsx make talents.xlsx "$T/talents.json" || sti_fail "make talents.xlsx"
rc=0; stictl talent import talents.xlsx >"$T/out.txt" 2>"$T/err.txt" || rc=$?
[ $rc -eq 3 ] && grep -qx "accepted 1, rejected 1" "$T/out.txt" &&
    grep -q "^row 3: id_number:" "$T/out.txt" ||
    sti_fail "talent import .xlsx: rc $rc $(cat "$T/out.txt" "$T/err.txt")"
echo '[["name", "id_type", "id_number", "category", "field", "channel", "arrived"]]' >"$T/t0.json"
xlsx make empty-talents.xlsx "$T/t0.json"
rc=0; stictl talent import empty-talents.xlsx 2>"$T/err.txt" || rc=$?
[ $rc -eq 2 ] && grep -q "has no data rows" "$T/err.txt" || sti_fail "talent import, no rows: rc $rc"
echo ok
