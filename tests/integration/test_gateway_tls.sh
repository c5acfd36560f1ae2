#!/usr/bin/env bash
# sti-gateway's built-in HTTPS (tls_cert, tls_key: libmicrohttpd with
# GnuTLS): a self-signed certificate made here, curl over TLS to /readyz and
# a signed-in API call; HSTS on the answers and the session cookie Secure;
# plain HTTP on the same port is refused. The user is made up.
. "$STI_SOURCE/tests/lib.sh"
. "$STI_SOURCE/tests/integration/gateway_lib.sh"

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
    -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" \
    -keyout "$T/key.pem" -out "$T/cert.pem" 2>/dev/null || sti_fail "openssl"
gw_setup_tls() {   # gw_setup without its wait over plain HTTP
    sti_start_redis
    sti_start_broker
    local service
    for service in ingest indicators talent notify projects; do
        sti_spawn "$service" "sti-$service" --http-addr 127.0.0.1:0
    done
    sti_wait_service sti.indicators
    stictl plan load "$STI_SOURCE/data/plans/linping-2021-2025" >/dev/null || sti_fail "plan load"
    GW_PORT=$(sti_spare_port)
    GW=https://127.0.0.1:$GW_PORT
    sti_spawn gateway sti-gateway --http-addr 127.0.0.1:0 --listen "127.0.0.1:$GW_PORT" \
        --pwhash-mem-kib 8192 --tls-cert "$T/cert.pem" --tls-key "$T/key.pem"
    sti_wait_for 30 curl -sf --cacert "$T/cert.pem" "$GW/readyz"
}
gw_setup_tls
printf 'a-test-password\n' | stictl user add tess --role reader --password-stdin >/dev/null \
    || sti_fail "user add"
curl -s --cacert "$T/cert.pem" -D "$T/headers" -o "$T/body" -H 'Content-Type: application/json' \
    -d '{"username": "tess", "password": "a-test-password"}' "$GW/api/v1/session"
grep -q '^HTTP/1.1 200' "$T/headers" || sti_fail "sign-in over TLS: $(head -1 "$T/headers") $(cat "$T/body")"
grep -qi '^strict-transport-security: max-age=' "$T/headers" || sti_fail "no HSTS over TLS"
grep -qi '^set-cookie: sti_session=.*; Secure' "$T/headers" || sti_fail "the cookie is not Secure over TLS"
cookie=$(sed -n 's/^[Ss]et-[Cc]ookie: \(sti_session=[^;]*\).*/\1/p' "$T/headers" | tr -d '\r')
curl -sf --cacert "$T/cert.pem" -H "Cookie: $cookie" "$GW/api/v1/progress?year=2025" \
    | grep -q '"indicators"' || sti_fail "an API call over TLS"
curl -s --max-time 5 "http://127.0.0.1:$GW_PORT/healthz" | grep -q ok \
    && sti_fail "plain HTTP was answered on the TLS port"
echo "test_gateway_tls: ok"
