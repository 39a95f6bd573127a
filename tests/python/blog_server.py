# The socket server of the blog post "Stopping blocking threads in Python using gevent
# (sort of)": a thread blocked in accept() that Ctrl-C cannot stop.  Written for this
# test.  MODE=cli waits for `threadstop stop`; MODE=module stops it with threadstop.stop().
# The main thread carries on and exits 0 once the server thread has ended.
import os
import socket
import sys
import threading
import time


class StoppableThread(threading.Thread):
    outcome = None

    def run(self):
        s = socket.socket()
        s.bind(('127.0.0.1', 0))
        s.listen(1)
        print('Listening on {}:{}'.format(*s.getsockname()), flush=True)
        try:
            conn, addr = s.accept()
        except BaseException as e:
            self.outcome = e
            raise
        finally:
            s.close()


t = StoppableThread(name='server')
t.start()
if os.environ.get('MODE') == 'module':
    import threadstop
    time.sleep(0.5)
    threadstop.stop(t, force=os.environ.get('FORCE') == '1')
while t.is_alive():
    time.sleep(0.05)
print('server ended: %r' % (t.outcome,), flush=True)
sys.exit(0 if isinstance(t.outcome, OSError) else 1)
