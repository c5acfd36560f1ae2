#!/bin/bash
# sti-healthcheck [PATH]: the images' HEALTHCHECK. Exits 0 when GET PATH
# (default /healthz) on this container's own HTTP port (from STI_HTTP_ADDR)
# answers 200, 1 otherwise.
#
# Plain bash over /dev/tcp, so the images need no curl (about 1 MB more with
# its libraries in an image that otherwise has no use for it) and no extra
# binary: bash is in every Debian image already.
set -u
path=${1:-/healthz}
addr=${STI_HTTP_ADDR:-0.0.0.0:8080}
port=${addr##*:}
host=${addr%:*}
case $host in
    '' | 0.0.0.0 | '*') host=127.0.0.1 ;;
    '[::]' | '::') host=::1 ;;
esac
[[ $port =~ ^[0-9]+$ ]] || { echo "sti-healthcheck: bad STI_HTTP_ADDR '$addr'" >&2; exit 1; }
exec 3<>"/dev/tcp/$host/$port" 2>/dev/null || { echo "sti-healthcheck: nothing listens on $host:$port" >&2; exit 1; }
printf 'GET %s HTTP/1.0\r\nHost: localhost\r\nConnection: close\r\n\r\n' "$path" >&3
IFS= read -r -t 2 status <&3 || { echo "sti-healthcheck: no answer from $host:$port" >&2; exit 1; }
if [[ $status =~ ^HTTP/1\.[01]\ 200 ]]; then
    exit 0
fi
echo "sti-healthcheck: $path answered: ${status%$'\r'}" >&2
exit 1
