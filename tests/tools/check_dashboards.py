#!/usr/bin/python3
"""Checks the Grafana dashboards and Prometheus rules of deploy/ against a real Prometheus (issue #6).

What a Grafana user would see, checked query by query:

- Every target expression of every panel (rows included) is read from the dashboard JSON, its template
  variables replaced by values resolved with the dashboards' own variable queries (label_values / query_result,
  as Grafana runs them, regex with named groups included) -- each variable's first option and its All value --
  and Grafana's interval variables by fixed durations. The query must return data from /api/v1/query.
- A query ending in a fallback (`... or vector(0)`, `... or label_replace(vector(0), ...)`) always returns
  data, so the fallback proves nothing: the inner query is run on its own. When it returns data, that data is
  checked like any other. When it legitimately returns nothing (no source is failing, no alert is pending in
  the demo), each of its selectors must return data or, if it selects nothing, its metric must have series in
  Prometheus and every label value it matches must be one the daemon's /metrics shows or lists in the metric's
  HELP text (`state (pending, firing, resolved)`). Such panels are listed in the output.
- Names: every metric name of a panel, a variable or a rule is exposed by the daemon (a sample or a # TYPE line
  of its /metrics), is a recording rule, or is one of Prometheus's own scrape series. Every label of a matcher,
  of `by`/`without`/`on`/`ignoring`/`group_left`/`group_right`, is a label of the metrics the expression uses
  (as /metrics shows them, plus the scrape target's labels from /api/v1/targets; recording rules' from
  /api/v1/series), and every label value a matcher names is one they carry (or the HELP text lists).
- Joins: every label a query joins with `group_left (...)`/`group_right (...)` and every `{{label}}` of a
  legend is present and non-empty on every series the query returns (a name, an owner).
- Tables and overrides: every field name a transformation (organize: exclude, order, rename) or a field
  override (byName) uses is a field the panel's queries produce (labels, Time, Value / Value #refId), or for
  charts a series name its legend produces; byFrameRefID names a target; data links into another dashboard
  name one of the checked dashboards and its variables, and use fields that exist.
- Empty labels: a label the daemon writes with an empty value (`department=""` in a database of one department,
  as the demo) is no label at all in Prometheus. A matcher that matches the empty string (`department=~".*"`)
  selects series without the label, so it is not reported as a missing label; a field of a table named after
  such a label (organize, overrides) is accepted although the demo's rows have no such column; and a variable
  whose query finds no value (label_values of such a label) is tested with its All value alone (allValue must
  be set), as Grafana then offers only "All".
- The checks can fail: every target is also checked in deliberately broken copies (a metric name, a label
  value, a grouping label misspelt); each broken copy must be reported, or the checker itself fails.

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
KEYWORDS = {"and", "or", "unless", "bool", "offset", "inf", "nan", "start", "end", "atan2"}
GROUPING = {"by", "without", "on", "ignoring", "group_left", "group_right"}
AGGREGATIONS = {"sum", "avg", "count", "min", "max", "group", "stddev", "stdvar", "topk", "bottomk",
                "quantile", "count_values", "limitk", "limit_ratio"}
TOKEN = re.compile(r"""
   (?P<ws>\s+)
 | (?P<str>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`)
 | (?P<range>\[[^\]]*\])
 | (?P<num>0x[0-9a-fA-F]+|(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?(?:(?:ms|s|m|h|d|w|y)(?:\d+(?:ms|s|m|h|d|w|y))*)?)
 | (?P<id>[a-zA-Z_:][a-zA-Z0-9_:]*)
 | (?P<lbrace>\{) | (?P<rbrace>\})
 | (?P<lparen>\() | (?P<rparen>\))
 | (?P<op>==|!=|>=|<=|=~|!~|[-+*/%^<>=,@])
""", re.X)
# `... or vector(0)` / `... or label_replace(vector(0), "l", "v", "", "")` at the end of a query.
FALLBACK = re.compile(
    r"^(?P<inner>.*\S)\s+or\s+(?P<fallback>vector\(\s*0\s*\)"
    r"|label_replace\(\s*vector\(\s*0\s*\)\s*(?:,\s*\"[^\"]*\"\s*){4}\))\s*$", re.S)
# A regex matcher value that is only an alternation of literals (after Grafana's escaping), e.g. (a|b\.c).
LITERAL_ALTERNATION = re.compile(r"^\(?((?:[^\\.^$*+?()\[\]{}|]|\\.)+(?:\|(?:[^\\.^$*+?()\[\]{}|]|\\.)+)*)\)?$")


def unquote(s):
    if s.startswith("`"):
        return s[1:-1]
    return re.sub(r"\\(.)", r"\1", s[1:-1])


def parse_promql(expr):
    """(selectors, groupings) of a PromQL expression: [(metric, [(label, op, value)])], [(keyword, [labels])].

    A small lexer, enough for the dashboards' and rules' queries: a name followed by `(` is a function, an
    aggregation keyword or a grouping clause; any other name is a metric selector."""
    toks = []
    pos = 0
    while pos < len(expr):
        m = TOKEN.match(expr, pos)
        if not m:
            raise ValueError(f"cannot read {expr[pos:pos + 20]!r} in {expr!r}")
        pos = m.end()
        if m.lastgroup != "ws":
            toks.append((m.lastgroup, m.group(0)))
    toks.append((None, None))
    selectors, groupings = [], []
    i = 0
    while toks[i][0] is not None:
        kind, text = toks[i]
        nxt = toks[i + 1][0]
        if kind == "id" and text.lower() in GROUPING and nxt == "lparen":
            j, labels = i + 2, []
            while toks[j][0] not in ("rparen", None):
                if toks[j][0] == "id":
                    labels.append(toks[j][1])
                j += 1
            groupings.append((text.lower(), labels))
            i = j + 1
            continue
        if kind == "id" and (nxt == "lparen" or text.lower() in KEYWORDS or text in AGGREGATIONS):
            i += 1
            continue
        if kind == "id" or kind == "lbrace":
            name = text if kind == "id" else ""
            j = i + 1 if kind == "id" else i
            matchers = []
            if toks[j][0] == "lbrace":
                j += 1
                while toks[j][0] not in ("rbrace", None):
                    if toks[j][0] == "id" and toks[j + 1][0] == "op" and toks[j + 2][0] == "str":
                        matchers.append((toks[j][1], toks[j + 1][1], unquote(toks[j + 2][1])))
                        j += 3
                    else:
                        j += 1
                j += 1
            for label, op, value in matchers:
                if label == "__name__" and op == "=":
                    name = value
            selectors.append((name, [m for m in matchers if m[0] != "__name__"]))
            i = j
            continue
        i += 1
    return selectors, groupings


def selector_text(name, matchers):
    inner = ",".join(f'{label}{op}{json.dumps(value, ensure_ascii=False)}' for label, op, value in matchers)
    return f"{name}{{{inner}}}" if matchers else name


class DaemonMetrics:
    """The daemon's /metrics: names, label names and values per sample name, HELP texts."""

    def __init__(self, text):
        self.names = set()      # every name (samples, # TYPE, # HELP)
        self.sampled = set()    # names with a sample
        self.labels = {}        # sample name -> {label}
        self.values = {}        # (sample name, label) -> {value}
        self.help = {}          # family name -> HELP text
        for line in text.splitlines():
            m = re.match(r"#\s+(TYPE|HELP)\s+(\S+)\s*(.*)$", line)
            if m:
                self.names.add(m.group(2))
                if m.group(1) == "HELP":
                    self.help[m.group(2)] = m.group(3)
                continue
            if not line or line.startswith("#"):
                continue
            m = re.match(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+\S+", line)
            if not m:
                continue
            name = m.group(1)
            self.names.add(name)
            self.sampled.add(name)
            labels = self.labels.setdefault(name, set())
            for k, v in re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"', m.group(2) or ""):
                labels.add(k)
                self.values.setdefault((name, k), set()).add(re.sub(r"\\(.)", r"\1", v))

    def empty_labels(self, name):
        """Labels /metrics writes on `name` only with an empty value (Prometheus stores them as absent)."""
        return {k for k in self.labels.get(name, set()) if self.values.get((name, k)) == {""}}

    def family(self, name):
        for suffix in ("_bucket", "_sum", "_count", "_total", ""):
            if suffix and name.endswith(suffix) and name[: -len(suffix)] in self.help:
                return name[: -len(suffix)]
        return name

    def listed_values(self, name, label):
        """Values the HELP text lists for a label: `... and state (pending, firing, resolved)`,
        `kind (project|basic)`."""
        out = set()
        for m in re.finditer(r"\b([a-z_]+) \(([a-z_]+(?:(?:, |\|)[a-z_]+)+)\)", self.help.get(self.family(name), "")):
            if m.group(1) == label:
                out.update(re.split(r", |\|", m.group(2)))
        return out


class Checker:
    def __init__(self, prometheus, daemon, recording_names):
        self.prometheus = prometheus.rstrip("/")
        self.daemon = daemon
        self.recording_names = recording_names
        self.failures = []
        self.queries = 0
        self.name_checked = []     # panels whose inner query is empty in the demo, checked by names and values
        self.mutations = 0
        self.dashboards = {}       # uid -> dashboard JSON
        self._series_cache = {}
        targets = self.api("/api/v1/targets", {"state": "active"})["activeTargets"]
        self.target_labels = {}    # label -> {values} over all scrape targets
        for t in targets:
            for k, v in t["labels"].items():
                self.target_labels.setdefault(k, set()).add(v)

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

    def try_instant(self, where, q):
        try:
            return self.instant(q)
        except Exception as e:  # an HTTP 400 carries Prometheus's parse error
            detail = e.read().decode() if hasattr(e, "read") else str(e)
            self.fail(where, f"query failed: {q!r}: {detail}")
            return None

    def prom_series(self, name):
        if name not in self._series_cache:
            self.queries += 1
            self._series_cache[name] = self.api("/api/v1/series", {"match[]": [name]})
        return self._series_cache[name]

    # ---- names, labels and values ------------------------------------------------------------------------
    def known_name(self, name):
        return name in self.daemon.names or name in self.recording_names or name in PROMETHEUS_SERIES

    def label_names(self, name):
        """The labels a metric carries in Prometheus: /metrics's plus the target's for the daemon's metrics,
        Prometheus's own for recording rules and scrape series."""
        if name in self.daemon.sampled:
            return self.daemon.labels.get(name, set()) | set(self.target_labels)
        if name in PROMETHEUS_SERIES:
            return set(self.target_labels)
        return {k for s in self.prom_series(name) for k in s if k != "__name__"}

    def label_values(self, name, label):
        if label in self.target_labels and name in self.daemon.sampled | PROMETHEUS_SERIES:
            return self.target_labels[label]
        if name in self.daemon.sampled:
            return self.daemon.values.get((name, label), set()) | self.daemon.listed_values(name, label)
        return {s[label] for s in self.prom_series(name) if label in s}

    def check_expr(self, where, expr):
        """Static checks of an expression: metric names, matcher labels and values, grouping labels."""
        try:
            selectors, groupings = parse_promql(expr)
        except ValueError as e:
            self.fail(where, str(e))
            return [], []
        names = {n for n, _ in selectors if n}
        for name in sorted(names):
            if not self.known_name(name):
                self.fail(where, f"metric {name} is neither exposed by the daemon nor a recording rule")
        known = [n for n in names if self.known_name(n)]
        universe = set().union(*(self.label_names(n) for n in known)) if known else set()
        # Labels label_replace writes, and labels the daemon writes empty (absent in Prometheus: a recording
        # rule's series lack them in the demo).
        universe |= set(re.findall(r'label_replace\([^"]*"([a-zA-Z_]\w*)"', expr))
        universe |= {label for n in self.daemon.sampled for label in self.daemon.empty_labels(n)}
        for name, matchers in selectors:
            if not name or not self.known_name(name):
                continue
            labels = self.label_names(name)
            for label, op, value in matchers:
                if label not in labels:
                    if self.matches_empty(op, value) and self.daemon_writes_empty(label):
                        continue  # e.g. department=~".*" on a series whose department is "" (absent)
                    self.fail(where, f"{name} has no label {label!r} (it has {sorted(labels)})")
                    continue
                if op in ("=", "!="):
                    wanted = [value] if value != "" else []
                else:
                    m = LITERAL_ALTERNATION.match(value)
                    wanted = [re.sub(r"\\(.)", r"\1", v) for v in m.group(1).split("|")] if m else []
                have = self.label_values(name, label)
                for v in wanted:
                    if v not in have:
                        self.fail(where, f"{name}{{{label}{op}{value!r}}}: {v!r} is no value of {label} "
                                         f"(/metrics shows or its HELP lists {sorted(have)[:12]})")
        for keyword, labels in groupings:
            for label in labels:
                if label not in universe:
                    self.fail(where, f"{keyword} ({label}): no metric of the query has a label {label!r}")
        return selectors, groupings

    @staticmethod
    def matches_empty(op, value):
        """Whether a matcher selects series without the label (the empty value)."""
        if op == "=":
            return value == ""
        if op == "!=":
            return value != ""
        try:
            hit = re.fullmatch(value, "") is not None
        except re.error:
            return False
        return hit if op == "=~" else not hit

    def daemon_writes_empty(self, label):
        """Whether /metrics writes `label` with an empty value on some family (absent in Prometheus)."""
        return any(label in self.daemon.empty_labels(n) for n in self.daemon.sampled)

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
        texts = []
        m_lv = re.fullmatch(r"\s*label_values\((?:(.*),\s*)?(\w+)\)\s*", query, re.S)
        m_qr = re.fullmatch(r"\s*query_result\((.*)\)\s*", query, re.S)
        if m_lv:
            selector, label = m_lv.group(1), m_lv.group(2)
            if selector:
                self.check_expr(where, selector)
            params = {"match[]": [selector]} if selector else {}
            self.queries += 1
            texts = self.api(f"/api/v1/label/{label}/values", params)
        elif m_qr:
            self.check_expr(where, m_qr.group(1))
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
                if not value:
                    self.fail(where, f"the regex gives an empty value for {t!r}")
                    continue
                if "text" in groups and not groups.get("text"):
                    self.fail(where, f"the regex gives an empty text (a name) for {t!r}")
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
                if not options and var.get("includeAll") and var.get("allValue"):
                    # Grafana offers only "All": a label the daemon writes empty (one department).
                    new_cases.append({**c, name: var["allValue"]})
                    print(f"  variable {name}: no options, All = {var['allValue']!r}")
                    continue
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

    # ---- one target ------------------------------------------------------------------------------------------
    def check_target(self, pw, target, cases):
        """Checks one target in every variable case; returns the series it produced (the inner query's, for a
        fallback)."""
        expr = target.get("expr", "")
        ref = target.get("refId")
        legend_labels = re.findall(r"\{\{\s*(\w+)\s*\}\}", target.get("legendFormat") or "")
        produced = []
        for case in cases:
            q = self.substitute(expr, case)
            if "$" in q or "[[" in q:
                self.fail(pw, f"target {ref}: unresolved variable in {q!r}")
                continue
            m = FALLBACK.match(q)
            inner = m.group("inner") if m else q
            selectors, groupings = self.check_expr(f"{pw}: target {ref}", inner)
            result = self.try_instant(pw, q)
            if result is None:
                continue
            if m:
                inner_result = self.try_instant(pw, inner)
                if inner_result is None:
                    continue
                if not inner_result:
                    self.check_empty_inner(f"{pw}: target {ref}", inner, selectors)
                    continue
                result = inner_result
            elif not result:
                self.fail(pw, f"target {ref}: no data for {q!r}")
                continue
            joined = [label for keyword, labels in groupings if keyword in ("group_left", "group_right")
                      for label in labels]
            for series in result:
                metric = series["metric"]
                for label in joined:
                    if not metric.get(label):
                        self.fail(pw, f"target {ref}: joined label {label!r} is empty on {metric} ({q!r})")
                for label in legend_labels:
                    if not metric.get(label):
                        self.fail(pw, f"target {ref}: legend label {label!r} is empty on {metric} ({q!r})")
            produced.extend(result)
        return produced

    def check_empty_inner(self, where, inner, selectors):
        """The inner query of a fallback returns nothing: its selectors must select something, or name a
        metric Prometheus has with label values /metrics knows (check_expr has checked those)."""
        if not selectors:
            self.fail(where, f"no metric in the inner query {inner!r}")
        for name, matchers in selectors:
            sel = selector_text(name, matchers)
            r = self.try_instant(where, sel)
            if r is None or r:
                continue
            if not self.try_instant(where, name):
                self.fail(where, f"the inner query {inner!r} returns nothing and {name} has no series")
        if where not in self.name_checked:
            self.name_checked.append(where)

    # ---- panels ----------------------------------------------------------------------------------------------
    @staticmethod
    def panels(dashboard):
        for p in dashboard.get("panels", []):
            yield p
            for inner in p.get("panels", []):
                yield inner

    def check_fields(self, pw, panel, produced):
        """Field names of transformations and overrides exist in what the queries produce."""
        targets = panel.get("targets") or []
        table = panel.get("type") == "table" or any(t.get("format") == "table" for t in targets)
        if table:
            fields = {"Time"}
            for t in targets:
                fields.add("Value" if len(targets) == 1 else f"Value #{t.get('refId')}")
                for series in produced.get(t.get("refId"), []):
                    fields.update(series["metric"])
                # A column of a label the daemon writes empty here: Grafana shows it when it has values.
                try:
                    selectors, _ = parse_promql(t.get("expr", ""))
                except ValueError:
                    selectors = []
                for n, _ in selectors:
                    if n:
                        fields.update(self.daemon.empty_labels(n))
        else:
            fields = set()
            for t in targets:
                legend = t.get("legendFormat") or ""
                for series in produced.get(t.get("refId"), []):
                    fields.add(re.sub(r"\{\{\s*(\w+)\s*\}\}", lambda m: series["metric"].get(m.group(1), ""),
                                      legend))
        used = []
        for tr in panel.get("transformations") or []:
            opts = tr.get("options") or {}
            if tr.get("id") == "organize":
                for key in ("excludeByName", "indexByName", "renameByName"):
                    used += [(f"transformation organize.{key}", f) for f in opts.get(key) or {}]
            elif tr.get("id") in ("sortBy",):
                used += [("transformation sortBy", s.get("displayName")) for s in opts.get("sort") or []]
        for o in (panel.get("fieldConfig") or {}).get("overrides") or []:
            matcher = o.get("matcher") or {}
            if matcher.get("id") == "byName":
                used.append(("override byName", matcher.get("options")))
            elif matcher.get("id") == "byFrameRefID":
                if matcher.get("options") not in {t.get("refId") for t in targets}:
                    self.fail(pw, f"override byFrameRefID {matcher.get('options')!r}: no such target")
            for prop in o.get("properties") or []:
                if prop.get("id") == "links":
                    for link in prop.get("value") or []:
                        self.check_link(pw, link.get("url", ""), fields)
        for what, name in used:
            if table and name not in fields:
                self.fail(pw, f"{what} {name!r}: the queries produce no such field (fields: {sorted(fields)})")
            elif not table and name not in fields:
                self.fail(pw, f"{what} {name!r}: no series is named so (series: {sorted(fields)})")
        return len(used)

    def check_link(self, pw, url, fields):
        for f in re.findall(r"\$\{__data\.fields\.([^}]+)\}", url):
            if f not in fields:
                self.fail(pw, f"link {url!r}: no field {f!r}")
        m = re.match(r"^/d/([^/?]+)", url)
        if not m:
            return
        target = self.dashboards.get(m.group(1))
        if target is None:
            self.fail(pw, f"link {url!r}: no dashboard with uid {m.group(1)!r}")
            return
        names = {v.get("name") for v in target.get("templating", {}).get("list", [])}
        for var in re.findall(r"[?&]var-(\w+)=", url):
            if var not in names:
                self.fail(pw, f"link {url!r}: dashboard {m.group(1)} has no variable {var!r}")

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
        checked = fields_checked = 0
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
            produced = {}
            for t in targets:
                ds = t.get("datasource") or p.get("datasource") or {}
                if ds.get("type") != "prometheus" or ds.get("uid") not in ("${datasource}", "$datasource"):
                    self.fail(pw, f"target {t.get('refId')}: datasource is not the ${{datasource}} variable: {ds}")
                if not t.get("expr", "").strip():
                    self.fail(pw, f"target {t.get('refId')} has no expr")
                    continue
                produced[t.get("refId")] = self.check_target(pw, t, cases)
                checked += len(cases)
                self.check_mutations(pw, t, cases[:1])
            fields_checked += self.check_fields(pw, p, produced)
        print(f"  {checked} queries checked, {fields_checked} field names of transformations and overrides")

    # ---- the checks can fail -------------------------------------------------------------------------------
    def mutants(self, expr):
        """Broken copies of a query: a metric name, a literal label value, a grouping label misspelt."""
        try:
            selectors, groupings = parse_promql(expr)
        except ValueError:
            return []
        out = []
        names = [n for n, _ in selectors if n and self.known_name(n)]
        if names:
            out.append((f"metric {names[0]} misspelt",
                        re.sub(rf"(?<![\w:]){re.escape(names[0])}(?![\w:])", names[0] + "_typo", expr, count=1)))
        m = re.search(r'(\w+)\s*(!=|=)\s*"([^"$]+)"', expr)
        if m:
            out.append((f"label value {m.group(1)}{m.group(2)}{m.group(3)!r} misspelt",
                        expr[:m.start(3)] + m.group(3) + "_typo" + expr[m.end(3):]))
        joins = [(k, ls) for k, ls in groupings if ls and k in ("group_left", "group_right")]
        joins += [(k, ls) for k, ls in groupings if ls and k not in ("group_left", "group_right")]
        if joins:
            keyword, labels = joins[0]
            m = re.search(rf"\b{keyword}\s*\(\s*([^)]*?)\b{re.escape(labels[0])}\b", expr)
            if m:
                at = m.end()
                out.append((f"{keyword} label {labels[0]!r} misspelt", expr[:at] + "_typo" + expr[at:]))
        return out

    def check_mutations(self, pw, target, cases):
        for what, broken in self.mutants(target.get("expr", "")):
            saved, self.failures = self.failures, []
            saved_names = list(self.name_checked)
            self.check_target(pw, {**target, "expr": broken}, cases)
            caught, self.failures = self.failures, saved
            self.name_checked = saved_names
            self.mutations += 1
            if not caught:
                self.fail(pw, f"target {target.get('refId')}: a broken copy passes the check ({what}: {broken!r})")

    # ---- rules -----------------------------------------------------------------------------------------------
    def check_rules(self, path):
        with open(path, encoding="utf-8") as f:
            doc = yaml.safe_load(f)
        for g in doc.get("groups", []):
            for r in g.get("rules", []):
                name = r.get("record") or r.get("alert")
                self.check_expr(f"{path}: {name}", r["expr"])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--prometheus", required=True, help="Prometheus base URL")
    ap.add_argument("--metrics", required=True, help="the daemon's /metrics body")
    ap.add_argument("--rules", nargs="+", default=[], help="Prometheus rule files")
    ap.add_argument("dashboards", nargs="+")
    a = ap.parse_args()

    with open(a.metrics, encoding="utf-8") as f:
        daemon = DaemonMetrics(f.read())
    recording = set()
    for path in a.rules:
        with open(path, encoding="utf-8") as f:
            for g in yaml.safe_load(f).get("groups", []):
                recording.update(r["record"] for r in g.get("rules", []) if "record" in r)

    c = Checker(a.prometheus, daemon, recording)
    print(f"/metrics: {len(daemon.sampled)} sampled names; target labels {sorted(c.target_labels)}")
    for path in a.dashboards:
        with open(path, encoding="utf-8") as f:
            d = json.load(f)
        c.dashboards[d.get("uid")] = d
    for path in a.rules:
        c.check_rules(path)
    for path in a.dashboards:
        c.check_dashboard(path)
    for w in c.name_checked:
        print(f"inner query empty in this data, checked by names and values: {w}")
    print(f"{c.queries} Prometheus queries; {len(c.name_checked)} empty inner queries checked by names; "
          f"{c.mutations} broken copies, all caught" if not any("broken copy" in f for f in c.failures)
          else f"{c.queries} Prometheus queries; some broken copies pass")
    for f in c.failures:
        print("FAIL:", f)
    return 1 if c.failures else 0


if __name__ == "__main__":
    sys.exit(main())
