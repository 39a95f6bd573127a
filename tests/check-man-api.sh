#!/bin/sh
# thread_stop(3) documents the C API as include/threadstop.h declares it: every function,
# flag and errno value the header names appears in the man page.
#   check-man-api.sh threadstop.h thread_stop.3
set -eu
hdr=$1 page=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sed 's/\\f[BIRP]//g; s/\\&//g; s/\\-/-/g' "$page" >"$tmp/page"
{
	sed -n 's/^[a-z].*[ *]\(thread_[a-z_]*\)(.*);$/\1/p' "$hdr"
	grep -oE '\bTHREAD_STOP_[A-Z_]+\b' "$hdr"
	grep -oE '\bE[A-Z]{3,}\b' "$hdr" | grep -vx 'EOF'
} | sort -u >"$tmp/names"
echo "1..$(wc -l <"$tmp/names")"
n=0 bad=0
while read -r name; do
	n=$((n + 1))
	if grep -qE "(^|[^A-Za-z_])$name([^A-Za-z_]|$)" "$tmp/page"; then
		echo "ok $n - $name"
	else
		echo "not ok $n - $name (in threadstop.h) is not in $(basename "$page")"
		bad=1
	fi
done <"$tmp/names"
exit $bad
