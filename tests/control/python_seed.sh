# The example of the blog post "Stopping blocking threads in Python using gevent (sort of)"
# (2015; the server scripts/demo runs), unmodified
# under threadstop run: the thread in accept() ends with ECANCELED, the main thread lives.
. "$(dirname "$0")/lib.sh"
cat >"$WORK/server.py" <<'PY'
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
PY
"$T" run -- $PY -u "$WORK/server.py" >"$WORK/py.out" 2>"$WORK/py.err" &
P=$!; PIDS+=($P)
wait_grep "$WORK/py.out" "Listening on"
wait_socket $P
wait_list $P " blocked +accept4? +fd=3 "
# The shim gives a Python thread its threading.Thread.name as OS name (the acceptor is
# "Thread-1"); pick its tid from the list by its call, as a user would.
TID=$("$T" list $P | awk '$4 ~ /^accept/ { print $1 }')
[ -n "$TID" ] || fail "no thread in accept"
"$T" stop $P "$TID" --wait=15 >"$WORK/stop.out" 2>&1 || fail "stop exited $?"
wait_grep "$WORK/py.err" "OSError: \[Errno 125\] Operation canceled"
grep -q "Exception in thread" "$WORK/py.err" || fail "not the acceptor thread's exception"
grep -Eq "^$TID Thread-1: (exited|left accept4? with ECANCELED after)" "$WORK/stop.out" || fail "--wait did not see the acceptor leave accept"
# The main thread lives on, still sleeping in its loop.
sleep 1.5
gone $P && fail "the main thread died with the acceptor"
wait_list $P "^ *$P +python3 +blocked +clock_nanosleep "
[ "$("$T" list $P | grep -c Thread-1)" = 0 ] || fail "the acceptor is still listed"
kill -TERM $P
wait_exit $P
echo "ok 1 - $(grep OSError "$WORK/py.err"); main lived on until SIGTERM"
