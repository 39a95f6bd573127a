# `sleep 1000` and `cat FIFO`, system binaries never started with the shim, stopped with
# --ptrace: each exits with "Operation canceled".
. "$(dirname "$0")/lib.sh"
plan 2
sleep 1000 2>"$WORK/sleep.err" &
S=$!; PIDS+=($S)
wait_list $S "^ *$S +sleep +blocked +clock_nanosleep +timeout=1000000 "
"$T" stop --ptrace $S 'call:clock_nano*' --wait=15 >"$WORK/stop.out" 2>&1 || fail "stop sleep exited $?"
grep -q "^stopped $S sleep (in clock_nanosleep timeout=1000000) with ptrace" "$WORK/stop.out" || fail "stop did not name sleep"
grep -Eq "^$S sleep: (exited|left clock_nanosleep)" "$WORK/stop.out" || fail "--wait did not see sleep leave its call"
wait_exit $S
[ $STATUS = 1 ] || fail "sleep ended with status $STATUS"
grep -q "Operation canceled" "$WORK/sleep.err" || fail "sleep did not report ECANCELED"
ok "sleep: $(cat "$WORK/sleep.err")"

mkfifo "$WORK/fifo"
sleep 1000 >"$WORK/fifo" &
W=$!; PIDS+=($W)
cat "$WORK/fifo" >"$WORK/cat.out" 2>"$WORK/cat.err" &
C=$!; PIDS+=($C)
wait_list $C "^ *$C +cat +blocked +read +fd=3 "
"$T" stop --ptrace $C cat >"$WORK/stop.out" 2>&1 || fail "stop cat exited $?"
grep -q "^stopped $C cat (in read fd=3) with ptrace" "$WORK/stop.out" || fail "stop did not name cat"
wait_exit $C
[ $STATUS = 1 ] || fail "cat ended with status $STATUS"
grep -q "Operation canceled" "$WORK/cat.err" || fail "cat did not report ECANCELED"
kill -0 $W 2>/dev/null || fail "the writer died with cat"
ok "cat: $(cat "$WORK/cat.err")"
