#!/usr/bin/env bash
# Hostile .xlsx files through `stictl ingest`, each refused with a clear
# reason, exit 2, nothing submitted, and the memory of stictl bounded (its
# peak resident size stays under 1 GiB, whatever the file declares): a zip
# bomb (a sheet that unpacks to 300 MiB), a shared-strings table of
# 1,000,001 entries, broken XML, a sheet the workbook names but the file
# lacks, XML nested 100,000 deep, a row of 1,000,000 cells, an old .xls, a
# CSV and a Word file named .xlsx, an empty file. A good file after them is
# still taken.
. "$STI_SOURCE/tests/lib.sh"

xlsx() { /usr/bin/python3 "$STI_SOURCE/tests/helpers/xlsx_tool.py" "$@"; }

sti_start_redis
sti_start_broker
sti_spawn ingest sti-ingest --http-addr 127.0.0.1:0
sti_wait_service sti.ingest
plan_put "$STI_REDIS_URL" "$STI_NAMESPACE" "$STI_SOURCE/data/plans/linping-2021-2025" \
    || sti_fail "plan_put failed"

# refused KIND TEXT: the hostile file KIND is refused, exit 2, saying TEXT,
# submitting nothing, in bounded memory.
refused() {
    local kind=$1 text=$2 file="$T/$1.xlsx"
    if [ "$kind" = empty ]; then : >"$file"; else xlsx hostile "$kind" "$file" || sti_fail "make $kind"; fi
    /usr/bin/python3 - "$file" "$T/$kind" <<'PY' || sti_fail "$kind: $(cat "$T/$kind.err" "$T/$kind.out")"
import resource, subprocess, sys
path, out = sys.argv[1], sys.argv[2]
with open(out + ".out", "w") as o, open(out + ".err", "w") as e:
    rc = subprocess.call(["stictl", "--timeout", "15000", "ingest", path], stdout=o, stderr=e)
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KiB
assert rc == 2, "exit %d" % rc
assert peak < 1024 * 1024, "peak resident size %d KiB" % peak
PY
    grep -qF -- "$text" "$T/$kind.err" || sti_fail "$kind: '$text' not in: $(cat "$T/$kind.err")"
    [ ! -s "$T/$kind.out" ] || sti_fail "$kind: printed a summary: $(cat "$T/$kind.out")"
    [ "$(sti_redis_cli XLEN "$STI_NAMESPACE:intake")" = 0 ] || sti_fail "$kind: rows were kept"
}

refused bomb "stictl ingest: xl/worksheets/sheet1.xml would unpack to 300 MiB, more than the 256 MiB a part may have"
refused strings "stictl ingest: xl/sharedStrings.xml: more than 1000000 shared strings"
refused broken "stictl ingest: xl/worksheets/sheet1.xml: broken XML at line 1, column"
refused nosheet "stictl ingest: the sheet '填报' is not there: xl/worksheets/sheet1.xml is not in the file"
refused deep "stictl ingest: xl/worksheets/sheet1.xml: XML nested deeper than 32 elements"
refused wide "stictl ingest: xl/worksheets/sheet1.xml: row 1 has more than 16384 columns"
refused xls "stictl ingest: the file is an old .xls workbook, or an .xlsx with a password"
refused csv "stictl ingest: not an .xlsx file: it is not a zip archive"
refused docx "stictl ingest: word/document.xml: not an Excel workbook (its main part holds a 'document')"
refused empty "stictl ingest: not an .xlsx file: it is not a zip archive (it is empty)"

# An .xls by its name is told what to do; a good file is still taken.
rc=0; stictl ingest "$T/old.xls" 2>"$T/err.txt" || rc=$?
[ $rc -eq 2 ] && grep -q "FILE must end in .csv, .xlsx or .json (an old .xls: save it in Excel as .xlsx)" \
    "$T/err.txt" || sti_fail ".xls: rc $rc $(cat "$T/err.txt")"
echo '[["指标", "组织", "期间", "数值"], ["gdp", "linping", 2023, 1050.5]]' >"$T/good.json"
xlsx make "$T/good.xlsx" "$T/good.json"
stictl ingest "$T/good.xlsx" | grep -qx "accepted 1, rejected 0" || sti_fail "a good file after them"
[ "$(sti_redis_cli XLEN "$STI_NAMESPACE:intake")" = 1 ] || sti_fail "the good file was not kept"
echo ok
