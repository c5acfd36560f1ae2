# scripts/dataset.sh: the dataset marker kept outside Redis, for scripts/up and
# scripts/down (sourced; docs/operations.md, "When Redis loses data").
#
# $STI_HOME/dataset holds what this stack's Redis held at its last clean stop
# (or at the first plan load): the dataset id (shared/platform/sti_dataset.h) and each
# event stream's latest seq, one `name value` a line:
#   id 0123456789abcdef0123456789abcdef
#   seq.ind 9011
#   seq.tal 12
#   seq.ntf 3
#   seq.prj 5
#   saved 2026-12-06T17:20:55Z
# The caller defines admin_cli (redis-cli as sti-admin) and NS, STI_HOME.

DATASET_STREAMS=(ind tal ntf prj)

# marker_get NAME: the value of NAME in the marker ("" when absent).
marker_get() {
    [ -f "$STI_HOME/dataset" ] || return 0
    awk -v k="$1" '$1 == k {print $2; exit}' "$STI_HOME/dataset"
}

# redis_dataset FIELD: a field of the dataset hash in Redis ("" when none).
redis_dataset() { admin_cli hget "$NS:dataset" "$1" 2>/dev/null; }

# redis_seq STREAM: the stream's latest seq in Redis (0 when none).
redis_seq() {
    local seq
    seq=$(admin_cli get "$NS:events:$1:seq" 2>/dev/null)
    case $seq in ''|*[!0-9]*) echo 0 ;; *) echo "$seq" ;; esac
}

# marker_save: writes what Redis holds now as the marker (atomically).
marker_save() {
    local id tmp stream
    id=$(redis_dataset id)
    [ -n "$id" ] || return 0
    tmp=$STI_HOME/dataset.tmp.$$
    {
        echo "id $id"
        for stream in "${DATASET_STREAMS[@]}"; do echo "seq.$stream $(redis_seq "$stream")"; done
        echo "saved $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    } >"$tmp"
    mv "$tmp" "$STI_HOME/dataset"
}

# dataset_check: compares Redis with the marker. Prints nothing and returns 0
# when they agree (or there is no marker); else prints what was lost, one
# line, and returns 1.
dataset_check() {
    local want have stream recorded now
    want=$(marker_get id)
    [ -n "$want" ] || return 0
    have=$(redis_dataset id)
    if [ -z "$have" ]; then
        echo "Redis holds no dataset, but this stack's is $want (saved $(marker_get saved)): everything written to it is lost"
        return 1
    fi
    if [ "$have" != "$want" ]; then
        # A loss an operator accepted (stictl dataset accept-loss) while the
        # stack ran: the new dataset has a reason.
        [ -n "$(redis_dataset reason)" ] && return 0
        echo "Redis holds dataset $have, but this stack's is $want: it is not this stack's data"
        return 1
    fi
    for stream in "${DATASET_STREAMS[@]}"; do
        recorded=$(marker_get "seq.$stream")
        now=$(redis_seq "$stream")
        if [ -n "$recorded" ] && [ "$now" -lt "$recorded" ]; then
            echo "the event log $stream is at seq $now, but it was at $recorded when the stack last stopped: Redis lost the tail of its data"
            return 1
        fi
    done
    return 0
}
