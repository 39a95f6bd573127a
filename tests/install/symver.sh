#!/bin/sh
# Interposed names stay unversioned in the shim, so a versioned reference to glibc's
# symbol still reaches the wrapper.   usage: symver.sh SYMVER_BINARY LIBTHREADSTOP
set -u
bin=$1 lib=$2
echo "1..2"
if objdump -T "$bin" | grep -Eq 'GLIBC_2\.3\.2\)? +pthread_cond_wait$'; then
	echo "ok 1 - the target references pthread_cond_wait@GLIBC_2.3.2"
else
	echo "not ok 1 - the target does not reference pthread_cond_wait@GLIBC_2.3.2"
	objdump -T "$bin" | grep pthread_cond | sed 's/^/# /'
fi
out=$(LD_PRELOAD="${THREADSTOP_TEST_PRELOAD_FIRST:+$THREADSTOP_TEST_PRELOAD_FIRST }$lib" "$bin" 2>&1)
st=$?
if [ $st = 0 ]; then
	echo "ok 2 - under the shim, $out"
else
	echo "not ok 2 - under the shim, exit status $st (142: the wait never ended): $out"
	exit 1
fi
