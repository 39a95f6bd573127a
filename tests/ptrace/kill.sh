# The CLI killed while it holds a thread stopped (a test hook holds it): the kernel
# detaches the thread, whose call goes on as if nothing happened; the process's other
# thread never stopped.  A second tracer is refused meanwhile.
. "$(dirname "$0")/lib.sh"
plan 4
MODE=read
# held SIGNAL WHO: hold the blocked thread, check, kill WHO (cli or tracer) with SIGNAL.
held() {
	local sig=$1 who=$2 c tr t1 t2
	start read
	wait_list $P "^ *$BT +blocked +blocked +read +fd=3 "
	# (a background job of a script starts with SIGINT ignored: give it the default back)
	THREADSTOP_TEST_PTRACE_HOLD=60 env --default-signal=INT "$T" stop --ptrace $P blocked \
		>"$WORK/hold.out" 2>"$WORK/hold.err" &
	c=$!; PIDS+=($c)
	wait_grep "$WORK/hold.err" "holding $BT stopped"
	tr=$(sed -n 's/^TracerPid:\t//p' /proc/$P/task/$BT/status)
	[ "$tr" != 0 ] || fail "not traced while held"
	grep -q "^State:.t" /proc/$P/task/$BT/status || fail "not stopped while held"
	t1=$(ticks); t2=$(ticks_past "$t1")
	[ "$t2" -gt "$t1" ] || fail "the ticker stopped while the blocked thread was held"
	grep -q "^TracerPid:.0$" /proc/$P/task/$(tid_of $P ticker)/status || fail "the ticker was traced"
	if [ $who = cli ]; then kill -$sig $c; else kill -$sig $tr; fi
	wait_for 20 grep -q "^TracerPid:.0$" /proc/$P/task/$BT/status || fail "still traced after the $who got SIG$sig"
	wait_for 20 grep -q "^State:.S" /proc/$P/task/$BT/status || fail "not asleep again after the $who got SIG$sig"
	wait_list $P "^ *$BT +blocked +blocked +read +fd=3 "
	echo "write hello" >&7
	wait_grep "$WORK/read.out" "^read: returned 6"
	wait_for 20 gone $c || fail "the CLI did not end"
	kill $P; exec 7>&-
}
held KILL cli
ok "CLI SIGKILLed while holding: detached (TracerPid 0), the read went on and got its data; the ticker ran"
held TERM cli
ok "CLI SIGTERMed while holding: the same"
held INT cli
ok "CLI SIGINTed while holding: the same"
start read
wait_list $P "^ *$BT +blocked +blocked +read +fd=3 "
THREADSTOP_TEST_PTRACE_HOLD=60 "$T" stop --ptrace $P blocked >"$WORK/hold.out" 2>"$WORK/hold.err" &
c=$!; PIDS+=($c)
wait_grep "$WORK/hold.err" "holding $BT stopped"
"$T" stop --ptrace $P blocked >"$WORK/second.out" 2>&1; rc=$?
[ $rc = 3 ] || fail "a second tracer exited $rc"
grep -q "not stopped $BT blocked: already traced by pid [0-9]* (threadstop)" "$WORK/second.out" || fail "no 'already traced' reason"
kill -KILL $(sed -n 's/^TracerPid:\t//p' /proc/$P/task/$BT/status)
wait "$c"; rc=$?
[ $rc = 1 ] || fail "the CLI whose tracer died exited $rc"
grep -q "the tracer died (Killed); the thread was detached" "$WORK/hold.err" || fail "the CLI did not say its tracer died"
grep -q "^TracerPid:.0$" /proc/$P/task/$BT/status || fail "still traced"
echo "write hello" >&7
wait_grep "$WORK/read.out" "^read: returned 6"
ok "a second tracer is refused (already traced); the tracer killed: detached, reported, the read goes on"
