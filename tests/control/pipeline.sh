# A client may send its requests with the connection, before it reads the greeting (the
# CLI does: one round trip instead of two).  The listener greets first, then answers each
# in order; a client that reads the greeting first is served as before.
. "$(dirname "$0")/lib.sh"
"$T" run -- sleep 1000 >"$WORK/t.out" 2>"$WORK/t.err" &
P=$!; PIDS+=($P)
wait_socket $P
wait_for 20 list_has $P "^ *$P +sleep +blocked " || fail "sleep never blocked"
$PY - "$(sock $P)" "$P" >"$WORK/py.out" 2>&1 <<'PYEOF' || fail "pipelined requests"
import socket, sys
path, pid = "\0" + sys.argv[1][1:], sys.argv[2]

def lines(s, n):
    b = b""
    while b.count(b"\n") < n:
        c = s.recv(4096)
        assert c, "closed after %r" % b
        b += c
    return b.decode().splitlines()

# Two requests in the first write, sent before anything is read.
s = socket.socket(socket.AF_UNIX); s.settimeout(20); s.connect(path)
s.sendall(b"version\nlist\n")
got = lines(s, 2)
assert got[0] == "threadstop 1 " + pid, got
assert got[1].startswith("ok threadstop "), got
rest = got[2:]
while not rest or not rest[-1].startswith("ok "):
    rest += lines(s, 1)
assert any(l.startswith("thread ") and l.endswith(" sleep") for l in rest), rest
s.close()

# A request in two pieces, the first before the greeting is read.
s = socket.socket(socket.AF_UNIX); s.settimeout(20); s.connect(path)
s.sendall(b"ver")
assert lines(s, 1)[0] == "threadstop 1 " + pid
s.sendall(b"sion\n")
assert lines(s, 1)[0].startswith("ok threadstop "), "a split request not answered"
s.close()

# The old order: the greeting, then the request.
s = socket.socket(socket.AF_UNIX); s.settimeout(20); s.connect(path)
assert lines(s, 1)[0] == "threadstop 1 " + pid
s.sendall(b"stop sleep\n")
got = lines(s, 2)
assert got[0].startswith("stopped ") and got[0].endswith(" sleep"), got
assert got[1] == "ok 1", got
print("ok")
PYEOF
wait_exit $P
echo "ok 1 - requests sent before the greeting is read are answered after it, in order; the old order still works"
