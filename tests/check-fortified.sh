#!/bin/sh
# tests/targets/fortified, built with -D_FORTIFY_SOURCE=2, imports the checking variants
# of glibc that the shim interposes: otherwise the fortified tests would test nothing.
set -eu
bin=$1
imports=$(nm -D --undefined-only "$bin" | awk '{ print $2 }' | sed 's/@.*//')
set -- __read_chk __pread_chk __pread64_chk __recv_chk __recvfrom_chk __poll_chk __ppoll_chk \
	__open_2 __open64_2 __openat_2 __openat64_2
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
