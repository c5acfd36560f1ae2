#!/usr/bin/python3
"""xlsx_tool.py: .xlsx files for the tests, with Python's standard library
only (zipfile, xml.etree), so that what stictl writes is read by other code
than stictl's own reader, and what stictl reads is written by other code.

    xlsx_tool.py read FILE [SHEET]     the sheet (index from 0, default 0) as JSON:
                                       {"sheets": [names], "rows": [{"row": N,
                                       "cells": {"A": value}}]}; numbers as numbers
                                       (styles ignored), text as text
    xlsx_tool.py validations FILE [SHEET]
                                       the sheet's data validations as JSON:
                                       [{"type", "sqref", "formula1", "prompt"}]
    xlsx_tool.py fill FILE OUT EDITS   FILE with the cells of EDITS (a JSON file)
                                       changed, written to OUT. EDITS is a list of
                                       {"find": CODE, "col": "E", and "number": 850,
                                       or "text": "12,000", or "formula": "800+50"
                                       (with "number" its saved result, or none),
                                       "format": "yyyy-mm" (a number format for it)}:
                                       the cell in column col of the row whose
                                       column A is CODE
    xlsx_tool.py make OUT ROWS         a one-sheet workbook of ROWS (a JSON list of
                                       lists of cells: a string is text, a number a
                                       number, null an empty cell)
    xlsx_tool.py hostile KIND OUT      a hostile file: bomb, strings, broken, nosheet,
                                       deep, wide, xls, csv, docx
"""
import io
import json
import re
import sys
import zipfile
import xml.etree.ElementTree as ET

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RNS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PNS = "http://schemas.openxmlformats.org/package/2006/relationships"
ET.register_namespace("", NS)
ET.register_namespace("r", RNS)
for prefix, uri in (("mc", "http://schemas.openxmlformats.org/markup-compatibility/2006"),
                    ("x14ac", "http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac"),
                    ("xr", "http://schemas.microsoft.com/office/spreadsheetml/2014/revision")):
    ET.register_namespace(prefix, uri)


def q(tag):
    return "{%s}%s" % (NS, tag)


def column_of(ref):
    letters = re.match(r"[A-Z]+", ref).group(0)
    return letters


def _sheet_paths(z):
    """The sheets' names and parts, in tab order."""
    workbook = ET.fromstring(z.read("xl/workbook.xml"))
    rels = ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target") for r in rels}
    out = []
    for sheet in workbook.iter(q("sheet")):
        target = targets[sheet.get("{%s}id" % RNS)]
        out.append((sheet.get("name"), target.lstrip("/") if target.startswith("/")
                    else "xl/" + target))
    return out


def _strings(z):
    if "xl/sharedStrings.xml" not in z.namelist():
        return []
    root = ET.fromstring(z.read("xl/sharedStrings.xml"))
    return ["".join(t.text or "" for t in si.iter(q("t"))) for si in root.iter(q("si"))]


def read(path, index=0):
    with zipfile.ZipFile(path) as z:
        sheets = _sheet_paths(z)
        strings = _strings(z)
        root = ET.fromstring(z.read(sheets[index][1]))
    rows = []
    for row in root.iter(q("row")):
        cells = {}
        for c in row.iter(q("c")):
            kind, v = c.get("t"), c.find(q("v"))
            if kind == "s":
                value = strings[int(v.text)]
            elif kind == "inlineStr":
                value = "".join(t.text or "" for t in c.iter(q("t")))
            elif kind in ("str", "e"):
                value = v.text if v is not None else ""
            elif v is not None:
                value = float(v.text)
            else:
                continue
            cells[column_of(c.get("r"))] = value
        if cells:
            rows.append({"row": int(row.get("r")), "cells": cells})
    return {"sheets": [name for name, _ in sheets], "rows": rows}


def validations(path, index=0):
    with zipfile.ZipFile(path) as z:
        root = ET.fromstring(z.read(_sheet_paths(z)[index][1]))
    out = []
    for dv in root.iter(q("dataValidation")):
        f1 = dv.find(q("formula1"))
        out.append({"type": dv.get("type"), "sqref": dv.get("sqref"),
                    "formula1": f1.text if f1 is not None else None, "prompt": dv.get("prompt")})
    return out


def _add_format(styles, code):
    """Adds a number format and a cell style using it. Returns the style's index."""
    root = ET.fromstring(styles)
    formats = root.find(q("numFmts"))
    if formats is None:
        formats = ET.Element(q("numFmts"))
        root.insert(0, formats)
    formats.append(ET.Element(q("numFmt"), {"numFmtId": "200", "formatCode": code}))
    formats.set("count", str(len(formats)))
    xfs = root.find(q("cellXfs"))
    xfs.append(ET.Element(q("xf"), {"numFmtId": "200", "fontId": "0", "fillId": "0",
                                    "borderId": "0", "xfId": "0", "applyNumberFormat": "1"}))
    xfs.set("count", str(len(xfs)))
    return ET.tostring(root, encoding="utf-8", xml_declaration=True), len(xfs) - 1


def _cell_text(c, strings):
    if c.get("t") == "s":
        return strings[int(c.find(q("v")).text)]
    return "".join(t.text or "" for t in c.iter(q("t")))


def fill(path, out, edits):
    with zipfile.ZipFile(path) as z:
        parts = {name: z.read(name) for name in z.namelist()}
        sheet_path = _sheet_paths(z)[0][1]
        strings = _strings(z)
    root = ET.fromstring(parts[sheet_path])
    rows = {}
    for row in root.iter(q("row")):
        for c in row.iter(q("c")):
            if column_of(c.get("r")) == "A":
                rows[_cell_text(c, strings)] = row
    for edit in edits:
        row = rows[edit["find"]]
        ref = edit["col"] + row.get("r")
        cell = next((c for c in row.iter(q("c")) if c.get("r") == ref), None)
        if cell is None:
            cell = ET.SubElement(row, q("c"), {"r": ref})
            row[:] = sorted(row, key=lambda c: (len(column_of(c.get("r"))), c.get("r")))
        for child in list(cell):
            cell.remove(child)
        for attribute in ("t", "s"):
            cell.attrib.pop(attribute, None)
        if "format" in edit:
            parts["xl/styles.xml"], style = _add_format(parts["xl/styles.xml"], edit["format"])
            cell.set("s", str(style))
        if "formula" in edit:
            ET.SubElement(cell, q("f")).text = edit["formula"]
        if "text" in edit:
            cell.set("t", "inlineStr")
            ET.SubElement(ET.SubElement(cell, q("is")), q("t")).text = edit["text"]
        elif "number" in edit:
            ET.SubElement(cell, q("v")).text = repr(edit["number"])
    parts[sheet_path] = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    _write(out, parts)


def _write(out, parts, compression=zipfile.ZIP_DEFLATED):
    with zipfile.ZipFile(out, "w", compression) as z:
        for name, data in parts.items():
            z.writestr(name, data)


def _cells_xml(rows):
    out = []
    for r, cells in enumerate(rows, 1):
        xml = []
        for c, value in enumerate(cells):
            ref = "%s%d" % (chr(ord("A") + c), r)
            if value is None:
                continue
            if isinstance(value, str):
                text = value.replace("&", "&amp;").replace("<", "&lt;")
                xml.append('<c r="%s" t="inlineStr"><is><t>%s</t></is></c>' % (ref, text))
            else:
                xml.append('<c r="%s"><v>%r</v></c>' % (ref, value))
        out.append('<row r="%d">%s</row>' % (r, "".join(xml)))
    return "".join(out)


def workbook(sheet_xml, extra=None, sheet_path="xl/worksheets/sheet1.xml"):
    """The parts of a one-sheet workbook (the sheet named 填报)."""
    parts = {
        "[Content_Types].xml": '<Types xmlns="http://schemas.openxmlformats.org/package/2006/'
                               'content-types"/>',
        "_rels/.rels": '<Relationships xmlns="%s"><Relationship Id="rId1" Type="%s/officeDocument"'
                       ' Target="xl/workbook.xml"/></Relationships>' % (PNS, RNS),
        "xl/workbook.xml": '<workbook xmlns="%s" xmlns:r="%s"><sheets><sheet name="填报" '
                           'sheetId="1" r:id="rId1"/></sheets></workbook>' % (NS, RNS),
        "xl/_rels/workbook.xml.rels":
            '<Relationships xmlns="%s"><Relationship Id="rId1" Type="%s/worksheet" '
            'Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="%s/sharedStrings" '
            'Target="sharedStrings.xml"/></Relationships>' % (PNS, RNS, RNS),
    }
    if sheet_path:
        parts[sheet_path] = sheet_xml
    parts.update(extra or {})
    return parts


def sheet(data_xml):
    return '<worksheet xmlns="%s"><sheetData>%s</sheetData></worksheet>' % (NS, data_xml)


HEADER = [["indicator", "org", "period", "value"]]


def hostile(kind, out):
    if kind == "bomb":  # a sheet that unpacks to 300 MiB of spaces
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
            for name, data in workbook("").items():
                if name != "xl/worksheets/sheet1.xml":
                    z.writestr(name, data)
            with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
                f.write(('<worksheet xmlns="%s"><sheetData>' % NS).encode())
                chunk = b" " * (1 << 20)
                for _ in range(300):
                    f.write(chunk)
                f.write(b"</sheetData></worksheet>")
        return
    if kind == "strings":  # a shared-strings table of 1,000,001 entries
        sst = '<sst xmlns="%s">%s</sst>' % (NS, "<si><t>a</t></si>" * 1000001)
        _write(out, workbook(sheet(_cells_xml(HEADER)), {"xl/sharedStrings.xml": sst}))
    elif kind == "broken":
        _write(out, workbook(sheet(_cells_xml(HEADER) + '<row r="2"><c r="A2"><v>1</v></row>')))
    elif kind == "nosheet":  # the workbook names a sheet whose part is not in the file
        _write(out, workbook("", sheet_path=None))
    elif kind == "deep":
        _write(out, workbook(sheet("<row>" * 100000)))
    elif kind == "wide":  # one row of 1,000,000 cells
        _write(out, workbook(sheet("<row>" + "<c><v>1</v></c>" * 1000000 + "</row>")))
    elif kind == "xls":
        open(out, "wb").write(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504)
    elif kind == "csv":
        open(out, "wb").write(b"indicator,org,period,value\ngdp,linping,2023,1\n")
    elif kind == "docx":
        _write(out, {"_rels/.rels": '<Relationships xmlns="%s"><Relationship Id="rId1" Type="%s/'
                                    'officeDocument" Target="word/document.xml"/></Relationships>'
                                    % (PNS, RNS),
                     "word/document.xml": "<document/>"})
    else:
        raise SystemExit("unknown kind " + kind)


def main(argv):
    command = argv[1]
    if command == "read":
        print(json.dumps(read(argv[2], int(argv[3]) if len(argv) > 3 else 0), ensure_ascii=False))
    elif command == "validations":
        print(json.dumps(validations(argv[2], int(argv[3]) if len(argv) > 3 else 0),
                         ensure_ascii=False))
    elif command == "fill":
        fill(argv[2], argv[3], json.load(open(argv[4], encoding="utf-8")))
    elif command == "make":
        _write(argv[2], workbook(sheet(_cells_xml(json.load(open(argv[3], encoding="utf-8"))))))
    elif command == "hostile":
        hostile(argv[2], argv[3])
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
