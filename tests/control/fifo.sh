# `cat` reading a FIFO whose writer never writes: stopped through the CLI, it ends.
. "$(dirname "$0")/lib.sh"
mkfifo "$WORK/fifo"
sleep 1000 >"$WORK/fifo" &
W=$!; PIDS+=($W)
"$T" run -- cat "$WORK/fifo" >"$WORK/cat.out" 2>"$WORK/cat.err" &
C=$!; PIDS+=($C)
wait_socket $C
wait_list $C "^ *$C +cat +blocked +read +fd=3 "
"$T" stop $C cat --wait=15 >"$WORK/stop.out" 2>&1 || fail "stop exited $?"
grep -Eq "^(stopped $C cat|pid $C exited before it answered)" "$WORK/stop.out" || fail "stop did not report"
wait_exit $C
[ $STATUS -eq 1 ] || fail "cat ended with status $STATUS"
grep -q "Operation canceled" "$WORK/cat.err" || fail "cat did not report ECANCELED"
kill -0 $W 2>/dev/null || fail "the writer died with cat"
echo "ok 1 - cat stopped: $(cat "$WORK/cat.err")"
