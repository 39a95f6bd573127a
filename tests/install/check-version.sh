#!/bin/sh
# The version is written once, in meson.build: the command, the library (its control
# socket's `version` reply), debian/changelog and the top entry of NEWS.md all say it.
#   check-version.sh VERSION THREADSTOP_CLI LIBTHREADSTOP SOURCE_DIR
set -u
version=$1 cli=$2 lib=$3 src=$4
work=$(mktemp -d /tmp/ts-version.XXXXXX)
P=
trap '[ -n "$P" ] && kill -9 "$P" 2>/dev/null; rm -rf "$work"' EXIT
echo "1..4"
n=0 bad=0
is() { # description, actual
	n=$((n + 1))
	if [ "$2" = "$version" ]; then echo "ok $n - $1 says $version"
	else echo "not ok $n - $1 says '$2', meson.build $version"; bad=1; fi
}
is "threadstop --version" "$("$cli" --version | sed -n 's/^threadstop \([^ ]*\) .*/\1/p')"
export THREADSTOP_LIB=$lib
"$cli" run -- sleep 600 &
P=$!
i=0
# its control socket is the abstract name @threadstop.PID (no file)
while ! grep -q "@threadstop\.$P\$" /proc/net/unix && [ $i -lt 400 ]; do sleep 0.05; i=$((i + 1)); done
reply=$(printf 'version\nquit\n' | timeout 20 socat - "ABSTRACT-CONNECT:threadstop.$P" 2>&1)
is "the library's version reply" "$(echo "$reply" | sed -n 's/^ok threadstop \([^ ]*\) protocol.*/\1/p')"
is "debian/changelog" "$(sed -n '1s/^threadstop (\([^)]*\)).*/\1/p' "$src/debian/changelog")"
is "NEWS.md's top entry" "$(sed -n 's/^## \([0-9][^ ]*\).*/\1/p' "$src/NEWS.md" | head -1)"
exit $bad
