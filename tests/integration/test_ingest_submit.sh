#!/usr/bin/env bash
# sti-ingest's obs.submit through a real broker and Redis: every kind of bad
# row is named with its field and reason, the good rows of the same request
# are kept (converted to the catalog's unit), dry_run keeps nothing, a
# repeated request id is answered as the first time and appended once, and
# limits and a missing plan give clear errors. The rows are made up for the
# test; the catalog is the Linping plan's.
. "$STI_SOURCE/tests/lib.sh"
CALL="$STI_SOURCE/tests/helpers/sti_call.py"

sti_start_redis
sti_start_broker
sti_spawn ingest sti-ingest --http-addr 127.0.0.1:0
sti_wait_service sti.ingest

# No plan loaded yet: a clear not_found.
out=$("$CALL" sti.ingest obs.submit '{"rows": []}')
echo "$out" | grep -q '"code": "not_found"' || sti_fail "no plan: expected not_found, got $out"

plan_put "$STI_REDIS_URL" "$STI_NAMESPACE" "$STI_SOURCE/data/plans/linping-2021-2025" \
    donghu:linping || sti_fail "plan_put failed"

rows='[
 {"indicator": "hitech_enterprises", "org": "linping", "period": "2023", "value": 850},
 {"indicator": "rd_expenditure", "org": "donghu", "period": "2023", "value": 12000, "unit": "万元", "source": "town report"},
 {"indicator": "no_such_indicator", "org": "linping", "period": "2023", "value": 1},
 {"indicator": "hitech_enterprises", "org": "nowhere", "period": "2023", "value": 1},
 {"indicator": "hitech_enterprises", "org": "linping", "period": "2023Q5", "value": 1},
 {"indicator": "hitech_enterprises", "org": "linping", "period": "1999", "value": 1},
 {"indicator": "hitech_enterprises", "org": "linping", "period": "2022", "value": -3},
 {"indicator": "hitech_value_added_share", "org": "linping", "period": "2023", "value": 120},
 {"indicator": "rd_expenditure", "org": "linping", "period": "2023", "value": 5, "unit": "美元"},
 {"indicator": "rd_gdp_ratio", "org": "linping", "period": "2023", "value": 3.6},
 {"indicator": "hitech_enterprises", "org": "linping", "period": "2023", "value": 851},
 {"indicator": "hitech_enterprises", "org": "linping", "period": "2021", "value": "many"}
]'
body="{\"rows\": $rows, \"source\": \"test\", \"request_id\": \"req-1\"}"
out=$("$CALL" sti.ingest obs.submit "$body")
/usr/bin/python3 - "$out" <<'PY' || sti_fail "obs.submit reply is wrong: $out"
import json, sys
r = json.loads(sys.argv[1])
assert r["ok"], r
b = r["body"]
assert b["accepted"] == 2 and b["rejected"] == 10, b
errors = {}
for e in b["errors"]:
    errors.setdefault(e["index"], []).append((e["field"], e["reason"]))
def has(i, field, *words):
    assert i in errors, ("row", i, "not refused", errors)
    assert any(f == field and all(w in r for w in words) for f, r in errors[i]), (i, field, words, errors[i])
has(2, "indicator", "no_such_indicator")
has(3, "org", "nowhere")
has(4, "period")
has(5, "period", "1999")
has(6, "value", "negative")
has(7, "value", "100")
has(8, "unit", "美元", "亿元")
has(9, "indicator", "rd_expenditure", "gdp")
has(10, "period", "earlier row", "index 0")
has(11, "value")
assert 0 not in errors and 1 not in errors
PY

# The two good rows are one intake entry, converted to 亿元.
[ "$(sti_redis_cli XLEN "$STI_NAMESPACE:intake")" = 1 ] || sti_fail "expected one intake entry"
/usr/bin/python3 - "$REDIS_PORT" "$STI_NAMESPACE" <<'PY' || sti_fail "intake entry is wrong"
import sys, msgpack, redis
r = redis.Redis(port=int(sys.argv[1]))
[(entry_id, entry)] = r.xrange(sys.argv[2] + ":intake")
assert entry[b"request"] == b"req-1", entry
rows = msgpack.unpackb(entry[b"rows"], raw=False)
assert rows[0] == ["hitech_enterprises", "linping", "2023", 850.0, "test", ""], rows[0]
assert rows[1][:3] == ["rd_expenditure", "donghu", "2023"] and abs(rows[1][3] - 1.2) < 1e-9, rows[1]
assert rows[1][4] == "town report", rows[1]
PY

# The same request id again: the same answer (but replayed: true), nothing
# appended; entry is the id of the one intake entry.
out2=$("$CALL" sti.ingest obs.submit "$body")
/usr/bin/python3 - "$out" "$out2" "$(sti_redis_cli XRANGE "$STI_NAMESPACE:intake" - + COUNT 1 | head -n 1)" <<'PY' \
    || sti_fail "a repeated request id got another answer: $out2"
import json, sys
first, again = json.loads(sys.argv[1])["body"], json.loads(sys.argv[2])["body"]
assert first.pop("replayed") is False and again.pop("replayed") is True, (first, again)
assert first == again and first["entry"] == sys.argv[3], (first, again, sys.argv[3])
PY
[ "$(sti_redis_cli XLEN "$STI_NAMESPACE:intake")" = 1 ] || sti_fail "a repeated request was appended again"

# dry_run checks and keeps nothing.
out=$("$CALL" sti.ingest obs.submit "{\"rows\": $rows, \"dry_run\": true}")
echo "$out" | grep -q '"accepted": 2' && echo "$out" | grep -q '"entry": null' || sti_fail "dry_run: $out"
[ "$(sti_redis_cli XLEN "$STI_NAMESPACE:intake")" = 1 ] || sti_fail "dry_run appended rows"

# Malformed bodies and limits.
out=$("$CALL" sti.ingest obs.submit '{"rows": 5}')
echo "$out" | grep -q '"invalid_argument"' && echo "$out" | grep -q 'rows' || sti_fail "rows not an array: $out"
out=$("$CALL" sti.ingest obs.submit '{"rows": [], "colour": "red"}')
echo "$out" | grep -q 'colour' || sti_fail "unknown body key not named: $out"
out=$(/usr/bin/python3 -c 'import json; print(json.dumps({"rows": [{"indicator":"gdp","org":"linping","period":"2023","value":1}]*10001}))' \
    | "$CALL" sti.ingest obs.submit -)
echo "$out" | grep -q '"too_large"' || sti_fail "10,001 rows: expected too_large, got ${out:0:200}"

# The service stops cleanly.
sti_stop ingest TERM || sti_fail "sti-ingest did not exit 0 on SIGTERM"
echo "ok"
