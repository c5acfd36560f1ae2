#!/usr/bin/env bash
# The talent registry end to end, through stictl and raw requests, on a real
# Redis, broker, sti-ingest, sti-indicators and sti-talent: add, show, search,
# update with a stale version, a duplicate document, a retried add (the same
# request id: the record it made, not a conflict), bad check digits, leave,
# import and export, stats, teams (a retried team.add is applied once), the
# audit trail, erasure (nothing of the person left in Redis), no clear
# personal data in the AOF, an RDB dump, the logs or the events, and the
# counts reaching the plan's indicators.
# Every identity number and credit code is made up (tests/helpers/talent_ids.py
# builds them with the check algorithms); phones and e-mails are made up too.
. "$STI_SOURCE/tests/lib.sh"
CALL="$STI_SOURCE/tests/helpers/sti_call.py"
IDS="$STI_SOURCE/tests/helpers/talent_ids.py"
stictl() { command stictl --timeout 15000 "$@"; }

sti_start_redis
sti_start_broker

# Without a secret sti-talent refuses to start, and says why.
rc=0
env -u STI_TALENT_KEY -u STI_TALENT_KEY_FILE timeout 20 sti-talent --http-addr 127.0.0.1:0 \
    >"$T/nokey.txt" 2>&1 || rc=$?
[ $rc -ne 0 ] && grep -q "no secret" "$T/nokey.txt" || sti_fail "started without a key: rc $rc"

head -c 32 /dev/urandom >"$T/talent.key"
chmod 600 "$T/talent.key"
sti_spawn ingest sti-ingest --http-addr 127.0.0.1:0
sti_spawn indicators sti-indicators --http-addr 127.0.0.1:0
sti_spawn talent env -u STI_TALENT_KEY sti-talent --http-addr 127.0.0.1:0 \
    --talent-key-file "$T/talent.key"
sti_wait_service sti.ingest
sti_wait_service sti.indicators
sti_wait_service sti.talent
# Before a plan is loaded sti-talent has no codes (they come from the plan in
# Redis): its ops say so; once `stictl plan load` put them there, it reads them.
out=$("$CALL" sti.talent talent.stats '{}')
/usr/bin/python3 - "$out" <<'PY' || sti_fail "talent.stats without a plan: $out"
import json, sys
r = json.loads(sys.argv[1])
assert not r["ok"] and r["error"]["code"] == "not_found", r
assert "no plan is loaded" in r["error"]["message"], r
PY
stictl plan load "$STI_SOURCE/data/plans/linping-2021-2025" >/dev/null || sti_fail "plan load"

# Every talent event on the wire, raw, for the search for personal data.
sti_spawn tapper /usr/bin/python3 -c '
import sys, zmq
s = zmq.Context().socket(zmq.SUB)
s.connect(sys.argv[1]); s.setsockopt(zmq.SUBSCRIBE, b"tal.")
out = open(sys.argv[2], "ab", buffering=0)
while True:
    for frame in s.recv_multipart():
        out.write(frame + b"\n")
' "$STI_EVENTS_SUB" "$T/events.bin"

N1=$("$IDS" resident 1); N2=$("$IDS" resident 2); N3=$("$IDS" resident 3)
N4=$("$IDS" resident 4); N5=$("$IDS" resident 5); BAD=$("$IDS" resident-bad 6)
USCC=$("$IDS" uscc 1); USCC_BAD=$("$IDS" uscc-bad 2)
PHONES=(13912340001 13912340002 13912340003 13912340004 13912340005)
EMAILS=(alpha.one@example.org beta.two@example.org gamma.three@example.org delta.four@example.org epsilon.five@example.org)

# --- add, show ---
id1=$(stictl talent add --name 赵一 --id-type resident --id-number "$N1" --phone "${PHONES[0]}" \
    --email "${EMAILS[0]}" --category national --field equipment --employer 临平示例科技有限公司 \
    --uscc "$USCC" --channel overseas_station --station 慕尼黑千里马驿站 --overseas \
    --arrived 2023-03-01 --gender female --birth-year 1980) || sti_fail "add 1"
[[ $id1 =~ ^T[0-9]{6}$ ]] || sti_fail "add prints the registry id, got '$id1'"
stictl --json talent add --name 钱二 --id-type resident --id-number "$N2" --phone "${PHONES[1]}" \
    --email "${EMAILS[1]}" --category provincial --field biomedicine --channel direct \
    --arrived 2023-05-01 >"$T/add2.json" || sti_fail "add 2"
/usr/bin/python3 - "$T/add2.json" "$N2" <<'PY' || sti_fail "add --json: $(cat "$T/add2.json")"
import json, sys
r = json.load(open(sys.argv[1]))
n = sys.argv[2]
assert r["version"] == 1 and r["id"].startswith("T"), r
assert r["id_number"] == n[:4] + "*" * 10 + n[-4:], r
assert r["phone"] == "139****0002" and r["email"] == "b***@example.org", r
PY
id2=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$T/add2.json")
add3=(talent add --name 孙三 --id-type resident --id-number "$N3" --phone "${PHONES[2]}"
    --email "${EMAILS[2]}" --category district --field future --channel university_alliance
    --arrived 2023-09-01)
id3=$(stictl --request-id add-three "${add3[@]}") || sti_fail "add 3"
# The same add again with its request id (a retry after a lost answer) gets
# the record it made, not `conflict` for the document it registered.
again=$(stictl --request-id add-three "${add3[@]}" 2>"$T/again.txt") ||
    sti_fail "a retried add was refused: $(cat "$T/again.txt")"
[ "$again" = "$id3" ] || sti_fail "a retried add answered '$again', not $id3"
stictl talent show "$id1" >"$T/show.txt" || sti_fail "show"
grep -qx "id_number: ${N1:0:4}\*\*\*\*\*\*\*\*\*\*${N1:14:4}" "$T/show.txt" || sti_fail "show masks: $(cat "$T/show.txt")"
grep -qx "employer.uscc: $USCC" "$T/show.txt" || sti_fail "show: the credit code"
rc=0; stictl talent show T999999 2>/dev/null || rc=$?
[ $rc -eq 4 ] || sti_fail "show of no talent: exit $rc"

# --- a duplicate document, bad check digits ---
rc=0; stictl talent add --name 重复 --id-type resident --id-number "$N1" --category other \
    --field other --channel direct --arrived 2023-01-01 2>"$T/dup.txt" || rc=$?
[ $rc -eq 1 ] && grep -q "conflict" "$T/dup.txt" && grep -q "$id1" "$T/dup.txt" ||
    sti_fail "duplicate: rc $rc $(cat "$T/dup.txt")"
out=$("$CALL" sti.talent talent.add "{\"name\":\"坏号\",\"id_type\":\"resident\",\"id_number\":\"$BAD\",
  \"category\":\"top\",\"field\":\"other\",\"channel\":{\"kind\":\"direct\"},\"arrived\":\"2023-01-01\",
  \"employer\":{\"name\":\"某公司\",\"uscc\":\"$USCC_BAD\"}}")
/usr/bin/python3 - "$out" <<'PY' || sti_fail "bad check digits: $out"
import json, sys
r = json.loads(sys.argv[1])
assert not r["ok"] and r["error"]["code"] == "invalid_argument", r
fields = {d["field"]: d["reason"] for d in r["error"]["details"]}
assert "check digit" in fields["id_number"], fields
assert "check character" in fields["employer.uscc"], fields
PY

# --- search ---
"$CALL" sti.talent talent.search '{"name": "赵"}' >"$T/s1.json"
"$CALL" sti.talent talent.search '{"overseas": true, "category": "national"}' >"$T/s2.json"
"$CALL" sti.talent talent.search '{"limit": 2}' >"$T/s3.json"
/usr/bin/python3 - "$T" "$id1" <<'PY' || sti_fail "search"
import json, sys
t, id1 = sys.argv[1], sys.argv[2]
s1, s2, s3 = (json.load(open("%s/s%d.json" % (t, i)))["body"] for i in (1, 2, 3))
assert [x["id"] for x in s1["talents"]] == [id1] and s1["next"] is None, s1
assert [x["id"] for x in s2["talents"]] == [id1], s2
assert len(s3["talents"]) == 2 and s3["next"], s3
PY
stictl talent search --field future | grep -q "$id3" || sti_fail "stictl talent search"

# --- update with the version; a stale one is a conflict ---
stictl talent update "$id3" --version 1 --field industrial_internet | grep -qx "$id3 version 2" ||
    sti_fail "update"
rc=0; stictl talent update "$id3" --version 1 --field fashion 2>"$T/stale.txt" || rc=$?
[ $rc -eq 1 ] && grep -q "conflict" "$T/stale.txt" || sti_fail "stale version: rc $rc"

# --- the counts reach the indicators: three talents arrived in 2023 ---
progress_is() {
    stictl --json progress --year 2023 >"$T/progress.json" || return 1
    /usr/bin/python3 - "$T/progress.json" <<'PY'
import json, sys
rows = {r["code"]: r for r in json.load(open(sys.argv[1]))["indicators"]}
sys.exit(0 if rows["registered_talents"]["latest"] == 3 and
         rows["registered_overseas_talents"]["latest"] == 1 else 1)
PY
}
sti_wait_for 30 progress_is
stictl --json events since 0 --prefix ind.registered_talents. --limit 1000 >"$T/ind_events.json" 2>/dev/null || true
grep -q '"subject":"registered_talents/linping/2023"' "$T/ind_events.json" || sti_fail "no indicator event of registered_talents"

# --- leave (after 2023: the 2023 count stays) ---
stictl talent leave "$id2" --date 2024-06-30 >/dev/null || sti_fail "leave"
stictl --json talent show "$id2" | grep -q '"status":"left"' || sti_fail "leave: status"

# --- import and export ---
cat >"$T/import.csv" <<CSV
name,id_type,id_number,phone,email,category,field,channel,station,overseas,arrived
李四,resident,$N4,${PHONES[3]},${EMAILS[3]},municipal,fashion,direct,,no,2024-02-01
坏行,resident,$BAD,,,municipal,fashion,direct,,no,2024-02-01
重复,resident,$N1,,,municipal,fashion,direct,,no,2024-02-01
王五,resident,$N5,${PHONES[4]},${EMAILS[4]},top,equipment,overseas_base,,yes,2024-03-01
CSV
rc=0; stictl talent import "$T/import.csv" >"$T/import.txt" || rc=$?
[ $rc -eq 3 ] || sti_fail "import: exit $rc $(cat "$T/import.txt")"
grep -qx "accepted 2, rejected 2" "$T/import.txt" &&
    grep -q "^row 2: id_number: check digit" "$T/import.txt" &&
    grep -q "^row 3: id_number: registered already as $id1" "$T/import.txt" ||
    sti_fail "import report: $(cat "$T/import.txt")"
# The same file again registers nothing twice: the batch's request id comes
# from its rows, so the two registered rows are answered as before.
rc=0; stictl talent import "$T/import.csv" >"$T/import2.txt" 2>"$T/import2.err" || rc=$?
[ $rc -eq 3 ] && grep -qx "accepted 2, rejected 2" "$T/import2.txt" &&
    grep -q "2 of the accepted rows were committed by an earlier run" "$T/import2.err" ||
    sti_fail "import again: exit $rc $(cat "$T/import2.txt" "$T/import2.err")"
stictl talent export "$T/export.csv" 2>/dev/null || sti_fail "export"
[ "$(wc -l <"$T/export.csv")" -eq 6 ] || sti_fail "export: $(cat "$T/export.csv")"
grep -q "139\*\*\*\*0004" "$T/export.csv" || sti_fail "export: masked phone"

# --- stats, teams ---
stictl --json talent stats >"$T/stats.json" || sti_fail "stats"
/usr/bin/python3 - "$T/stats.json" <<'PY' || sti_fail "stats: $(cat "$T/stats.json")"
import json, sys
s = json.load(open(sys.argv[1]))
assert s["total"] == 5 and s["by_status"] == {"active": 4, "left": 1}, s
assert s["by_overseas"] == {"true": 2, "false": 3}, s
assert s["by_year"] == {"2023": 3, "2024": 2}, s
assert s["by_category"]["national"] == 1 and s["by_field"]["industrial_internet"] == 1, s
PY
team=$(stictl talent team add --name 智能装备团队 --leader "$id1" --member "$id3" --field equipment) ||
    sti_fail "team add"
stictl --json talent team show "$team" | grep -q "\"members\":\[\"$id3\"\]" || sti_fail "team show"
rc=0; stictl talent team add --name 无人 --leader T999999 --field equipment 2>/dev/null || rc=$?
[ $rc -eq 1 ] || sti_fail "team with an unknown leader: exit $rc"
# A retried team.add (the same request id) makes no second team and names the first.
teams() { sti_redis_cli --scan --pattern "$STI_NAMESPACE:tal:team:G*" | grep -vc ':members$'; }
teams_before=$(teams)
body="{\"name\": \"复试团队\", \"leader\": \"$id1\", \"field\": \"equipment\"}"
first=$(STI_CALL_ID=team-once "$CALL" sti.talent team.add "$body")
again=$(STI_CALL_ID=team-once "$CALL" sti.talent team.add "$body")
echo "$first" | grep -q '"ok": true' && [ "$first" = "$again" ] ||
    sti_fail "a retried team.add: $first / $again"
[ "$(teams)" = $((teams_before + 1)) ] || sti_fail "a retried team.add made $(( $(teams) - teams_before )) teams"

# --- the audit trail ---
stictl talent audit "$id3" >"$T/audit.txt" || sti_fail "audit"
for op in talent.add talent.search talent.update talent.export; do
    grep -q " $op " "$T/audit.txt" || sti_fail "audit lacks $op: $(cat "$T/audit.txt")"
done

# --- erasure: nothing of the person left but the id in its audit log and the event log ---
id5=$(stictl --json talent search --name 王五 |
    /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["talents"][0]["id"])')
hash5=$(sti_redis_cli HGET "$STI_NAMESPACE:tal:rec:$id5" hash)
[ ${#hash5} -eq 66 ] || sti_fail "the document hash of $id5: '$hash5'"
stictl talent remove "$id5" | grep -qx "removed $id5" || sti_fail "remove"
"$STI_SOURCE/tests/helpers/redis_grep.py" "$REDIS_PORT" \
    --allow "^$STI_NAMESPACE:tal:audit:$id5\$" --allow "^$STI_NAMESPACE:events:tal\$" \
    "$id5" "王五" "$hash5" "$N5" "${PHONES[4]}" "${EMAILS[4]}" >"$T/left.txt" ||
    sti_fail "erasure left: $(cat "$T/left.txt")"
stictl talent audit "$id5" | grep -q " talent.remove " || sti_fail "the audit log keeps the removal"
rc=0; stictl talent show "$id5" 2>/dev/null || rc=$?
[ $rc -eq 4 ] || sti_fail "show after remove: exit $rc"

# --- no clear personal data anywhere ---
"$CALL" sti.talent events.since '{"stream": "tal", "seq": 0, "limit": 1000}' >"$T/tal_events.json"
grep -q '"talent.removed"' "$T/tal_events.json" || sti_fail "no talent.removed event"
sti_wait_for 10 grep -q "talent.removed" "$T/events.bin"
sti_redis_cli CONFIG SET rdbcompression no >/dev/null
sti_redis_cli --rdb "$T/dump.rdb" >/dev/null 2>&1 || sti_fail "redis-cli --rdb"
sti_redis_cli BGREWRITEAOF >/dev/null
# The search sees what is there: names are kept in clear (the office searches them).
grep -rqaF "赵一" "$T/redis" && grep -qaF "赵一" "$T/dump.rdb" || sti_fail "the AOF or dump search sees nothing"
for secret in "$N1" "$N2" "$N3" "$N4" "$N5" "${PHONES[@]}" "${EMAILS[@]}"; do
    hits=$(grep -rlaF -- "$secret" "$T/redis" "$T/dump.rdb" "$T"/*.log "$T/events.bin" \
        "$T/tal_events.json" 2>/dev/null || true)
    [ -z "$hits" ] || sti_fail "$secret in clear in: $hits"
done
"$STI_SOURCE/tests/helpers/redis_grep.py" "$REDIS_PORT" "$N1" "$N2" "$N3" "$N4" \
    "${PHONES[@]}" "${EMAILS[@]}" >"$T/clear.txt" || sti_fail "clear in Redis: $(cat "$T/clear.txt")"
echo ok
