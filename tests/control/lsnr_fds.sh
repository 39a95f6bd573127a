# The listener's descriptors are not the program's: a program that lists its descriptors,
# takes the lowest free ones and counts how many it may still open sees the same with
# and without the shim, also under a low RLIMIT_NOFILE.
. "$(dirname "$0")/lib.sh"
for lim in $(ulimit -n) 16 8; do
	( ulimit -n $lim; "$LSNR" fds ) >"$WORK/plain.out" 2>&1 || fail "plain run failed (limit $lim)"
	( ulimit -n $lim; "$T" run -- "$LSNR" fds ) >"$WORK/shim.out" 2>&1 || fail "shim run failed (limit $lim)"
	cmp -s "$WORK/plain.out" "$WORK/shim.out" ||
		fail "limit $lim: the program sees other descriptors under the shim: $(diff "$WORK/plain.out" "$WORK/shim.out" | tr '\n' ' ')"
done
for mode in thread; do
	( ulimit -n 16; THREADSTOP_LISTENER=$mode "$T" run -- "$LSNR" fds ) >"$WORK/shim.out" 2>&1 || fail "$mode run failed"
	( ulimit -n 16; "$LSNR" fds ) >"$WORK/plain.out" 2>&1
	cmp -s "$WORK/plain.out" "$WORK/shim.out" || fail "fallback listener: the program sees other descriptors"
done
echo "ok 1 - same descriptors with and without the shim: $(head -n1 "$WORK/plain.out"), $(tail -n1 "$WORK/plain.out")"
