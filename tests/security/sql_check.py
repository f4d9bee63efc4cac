#!/usr/bin/env python3
"""Prepared statements only: no SQL text is ever built from a value (issue 7, security).

  sql_check.py SOURCE_DIR      check the C++ sources (exit 1 and list the offending calls)
  sql_check.py --self-test     check that the rules catch known-bad calls and pass known-good ones

Every call that hands SQL text to SQLite -- Database::prepare / cached / exec / copy_in (store/database.h) and the
sqlite3_prepare* / sqlite3_exec functions -- must get text built only from fixed fragments. An argument is
split at the top level into the operands of `+` and the branches of `?:`; each operand must be
  * a string literal (adjacent literals and raw strings included);
  * std::to_string(...) (digits cannot change a statement);
  * std::string(X) / std::string_view(X) of an allowed X;
  * a name whose every assignment in the file (`name = ...`, `name += ...`, its initialiser) is itself
    allowed -- a constexpr column list, a string of placeholders built in a loop;
  * a call of a function defined in the same file whose every `return` and every assignment in its body
    is allowed -- a WHERE clause made of fixed fragments chosen by which filters are set.
Anything else (a parameter, a value read from a row or a request, fmt::format, an ostringstream) fails,
unless listed in ALLOWED below with the reason. Values go in through Statement::bind.
"""

import os
import re
import sys

# (file, argument text) → why it is safe. Keep this short.
ALLOWED = {
    ("store/migrate.cpp", "m.sql"): "the embedded migrations (store/migrations/*.sql, compiled in)",
    ("store/database.cpp", "sql.data()"): "inside Statement: the text the wrappers were given",
    ("store/database.cpp", "s.c_str()"): "inside Database::exec: the text it was given",
    ("store/database.cpp", "sql"): "inside Database::exec: the text it was given, to the PostgreSQL connection",
    ("store/migrate.cpp", "postgresql_dialect(m.postgresql_sql != nullptr ? m.postgresql_sql : m.sql)"):
        "the embedded migrations (or their .postgresql.sql files) through the fixed type rewrites of the dialect hook",
    # migrate --from --to: table and column names read from the two databases' own catalogues (never from input),
    # each checked to be a plain lower-case identifier and double-quoted; the rows travel as COPY data.
    ("store/copy_database.cpp", "select_sql"): "the copier's SELECT of a catalogued table's catalogued columns",
    ("store/copy_database.cpp", "copy_sql"): "the copier's COPY into a catalogued table's catalogued columns",
    ("store/copy_database.cpp", "count_sql"): "the copier's row count and *_fen sums of a catalogued table",
}
SOURCE_DIRS = ["engine", "store", "net", "collectors", "config", "alerts", "reports", "daemon"]
# (Not a Beast/Asio dynamic buffer's prepare(size), which takes a byte count: `buffer.prepare(8192)`.)
CALL = re.compile(r"(?:(?<!buffer)(?:\.|->)\s*(prepare|cached|exec|copy_in)|\b(sqlite3_prepare(?:_v2|_v3)?|sqlite3_exec))\s*\(")


def strip_comments(text):
    """Blanks out // and /* */ comments, keeping string literals and offsets."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "/" and text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif c == "/" and text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif c == "R" and text.startswith('R"', i) and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
            j = skip_raw(text, i)
            out.append(text[i:j])
            i = j
        elif c in "\"'":
            j = skip_quoted(text, i)
            out.append(text[i:j])
            i = j
        else:
            out.append(c)
            i += 1
    return "".join(out)


def skip_quoted(text, i):
    q = text[i]
    j = i + 1
    while j < len(text) and text[j] != q:
        j += 2 if text[j] == "\\" else 1
    return j + 1


def skip_raw(text, i):
    m = re.match(r'R"([^(]*)\(', text[i:])
    end = text.find(")" + m.group(1) + '"', i + m.end())
    return end + len(m.group(1)) + 2


def balanced(text, i):
    """text[i] is an opening bracket: returns the index after its match."""
    depth = 0
    j = i
    while j < len(text):
        c = text[j]
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
            if depth == 0:
                return j + 1
        elif c in "\"'":
            j = skip_quoted(text, j)
            continue
        elif c == "R" and text.startswith('R"', j) and not (text[j - 1].isalnum() or text[j - 1] == "_"):
            j = skip_raw(text, j)
            continue
        j += 1
    return len(text)


def split_top(expr, seps):
    """Splits expr at top-level occurrences of the single characters in seps (outside brackets/strings)."""
    parts, depth, start, j = [], 0, 0, 0
    while j < len(expr):
        c = expr[j]
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif c in "\"'":
            j = skip_quoted(expr, j)
            continue
        elif c == "R" and expr.startswith('R"', j) and (j == 0 or not (expr[j - 1].isalnum() or expr[j - 1] == "_")):
            j = skip_raw(expr, j)
            continue
        elif depth == 0 and c in seps and not (c == ":" and (expr[j + 1:j + 2] == ":" or expr[j - 1:j] == ":")):
            if not (c == "+" and expr[j + 1:j + 2] in "+="):
                parts.append(expr[start:j])
                start = j + 1
        j += 1
    parts.append(expr[start:])
    return [p.strip() for p in parts]


def first_arg(text, open_paren):
    end = balanced(text, open_paren)
    args = split_top(text[open_paren + 1:end - 1], ",")
    return args[0] if args else ""


def branches(expr):
    """The string-valued parts of expr: ternary branches and + operands, recursively."""
    q = split_top(expr, "?")
    if len(q) > 1:
        rest = "?".join(q[1:])
        alts = split_top(rest, ":")
        out = []
        for a in alts:
            out += branches(a)
        return out
    return split_top(expr, "+")


LITERAL = re.compile(r'^(?:(?:u8|u|U|L)?(?:"(?:[^"\\]|\\.)*"|R"([^(]*)\(.*?\)\1")\s*)+$', re.S)


class FileCtx:
    def __init__(self, path, text):
        self.path = path
        self.text = text

    def assignments(self, name, scope=None):
        """Right-hand sides of `name = ...;`, `name += ...;` and `name{...}` initialisers in scope."""
        text = self.text if scope is None else scope
        out = []
        for m in re.finditer(r"(?<![\w.>:])" + re.escape(name) + r"\s*(\+?=)(?!=)", text):
            j = m.end()
            k = j
            while k < len(text) and text[k] != ";":
                if text[k] in "([{":
                    k = balanced(text, k)
                    continue
                if text[k] in "\"'":
                    k = skip_quoted(text, k)
                    continue
                if text.startswith('R"', k):
                    k = skip_raw(text, k)
                    continue
                k += 1
            out.append(text[j:k].strip())
        return out

    def function_body(self, name):
        m = re.search(r"\b" + re.escape(name) + r"\s*\(([^;{}]*)\)\s*(?:const\s*)?\{", self.text)
        if not m:
            return None
        start = m.end() - 1
        return self.text[start:balanced(self.text, start)]


def safe(expr, ctx, depth=0, scope=None):
    """(ok, reason) for one SQL expression."""
    if depth > 8:
        return False, f"too deep: {expr}"
    expr = expr.strip()
    while expr.startswith("(") and balanced(expr, 0) == len(expr):
        expr = expr[1:-1].strip()
    parts = branches(expr)
    if len(parts) > 1:
        for p in parts:
            ok, why = safe(p, ctx, depth + 1, scope)
            if not ok:
                return ok, why
        return True, ""
    e = parts[0]
    if not e:
        return False, "empty operand"
    if LITERAL.match(e):
        return True, ""
    if re.fullmatch(r"std::to_string\s*\(.*\)", e, re.S):
        return True, ""
    m = re.fullmatch(r"std::string(?:_view)?\s*\((.*)\)", e, re.S)
    if m:
        return safe(m.group(1), ctx, depth + 1, scope)
    m = re.fullmatch(r"(?:[A-Za-z_]\w*\s*(?:\.|->|::)\s*)*([A-Za-z_]\w*)", e)
    if m:
        name = m.group(1)
        rhs = (ctx.assignments(name, scope) if scope is not None else []) or ctx.assignments(name)
        if not rhs:
            return False, f"'{e}' is not a constant built from fixed fragments in this file"
        for r in rhs:
            ok, why = safe(r, ctx, depth + 1, scope)
            if not ok:
                return False, f"'{e}' = {r}: {why}"
        return True, ""
    m = re.fullmatch(r"([A-Za-z_]\w*)\s*\((.*)\)", e, re.S)
    if m:
        body = ctx.function_body(m.group(1))
        if body is None:
            return False, f"'{m.group(1)}()' is not defined in this file"
        results = [r.group(1) for r in re.finditer(r"\breturn\s+([^;]*);", body)]
        if not results:
            return False, f"'{m.group(1)}()' returns nothing checkable"
        for r in results:
            ok, why = safe(r, ctx, depth + 1, body)
            if not ok:
                return False, f"{m.group(1)}(): {why}"
        return True, ""
    return False, f"'{e}' is not a fixed fragment"


def check_text(path, text):
    """Problems in one file: list of (line, argument, reason)."""
    code = strip_comments(text)
    ctx = FileCtx(path, code)
    problems = []
    for m in CALL.finditer(code):
        open_paren = m.end() - 1
        arg = first_arg(code, open_paren)
        if m.group(2):  # sqlite3_prepare*(db, sql, ...) / sqlite3_exec(db, sql, ...)
            end = balanced(code, open_paren)
            args = split_top(code[open_paren + 1:end - 1], ",")
            arg = args[1] if len(args) > 1 else ""
        if (path, arg) in ALLOWED:
            continue
        ok, why = safe(arg, ctx)
        if not ok:
            line = code.count("\n", 0, m.start()) + 1
            problems.append((line, " ".join(arg.split()), why))
    return problems


def check_tree(root):
    problems = []
    calls = 0
    for d in SOURCE_DIRS:
        for dirpath, _, files in os.walk(os.path.join(root, d)):
            for f in sorted(files):
                if not f.endswith((".cpp", ".h")):
                    continue
                full = os.path.join(dirpath, f)
                rel = os.path.relpath(full, root)
                text = open(full, encoding="utf-8").read()
                calls += len(CALL.findall(strip_comments(text)))
                for line, arg, why in check_text(rel, text):
                    problems.append(f"{rel}:{line}: SQL built from a value: {arg}\n    {why}")
    return calls, problems


BAD = [
    'db.prepare("SELECT * FROM payments WHERE voucher_no = \'" + voucher + "\'");',
    'db.exec("DELETE FROM silences WHERE id = " + r.path_params["id"]);',
    'db.cached(std::string("SELECT ") + column + " FROM t");',
    'std::string q = "SELECT * FROM t WHERE a = "; q += value; db.prepare(q);',
    'Statement s = db.prepare(fmt::format("SELECT * FROM {} WHERE a = ?", table));',
    'std::string where(const Query& q) { return " WHERE name = \'" + q.name + "\'"; }\n'
    'void f(Database& db, const Query& q) { db.prepare("SELECT * FROM t" + where(q)); }',
    'void f(Database& db, std::string_view sql) { db.exec(sql); }',
    'sqlite3_exec(db, ("PRAGMA " + user_input).c_str(), nullptr, nullptr, &err);',
    'db.prepare(ok ? "SELECT 1" : user_sql);',
]
GOOD = [
    'constexpr std::size_t n = 8192;\nauto [ec, k] = co_await stream.async_read_some(buffer.prepare(n), tok);',
    'db.prepare("SELECT a, b FROM t WHERE c = ?1 AND d = ?2").bind(1, c).bind(2, d);',
    'db.cached("INSERT INTO t (a) VALUES (?)"\n  " ON CONFLICT DO NOTHING");',
    'constexpr std::string_view cols = "a, b, c";\nvoid f(Database& db) { db.prepare("SELECT " + std::string(cols) + " FROM t"); }',
    'void f(Database& db, int kib) { db.exec("PRAGMA cache_size=-" + std::to_string(kib)); }',
    'std::string where(const Q& q) {\n  std::string w = " WHERE 1=1";\n  if (q.state) w += " AND state = ?1";\n  return w;\n}\n'
    'void f(Database& db, const Q& q) { db.prepare("SELECT count(*) FROM outbox" + where(q)); }',
    'struct S { std::string sql; S() { sql = "INSERT INTO t VALUES "; for (int i = 0; i < 4; ++i) {'
    ' sql += i == 0 ? "" : ","; sql += "(?,?)"; } } };\nvoid f(Database& db, S& s) { db.cached(s.sql); }',
    'db.prepare(last ? "SELECT 1 WHERE a <= ?" : "SELECT 1 WHERE a < ?");',
    'db.exec(R"sql(CREATE TABLE t (a TEXT))sql");',
]


def self_test():
    failed = 0
    for snippet in BAD:
        if not check_text("selftest.cpp", snippet):
            print(f"self-test: NOT caught: {snippet}")
            failed += 1
    for snippet in GOOD:
        p = check_text("selftest.cpp", snippet)
        if p:
            print(f"self-test: wrongly flagged: {snippet}\n    {p}")
            failed += 1
    print(f"sql_check self-test: {len(BAD)} bad snippets caught, {len(GOOD)} good ones passed"
          if not failed else f"sql_check self-test: {failed} wrong")
    return failed == 0


def main(argv):
    if argv[1:] == ["--self-test"]:
        return 0 if self_test() else 1
    if len(argv) != 2:
        print(__doc__)
        return 2
    if not self_test():
        return 1
    calls, problems = check_tree(argv[1])
    for p in problems:
        print(p)
    print(f"sql_check: {calls} calls that take SQL text, {len(problems)} built from values")
    return 1 if problems or calls == 0 else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
