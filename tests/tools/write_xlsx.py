#!/usr/bin/env python3
"""Writes test workbooks with an independent writer (openpyxl, Debian python3-openpyxl) for tests/e2e/060.

  write_xlsx.py payments PAYMENTS.csv OUT.xlsx [--date1904] [--bad-amount]
      the payments as officials have them: a notes sheet without a table, a hidden sheet with an old table,
      then sheet 明细 with a merged title 国库集中支付明细表, a line 单位：元, the header, the rows (dates as date
      cells, amounts and classification codes as numbers, a few amounts as numbers stored as text), a blank
      row, a 合计 row and a footer; --bad-amount makes the first row's amount the text '12,3a4.00'.
  write_xlsx.py excelstyle OUT.xlsx     two payments in the XML Excel writes (openpyxl writes inline strings
      only): shared strings with rich-text runs and a phonetic guide, a custom date format and a built-in one,
      a code as a number, a number stored as text, a cached formula string, a boolean, cells left out, a blank
      row, a 合计 formula with its cached value, prefixed element names and a hidden sheet first
  write_xlsx.py formula OUT.xlsx        a payments sheet whose amount is a formula without a cached value
  write_xlsx.py nosheet OUT.xlsx        a workbook without any known header
  write_xlsx.py bomb GOOD.xlsx OUT.xlsx the good workbook with its sheets padded by 60 MB of spaces
  write_xlsx.py corrupt GOOD.xlsx OUT.xlsx  the good workbook cut in half
  write_xlsx.py ole2 OUT [--encrypted]  an OLE2 (CFB) header as old .xls and encrypted workbooks start
  write_xlsx.py months PAYMENTS.csv OUT.xlsx [--rows N]
      the payments one sheet per month (1月, 2月, ...) after a notes sheet, each with a merged title, a unit
      line and a two-row header of merged cells (预算单位 and 项目 over 编码 | 名称, the other labels merged
      down over both rows), the month's rows and its 合计; a hidden sheet 作废 between them holds a payment
      that must not be read; --rows keeps the first N payments
  write_xlsx.py mixed OUT.xlsx  a sheet of two payments, then a sheet holding a budget register (another
      kind: not read with the payments, said in a warning)
"""
import csv
import datetime
import decimal
import sys
import zipfile

import openpyxl
from openpyxl.utils.datetime import CALENDAR_MAC_1904

HEADER = ["支付凭证号", "支付日期", "预算单位编码", "预算单位名称", "项目编码", "项目名称", "功能分类科目",
          "经济分类科目", "支付方式", "资金性质", "收款人全称", "金额", "摘要"]


def payments(src, out, date1904=False, bad_amount=False):
    with open(src, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    header, rows = rows[0], rows[1:]
    wb = openpyxl.Workbook()
    if date1904:
        wb.epoch = CALENDAR_MAC_1904
    notes = wb.active
    notes.title = "说明"
    notes["A1"] = "本工作簿由预算管理一体化系统导出"
    notes["B3"] = "请勿修改"
    old = wb.create_sheet("旧数据")
    old.append(header)
    old.append(["ZF2020-000001", datetime.date(2020, 12, 31), "101001", "旧", "LW2021-B02", "旧", 2150501, 30201,
                "授权支付", "一般公共预算", "某公司", 999999.99, "不应读入"])
    old.sheet_state = "hidden"
    ws = wb.create_sheet("明细")
    ws["A1"] = "国库集中支付明细表"
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    ws["A2"] = "单位：元"
    ws.append(header)
    total = decimal.Decimal(0)
    for i, r in enumerate(rows):
        amount = decimal.Decimal(r[11].replace(",", ""))
        total += amount
        y, m, d = (int(x) for x in r[1].split("-"))
        cells = list(r)
        cells[1] = datetime.date(y, m, d)
        cells[6] = int(r[6])
        cells[7] = int(r[7])
        # Every 100th amount as a number stored as text, the rest as numbers (floats, as Excel has them).
        cells[11] = r[11] if i % 100 == 7 else float(amount)
        if bad_amount and i == 0:
            cells[11] = "12,3a4.00"
        ws.append(cells)
    ws.append([])
    ws.append(["合计"] + [None] * 10 + [float(total)])
    ws.append(["制表人：张三", None, None, "审核人：李四", None, None, None, None, None, "打印日期：2022-01-05"])
    wb.save(out)


def excelstyle(out):
    x = 'xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    r = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
    strings = ["<si><r><t>支付</t></r><r><rPr><b/></rPr><t>凭证号</t></r></si>",
               '<si><t>金额</t><rPh sb="0" eb="2"><t>きんがく</t></rPh></si>'] + \
        [f"<si><t>{h}</t></si>" for h in HEADER if h not in ("支付凭证号", "金额")] + \
        ["<si><t>ZF2021-990001</t></si>", "<si><t>ZF2021-990002</t></si>", "<si><t>2,000.00</t></si>",
         "<si><t>合计</t></si>"]
    index = {h: i + 2 for i, h in enumerate(h for h in HEADER if h not in ("支付凭证号", "金额"))}
    index["支付凭证号"], index["金额"] = 0, 1
    sst = len(strings)
    header = "".join(f'<x:c r="{chr(65 + i)}1" t="s"><x:v>{index[h]}</x:v></x:c>' for i, h in enumerate(HEADER))
    rows = (
        f'<x:row r="1">{header}</x:row>'
        '<x:row r="3"><x:c r="A3" t="s"><x:v>{v1}</x:v></x:c><x:c r="B3" s="1"><x:v>44256</x:v></x:c>'
        '<x:c r="C3"><x:v>101001</x:v></x:c><x:c r="D3" t="str"><x:f>"广州市荔湾区"&amp;"科技工业和信息化局"</x:f>'
        '<x:v>广州市荔湾区科技工业和信息化局</x:v></x:c><x:c r="E3" t="inlineStr"><x:is><x:t>LW2021-B02</x:t></x:is></x:c>'
        '<x:c r="G3"><x:v>2150501</x:v></x:c><x:c r="H3"><x:v>30201</x:v></x:c>'
        '<x:c r="L3"><x:v>1234.5000000001</x:v></x:c></x:row>'
        '<x:row r="4"><x:c r="A4" t="s"><x:v>{v2}</x:v></x:c><x:c r="B4" s="2"><x:v>44257.6</x:v></x:c>'
        '<x:c r="C4"><x:v>101001</x:v></x:c><x:c r="E4" t="inlineStr"><x:is><x:t>LW2021-B02</x:t></x:is></x:c>'
        '<x:c r="L4" t="s"><x:v>{a2}</x:v></x:c><x:c r="M4" t="b"><x:v>1</x:v></x:c></x:row>'
        '<x:row r="6"><x:c r="A6" t="s"><x:v>{tot}</x:v></x:c><x:c r="L6"><x:f>SUM(L3:L4)</x:f><x:v>3234.5</x:v></x:c>'
        '</x:row>').format(v1=sst - 4, v2=sst - 3, a2=sst - 2, tot=sst - 1)
    old = '<x:row r="1"><x:c r="A1" t="s"><x:v>0</x:v></x:c><x:c r="B1" t="s"><x:v>1</x:v></x:c></x:row>' \
          '<x:row r="2"><x:c r="A1" t="inlineStr"><x:is><x:t>OLD-1</x:t></x:is></x:c><x:c r="B2"><x:v>99</x:v></x:c></x:row>'
    files = {
        "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
        "xl/workbook.xml": f'<?xml version="1.0" encoding="UTF-8"?><x:workbook {x} {r}><x:workbookPr/><x:sheets>'
                           '<x:sheet name="旧" sheetId="2" state="hidden" r:id="rId2"/>'
                           '<x:sheet name="支付明细" sheetId="1" r:id="rId1"/></x:sheets></x:workbook>',
        "xl/_rels/workbook.xml.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
            '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="/xl/worksheets/sheet2.xml"/>'
            '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
            '<Relationship Id="rId4" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>'
            '</Relationships>',
        "xl/sharedStrings.xml": f'<?xml version="1.0" encoding="UTF-8"?><x:sst {x} count="{sst}" uniqueCount="{sst}">'
                                + "".join(s.replace("<", "<x:").replace("<x:/", "</x:") for s in strings) + "</x:sst>",
        "xl/styles.xml": f'<?xml version="1.0" encoding="UTF-8"?><x:styleSheet {x}><x:numFmts count="1">'
                         '<x:numFmt numFmtId="176" formatCode="yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;"/></x:numFmts>'
                         '<x:cellStyleXfs count="1"><x:xf numFmtId="0"/></x:cellStyleXfs><x:cellXfs count="3">'
                         '<x:xf numFmtId="0"/><x:xf numFmtId="176"/><x:xf numFmtId="14"/></x:cellXfs></x:styleSheet>',
        "xl/worksheets/sheet1.xml": f'<?xml version="1.0" encoding="UTF-8"?><x:worksheet {x}><x:sheetData>{rows}</x:sheetData></x:worksheet>',
        "xl/worksheets/sheet2.xml": f'<?xml version="1.0" encoding="UTF-8"?><x:worksheet {x}><x:sheetData>{old}</x:sheetData></x:worksheet>',
    }
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in files.items():
            z.writestr(name, text.encode("utf-8"))


def formula(out):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "明细"
    ws.append(HEADER)
    ws.append(["ZF-1", datetime.date(2021, 3, 1), "101001", "局", "LW2021-B02", "经费", 2150501, 30201, "授权支付",
               "一般公共预算", "某公司", "=100+23.45", "办公费"])
    wb.save(out)


def nosheet(out):
    wb = openpyxl.Workbook()
    wb.active.title = "封面"
    wb.active["A1"] = "2021年度部门决算"
    wb.create_sheet("附表")["B2"] = "金额合计"
    wb.save(out)


def bomb(good, out):
    with zipfile.ZipFile(good) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                data = data.replace(b"<sheetData>", b"<sheetData>" + b" " * (60 << 20), 1)
            zout.writestr(item.filename, data, compresslevel=9)


def corrupt(good, out):
    data = open(good, "rb").read()
    open(out, "wb").write(data[: len(data) // 2])


def ole2(out, encrypted):
    body = bytearray(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1" + b"\0" * 4088)
    name = "EncryptionInfo" if encrypted else "Workbook"
    body[1024:1024 + 2 * len(name)] = name.encode("utf-16-le")
    open(out, "wb").write(bytes(body))


def months(src, out, rows):
    with open(src, encoding="utf-8", newline="") as f:
        data = list(csv.reader(f))
    body = data[1:][:rows] if rows else data[1:]
    by_month = {}
    for r in body:
        by_month.setdefault(int(r[1][5:7]), []).append(r)
    wb = openpyxl.Workbook()
    wb.active.title = "说明"
    wb.active["A1"] = "按月分表导出"
    for i, (month, rs) in enumerate(sorted(by_month.items())):
        if i == 1:
            void = wb.create_sheet("作废")
            void.append(HEADER)
            void.append(["ZF2021-999999", datetime.date(2021, 1, 5), "101001", "作废", "LW2021-B02", "作废",
                         2150501, 30201, "授权支付", "一般公共预算", "某公司", 999999.99, "作废"])
            void.sheet_state = "hidden"
        ws = wb.create_sheet(f"{month}月")
        ws["A1"] = f"国库集中支付明细表（2021年{month}月）"
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADER))
        ws["A2"] = "单位：元"
        for c, h in enumerate(HEADER, start=1):
            if c in (3, 5):  # 预算单位 / 项目 over 编码 | 名称
                ws.cell(row=3, column=c, value=h[:-2])
                ws.merge_cells(start_row=3, start_column=c, end_row=3, end_column=c + 1)
                ws.cell(row=4, column=c, value="编码")
                ws.cell(row=4, column=c + 1, value="名称")
            elif c in (4, 6):
                continue
            else:
                ws.cell(row=3, column=c, value=h)
                ws.merge_cells(start_row=3, start_column=c, end_row=4, end_column=c)
        total = decimal.Decimal(0)
        for r in rs:
            amount = decimal.Decimal(r[11].replace(",", ""))
            total += amount
            y, m, d = (int(x) for x in r[1].split("-"))
            cells = list(r)
            cells[1] = datetime.date(y, m, d)
            cells[6] = int(r[6])
            cells[7] = int(r[7])
            cells[11] = float(amount)
            ws.append(cells)
        ws.append(["合计"] + [None] * 10 + [float(total)])
    wb.save(out)


def mixed(out):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "支付"
    ws.append(HEADER)
    for v, amount in (("ZF2021-880001", 100.5), ("ZF2021-880002", 200.25)):
        ws.append([v, datetime.date(2021, 3, 1), "101001", "广州市荔湾区科技工业和信息化局", "LW2021-B02",
                   "日常公用经费", 2150501, 30201, "授权支付", "一般公共预算", "某公司", amount, ""])
    reg = wb.create_sheet("指标")
    reg.append(["项目编码", "项目名称", "预算单位编码", "预算单位名称", "支出类型", "年初预算数", "项目负责人",
                "负责人邮箱", "完成时限"])
    reg.append(["LW2021-P01", "项目", "101001", "单位", "项目支出", 100.0, "某人", "a@example.gov.cn",
                datetime.date(2021, 12, 31)])
    wb.save(out)


def main(argv):
    kind = argv[1]
    if kind == "payments":
        payments(argv[2], argv[3], "--date1904" in argv, "--bad-amount" in argv)
    elif kind == "excelstyle":
        excelstyle(argv[2])
    elif kind == "formula":
        formula(argv[2])
    elif kind == "nosheet":
        nosheet(argv[2])
    elif kind == "bomb":
        bomb(argv[2], argv[3])
    elif kind == "corrupt":
        corrupt(argv[2], argv[3])
    elif kind == "months":
        months(argv[2], argv[3], int(argv[argv.index("--rows") + 1]) if "--rows" in argv else 0)
    elif kind == "mixed":
        mixed(argv[2])
    elif kind == "ole2":
        ole2(argv[2], "--encrypted" in argv)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
