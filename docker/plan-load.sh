#!/bin/bash
# sti-plan-load [DIR]: loads a plan (default /plans/linping-2021-2025) through
# `stictl plan load`, retrying until sti-indicators answers (it may still be
# starting) or STI_PLAN_LOAD_TIMEOUT seconds (default 120) pass. Loading is
# idempotent, so running this at every start is safe.
#
# It never loads the plan into a Redis that lost its data. With
# STI_DATASET_FILE (a file on a volume that outlives Redis), it keeps there
# the id of the dataset the first load made (`stictl dataset show`) and, on
# every later run, loads only when Redis holds that dataset, or one an
# operator made after accepting a loss (`stictl dataset accept-loss`), whose
# id it then keeps. A Redis that holds no dataset, or another one, is a loss:
# it says so on stderr and exits 3 without loading (docs/operations.md).
# Exits 0 when loaded, or when this stictl has no `plan` command (said on
# stderr: the plan is then not loaded); 1 when the timeout passes.
set -u
dir=${1:-/plans/linping-2021-2025}
limit=${STI_PLAN_LOAD_TIMEOUT:-120}
marker=${STI_DATASET_FILE:-}
if ! stictl plan --help >/dev/null 2>&1; then
    echo "sti-plan-load: this stictl has no 'plan' command; plan $dir NOT loaded" >&2
    exit 0
fi
deadline=$((SECONDS + limit))
delay=1
# retry CMD...: runs CMD until it succeeds or the time is up.
retry() {
    until "$@"; do
        if [ $SECONDS -ge $deadline ]; then
            echo "sti-plan-load: $* did not succeed within ${limit}s" >&2
            exit 1
        fi
        echo "sti-plan-load: retrying in ${delay}s" >&2
        sleep "$delay"
        delay=$((delay < 8 ? delay * 2 : 8))
    done
}
# field NAME: a field of the dataset Redis holds (stictl --json dataset show).
field() {
    sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p" "$show"
}
if [ -n "$marker" ]; then
    show=$(mktemp)
    trap 'rm -f "$show"' EXIT
    retry sh -c 'stictl --json dataset show >"$1"' sh "$show"
    want=$(cat "$marker" 2>/dev/null || true)
    have=$(field id)
    if [ -n "$want" ] && [ "$have" != "$want" ] && [ "$(field previous)" != "$want" ] &&
        [ -z "$(field reason)" ]; then
        if [ -z "$have" ]; then
            echo "sti-plan-load: DATA LOST: Redis holds no dataset, but this deployment's is $want ($marker); the plan is NOT loaded" >&2
        else
            echo "sti-plan-load: DATA LOST: Redis holds dataset $have, but this deployment's is $want ($marker); the plan is NOT loaded" >&2
        fi
        echo "sti-plan-load: restore Redis from a backup, or go on with what it holds: stictl dataset accept-loss --reason TEXT, then run this Job again" >&2
        exit 3
    fi
fi
retry stictl plan load "$dir"
if [ -n "$marker" ]; then
    retry sh -c 'stictl --json dataset show >"$1"' sh "$show"
    id=$(field id)
    if [ -n "$id" ] && [ "$id" != "$(cat "$marker" 2>/dev/null || true)" ]; then
        printf '%s\n' "$id" >"$marker.tmp" && mv "$marker.tmp" "$marker"
        echo "sti-plan-load: dataset $id kept in $marker"
    fi
fi
echo "sti-plan-load: plan $dir loaded"
