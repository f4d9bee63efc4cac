#!/usr/bin/env python3
"""Writes a payments CSV as the .xlsx a treasury system hands out, for bench/xlsx_bench.sh.

  csv_to_xlsx.py PAYMENTS.csv OUT.xlsx

One sheet 明细 (a title line, 单位：元, the header, then every payment: the date as a date cell, the
classification codes and the amount as numbers, the rest as text), written by openpyxl in write-only mode
(Debian python3-openpyxl, an independent writer; its strings inline, as openpyxl writes them).
"""
import csv
import datetime
import sys

import openpyxl


def main(src, out):
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("明细")
    ws.append(["国库集中支付明细表"])
    ws.append(["单位：元"])
    with open(src, encoding="utf-8", newline="") as f:
        rows = csv.reader(f)
        ws.append(next(rows))
        for r in rows:
            y, m, d = (int(x) for x in r[1].split("-"))
            r[1] = datetime.date(y, m, d)
            r[6] = int(r[6]) if r[6].isdigit() else r[6]
            r[7] = int(r[7]) if r[7].isdigit() else r[7]
            r[11] = float(r[11].replace(",", ""))
            ws.append(r)
    wb.save(out)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
