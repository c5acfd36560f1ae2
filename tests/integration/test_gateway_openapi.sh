#!/usr/bin/env bash
# /api/v1/openapi.json: valid OpenAPI 3.1 by an independent validator
# (@seriousme/openapi-schema-validator, from npm: tests/openapi, package-lock
# committed), and it has exactly the routes there are: every route of every
# service's declared ops (sti-<name> --describe-ops) and the gateway's own,
# no more, no fewer, each with its method.
. "$STI_SOURCE/tests/lib.sh"
. "$STI_SOURCE/tests/integration/gateway_lib.sh"
OPENAPI=$STI_SOURCE/tests/openapi

if [ ! -d "$OPENAPI/node_modules/@seriousme/openapi-schema-validator" ]; then
    (cd "$OPENAPI" && npm ci --no-audit --no-fund >"$T/npm.log" 2>&1) \
        || { cat "$T/npm.log" >&2; sti_fail "npm ci in tests/openapi failed (network?)"; }
fi
gw_setup
curl -sf "$GW/api/v1/openapi.json" -o "$T/openapi.json" || sti_fail "no /api/v1/openapi.json"
node "$OPENAPI/validate.mjs" "$T/openapi.json" || sti_fail "the document is not valid OpenAPI 3.1"

for name in ingest indicators talent notify projects gateway; do
    "$STI_BUILD/services/$name/sti-$name" --describe-ops >"$T/$name.json" \
        || sti_fail "sti-$name --describe-ops"
done
COMPARE=$OPENAPI/compare.py
/usr/bin/python3 "$COMPARE" "$T" "$T/openapi.json" || sti_fail "the document and the routes differ"
# A route the document lacks, or an entry without a route, fails the
# comparison: the check is live.
/usr/bin/python3 - "$T/openapi.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
cut = json.loads(json.dumps(doc))
del cut["paths"]["/api/v1/orgs"]["post"]
json.dump(cut, open(sys.argv[1] + ".cut", "w"))
doc["paths"]["/api/v1/nowhere"] = {"get": doc["paths"]["/healthz"]["get"]}
json.dump(doc, open(sys.argv[1] + ".extra", "w"))
PY
for bad in cut extra; do
    /usr/bin/python3 "$COMPARE" "$T" "$T/openapi.json.$bad" 2>"$T/$bad.err" \
        && sti_fail "a document with a route $bad passed the comparison"
    grep -q "/api/v1/" "$T/$bad.err" || sti_fail "the comparison did not name the route: $(cat "$T/$bad.err")"
done
echo "test_gateway_openapi: ok"
