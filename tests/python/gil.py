# The GIL contended: two CPU-bound threads and one blocked in Queue.get(); the blocked one
# is stopped (FORCE=1: forced) while the others compute.  No "Fatal Python error", no
# deadlock: the stopped thread ends, the others finish, the interpreter exits 0.
import os
import queue
import sys
import threading
import time

import threadstop

result = {}


def spin(n):
    x = 0
    for i in range(n):
        x += i % 7
    result[threading.current_thread().name] = x


def blocked():
    try:
        queue.Queue().get()
    except BaseException as e:
        result['blocked'] = type(e).__name__
        raise


ts = [threading.Thread(target=spin, args=(3000000,), name='cpu%d' % i) for i in range(2)]
b = threading.Thread(target=blocked, name='blocked')
for t in ts + [b]:
    t.start()
time.sleep(0.3)
force = os.environ.get('FORCE') == '1'
threadstop.stop(b, force=force)
for t in ts + [b]:
    t.join(120)
print(result, flush=True)
ok = result.get('blocked') == ('Forced' if force else 'Stopped') and 'cpu0' in result and 'cpu1' in result
sys.exit(0 if ok and not any(t.is_alive() for t in ts + [b]) else 1)
