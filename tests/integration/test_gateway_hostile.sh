#!/usr/bin/env bash
# Hostile clients of sti-gateway (tests/integration/gateway_hostile.py): a 1 GB
# body (413 before it is read), a chunked body past body_max (cut), a 100 MB
# header, 10^6-deep JSON, invalid UTF-8, slowloris (headers a byte a second:
# cut after header_timeout_s), 10,000 idle connections, and event streams
# that never read while events pour in (each cut, counted, while a stream
# that reads beside them, resuming with Last-Event-ID, gets every event once
# and in order: the frames they share are not held up by them). After each, a well-behaved client is
# answered, and the gateway's memory stays bounded.
. "$STI_SOURCE/tests/lib.sh"
. "$STI_SOURCE/tests/integration/gateway_lib.sh"
HOSTILE="$STI_SOURCE/tests/integration/gateway_hostile.py"

gw_setup --sse-buffer-max 65536
TOKEN=$(gw_token hostile-test --role clerk)
[ -n "$TOKEN" ] || sti_fail "no token"
for check in body header json utf8 slowloris; do
    /usr/bin/python3 "$HOSTILE" 127.0.0.1 "$GW_PORT" "$TOKEN" "$check" || sti_fail "check $check"
done
metric() {   # metric NAME_AND_LABELS: the gateway's value (0 when absent)
    curl -sf "http://127.0.0.1:$GW_HTTP/metrics" | awk -v m="$1" '$1 == m {print $2; f=1} END {if (!f) print 0}'
}
[ "$(metric 'sti_gateway_cut_total{reason="header_timeout"}')" -ge 1 ] \
    || sti_fail "the slowloris cut was not counted"

# 10,000 idle connections: the gateway keeps answering, then closes them.
sti_spawn idle /usr/bin/python3 "$STI_SOURCE/tests/helpers/idle_peers.py" "127.0.0.1:$GW_PORT" \
    10000 --silent
sti_wait_for 60 grep -q '"open"' "$T/idle.log"
grep -q '"open": 10000' "$T/idle.log" || sti_fail "idle connections: $(head -1 "$T/idle.log")"
curl -sf -H "Authorization: Bearer $TOKEN" "$GW/api/v1/orgs" >/dev/null \
    || sti_fail "not answered with 10,000 idle connections open"
rss=$(gw_rss_kb)
echo "gateway RSS with 10,000 idle connections: $rss kB"
# (Not under the sanitizers, whose shadow memory counts too.)
sanitized() { grep -q '^STI_SANITIZE:BOOL=ON' "$STI_BUILD/CMakeCache.txt"; }
sanitized || [ "$rss" -lt 262144 ] || sti_fail "RSS $rss kB with idle connections"
idle_closed() { tail -1 "$T/idle.log" | grep -q '"open": 0'; }
sti_wait_for 30 idle_closed
sti_stop idle

# Event streams that never read, while rows (and so events) pour in.
coproc SLOW { /usr/bin/python3 "$HOSTILE" 127.0.0.1 "$GW_PORT" "$TOKEN" sse-never-read 40; }
read -r line <&"${SLOW[0]}"
echo "$line" | grep -q '"open": 40' || sti_fail "event streams: $line"
sti_spawn reader /usr/bin/python3 -u "$STI_SOURCE/tests/helpers/sse_reader.py" "$GW" "$TOKEN"
sti_wait_for 10 grep -q '^stream' "$T/reader.log"
rows() {   # rows N: a CSV of N made-up values for donghu, one per indicator and month (all past)
    local inds=(hitech_enterprises tech_smes single_champions little_giants hidden_champions)
    echo "indicator,org,period,value"
    for i in $(seq 0 $(($1 - 1))); do
        local m=$((i / 5))
        echo "${inds[i % 5]},donghu,$((2000 + m / 12))-$(printf %02d $((m % 12 + 1))),$i"
    done
}
for round in 1 2 3 4 5 6; do
    out=$(rows 1000 | sed "s/,\([0-9]*\)$/,\1$round/" | curl -sf -H "Authorization: Bearer $TOKEN" \
        -H 'Content-Type: text/csv' --data-binary @- "$GW/api/v1/observations") \
        || sti_fail "a submission failed while slow streams were open"
    echo "$out" | grep -q '"accepted":1000' || sti_fail "a submission: $(echo "$out" | head -c 600)"
done
slow_cut() { [ "$(metric 'sti_gateway_cut_total{reason="slow_reader"}')" -ge 40 ]; }
sti_wait_for 60 slow_cut
# The reader: up to the stream's latest seq, every event once and in order
# (across its resumes, should it fall behind the ring under the sanitizers).
latest() {
    curl -sf -H "Authorization: Bearer $TOKEN" "$GW/api/v1/events/since?stream=ind&seq=0&limit=1" |
        /usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)["latest"])'
}
reader_caught_up() { grep -qx "$(latest)" "$T/reader.log"; }
sti_wait_for 60 reader_caught_up
sti_stop reader || true
/usr/bin/python3 - "$T/reader.log" <<'PY' || sti_fail "the reading stream beside the slow ones"
import sys
lines = open(sys.argv[1]).read().splitlines()
ids = [int(line) for line in lines if line.isdigit()]
if len(ids) < 1000 or ids != list(range(ids[0], ids[0] + len(ids))):
    sys.exit("the reading stream's seqs are not every one once in order: %d, %s..%s"
             % (len(ids), ids[:3], ids[-3:]))
print("the reading stream: %d events, %d..%d, cut %d times" % (len(ids), ids[0], ids[-1],
      lines.count("cut")))
PY
echo go >&"${SLOW[1]}"
wait "$SLOW_PID" || sti_fail "the good client was not answered after the slow streams"
rss=$(gw_rss_kb)
echo "gateway RSS after the slow streams: $rss kB"
sanitized || [ "$rss" -lt 262144 ] || sti_fail "RSS $rss kB after slow streams"

# SIGTERM with an event stream open and a call waiting: the stream gets its
# last comment, and the gateway exits 0 (libmicrohttpd would abort if it
# stopped with a connection asleep). The stream's prefix matches no event:
# the rows above may still be applied (their events pouring in), and a
# stream that took them could be cut as a slow reader first, under the
# sanitizers, with its own last comment instead.
curl -sN -H "Authorization: Bearer $TOKEN" \
    "$GW/api/v1/events?stream=ind&prefix=ind.no_such_indicator" >"$T/stream.txt" &
curl_pid=$!
sti_wait_for 10 grep -q '^: stream ind' "$T/stream.txt"
sti_stop gateway TERM || sti_fail "sti-gateway did not exit 0 on SIGTERM with a stream open"
wait "$curl_pid" || true
grep -q '^: the gateway is stopping' "$T/stream.txt" ||
    sti_fail "the stream did not end with its comment: $(head -c 600 "$T/stream.txt")"
echo "test_gateway_hostile: ok"
