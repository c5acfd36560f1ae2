#!/usr/bin/python3
"""report_check.py: reads a workbook of `stictl report` back with nothing but
zipfile and xml.etree, and checks it against `stictl progress --json`.

    report_check.py BOOK.xlsx LANG PROGRESS_ROOT.json ORG_SHEET PROGRESS_ORG.json CHECKS.json

LANG is zh or en (the sheets' names). CHECKS.json: {"revision": [indicator,
org, period, revision], "project": CODE, "milestone": DESCRIPTION,
"chart_point": [indicator, year, actual, trajectory]}.
Exits 1 with the first difference on stderr.
"""
import json
import re
import sys
import xml.etree.ElementTree as ET
import zipfile

M = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
NAMES = {
    "zh": {"summary": "汇总", "charts": "图表", "projects": "项目", "milestones": "里程碑",
           "revisions": "数据修订", "completeness": "完整性与及时性", "about": "说明"},
    "en": {"summary": "Summary", "charts": "Charts", "projects": "Projects",
           "milestones": "Milestones", "revisions": "Revisions", "completeness": "Completeness",
           "about": "About"},
}
# The summary's columns (A=0) and the fields of progress --json they show.
COLUMNS = {0: "code", 3: "baseline", 5: "latest", 6: "latest_period", 7: "target",
           8: "target_year", 9: "completion", 10: "expected_completion", 12: "projection",
           14: "score", 15: "status", 16: "forecast_class"}


class Book:
    def __init__(self, path):
        self.zip = zipfile.ZipFile(path)
        strings = ET.fromstring(self.zip.read("xl/sharedStrings.xml"))
        self.strings = ["".join(t.text or "" for t in si.iter(M + "t"))
                        for si in strings.findall(M + "si")]
        rels = ET.fromstring(self.zip.read("xl/_rels/workbook.xml.rels"))
        target = {r.get("Id"): r.get("Target") for r in rels}
        book = ET.fromstring(self.zip.read("xl/workbook.xml"))
        self.sheets = {s.get("name"): "xl/" + target[s.get(R + "id")]
                       for s in book.find(M + "sheets")}

    def rows(self, name):
        """{row number: {column index: value}} of a sheet."""
        root = ET.fromstring(self.zip.read(self.sheets[name]))
        out = {}
        for c in root.iter(M + "c"):
            v = c.find(M + "v")
            if v is None:
                continue
            letters, number = re.match(r"([A-Z]+)(\d+)", c.get("r")).groups()
            col = 0
            for ch in letters:
                col = col * 26 + ord(ch) - 64
            t = c.get("t")
            value = self.strings[int(v.text)] if t == "s" else v.text if t == "str" \
                else float(v.text)
            out.setdefault(int(number), {})[col - 1] = value
        return out


def fail(message):
    print("report_check: " + message, file=sys.stderr)
    sys.exit(1)


def same(a, b):
    if a is None or b is None:
        return a is None and b is None
    if isinstance(b, (int, float)) and not isinstance(b, bool):
        return isinstance(a, float) and abs(a - b) <= 1e-12 * max(1.0, abs(b))
    return str(a) == str(b)


def compare_rows(book, sheet, progress):
    """Every indicator of progress is a row of sheet, with the same figures."""
    rows = book.rows(sheet)
    by_code = {r[0]: r for n, r in rows.items() if n >= 4 and 0 in r}
    indicators = progress["indicators"]
    if len(by_code) != len(indicators):
        fail(f"{sheet}: {len(by_code)} rows, progress has {len(indicators)}")
    for ind in indicators:
        row = by_code.get(ind["code"])
        if row is None:
            fail(f"{sheet}: no row for {ind['code']}")
        for col, field in COLUMNS.items():
            if not same(row.get(col), ind[field]):
                fail(f"{sheet}: {ind['code']}.{field}: {row.get(col)!r} in the book, "
                     f"{ind[field]!r} in progress")


def main():
    path, lang, root_json, org_sheet, org_json, checks_json = sys.argv[1:7]
    book = Book(path)
    names = NAMES[lang]
    for sheet in names.values():
        if sheet not in book.sheets:
            fail(f"no sheet {sheet} in {sorted(book.sheets)}")
    for sheet in book.sheets:
        if len(sheet) > 31 or any(c in sheet for c in "[]:*?/\\"):
            fail(f"sheet name {sheet!r} breaks Excel's rules")
    compare_rows(book, names["summary"], json.load(open(root_json)))
    compare_rows(book, org_sheet, json.load(open(org_json)))
    charts = [n for n in book.zip.namelist() if re.match(r"xl/charts/chart\d+\.xml$", n)]
    if not charts:
        fail("no chart in the book")
    chart = book.zip.read(charts[0]).decode()
    if "<c:lineChart>" not in chart or names["charts"] not in chart:
        fail("the first chart is no line chart over the charts' sheet")
    checks = json.load(open(checks_json))
    points = [[r.get(0), r.get(1), r.get(2), r.get(3)]
              for n, r in book.rows(names["charts"]).items() if n >= 4]
    if checks["chart_point"] not in points:
        fail(f"chart point {checks['chart_point']} not in {points}")
    revisions = [[r.get(0), r.get(1), r.get(2), r.get(4)]
                 for n, r in book.rows(names["revisions"]).items() if n >= 4]
    indicator, org, period, revision = checks["revision"]
    if [indicator, org, period, float(revision)] not in revisions:
        fail(f"revision {checks['revision']} not in {revisions}")
    codes = [r.get(0) for n, r in book.rows(names["projects"]).items() if n >= 4]
    if checks["project"] not in codes:
        fail(f"project {checks['project']} not in {codes}")
    milestones = [r.get(3) for n, r in book.rows(names["milestones"]).items() if n >= 4]
    if checks["milestone"] not in milestones:
        fail(f"milestone {checks['milestone']} not in {milestones}")
    # The completeness sheet: the total's one row (expected, received, ...),
    # then the org units' table naming each unit with duties.
    cells = [r for _, r in sorted(book.rows(names["completeness"]).items())]
    texts = [v for r in cells for v in r.values()]
    head = next((i for i, r in enumerate(cells) if r.get(0) == "expected"), None)
    if head is None:
        fail(f"no total on the completeness sheet: {cells}")
    total = [cells[head + 1].get(c) for c in range(4)]
    if [float(v) for v in total] != [float(v) for v in checks["completeness_total"]]:
        fail(f"completeness total {total}, not {checks['completeness_total']}")
    for org in checks["completeness_orgs"]:
        if org not in texts:
            fail(f"org unit {org} not on the completeness sheet")


if __name__ == "__main__":
    main()
