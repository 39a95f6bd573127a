# A CPython thread blocked in os.read() on a pipe is stopped from the main thread through
# the in-process API: it must get OSError(ECANCELED) and the interpreter must live on
# (CPython re-takes its GIL through pthread_cond_timedwait on the way out of the read).
import ctypes, errno, os, sys, threading, time

api = ctypes.CDLL(None)
r, w = os.pipe()
outcome = []

def reader():
    try:
        os.read(r, 1)
        outcome.append("returned")
    except OSError as e:
        outcome.append(errno.errorcode.get(e.errno, str(e.errno)))
    # more bytecode after the stopped call, with the GIL contended by main
    outcome.append(sum(range(100000)))

t = threading.Thread(target=reader, name="reader")
t.start()
deadline = time.time() + 10
while time.time() < deadline:
    with open("/proc/self/task/%d/stat" % t.native_id) as f:
        if f.read().rsplit(")", 1)[1].split()[0] == "S":
            break
    time.sleep(0.01)
time.sleep(0.05)
busy = 0
rc = api.thread_stop_tid(t.native_id, 0)
for _ in range(200000):  # keep the GIL contended while the reader wakes
    busy += 1
t.join(20)
print("stop:", rc, "alive:", t.is_alive(), "outcome:", outcome)
sys.exit(0 if rc == 0 and not t.is_alive() and outcome[:1] == ["ECANCELED"] else 1)
