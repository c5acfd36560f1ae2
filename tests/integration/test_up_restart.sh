#!/usr/bin/env bash
# A stack of scripts/up keeps everything through restarts of every process,
# Redis included, and never hides a loss:
#  1. with STI_REDIS_FSYNC=always, values with revisions, a target, a talent,
#     a project (made up), a rule, a delivered notification and the event
#     log are written;
#  2. scripts/down + scripts/up: every one of them reads back the same;
#  3. redis-server killed with SIGKILL, scripts/down + scripts/up: the same;
#  4. Redis's files removed (a lost disk): scripts/up says DATA LOST, loads
#     nothing, stops again and exits 3; `scripts/up --accept-loss REASON`
#     then goes on in a new dataset that names the reason, with the plan
#     loaded again and an empty event log.
. "$STI_SOURCE/tests/lib.sh"

UP=$STI_SOURCE/scripts/up
DOWN=$STI_SOURCE/scripts/down
export STI_HOME=$T/stack STI_REDIS_FSYNC=always
export STI_PORT_BASE
STI_PORT_BASE=$(sti_spare_base 21)
trap 'rc=$?; [ -d "$STI_HOME/run" ] && "$DOWN" >/dev/null 2>&1; (exit $rc); sti_cleanup' EXIT
export STI_BROKER="tcp://127.0.0.1:$STI_PORT_BASE"
unset STI_TALENT_KEY   # scripts/up makes the stack's own key file, kept with its data
ctl() { stictl --timeout 15000 "$@"; }
up() { "$UP" --detach "$@" >>"$T/up.log" 2>&1; }

up || sti_fail "scripts/up: $(tail -20 "$T/up.log")"
sti_spawn sink /usr/bin/python3 "$STI_SOURCE/tests/helpers/webhook_sink.py" \
    --port-file "$T/sink.port" --record "$T/sink.jsonl"
sti_wait_for 10 test -s "$T/sink.port"

# --- 1. write a bit of everything ---
ctl rule add "hitech" --indicator hitech_enterprises --when any \
    --to "webhook:http://127.0.0.1:$(cat "$T/sink.port")/hook" >/dev/null || sti_fail "rule add"
ctl target set hitech_enterprises 2025 1000 >/dev/null || sti_fail "target set"
printf 'indicator,org,period,value\nhitech_enterprises,linping,2023,812\n' >"$T/a.csv"
printf 'indicator,org,period,value\nhitech_enterprises,linping,2023,815\nhitech_enterprises,linping,2022,790\n' >"$T/b.csv"
ctl ingest "$T/a.csv" >/dev/null && ctl ingest "$T/b.csv" >/dev/null || sti_fail "ingest"
talent=$(ctl talent add --name 孙三 --id-type resident \
    --id-number "$(/usr/bin/python3 "$STI_SOURCE/tests/helpers/talent_ids.py" resident 3)" \
    --phone 13912340003 --category national --field equipment --channel direct \
    --arrived 2023-03-01) || sti_fail "talent add"
ctl project add RS-1 --name 重启测试孵化器（虚构） --kind incubator --level district \
    --org linping --start 2021 --end 2022 --status completed --status-on 2022-06-30 \
    --milestone "2099-12-31 示例" >/dev/null || sti_fail "project add"
# Everything written has been applied: talent counts and project counts sent
# to sti-ingest (no dirty count left, the projects' mark set), every intake
# entry read and acknowledged.
rcli() {
    REDISCLI_AUTH=$(cat "$STI_HOME/secrets/redis/sti-admin") \
        redis-cli -p $((STI_PORT_BASE + 3)) --user sti-admin "$@"
}
settled() {
    [ "$(rcli hlen "$STI_NAMESPACE:tal:count:dirty")" = 0 ] &&
        [ -n "$(rcli get "$STI_NAMESPACE:prj:fed")" ] &&
        rcli xinfo groups "$STI_NAMESPACE:intake" | tr '\n' ' ' | grep -Eq 'pending 0 .*lag 0'
}
sti_wait_for 30 settled
delivered() { ctl --json delivery list | grep -q '"state":"delivered"'; }
sti_wait_for 30 delivered

# snapshot NAME: everything the commands show, as they show it.
snapshot() {
    {
        ctl --json indicator show hitech_enterprises
        ctl --json progress --year 2023
        ctl --json talent show "$talent"
        ctl --json project show RS-1
        ctl --json rule list
        ctl --json delivery list
        ctl --json events since 0
        ctl --json dataset show
    } >"$T/$1.json" 2>"$T/$1.err" || sti_fail "snapshot $1: $(cat "$T/$1.err")"
}
snapshot before
grep -q '"revision":2' "$T/before.json" || sti_fail "no second revision"
grep -q '"lost":false' "$T/before.json" || sti_fail "dataset show: $(tail -1 "$T/before.json")"

# --- 2. a clean restart of everything ---
"$DOWN" >/dev/null || sti_fail "scripts/down"
up || sti_fail "scripts/up again: $(tail -20 "$T/up.log")"
snapshot clean
diff "$T/before.json" "$T/clean.json" >&2 || sti_fail "a clean restart changed what the stack shows"

# --- 3. Redis killed with SIGKILL, then a restart of everything ---
kill -KILL "$(cat "$STI_HOME/run/redis-server.pid")"
"$DOWN" >/dev/null || sti_fail "scripts/down after the kill"
up || sti_fail "scripts/up after the kill: $(tail -20 "$T/up.log")"
snapshot killed
diff "$T/before.json" "$T/killed.json" >&2 || sti_fail "a kill -9 of Redis changed what the stack shows"

# --- 4. the files are gone ---
"$DOWN" >/dev/null || sti_fail "scripts/down"
dataset=$(awk '$1 == "id" {print $2}' "$STI_HOME/dataset")
rm -rf "$STI_HOME/redis/appendonlydir"
rc=0
"$UP" --detach >"$T/lost.log" 2>&1 || rc=$?
[ "$rc" = 3 ] || sti_fail "scripts/up on an empty Redis exited $rc: $(tail -5 "$T/lost.log")"
grep -q "DATA LOST: Redis holds no dataset, but this stack's is $dataset" "$T/lost.log" ||
    sti_fail "scripts/up did not say what was lost: $(cat "$T/lost.log")"
[ -z "$(ls "$STI_HOME/run")" ] || sti_fail "scripts/up left processes: $(ls "$STI_HOME/run")"
grep -q "^id $dataset\$" "$STI_HOME/dataset" || sti_fail "the marker was overwritten"
up --accept-loss "the disk of a test was wiped" || sti_fail "scripts/up --accept-loss: $(tail -20 "$T/up.log")"
ctl --json dataset show >"$T/after.json" || sti_fail "dataset show"
/usr/bin/python3 - "$T/after.json" "$dataset" <<'PY' || sti_fail "after the loss: $(cat "$T/after.json")"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["id"] and d["id"] != sys.argv[2] and d["previous"] == "", d
assert d["reason"] == "the disk of a test was wiped" and d["lost"] is False, d
PY
grep -q "^id $(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$T/after.json")\$" \
    "$STI_HOME/dataset" || sti_fail "the marker does not name the new dataset"
ctl indicator list | grep -q hitech_enterprises || sti_fail "the plan was not loaded again"
[ -z "$(ctl events since 0)" ] || sti_fail "the event log of the new dataset is not empty"
echo "ok: a clean restart and a kill -9 of Redis kept everything; a wiped Redis was refused until the loss was accepted"
