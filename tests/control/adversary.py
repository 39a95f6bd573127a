"""The CLI against hostile peers, and hostile input through the real server.

A fake peer (this script with --serve MODE) binds the abstract name threadstop.<its pid>,
so the real CLI takes it for a process with the shim (SO_PEERCRED names the right pid) and must
still bound, escape and reject what it sends.  The real server is then fed thread names
built to break a terminal or a JSON document, and crowded with idle connections.
TAP output, one line per case.  Time bounds here only catch hangs ("never ends")."""
import json, os, shutil, socket, subprocess, sys, tempfile, threading, time

CLI = os.environ.get("THREADSTOP_CLI")
LIB = os.environ.get("TS_BUILD_LIB")
PY = sys.executable

# A valid thread line whose fields are chosen by the caller (wire form: no spaces).
def tline(kind, tid, state="blocked", call="read", arg="fd=0", name="x"):
    return ("%s %d %s %s %s 1 - %s\n" % (kind, tid, state, call, arg, name)).encode("latin-1")


def serve(mode, directory):
    srv = socket.socket(socket.AF_UNIX)
    srv.bind("\0threadstop.%d" % os.getpid())
    srv.listen(64)
    print("ready", flush=True)

    def client(c):
        try:
            if mode == "silent":
                time.sleep(3600)
            c.sendall(b"threadstop 1 %d\n" % os.getpid())
            c.recv(4096)
            if mode == "flood":
                chunk = b"".join(tline("thread", 1000 + i) for i in range(1000))
                while True:
                    c.sendall(chunk)
            elif mode == "drip":
                i = 0
                while True:
                    c.sendall(tline("thread", 1000 + i))
                    i += 1
                    time.sleep(float(os.environ.get("DRIP", "4")))
            elif mode == "inject":
                # raw control bytes and quotes in fields the server never escapes
                c.sendall(tline("thread", 11, state='"},"e":1,"', call="\x1b]0;pwned\x07",
                                arg="\x1b[2J", name="\\x1b[31mred\\x07"))
                c.sendall(tline("thread", 12, state="\xff\xfe", call="a\x9bb", arg="\\", name="\\xff\\xc3"))
                c.sendall(b"ok 2\n")
            elif mode == "garbage":
                c.sendall(b"\x00\xff\x01garbage \x7f\n")
            elif mode == "bigline":
                c.sendall(b"x" * (1 << 20))
            elif mode == "badcount":
                c.sendall(tline("thread", 11) + b"ok 7\n")
            elif mode == "wrongtype":
                c.sendall(tline("stopped", 11) + b"ok 1\n")
            elif mode == "undelivered":
                c.sendall(tline("stopped", 11, name="ok") + tline("undelivered", 12, name="refused") + b"ok 1\n")
            elif mode == "noneundelivered":
                c.sendall(tline("undelivered", 12, name="refused") + b"err undelivered no stop could be delivered\n")
            elif mode == "stopinject":
                c.sendall(tline("stopped", 11, call="\x1b[2J", name="\\x1b]0;t\\x07") + b"unmatched \\x1b[31m\n")
                c.sendall(b"ok 1\n")
            time.sleep(3600)
        except OSError:
            pass

    while True:
        c, _ = srv.accept()
        threading.Thread(target=client, args=(c,), daemon=True).start()


class Peer:
    def __init__(self, mode, env=None):
        self.p = subprocess.Popen([PY, __file__, "--serve", mode, "-"],
                                  stdout=subprocess.PIPE, env=env)
        assert self.p.stdout.readline() == b"ready\n"
        self.pid = self.p.pid

    def close(self):
        self.p.kill()
        self.p.wait()


def cli(*args, env=None, timeout=60):
    t0 = time.monotonic()
    r = subprocess.run([CLI] + [str(a) for a in args], capture_output=True, timeout=timeout, env=env)
    return r.returncode, r.stdout, r.stderr, time.monotonic() - t0


results = []


def case(name):
    def deco(fn):
        results.append((name, fn))
        return fn
    return deco


def no_controls(b):
    bad = [c for c in b if (c < 0x20 and c != 0x0a) or c == 0x7f]
    assert not bad, "control bytes reach the terminal: %r" % b[:300]
    assert "\x9b" not in b.decode("utf-8", "replace"), "a C1 control reaches the terminal"


@case("flood of thread lines: refused at the cap, nothing printed, bounded")
def _():
    p = Peer("flood")
    try:
        rc, out, err, dt = cli("list", p.pid)
        assert rc == 3, (rc, err)
        assert out == b"", "printed %d bytes" % len(out)
        assert b"more than 65536 lines" in err, err
    finally:
        p.close()


@case("drip (a line every 4 s): one deadline for the whole command")
def _():
    p = Peer("drip")
    try:
        rc, out, err, dt = cli("list", "--timeout", "2", p.pid)
        assert rc == 3 and b"within the deadline" in err, (rc, err)
        assert dt < 15, "list --timeout 2 took %.1fs" % dt
        rc, out, err, dt = cli("list", p.pid)
        assert rc == 3 and b"within the deadline" in err, (rc, err)
        assert dt < 30, "list took %.1fs" % dt
    finally:
        p.close()


@case("ps with a dripping and a silent peer: both left out, ps ends")
def _():
    d, s = Peer("drip"), Peer("silent")
    try:
        rc, out, err, dt = cli("ps")
        assert rc == 0, (rc, err)
        assert b"pid %d" % d.pid in err and b"pid %d" % s.pid in err, err
        assert dt < 30, "ps took %.1fs" % dt
    finally:
        d.close()
        s.close()


@case("injection: list table and --json escape every field")
def _():
    p = Peer("inject")
    try:
        rc, out, err, _ = cli("list", p.pid, env=dict(os.environ, LC_ALL="C.UTF-8"))
        assert rc == 0, (rc, err)
        no_controls(out)
        assert b"\\x1b]0;pwned\\x07" in out and b"\\\\" in out, out
        rc, out, err, _ = cli("list", "--json", p.pid)
        assert rc == 0, (rc, err)
        no_controls(out)
        doc = json.loads(out.decode("utf-8"))  # strict: valid UTF-8 and JSON
        t = doc["threads"]
        assert set(doc) == {"pid", "threads"} and len(t) == 2, doc
        assert "e" not in t[0] and t[0]["state"] == '"},"e":1,"', t[0]
        assert t[0]["call"] == "\x1b]0;pwned\x07" and t[0]["name"] == "\x1b[31mred\x07", t[0]
        assert t[1]["state"] == "\ufffd\ufffd" and t[1]["name"] == "\ufffd\ufffd" and t[1]["arg"] == "\\", t[1]
        assert t[1]["call"] == "a\ufffdb", t[1]
    finally:
        p.close()


@case("injection: stop's lines and messages are escaped")
def _():
    p = Peer("stopinject")
    try:
        rc, out, err, _ = cli("stop", p.pid, "all")
        assert rc == 0, (rc, out, err)
        no_controls(out)
        no_controls(err)
        assert b"stopped 11 \\x1b]0;t\\x07 (in \\x1b[2J fd=0)" in out, out
    finally:
        p.close()


@case("a stop the process could not deliver is reported as not delivered, exit 1")
def _():
    p = Peer("undelivered")
    try:
        rc, out, err, _ = cli("stop", p.pid, "all")
        assert rc == 1, (rc, out, err)
        assert b"stopped 11 ok (in read fd=0)" in out, out
        assert b"not delivered: 12 refused (in read fd=0)" in out and b"stopped 12" not in out, out
    finally:
        p.close()
    p = Peer("noneundelivered")
    try:
        rc, out, err, _ = cli("stop", p.pid, "all")
        assert rc == 1 and b"nothing stopped" in err and b"stopped" not in out, (rc, out, err)
    finally:
        p.close()


@case("garbage, a 1 MB line, a wrong count, a wrong line type: exit 3, malformed")
def _():
    for mode, why in (("garbage", b"malformed"), ("bigline", b"malformed"), ("badcount", b"does not count"),
                      ("wrongtype", b"other than 'thread'")):
        p = Peer(mode)
        try:
            rc, out, err, dt = cli("list", p.pid)
            assert rc == 3 and why in err, (mode, rc, err)
            assert out == b"", (mode, out)
            assert dt < 30, (mode, dt)
        finally:
            p.close()


@case("a peer that never greets: exit 3 by the deadline")
def _():
    p = Peer("silent")
    try:
        rc, out, err, dt = cli("list", "--timeout", "1", p.pid)
        assert rc == 3, (rc, err)
        assert dt < 15, dt
    finally:
        p.close()


# The real server: thread names made to break a terminal and a JSON document.
TARGET = r'''
import ctypes, os, sys, threading
libc = ctypes.CDLL(None)
names = [b"\x1b[2J\x07bad", b"caf\xc3\xa9\xe2\x9c\x93", b"\xff\xfe-bad", b'a"b\\c', b"nl\nx", b"plainname"]
r, w = os.pipe()
def run(n):
    libc.prctl(15, ctypes.c_char_p(n), 0, 0, 0)
    os.read(r, 1)
for n in names:
    threading.Thread(target=run, args=(n,), daemon=True).start()
print("ready", flush=True)
os.read(r, 1)
'''


def real_target():
    p = subprocess.Popen([CLI, "run", "--", PY, "-c", TARGET], stdout=subprocess.PIPE)
    assert p.stdout.readline() == b"ready\n"
    for _ in range(400):
        rc, out, err, _ = cli("list", p.pid)
        if rc == 0 and out.count(b" blocked ") >= 7:
            return p
        time.sleep(0.05)
    p.kill()
    raise AssertionError("target never blocked: %r %r" % (out, err))


@case("real server: hostile thread names, table aligned by display width, JSON valid")
def _():
    p = real_target()
    try:
        rc, out, err, _ = cli("list", p.pid, env=dict(os.environ, LC_ALL="C.UTF-8"))
        assert rc == 0, err
        no_controls(out)
        lines = out.decode("utf-8").splitlines()
        assert len(lines) == 8, lines
        assert any("caf\u00e9\u2713" in l for l in lines), lines
        assert any("\\x1b[2J\\x07bad" in l for l in lines) and any("\\xff\\xfe-bad" in l for l in lines), lines
        assert any("a\"b\\\\c" in l for l in lines) and any("nl\\x0ax" in l for l in lines), lines
        # every character here is one column wide: the STATE column starts at one offset
        cols = {l.index(" blocked ") for l in lines[1:]}
        assert len(cols) == 1 and lines[0].index(" STATE") in cols, lines
        rc, out, err, _ = cli("list", "--json", p.pid)
        assert rc == 0, err
        no_controls(out)
        names = sorted(t["name"] for t in json.loads(out.decode("utf-8"))["threads"])
        assert names == sorted(["\x1b[2J\x07bad", "caf\u00e9\u2713", "\ufffd\ufffd-bad", 'a"b\\c', "nl\nx",
                                "plainname", "python3"]), names
        # in the C locale non-ASCII is escaped, and still aligned
        rc, out, err, _ = cli("list", p.pid, env=dict(os.environ, LC_ALL="C"))
        assert rc == 0 and b"caf\\xc3\\xa9\\xe2\\x9c\\x93" in out, out
        lines = out.decode("ascii").splitlines()
        assert len({l.index(" blocked ") for l in lines[1:]}) == 1, lines
    finally:
        p.kill()
        p.wait()


@case("real server: 32 idle or slow connections do not lock the operator out")
def _():
    p = real_target()
    conns, stop = [], []
    path = "\0threadstop.%d" % p.pid

    def chatty(s):  # a complete request every 0.3 s: busy, never idle for long
        while not stop:
            try:
                s.sendall(b"version\n")
                s.recv(4096)
            except OSError:
                return
            time.sleep(0.3)
    try:
        for i in range(32):
            s = socket.socket(socket.AF_UNIX)
            s.settimeout(5)
            s.connect(path)
            if i % 3 == 0:
                s.sendall(b"lis")  # a partial line, never completed
            elif i % 3 == 1:
                threading.Thread(target=chatty, args=(s,), daemon=True).start()
            conns.append(s)  # (and the rest silent)
        time.sleep(0.5)
        worst = 0
        for _ in range(3):
            rc, out, err, dt = cli("list", p.pid)
            assert rc == 0, (rc, err)
            worst = max(worst, dt)
        assert worst < 10, worst  # only catches "locked out until a timeout"
        return None if worst <= 1.0 else "slow machine: list took %.1fs (the target is 1 s)" % worst
    finally:
        stop.append(1)
        for s in conns:
            s.close()
        p.kill()
        p.wait()


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "--serve":
        serve(sys.argv[2], sys.argv[3])
        return
    work = tempfile.mkdtemp(prefix="ts-adversary.")
    os.environ["THREADSTOP_LIB"] = os.environ.get("TS_LIB_OVERRIDE") or LIB
    print("1..%d" % len(results), flush=True)
    failed = 0
    for i, (name, fn) in enumerate(results, 1):
        try:
            skip = fn()
            print("ok %d - %s%s" % (i, name, " # " + skip if skip else ""), flush=True)
        except Exception as e:  # noqa: BLE001 - every failure is reported, the rest still run
            failed += 1
            print("not ok %d - %s" % (i, name), flush=True)
            print("# %r" % (e,), flush=True)
    shutil.rmtree(work, ignore_errors=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
