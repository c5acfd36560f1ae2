#!/usr/bin/env bash
# The indicators the plan's projects feed (projects.json) reach sti-indicators
# through sti-ingest: importing data/examples/projects.csv (made-up projects;
# two incubator projects completed, in 2022 (national) and 2023) moves
# incubators to 11 + 1 in 2022 and 11 + 2 from 2023, incubators_national to
# 3 + 1 from 2022, the plan's 2020 figures plus the projects; completing a
# third (national, 2024) moves both again. Seen through stictl indicator show
# and stictl progress; the values come under the source of projects.json.
. "$STI_SOURCE/tests/lib.sh"
P() { stictl --broker "$STI_BROKER" --timeout 15000 "$@"; }

sti_start_redis
sti_start_broker
sti_spawn ingest sti-ingest --http-addr 127.0.0.1:0
sti_spawn indicators sti-indicators --http-addr 127.0.0.1:0
sti_spawn projects sti-projects --http-addr 127.0.0.1:0
sti_wait_service sti.ingest
sti_wait_service sti.indicators
sti_wait_service sti.projects
P plan load "$STI_SOURCE/data/plans/linping-2021-2025" >/dev/null || sti_fail "plan load"
P project import "$STI_SOURCE/data/examples/projects.csv" >/dev/null || sti_fail "import"

# series_is CODE "YEAR=VALUE ...": the indicator's series at linping is that.
series_is() {
    P --json indicator show "$1" >"$T/series.json" 2>/dev/null || return 1
    /usr/bin/python3 - "$T/series.json" "$2" <<'PY'
import json, sys
points = json.load(open(sys.argv[1]))["series"]["points"]
got = {p["period"]: p["value"] for p in points}
want = dict((k, float(v)) for k, v in (w.split("=") for w in sys.argv[2].split()))
sys.exit(0 if all(got.get(k) == v for k, v in want.items()) else 1)
PY
}
year=$(date -u +%Y)
last=$(( year < 2025 ? year : 2025 ))
want_incubators="2021=11 2022=12" want_national="2021=3 2022=4"
for y in $(seq 2023 "$last"); do
    want_incubators="$want_incubators $y=13"
    want_national="$want_national $y=4"
done
sti_wait_for 30 series_is incubators "$want_incubators"
sti_wait_for 30 series_is incubators_national "$want_national"
P --json progress --year 2023 >"$T/progress.json" || sti_fail "progress"
/usr/bin/python3 - "$T/progress.json" <<'PY' || sti_fail "progress: $(cat "$T/progress.json")"
import json, sys
rows = {r["code"]: r for r in json.load(open(sys.argv[1]))["indicators"]}
assert rows["incubators"]["latest"] == 13 and rows["incubators_national"]["latest"] == 4, rows
PY
sti_redis_cli XRANGE "$STI_NAMESPACE:intake" - + >"$T/intake.txt"
grep -qx "project-registry" "$T/intake.txt" || sti_fail "intake source: $(head -c 600 "$T/intake.txt")"

# A third incubator (national) completed in 2024 counts from 2024 on.
if [ "$year" -ge 2024 ]; then
    P project update EX-INC-03 --status completed --status-on 2024-05-01 >/dev/null ||
        sti_fail "complete EX-INC-03"
    want_incubators="2023=13" want_national="2023=4"
    for y in $(seq 2024 "$last"); do
        want_incubators="$want_incubators $y=14"
        want_national="$want_national $y=5"
    done
    sti_wait_for 30 series_is incubators "$want_incubators"
    sti_wait_for 30 series_is incubators_national "$want_national"
fi
# Caught up: what sti-ingest accepted is marked, nothing more is sent.
fed_current() {
    [ "$(sti_redis_cli GET "$STI_NAMESPACE:prj:fed")" = \
        "$(sti_redis_cli GET "$STI_NAMESPACE:prj:gen")-$(sti_redis_cli GET \
            "$STI_NAMESPACE:catalog:version")-$year" ]
}
sti_wait_for 20 fed_current
echo ok
