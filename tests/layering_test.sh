#!/usr/bin/env bash
# The include rules of every folder, as data in tests/tools/check_layering.py (engine/ is pure; only store/
# includes sqlite3.h; only daemon/ includes prometheus-cpp and spdlog; nothing but daemon/ includes daemon/;
# net/ has no domain knowledge; ...). The checker proves itself on known-bad includes first.
set -u
root=${1:?usage: layering_test.sh SOURCE_DIR}
exec /usr/bin/python3 "$root/tests/tools/check_layering.py" "$root"
