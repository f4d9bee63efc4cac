#!/usr/bin/env python3
"""Writes ".xls" files as officials get them, with writers independent of budgetwatch (tests/e2e/068,
tests/unit/collectors/table_readers_test.cpp).

  write_xls.py payments PAYMENTS.csv OUT.xls [--bad-amount] [--rows N] [--date1904] [--hidden]
      a real BIFF8 workbook by python3-xlwt (Debian): a notes sheet, then sheet 明细 with a merged title
      国库集中支付明细表, a line 单位：元, the header, the rows (dates as date cells, amounts and classification
      codes as numbers, every 100th amount as text), a blank row, a 合计 row and a footer; --bad-amount makes
      the first row's amount the text '12,3a4.00'; --rows keeps the first N payments; --date1904 writes the
      dates in the 1904 date system; --hidden adds a hidden sheet 旧数据 before 明细 holding an old payment
      under the same header (not to be read)
  write_xls.py dimensions GOOD.xls OUT.xls ROWS COLUMNS   the workbook with its last sheet's DIMENSIONS record
      declaring ROWS rows and COLUMNS columns (what FreeXL sizes the sheet's cell table by)
  write_xls.py encrypted GOOD.xls OUT.xls   the workbook with a FILEPASS record (what Excel writes for a file
      with a password to open) in place of the same-sized WRITEACCESS record
  write_xls.py truncated GOOD.xls OUT.xls   the workbook cut in half
  write_xls.py html PAYMENTS.csv OUT.xls [--gb18030] [--rows N]
      the payments as the HTML table a treasury system sends as ".xls": a meta charset, a title cell with
      colspan, a unit line, a two-row header (colspan over 编码 | 名称, rowspan, a <br>), the rows (one
      memo with an entity), a 合计 row with &nbsp;
  write_xls.py spreadsheetml PAYMENTS.csv OUT.xls [--rows N]
      the payments as Excel 2003 XML (SpreadsheetML): a title cell merged across (ss:MergeAcross), a unit
      row, the header, the rows (ss:Type="DateTime" dates, Number amounts), a sparse row (ss:Index), 合计
  write_xls.py notable OUT.xls              an HTML page saved as .xls with no table in it
"""
import csv
import datetime
import decimal
import html
import struct
import sys

HEADER = ["支付凭证号", "支付日期", "预算单位编码", "预算单位名称", "项目编码", "项目名称", "功能分类科目",
          "经济分类科目", "支付方式", "资金性质", "收款人全称", "金额", "摘要"]


def read_payments(src, rows):
    with open(src, encoding="utf-8", newline="") as f:
        data = list(csv.reader(f))
    body = data[1:]
    return data[0], body[:rows] if rows else body


def amount_of(text):
    return decimal.Decimal(text.replace(",", ""))


def payments(src, out, bad_amount, rows, date1904=False, hidden=False):
    import xlwt
    header, body = read_payments(src, rows)
    wb = xlwt.Workbook(encoding="utf-8")
    wb.dates_1904 = date1904
    notes = wb.add_sheet("说明")
    notes.write(0, 0, "本工作簿由预算管理一体化系统导出")
    if hidden:
        old = wb.add_sheet("旧数据")
        old.visibility = 1
        for c, v in enumerate(header):
            old.write(0, c, v)
        for c, v in enumerate(["ZF2020-000001", "2020-12-31", "101001", "旧", "LW2021-B02", "旧", "2150501",
                               "30201", "授权支付", "一般公共预算", "某公司", "999999.99", "不应读入"]):
            old.write(1, c, v)
    ws = wb.add_sheet("明细")
    date_style = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    money_style = xlwt.easyxf(num_format_str="#,##0.00")
    ws.write_merge(0, 0, 0, len(header) - 1, "国库集中支付明细表")
    ws.write(1, 0, "单位：元")
    for c, h in enumerate(header):
        ws.write(2, c, h)
    total = decimal.Decimal(0)
    r = 3
    for i, row in enumerate(body):
        amount = amount_of(row[11])
        total += amount
        y, m, d = (int(x) for x in row[1].split("-"))
        for c, v in enumerate(row):
            if c == 1:
                ws.write(r, c, datetime.date(y, m, d), date_style)
            elif c in (6, 7):
                ws.write(r, c, int(v))
            elif c == 11:
                if bad_amount and i == 0:
                    ws.write(r, c, "12,3a4.00")
                elif i % 100 == 7:
                    ws.write(r, c, v)
                else:
                    ws.write(r, c, float(amount), money_style)
            else:
                ws.write(r, c, v)
        r += 1
    r += 1  # a blank row
    ws.write(r, 0, "合计")
    ws.write(r, 11, float(total), money_style)
    ws.write(r + 1, 0, "制表人：张三")
    ws.write(r + 1, 3, "审核人：李四")
    ws.write(r + 1, 9, "打印日期：2022-01-05")
    wb.save(out)


def dimensions(good, out, rows, columns):
    with open(good, "rb") as f:
        data = bytearray(f.read())
    at = data.rfind(struct.pack("<HH", 0x0200, 14))
    assert at >= 0, "no DIMENSIONS record"
    struct.pack_into("<I", data, at + 8, rows)  # rwMac
    struct.pack_into("<H", data, at + 14, columns)  # colMac
    with open(out, "wb") as f:
        f.write(data)


def ole_stream_records(data):
    """(offset, type, length) of the BIFF records of the file's Workbook stream, found by its BOF."""
    start = data.find(struct.pack("<HH", 0x0809, 16))
    pos = start
    while pos + 4 <= len(data):
        typ, length = struct.unpack_from("<HH", data, pos)
        yield pos, typ, length
        if typ == 0x000A:  # EOF of the globals
            return
        pos += 4 + length


def encrypted(good, out):
    data = bytearray(open(good, "rb").read())
    for pos, typ, length in ole_stream_records(data):
        if typ == 0x005C:  # WRITEACCESS: 112 bytes, read by nobody
            # FILEPASS, RC4 (wEncryptionType 1, version 1.1): a salt and verifier follow, then padding.
            struct.pack_into("<HHHHH", data, pos, 0x002F, length, 1, 1, 1)
            open(out, "wb").write(bytes(data))
            return
    sys.exit("no WRITEACCESS record")


def truncated(good, out):
    data = open(good, "rb").read()
    open(out, "wb").write(data[: len(data) // 2])


def cells_html(cells, tag="td"):
    return "<tr>" + "".join(f"<{tag}>{c}</{tag}>" for c in cells) + "</tr>\n"


def html_table(src, out, gb18030, rows):
    header, body = read_payments(src, rows)
    charset = "gb2312" if gb18030 else "utf-8"
    parts = [f"""<html xmlns:o="urn:schemas-microsoft-com:office:office"
 xmlns:x="urn:schemas-microsoft-com:office:excel">
<head>
<meta http-equiv=Content-Type content="text/html; charset={charset}">
<style>td {{ mso-number-format:"\\@"; }}</style>
</head>
<body>
<table border=1 cellpadding=0 cellspacing=0>
<tr><td colspan={len(header)} align=center><b>国库集中支付明细表</b></td></tr>
<tr><td colspan=3>单位：元</td><td colspan={len(header) - 3}>&nbsp;</td></tr>
"""]
    # A two-row header as such systems draw it: 预算单位 and 项目 over their 编码 | 名称 (colspan), the other
    # cells spanning both rows (rowspan); the voucher's header broken over two lines.
    top = []
    for c, h in enumerate(header):
        if c in (2, 4):
            top.append(f"<th colspan=2>{h[:-2]}</th>")
        elif c in (3, 5):
            continue
        else:
            label = "支付<br>凭证号" if c == 0 else html.escape(h)
            top.append(f"<th rowspan=2>{label}</th>")
    parts.append("<tr>" + "".join(top) + "</tr>\n")
    parts.append("<tr><th>编码</th><th>名称</th><th>编码</th><th>名称</th></tr>\n")
    total = decimal.Decimal(0)
    for row in body:
        total += amount_of(row[11])
        cells = [html.escape(v) for v in row]
        parts.append("<TR height=18 style='height:13.5pt'>" +
                     "".join(f"<TD class=xl24 x:str>{c}</TD>" for c in cells) + "</TR>\n")
    parts.append(f"<tr><td>合&nbsp;计</td><td colspan=10></td><td>{total:,.2f}</td><td></td></tr>\n")
    parts.append("</table>\n</body>\n</html>\n")
    text = "".join(parts)
    open(out, "wb").write(text.encode("gb18030" if gb18030 else "utf-8"))


def spreadsheetml(src, out, rows):
    header, body = read_payments(src, rows)
    x = ['<?xml version="1.0" encoding="UTF-8"?>\n<?mso-application progid="Excel.Sheet"?>\n'
         '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"\n'
         ' xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet">\n'
         ' <Styles><Style ss:ID="d"><NumberFormat ss:Format="Short Date"/></Style></Styles>\n'
         ' <Worksheet ss:Name="说明"><Table><Row><Cell><Data ss:Type="String">导出说明</Data></Cell></Row>'
         '</Table></Worksheet>\n'
         ' <Worksheet ss:Name="明细"><Table>\n'
         f'  <Row><Cell ss:MergeAcross="{len(header) - 1}"><Data ss:Type="String">国库集中支付明细表</Data>'
         '</Cell></Row>\n'
         '  <Row><Cell><Data ss:Type="String">单位：元</Data></Cell></Row>\n  <Row>']
    x += [f'<Cell><Data ss:Type="String">{html.escape(h)}</Data></Cell>' for h in header]
    x.append("</Row>\n")
    total = decimal.Decimal(0)
    for i, row in enumerate(body):
        amount = amount_of(row[11])
        total += amount
        x.append("  <Row>")
        indexed = i % 50 == 3  # the payee and the amount placed by ss:Index (1-based), as Excel writes after a gap
        for c, v in enumerate(row):
            if c == 1:
                x.append(f'<Cell ss:StyleID="d"><Data ss:Type="DateTime">{v}T00:00:00.000</Data></Cell>')
            elif c in (6, 7):
                x.append(f'<Cell><Data ss:Type="Number">{int(v)}</Data></Cell>')
            elif c == 10 and indexed:
                x.append(f'<Cell ss:Index="11"><Data ss:Type="String">{html.escape(v)}</Data></Cell>')
            elif c == 11:
                index = ' ss:Index="12"' if indexed else ""
                x.append(f'<Cell{index}><Data ss:Type="Number">{float(amount)!r}</Data></Cell>')
            elif v:
                x.append(f'<Cell><Data ss:Type="String">{html.escape(v)}</Data></Cell>')
            else:
                x.append("<Cell/>")
        x.append("</Row>\n")
    x.append(f'  <Row><Cell><Data ss:Type="String">合计</Data></Cell><Cell ss:Index="12"><Data ss:Type="Number">'
             f'{float(total)!r}</Data></Cell></Row>\n')
    x.append(" </Table></Worksheet>\n</Workbook>\n")
    open(out, "w", encoding="utf-8").write("".join(x))


def notable(out):
    open(out, "w", encoding="utf-8").write(
        "\ufeff<html><head><meta charset=utf-8><title>导出失败</title></head>"
        "<body><p>会话已过期，请重新登录。</p></body></html>\n")


def option(argv, name):
    return int(argv[argv.index(name) + 1]) if name in argv else 0


def main(argv):
    kind = argv[1] if len(argv) > 1 else ""
    rows = option(argv, "--rows")
    if kind == "payments":
        payments(argv[2], argv[3], "--bad-amount" in argv, rows, "--date1904" in argv, "--hidden" in argv)
    elif kind == "encrypted":
        encrypted(argv[2], argv[3])
    elif kind == "dimensions":
        dimensions(argv[2], argv[3], int(argv[4]), int(argv[5]))
    elif kind == "truncated":
        truncated(argv[2], argv[3])
    elif kind == "html":
        html_table(argv[2], argv[3], "--gb18030" in argv, rows)
    elif kind == "spreadsheetml":
        spreadsheetml(argv[2], argv[3], rows)
    elif kind == "notable":
        notable(argv[2])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
