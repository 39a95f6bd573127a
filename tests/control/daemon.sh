# Daemons that close every descriptor (closefrom, close_range, a close loop) or dup2 over
# them keep a working control socket: the listener's descriptors are in a table of its
# own, which nothing the daemon does reaches, and their thread is stopped through the CLI.
. "$(dirname "$0")/lib.sh"
if [ -n "${THREADSTOP_TEST_PRELOAD_FIRST:-}" ]; then
	# Under ASan the daemon's grandchild (forked from threads) blocks for good on ASan's
	# allocator lock, inherited held, as soon as it makes a thread: seen with gdb.
	echo "ok 1 # SKIP sanitized build: gcc 12's ASan runtime is not fork-safe in threaded programs"
	exit 0
fi
for mode in closefrom close_range loop dup2; do
	"$T" run -- "$DAEMON" $mode "$WORK/$mode.pid" || fail "$mode: the daemon did not start"
	wait_for 20 test -s "$WORK/$mode.pid" || fail "$mode: no pid file"
	P=$(cat "$WORK/$mode.pid"); PIDS+=($P)
	# The first connection is served.
	$PY - "$(sock $P)" <<'PYEOF' || fail "$mode: the first connection got no greeting"
import socket, sys, time
deadline = time.time() + 10
while True:
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(5)
    try:
        s.connect("\0" + sys.argv[1][1:])
        break
    except (FileNotFoundError, ConnectionRefusedError):
        if time.time() > deadline:
            sys.exit("no socket")
        time.sleep(0.01)
greeting = s.recv(100)
sys.exit(0 if greeting.startswith(b"threadstop ") else "greeting: %r" % greeting)
PYEOF
	wait_list $P "worker +blocked +read +fd="
	"$T" stop $P worker --wait=15 >"$WORK/$mode.out" 2>&1 || fail "$mode: stop exited $?"
	grep -q "^stopped .* worker" "$WORK/$mode.out" || grep -q "exited before it answered" "$WORK/$mode.out" ||
		fail "$mode: stop did not name the worker"
	wait_for 20 gone $P || fail "$mode: the daemon did not end after its worker was stopped"
	echo "# $mode: served, worker stopped"
done
echo "ok 1 - daemons that take every descriptor away stay reachable (closefrom, close_range, loop, dup2)"
