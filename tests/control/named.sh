# Named threads blocked in accept, recv, poll and pthread_cond_wait: each stop, by name,
# glob, tid or through thread_stop(), ends the selected thread only; the others serve on.
. "$(dirname "$0")/lib.sh"
NT=${TS_NT_OVERRIDE:-${NAMED_THREADS:?}}  # override: a sanitizer build tests its CLI on a plain target
S=$WORK/acceptor.sock
mkfifo "$WORK/in"
"$T" run -- "$NT" "$S" <"$WORK/in" >"$WORK/nt.out" 2>"$WORK/nt.err" &
P=$!; PIDS+=($P)
exec 3>"$WORK/in"
O=$WORK/nt.out
wait_grep "$O" "^ready"
wait_socket $P
wait_list $P "^ *[0-9]+ +acceptor +blocked +accept +fd=[0-9]+ "
wait_list $P "^ *[0-9]+ +reader +blocked +recv +fd=[0-9]+ "
wait_list $P "^ *[0-9]+ +poller +blocked +poll +timeout=none "
wait_list $P "^ *[0-9]+ +waiter +blocked +pthread_cond_wait +timeout=none "
"$T" list $P --json | $PY -c '
import json, sys
d = json.load(sys.stdin)
names = sorted(t["name"] for t in d["threads"])
assert names == ["acceptor", "named_threads", "poller", "reader", "waiter"], names
assert all(t["name"] != "threadstop" for t in d["threads"])
' || fail "list --json"
[ "$(cat /proc/$P/task/*/comm | grep -c "^threadstop$")" = 1 ] || fail "no thread named threadstop in /proc/$P/task"

connect() { $PY -c 'import socket, sys
s = socket.socket(socket.AF_UNIX); s.settimeout(10); s.connect(sys.argv[1]); print(s.recv(16).decode().strip())' "$S"; }

# Everyone serves.
echo reader >&3; wait_grep "$O" "^reader: got 1 bytes"
[ "$(connect)" = hello ] || fail "acceptor did not answer"

# Stop the reader by exact name: only it ends.
"$T" stop $P reader --wait=15 >"$WORK/stop1.out" 2>&1 || fail "stop reader exited $?"
wait_grep "$O" "^reader: recv: Operation canceled"
wait_grep "$O" "^reader: exit"
grep -Eq "reader: (exited|left recv with ECANCELED after)" "$WORK/stop1.out" || fail "--wait did not say the reader left recv"
list_has $P " reader " && fail "reader still listed"
for n in acceptor poller waiter; do list_has $P " $n +blocked " || fail "$n no longer blocked after stopping reader"; done
[ "$(connect)" = hello ] || fail "acceptor stopped serving after the reader's stop"
wait_grep "$O" "^acceptor: accepted"
echo poller >&3; wait_grep "$O" "^poller: readable"
echo waiter >&3; wait_grep "$O" "^waiter: woken"
grep -q "acceptor: accept:" "$O" && fail "acceptor was hit"

# The condition wait, by exact name.
"$T" stop $P waiter --wait=15 >"$WORK/stop2.out" 2>&1 || fail "stop waiter exited $?"
wait_grep "$O" "^waiter: pthread_cond_wait: Operation canceled"
list_has $P " acceptor +blocked " || fail "acceptor hit by the waiter's stop"

# The poller by glob, forced: it exits without returning from poll.
"$T" stop $P 'p*ll*r' --force --wait=15 >"$WORK/stop3.out" 2>&1 || fail "stop poller exited $?"
grep -q "^force-stopped [0-9]* poller (in poll timeout=none)" "$WORK/stop3.out" || fail "force stop not reported"
wait_for 20 eval '! list_has $P " poller "' || fail "forced poller still listed"
grep -q "^poller: poll" "$O" && fail "a forced stop returned from poll"

# Nothing matched: an error, exit 1, nothing touched.
"$T" stop $P nosuch 'zz*' >"$WORK/stop4.out" 2>&1; rc=$?
[ $rc = 1 ] || fail "stop of nothing exited $rc"
grep -q "no thread of pid $P matches 'nosuch'" "$WORK/stop4.out" || fail "no message for an unmatched selector"
list_has $P " acceptor +blocked " || fail "acceptor hit by a stop that matched nothing"

# The acceptor by tid.
TID=$("$T" list $P | awk '$2 == "acceptor" { print $1 }')
[ -n "$TID" ] || fail "no acceptor tid"
"$T" stop $P "$TID" --wait=15 >"$WORK/stop5.out" 2>&1 || fail "stop by tid exited $?"
wait_grep "$O" "^acceptor: accept: Operation canceled"

# thread_stop() from inside the process: no match, then the main thread itself.
echo "selfstop nosuch" >&3; wait_grep "$O" "^selfstop: -1 ESRCH"
echo "selfstop named_threads" >&3; wait_grep "$O" "^selfstop: 1 ok"
wait_exit $P
[ $STATUS = 0 ] || fail "target exited $STATUS"
grep -q "^main: read: Operation canceled" "$O" || fail "main did not end by its stopped read"
echo "ok 1 - each named thread stopped alone"
