#!/usr/bin/env bash
# sti-gateway's static files (static_dir, docs/gateway.md "Static files"),
# with curl on a real gateway: index.html at /, the dashboard's routes,
# ETag and If-None-Match (304), long cache for hashed names and no-cache for
# the rest, precompressed .br/.gz chosen by Accept-Encoding, types by
# extension, HEAD, the security headers, and every way out of the directory
# refused (.., %2e%2e, %00, dot files, a symbolic link out). The files are
# made up here; the .br copy is marker bytes, not real brotli (the gateway
# never looks inside).
. "$STI_SOURCE/tests/lib.sh"

WEB=$T/web
mkdir -p "$WEB/assets" "$WEB/docs"
printf '<!doctype html><title>STI</title><script type="module" src="/assets/index-BzX3a9_F.js"></script>\n' \
    >"$WEB/index.html"
printf 'console.log("dashboard");\n' >"$WEB/assets/index-BzX3a9_F.js"
gzip -9 -k -n "$WEB/assets/index-BzX3a9_F.js"
printf 'made-up brotli bytes\n' >"$WEB/assets/index-BzX3a9_F.js.br"
printf 'body{color:#123}\n' >"$WEB/assets/style.0a1b2c3d.css"
printf 'User-agent: *\n' >"$WEB/robots.txt"
printf '<!doctype html><title>docs</title>\n' >"$WEB/docs/index.html"
printf '{"name":"STI"}\n' >"$WEB/site.webmanifest"
printf 'SECRET=inside\n' >"$WEB/.env"
printf 'the secret outside\n' >"$T/secret.txt"
ln -s "$T/secret.txt" "$WEB/leak.txt"
ln -s ../robots.txt "$WEB/docs/robots.txt"

sti_start_redis
sti_start_broker
GW_PORT=$(sti_spare_port)
GW=http://127.0.0.1:$GW_PORT
sti_spawn gateway sti-gateway --http-addr 127.0.0.1:0 --listen "127.0.0.1:$GW_PORT" \
    --services sti.gateway --static-dir "$WEB"
sti_wait_for 30 curl -sf "$GW/readyz"

# get PATH [CURL ARGS...]: the answer's headers in $T/h (lower-case names), body in $T/b.
get() {
    local path=$1; shift
    rm -f "$T/b"; : >"$T/b"
    curl -s --path-as-is -D "$T/h" -o "$T/b" "$@" "$GW$path" || sti_fail "curl $path"
    tr -d '\r' <"$T/h" | sed 's/^\([^:]*\):/\L\1:/' >"$T/h2" && mv "$T/h2" "$T/h"
}
status() { head -1 "$T/h" | cut -d' ' -f2; }
header() { sed -n "s/^$1: //p" "$T/h" | head -1; }
expect() {   # expect WHAT GOT WANTED
    [ "$2" = "$3" ] || sti_fail "$1: got '$2', wanted '$3' ($(head -1 "$T/h"))"
}

# / is index.html: no-cache, its type, an ETag, Vary, the security headers.
get /
expect "GET /" "$(status)" 200
cmp -s "$T/b" "$WEB/index.html" || sti_fail "GET / is not index.html"
expect "type of /" "$(header content-type)" "text/html; charset=utf-8"
expect "cache of /" "$(header cache-control)" "no-cache"
expect "vary of /" "$(header vary)" "Accept-Encoding"
header content-security-policy | grep -q "script-src 'self'" || sti_fail "no CSP on a file"
header content-security-policy | grep -q "unsafe-inline" && sti_fail "the CSP allows inline script"
expect "nosniff" "$(header x-content-type-options)" nosniff
etag=$(header etag)
[[ $etag =~ ^\"[0-9a-f]+-[0-9a-f]+\"$ ]] || sti_fail "ETag '$etag'"

# If-None-Match: the same ETag (strong or weak, in a list) is 304 without a body.
get / -H "If-None-Match: $etag"
expect "If-None-Match" "$(status)" 304
[ ! -s "$T/b" ] || sti_fail "a 304 with a body"
expect "ETag of the 304" "$(header etag)" "$etag"
get / -H "If-None-Match: \"other\", W/$etag"
expect "weak If-None-Match in a list" "$(status)" 304
get / -H 'If-None-Match: "other"'
expect "another ETag" "$(status)" 200
get /index.html
expect "/index.html" "$(header cache-control)" "no-cache"

# A hashed asset: immutable; br when taken, else gzip, else as it is; each its own ETag.
asset=/assets/index-BzX3a9_F.js
get $asset -H 'Accept-Encoding: gzip, deflate, br'
expect "br asset" "$(status)" 200
expect "br encoding" "$(header content-encoding)" br
cmp -s "$T/b" "$WEB$asset.br" || sti_fail "the .br copy was not sent"
expect "cache of a hashed asset" "$(header cache-control)" "public, max-age=31536000, immutable"
expect "type of .js" "$(header content-type)" "text/javascript; charset=utf-8"
expect "vary of the asset" "$(header vary)" "Accept-Encoding"
etag_br=$(header etag)
get $asset -H 'Accept-Encoding: br;q=0, gzip'
expect "gzip encoding" "$(header content-encoding)" gzip
gunzip -c <"$T/b" | cmp -s - "$WEB$asset" || sti_fail "the .gz copy does not unpack to the file"
etag_gz=$(header etag)
get $asset
expect "no Accept-Encoding" "$(header content-encoding)" ""
cmp -s "$T/b" "$WEB$asset" || sti_fail "the plain asset was not sent"
etag_id=$(header etag)
[ "$etag_br" != "$etag_gz" ] && [ "$etag_gz" != "$etag_id" ] && [ "$etag_br" != "$etag_id" ] ||
    sti_fail "the variants share an ETag: $etag_br $etag_gz $etag_id"
get $asset -H 'Accept-Encoding: br' -H "If-None-Match: $etag_br"
expect "304 of the br copy" "$(status)" 304
get $asset -H 'Accept-Encoding: gzip' -H "If-None-Match: $etag_br"
expect "the br ETag does not match the gzip copy" "$(status)" 200

get /assets/style.0a1b2c3d.css
expect "type of .css" "$(header content-type)" "text/css; charset=utf-8"
expect "cache of a hashed .css" "$(header cache-control)" "public, max-age=31536000, immutable"
get /site.webmanifest
expect "type of .webmanifest" "$(header content-type)" "application/manifest+json"
expect "cache of an unhashed name" "$(header cache-control)" "no-cache"

# HEAD: the headers of GET (its length), no body.
get /robots.txt -I
expect "HEAD" "$(status)" 200
expect "HEAD length" "$(header content-length)" "$(stat -c %s "$WEB/robots.txt")"
expect "HEAD type" "$(header content-type)" "text/plain; charset=utf-8"
grep -q 'User-agent' "$T/b" && sti_fail "HEAD has a body"   # (curl -I writes the headers there)

# Directories and the dashboard's routes.
get /docs/
cmp -s "$T/b" "$WEB/docs/index.html" || sti_fail "/docs/ is not docs/index.html"
get /indicators/rd_expenditure
expect "a dashboard route" "$(status)" 200
cmp -s "$T/b" "$WEB/index.html" || sti_fail "a dashboard route is not index.html"
get /docs/robots.txt
expect "a link inside the directory" "$(status)" 200
get /missing.js
expect "a missing file" "$(status)" 404
grep -q '"not_found"' "$T/b" || sti_fail "a missing file's answer: $(cat "$T/b")"

# Ways out of the directory and hidden files: 404, and never the secret.
for path in /../secret.txt /assets/../../secret.txt /%2e%2e/secret.txt /assets/%2E%2E/%2e%2e/secret.txt \
    /..%2fsecret.txt /leak.txt /.env /assets/.%2e/.env '/index.html%00.js' /assets//index-BzX3a9_F.js \
    '/robots.txt%00' '/a\..\secret.txt'; do
    get "$path"
    expect "GET $path" "$(status)" 404
    grep -q 'the secret outside\|SECRET=inside' "$T/b" && sti_fail "GET $path gave the secret"
done

# Not GET or HEAD: 405. /api and the health endpoints are not files.
get / -X POST -d x
expect "POST /" "$(status)" 405
expect "Allow" "$(header allow)" "GET, HEAD"
get /api/nothing
expect "/api/nothing" "$(status)" 404
grep -q '"error"' "$T/b" || sti_fail "/api/nothing is not the API's error"
get /api/v1/users
expect "the API still asks who" "$(status)" 401
get /healthz
expect "/healthz" "$(cat "$T/b")" ok

# A static_dir that is not a directory stops the gateway at start, saying why.
rc=0
timeout 20 sti-gateway --http-addr 127.0.0.1:0 --listen 127.0.0.1:0 --services sti.gateway \
    --static-dir "$T/none" >"$T/bad.out" 2>"$T/bad.err" || rc=$?
[ "$rc" = 1 ] || sti_fail "a missing static_dir: exit $rc"
grep -q "static_dir: '$T/none' is not a directory" "$T/bad.err" || sti_fail "$(cat "$T/bad.err")"
echo "test_gateway_static: ok"
