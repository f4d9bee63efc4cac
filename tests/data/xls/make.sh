#!/usr/bin/env bash
# Makes the ".xls" fixtures of tests/unit/collectors/table_readers_test.cpp from the first 40 Liwan 2021
# payments, with writers independent of budgetwatch (tests/tools/write_xls.py: python3-xlwt for BIFF8;
# HTML and SpreadsheetML as treasury systems send them). The files are committed, so the unit tests need
# neither; run this again (from anywhere) only to change them.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tool="$here/../../tools/write_xls.py"
payments="$here/../liwan2021/payments.csv"
PY=/usr/bin/python3
"$PY" "$tool" payments "$payments" "$here/payments40.xls" --rows 40
"$PY" "$tool" payments "$payments" "$here/bad-amount40.xls" --rows 40 --bad-amount
"$PY" "$tool" encrypted "$here/payments40.xls" "$here/encrypted.xls"
"$PY" "$tool" truncated "$here/payments40.xls" "$here/truncated.xls"
"$PY" "$tool" html "$payments" "$here/payments40-html.xls" --rows 40
"$PY" "$tool" html "$payments" "$here/payments40-html-gb18030.xls" --rows 40 --gb18030
"$PY" "$tool" spreadsheetml "$payments" "$here/payments40-spreadsheetml.xls" --rows 40
"$PY" "$tool" notable "$here/notable.xls"
# A workbook of one sheet per month (95 payments of January, 5 of February), two-row merged headers, a
# hidden sheet between them (tests/tools/write_xlsx.py, openpyxl).
"$PY" "$here/../../tools/write_xlsx.py" months "$payments" "$here/months100.xlsx" --rows 100
# Two payments on one sheet and a budget register on the next (another kind: passed over with a warning).
"$PY" "$here/../../tools/write_xlsx.py" mixed "$here/mixed-kinds.xlsx"
# The same 40 payments after a hidden sheet holding an old payment under the same header (not read unless
# ingest.hidden_sheets), and the workbook whose 明细 declares 1,000,000 rows (FreeXL's memory guard).
"$PY" "$tool" payments "$payments" "$here/payments40-hidden.xls" --rows 40 --hidden
"$PY" "$tool" dimensions "$here/payments40.xls" "$here/rows1m.xls" 1000000 13
