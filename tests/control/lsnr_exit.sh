# The process ends when its last program thread does, as without the shim, whatever the
# listener: main calling pthread_exit while a worker finishes later exits 0; --force on
# the only thread of `sleep 1000` ends the process (no zombie); SIGTERM ends it at every
# moment of its life.
. "$(dirname "$0")/lib.sh"
for mode in raw thread; do
	export THREADSTOP_LISTENER=$mode
	"$T" run -- "$LSNR" pexit >"$WORK/pexit.out" 2>&1 &
	P=$!; PIDS+=($P)
	wait_exit $P
	[ $STATUS = 0 ] || fail "$mode: pthread_exit in main, then the worker: exit $STATUS"
	grep -q "worker done" "$WORK/pexit.out" || fail "$mode: the worker did not finish"

	"$T" run -- sleep 1000 >"$WORK/sleep.out" 2>&1 &
	P=$!; PIDS+=($P)
	wait_list $P "^ *$P +sleep +blocked "
	"$T" stop $P $P --force >"$WORK/stop.out" 2>&1 || fail "$mode: force exited $?"
	wait_exit $P
	[ $STATUS = 0 ] || fail "$mode: forced out of its only thread, sleep exited $STATUS"

	for d in 0 0.01 0.03 0.1 0.3; do
		"$T" run -- sleep 1000 >/dev/null 2>&1 &
		P=$!; PIDS+=($P)
		# (a signal that reaches the forked shell before its exec would run this
		# script's EXIT trap there: it is the program's life that is measured)
		wait_for 20 execed $P || fail "$mode: the job never exec'd"
		sleep $d
		kill -TERM $P
		wait_exit $P
		[ $STATUS = 143 ] || fail "$mode: SIGTERM after ${d}s: status $STATUS"
	done
done
echo "ok 1 - pthread_exit, force on the only thread, SIGTERM: the process ends as without the shim"
