#!/usr/bin/env bash
# Hostile input through the wire (issue 7), against sti-broker and every
# worker service the build has (each services/NAME/sti-NAME other than the
# broker, started with its defaults and serving sti.NAME): a frame that
# declares 1 GB, 2^32-1 elements in five bytes, nesting 1,000 deep, strings
# that are not UTF-8, 100,000 random blobs shared out over the services
# (20,000 in the ASan build) and as many garbage messages at the broker
# (tests/integration/hostile_input.py); then stictl ingest with CSV that
# has a header only (nothing sent, exit 2), 10^6 columns, NUL bytes (the
# .xlsx files: test_stictl_files_hostile). No crash,
# no hang (each still answers), memory growth under 64 MB, invalid_argument
# with a reason where a reply is due.
. "$STI_SOURCE/tests/lib.sh"

if grep -q '^STI_SANITIZE:BOOL=ON' "$STI_BUILD/CMakeCache.txt"; then
    export STI_SANITIZED=1   # ASan's quarantine keeps freed memory: growth is printed only
    export STI_HOSTILE_BLOBS=${STI_HOSTILE_BLOBS:-20000}   # 5 times slower: fewer blobs
fi
sti_start_redis
sti_start_broker

targets=()
for binary in "$STI_BUILD"/services/*/sti-*; do
    name=${binary##*/sti-}
    [ -x "$binary" ] && [ "$name" != broker ] || continue
    sti_spawn "$name" "$binary" --http-addr 127.0.0.1:0
    targets+=("$name")
done
[ ${#targets[@]} -gt 0 ] || sti_fail "no worker service in $STI_BUILD/services"
args=()
for name in "${targets[@]}"; do
    sti_wait_service "sti.$name"
    args+=("sti.$name=${STI_PIDS[$name]}")
done

/usr/bin/python3 "$STI_SOURCE/tests/integration/hostile_input.py" "$STI_BROKER" \
    "${STI_PIDS[broker]}" "${args[@]}" || sti_fail "hostile input"

# stictl ingest on hostile CSV files: a clear exit code and reason, bounded
# memory (stictl's peak RSS, measured by the kernel for the child).
peak_kb() {  # peak_kb FILE: runs stictl ingest FILE, prints "rc peak_kB"
    /usr/bin/python3 - "$STI_BUILD/cli/stictl" "$1" "$T/stictl.out" "$T/stictl.err" <<'PY'
import resource, subprocess, sys
with open(sys.argv[3], "wb") as out, open(sys.argv[4], "wb") as err:
    rc = subprocess.run([sys.argv[1], "ingest", sys.argv[2]], stdout=out, stderr=err,
                        timeout=60).returncode
print(rc, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
PY
}
printf 'indicator,org,period,value\n' >"$T/header.csv"
read -r rc base <<<"$(peak_kb "$T/header.csv")"
[ "$rc" = 2 ] && grep -q "has no data rows" "$T/stictl.err" \
    || sti_fail "header only: rc $rc $(cat "$T/stictl.out" "$T/stictl.err")"

/usr/bin/python3 -c 'import sys; sys.stdout.write(",".join("c%d" % i for i in range(10**6)) + "\n")' \
    >"$T/wide.csv"
read -r rc peak <<<"$(peak_kb "$T/wide.csv")"
[ "$rc" = 2 ] && grep -q "header: unknown column" "$T/stictl.err" \
    || sti_fail "10^6 columns: rc $rc $(cat "$T/stictl.err")"
[ -n "${STI_SANITIZED:-}" ] || [ $((peak - base)) -lt 65536 ] \
    || sti_fail "10^6 columns: stictl grew by $((peak - base)) kB"

printf 'indicator,org,period,value\nrd_expenditure,linping,20\x0023,1\n\x00,\x00,\x00,\x00\n' \
    >"$T/nul.csv"
read -r rc peak <<<"$(peak_kb "$T/nul.csv")"
[ "$rc" = 3 ] && [ "$(grep -c "NUL byte" "$T/stictl.out")" = 2 ] \
    || sti_fail "NUL bytes: rc $rc $(cat "$T/stictl.out" "$T/stictl.err")"
[ -n "${STI_SANITIZED:-}" ] || [ $((peak - base)) -lt 65536 ] \
    || sti_fail "NUL bytes: stictl grew by $((peak - base)) kB"

# the services are still there and answer (the CSV steps send nothing bad)
for name in "${targets[@]}"; do
    kill -0 "${STI_PIDS[$name]}" 2>/dev/null || sti_fail "sti-$name died"
    sti_service_up "sti.$name" || sti_fail "sti.$name does not answer at the end"
done
echo ok
