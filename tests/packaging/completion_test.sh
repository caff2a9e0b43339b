#!/bin/bash
# planbctl's bash completion: verbs, per-verb options, and names from `planbctl --json status`
# (a stand-in planbctl on PATH answers that here).
set -euo pipefail
src=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/planbctl" <<'JSON'
#!/bin/sh
cat <<'END'
{
  "records": [
    {
      "name": "www.example.com.",
      "zone": "example.com."
    }
  ],
  "targets": [
    {
      "name": "aws",
      "vendor": "aws"
    },
    {
      "name": "aliyun",
      "vendor": "alibaba-cloud"
    }
  ]
}
END
JSON
chmod +x "$tmp/planbctl"
PATH="$tmp:$PATH"
# shellcheck source=/dev/null
source "$src/etc/bash-completion/planbctl"

complete_line() {  # the words of a command line, the last one being completed
  COMP_WORDS=("$@")
  COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
  COMPREPLY=()
  _planbctl
  echo "${COMPREPLY[*]}"
}

expect() {
  local want=$1
  shift
  local got
  got=$(complete_line "$@")
  if [ "$got" != "$want" ]; then
    echo "FAIL: completing '$*': got '$got', want '$want'" >&2
    exit 1
  fi
}

expect "failover freeze" planbctl f
expect "history" planbctl --json hi
expect "--to" planbctl failover www.example.com. --t
expect "--for --force" planbctl failover www.example.com. --to aws --fo
expect "aliyun aws" planbctl failover www.example.com. --to a
expect "www.example.com." planbctl release w
expect "aliyun aws" planbctl --socket /tmp/x.sock drain a
expect "--limit" planbctl history --l
expect "release rehearse reload" planbctl re
expect "--zone" planbctl rehearse --z
expect "--provider" planbctl rehearse --zone example.com. --p
expect "" planbctl freeze --reason ""
expect "preflight" planbctl pre
expect "--json --socket" planbctl preflight --
echo "completion: ok"
