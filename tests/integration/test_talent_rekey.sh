#!/usr/bin/env bash
# Rotating the talent registry's key, end to end on a real Redis, broker and
# sti-talent (docs/talent.md "Rotation", docs/deploy.md): records made under
# key 1 (with phones and e-mails) are read again after a restart with key 2
# current and key 1 old; a record is added under key 2; a duplicate of a
# key-1 document is refused (add and update); `stictl talent rekey` runs
# from two replicas at once while another client updates records, and no
# update is lost; afterwards Redis holds no value and no index entry under
# key 1; after a restart with key 2 alone every record reads and the
# duplicate is still refused. Bad old-key settings stop the service with a
# message. Every identity number is made up (tests/helpers/talent_ids.py).
. "$STI_SOURCE/tests/lib.sh"
CALL="$STI_SOURCE/tests/helpers/sti_call.py"
IDS="$STI_SOURCE/tests/helpers/talent_ids.py"
SCAN="$STI_SOURCE/tests/helpers/talent_keyscan.py"
stictl() { command stictl --timeout 15000 "$@"; }
unset STI_TALENT_KEY

sti_start_redis
sti_start_broker
# The plan, talent codes included, as plan.load puts it: sti-talent reads its codes there.
plan_put "$STI_REDIS_URL" "$STI_NAMESPACE" "$STI_SOURCE/data/plans/linping-2021-2025" ||
    sti_fail "plan_put failed"
head -c 32 /dev/urandom >"$T/key1"
head -c 32 /dev/urandom | od -An -v -tx1 | tr -d ' \n' >"$T/key2"
chmod 600 "$T/key1" "$T/key2"
KEY1_HEX=$(od -An -v -tx1 "$T/key1" | tr -d ' \n')

# talent_up NAME ARGS...: starts sti-talent as NAME (metrics on a spare port,
# in HTTP_<NAME>) and waits until it serves.
declare -A HTTP=()
talent_up() {
    local name=$1; shift
    HTTP[$name]=$(sti_spare_port)
    sti_spawn "$name" sti-talent --http-addr "127.0.0.1:${HTTP[$name]}" "$@"
    sti_wait_for 15 curl -sf "http://127.0.0.1:${HTTP[$name]}/readyz"
    sti_wait_service sti.talent
}
# gauge NAME METRIC: the value of METRIC on replica NAME's /metrics.
gauge() {
    curl -sf "http://127.0.0.1:${HTTP[$1]}/metrics" | awk -v m="$2" '$1 == m {print $2}'
}
# talent_down NAME: stops it and waits until the broker has no worker left.
talent_down() {
    sti_stop "$1" || true
}
no_worker() { ! sti_service_up sti.talent; }

# --- bad old-key settings refuse to start, naming what is wrong ---
refused() { # refused PATTERN ARGS...: sti-talent exits non-zero saying PATTERN
    local pattern=$1 rc=0; shift
    timeout 20 sti-talent --http-addr 127.0.0.1:0 "$@" >"$T/refused.txt" 2>&1 || rc=$?
    [ $rc -ne 0 ] && grep -q -- "$pattern" "$T/refused.txt" ||
        sti_fail "expected a refusal with '$pattern', rc $rc: $(cat "$T/refused.txt")"
}
cp "$T/key1" "$T/key1.open"; chmod 644 "$T/key1.open"
refused "the current key's id" --talent-key-file "$T/key2" --talent-key-id 2 --talent-old-keys "2:$T/key1"
refused "given twice" --talent-key-file "$T/key2" --talent-key-id 2 --talent-old-keys "1:$T/key1,1:$T/key1"
STI_TALENT_OLD_KEY_1=$KEY1_HEX refused "given twice" --talent-key-file "$T/key2" --talent-key-id 2 \
    --talent-old-keys "1:$T/key1"
refused "mode 644" --talent-key-file "$T/key2" --talent-key-id 2 --talent-old-keys "1:$T/key1.open"
refused "expected ID:PATH" --talent-key-file "$T/key2" --talent-key-id 2 --talent-old-keys "$T/key1"
refused "the same secret" --talent-key-file "$T/key2" --talent-key-id 2 --talent-old-keys "1:$T/key2"
STI_TALENT_OLD_KEY_X=$KEY1_HEX refused "STI_TALENT_OLD_KEY_X" --talent-key-file "$T/key2" --talent-key-id 2
refused "No such file" --talent-key-file "$T/key2" --talent-key-id 2 --talent-old-keys "1:$T/none"
grep -q "$KEY1_HEX" "$T/refused.txt" && sti_fail "a refusal quoted a secret"

# --- key 1: records with phones and e-mails ---
talent_up k1 --talent-key-file "$T/key1" --talent-key-id 1
N1=$("$IDS" resident 1); N2=$("$IDS" resident 2); N3=$("$IDS" resident 3); N4=$("$IDS" resident 4)
id1=$(stictl talent add --name 赵一 --id-type resident --id-number "$N1" --phone 13912340001 \
    --email alpha.one@example.org --category national --field equipment --channel direct \
    --arrived 2023-03-01) || sti_fail "add 1"
id2=$(stictl talent add --name 钱二 --id-type passport --id-number E12345678 --phone +441234560123 \
    --category provincial --field biomedicine --channel direct --arrived 2023-05-01) || sti_fail "add 2"
id3=$(stictl talent add --name 孙三 --id-type resident --id-number "$N3" --email gamma.three@example.org \
    --category district --field future --channel direct --arrived 2023-09-01) || sti_fail "add 3"
# Many more, for the re-key to take several batches while updates run.
/usr/bin/python3 - "$STI_SOURCE/tests/helpers" >"$T/rows.json" <<'PY'
import json, sys
sys.path.insert(0, sys.argv[1])
from talent_ids import resident
rows = [{"name": "批量%03d" % i, "id_type": "resident", "id_number": resident(100 + i),
         "phone": "1391234%04d" % (100 + i), "email": "user%03d@example.org" % i,
         "category": "other", "field": "other", "channel": {"kind": "direct"},
         "arrived": "2022-01-01"} for i in range(120)]
print(json.dumps({"rows": rows, "request_id": "rekey-test-import"}))
PY
"$CALL" sti.talent talent.import - <"$T/rows.json" >"$T/import.json"
grep -q '"accepted": 120' "$T/import.json" || sti_fail "import: $(head -c 600 "$T/import.json")"
stictl --json talent show "$id1" >"$T/before1.json" || sti_fail "show 1"
stictl --json talent show "$id2" >"$T/before2.json" || sti_fail "show 2"
"$SCAN" "$REDIS_PORT" "$STI_NAMESPACE" >"$T/scan0.json"
grep -q '"index": {"1": 123}' "$T/scan0.json" || sti_fail "before: $(cat "$T/scan0.json")"
talent_down k1
sti_wait_for 15 no_worker

# --- key 2 current, key 1 old (a file in the list) ---
talent_up k2 --talent-key-file "$T/key2" --talent-key-id 2 --talent-old-keys "1:$T/key1"
stictl --json talent show "$id1" >"$T/after1.json" || sti_fail "show 1 under key 2"
stictl --json talent show "$id2" >"$T/after2.json" || sti_fail "show 2 under key 2"
/usr/bin/python3 - "$T" "$N1" <<'PY' || sti_fail "masked values changed: $(cat "$T/after1.json" "$T/after2.json")"
import json, sys
t, n1 = sys.argv[1], sys.argv[2]
for i in (1, 2):
    before = json.load(open("%s/before%d.json" % (t, i)))
    after = json.load(open("%s/after%d.json" % (t, i)))
    assert before == after, (before, after)
a = json.load(open(t + "/after1.json"))
assert a["id_number"] == n1[:4] + "*" * 10 + n1[-4:], a
assert a["phone"] == "139****0001" and a["email"] == "a***@example.org", a
b = json.load(open(t + "/after2.json"))
assert b["id_number"] == "E1*****78" and b["phone"] == "+44******0123" and b["email"] is None, b
PY
stictl talent search --all >"$T/search.txt" || sti_fail "search under key 2"
[ "$(grep -c '^T' "$T/search.txt")" -ge 123 ] || sti_fail "search: $(head "$T/search.txt")"
id4=$(stictl talent add --name 李四 --id-type resident --id-number "$N4" --phone 13912340004 \
    --category municipal --field fashion --channel direct --arrived 2024-02-01) || sti_fail "add 4"
[ "$(sti_redis_cli HGET "$STI_NAMESPACE:tal:rec:$id4" hash | cut -c1-2)" = 02 ] ||
    sti_fail "a new record is not under key 2"
rc=0; stictl talent add --name 重复 --id-type resident --id-number "$N1" --category other \
    --field other --channel direct --arrived 2023-01-01 2>"$T/dup.txt" || rc=$?
[ $rc -eq 1 ] && grep -q "conflict" "$T/dup.txt" && grep -q "$id1" "$T/dup.txt" ||
    sti_fail "a duplicate of a key-1 document: rc $rc $(cat "$T/dup.txt")"
rc=0; stictl talent update "$id4" --version 1 --id-type resident --id-number "$N3" 2>"$T/dup2.txt" || rc=$?
[ $rc -eq 1 ] && grep -q "$id3" "$T/dup2.txt" || sti_fail "an update to a key-1 document: rc $rc $(cat "$T/dup2.txt")"
stictl --json talent stats >"$T/stats.json" || sti_fail "stats"
grep -q '"keys":{"current":2,"old":123,"unknown":0}' "$T/stats.json" || sti_fail "stats: $(cat "$T/stats.json")"
[ "$(gauge k2 sti_talent_records_old_key)" = 123 ] || sti_fail "gauge: $(gauge k2 sti_talent_records_old_key)"

# --- rekey from two replicas at once (the second takes key 1 from the
#     environment, as the container entrypoint leaves it), while a client
#     keeps updating records; no update may be lost ---
STI_TALENT_OLD_KEY_1=$KEY1_HEX talent_up k2b --talent-key-file "$T/key2" --talent-key-id 2
cat >"$T/updater.py" <<'PY'
import json, os, sys, time
sys.path.insert(0, sys.argv[1])
from sti_call import call
broker, ids, out = os.environ["STI_BROKER"], sys.argv[2].split(), sys.argv[3]
done = {}   # id -> [version, notes] of the last update answered ok
for n in range(150):
    rid = ids[n % len(ids)]
    for attempt in range(200):
        got = call(broker, "sti.talent", "talent.get", {"id": rid}, 10000)
        version = got["body"]["version"]
        r = call(broker, "sti.talent", "talent.update",
                 {"id": rid, "version": version, "set": {"notes": "update %d" % n}}, 10000)
        if r["ok"]:
            done[rid] = [r["body"]["version"], "update %d" % n]
            break
        if r["error"]["code"] == "rate_limited":  # the wait the service names
            time.sleep(int(r["error"]["details"][0]["reason"]) / 1000.0)
            continue
        assert r["error"]["code"] == "conflict", r
    else:
        raise SystemExit("update %d of %s never went through" % (n, rid))
json.dump(done, open(out + ".tmp", "w"))
os.rename(out + ".tmp", out)
PY
ids=$(/usr/bin/python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["body"]["ids"]; print(" ".join(x["id"] for x in r[::4]))' "$T/import.json")
[ -n "$ids" ] || sti_fail "no ids from the import"
sti_spawn updater /usr/bin/python3 "$T/updater.py" "$STI_SOURCE/tests/helpers" "$ids" "$T/updates.json"
rc1=0; rc2=0
stictl talent rekey --limit 3 >"$T/rekey1.txt" 2>"$T/rekey1.err" & p1=$!
stictl talent rekey --limit 5 >"$T/rekey2.txt" 2>"$T/rekey2.err" & p2=$!
wait $p1 || rc1=$?
wait $p2 || rc2=$?
[ $rc1 -eq 0 ] && [ $rc2 -eq 0 ] ||
    sti_fail "rekey: rc $rc1 $rc2: $(cat "$T"/rekey*.txt "$T"/rekey*.err)"
grep -q "rekeyed [0-9]*; 0 remain under old keys" "$T/rekey1.txt" || sti_fail "rekey 1: $(cat "$T/rekey1.txt")"
grep -q "remain under old keys" "$T/rekey1.err" || sti_fail "rekey prints no progress"
updater_done() { [ -f "$T/updates.json" ] || ! kill -0 "${STI_PIDS[updater]}" 2>/dev/null; }
sti_wait_for 60 updater_done
[ -f "$T/updates.json" ] || sti_fail "the updater failed: $(cat "$T/updater.log")"
/usr/bin/python3 - "$T/updates.json" "$STI_SOURCE/tests/helpers" <<'PY' || sti_fail "an update was lost"
import json, os, sys
sys.path.insert(0, sys.argv[2])
from sti_call import call
done = json.load(open(sys.argv[1]))
assert done, done
for rid, (version, notes) in done.items():
    r = call(os.environ["STI_BROKER"], "sti.talent", "talent.get", {"id": rid}, 10000)
    assert r["body"]["version"] == version and r["body"]["notes"] == notes, (rid, version, notes, r)
PY
# Both runs re-keyed every record between them, once each (the audit says who).
total=$(( $(sed -n 's/^rekeyed \([0-9]*\);.*/\1/p' "$T/rekey1.txt") + $(sed -n 's/^rekeyed \([0-9]*\);.*/\1/p' "$T/rekey2.txt") ))
[ "$total" -le 123 ] || sti_fail "re-keyed $total records of 123"
stictl talent audit "$id1" | grep -q " talent.rekey " || sti_fail "audit: no talent.rekey of $id1"
"$SCAN" "$REDIS_PORT" "$STI_NAMESPACE" >"$T/scan1.json"
/usr/bin/python3 - "$T/scan1.json" <<'PY' || sti_fail "key 1 left in Redis: $(cat "$T/scan1.json")"
import json, sys
s = json.load(open(sys.argv[1]))
assert s["records"] == 124 and list(s["values"]) == ["2"] and s["index"] == {"2": 124}, s
PY
stictl --json talent stats | grep -q '"keys":{"current":2,"old":0,"unknown":0}' || sti_fail "stats after rekey"
[ "$(gauge k2 sti_talent_records_old_key)" = 0 ] || [ "$(gauge k2b sti_talent_records_old_key)" = 0 ] ||
    sti_fail "the gauge does not show 0 after the rekey"
out=$(stictl talent rekey) || sti_fail "a rekey with nothing to do"
[ "$out" = "rekeyed 0; 0 remain under old keys (0 under a key the service does not hold); current key 2" ] ||
    sti_fail "rekey again: $out"

# --- key 2 alone: every record reads, the duplicate is still refused ---
talent_down k2
talent_down k2b
sti_wait_for 15 no_worker
talent_up k2only --talent-key-file "$T/key2" --talent-key-id 2
stictl --json talent show "$id1" >"$T/final1.json" || sti_fail "show 1 with key 2 alone"
/usr/bin/python3 -c 'import json,sys; a=json.load(open(sys.argv[1])); b=json.load(open(sys.argv[2])); assert a==b,(a,b)' \
    "$T/before1.json" "$T/final1.json" || sti_fail "record 1 changed"
stictl talent export "$T/export.csv" 2>"$T/export.err" || sti_fail "export with key 2 alone: $(cat "$T/export.err")"
[ "$(wc -l <"$T/export.csv")" -eq 125 ] || sti_fail "export: $(wc -l <"$T/export.csv") lines"
rc=0; stictl talent add --name 重复 --id-type resident --id-number "$N1" --category other \
    --field other --channel direct --arrived 2023-01-01 2>"$T/dup3.txt" || rc=$?
[ $rc -eq 1 ] && grep -q "$id1" "$T/dup3.txt" || sti_fail "duplicate after the rotation: rc $rc $(cat "$T/dup3.txt")"
rc=0; stictl talent add --name 重复 --id-type passport --id-number E12345678 --category other \
    --field other --channel direct --arrived 2023-01-01 2>"$T/dup4.txt" || rc=$?
[ $rc -eq 1 ] && grep -q "$id2" "$T/dup4.txt" || sti_fail "passport duplicate after the rotation: rc $rc"
grep -q '"level":"error"' "$T/k2only.log" && sti_fail "errors in the log: $(grep error "$T/k2only.log")"
echo "PASS test_talent_rekey"
