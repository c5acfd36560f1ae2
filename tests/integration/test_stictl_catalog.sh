#!/usr/bin/env bash
# stictl's catalog commands against a real sti-indicators: plan load (twice:
# unchanged the second time; a broken directory: exit 2 naming the file; a
# plan of another code: refused), indicator list/show (text and --json,
# unknown code: exit 4), org add/list (unknown parent, bad code: the
# service's reason), target set (unknown indicator: exit 4, bad value).
. "$STI_SOURCE/tests/lib.sh"

PLAN="$STI_SOURCE/data/plans/linping-2021-2025"
# A loaded machine can take longer than the default 3 s to answer.
stictl() { command stictl --timeout 15000 "$@"; }

expect_rc() {   # expect_rc WANTED CMD...: runs CMD, checks its exit code
    local want=$1 rc=0; shift
    "$@" >"$T/out" 2>"$T/err" || rc=$?
    [ "$rc" -eq "$want" ] || sti_fail "'$*' exited $rc, wanted $want; out: $(cat "$T/out"); err: $(cat "$T/err")"
}
out_has() { grep -qF -- "$1" "$T/out" || sti_fail "stdout lacks '$1': $(cat "$T/out")"; }
err_has() { grep -qF -- "$1" "$T/err" || sti_fail "stderr lacks '$1': $(cat "$T/err")"; }

sti_start_redis
sti_start_broker
sti_spawn indicators sti-indicators --http-addr 127.0.0.1:0
sti_wait_service sti.indicators

# plan load: changed, then unchanged.
expect_rc 0 stictl plan load "$PLAN"
out_has "plan linping-2021-2025: changed"
expect_rc 0 stictl --json plan load "$PLAN"
/usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d == {"code": "linping-2021-2025", "changed": False, "events": 0, "forecast_events": 0}, d' "$T/out" \
    || sti_fail "second plan load is not unchanged: $(cat "$T/out")"

# A broken plan directory: exit 2, naming the file; nothing is sent.
cp -r "$PLAN" "$T/broken"
/usr/bin/python3 - "$T/broken/indicators.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
doc["indicators"][0]["unit"] = "no_such_unit"
json.dump(doc, open(sys.argv[1], "w"), ensure_ascii=False)
PY
expect_rc 2 stictl plan load "$T/broken"
err_has "indicators.json"
err_has "no_such_unit"
printf '{"code": ' >"$T/broken/plan.json"
expect_rc 2 stictl plan load "$T/broken"
err_has "plan.json"
expect_rc 2 stictl plan load "$T/no-such-dir"
err_has "no-such-dir"
expect_rc 2 stictl plan load
expect_rc 2 stictl plan unload "$PLAN"

# A plan of another code: the service refuses it (conflict).
cp -r "$PLAN" "$T/other"
sed -i 's/"code": "linping-2021-2025"/"code": "other-2026-2030"/' "$T/other/plan.json"
expect_rc 1 stictl plan load "$T/other"
err_has "conflict"

# indicator list: every indicator of the plan, names and units line up.
expect_rc 0 stictl indicator list
out_has "plan linping-2021-2025"
out_has "hitech_enterprises"
out_has "高新技术企业"
expect_rc 0 stictl --json indicator list
/usr/bin/python3 - "$T/out" "$PLAN/indicators.json" <<'PY' || sti_fail "indicator list --json: $(head -c 600 "$T/out")"
import json, sys
got = json.load(open(sys.argv[1]))
want = [i["code"] for i in json.load(open(sys.argv[2]))["indicators"]]
assert got["plan"]["code"] == "linping-2021-2025", got["plan"]
assert sorted(i["code"] for i in got["indicators"]) == sorted(want), got["indicators"]
PY

# indicator show: the definition, an empty series; unknown code: exit 4.
expect_rc 0 stictl indicator show hitech_enterprises
out_has "高新技术企业 / High-tech enterprises"
out_has "578 (2020): 2020年,高新技术企业达到578家"
out_has "series at 临平区 linping (家): 0 periods"
expect_rc 0 stictl indicator show rd_gdp_ratio --json
/usr/bin/python3 - "$T/out" <<'PY' || sti_fail "indicator show --json: $(cat "$T/out")"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["indicator"]["code"] == "rd_gdp_ratio", d
assert d["indicator"]["formula"] == "100 * rd_expenditure / gdp", d
assert d["series"]["org"] == "linping" and d["series"]["points"] == [], d
PY
expect_rc 4 stictl indicator show no_such_indicator
err_has "not_found"
expect_rc 4 stictl indicator show hitech_enterprises --org nowhere
err_has "nowhere"
expect_rc 2 stictl indicator show
expect_rc 2 stictl indicator frobnicate

# org add / list.
expect_rc 0 stictl org add donghu --parent linping --name 东湖街道 --name-en "Donghu Street"
out_has "org donghu: added"
expect_rc 0 stictl org add donghu --parent linping --name 东湖街道 --name-en "Donghu Street"
out_has "org donghu: unchanged"
expect_rc 0 stictl org add xingqiao --parent=linping --name=星桥街道
expect_rc 0 stictl org list
grep -qE '^donghu +linping +东湖街道 +Donghu Street$' "$T/out" || sti_fail "org list: $(cat "$T/out")"
expect_rc 0 stictl --json org list
/usr/bin/python3 - "$T/out" <<'PY' || sti_fail "org list --json: $(cat "$T/out")"
import json, sys
orgs = {o["code"]: o for o in json.load(open(sys.argv[1]))["orgs"]}
assert orgs["linping"]["parent"] is None, orgs
assert {k: orgs["donghu"][k] for k in ("code", "parent", "name_zh", "name_en", "retired")} == {
    "code": "donghu", "parent": "linping", "name_zh": "东湖街道", "name_en": "Donghu Street",
    "retired": False}, orgs
assert orgs["xingqiao"]["parent"] == "linping", orgs
# Listed in the order of their codes, parents first (not a Redis hash's order).
children = [o["code"] for o in json.load(open(sys.argv[1]))["orgs"] if o["parent"] == "linping"]
assert children == sorted(children), children
PY
rc=0; stictl org add somewhere --parent nowhere --name 某地 >"$T/out" 2>"$T/err" || rc=$?
[ $rc -eq 1 ] || [ $rc -eq 4 ] || sti_fail "unknown parent: exit $rc"
err_has "nowhere"
expect_rc 1 stictl org add "Bad Code!" --parent linping --name 某地
err_has "code"
expect_rc 2 stictl org add lonely --name 某地
err_has "--parent"
expect_rc 2 stictl org add lonely --parent linping
expect_rc 2 stictl org add lonely --parent linping --name 某地 --colour blue

# target set.
expect_rc 0 stictl target set hitech_enterprises 2025 1000
out_has "target hitech_enterprises 2025 1000: changed"
expect_rc 0 stictl target set hitech_enterprises 2025 1000
out_has "unchanged"
expect_rc 0 stictl indicator show hitech_enterprises
out_has "2025: 1000"
expect_rc 4 stictl target set no_such_indicator 2025 1
err_has "not_found"
expect_rc 1 stictl target set hitech_value_added_share 2025 101
err_has "invalid_argument"
expect_rc 2 stictl target set hitech_enterprises 2025 lots
err_has "VALUE must be a number"
expect_rc 2 stictl target set hitech_enterprises 25 1
expect_rc 2 stictl target set hitech_enterprises 2025
echo "ok"
