#!/bin/bash
# sti-plan-load [DIR]: loads a plan (default /plans/linping-2021-2025) through
# `stictl plan load`, retrying until sti-indicators answers (it may still be
# starting) or STI_PLAN_LOAD_TIMEOUT seconds (default 120) pass. Loading is
# idempotent, so running this at every start is safe.
# Exits 0 when loaded, or when this stictl has no `plan` command (said on
# stderr: the plan is then not loaded); 1 when the timeout passes.
set -u
dir=${1:-/plans/linping-2021-2025}
limit=${STI_PLAN_LOAD_TIMEOUT:-120}
if ! stictl plan --help >/dev/null 2>&1; then
    echo "sti-plan-load: this stictl has no 'plan' command; plan $dir NOT loaded" >&2
    exit 0
fi
deadline=$((SECONDS + limit))
delay=1
until stictl plan load "$dir"; do
    if [ $SECONDS -ge $deadline ]; then
        echo "sti-plan-load: plan $dir not loaded after ${limit}s" >&2
        exit 1
    fi
    echo "sti-plan-load: retrying in ${delay}s" >&2
    sleep "$delay"
    delay=$((delay < 8 ? delay * 2 : 8))
done
echo "sti-plan-load: plan $dir loaded"
