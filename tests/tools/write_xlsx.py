#!/usr/bin/env python3
"""Writes test workbooks with an independent writer (openpyxl, Debian python3-openpyxl) for tests/e2e/060.

  write_xlsx.py payments PAYMENTS.csv OUT.xlsx [--date1904] [--bad-amount]
      the payments as officials have them: a notes sheet without a table, a hidden sheet with an old table,
      then sheet 明细 with a merged title 国库集中支付明细表, a line 单位：元, the header, the rows (dates as date
      cells, amounts and classification codes as numbers, a few amounts as numbers stored as text), a blank
      row, a 合计 row and a footer; --bad-amount makes the first row's amount the text '12,3a4.00'.
  write_xlsx.py formula OUT.xlsx        a payments sheet whose amount is a formula without a cached value
  write_xlsx.py nosheet OUT.xlsx        a workbook without any known header
  write_xlsx.py bomb GOOD.xlsx OUT.xlsx the good workbook with its sheets padded by 60 MB of spaces
  write_xlsx.py corrupt GOOD.xlsx OUT.xlsx  the good workbook cut in half
  write_xlsx.py ole2 OUT [--encrypted]  an OLE2 (CFB) header as old .xls and encrypted workbooks start
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


def main(argv):
    kind = argv[1]
    if kind == "payments":
        payments(argv[2], argv[3], "--date1904" in argv, "--bad-amount" in argv)
    elif kind == "formula":
        formula(argv[2])
    elif kind == "nosheet":
        nosheet(argv[2])
    elif kind == "bomb":
        bomb(argv[2], argv[3])
    elif kind == "corrupt":
        corrupt(argv[2], argv[3])
    elif kind == "ole2":
        ole2(argv[2], "--encrypted" in argv)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
