# The example of the blog post "Stopping blocking threads in Python using gevent (sort of)"
# (2015), as the post has it but for this comment: control/python_seed.sh runs it under
# `threadstop run`, ptrace/python.sh without the shim.
import threading
import socket
import time


class StoppableThread(threading.Thread):
    def run(self):
        s = socket.socket()
        s.bind(('127.0.0.1', 0))
        s.listen(1)
        print("Listening on {}:{}".format(s.getsockname()[0], s.getsockname()[1]))

        conn, addr = s.accept()

if __name__ == '__main__':
    t = StoppableThread()
    t.start()
    print("Press <Ctrl-C> to stop thread")
    while True:
        try:
            time.sleep(1)
        except KeyboardInterrupt:
            exit("Keyboard interrupt - waiting for thread to finish...")
