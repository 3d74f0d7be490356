#!/usr/bin/env python3
"""Prints the cells of an .xlsx worksheet as JSON rows, read the way a
spreadsheet program reads them: 'unzip -p' of the sheet XML and of
sharedStrings.xml (given as files), parsed with the standard library.
Usage: xlsx_cells.py SHEET.xml SHAREDSTRINGS.xml [WORKBOOK.xml]
Output: {"rows": [[cell, ...], ...], "types": [[t, ...], ...],
         "freeze": {"ySplit": ..., "state": ...} | null, "cols": [widths],
         "setup": {orientation, paperSize, fitToWidth, fitToHeight,
                   fitToPage}, "footer": text, "print_titles": "$3:$3"}
where a cell is its text (a shared string, an inline string or the number
as written) and t is "s" (string) or "n" (number); missing cells are ""."""
import json
import re
import sys
import xml.etree.ElementTree as ET

NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}


def col_index(ref):
    letters = re.match(r"([A-Z]+)", ref).group(1)
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    return n - 1


def main():
    sheet = ET.parse(sys.argv[1]).getroot()
    strings = []
    if len(sys.argv) > 2:
        sst = ET.parse(sys.argv[2]).getroot()
        for si in sst.findall("m:si", NS):
            strings.append("".join(t.text or "" for t in si.iter(
                "{%s}t" % NS["m"])))
    rows, types = [], []
    for row in sheet.find("m:sheetData", NS).findall("m:row", NS):
        r = int(row.get("r")) - 1
        while len(rows) <= r:
            rows.append([])
            types.append([])
        for c in row.findall("m:c", NS):
            v = c.find("m:v", NS)
            t = c.get("t", "n")
            if t == "s" and v is not None:
                text, kind = strings[int(v.text)], "s"
            elif t == "inlineStr":
                text = "".join(x.text or "" for x in c.iter("{%s}t" % NS["m"]))
                kind = "s"
            elif v is not None:
                text, kind = v.text, "n"
            else:
                continue  # an empty (formatted or merged) cell
            i = col_index(c.get("r"))
            while len(rows[r]) <= i:
                rows[r].append("")
                types[r].append("")
            rows[r][i] = text
            types[r][i] = kind
    pane = sheet.find("m:sheetViews/m:sheetView/m:pane", NS)
    freeze = None
    if pane is not None:
        freeze = {"ySplit": pane.get("ySplit"), "state": pane.get("state")}
    cols = [float(c.get("width")) for c in sheet.findall("m:cols/m:col", NS)]
    ps = sheet.find("m:pageSetup", NS)
    setup = {k: ps.get(k) for k in ("orientation", "paperSize", "fitToWidth",
                                    "fitToHeight")} if ps is not None else {}
    # fitToWidth and fitToHeight default to 1 when absent.
    for k in ("fitToWidth", "fitToHeight"):
        if setup and setup[k] is None:
            setup[k] = "1"
    fit = sheet.find("m:sheetPr/m:pageSetUpPr", NS)
    setup["fitToPage"] = fit is not None and fit.get("fitToPage") in ("1", "true")
    footer = sheet.findtext("m:headerFooter/m:oddFooter", "", NS)
    titles = None
    if len(sys.argv) > 3:
        wb = ET.parse(sys.argv[3]).getroot()
        for dn in wb.findall("m:definedNames/m:definedName", NS):
            if dn.get("name") == "_xlnm.Print_Titles":
                titles = dn.text.split("!")[-1]
    print(json.dumps({"rows": rows, "types": types, "freeze": freeze,
                      "cols": cols, "setup": setup, "footer": footer,
                      "print_titles": titles}, ensure_ascii=False))


main()
