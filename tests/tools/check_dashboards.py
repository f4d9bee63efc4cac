#!/usr/bin/python3
"""Checks the Grafana dashboards and Prometheus rules of deploy/ against a real Prometheus (issue #6).

Every target expression of every panel (rows included) is read from the dashboard JSON, its template variables
are replaced by values resolved with the dashboards' own variable queries (label_values / query_result, as
Grafana runs them, regex with named groups included), Grafana's interval variables by fixed durations, and the
query must return data from Prometheus's /api/v1/query. Every metric name referenced by a panel, a variable or
a rule must be exposed by the daemon (a sample or a # TYPE line of its /metrics), be a recording rule, or be one
of Prometheus's own scrape series.

The metrics of issue #4 (alerts and notifications) may still be missing from the daemon: their names are
checked for validity, and queries over them may return nothing, ONLY while budgetwatch_outbox_depth is absent
from /metrics. Once it is there, the check is as strict for them as for the rest.

Usage: check_dashboards.py --prometheus URL --metrics FILE --rules FILE... DASHBOARD.json...
Exit status 0 when everything passes; failures are printed one per line.
"""
import argparse
import json
import re
import sys
import urllib.parse
import urllib.request

import yaml

# Metrics added by issue #4 (alerts subsystem). Allowed to be absent only until budgetwatch_outbox_depth is.
ISSUE4_METRICS = [
    "budgetwatch_alerts",
    "budgetwatch_notifications_total",
    "budgetwatch_outbox_depth",
    "budgetwatch_outbox_oldest_age_seconds",
    "budgetwatch_outbox_failed",
]
ISSUE4_MARKER = "budgetwatch_outbox_depth"
# Series Prometheus writes for every scrape target.
PROMETHEUS_SERIES = {"up", "scrape_duration_seconds", "scrape_samples_scraped", "scrape_series_added",
                     "scrape_samples_post_metric_relabeling"}
# What Grafana substitutes for its built-in interval variables, chosen so that a few seconds of 1 s scrapes
# suffice.
BUILTINS = {
    "__rate_interval": "1m",
    "__interval": "15s",
    "__interval_ms": "15000",
    "__range": "1h",
    "__range_s": "3600",
    "__range_ms": "3600000",
}
METRIC_NAME = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")
PROMQL_WORDS = {"and", "or", "unless", "bool", "offset", "by", "without", "on", "ignoring", "group_left",
                "group_right", "inf", "nan", "start", "end"}


class Checker:
    def __init__(self, prometheus, daemon_names, recording_names):
        self.prometheus = prometheus.rstrip("/")
        self.daemon_names = daemon_names
        self.recording_names = recording_names
        self.strict = ISSUE4_MARKER in daemon_names
        self.failures = []
        self.queries = 0
        self.lenient_empty = 0

    def fail(self, where, message):
        self.failures.append(f"{where}: {message}")

    def api(self, path, params):
        url = f"{self.prometheus}{path}?{urllib.parse.urlencode(params, doseq=True)}"
        with urllib.request.urlopen(url, timeout=20) as r:
            body = json.load(r)
        if body.get("status") != "success":
            raise RuntimeError(f"{path}: {body}")
        return body["data"]

    def instant(self, expr):
        self.queries += 1
        data = self.api("/api/v1/query", {"query": expr})
        if data["resultType"] in ("scalar", "string"):
            return [{"metric": {}, "value": data["result"]}]
        return data["result"]

    # ---- metric names --------------------------------------------------------------------------------------
    @staticmethod
    def names_in(expr):
        """Metric names referenced by a PromQL expression (a conservative tokenizer, enough for our queries)."""
        s = re.sub(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`', '""', expr)
        s = re.sub(r"\{[^}]*\}", " ", s)
        s = re.sub(r"\[[^\]]*\]", " ", s)
        s = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", s)
        names = set()
        for m in re.finditer(r"(?<![\w.])([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?", s):
            word, call = m.group(1), m.group(2)
            if call or word.lower() in PROMQL_WORDS:
                continue
            names.add(word)
        return names

    def check_names(self, where, expr):
        for name in sorted(self.names_in(expr)):
            if name in self.daemon_names or name in self.recording_names or name in PROMETHEUS_SERIES:
                continue
            if name in ISSUE4_METRICS and not self.strict:
                continue
            self.fail(where, f"metric {name} is neither exposed by the daemon nor a recording rule")

    def uses_issue4(self, expr):
        return any(n in ISSUE4_METRICS for n in self.names_in(expr))

    # ---- template variables --------------------------------------------------------------------------------
    @staticmethod
    def substitute(text, values):
        def repl(m):
            name = m.group(1) or m.group(2) or m.group(4)
            if name in BUILTINS:
                return BUILTINS[name]
            if name in values:
                return values[name]
            return m.group(0)

        return re.sub(r"\$\{(\w+)(?::[\w]+)?\}|\$(\w+)|(\[\[(\w+)\]\])", repl, text)

    @staticmethod
    def js_regex(regex):
        """A Grafana /pattern/flags regex as a Python pattern (named groups (?<n>...) become (?P<n>...))."""
        m = re.fullmatch(r"/(.*)/([a-z]*)", regex, re.S)
        pattern, flags = (m.group(1), m.group(2)) if m else (regex, "")
        pattern = re.sub(r"\(\?<([a-zA-Z_]\w*)>", r"(?P<\1>", pattern)
        return re.compile(pattern, re.I if "i" in flags else 0)

    def variable_options(self, var, values, where):
        """[(text, value)] of a query variable, as Grafana would list them."""
        query = var.get("query")
        if isinstance(query, dict):
            query = query.get("query", "")
        query = self.substitute(query or var.get("definition", ""), values)
        self.check_names(where, query)
        texts = []
        m_lv = re.fullmatch(r"\s*label_values\((?:(.*),\s*)?(\w+)\)\s*", query, re.S)
        m_qr = re.fullmatch(r"\s*query_result\((.*)\)\s*", query, re.S)
        if m_lv:
            selector, label = m_lv.group(1), m_lv.group(2)
            params = {"match[]": [selector]} if selector else {}
            self.queries += 1
            texts = self.api(f"/api/v1/label/{label}/values", params)
        elif m_qr:
            for r in self.instant(m_qr.group(1)):
                metric = dict(r["metric"])
                name = metric.pop("__name__", "")
                labels = ",".join(f'{k}="{v}"' for k, v in metric.items())
                texts.append(f"{name}{{{labels}}} {r['value'][1]} {int(float(r['value'][0]) * 1000)}")
        else:
            self.fail(where, f"unsupported variable query {query!r}")
            return []
        options = []
        regex = var.get("regex") or ""
        for t in texts:
            if not regex:
                options.append((t, t))
                continue
            m = self.js_regex(regex).search(t)
            if not m:
                continue
            groups = m.groupdict()
            if "value" in groups or "text" in groups:
                value = groups.get("value") or groups.get("text")
                options.append((groups.get("text") or value, value))
            else:
                v = m.group(1) if m.groups() else m.group(0)
                options.append((v, v))
        return options

    @staticmethod
    def regex_escape(v):
        return re.sub(r"([\\.^$*+?()\[\]{}|])", r"\\\1", v)

    def variable_cases(self, dashboard, where):
        """Variable assignments to test: each variable's first option, and its All value where it has one."""
        variables = dashboard.get("templating", {}).get("list", [])
        cases = [{}]
        for var in variables:
            kind, name = var.get("type"), var.get("name")
            if kind in ("datasource", "interval", "constant", "custom", "textbox", "adhoc"):
                if kind in ("constant", "textbox", "custom") and var.get("query") is not None:
                    for c in cases:
                        c[name] = str(var["query"]).split(",")[0]
                continue
            if kind != "query":
                self.fail(where, f"variable {name}: unsupported type {kind}")
                continue
            new_cases = []
            for c in cases:
                options = self.variable_options(var, c, f"{where}: variable {name}")
                if not options:
                    self.fail(where, f"variable {name} resolves to nothing (with {c or 'no variables'})")
                    continue
                multi = var.get("multi") or var.get("includeAll")
                first = options[0][1]
                new_cases.append({**c, name: self.regex_escape(first) if multi else first})
                if var.get("includeAll"):
                    all_value = var.get("allValue") or "(" + "|".join(self.regex_escape(v) for _, v in options) + ")"
                    new_cases.append({**c, name: all_value})
                print(f"  variable {name}: {len(options)} options, first {options[0][0]!r} = {first!r}")
            cases = new_cases
        return cases

    # ---- panels ----------------------------------------------------------------------------------------------
    @staticmethod
    def panels(dashboard):
        for p in dashboard.get("panels", []):
            yield p
            for inner in p.get("panels", []):
                yield inner

    def check_dashboard(self, path):
        with open(path, encoding="utf-8") as f:
            d = json.load(f)
        where = path.rsplit("/", 1)[-1]
        print(f"{where}: {d.get('title')!r} (uid {d.get('uid')})")
        if not re.search(r"[\u4e00-\u9fff]", d.get("title", "")):
            self.fail(where, "the dashboard title is not in Chinese")
        if not re.search(r"[A-Za-z]{4,}", d.get("description", "")):
            self.fail(where, "the dashboard has no English description")
        if not isinstance(d.get("schemaVersion"), int) or d["schemaVersion"] < 36:
            self.fail(where, f"schemaVersion {d.get('schemaVersion')} (want 36 or later)")
        ids = [p.get("id") for p in self.panels(d)]
        if len(ids) != len(set(ids)):
            self.fail(where, "duplicate panel ids")
        cases = self.variable_cases(d, where)
        checked = 0
        for p in self.panels(d):
            if p.get("type") == "row":
                continue
            pw = f"{where}: panel {p.get('id')} {p.get('title')!r}"
            if not re.search(r"[\u4e00-\u9fff]", p.get("title", "")):
                self.fail(pw, "title is not in Chinese")
            if not re.search(r"[A-Za-z]{4,}", p.get("description", "")):
                self.fail(pw, "no English description")
            if "gridPos" not in p:
                self.fail(pw, "no gridPos")
            targets = p.get("targets") or []
            if not targets:
                self.fail(pw, "no targets")
            for t in targets:
                ds = t.get("datasource") or p.get("datasource") or {}
                if ds.get("type") != "prometheus" or ds.get("uid") not in ("${datasource}", "$datasource"):
                    self.fail(pw, f"target {t.get('refId')}: datasource is not the ${{datasource}} variable: {ds}")
                expr = t.get("expr", "")
                if not expr.strip():
                    self.fail(pw, f"target {t.get('refId')} has no expr")
                    continue
                self.check_names(pw, expr)
                for case in cases:
                    q = self.substitute(expr, case)
                    if "$" in q or "[[" in q:
                        self.fail(pw, f"unresolved variable in {q!r}")
                        continue
                    try:
                        result = self.instant(q)
                    except Exception as e:  # an HTTP 400 carries Prometheus's parse error
                        detail = e.read().decode() if hasattr(e, "read") else str(e)
                        self.fail(pw, f"query failed: {q!r}: {detail}")
                        continue
                    if not result:
                        if self.uses_issue4(expr) and not self.strict:
                            self.lenient_empty += 1
                            continue
                        self.fail(pw, f"no data for {q!r}")
                    checked += 1
        print(f"  {checked} queries returned data")

    def check_rules(self, path):
        with open(path, encoding="utf-8") as f:
            doc = yaml.safe_load(f)
        for g in doc.get("groups", []):
            for r in g.get("rules", []):
                name = r.get("record") or r.get("alert")
                self.check_names(f"{path}: {name}", r["expr"])


def daemon_metric_names(text):
    names = set()
    for line in text.splitlines():
        m = re.match(r"#\s+(?:TYPE|HELP)\s+(\S+)", line)
        if m:
            names.add(m.group(1))
        elif line and not line.startswith("#"):
            names.add(re.split(r"[{\s]", line, 1)[0])
    return names


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--prometheus", required=True, help="Prometheus base URL")
    ap.add_argument("--metrics", required=True, help="the daemon's /metrics body")
    ap.add_argument("--rules", nargs="+", default=[], help="Prometheus rule files")
    ap.add_argument("dashboards", nargs="+")
    a = ap.parse_args()

    with open(a.metrics, encoding="utf-8") as f:
        daemon_names = daemon_metric_names(f.read())
    recording = set()
    for path in a.rules:
        with open(path, encoding="utf-8") as f:
            for g in yaml.safe_load(f).get("groups", []):
                recording.update(r["record"] for r in g.get("rules", []) if "record" in r)

    c = Checker(a.prometheus, daemon_names, recording)
    for name in ISSUE4_METRICS:
        if not METRIC_NAME.match(name) or not name.startswith("budgetwatch_"):
            c.fail("ISSUE4_METRICS", f"{name!r} is not a valid budgetwatch metric name")
        elif c.strict and name not in daemon_names:
            c.fail("ISSUE4_METRICS", f"{name} is missing from /metrics although {ISSUE4_MARKER} is there")
    print(f"issue-4 metrics: {'strict' if c.strict else 'lenient'} ({ISSUE4_MARKER} "
          f"{'present' if c.strict else 'absent'} in /metrics)")
    for path in a.rules:
        c.check_rules(path)
    for path in a.dashboards:
        c.check_dashboard(path)
    print(f"{c.queries} Prometheus queries; {c.lenient_empty} empty issue-4 queries tolerated")
    for f in c.failures:
        print("FAIL:", f)
    return 1 if c.failures else 0


if __name__ == "__main__":
    sys.exit(main())
