#!/usr/bin/env bash
# The Python example of docs/gateway.md ("Events", the block after "the SSE
# example") run as it stands, with TOKEN and handle() defined before it, the
# port set to this gateway's and `last = 0` (from the oldest event): rows
# submitted, the gateway stopped and started again on its port, rows
# submitted while it is away and after; every rd_ event the log holds
# arrives exactly once, in order. The figures are made up.
. "$STI_SOURCE/tests/lib.sh"
. "$STI_SOURCE/tests/integration/gateway_lib.sh"

gw_setup --sse-heartbeat-s 1
TOKEN=$(gw_token example --role reader)
/usr/bin/python3 - "$STI_SOURCE/docs/gateway.md" "$GW_PORT" "$TOKEN" "$T/example.py" <<'PY' ||
import re, sys
doc, port, token, out = sys.argv[1:]
text = open(doc, encoding="utf-8").read()
block = re.search(r"<!-- the SSE example: tested as it stands -->\n```python\n(.*?)```", text, re.S)
code = block.group(1)
assert code.count("5575") == 1 and code.count("last = None") == 1, "the example changed shape"
code = code.replace("5575", port).replace("last = None", "last = 0")
prelude = (f"import json, sys\nTOKEN = {token!r}\n"
           "def handle(event):\n    print(json.dumps(event), flush=True)\n")
open(out, "w").write(prelude + code)
PY
    sti_fail "the SSE example is not in docs/gateway.md"
[ "$(sed -n '/the SSE example: tested/,/^```$/p' "$STI_SOURCE/docs/gateway.md" | wc -l)" -le 21 ] ||
    sti_fail "the SSE example grew past 18 lines"

# feed N: rd_expenditure at donghu and linping for the years 2021..2025, values new (made up).
feed() {
    {
        echo "indicator,org,period,value,unit"
        local year
        for year in 2021 2022 2023 2024 2025; do
            echo "rd_expenditure,donghu,$year,$((100 + $1 * 10 + year - 2021)),万元"
            echo "hitech_enterprises,donghu,$year,$((50 + $1 + year - 2021)),家"
        done
    } >"$T/rows.csv"
    stictl ingest "$T/rows.csv" --source test >/dev/null || sti_fail "ingest $1"
}
rd_seqs() {
    /usr/bin/python3 "$STI_SOURCE/tests/helpers/events_log.py" "$REDIS_PORT" "$STI_NAMESPACE:events:ind" ind.rd_
}
got_seqs() { /usr/bin/python3 -c 'import json,sys; [print(json.loads(l)["seq"]) for l in open(sys.argv[1])]' "$T/example.log"; }
all_in() { [ "$(got_seqs | tail -n 1)" = "$(rd_seqs | tail -n 1)" ]; }

feed 1
sti_spawn example /usr/bin/python3 "$T/example.py"
sti_wait_for 30 all_in
feed 2
sti_wait_for 30 all_in
sti_stop gateway || sti_fail "sti-gateway did not stop cleanly"
feed 3
sti_spawn gateway sti-gateway --http-addr 127.0.0.1:0 --listen "127.0.0.1:$GW_PORT" \
    --pwhash-mem-kib 8192 --upload-dir "$T" --sse-heartbeat-s 1
sti_wait_for 30 curl -sf "$GW/readyz"
feed 4
sti_wait_for 30 all_in
kill -0 "${STI_PIDS[example]}" || sti_fail "the example died"
rd_seqs >"$T/want"
got_seqs >"$T/got"
diff "$T/want" "$T/got" >"$T/diff" || { head "$T/diff" >&2; sti_fail "not every rd_ event exactly once"; }
[ "$(wc -l <"$T/want")" -ge 20 ] || sti_fail "too few events: $(wc -l <"$T/want")"
echo "test_gateway_sse_example: ok ($(wc -l <"$T/want") events)"
