# The socket follows the process: a forked child serves its own, an exec'd image replaces
# the old one for the same pid, and `ps` lists live ones.  An impostor holding a
# process's socket name is never taken for it, and the CLI deletes nothing.
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
wait_for 20 eval '! listening $C' || fail "the child's socket outlived it"
list_has $F "^ *$F +python3 +blocked +clock_nanosleep " || fail "the parent was hit by the child's stop"

# An impostor binds the name of a process without the shim: anyone may bind an abstract
# name, so the CLI checks who listens (SO_PEERCRED) and is not fooled.
sleep 1000 & D=$!; PIDS+=($D)
$PY - $D >"$WORK/imp.out" 2>&1 <<'PYEOF' &
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.bind("\0threadstop.%s" % sys.argv[1])
s.listen(8)
print("ready", flush=True)
while True:
    c, _ = s.accept()
    c.sendall(b"threadstop 1 %s\n" % sys.argv[1].encode())
PYEOF
I=$!; PIDS+=($I)
wait_grep "$WORK/imp.out" ready
"$T" list $D >"$WORK/imp.list" 2>&1 # (without the shim, list reads /proc)
grep -q "no shim" "$WORK/imp.list" || fail "the CLI took the impostor for the process: $(cat "$WORK/imp.list")"
"$T" stop $D all >"$WORK/imp.stop" 2>&1 && fail "the CLI stopped through an impostor"
grep -q "runs without the shim" "$WORK/imp.stop" || fail "impostor stop: $(cat "$WORK/imp.stop")"
"$T" ps >"$WORK/ps2.out" 2>&1 || fail "ps exited $?"
grep -Eq "^ *$D " "$WORK/ps2.out" && fail "ps listed the impostor's name"
grep -Eq "^ *$F +1 +1 +0 " "$WORK/ps2.out" || fail "ps lost a live process"
# Files the CLI once looked at, behind a symlink of another's making: never touched.
mkdir -p "$WORK/victim" "$WORK/xdg"
ln -s "$WORK/victim" "$WORK/xdg/threadstop"
true & G=$!; wait $G
$PY -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$WORK/victim/$G.sock"
XDG_RUNTIME_DIR=$WORK/xdg THREADSTOP_DIR=$WORK/xdg/threadstop "$T" list $G >/dev/null 2>&1
XDG_RUNTIME_DIR=$WORK/xdg THREADSTOP_DIR=$WORK/xdg/threadstop "$T" ps >/dev/null 2>&1
[ -S "$WORK/victim/$G.sock" ] || fail "the CLI deleted a file through a symlink"
echo "ok 1 - exec replaced, fork child served, impostor refused, nothing deleted"
