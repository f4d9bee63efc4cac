#!/usr/bin/env python3
"""Writes a payments CSV as an .xlsx whose text cells are all in the shared-strings table, as Excel and
most treasury systems write them (openpyxl, bench/csv_to_xlsx.py, writes inline strings instead), for the
memory figure of bench/xlsx_bench.sh: a unique voucher a row makes a table of ~1M strings.

  csv_to_xlsx_sst.py PAYMENTS.csv OUT.xlsx

The parts are written by hand with zipfile (dates as serials in a date format, amounts as numbers).
"""
import csv, datetime, sys, zipfile
from xml.sax.saxutils import escape

def main(src, out):
    sst = {}
    order = []
    def si(s):
        i = sst.get(s)
        if i is None:
            i = sst[s] = len(order); order.append(s)
        return i
    epoch = datetime.date(1899, 12, 30)
    def col(c):
        s = ""; c += 1
        while c: c, r = divmod(c - 1, 26); s = chr(65 + r) + s
        return s
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>')
        z.writestr("_rels/.rels", '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        z.writestr("xl/workbook.xml", '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="明细" sheetId="1" r:id="rId1"/></sheets></workbook>')
        z.writestr("xl/_rels/workbook.xml.rels", '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>')
        z.writestr("xl/styles.xml", '<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14"/></cellXfs></styleSheet>')
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as w:
            w.write(b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
            with open(src, encoding="utf-8", newline="") as f:
                for n, r in enumerate(csv.reader(f), start=1):
                    cells = []
                    for c, v in enumerate(r):
                        ref = f"{col(c)}{n}"
                        if n > 1 and c == 1:
                            y, m, d = (int(x) for x in v.split("-"))
                            cells.append(f'<c r="{ref}" s="1"><v>{(datetime.date(y, m, d) - epoch).days}</v></c>')
                        elif n > 1 and c == 11:
                            cells.append(f'<c r="{ref}"><v>{float(v.replace(",", ""))!r}</v></c>')
                        elif v:
                            cells.append(f'<c r="{ref}" t="s"><v>{si(v)}</v></c>')
                    w.write(f'<row r="{n}">{"".join(cells)}</row>'.encode())
            w.write(b"</sheetData></worksheet>")
        with z.open("xl/sharedStrings.xml", "w", force_zip64=True) as w:
            w.write(f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="{len(order)}" uniqueCount="{len(order)}">'.encode())
            for s in order:
                w.write(f"<si><t>{escape(s)}</t></si>".encode())
            w.write(b"</sst>")
    print(len(order), "shared strings")

if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
