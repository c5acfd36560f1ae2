#!/usr/bin/env bash
# sti-gateway end to end, as the issue's "done when" says, through curl and
# Python's standard library only, on a stack scripts/up started with CURVE
# on (the gateway with its key of role gateway): sign in as admin from the
# password file scripts/up wrote; a clerk scoped to one town, a reader and
# an officer; the clerk's CSV for its town is accepted and for another town
# refused (403, naming the scope); the reader cannot POST; no credentials is
# 401; the officer reveals a talent with a reason and the audit names the
# officer; a token of `stictl token new` works until revoked; an event
# stream cut mid-way resumes with Last-Event-ID and receives every event
# once while rows are submitted (tests/integration/gateway_scenario.py); an
# officer adds a made-up project, marks its milestone done and completes it
# through the projects' routes, which a reader may read but not write.
# Also: the API's security headers and readiness with curl, and that
# scripts/up printed the API's URL and where the password is.
. "$STI_SOURCE/tests/lib.sh"

UP=$STI_SOURCE/scripts/up
DOWN=$STI_SOURCE/scripts/down
HOME_DIR=$T/stack
BASE=$(sti_spare_base 21)
trap 'rc=$?; STI_HOME=$HOME_DIR "$DOWN" >/dev/null 2>&1 || true; (exit $rc); sti_cleanup' EXIT

STI_HOME=$HOME_DIR STI_PORT_BASE=$BASE STI_CURVE=on "$UP" --detach >"$T/up.log" 2>&1 \
    || { cat "$T/up.log" >&2; sti_fail "scripts/up failed"; }
API=http://127.0.0.1:$((BASE + 20))
grep -q "web API *$API .*$HOME_DIR/secrets/web-admin" "$T/up.log" \
    || sti_fail "scripts/up did not print the API's URL and the password file: $(cat "$T/up.log")"
[ "$(stat -c %a "$HOME_DIR/secrets/web-admin")" = 600 ] || sti_fail "web-admin is not mode 0600"
sti_wait_for 20 curl -sf "$API/readyz"

# curl: the security headers on an error answer too, and the 401's shape.
curl -s -D "$T/headers" -o "$T/body" "$API/api/v1/progress?year=2025"
grep -q '^HTTP/1.1 401' "$T/headers" || sti_fail "no credentials: $(head -1 "$T/headers")"
grep -qi "^content-security-policy: .*frame-ancestors 'none'" "$T/headers" || sti_fail "no CSP"
grep -qi '^x-content-type-options: nosniff' "$T/headers" || sti_fail "no nosniff"
grep -qi '^referrer-policy: no-referrer' "$T/headers" || sti_fail "no Referrer-Policy"
grep -q '"code":"unauthenticated"' "$T/body" || sti_fail "401 body: $(cat "$T/body")"
# (A path with a dot: scripts/up serves web/dist when it was built, and a
# dashboard route without one is its index.html.)
curl -s "$API/nowhere.txt" | grep -q '"code":"not_found"' || sti_fail "an unknown path is not 404 JSON"

export STI_BROKER=tcp://127.0.0.1:$BASE STI_CURVE_CERT=$HOME_DIR/keys/admin_secret
export STI_CURVE_BROKER_KEY=$HOME_DIR/keys/broker
redis_port=$((BASE + 3))
/usr/bin/python3 "$STI_SOURCE/tests/integration/gateway_scenario.py" "$API" \
    "$HOME_DIR/secrets/web-admin" env REDISCLI_AUTH="$(cat "$HOME_DIR/secrets/redis/sti-admin")" \
    redis-cli -p "$redis_port" --user sti-admin --no-auth-warning \
    || sti_fail "the gateway scenario failed (logs in $HOME_DIR/log)"

# scripts/up again keeps the password (made once).
before=$(cat "$HOME_DIR/secrets/web-admin")
STI_HOME=$HOME_DIR "$DOWN" >/dev/null
STI_HOME=$HOME_DIR STI_PORT_BASE=$BASE STI_CURVE=on "$UP" --detach >"$T/up2.log" 2>&1 \
    || { cat "$T/up2.log" >&2; sti_fail "scripts/up (again) failed"; }
[ "$(cat "$HOME_DIR/secrets/web-admin")" = "$before" ] || sti_fail "the admin password changed"
grep -q "made the web user admin" "$T/up2.log" && sti_fail "scripts/up made admin again"
echo "test_gateway_api: ok"
