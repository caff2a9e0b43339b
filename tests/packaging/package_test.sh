#!/usr/bin/env bash
# Builds the .deb with scripts/package from an existing build directory and checks it without
# touching the machine: its control fields, that `dpkg-deb --contents` lists every file where
# the man pages' FILES sections say (and the man pages and binaries themselves), owners and
# modes, the conffile; then unpacks it into a scratch root with `dpkg --root` and extracts it
# with `dpkg -x`, and checks the files there: identical to the sources, man pages render
# without warnings, the packaged planbd runs and accepts the packaged sample configuration.
# Finally runs the maintainer scripts against stub deb-systemd-helper / deb-systemd-invoke /
# systemctl, and checks that they never enable on a fresh install and never start anything.
#
# usage: package_test.sh SOURCE_DIR BUILD_DIR
set -euo pipefail

src=$(cd "${1:?usage: package_test.sh SOURCE_DIR BUILD_DIR}" && pwd)
build=$(cd "${2:?usage: package_test.sh SOURCE_DIR BUILD_DIR}" && pwd)

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
die() { echo "FAIL: $*" >&2; exit 1; }

# ---- build -------------------------------------------------------------------------------------
deb=$("$src/scripts/package" --build-dir "$build" --output "$tmp/out" --no-build) ||
  die "scripts/package failed"
[ -f "$deb" ] || die "scripts/package printed '$deb', which is not a file"
echo "built $(basename "$deb")"

version=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$build/CMakeCache.txt")
arch=$(dpkg --print-architecture)
[ "$(basename "$deb")" = "planb_${version}_${arch}.deb" ] ||
  fail "file name $(basename "$deb"), want planb_${version}_${arch}.deb"

# ---- control fields ----------------------------------------------------------------------------
field() { dpkg-deb --field "$deb" "$1"; }
[ "$(field Package)" = planb ] || fail "Package: $(field Package)"
[ "$(field Version)" = "$version" ] || fail "Version: $(field Version), want $version"
[ "$(field Architecture)" = "$arch" ] || fail "Architecture: $(field Architecture), want $arch"
[ -n "$(field Maintainer)" ] || fail "no Maintainer"
[ -n "$(field Installed-Size)" ] || fail "no Installed-Size"
depends=$(field Depends)
for lib in libc6 libldns3 libcurl4 libsystemd0; do
  grep -qE "(^|, )$lib( |,|$)" <<<"$depends" || fail "Depends lacks $lib: $depends"
done

# ---- contents: every file where the man pages say ------------------------------------------------
dpkg-deb --contents "$deb" >"$tmp/contents"
# "-rw-r--r-- root/root 1234 2026-01-01 00:00 ./usr/share/..." -> "/usr/share/..."
awk '{ p = $6; sub(/^\./, "", p); print p }' "$tmp/contents" >"$tmp/paths"

# The FILES sections of the three man pages name what the package installs; runtime files
# (/run, /var), the credential store and glob patterns are not in the package.
expected=$(for page in "$src"/docs/man/*.[0-9]; do
  sed -n '/^\.SH FILES/,/^\.SH /p' "$page" |
    sed -nE 's/^\.IR? +(\/[^ ]+).*$/\1/p'
done | sed 's/\\-/-/g' | grep -vE '^/(run|var)/|^/etc/credstore|\*|\.$' | sort -u)
[ -n "$expected" ] || die "found no paths in the FILES sections of docs/man/*"
expected=$(printf '%s\n' "$expected" \
  /usr/bin/planbd /usr/bin/planbctl \
  /usr/share/man/man8/planbd.8.gz /usr/share/man/man8/planbctl.8.gz \
  /usr/share/man/man5/planb.toml.5.gz \
  /usr/share/planb/prometheus/planb-alerts.test.yml | sort -u)
for p in $expected; do
  grep -qxF "$p" "$tmp/paths" || fail "the package lacks $p"
done
echo "contents: $(wc -l <<<"$expected") expected files present"

while read -r mode owner _ _ _ path _; do
  [ "$owner" = root/root ] || fail "$path is owned by $owner, want root/root"
  case $path in
    */) [ "$mode" = drwxr-xr-x ] || fail "$path has mode $mode" ;;
    ./usr/bin/*) [ "$mode" = -rwxr-xr-x ] || fail "$path has mode $mode, want -rwxr-xr-x" ;;
    *) [ "$mode" = -rw-r--r-- ] || fail "$path has mode $mode, want -rw-r--r--" ;;
  esac
done <"$tmp/contents"

dpkg-deb --info "$deb" conffiles >"$tmp/conffiles"
[ "$(cat "$tmp/conffiles")" = /etc/planb/planb.toml ] ||
  fail "conffiles: $(tr '\n' ' ' <"$tmp/conffiles"), want /etc/planb/planb.toml"

# ---- installed into a scratch root with dpkg --root -------------------------------------------------
# dpkg --root runs the maintainer scripts chrooted into the scratch root, which holds just
# enough to run them (sh, rm); deb-systemd-helper and systemd are absent there, so nothing of
# this machine is touched. --force-depends because that root's dpkg database knows no other
# package. Not root (no chroot): --unpack only, which runs no maintainer script.
scratch=$tmp/root
mkdir -p "$scratch/var/lib/dpkg/info" "$scratch/var/lib/dpkg/updates" "$scratch/var/lib/dpkg/triggers" \
         "$scratch/dev" "$scratch/tmp"
touch "$scratch/var/lib/dpkg/status" "$scratch/var/lib/dpkg/available" "$scratch/dev/null"
for prog in /bin/sh /bin/rm; do
  for f in "$prog" "$(readlink -f "$prog")" $(ldd "$(readlink -f "$prog")" | grep -oE '/[^ ]+'); do
    mkdir -p "$scratch$(dirname "$f")"
    cp -L "$f" "$scratch$f"
  done
done
if [ "$(id -u)" = 0 ]; then
  action=--install want_status="install ok installed" conffile=/etc/planb/planb.toml
else
  action=--unpack want_status="install ok unpacked" conffile=/etc/planb/planb.toml.dpkg-new
fi
dpkg --root="$scratch" --force-depends "$action" "$deb" >"$tmp/dpkg.log" 2>&1 ||
  { cat "$tmp/dpkg.log" >&2; die "dpkg --root=$scratch $action failed"; }
status=$(dpkg --root="$scratch" --status planb | sed -n 's/^Status: //p')
[ "$status" = "$want_status" ] || fail "dpkg --root status: '$status', want '$want_status'"
dpkg --root="$scratch" --listfiles planb >"$tmp/listed"
for p in $expected; do
  grep -qxF "$p" "$tmp/listed" || fail "dpkg --listfiles does not list $p"
  [ "$p" = /etc/planb/planb.toml ] && p=$conffile
  [ -f "$scratch$p" ] || fail "$p is not in the scratch root"
done
if [ "$action" = --install ]; then
  dpkg --root="$scratch" --verify planb >"$tmp/verify" 2>&1 || true
  [ ! -s "$tmp/verify" ] || fail "dpkg --verify: $(cat "$tmp/verify")"
  # Purge removes every file, the conffile, and planbd's state.
  mkdir -p "$scratch/var/lib/private/planb"
  echo '{}' >"$scratch/var/lib/private/planb/state.json"
  ln -s private/planb "$scratch/var/lib/planb"
  dpkg --root="$scratch" --purge planb >"$tmp/purge.log" 2>&1 ||
    { cat "$tmp/purge.log" >&2; fail "dpkg --root --purge failed"; }
  for p in $expected /var/lib/private/planb /var/lib/planb; do
    if [ -e "$scratch$p" ] || [ -L "$scratch$p" ]; then fail "$p is left after dpkg --purge"; fi
  done
fi

# ---- extracted with dpkg -x: the files themselves ------------------------------------------------
x=$tmp/x
dpkg -x "$deb" "$x"
same() { cmp -s "$1" "$2" || fail "$2 differs from $1"; }
same "$src/systemd/planbd.service" "$x/lib/systemd/system/planbd.service"
same "$src/etc/planb.toml" "$x/etc/planb/planb.toml"
same "$src/etc/planb.toml" "$x/usr/share/doc/planb/examples/planb.toml"
same "$src/etc/prometheus/planb-alerts.yml" "$x/usr/share/planb/prometheus/planb-alerts.yml"
same "$src/docs/CONFIGURATION.md" "$x/usr/share/doc/planb/CONFIGURATION.md"
for gz in "$x"/usr/share/man/man*/*.gz; do
  page=$(basename "$gz" .gz)
  gzip -t "$gz" || fail "$gz is not valid gzip"
  gzip -dc "$gz" | cmp -s - "$src/docs/man/$page" || fail "$gz is not docs/man/$page"
  if command -v man >/dev/null; then
    warnings=$(man --warnings -l "$gz" 2>&1 >/dev/null) || fail "man -l $gz failed"
    [ -z "$warnings" ] || fail "man --warnings -l $gz: $warnings"
  fi
done

got=$("$x/usr/bin/planbd" --version) || fail "the packaged planbd does not run"
[ "$got" = "planbd $version" ] || fail "planbd --version: '$got', want 'planbd $version'"
file_type=$(head -c 4 "$x/usr/bin/planbctl" | od -An -c | tr -d ' ')
[ "$file_type" = 177ELF ] || fail "usr/bin/planbctl is not an ELF executable"

# The packaged sample configuration passes the packaged planbd's check (with stand-in
# credentials, as systemd would provide them).
creds=$tmp/credentials
mkdir -m 0700 "$creds"
grep -oE '\$\{CREDENTIALS_DIRECTORY\}/[A-Za-z0-9_.-]+' "$x/etc/planb/planb.toml" |
  sed 's#.*/##' | sort -u >"$tmp/credential-ids"
while read -r id; do
  if [ "$id" = tsig_key ]; then
    printf 'key "planb" {\n\talgorithm hmac-sha256;\n\tsecret "%s";\n};\n' \
      "$(head -c 32 /dev/urandom | base64)" >"$creds/$id"
  else
    printf 'stand-in-%s\n' "$id" >"$creds/$id"
  fi
  chmod 0600 "$creds/$id"
done <"$tmp/credential-ids"
CREDENTIALS_DIRECTORY=$creds "$x/usr/bin/planbd" --check-config --config "$x/etc/planb/planb.toml" \
  >"$tmp/check.log" 2>&1 || fail "planbd --check-config rejects the packaged sample: $(cat "$tmp/check.log")"

# ---- maintainer scripts, against stubs --------------------------------------------------------------
control=$tmp/control
dpkg-deb --control "$deb" "$control"
for script in postinst prerm postrm; do
  [ -x "$control/$script" ] || fail "DEBIAN/$script is missing or not executable"
  sh -n "$control/$script" || fail "DEBIAN/$script: syntax error"
done
stubs=$tmp/stubs
mkdir "$stubs"
log=$tmp/calls.log
# The user database tools too: the test never creates a user or group on the host.
# STUB_ACCOUNTS=1: planb, planb-admin and planb's membership exist already.
for tool in deb-systemd-helper deb-systemd-invoke systemctl invoke-rc.d service getent addgroup \
  adduser id; do
  cat >"$stubs/$tool" <<STUB
#!/bin/sh
echo "$tool \$*" >>"$log"
case "$tool \$*" in
  *" debian-installed "*) [ -n "\${STUB_INSTALLED:-}" ] ;;
  *" was-enabled "*) [ -n "\${STUB_ENABLED:-}" ] ;;
  "getent "*) [ -n "\${STUB_ACCOUNTS:-}" ] ;;
  "id "*) [ -n "\${STUB_ACCOUNTS:-}" ] && echo "planb planb-admin" ;;
  *) exit 0 ;;
esac
STUB
  chmod 0755 "$stubs/$tool"
done
run() { env -u DPKG_ROOT PATH="$stubs:$PATH" "$@" >/dev/null 2>&1; }
no_start() {
  if grep -qE '(^| )(start|restart|try-restart|reload-or-restart|try-reload-or-restart|--now)( |$)' "$log"; then
    fail "$1 starts something: $(tr '\n' ';' <"$log")"
  fi
}

: >"$log"
run "$control/postinst" configure || fail "postinst configure failed"
no_start "postinst configure (fresh install)"
grep -q '^deb-systemd-helper update-state planbd.service$' "$log" ||
  fail "postinst does not record the unit with deb-systemd-helper update-state"
if grep -q '^deb-systemd-helper enable' "$log"; then
  fail "postinst enables planbd on a fresh install"
fi
grep -q '^addgroup --system --quiet planb-admin$' "$log" ||
  fail "postinst does not create the planb-admin group: $(tr '\n' ';' <"$log")"
grep -qE '^adduser --system .*--group .*--shell /usr/sbin/nologin .*planb$' "$log" ||
  fail "postinst does not create the planb system user: $(tr '\n' ';' <"$log")"
grep -q '^adduser --quiet planb planb-admin$' "$log" ||
  fail "postinst does not put planb in planb-admin (planbd gives its socket that group)"
grep -q '^Depends: .*adduser' "$control/control" || fail "Depends lacks adduser (postinst uses it)"

: >"$log"
STUB_ACCOUNTS=1 run "$control/postinst" configure || fail "postinst configure (accounts exist) failed"
if grep -qE '^(addgroup|adduser) ' "$log"; then
  fail "postinst creates accounts that exist already: $(tr '\n' ';' <"$log")"
fi

: >"$log"
STUB_ACCOUNTS=1 STUB_INSTALLED=1 STUB_ENABLED=1 run "$control/postinst" configure "$version" ||
  fail "postinst configure (upgrade) failed"
no_start "postinst configure (upgrade of an enabled service)"
grep -q '^deb-systemd-helper enable planbd.service$' "$log" ||
  fail "postinst does not keep an enabled planbd enabled on upgrade"

: >"$log"
run "$control/prerm" upgrade "$version" || fail "prerm upgrade failed"
run "$control/prerm" remove || fail "prerm remove failed"
run "$control/postrm" remove || fail "postrm remove failed"
no_start "prerm/postrm remove"
if grep -q '^deb-systemd-invoke stop' "$log" && ! grep -q '^deb-systemd-invoke stop planbd.service$' "$log"; then
  fail "prerm stops something other than planbd.service"
fi

# Purge, into another root: deletes that root's state of planbd, touches no systemd.
purge_root=$tmp/purge-root
mkdir -p "$purge_root/var/lib/private/planb" "$purge_root/var/lib/keep"
ln -s private/planb "$purge_root/var/lib/planb"
: >"$log"
PATH="$stubs:$PATH" DPKG_ROOT=$purge_root "$control/postrm" purge >/dev/null 2>&1 ||
  fail "postrm purge failed"
if [ -e "$purge_root/var/lib/private/planb" ] || [ -L "$purge_root/var/lib/planb" ]; then
  fail "postrm purge leaves planbd's state in /var/lib"
fi
[ -d "$purge_root/var/lib/keep" ] || fail "postrm purge deletes more than planbd's state"
[ ! -s "$log" ] || fail "postrm purge with DPKG_ROOT calls the host's systemd: $(tr '\n' ';' <"$log")"

if [ "$failures" -ne 0 ]; then
  echo "$failures check(s) failed" >&2
  exit 1
fi
echo "package ok: $(basename "$deb")"
