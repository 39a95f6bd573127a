# The main thread, forced in queue.get(), blocks again in its finally block: Forced is
# raised there too, the program's non-daemon worker still runs to its end (threading's
# shutdown joins it: no Forced there), and the interpreter exits with the traceback of
# an uncaught Forced (status 1).  Run by tests/python/run.sh.
import queue
import threading
import time

import threadstop

MAIN = threading.current_thread()


def stopper():
    n = 0
    while n < 3:  # the main thread sleeps three looks in a row
        with open('/proc/self/task/%d/stat' % MAIN.native_id) as f:
            n = n + 1 if f.read().rsplit(')', 1)[1].split()[0] == 'S' else 0
        time.sleep(0.02)
    threadstop.stop(MAIN, force=True)


def worker():
    time.sleep(1)
    print('worker done', flush=True)


threading.Thread(target=stopper).start()
threading.Thread(target=worker).start()  # not a daemon: the shutdown joins it
try:
    queue.Queue().get()
finally:
    print('finally ran', flush=True)
    threading.Event().wait()  # Forced again
    print('not reached', flush=True)
