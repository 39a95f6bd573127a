#!/bin/sh
# What a user gets from the source: -Dtests=false configures, builds and installs with no
# Criterion to be found (pkg-config pointed at an empty directory), into a temporary
# prefix; then the build tree is deleted and the installed files are checked
# (check-installed.sh).   usage: install.sh SOURCE_DIR VERSION
set -u
src=$1 version=$2
tmp=$(mktemp -d /tmp/ts-install.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/nopc"
nopc() { env PKG_CONFIG_LIBDIR="$tmp/nopc" PKG_CONFIG_PATH= "$@"; }
echo "1..19"
if nopc meson setup "$tmp/notests" "$src" -Dtests=true >"$tmp/log" 2>&1; then
	echo "not ok 1 - with pkg-config pointed nowhere, -Dtests=true still found Criterion: the check proves nothing"
	sed 's/^/# /' "$tmp/log" | tail -5
else
	echo "ok 1 - with pkg-config pointed nowhere, -Dtests=true fails for want of Criterion"
fi
rm -rf "$tmp/notests"
if nopc meson setup "$tmp/build" "$src" --prefix="$tmp/inst" -Dtests=false -Dman=enabled -Dwerror=true \
	>"$tmp/log" 2>&1; then
	echo "ok 2 - -Dtests=false configures without Criterion"
else
	echo "not ok 2 - -Dtests=false does not configure without Criterion"
	sed 's/^/# /' "$tmp/log" | tail -20
	exit 1
fi
if meson compile -C "$tmp/build" >"$tmp/log" 2>&1 && meson install -C "$tmp/build" >>"$tmp/log" 2>&1; then
	echo "ok 3 - it builds and installs into a temporary prefix"
else
	echo "not ok 3 - build or install failed"
	sed 's/^/# /' "$tmp/log" | tail -20
	exit 1
fi
rm -rf "$tmp/build"
TAP_BASE=3 "$(dirname "$0")/check-installed.sh" "$tmp/inst" "$version" "$src"
