#!/usr/bin/env bash
# Gate for the shipped Prometheus alert rules (etc/prometheus/planb-alerts.yml):
#   1. promtool check rules   - the file parses, every expression and template is valid;
#   2. promtool test rules    - planb-alerts.test.yml passes;
#   3. coverage               - every alert of the rules file is tested both firing and
#                               not firing in the test file.
# Usage: check-alert-rules.sh RULES_DIR   (the directory holding both files)
set -euo pipefail

dir=${1:?usage: check-alert-rules.sh RULES_DIR}
rules=$dir/planb-alerts.yml
tests=$dir/planb-alerts.test.yml

if ! command -v promtool >/dev/null; then
  echo "promtool not found: install the Debian package prometheus (scripts/setup does)" >&2
  exit 1
fi

promtool check rules "$rules"
# promtool resolves rule_files relative to the test file's directory.
promtool test rules "$tests"

python3 - "$rules" "$tests" <<'PY'
import re, sys
rules = open(sys.argv[1], encoding="utf-8").read()
lines = open(sys.argv[2], encoding="utf-8").read().splitlines()
alerts = re.findall(r"^\s*- alert:\s*(\S+)\s*$", rules, re.M)
firing, silent = set(), set()
for i, line in enumerate(lines):
    m = re.match(r"^\s*alertname:\s*(\S+)\s*$", line)
    if not m:
        continue
    nxt = lines[i + 1].strip() if i + 1 < len(lines) else ""
    (silent if nxt == "exp_alerts: []" else firing).add(m.group(1))
missing = [f"{a}: no firing case" for a in alerts if a not in firing]
missing += [f"{a}: no not-firing case" for a in alerts if a not in silent]
unknown = sorted((firing | silent) - set(alerts))
missing += [f"{a}: tested but not a rule" for a in unknown]
if not alerts:
    missing.append("no alert rules found")
for m in missing:
    print(f"{sys.argv[2]}: {m}", file=sys.stderr)
if missing:
    sys.exit(1)
print(f"coverage: {len(alerts)} alerts, each tested firing and not firing")
PY
