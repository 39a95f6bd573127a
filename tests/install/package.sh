#!/usr/bin/env bash
# The Debian packages as a user gets them: unpacked into a throw-away root (dpkg -x) and
# checked there (check-installed.sh) and with the demo; with THREADSTOP_PACKAGE_INSTALL=1
# (CI: root on a throw-away machine) also installed on the machine with dpkg -i, checked
# and run the same way, and purged.   usage: package.sh DEBDIR SOURCE_DIR
set -u
debdir=$1 src=$2
here=$(cd "$(dirname "$0")" && pwd)
deb=$(ls "$debdir"/threadstop_*.deb) dev=$(ls "$debdir"/libthreadstop-dev_*.deb)
version=$(dpkg-deb -f "$deb" Version)
root=$(mktemp -d /tmp/ts-deb-root.XXXXXX)
trap 'rm -rf "$root"' EXIT
install=${THREADSTOP_PACKAGE_INSTALL:-0}
[ "$install" = 1 ] && echo "1..36" || echo "1..17"
n=0 bad=0
demo() { # N, threadstop binary, description: the demo stops the server's acceptor
	local out
	out=$(THREADSTOP=$2 "$src/scripts/demo" 2>&1)
	# the acceptor's exception, then a list that still shows the main thread
	if grep -q 'OSError: \[Errno 125\] Operation canceled' <<<"$out" &&
		sed -n '/the main thread lives on/,$p' <<<"$out" | grep -q clock_nanosleep; then
		echo "ok $1 - the demo, $3"
	else
		echo "not ok $1 - the demo, $3"; sed 's/^/# /' <<<"$out"; return 1
	fi
}

for d in "$deb" "$dev"; do dpkg -x "$d" "$root"; done
multiarch=$(ls -d "$root"/usr/lib/*-linux-gnu | head -1)
THREADSTOP_LIB=$multiarch/libthreadstop.so.0 PKG_CONFIG_SYSROOT_DIR=$root TAP_BASE=0 \
	"$here/check-installed.sh" "$root/usr" "$version" "$src" || bad=1
THREADSTOP_LIB=$multiarch/libthreadstop.so.0 demo 17 "$root/usr/bin/threadstop" "with the unpacked package" || bad=1

if [ "$install" = 1 ]; then
	if dpkg -i "$deb" "$dev" >"$root/dpkg.log" 2>&1; then
		echo "ok 18 - dpkg -i $(basename "$deb") $(basename "$dev")"
	else
		echo "not ok 18 - dpkg -i failed"; sed 's/^/# /' "$root/dpkg.log"; exit 1
	fi
	env -u THREADSTOP_LIB TAP_BASE=18 "$here/check-installed.sh" /usr "$version" "$src" || bad=1
	env -u THREADSTOP_LIB bash -c "$(declare -f demo); src='$src'; demo 35 /usr/bin/threadstop 'with the installed package'" ||
		bad=1
	if dpkg -P libthreadstop-dev threadstop >>"$root/dpkg.log" 2>&1 && [ ! -e /usr/bin/threadstop ]; then
		echo "ok 36 - dpkg -P removes both packages"
	else
		echo "not ok 36 - dpkg -P failed"; bad=1
	fi
fi
exit $bad
