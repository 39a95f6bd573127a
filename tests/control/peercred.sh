# Only the same uid (or root) is served.  The socket is an abstract name, which anyone
# may connect to: SO_PEERCRED is what refuses.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" = 0 ] || { echo "skip: needs root to act as another user"; exit 77; }
command -v setpriv >/dev/null || { echo "skip: no setpriv"; exit 77; }
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
as_nobody test -x "$T" || { echo "skip: nobody cannot execute $T"; exit 77; }
"$T" run -- sleep 1000 >"$WORK/sleep.out" 2>"$WORK/sleep.err" &
P=$!; PIDS+=($P)
wait_socket $P
SOCK=$(sock $P)

# The CLI does not even try another user's process, and says why.
as_nobody "$T" list $P >"$WORK/n1.out" 2>&1; rc=$?
[ $rc = 3 ] || fail "nobody reached another user's process (exit $rc)"
grep -q "pid $P is owned by uid 0: run as that user or root" "$WORK/n1.out" || fail "another user's process not explained"

# The C API says the same: EACCES, as include/threadstop.h documents (not ENOENT).
capi() { # capi PID: thread_stop(PID, "all", 0) from a program of nobody's under the shim
	as_nobody env LD_PRELOAD="$THREADSTOP_LIB" $PY -c '
import ctypes, errno, sys
lib = ctypes.CDLL(None, use_errno=True)
r = lib.thread_stop(int(sys.argv[1]), b"all", 0)
print(r, errno.errorcode.get(ctypes.get_errno(), ctypes.get_errno()) if r < 0 else "ok")
' "$1" 2>&1
}
as_nobody test -r "$THREADSTOP_LIB" || { echo "skip: nobody cannot read $THREADSTOP_LIB"; exit 77; }
r=$(capi $P); [ "$r" = "-1 EACCES" ] || fail "thread_stop on another user's process: '$r', not -1 EACCES"

# A raw connection is made, and refused by the peer check, with no effect.
as_nobody "$T" list $P >"$WORK/n2.out" 2>&1; rc=$?
[ $rc = 3 ] || fail "nobody was served (exit $rc)"
grep -q "owned by uid 0: run as that user or root" "$WORK/n2.out" || fail "refusal not explained"
as_nobody "$T" stop $P all >"$WORK/n3.out" 2>&1; rc=$?
[ $rc = 3 ] || fail "nobody's stop was not refused (exit $rc)"
as_nobody $PY -c '
import socket, sys
s = socket.socket(socket.AF_UNIX); s.settimeout(10); s.connect("\0" + sys.argv[1][1:])
try:
    s.sendall(b"stop all\n")
    r = s.recv(100)
except (ConnectionResetError, BrokenPipeError):
    r = b""
assert r == b"", "a refused peer got an answer: %r" % r
' "$SOCK" || fail "raw refused client"
r=$(capi $P); [ "$r" = "-1 EACCES" ] || fail "thread_stop through an open socket: '$r', not -1 EACCES"
list_has $P "^ *$P +sleep +blocked " || fail "a refused client had an effect"
gone $P && fail "the target died"
# root is served.
"$T" stop $P all >"$WORK/root.out" 2>&1 || fail "root was not served"
wait_exit $P
echo "ok 1 - other uid refused, by the CLI and thread_stop() (EACCES); root served"
