# The socket follows the process: a forked child serves its own, an exec'd image replaces
# the old one for the same pid, and `ps` lists live ones and removes stale ones.
. "$(dirname "$0")/lib.sh"

# exec: same pid, new image, new socket.
"$T" run -- sh -c 'sleep 0.3; exec sleep 1000' >"$WORK/exec.out" 2>"$WORK/exec.err" &
E=$!; PIDS+=($E)
wait_socket $E
wait_list $E "^ *$E +sleep +blocked +(clock_)?nanosleep +timeout=1000000 "

# fork without exec: the child has its own listener and socket.
"$T" run -- $PY -u -c '
import os, time
p = os.fork()
print("child %d" % p if p else "in child", flush=True)
time.sleep(1000)' >"$WORK/fork.out" 2>"$WORK/fork.err" &
F=$!; PIDS+=($F)
wait_grep "$WORK/fork.out" "^child [0-9]"
C=$(awk '/^child/ { print $2 }' "$WORK/fork.out"); PIDS+=($C)
wait_socket $F
wait_socket $C
wait_list $C "^ *$C +python3 +blocked +clock_nanosleep "
[ "$("$T" list $C | grep -c '^ *[0-9]')" = 1 ] || fail "the child lists threads it does not have"
[ "$(cat /proc/$C/task/*/comm | grep -c "^threadstop$")" = 1 ] || fail "the child has no listener thread"
"$T" ps >"$WORK/ps.out" 2>&1 || fail "ps exited $?"
for p in $E $F $C; do grep -Eq "^ *$p +1 +1 +0 " "$WORK/ps.out" || fail "ps does not show $p"; done
"$T" stop $C all --wait=15 >"$WORK/stop.out" 2>&1 || fail "stop child exited $?"
wait_grep "$WORK/fork.err" "Operation canceled"
wait_for 20 test ! -e "$THREADSTOP_DIR/$C.sock" || fail "the child's socket outlived it"
list_has $F "^ *$F +python3 +blocked +clock_nanosleep " || fail "the parent was hit by the child's stop"

# A stale socket of a dead pid is removed by ps.
true & D=$!; wait $D
$PY -c 'import socket, sys; s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' "$THREADSTOP_DIR/$D.sock"
"$T" ps >/dev/null 2>&1 || fail "ps exited $?"
[ -e "$THREADSTOP_DIR/$D.sock" ] && fail "ps left a stale socket"
[ -S "$THREADSTOP_DIR/$F.sock" ] || fail "ps removed a live socket"
echo "ok 1 - exec replaced, fork child served, stale removed"
