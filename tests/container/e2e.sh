# tests/container/e2e.sh: the end-to-end ingest through the containers,
# sourced by tests/container/run once stictl has `ingest` (issue 3). Uses run's
# STICTL, REQ, T, in_container, wait_for, fail.
#
# The worked example of issue 3: hitech_enterprises has baseline 578 (2020);
# with a 2025 target of 1000 and a 2023 value of 850 its 2023 completion is
# 0.645 (expected 0.600): on_track.

ctr_e2e_ingest() {
    local ctl=("$STICTL" --broker "tcp://127.0.0.1:$REQ" --timeout 5000)
    # The plan loader of the indicators image, as compose runs it.
    in_container indicators /usr/local/bin/sti-plan-load /plans/linping-2021-2025 \
        >"$T/plan-load.log" 2>&1 || fail "sti-plan-load in the indicators image"
    "${ctl[@]}" target set hitech_enterprises 2025 1000 >"$T/target.log" 2>&1 \
        || fail "stictl target set"
    printf 'indicator,org,period,value\nhitech_enterprises,linping,2023,850\n' >"$T/rows.csv"
    "${ctl[@]}" --json ingest "$T/rows.csv" >"$T/ingest.json" 2>"$T/ingest.log" \
        || fail "stictl ingest: $(cat "$T/ingest.json")"
    /usr/bin/python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); sys.exit(0 if r["accepted"]==1 and r["rejected"]==0 else 1)' \
        "$T/ingest.json" || fail "ingest result: $(cat "$T/ingest.json")"
    s_progress_ok() {
        "${ctl[@]}" --json progress --year 2023 --org linping >"$T/progress.json" 2>/dev/null || return 1
        /usr/bin/python3 - "$T/progress.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
row = next(i for i in p["indicators"] if i["code"] == "hitech_enterprises")
ok = abs(row["completion"] - 0.645) < 0.001 and row["status"] == "on_track"
sys.exit(0 if ok else 1)
PY
    }
    wait_for 30 s_progress_ok
}
