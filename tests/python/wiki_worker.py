# The queue worker of the Python wiki page "Stopping Threads" (a Worker thread that takes
# items from a Queue until a sentinel), written for this test: here nobody puts the
# sentinel, the worker is stopped instead.  MODE=cli waits for `threadstop stop`;
# MODE=module stops the worker itself with threadstop.stop().  Exits 0 when the worker
# ended with the expected exception and the program carried on.
import os
import queue
import sys
import threading
import time


class StopMarker:
    """The sentinel the wiki's worker stops at (never sent here)."""


class Worker(threading.Thread):
    def __init__(self, handler):
        super().__init__(name='queue-worker')
        self.queue = queue.Queue()
        self.handler = handler
        self.stopper = StopMarker()
        self.outcome = None

    def run(self):
        try:
            while True:
                item = self.queue.get()
                if item is self.stopper:
                    break
                self.handler(item)
        except BaseException as e:
            self.outcome = e
            raise


done = []
w = Worker(done.append)
w.start()
for i in range(3):
    w.queue.put(i)
while len(done) < 3:
    time.sleep(0.01)
print('worker ready', flush=True)
if os.environ.get('MODE') == 'module':
    import threadstop
    time.sleep(0.2)
    threadstop.stop(w, force=os.environ.get('FORCE') == '1')
w.join(60)
print('worker ended: alive=%s outcome=%r' % (w.is_alive(), w.outcome), flush=True)
want = 'Forced' if os.environ.get('FORCE') == '1' else 'Stopped'
sys.exit(0 if not w.is_alive() and type(w.outcome).__name__ == want and done == [0, 1, 2] else 1)
