"""Hostile and broken clients against one control socket: silence, garbage, a megabyte
without a newline, more clients than slots.  Meanwhile the CLI must still be served.
usage: abuse.py SOCKET CLI PID"""
import socket, subprocess, sys, time

path, cli, pid = sys.argv[1], sys.argv[2], sys.argv[3]
if path.startswith("@"):  # an abstract socket
    path = "\0" + path[1:]


def conn():
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(20)
    s.connect(path)
    return s


def line(s):
    b = b""
    while not b.endswith(b"\n"):
        try:
            c = s.recv(1)
        except ConnectionResetError:  # closed by the server with our input unread
            break
        if not c:
            break
        b += c
    return b.decode(errors="replace")


def served():
    r = subprocess.run([cli, "list", pid], capture_output=True, timeout=20, text=True)
    assert r.returncode == 0, ("list failed while abused", r.returncode, r.stderr)
    assert "TID" in r.stdout, r.stdout


silent = conn()
assert line(silent).startswith("threadstop 1 "), "no greeting"
t0 = time.monotonic()

garbage = conn()
line(garbage)
garbage.sendall(b"\x00\xff\x01garbage \x7f\n")
r = line(garbage)
assert r.startswith("err "), r
garbage.sendall(b"stop\n")
assert line(garbage).startswith("err syntax"), "bad stop accepted"
garbage.sendall(b"frobnicate\n")
assert line(garbage).startswith("err unknown"), "unknown command not answered"
garbage.sendall(b"version\n")
assert line(garbage).startswith("ok threadstop"), "not served after errors"
served()

big = conn()
line(big)
try:
    big.sendall(b"x" * (1 << 20))
except (BrokenPipeError, ConnectionResetError):
    pass
r = line(big)
assert r.startswith("err toolong"), r
assert line(big) == "", "still open after an overlong line"
served()

# Fill every slot and more: every new client is greeted, and the one idle longest is
# evicted for it, told so; an operator is served at once with every slot held.
many = []
for i in range(24):
    s = conn()
    g = line(s)
    assert g.startswith("threadstop"), g
    many.append(s)
served()
busy = 0
for s in many:
    s.settimeout(0.5)
    try:
        r = s.recv(200).decode()
    except socket.timeout:
        r = ""
    s.settimeout(30)
    if r.startswith("err busy evicted"):
        busy += 1
assert busy > 0, "no idle client was evicted for the new ones"
for s in many:
    s.close()
served()

# The silent one is timed out, or was evicted (generous bound: only catches "never").
r = line(silent)
assert r.startswith("err timeout") or r.startswith("err busy evicted") or r == "", r
assert line(silent) == "", "idle client not closed"
assert time.monotonic() - t0 < 60
served()
print("ok: silent client closed after %.1fs, garbage answered, overlong refused, %d evicted when full" % (time.monotonic() - t0, busy))
