#!/usr/bin/env python3
"""The include rules of budgetwatch as data (docs/architecture.md, STYLE §1): for each folder, which of the
project's folders and which third-party headers its files may include. Every #include of every .h/.cpp under
the folders below is checked; the C++ standard library (<vector>, <cstdio>, ...) is allowed everywhere, the
POSIX/C headers (<unistd.h>, <sys/stat.h>, ...) everywhere but engine/, which stays pure.

Usage: check_layering.py SOURCE_DIR          (exit 1 on a violation; the self-test runs first)
"""
import os
import re
import sys

# folder -> (project folders it may include, third-party header prefixes it may include)
RULES = {
    "engine":     ({"engine"}, {"tl/"}),
    "store":      ({"store", "engine"}, {"sqlite3.h", "libpq-fe.h"}),
    "net":        ({"net", "engine/result.h"}, {"boost/", "openssl/", "tl/"}),
    "config":     ({"config", "engine", "net"}, {"yaml-cpp/", "re2/", "tl/"}),
    "collectors": ({"collectors", "store", "net", "config", "engine"}, {"boost/", "openssl/", "tl/", "iconv.h", "zlib.h", "expat.h", "minizip/", "freexl.h"}),
    "alerts":     ({"alerts", "store", "net", "config", "engine"}, {"boost/", "tl/"}),
    "reports":    ({"reports", "store", "engine"}, {"boost/", "tl/", "xlsxwriter.h"}),
    "daemon":     ({"daemon", "alerts", "collectors", "config", "engine", "net", "reports", "store"},
                   {"boost/", "prometheus/", "spdlog/", "fmt/", "openssl/", "tl/", "zlib.h"}),
    "bench":      ({"daemon", "alerts", "collectors", "config", "engine", "net", "reports", "store", "bench"},
                   {"boost/", "benchmark/", "tl/", "sqlite3.h"}),
}
# POSIX and C headers (not the C++ standard library): allowed in every folder but engine/.
SYSTEM = re.compile(r"^(sys/|netinet/|arpa/|[a-z_0-9]+\.h$)")
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)
THIRD_PARTY = ("boost/", "openssl/", "prometheus/", "spdlog/", "fmt/", "yaml-cpp/", "re2/", "tl/", "benchmark/",
               "gtest/", "gmock/", "sqlite3.h", "zlib.h", "iconv.h", "libpq-fe.h", "expat.h", "minizip/", "xlsxwriter.h",
               "freexl.h")


def check_file(folder, rel, text):
    project, external = RULES[folder]
    problems = []
    for m in INCLUDE.finditer(text):
        quote, header = m.group(1), m.group(2)
        line = text.count("\n", 0, m.start()) + 1
        top = header.split("/", 1)[0]
        if quote == '"' and top in RULES or quote == '"' and "/" in header:
            if top not in project and header not in project:
                problems.append(f"{rel}:{line}: {folder}/ may not include \"{header}\" (allowed: {sorted(project)})")
            continue
        if header.startswith(THIRD_PARTY):
            if not header.startswith(tuple(external)):
                problems.append(f"{rel}:{line}: {folder}/ may not include <{header}> (allowed: {sorted(external)})")
            continue
        if SYSTEM.match(header) and folder == "engine":
            problems.append(f"{rel}:{line}: engine/ is pure C++: no <{header}>")
    return problems


def check_tree(root):
    problems, files = [], 0
    for folder in RULES:
        for dirpath, _, names in os.walk(os.path.join(root, folder)):
            for name in sorted(names):
                if not name.endswith((".h", ".cpp")):
                    continue
                full = os.path.join(dirpath, name)
                files += 1
                problems += check_file(folder, os.path.relpath(full, root), open(full, encoding="utf-8").read())
    return files, problems


def self_test():
    bad = [("engine", '#include "store/ledger.h"'), ("engine", "#include <boost/json.hpp>"),
           ("engine", "#include <unistd.h>"), ("store", '#include "collectors/ingest.h"'),
           ("net", '#include "engine/money.h"'), ("reports", '#include "daemon/app.h"'),
           ("alerts", "#include <prometheus/counter.h>"), ("collectors", "#include <sqlite3.h>")]
    good = [("engine", "#include <vector>"), ("net", '#include "engine/result.h"'), ("store", "#include <sqlite3.h>"),
            ("daemon", "#include <prometheus/registry.h>"), ("store", "#include <sys/stat.h>")]
    ok = all(check_file(f, "x.cpp", t) for f, t in bad) and not any(check_file(f, "x.cpp", t) for f, t in good)
    print("check_layering self-test: " + ("ok" if ok else "FAILED"))
    return ok


def main(argv):
    if len(argv) != 2:
        print(__doc__)
        return 2
    if not self_test():
        return 1
    files, problems = check_tree(argv[1])
    for p in problems:
        print("layering violation: " + p)
    print(f"layering: {files} files, {len(problems)} violations")
    return 1 if problems or files == 0 else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
