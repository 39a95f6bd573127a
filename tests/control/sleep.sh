# `sleep 1000` under threadstop run, stopped through the CLI, ends promptly.
. "$(dirname "$0")/lib.sh"
"$T" run -- sleep 1000 >"$WORK/sleep.out" 2>"$WORK/sleep.err" &
P=$!; PIDS+=($P)
wait_socket $P
wait_list $P "^ *$P +sleep +blocked +(clock_)?nanosleep +timeout=1000000 "
"$T" stop $P sleep --wait=15 >"$WORK/stop.out" 2>&1 || fail "stop exited $?"
if ! grep -q "^pid $P exited before it answered" "$WORK/stop.out"; then # the one allowed race
	grep -q "^stopped $P sleep (in .*nanosleep" "$WORK/stop.out" || fail "stop did not name the thread"
	grep -Eq "^$P sleep: (left|exited)" "$WORK/stop.out" || fail "--wait did not report the outcome"
fi
wait_exit $P
[ $STATUS -ge 1 ] && [ $STATUS -lt 128 ] || fail "sleep ended with status $STATUS (expected an error exit, not a signal)"
grep -q "Operation canceled" "$WORK/sleep.err" || fail "sleep did not report ECANCELED"
wait_for 5 eval '! listening $P' || fail "the socket outlived the process"
echo "ok 1 - sleep stopped, status $STATUS: $(cat "$WORK/sleep.err")"
