#!/usr/bin/env bash
# Gate for systemd/planbd.service (ops-conventions.md §1.5), on a copy of the unit whose
# ExecStartPre= and ExecStart= point at the freshly built planbd:
#   - `systemd-analyze verify --man=no` prints nothing at all (it exits 0 even on unknown keys
#     and unparsable values, so any output is a failure);
#   - `systemd-analyze security --offline=yes --threshold=20` passes (exposure <= 2.0);
#   - every ${CREDENTIALS_DIRECTORY}/ID of the sample configuration, commented-out providers
#     included, is loaded by a LoadCredential=ID:… line.
# Usage: check-unit.sh UNIT PLANBD_BINARY [SAMPLE_CONFIG]
set -euo pipefail

unit=${1:?usage: check-unit.sh UNIT PLANBD_BINARY [SAMPLE_CONFIG]}
planbd=${2:?usage: check-unit.sh UNIT PLANBD_BINARY [SAMPLE_CONFIG]}
config=${3:-}

fail() { echo "check-unit: $*" >&2; exit 1; }

command -v systemd-analyze >/dev/null || fail "systemd-analyze not found"
[ -f "$unit" ] || fail "$unit: no such file"
[ -x "$planbd" ] || fail "$planbd: not an executable (build planbd first)"
case $planbd in /*) ;; *) planbd=$(cd "$(dirname "$planbd")" && pwd)/$(basename "$planbd") ;; esac

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
copy=$tmp/planbd.service

# Rewrite the binary of ExecStartPre= and ExecStart= only; every other line stays as shipped.
sed -E "s#^(ExecStartPre|ExecStart)=/usr/bin/planbd( |\$)#\\1=$planbd\\2#" "$unit" > "$copy"
rewritten=$(grep -cE "^(ExecStartPre|ExecStart)=$planbd( |\$)" "$copy" || true)
[ "$rewritten" = 2 ] || fail "expected ExecStartPre= and ExecStart= to run /usr/bin/planbd in $unit"
if grep -q '/usr/bin/planbd' "$copy"; then
  fail "$unit runs /usr/bin/planbd outside ExecStartPre=/ExecStart=: $(grep -n /usr/bin/planbd "$copy")"
fi

# 1. verify: silent, and successful.
status=0
out=$(cd "$tmp" && systemd-analyze verify --man=no "$copy" 2>&1) || status=$?
if [ "$status" -ne 0 ] || [ -n "$out" ]; then
  echo "$out" >&2
  fail "systemd-analyze verify --man=no: exit $status, $(printf '%s' "$out" | grep -c '') line(s) of output (want exit 0 and no output)"
fi

# 2. security: exposure at most 2.0 (the threshold counts tenths).
status=0
out=$(systemd-analyze security --offline=yes --threshold=20 "$copy" 2>&1) || status=$?
if [ "$status" -ne 0 ]; then
  echo "$out" >&2
  fail "systemd-analyze security --offline=yes --threshold=20 failed (exit $status)"
fi
printf '%s\n' "$out" | grep 'Overall exposure level'

# 3. every credential the sample configuration names is loaded.
if [ -n "$config" ]; then
  [ -f "$config" ] || fail "$config: no such file"
  loaded=$(sed -nE 's/^LoadCredential(Encrypted)?=([^:]+)(:.*)?$/\2/p' "$unit" | sort -u)
  wanted=$(grep -oE '\$\{CREDENTIALS_DIRECTORY\}/[A-Za-z0-9_.-]+' "$config" | sed 's#.*/##' | sort -u)
  [ -n "$wanted" ] || fail "$config names no \${CREDENTIALS_DIRECTORY}/ file"
  missing=$(comm -13 <(printf '%s\n' "$loaded") <(printf '%s\n' "$wanted"))
  [ -z "$missing" ] || fail "credentials used in $config but not loaded by $unit: $(tr '\n' ' ' <<<"$missing")"
  echo "credentials: $(tr '\n' ' ' <<<"$wanted")all loaded"
fi
echo "check-unit: $unit ok"
