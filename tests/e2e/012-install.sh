#!/usr/bin/env bash
# `cmake --install` (issue #6): the binary, the systemd unit with the paths of the prefix, the host config, the
# docs, dashboards and rules land where docs/deploy.md says; an edited config survives a reinstall; a staged
# install for /usr (DESTDIR) gives the paths of a package.
source "$(dirname "$0")/common.sh"
build_dir=$(dirname "$BW_BIN")
[[ -f "$build_dir/cmake_install.cmake" ]] || fail "no cmake_install.cmake beside $BW_BIN"
[[ -f "$build_dir/deploy/cmake_install.cmake" ]] \
  || fail "deploy/ is not part of the build: the top-level CMakeLists.txt needs add_subdirectory(deploy)"

prefix="$WORK/prefix"
cmake --install "$build_dir" --prefix "$prefix" > "$WORK/install.log" 2>&1 || fail "cmake --install: $(cat "$WORK/install.log")"

[[ -x "$prefix/bin/budgetwatch" ]] || fail "bin/budgetwatch"
"$prefix/bin/budgetwatch" version | grep -q "^budgetwatch " || fail "the installed binary does not run"
unit="$prefix/lib/systemd/system/budgetwatch.service"
[[ -f "$unit" ]] || fail "lib/systemd/system/budgetwatch.service"
grep -qxF "ExecStart=$prefix/bin/budgetwatch run --config $prefix/etc/budgetwatch/budgetwatch.yaml --quiet" "$unit" \
  || fail "ExecStart of the installed unit: $(grep ExecStart= "$unit")"
grep -qxF "EnvironmentFile=-$prefix/etc/budgetwatch/budgetwatch.env" "$unit" || fail "EnvironmentFile of the installed unit"
cmp -s "$prefix/etc/budgetwatch/budgetwatch.yaml" "$BW_SOURCE_DIR/deploy/systemd/budgetwatch.yaml" || fail "etc/budgetwatch/budgetwatch.yaml"
"$prefix/bin/budgetwatch" check-config "$prefix/etc/budgetwatch/budgetwatch.yaml" > /dev/null || fail "the installed config does not load"
for f in share/doc/budgetwatch/deploy.md share/doc/budgetwatch/examples/budgetwatch.yaml \
    share/budgetwatch/grafana/dashboards/department-overview.json share/budgetwatch/grafana/dashboards/project-detail.json \
    share/budgetwatch/grafana/dashboards/operations.json share/budgetwatch/grafana/dashboards/bureau-overview.json \
    share/budgetwatch/grafana/provisioning/datasources/prometheus.yaml \
    share/budgetwatch/prometheus/prometheus.yml share/budgetwatch/prometheus/rules/budgetwatch.rules.yml \
    share/budgetwatch/alertmanager/alertmanager.yml; do
  [[ -f "$prefix/$f" ]] || fail "$f not installed"
done
command -v systemd-analyze >/dev/null || fail "systemd-analyze is not installed (Debian package systemd, deploy/install-deps.sh)"
systemd-analyze verify "$unit" > "$WORK/verify.out" 2>&1 || fail "systemd-analyze verify: $(cat "$WORK/verify.out")"
[[ ! -s "$WORK/verify.out" ]] || fail "systemd-analyze verify warns: $(cat "$WORK/verify.out")"

# The operator's edits are kept; the shipped config goes beside them.
echo "# edited by the operator" >> "$prefix/etc/budgetwatch/budgetwatch.yaml"
cmake --install "$build_dir" --prefix "$prefix" > "$WORK/install2.log" 2>&1 || fail "second cmake --install"
grep -q "edited by the operator" "$prefix/etc/budgetwatch/budgetwatch.yaml" || fail "an edited config was overwritten"
cmp -s "$prefix/etc/budgetwatch/budgetwatch.yaml.new" "$BW_SOURCE_DIR/deploy/systemd/budgetwatch.yaml" || fail "no budgetwatch.yaml.new"

# A package-style staged install: prefix /usr, config in /etc.
DESTDIR="$WORK/stage" cmake --install "$build_dir" --prefix /usr > "$WORK/install3.log" 2>&1 || fail "DESTDIR install"
[[ -x "$WORK/stage/usr/bin/budgetwatch" ]] || fail "DESTDIR: usr/bin/budgetwatch"
[[ -f "$WORK/stage/etc/budgetwatch/budgetwatch.yaml" ]] || fail "DESTDIR: etc/budgetwatch/budgetwatch.yaml"
grep -qxF "ExecStart=/usr/bin/budgetwatch run --config /etc/budgetwatch/budgetwatch.yaml --quiet" \
  "$WORK/stage/usr/lib/systemd/system/budgetwatch.service" || fail "DESTDIR: ExecStart of the unit"
cmp -s "$WORK/stage/usr/lib/systemd/system/budgetwatch.service" "$BW_SOURCE_DIR/deploy/systemd/budgetwatch.service" \
  || fail "for prefix /usr the installed unit should be the shipped one"
pass
