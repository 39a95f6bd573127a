# Shared by the `stop --ptrace` tests: real programs that never loaded the shim, stopped
# from outside (the common helpers are in tests/common/lib.sh).  Each script prints its
# TAP plan with plan N, or skips every test when this user may not ptrace.
set -u
T=${THREADSTOP_CLI:?run me through meson test}
B=${BLOCKER:?run me through meson test}
WORK=$(mktemp -d /tmp/ts-ptrace-test.XXXXXX)
export THREADSTOP_DIR=$WORK/sock
. "$(dirname "${BASH_SOURCE[0]}")/../common/lib.sh"

# plan N: the TAP plan; skip all N (with the reason) where ptrace is not allowed.
plan() {
	echo "1..$1"
	local scope=0 cap i why=
	[ -r /proc/sys/kernel/yama/ptrace_scope ] && scope=$(cat /proc/sys/kernel/yama/ptrace_scope)
	cap=$(( (0x$(sed -n 's/^CapEff:[[:space:]]*//p' /proc/self/status) >> 19) & 1 ))
	if [ "$scope" = 3 ]; then
		why="kernel.yama.ptrace_scope is 3: no process may be traced on this machine"
	elif [ "$scope" -ge 1 ] && [ "$cap" = 0 ]; then
		why="kernel.yama.ptrace_scope is $scope and this user lacks CAP_SYS_PTRACE: threadstop cannot trace a sibling"
	fi
	if [ -n "$why" ]; then
		for i in $(seq "$1"); do echo "ok $i # SKIP $why"; done
		exit 0
	fi
}
ok() { N=$((N + 1)); echo "ok $N - $*"; }
# tid_of PID NAME: the thread of PID with that name.
tid_of() { grep -lx "$2" /proc/"$1"/task/*/comm 2>/dev/null | head -1 | cut -d/ -f5; }
has_tid() { [ -n "$(tid_of "$1" "$2")" ]; }

# start MODE [then]: the blocker, its stdin on fd 7 (a FIFO), its output in $WORK/MODE.out;
# sets P (pid) and BT (the tid of its "blocked" thread) once BT is in CALL ($CALL_RE).
start() {
	local m=$1; shift
	rm -f "$WORK/in"; mkfifo "$WORK/in"
	"$B" "$m" "$@" <"$WORK/in" >"$WORK/$m.out" 2>&1 &
	P=$!; PIDS+=($P)
	exec 7>"$WORK/in"
	wait_for 20 has_tid $P blocked || fail "$m: no blocked thread"
	BT=$(tid_of $P blocked)
}
more_ticks() { [ "$(grep -c '^ticks ' "$WORK/$MODE.out")" -gt "$1" ]; }
# ticks: the ticker thread's count, asked through stdin.
ticks() {
	local before; before=$(grep -c '^ticks ' "$WORK/$MODE.out")
	echo tick >&7
	wait_for 20 more_ticks "$before" || fail "$MODE: no answer to tick"
	grep '^ticks ' "$WORK/$MODE.out" | tail -1 | cut -d' ' -f2
}
# ticks_past N: the ticker's count once it is past N, asking again for up to 20 s (on a
# loaded machine the ticker may not have run between two quick questions); empty if never.
ticks_past() {
	local n=0 t
	while [ $n -lt 100 ]; do
		t=$(ticks)
		[ "$t" -gt "$1" ] && { echo "$t"; return 0; }
		sleep 0.2; n=$((n + 1))
	done
	echo "$t"
}
