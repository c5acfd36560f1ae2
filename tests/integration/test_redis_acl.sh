#!/usr/bin/env bash
# Redis locked down with the users scripts/redis-acl writes: the default user
# is off; each service's user is refused FLUSHALL, FLUSHDB, CONFIG, KEYS,
# DEBUG, SHUTDOWN and the keys of the other services, and may use its own;
# the catalog and <ns>:dataset are written only by sti-indicators: the other
# services may read them and are refused any write (NOPERM), and may run the
# catalog's read script (EVALSHA_RO) but not EVALSHA on those keys;
# the replication user (sti-replica) and the Sentinels' user (sti-sentinel)
# may do what a replica and a Sentinel do and touch no key; the probe user
# (sti-probe) may only PING; the Sentinels'
# ACL file (--sentinel-acl) holds no clear password;
# sti-ingest and sti-indicators run under their own users through a whole
# plan load, submission and progress query (sti-indicators forgetting a gone
# consumer of the intake group), sti-notify adds a rule checked against the
# catalog, sti-talent registers a talent whose counts it reads the catalog
# for and sends through sti-ingest, sti-projects adds and imports projects,
# raises a late milestone and feeds its counts through sti-ingest, with no
# command refused to any of them (Redis's ACL LOG stays empty).
. "$STI_SOURCE/tests/lib.sh"
stictl() { command stictl --timeout 15000 "$@"; }

"$STI_SOURCE/scripts/redis-acl" --namespace "$STI_NAMESPACE" --sentinel-acl "$T/sentinel.acl" \
    "$T/secrets" "$T/users.acl" || sti_fail "scripts/redis-acl failed"
for user in sti-ingest sti-indicators sti-talent sti-notify sti-projects sti-gateway sti-admin \
    sti-replica sti-sentinel sti-probe; do
    ! grep -qF "$(cat "$T/secrets/$user")" "$T/users.acl" "$T/sentinel.acl" \
        || sti_fail "a clear password of $user in an ACL file"
done
[ "$(stat -c %a "$T/secrets/sti-ingest")" = 600 ] || sti_fail "a password file is not private"

REDIS_PORT=$(sti_spare_port)
mkdir -p "$T/redis"
sti_spawn redis redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$T/redis" \
    --aclfile "$T/users.acl" --appendonly yes --save '' --daemonize no --loglevel warning
as() {   # as USER redis-cli ARGS...: a redis-cli as that user
    local user=$1; shift
    REDISCLI_AUTH=$(cat "$T/secrets/$user") redis-cli -p "$REDIS_PORT" --user "$user" "$@"
}
sti_wait_for 10 as sti-admin ping

# The default user is off: no connection is it, and no password makes one it.
out=$(redis-cli -p "$REDIS_PORT" ping 2>&1)
echo "$out" | grep -q NOAUTH || sti_fail "the default user answered: $out"
for pass in "" nopass x; do
    out=$(REDISCLI_AUTH=$pass redis-cli -p "$REDIS_PORT" --user default ping 2>&1)
    echo "$out" | grep -q PONG && sti_fail "AUTH default '$pass' was accepted: $out"
done

ns=$STI_NAMESPACE
# own USER KEY: the user may write and read its own key family.
own() {
    out=$(as "$1" set "$2" 1 2>&1); [ "$out" = OK ] || sti_fail "$1 may not write its own $2: $out"
    out=$(as "$1" get "$2" 2>&1); [ "$out" = 1 ] || sti_fail "$1 may not read its own $2: $out"
}
# refused USER CMD...: the command is refused with NOPERM.
refused() {
    local user=$1; shift
    out=$(as "$user" "$@" 2>&1)
    echo "$out" | grep -q NOPERM || sti_fail "$user was not refused '$*': $out"
}
own sti-ingest "$ns:ingest:req:x"
own sti-indicators "$ns:val:x:y"
own sti-indicators "$ns:duty:x"   # reporting duties (docs/completeness.md)
own sti-indicators "$ns:report:x" # reports issued (docs/report.md)
out=$(as sti-indicators ltrim "$ns:report:issued" -1000 -1 2>&1)
[ "$out" = OK ] || sti_fail "sti-indicators may not trim its list of reports issued: $out"
out=$(as sti-indicators sadd "$ns:duty:overdue" x 2>&1)
[ "$out" = 1 ] || sti_fail "sti-indicators may not raise an overdue report: $out"
own sti-talent "$ns:tal:x"
own sti-notify "$ns:notify:x"
own sti-projects "$ns:prj:x"
own sti-gateway "$ns:gw:x"
refused sti-gateway get "$ns:tal:x"
refused sti-gateway set "$ns:dataset" x
for user in sti-ingest sti-indicators sti-talent sti-notify sti-projects sti-gateway; do
    refused $user flushall
    refused $user flushdb
    refused $user config get maxmemory
    refused $user keys '*'
    # DEBUG is off for everyone in Redis 7 anyway; ask the ACL itself.
    out=$(as sti-admin acl dryrun $user debug sleep 0)
    echo "$out" | grep -q "no permissions" || sti_fail "$user may run DEBUG: $out"
    refused $user shutdown nosave
done
# Other services' keys.
refused sti-ingest get "$ns:tal:x"
refused sti-ingest hset "$ns:val:x:y" a b      # reads a series (warnings), never writes one
refused sti-indicators get "$ns:tal:x"
refused sti-indicators get "$ns:notify:x"
refused sti-talent get "$ns:val:x:y"
refused sti-talent xadd "$ns:events:ind" '*' a b
refused sti-notify get "$ns:tal:x"
refused sti-notify xadd "$ns:events:tal" '*' a b
refused sti-talent get "other:tal:x"          # another namespace
refused sti-projects get "$ns:tal:x"
refused sti-projects xadd "$ns:events:ind" '*' a b
refused sti-notify get "$ns:prj:x"
# The catalog and the dataset: sti-indicators writes them, the others only
# read them (and the plan's code, which only catalog_put.lua reads, not even that).
catalog_keys="$ns:catalog:version $ns:plan $ns:plan:code $ns:orgs $ns:targets $ns:dataset"
for key in $ns:catalog:version $ns:plan $ns:plan:code; do
    own sti-indicators "$key"
done
for key in $ns:orgs $ns:orgs:state $ns:targets $ns:dataset; do
    out=$(as sti-indicators hset "$key" x 1 2>&1); [ "$out" = 1 ] || sti_fail "sti-indicators may not write $key: $out"
done
for user in sti-ingest sti-talent sti-notify sti-projects; do
    refused $user set "$ns:targets" x
    refused $user set "$ns:plan" x
    refused $user set "$ns:catalog:version" 9
    refused $user hset "$ns:orgs" x 1
    refused $user hset "$ns:dataset" x 1
    refused $user get "$ns:plan:code"
    refused $user get "$ns:other"
    out=$(as $user get "$ns:plan" 2>&1); [ "$out" = 1 ] || sti_fail "$user may not read $ns:plan: $out"
    out=$(as $user hgetall "$ns:dataset" 2>&1)
    [ "$out" = "$(printf 'x\n1')" ] || sti_fail "$user may not read $ns:dataset: $out"
    # A script given a read-only key: EVALSHA counts it as written, EVALSHA_RO does not.
    sha=$(as $user script load "#!lua flags=no-writes
return redis.call('GET', KEYS[1])")
    refused $user evalsha "$sha" 1 "$ns:plan"
    out=$(as $user evalsha_ro "$sha" 1 "$ns:plan" 2>&1); [ "$out" = 1 ] || sti_fail "$user EVALSHA_RO: $out"
    # And a script cannot write through its back door either.
    sha=$(as $user script load "return redis.call('SET', '$ns:targets', 'x')")
    out=$(as $user evalsha "$sha" 0 2>&1)
    echo "$out" | grep -q "can't access" || sti_fail "$user wrote the catalog from a script: $out"
done
[ "$(as sti-admin get "$ns:plan")" = 1 ] || sti_fail "the catalog was changed by a reader"
# shellcheck disable=SC2086
as sti-admin del $catalog_keys >/dev/null
# The replication and Sentinel users: their own commands, no keys, no more.
[ "$(as sti-replica ping)" = PONG ] || sti_fail "sti-replica cannot PING"
as sti-sentinel info replication | grep -q '^role:master' || sti_fail "sti-sentinel cannot run INFO"
[ "$(as sti-sentinel publish __sentinel__:hello x)" = 0 ] || sti_fail "sti-sentinel cannot say hello"
[ "$(as sti-probe ping)" = PONG ] || sti_fail "sti-probe cannot PING"
for user in sti-replica sti-sentinel sti-probe; do
    refused $user get "$ns:tal:x"
    refused $user set "$ns:val:x:y" 1
    refused $user flushall
    refused $user config get maxmemory
    refused $user keys '*'
done
refused sti-sentinel publish other 1
refused sti-probe info
refused sti-probe replicaof no one
refused sti-probe publish __sentinel__:hello x
for cmd in "replicaof no one" "config rewrite" "client kill id 1" "role" "subscribe __sentinel__:hello"; do
    # shellcheck disable=SC2086
    out=$(as sti-admin acl dryrun sti-sentinel $cmd)
    [ "$out" = OK ] || sti_fail "sti-sentinel may not run '$cmd': $out"
done
out=$(as sti-admin acl dryrun sti-replica psync '?' -1)
[ "$out" = OK ] || sti_fail "sti-replica may not run PSYNC: $out"
[ "$(as sti-admin dbsize)" -ge 4 ] || sti_fail "sti-admin cannot see every key"
as sti-admin del "$ns:ingest:req:x" "$ns:val:x:y" "$ns:tal:x" "$ns:notify:x" "$ns:prj:x" >/dev/null
as sti-admin acl log reset >/dev/null   # from here on, no refusal is expected

# The services work under their own users.
url() { echo "redis://$1:$(cat "$T/secrets/$1")@127.0.0.1:$REDIS_PORT"; }
sti_start_broker
STI_REDIS_URL=$(url sti-ingest) sti_spawn ingest sti-ingest --http-addr 127.0.0.1:0
STI_REDIS_URL=$(url sti-indicators) sti_spawn indicators sti-indicators --http-addr 127.0.0.1:0 \
    --claim-every-ms 200 --forget-idle-ms 300
sti_wait_service sti.ingest
sti_wait_service sti.indicators
# A consumer that is gone (nothing pending, idle) is forgotten; the live one stays.
consumers() { as sti-admin xinfo consumers "$ns:intake" indicators | grep -Ex 'ghost-1|[^ ]+-[0-9]+'; }
as sti-admin xgroup createconsumer "$ns:intake" indicators ghost-1 | grep -qx 1 \
    || sti_fail "could not make a ghost consumer"
sti_wait_for 20 eval '! consumers | grep -qx ghost-1'
consumers | grep -q . || sti_fail "the live consumer was forgotten too"
grep -q 'forgot intake consumer ghost-1' "$T/indicators.log" || sti_fail "no log line for the ghost"
stictl plan load "$STI_SOURCE/data/plans/linping-2021-2025" >/dev/null || sti_fail "plan load"
stictl target set hitech_enterprises 2025 1000 >/dev/null || sti_fail "target set"
printf 'indicator,org,period,value\nhitech_enterprises,linping,2023,850\n' >"$T/rows.csv"
stictl ingest "$T/rows.csv" | grep -qx "accepted 1, rejected 0" || sti_fail "ingest under its user: $(as sti-admin acl log 2)"
progress_is() {
    stictl --json progress --year 2023 >"$T/progress.json" || return 1
    /usr/bin/python3 - "$T/progress.json" <<'PY'
import json, sys
rows = {r["code"]: r for r in json.load(open(sys.argv[1]))["indicators"]}
sys.exit(0 if rows["hitech_enterprises"]["latest"] == 850 else 1)
PY
}
sti_wait_for 20 progress_is

(umask 077 && head -c 32 /dev/urandom >"$T/talent.key")
STI_REDIS_URL=$(url sti-talent) STI_TALENT_KEY_FILE=$T/talent.key \
    sti_spawn talent sti-talent --http-addr 127.0.0.1:0
STI_REDIS_URL=$(url sti-notify) sti_spawn notify sti-notify --http-addr 127.0.0.1:0
sti_wait_service sti.talent
sti_wait_service sti.notify
CALL="$STI_SOURCE/tests/helpers/sti_call.py"
"$CALL" sti.talent talent.stats '{"year": 2023}' >"$T/stats.json" || sti_fail "talent.stats: no reply"
"$CALL" sti.notify rule.list '{}' | grep -q '"ok": true' || sti_fail "rule.list under its user"
# sti-notify checks a rule's indicators against the catalog (read-only to it).
stictl rule add acl --indicator hitech_enterprises --when status_changed \
    --to webhook:http://127.0.0.1:9/ >/dev/null || sti_fail "rule add under its user"
# sti-talent registers a talent, reads the catalog for its counts and sends
# them through sti-ingest, which takes them (the mark is cleared).
number=$("$STI_SOURCE/tests/helpers/talent_ids.py" resident 11)
out=$("$CALL" sti.talent talent.add "{\"name\":\"周七\",\"id_type\":\"resident\",
  \"id_number\":\"$number\",\"category\":\"municipal\",\"field\":\"fashion\",
  \"channel\":{\"kind\":\"direct\"},\"overseas\":true,\"arrived\":\"2022-07-01\"}")
echo "$out" | grep -q '"ok": true' || sti_fail "talent.add under its user: $out"
sti_wait_for 30 eval '[ "$(as sti-admin exists "$ns:tal:count:dirty")" = 0 ]'
"$CALL" sti.talent events.since '{"stream": "tal", "seq": 0}' >/dev/null || sti_fail "talent events.since"
# sti-projects imports the made-up projects, raises their late milestones and
# sends its counts through sti-ingest, which takes them (the mark is set).
STI_REDIS_URL=$(url sti-projects) sti_spawn projects sti-projects --http-addr 127.0.0.1:0 \
    --late-check-ms 200
sti_wait_service sti.projects
stictl project import "$STI_SOURCE/data/examples/projects.csv" >/dev/null ||
    sti_fail "project import under its user"
stictl project update EX-RP-01 --status in_progress --status-on 2022-02-01 >/dev/null ||
    sti_fail "project update under its user"
sti_wait_for 30 eval '[ -n "$(as sti-admin get "$ns:prj:fed")" ]'
sti_wait_for 30 eval '[ "$(as sti-admin hget "$ns:prj:m:EX-RP-01" 1.late)" = 1 ]'
stictl project list --late >/dev/null || sti_fail "project list under its user"
# No service writes its password to its log (the start line names the user).
for svc in ingest indicators talent notify projects; do
    ! grep -qF "$(cat "$T/secrets/sti-$svc")" "$T/$svc.log" || sti_fail "sti-$svc logged its Redis password"
    grep -q "as sti-$svc" "$T/$svc.log" || sti_fail "sti-$svc's start line does not name its Redis user"
done

# A restart of Redis loads the whole AOF: the scripts' writes (MULTI/EXEC in
# the AOF, replayed as the default user) are all there again.
keys_before=$(as sti-admin dbsize)
revs_before=$(STI_CLI="as sti-admin" sti_revisions_summary "$ns")
[ "${revs_before##* }" -ge 1 ] || sti_fail "no revision was written"
as sti-admin shutdown >/dev/null 2>&1 || true
wait "${STI_PIDS[redis]}" || true
sti_spawn redis redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$T/redis" \
    --aclfile "$T/users.acl" --appendonly yes --save '' --daemonize no --loglevel warning
sti_wait_for 10 eval '[ "$(as sti-admin ping 2>/dev/null)" = PONG ]'
sti_wait_for 10 eval '! as sti-admin info persistence | grep -q "^loading:1"'
! grep -q NOPERM "$T/redis.log" || sti_fail "Redis refused part of its AOF: $(grep NOPERM "$T/redis.log" | head -3)"
[ "$(as sti-admin dbsize)" = "$keys_before" ] ||
    sti_fail "after a restart Redis holds $(as sti-admin dbsize) keys, before $keys_before"
revs=$(STI_CLI="as sti-admin" sti_revisions_summary "$ns")
[ "$revs" = "$revs_before" ] ||
    sti_fail "revisions lost: (values, not exactly one, in all) $revs, before $revs_before"
sti_wait_for 20 progress_is

log=$(as sti-admin acl log)
[ -z "$log" ] || sti_fail "a service was refused a command or key it needs: $log"
! grep -q NOPERM "$T"/ingest.log "$T"/indicators.log "$T"/talent.log "$T"/notify.log \
    "$T"/projects.log \
    || sti_fail "a service log shows NOPERM"
exit 0
