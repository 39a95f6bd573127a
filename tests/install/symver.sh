#!/bin/sh
# Interposed names stay unversioned in the shim, so a versioned reference to glibc's
# symbol still reaches the wrapper.   usage: symver.sh SYMVER_BINARY LIBTHREADSTOP
# Under a cross build TS_TEST_WRAPPER is the emulator; the preload goes to the emulated
# program (-E), not to the emulator.
set -u
bin=$1 lib=$2
echo "1..2"
# readelf reads any ELF machine (objdump and nm only their own)
ref=$(readelf --dyn-syms -W "$bin" | grep -oE 'pthread_cond_wait@GLIBC_[0-9.]+' | head -1)
case $ref in
pthread_cond_wait@GLIBC_2.3.2 | pthread_cond_wait@GLIBC_2.17)
	echo "ok 1 - the target references $ref" ;;
*)
	echo "not ok 1 - the target does not reference a versioned pthread_cond_wait ($ref)"
	readelf --dyn-syms -W "$bin" | grep pthread_cond | sed 's/^/# /' ;;
esac
preload="${THREADSTOP_TEST_PRELOAD_FIRST:+$THREADSTOP_TEST_PRELOAD_FIRST }$lib"
if [ -n "${TS_TEST_WRAPPER:-}" ]; then
	out=$($TS_TEST_WRAPPER -E "LD_PRELOAD=$preload" "$bin" 2>&1)
else
	out=$(LD_PRELOAD="$preload" "$bin" 2>&1)
fi
st=$?
if [ $st = 0 ]; then
	echo "ok 2 - under the shim, $out"
else
	echo "not ok 2 - under the shim, exit status $st (142: the wait never ended): $out"
	exit 1
fi
