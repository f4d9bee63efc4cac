#!/usr/bin/env python3
"""A generated district bureau for issue 14's acceptance test, with its own truth.

Writes, into OUT_DIR, two fiscal years of a bureau of DEPARTMENTS departments (each with two to four
subordinate units): for each year a budget register (with 部门编码/部门名称 columns), an adjustment file and a
payments file, and truth.json with the figures every line and every department must show at the month ends
listed there. About half of the first year's line codes recur in the second year (recurring basic lines and
cross-year projects), with other budgets, adjustments and payments. The first year's files are written in
GB18030 (as older treasury systems export), the second's in UTF-8. The first year's register names its year in
a 预算年度 column; the second's is told by its 完成时限 dates.

The truth is computed here, independently of budgetwatch, from the same rows: adjusted = initial + the
adjustments dated on or before the month end, paid = the payments dated on or before it, the execution rate =
paid / adjusted in percent, rounded half up to two decimals (DESIGN §6).

Usage: gen_bureau.py OUT_DIR [--seed N] [--departments N] [--first-year YYYY]
"""
import argparse
import csv
import datetime as dt
import json
import os
import random

SURNAMES = "陈李张王刘黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许邓冯韩曹曾彭萧蔡潘田董袁于余叶蒋杜苏魏程吕丁沈任姚卢"
GIVEN = "志远丽华慧玲建国海燕文杰晓明嘉怡子豪雅婷振宇晨曦俊杰欣怡"
DEPARTMENTS = ["教育局", "卫生健康局", "民政局", "司法局", "财政局", "人力资源和社会保障局", "住房和城乡建设局",
               "交通运输局", "水务局", "农业农村局", "商务局", "文化广电旅游体育局", "应急管理局", "市场监督管理局",
               "城市管理和综合执法局", "科技工业和信息化局"]
UNIT_SUFFIX = ["机关", "事务中心", "服务中心", "信息中心", "执法大队"]
PROJECTS = ["专项经费", "信息化建设经费", "设备购置经费", "运行维护经费", "培训经费", "宣传经费", "课题研究经费",
            "工程建设资金", "补助资金", "购买服务经费"]


def yuan(fen):
    """Fen as the treasury writes yuan: thousands separators and two decimals."""
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    return f"{sign}{fen // 100:,}.{fen % 100:02d}"


def rate_pct(paid, adjusted):
    """paid / adjusted in percent, rounded half up to two decimals, as a string ("91.38")."""
    if adjusted <= 0:
        return None
    bp = (paid * 10000 * 2 + adjusted) // (2 * adjusted)
    return f"{bp // 100}.{bp % 100:02d}"


def month_end(year, month):
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


def person(rng):
    return rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, 2))


def build(seed, n_departments, first_year):
    rng = random.Random(seed)
    years = [first_year, first_year + 1]
    departments = []
    for d in range(n_departments):
        code = str(101 + d)
        name = "广州市某区" + DEPARTMENTS[d % len(DEPARTMENTS)] + ("" if d < len(DEPARTMENTS) else f"{d}")
        units = []
        for u in range(rng.randint(2, 4)):
            ucode = f"{code}{u + 1:03d}"
            uname = name + ("" if u == 0 else UNIT_SUFFIX[u % len(UNIT_SUFFIX)])
            units.append((ucode, uname))
        departments.append((code, name, units))

    # Lines of the first year; about half recur in the second, which adds its own new ones.
    lines = {y: [] for y in years}
    serial = 0
    for dcode, dname, units in departments:
        for ucode, uname in units:
            kinds = [("基本支出", "人员经费"), ("基本支出", "日常公用经费")]
            kinds += [("项目支出", rng.choice(PROJECTS)) for _ in range(rng.randint(2, 5))]
            for kind, pname in kinds:
                serial += 1
                code = f"GB{ucode}-{'B' if kind == '基本支出' else 'P'}{serial:04d}"
                lines[years[0]].append(dict(code=code, name=pname, unit=(ucode, uname), dept=(dcode, dname),
                                            kind=kind))
    for line in lines[years[0]]:
        if line["kind"] == "基本支出" or rng.random() < 0.45:
            lines[years[1]].append(dict(line))
    for dcode, dname, units in departments:
        for ucode, uname in units:
            for _ in range(rng.randint(0, 2)):
                serial += 1
                lines[years[1]].append(dict(code=f"GB{ucode}-P{serial:04d}", name=rng.choice(PROJECTS) + "（新增）",
                                            unit=(ucode, uname), dept=(dcode, dname), kind="项目支出"))

    voucher = 0
    for y in years:
        for line in lines[y]:
            line["initial"] = rng.randint(5_000, 3_000_000) * 100 + rng.randint(0, 99)
            line["owner"] = person(rng)
            line["deadline"] = dt.date(y, 12, 31) if line["kind"] == "基本支出" or rng.random() < 0.6 \
                else month_end(y, rng.choice([6, 9, 10, 11]))
            adjustments = []
            for _ in range(rng.choice([0, 0, 1, 2])):
                day = dt.date(y, rng.randint(2, 11), rng.randint(1, 28))
                amount = rng.randint(-line["initial"] // 4, line["initial"] // 3)
                adjustments.append((day, amount))
            line["adjustments"] = sorted(adjustments)
            final = line["initial"] + sum(a for _, a in adjustments)
            # Spend between nothing and a little over the budget (some lines overspend, some pay nothing).
            share = rng.choice([0.0, 0.3, 0.55, 0.8, 0.95, 1.0, 1.04]) if line["kind"] == "项目支出" \
                else rng.uniform(0.85, 1.0)
            target = int(final * share)
            payments = []
            paid = 0
            while paid < target:
                amount = min(target - paid, rng.randint(1, max(1, final // 6)) + rng.randint(0, 99))
                day = dt.date(y, rng.randint(1, 12), rng.randint(1, 28))
                voucher += 1
                payments.append((day, f"ZF{y}-{voucher:07d}", amount))
                paid += amount
            line["payments"] = sorted(payments)
    return years, departments, lines


def write_files(out, years, lines):
    for i, y in enumerate(years):
        encoding = "gb18030" if i == 0 else "utf-8"
        header = ["项目编码", "项目名称", "预算单位编码", "预算单位名称", "部门编码", "部门名称", "支出类型",
                  "年初预算数", "项目负责人", "负责人邮箱", "完成时限"]
        if i == 0:
            header.append("预算年度")
        with open(os.path.join(out, f"budget{y}.csv"), "w", encoding=encoding, newline="") as f:
            w = csv.writer(f)
            w.writerow(header)
            for n, line in enumerate(lines[y]):
                row = [line["code"], line["name"], line["unit"][0], line["unit"][1], line["dept"][0],
                       line["dept"][1], line["kind"], yuan(line["initial"]), line["owner"],
                       f"owner{n}@example.gov.cn", line["deadline"].isoformat()]
                if i == 0:
                    row.append(str(y))
                w.writerow(row)
        with open(os.path.join(out, f"adjustments{y}.csv"), "w", encoding=encoding, newline="") as f:
            w = csv.writer(f)
            w.writerow(["项目编码", "调整日期", "调整金额", "调整文号", "说明"])
            n = 0
            for line in lines[y]:
                for day, amount in line["adjustments"]:
                    n += 1
                    w.writerow([line["code"], day.isoformat(), yuan(amount), f"某财预〔{y}〕{n}号",
                                "追加" if amount >= 0 else "调减"])
        with open(os.path.join(out, f"payments{y}.csv"), "w", encoding=encoding, newline="") as f:
            w = csv.writer(f)
            w.writerow(["支付凭证号", "支付日期", "预算单位编码", "预算单位名称", "项目编码", "项目名称",
                        "功能分类科目", "经济分类科目", "支付方式", "资金性质", "收款人全称", "金额", "摘要"])
            for line in lines[y]:
                for day, voucher, amount in line["payments"]:
                    w.writerow([voucher, day.isoformat(), line["unit"][0], line["unit"][1], line["code"],
                                line["name"], "2019999", "30299", "直接支付", "一般公共预算", "某某服务有限公司",
                                yuan(amount), "支付" + line["name"]])


def truth(years, lines):
    checks = {years[0]: [3, 6, 9, 12], years[1]: [4, 11]}
    out = {"years": years, "as_of": []}
    for y in years:
        for m in checks[y]:
            as_of = month_end(y, m)
            per_line, per_dept = {}, {}
            for line in lines[y]:
                adjusted = line["initial"] + sum(a for d, a in line["adjustments"] if d <= as_of)
                paid = sum(a for d, _, a in line["payments"] if d <= as_of)
                per_line[line["code"]] = dict(adjusted_fen=adjusted, paid_fen=paid,
                                              execution_rate_pct=rate_pct(paid, adjusted),
                                              department_code=line["dept"][0], unit_code=line["unit"][0])
                dept = per_dept.setdefault(line["dept"][0], dict(name=line["dept"][1], adjusted_fen=0, paid_fen=0,
                                                                 lines=0))
                dept["adjusted_fen"] += adjusted
                dept["paid_fen"] += paid
                dept["lines"] += 1
            for dept in per_dept.values():
                dept["execution_rate_pct"] = rate_pct(dept["paid_fen"], dept["adjusted_fen"])
            out["as_of"].append(dict(date=as_of.isoformat(), fiscal_year=y, lines=per_line, departments=per_dept))
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("out")
    p.add_argument("--seed", type=int, default=14)
    p.add_argument("--departments", type=int, default=12)
    p.add_argument("--first-year", type=int, default=2023)
    a = p.parse_args()
    os.makedirs(a.out, exist_ok=True)
    years, _, lines = build(a.seed, a.departments, a.first_year)
    write_files(a.out, years, lines)
    with open(os.path.join(a.out, "truth.json"), "w", encoding="utf-8") as f:
        json.dump(truth(years, lines), f, ensure_ascii=False, indent=1)
    print(f"{a.out}: {a.departments} departments, " +
          ", ".join(f"{y}: {len(lines[y])} lines, {sum(len(l['payments']) for l in lines[y])} payments"
                    for y in years))


if __name__ == "__main__":
    main()
