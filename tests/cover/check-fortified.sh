#!/bin/sh
# tests/cover/fortified, built with -D_FORTIFY_SOURCE=2, imports the checking variants
# of glibc that the shim interposes (calls.def's family fortify): otherwise the fortified
# tests would test nothing.
set -eu
bin=$1 def=$2
imports=$(nm -D --undefined-only "$bin" | awk '{ print $2 }' | sed 's/@.*//')
# shellcheck disable=SC2046
set -- $(sed -n 's/^TS_CALL(\([a-z_0-9]*\),.*, fortify, [^,]*)$/\1/p' "$def")
echo "1..$#"
i=0 status=0
for f; do
	i=$((i + 1))
	if echo "$imports" | grep -qx "$f"; then
		echo "ok $i - $(basename "$bin") calls $f"
	else
		echo "not ok $i - $(basename "$bin") does not call $f"
		status=1
	fi
done
exit $status
