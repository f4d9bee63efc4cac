#!/usr/bin/env python3
"""Checks a budgetwatch database against the truth of gen_treasury_export.py (used by tests/e2e/030).

  check_ledger.py --db bw.db --gen GEN_DIR [--report report.json]

Exits 0 when, and prints what differs when not:
  * payments: exactly the generator's well-formed rows, one per voucher (no loss, no duplicate), each with
    its date, unit, project code ('' for a blank or 基本支出 code) and amount in fen;
  * paid_by_year (monthly sums maintained in the ingest transaction) equals the sums of the raw rows;
  * per budget line and month end, the cumulative paid amount equals expected_monthly.csv (blank-code rows
    go to their unit's only basic line, as the oracle does);
  * the files table holds each file once, with counts that add up to the rows; no rejects, no failed files;
  * with --report (budgetwatch report --format json --as-of <year>-12-31): every line's adjusted budget and
    paid amount equal the oracle's December figures.
Only the standard library (sqlite3, csv, json).
"""

import argparse
import collections
import csv
import json
import os
import sqlite3
import sys


def fen(text):
    t = text.replace(",", "").strip()
    neg = t.startswith("-")
    t = t.lstrip("+-")
    whole, _, frac = t.partition(".")
    v = int(whole or "0") * 100 + int((frac + "00")[:2])
    return -v if neg else v


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", required=True)
    ap.add_argument("--gen", required=True)
    ap.add_argument("--report")
    a = ap.parse_args()
    problems = []

    def expect(ok, what):
        if not ok:
            problems.append(what)

    manifest = json.load(open(os.path.join(a.gen, "manifest.json"), encoding="utf-8"))
    db = sqlite3.connect(f"file:{a.db}?mode=ro", uri=True)

    # 1. Every payment row of the export, once, with its content.
    truth = {}
    with open(os.path.join(a.gen, "payments.csv"), encoding="utf-8", newline="") as f:
        r = csv.reader(f)
        header = next(r)
        col = {name: i for i, name in enumerate(header)}
        for row in r:
            code = row[col["项目编码"]].strip()
            if code == "基本支出":
                code = ""
            truth[row[col["支付凭证号"]]] = (row[col["支付日期"]], row[col["预算单位编码"]], code,
                                          fen(row[col["金额"]]))
    expect(len(truth) == manifest["payment_rows_good"], f"generator file has {len(truth)} vouchers")
    stored = {}
    dup = 0
    for v, d, u, p, amt in db.execute("SELECT voucher_no, pay_date, unit_code, project_code, amount_fen FROM payments"):
        if v in stored:
            dup += 1
        stored[v] = (d, u, p, amt)
    expect(dup == 0, f"{dup} duplicate vouchers in payments")
    missing = truth.keys() - stored.keys()
    extra = stored.keys() - truth.keys()
    expect(not missing, f"{len(missing)} payments lost, e.g. {sorted(missing)[:3]}")
    expect(not extra, f"{len(extra)} payments not in the export, e.g. {sorted(extra)[:3]}")
    wrong = [v for v in truth.keys() & stored.keys() if truth[v] != stored[v]]
    expect(not wrong, f"{len(wrong)} payments differ, e.g. {[(v, truth[v], stored[v]) for v in wrong[:2]]}")

    # 2. The monthly sums kept in the same transaction equal the raw rows.
    raw = collections.Counter()
    raw_n = collections.Counter()
    for u, p, m, s, n in db.execute("SELECT unit_code, project_code, substr(pay_date, 1, 7), sum(amount_fen), count(*) "
                                    "FROM payments GROUP BY 1, 2, 3"):
        raw[(u, p, m)] = s
        raw_n[(u, p, m)] = n
    kept = {}
    kept_n = {}
    months = range(1, 13)
    cols = ", ".join([f"m{m:02d}_fen" for m in months] + [f"m{m:02d}_payments" for m in months])
    for row in db.execute(f"SELECT pay_year, unit_code, project_code, {cols} FROM paid_by_year"):
        y, u, p = row[:3]
        for m in months:
            s, n = row[2 + m], row[14 + m]
            if s == 0 and n == 0:
                continue
            kept[(u, p, f"{y:04d}-{m:02d}")] = s
            kept_n[(u, p, f"{y:04d}-{m:02d}")] = n
    diff = [k for k in set(raw) | set(kept) if raw.get(k, 0) != kept.get(k, 0) or raw_n.get(k, 0) != kept_n.get(k, 0)]
    expect(not diff, f"paid_by_year differs from the payments in {len(diff)} cells, e.g. "
                     f"{[(k, raw.get(k), kept.get(k)) for k in diff[:3]]}")

    # 3. Cumulative paid per line and month end equals the oracle.
    basic = {}
    for code, unit in db.execute("SELECT code, unit_code FROM budget_lines WHERE kind = 'basic'"):
        basic.setdefault(unit, []).append(code)
    per_line_month = collections.Counter()
    for (u, p, m), s in raw.items():
        line = p if p else (basic.get(u) or ["?"])[0]
        per_line_month[(line, m)] += s
    expected = {}
    with open(os.path.join(a.gen, "expected_monthly.csv"), encoding="utf-8", newline="") as f:
        r = csv.DictReader(f)
        for row in r:
            expected[(row["project_code"], row["month_end"])] = (int(row["adjusted_budget_fen"]),
                                                                  int(row["cumulative_paid_fen"]))
    lines = sorted({k[0] for k in expected})
    cum_bad = []
    for line in lines:
        cum = 0
        for me in sorted(m for (l, m) in expected if l == line):
            cum += per_line_month.get((line, me[:7]), 0)
            if cum != expected[(line, me)][1]:
                cum_bad.append((line, me, cum, expected[(line, me)][1]))
                break
    expect(not cum_bad, f"{len(cum_bad)} lines differ from expected_monthly.csv, e.g. {cum_bad[:3]}")
    expect(sum(raw.values()) == manifest["total_paid_fen_good_rows"],
           f"total paid {sum(raw.values())} != {manifest['total_paid_fen_good_rows']}")

    # 4. The files table: each file once; counts add up; nothing rejected or failed.
    files = list(db.execute("SELECT sha256, name, kind, rows_accepted, rows_duplicate, rows_rejected FROM files"))
    shas = [f[0] for f in files]
    expect(len(shas) == len(set(shas)), "a file recorded twice")
    pay_files = [f for f in files if f[2] == "payments"]
    expect(sum(f[3] for f in pay_files) == len(truth),
           f"files.rows_accepted of payments files sum to {sum(f[3] for f in pay_files)}, not {len(truth)}")
    expect(all(f[5] == 0 for f in files), f"rows rejected: {[(f[1], f[5]) for f in files if f[5]]}")
    n_rejects = db.execute("SELECT count(*) FROM rejects").fetchone()[0]
    expect(n_rejects == 0, f"{n_rejects} rows in rejects")
    n_failed = db.execute("SELECT count(*) FROM failed_files").fetchone()[0]
    expect(n_failed == 0, f"{n_failed} failed files")
    n_lines = db.execute("SELECT count(*) FROM budget_lines").fetchone()[0]
    expect(n_lines == manifest["budget_rows"], f"{n_lines} budget lines, not {manifest['budget_rows']}")
    n_adj = db.execute("SELECT count(*) FROM adjustments").fetchone()[0]
    expect(n_adj == manifest["adjustment_rows"], f"{n_adj} adjustments, not {manifest['adjustment_rows']}")

    # 5. The engine's figures (budgetwatch report) equal the oracle at year end.
    if a.report:
        rep = json.load(open(a.report, encoding="utf-8"))
        last = {}
        for (l, m) in expected:
            last[l] = max(last.get(l, m), m)
        dec = {l: expected[(l, m)] for l, m in last.items()}
        got = {x["code"]: (x["adjusted_fen"], x["paid_fen"]) for x in rep["lines"]}
        bad = [(c, got.get(c), dec[c]) for c in dec if got.get(c) != dec[c]]
        expect(not bad, f"{len(bad)} report lines differ from the oracle, e.g. {bad[:3]}")

    if problems:
        for p in problems:
            print("check_ledger: " + p, file=sys.stderr)
        return 1
    print(f"check_ledger: ok: {len(stored)} payments, {len(kept)} monthly cells, {len(lines)} lines, "
          f"{len(files)} files")
    return 0


if __name__ == "__main__":
    sys.exit(main())
