# Thread.name as OS name for every thread started, not only the first one (whose start
# looks Thread.start up; later ones compare with what it found): `threadstop list` shows
# each name (its first 15 bytes), and `threadstop stop PID second-worker` selects it.
# A subclass with its own start() calling Thread.start is named too.
import queue
import sys
import threading


class Sub(threading.Thread):
    def start(self):
        super().start()


for i in range(3):  # threads started, named and gone before the ones listed
    t = threading.Thread(target=lambda: None, name='early-%d' % i)
    t.start()
    t.join()
q = queue.Queue()
outcome = []


def wait():
    try:
        q.get()
    except OSError as e:
        outcome.append(type(e).__name__)


ts = [threading.Thread(target=wait, name='second-worker'), Sub(target=q.get, name='sub-start', daemon=True),
      threading.Thread(target=q.get, name='a-very-long-thread-name', daemon=True)]
for t in ts:
    t.start()
print('ready', flush=True)
ts[0].join(60)
print('second-worker: %r' % outcome, flush=True)
sys.exit(0 if outcome == ['Stopped'] and not ts[0].is_alive() else 1)
