#!/usr/bin/env bash
# The web dashboard (web/, docs/web.md) in a real browser against a real
# stack: Redis, the broker, every service and sti-gateway serving web/dist.
# The Linping plan with 30 made-up org units (donghu, nanyuan, t03..t30) and
# five years of made-up values at each, made-up district targets, a reader, a
# clerk of donghu, an officer and one made-up talent leading a made-up team; then
# web/test/browser.mjs drives Debian's chromium (playwright-core, headless)
# through the steps it lists. Its screenshots (PNG) and measures.json are
# left in $STI_BUILD/tests/web (STI_WEB_OUT to choose), each run's over the last.
. "$STI_SOURCE/tests/lib.sh"
. "$STI_SOURCE/tests/integration/gateway_lib.sh"

WEB=$STI_SOURCE/web
CHROMIUM=${STI_CHROMIUM:-/usr/bin/chromium}
[ -x "$CHROMIUM" ] || sti_fail "no $CHROMIUM: scripts/deps installs Debian's chromium"
[ -f "$WEB/dist/index.html" ] || sti_fail "no web/dist: the build makes it (scripts/web-build)"
[ -d "$WEB/node_modules/playwright-core" ] || sti_fail "no web/node_modules: scripts/web-build"

gw_setup --static-dir "$WEB/dist"
for k in $(seq 3 30); do
    stictl org add "$(printf 't%02d' "$k")" --parent linping --name "测试街道$k" \
        --name-en "Test street $k" >/dev/null || sti_fail "org add t$k"
done

# Five years of values at every town for every summed indicator, and at the
# district for the others a town cannot hold (made up: a steady rise, a
# different one for each indicator so that the statuses differ; tech_smes
# stops at 2024, so that its projection to 2025 is a line).
/usr/bin/python3 - "$STI_SOURCE/data/plans/linping-2021-2025/indicators.json" >"$T/values.csv" <<'PY' ||
import json, sys
plan = json.load(open(sys.argv[1]))["indicators"]
orgs = ["donghu", "nanyuan"] + ["t%02d" % k for k in range(3, 31)]
print("indicator,org,period,value")
for n, ind in enumerate(plan):
    if ind.get("formula"):
        continue
    at = orgs if ind["aggregation"] == "sum" else ["linping"]
    for k, org in enumerate(at):
        for y in range(2021, 2025 if ind["code"] == "tech_smes" else 2026):
            step = (n % 5) - 1
            value = 10 + n + k % 7 + step * (y - 2021)
            if ind["unit"] == "%":
                value = min(value, 99)
            if ind["unit"] == "位":
                value = max(1, 20 - (y - 2021))
            print("%s,%s,%d,%d" % (ind["code"], org, y, max(value, 1)))
PY
    sti_fail "values"
stictl ingest "$T/values.csv" --source "web test (made up)" --wait >/dev/null || sti_fail "ingest"
targets=(hitech_enterprises:2000 tech_smes:900 rd_expenditure:30000 incubators:600 gdp:4000
    talent_total:700 hitech_investment:100 single_champions:300 edz_national_rank:5)
for pair in "${targets[@]}"; do
    stictl target set "${pair%%:*}" 2025 "${pair#*:}" >/dev/null || sti_fail "target $pair"
done

# Reporting duties (docs/completeness.md) for the completeness page: donghu
# and nanyuan are streets reporting hitech_enterprises and tech_smes (the
# latter has no value for 2025: missing, on the overdue list); donghu's
# contact is made up.
for org in donghu nanyuan; do
    stictl duty type "$org" street >/dev/null || sti_fail "duty type $org"
done
stictl duty assign street hitech_enterprises tech_smes >/dev/null || sti_fail "duty assign"
stictl duty set donghu --contact 测试联系人 --phone 13900000000 >/dev/null || sti_fail "duty set"
stictl org rename donghu --name-en "Donghu (made up)" >/dev/null || sti_fail "org rename"

PASSWORD=web-test-password-$$
for user in rita:reader carl:clerk:donghu olga:officer; do
    IFS=: read -r name role org <<<"$user"
    printf '%s\n' "$PASSWORD" | stictl user add "$name" --role "$role" ${org:+--org "$org"} \
        --password-stdin >/dev/null || sti_fail "user add $name"
done
ID_NUMBER=$("$STI_SOURCE/tests/helpers/talent_ids.py" resident 33)
TALENT=$(stictl talent add --name 测试人才 --id-type resident --id-number "$ID_NUMBER" \
    --phone 13912340033 --category national --field equipment --channel direct \
    --arrived 2024-03-01) || sti_fail "talent add"
TEAM=$(stictl talent team add --name 测试团队 --leader "$TALENT" --field equipment) ||
    sti_fail "team add"

# The clerk's workbook: three rows for donghu, the second with a bad period
# (sheet row 3: the header is row 1); then the same with the period fixed.
printf 'indicator,org,period,value\nincubators,donghu,2024,31\ntech_smes,donghu,2023x,40\nhitech_enterprises,donghu,2024,52\n' >"$T/bad.csv"
sed 's/2023x/2023/' "$T/bad.csv" >"$T/fixed.csv"
xlsx_from_csv "$T/bad.csv" "$T/bad.xlsx" && xlsx_from_csv "$T/fixed.csv" "$T/fixed.xlsx" ||
    sti_fail "xlsx_from_csv"

# The budget for a value to reach the open page: 2 s; 5 s for the services
# built with the sanitizers, which run several times slower. NODE_S bounds the
# whole browser run (not a budget of the page's): 112-130 s alone here, 147 s
# beside the rest of the suite (ctest -j2), with the report's workbook
# downloaded twice.
LIVE_MS=2000 NODE_S=240
grep -q '^STI_SANITIZE:BOOL=ON' "$STI_BUILD/CMakeCache.txt" 2>/dev/null && LIVE_MS=5000 NODE_S=480
OUT=${STI_WEB_OUT:-$STI_BUILD/tests/web}
mkdir -p "$OUT"
rm -f "$OUT/report.pdf"
STI_WEB_URL=$GW STI_WEB_OUT=$OUT STI_WEB_PASSWORD=$PASSWORD STI_WEB_TALENT=$TALENT STI_WEB_TEAM=$TEAM \
    STI_WEB_TALENT_ID_NUMBER=$ID_NUMBER STI_WEB_BAD_XLSX=$T/bad.xlsx \
    STI_WEB_FIXED_XLSX=$T/fixed.xlsx STI_WEB_BAD_ROW=3 STI_CHROMIUM=$CHROMIUM \
    STI_WEB_LIVE_MS=$LIVE_MS timeout "$NODE_S" node "$WEB/test/browser.mjs" ||
    sti_fail "the browser test failed"
for name in overview indicator entry-refused talents-officer completeness report approvals-officer; do
    [ -s "$OUT/$name.png" ] || sti_fail "no screenshot $name.png"
done
[ "$(head -c 5 "$OUT/report.pdf")" = "%PDF-" ] || sti_fail "no report.pdf"
echo "test_web_dashboard: screenshots and measures.json in $OUT"
