#!/bin/bash
# sti-entrypoint PROGRAM [ARGS...]: the entrypoint of every STI Monitor image.
#
# Turns secrets given as files into the environment the services read, then
# execs PROGRAM (so PROGRAM is PID 1 and receives SIGTERM itself):
#   - each STI_X_FILE=PATH sets STI_X to the file's content (trailing newline
#     removed) unless STI_X is already set or PATH is empty; an unreadable
#     file is an error; STI_X_FILE is then removed, so the service takes the
#     secret from STI_X (sti-talent, given STI_TALENT_KEY_FILE itself, would
#     refuse a key file others may read, and orchestrators mount secrets
#     0444 or 0440: the check belongs to hosts, not to these mounts);
#   - STI_REDIS_PASSWORD (set directly or by STI_REDIS_PASSWORD_FILE) and the
#     optional STI_REDIS_USER go into STI_REDIS_URL as its user-info when the
#     URL has none, and are then removed from the environment.
# Exits 78 (configuration error) with a message on stderr when a secret file
# cannot be read or the password cannot go into a URL unescaped.
set -euo pipefail

s_fail() {
    echo "{\"level\":\"error\",\"service\":\"sti-entrypoint\",\"msg\":\"$*\"}" >&2
    exit 78
}

for var in $(compgen -e); do
    [[ $var =~ ^STI_[A-Z0-9_]+_FILE$ ]] || continue
    target=${var%_FILE}
    [ -z "${!target:-}" ] || continue
    path=${!var}
    [ -n "$path" ] || continue
    [ -r "$path" ] || s_fail "$var: cannot read $path"
    value=$(<"$path")
    export "$target=$value"
    unset "$var"
done

if [ -n "${STI_REDIS_PASSWORD:-}" ]; then
    url=${STI_REDIS_URL:-redis://127.0.0.1:6379}
    rest=${url#redis://}
    [ "$rest" != "$url" ] || s_fail "STI_REDIS_URL must start with redis:// to take a password"
    authority=${rest%%/*}
    if [[ $authority != *@* ]]; then
        [[ $STI_REDIS_PASSWORD =~ ^[A-Za-z0-9._~-]+$ ]] \
            || s_fail "the Redis password may hold only A-Z a-z 0-9 . _ ~ - (make one with: openssl rand -hex 32)"
        [[ ${STI_REDIS_USER:-} =~ ^[A-Za-z0-9._~-]*$ ]] || s_fail "bad STI_REDIS_USER"
        export STI_REDIS_URL="redis://${STI_REDIS_USER:-}:${STI_REDIS_PASSWORD}@${rest}"
    fi
    unset STI_REDIS_PASSWORD
fi

[ $# -gt 0 ] || s_fail "usage: sti-entrypoint PROGRAM [ARGS...]"
exec "$@"
