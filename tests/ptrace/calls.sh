# Each blocking call, in a program that never loaded the shim, stopped with --ptrace:
# the program sees ECANCELED, its other thread runs on, and the process still works.
. "$(dirname "$0")/lib.sh"
plan 7
for c in "read read fd=3" "accept accept fd=[0-9]+" "poll poll timeout=none" \
	"poll-timeout poll timeout=1000000" "nanosleep clock_nanosleep timeout=1000000" \
	"epoll epoll_wait timeout=none" "select pselect6 timeout=none"; do
	set -- $c
	MODE=$1 CALL=$2 ARG=$3
	start $MODE then
	wait_list $P "^ *$BT +blocked +blocked +$CALL +$ARG "
	t1=$(ticks)
	"$T" stop --ptrace $P blocked >"$WORK/stop.out" 2>"$WORK/stop.err" || fail "$MODE: stop --ptrace exited $?"
	grep -Eq "^stopped $BT blocked \(in $CALL $ARG\) with ptrace" "$WORK/stop.out" || fail "$MODE: stop did not report"
	wait_grep "$WORK/$MODE.out" "^$MODE: failed: Operation canceled (errno 125)"
	grep -q "^TracerPid:.0$" /proc/$P/task/$BT/status || fail "$MODE: still traced"
	t2=$(ticks_past "$t1")
	[ "$t2" -gt "$t1" ] || fail "$MODE: the ticker thread stopped ($t1 then $t2)"
	echo "write hello" >&7
	wait_grep "$WORK/$MODE.out" "^$MODE: then read hello"
	grep "failed" "$WORK/$MODE.out" | grep -qv "^$MODE: failed: Operation canceled" && fail "$MODE: another failure"
	ok "$MODE: $CALL returned ECANCELED to the program; the ticker ran on ($t1 -> $t2); it reads on"
	kill $P; exec 7>&-
done
