#!/usr/bin/env bash
# Installs every build, test and demo dependency of budgetwatch from Debian 12 (bookworm) packages.
# Idempotent: when everything is present it only checks (dpkg-query) and returns in well under a second.
# Usage: deploy/install-deps.sh [--with-browser] [--with-fuzz]   (run as root, or with sudo available)
set -euo pipefail

packages=(
  # toolchain (clang and its libFuzzer and sanitizer runtimes: tests/fuzz, preset "fuzz")
  g++ cmake ninja-build ccache pkg-config git clang libclang-rt-14-dev clang-format clang-tidy
  # libraries (only the versioned libboost1.81-* names give Boost 1.81; the unversioned ones are 1.74)
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  prometheus-cpp-dev libsqlite3-dev sqlite3 libpq-dev libspdlog-dev libfmt-dev libyaml-cpp-dev libexpected-dev libssl-dev zlib1g-dev libre2-dev
  # the .xlsx reader (collectors/xlsx_reader.cpp): zip members as streams, the sheet XML by a SAX parser
  libminizip-dev libexpat1-dev
  # the old .xls (BIFF8) reader (collectors/xls_reader.cpp)
  libfreexl-dev
  # the .xlsx writer (reports/xlsx.cpp): the workbooks out
  libxlsxwriter-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  # real peers for the tests (all on 127.0.0.1)
  prometheus prometheus-alertmanager python3 python3-aiosmtpd python3-yaml curl wrk
  # PostgreSQL 15 for the tests of the PostgreSQL store (tests/support/postgres_server.*: initdb into a temp dir)
  postgresql-15
  # an independent .xlsx writer for the workbook tests (tests/tools/write_xlsx.py, tests/e2e/060)
  python3-openpyxl
  # an independent .xls (BIFF8) writer for the .xls tests (tests/tools/write_xls.py, tests/e2e/068)
  python3-xlwt
  # LibreOffice headless, the other side of the Excel round trips (tests/e2e/071: it writes the Liwan payments as
  # .xls and converts the year-end workbook); the smallest set: 54 packages, 84 MB downloaded, 253 MiB
  # installed, about 40 s (measured on Debian 12 with --no-install-recommends)
  libreoffice-calc-nogui
  # the anchor of the workbook benchmark (bench/xlsx_bench.sh): Debian's xlsx2csv converting the same file
  xlsx2csv
  # the HTML reports in a real headless browser, with a small CJK font (tests/e2e/050, 051)
  chromium fonts-wqy-microhei
  # deployment checks: systemd-analyze verify on the unit (tests/e2e/011, 012)
  systemd
)
for arg in "$@"; do
  case "$arg" in
    --with-browser) packages+=(chromium) ;;
    --with-fuzz) packages+=(clang libclang-rt-14-dev) ;;
    *) echo "install-deps.sh: unknown option '$arg'" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

sudo=""
if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# The Debian prometheus packages start their services on install where an init system runs; the tests start
# their own instances on free loopback ports, so stop the packaged ones if they were started.
if command -v systemctl >/dev/null 2>&1 && [[ -d /run/systemd/system ]]; then
  $sudo systemctl disable --now prometheus prometheus-alertmanager prometheus-node-exporter postgresql >/dev/null 2>&1 || true
fi
echo "install-deps: done"
