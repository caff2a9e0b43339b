#!/usr/bin/env bash
# Gate for a provider run beside planbd (systemd/planb-webhook-*.service):
#   - `systemd-analyze verify --man=no` prints nothing (any output is a failure);
#   - `systemd-analyze security --offline=yes --threshold=20` passes (exposure <= 2.0);
#   - it is bound to planbd (BindsTo=planbd.service, Before=planbd.service, WantedBy=planbd.service)
#     and no Environment= line carries a credential (they come from LoadCredential=).
# Usage: check-sidecar-unit.sh UNIT
set -euo pipefail

unit=${1:?usage: check-sidecar-unit.sh UNIT}
fail() { echo "check-sidecar-unit: $*" >&2; exit 1; }
command -v systemd-analyze >/dev/null || fail "systemd-analyze not found"
[ -f "$unit" ] || fail "$unit: no such file"
case $unit in /*) ;; *) unit=$(pwd)/$unit ;; esac

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0
out=$(cd "$tmp" && systemd-analyze verify --man=no "$unit" 2>&1) || status=$?
if [ "$status" -ne 0 ] || [ -n "$out" ]; then
  echo "$out" >&2
  fail "systemd-analyze verify --man=no: exit $status (want exit 0 and no output)"
fi
status=0
out=$(systemd-analyze security --offline=yes --threshold=20 "$unit" 2>&1) || status=$?
[ "$status" -eq 0 ] || { echo "$out" >&2; fail "systemd-analyze security --threshold=20 failed"; }
printf '%s\n' "$out" | grep 'Overall exposure level'

for line in BindsTo=planbd.service Before=planbd.service WantedBy=planbd.service; do
  grep -qx "$line" "$unit" || fail "$unit lacks $line"
done
grep -q '^LoadCredential=' "$unit" || fail "$unit loads no credential"
if grep -E '^Environment=.*(KEY|TOKEN|SECRET|PASSWORD)[A-Z_]*=' "$unit"; then
  fail "$unit puts a credential into Environment=: use LoadCredential="
fi
echo "check-sidecar-unit: $unit ok"
