#!/usr/bin/env bash
# The layer check can fail: on tests/layers/wrong_way (a small tree that includes across the
# layers on purpose) it must exit 1 and name exactly the lines of wrong_way.expected.
set -uo pipefail
here=$(dirname "$0")
out=$(python3 "$here/check_layers.py" "$here/wrong_way" 2>/dev/null)
rc=$?
if [ "$rc" -ne 1 ]; then
  echo "check_layers.py exited $rc on wrong_way/, expected 1" >&2
  exit 1
fi
diff -u "$here/wrong_way.expected" <(printf '%s\n' "$out")
