#!/usr/bin/env bash
# tests/container/dev-redis.sh RENDERED.yaml: runs the Redis of the k8s dev
# overlay (kubectl kustomize deploy/k8s/overlays/dev, secrets from
# deploy/k8s/make-secrets dev) as its pod would, with the host's
# redis-server on loopback: the StatefulSet's own command line (only the port,
# the address and the data directory changed), the ACL file and the probe's
# password from the rendered Secret sti-redis-auth, and each service's
# password from the rendered Secret sti-secrets. It checks:
#   - the readiness probe's own command answers (as sti-probe), and sti-probe
#     may do nothing but PING;
#   - the default user is off, and a service user with a wrong password is
#     refused;
#   - each service logs in as STI_REDIS_USER with the password its pod mounts
#     at STI_REDIS_PASSWORD_FILE, in the URL form the entrypoint makes, writes
#     its own keys, and is refused FLUSHALL, CONFIG and another service's keys.
# Exits 0 on success, 1 with the reason otherwise. Needs redis-server,
# redis-cli and /usr/bin/python3 with yaml.
set -euo pipefail
rendered=${1:?usage: dev-redis.sh RENDERED.yaml}
W=$(mktemp -d /tmp/sti-dev-redis.XXXXXX)
REDIS_PID=""
cleanup() {
    local rc=$?
    if [ -n "$REDIS_PID" ]; then
        kill -TERM "$REDIS_PID" 2>/dev/null || true
        wait "$REDIS_PID" 2>/dev/null || true
    fi
    rm -rf "$W"
    exit $rc
}
trap cleanup EXIT
fail() {
    echo "dev-redis: FAIL: $*" >&2
    [ -f "$W/redis.log" ] && tail -n 20 "$W/redis.log" >&2
    exit 1
}
wait_for() {
    local limit=$1 deadline
    shift
    deadline=$(($(date +%s%N) + limit * 1000000000))
    until "$@" >/dev/null 2>&1; do
        [ "$(date +%s%N)" -le "$deadline" ] || fail "timed out after ${limit}s waiting for: $*"
        sleep 0.1
    done
}
PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

# The Redis pod's mounted files under $W/redis-pod, each service's password
# file under $W/svc/NAME, the command lines under $W/*.argv (one word a line;
# /run/secrets/ pointing at the copies).
/usr/bin/python3 - "$rendered" "$W" <<'PY' || fail "reading $rendered"
import base64, os, re, sys, yaml
rendered, w = sys.argv[1:]
docs = [d for d in yaml.safe_load_all(open(rendered)) if d]
def obj(kind, name):
    for d in docs:
        n = d["metadata"]["name"]
        if d["kind"] == kind and (n == name or re.fullmatch(re.escape(name) + r"-[a-z0-9]{10}", n)):
            return d
    sys.exit(f"no {kind} {name}")
def mount(pod, container, root, dst):
    """Writes the secret files the container sees under root into dst."""
    vols = {v["name"]: v for v in pod["volumes"]}
    for m in container["volumeMounts"]:
        if m["mountPath"] != root:
            continue
        ref = vols[m["name"]]["secret"]
        data = obj("Secret", ref["secretName"])["data"]
        os.makedirs(dst, exist_ok=True)
        for item in ref["items"]:
            with open(os.path.join(dst, item["path"]), "wb") as f:
                f.write(base64.b64decode(data[item["key"]]))
        return
    sys.exit(f"{container['name']}: nothing mounted at {root}")
redis = obj("StatefulSet", "sti-redis")["spec"]["template"]["spec"]
c = redis["containers"][0]
mount(redis, c, "/run/secrets", f"{w}/redis-pod")
fix = lambda s: s.replace("/run/secrets/", f"{w}/redis-pod/")
open(f"{w}/redis.argv", "w").write("\n".join(fix(a) for a in c["command"] + c.get("args", [])) + "\n")
open(f"{w}/probe.argv", "w").write("\n".join(fix(a) for a in c["readinessProbe"]["exec"]["command"]) + "\n")
config = next(d["data"] for d in docs if d["kind"] == "ConfigMap"
              and d["metadata"]["name"].startswith("sti-config"))
for svc in ("ingest", "indicators", "talent", "notify", "projects", "gateway"):
    pod = obj("Deployment", f"sti-{svc}")["spec"]["template"]["spec"]
    main = next(x for x in pod["containers"] if x["name"] == f"sti-{svc}")
    env = {e["name"]: e.get("value") for e in main.get("env", [])}
    path = env.get("STI_REDIS_PASSWORD_FILE", config["STI_REDIS_PASSWORD_FILE"])
    mount(pod, main, os.path.dirname(path), f"{w}/svc/sti-{svc}")
    os.rename(f"{w}/svc/sti-{svc}/{os.path.basename(path)}", f"{w}/svc/sti-{svc}.password")
    open(f"{w}/svc/sti-{svc}.user", "w").write(env["STI_REDIS_USER"])
PY

mapfile -t argv <"$W/redis.argv"
[ "${argv[0]}" = redis-server ] || fail "the dev Redis runs '${argv[0]}', not redis-server"
mkdir -p "$W/data"
for i in "${!argv[@]}"; do   # the data directory (the pod's PVC at /data) here
    [ "$i" -eq 0 ] || [ "${argv[i-1]}" != --dir ] || argv[i]=$W/data
done
"${argv[@]}" --port "$PORT" --bind 127.0.0.1 --daemonize no --loglevel warning \
    >"$W/redis.log" 2>&1 &
REDIS_PID=$!

# The readiness probe as the pod runs it (redis-cli given this test's port).
mapfile -t probe <"$W/probe.argv"
probe[${#probe[@]}-1]=${probe[${#probe[@]}-1]//redis-cli /redis-cli -p $PORT }
wait_for 10 "${probe[@]}"
echo "dev-redis: the readiness probe answers (sti-probe)"

as() {   # as USER PASSWORD_FILE redis-cli ARGS...
    local user=$1 file=$2
    shift 2
    REDISCLI_AUTH=$(cat "$file") redis-cli -p "$PORT" --user "$user" "$@" 2>&1
}
refused() {   # refused USER FILE CMD...: NOPERM
    local out
    out=$(as "$@")
    echo "$out" | grep -q NOPERM || fail "$1 was not refused '${*:3}': $out"
}
out=$(redis-cli -p "$PORT" ping 2>&1)
echo "$out" | grep -q NOAUTH || fail "the default user answered: $out"
probe_pw=$W/redis-pod/sti-probe
refused sti-probe "$probe_pw" get sti:val:x
refused sti-probe "$probe_pw" info
refused sti-probe "$probe_pw" flushall

# A key each service alone may touch (sti-ingest may read sti:val:*, so
# sti-indicators' is a revision's).
declare -A own=([sti-ingest]=sti:ingest:x [sti-indicators]=sti:rev:x [sti-talent]=sti:tal:x
                [sti-notify]=sti:notify:x [sti-projects]=sti:prj:x [sti-gateway]=sti:gw:x)
for svc in sti-ingest sti-indicators sti-talent sti-notify sti-projects sti-gateway; do
    user=$(cat "$W/svc/$svc.user")
    pw=$W/svc/$svc.password
    [ "$user" = "$svc" ] || fail "$svc logs in as '$user'"
    # The URL the entrypoint makes: redis://USER:PASSWORD@HOST:PORT/DB.
    url="redis://$user:$(cat "$pw")@127.0.0.1:$PORT/0"
    out=$(redis-cli -u "$url" --no-auth-warning set "${own[$svc]}" 1 2>&1)
    [ "$out" = OK ] || fail "$svc cannot write its own ${own[$svc]} through its URL: $out"
    refused "$user" "$pw" flushall
    refused "$user" "$pw" config get maxmemory
    for other in "${!own[@]}"; do
        [ "$other" = "$svc" ] || refused "$user" "$pw" get "${own[$other]}"
    done
    # The catalog is sti-indicators' to write; the others may only read it.
    [ "$svc" = sti-indicators ] || refused "$user" "$pw" set sti:targets x
    echo wrong >"$W/wrong"
    out=$(as "$user" "$W/wrong" ping)
    echo "$out" | grep -q WRONGPASS || fail "$svc with a wrong password: $out"
done
echo "dev-redis: each service as its own user: its keys yes; FLUSHALL, CONFIG, other services' keys, writing the catalog but from sti-indicators no"
