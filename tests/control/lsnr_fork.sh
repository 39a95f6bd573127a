# Fork children: one that lives on blocked in accept (a pre-fork worker) and one that
# computes without a single call are listed and stopped through the CLI; children that
# _exit at once leave nothing behind.
. "$(dirname "$0")/lib.sh"
"$T" run -- "$LSNR" forkworker >"$WORK/fw.out" 2>"$WORK/fw.err" &
P=$!; PIDS+=($P)
wait_grep "$WORK/fw.out" "^child "
C=$(awk '/^child/ { print $2 }' "$WORK/fw.out"); PIDS+=($C)
wait_list $C "^ *$C +lsnr +blocked +accept +fd="
"$T" stop $C call:accept >"$WORK/stop.out" 2>&1 || fail "stop of the worker exited $?"
wait_exit $P
[ $STATUS = 3 ] || fail "the worker's accept did not fail with ECANCELED (parent exited $STATUS)"

# A sanitized build's listener is the pthread fallback, which a fork child cannot start
# from its timer's signal handler: there a computing child is reached at its first
# interposed call only, so this case is the raw listener's.
if [ -z "${THREADSTOP_TEST_PRELOAD_FIRST:-}" ]; then
	"$T" run -- "$LSNR" forkspin >"$WORK/fs.out" 2>"$WORK/fs.err" &
	P=$!; PIDS+=($P)
	wait_grep "$WORK/fs.out" "^child "
	C=$(awk '/^child/ { print $2 }' "$WORK/fs.out"); PIDS+=($C)
	wait_list $C "^ *$C +lsnr +running "
	kill $C
	wait_exit $P
fi

"$T" run -- "$LSNR" forkexit 300 >"$WORK/fe.out" 2>&1 || fail "forkexit failed"
grep -q done "$WORK/fe.out" || fail "forkexit did not finish"
# Nothing anywhere: no file (the sockets are abstract), and no name of a dead process.
dead=$(grep -o '@threadstop\.[0-9]*' /proc/net/unix | cut -d. -f2 | while read -r p; do [ -d /proc/$p ] || echo $p; done)
[ -z "$dead" ] || fail "names of dead processes still listening: $dead"
# SIGKILL leaves nothing either.
"$T" run -- sleep 1000 >/dev/null 2>&1 &
P=$!
wait_socket $P
grep -q "/$P\.sock\$" /proc/net/unix && fail "the socket of $P has a file"
kill -KILL $P; wait $P 2>/dev/null
wait_for 5 eval '! listening $P' || fail "a SIGKILLed process's socket is still there"
echo "ok 1 - pre-fork worker stopped, computing child listed, 300 fork+_exit and a SIGKILL left nothing"
