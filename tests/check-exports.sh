#!/bin/sh
# The library exports exactly the interposed functions of preload/calls.def and the
# functions declared in include/threadstop.h: nothing internal leaks, nothing is missing.
set -eu
lib=$1 src=$2
expected=$(mktemp) actual=$(mktemp)
trap 'rm -f "$expected" "$actual"' EXIT
{
	sed -n 's/^TS_CALL(\([a-z_0-9]*\),.*/\1/p' "$src/preload/calls.def"
	sed -n 's/^[a-z].*[ *]\(thread_[a-z_]*\)(.*);$/\1/p' "$src/include/threadstop.h"
} | sort -u >"$expected"
nm -D --defined-only "$lib" | awk '$2 ~ /^[TWiV]$/ { print $3 }' | sed 's/@.*//' | sort -u >"$actual"
echo "1..1"
if ! diff -u "$expected" "$actual" | sed 's/^/# /'; then :; fi
if ! cmp -s "$expected" "$actual"; then
	echo "not ok 1 - exports of $(basename "$lib") differ from calls.def + threadstop.h (- expected, + exported)"
	exit 1
fi
echo "ok 1 - $(wc -l <"$actual") exported symbols match calls.def + include/threadstop.h"
