# The blog seed's example (../shared/seeds/stopping-blocking-threads-gevent.txt), unmodified,
# started WITHOUT the shim: stop --ptrace ends its thread's accept() with ECANCELED; the
# main thread, in time.sleep, lives on.
. "$(dirname "$0")/lib.sh"
plan 1
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
/usr/bin/python3 -u "$WORK/server.py" >"$WORK/py.out" 2>"$WORK/py.err" &
P=$!; PIDS+=($P)
wait_grep "$WORK/py.out" "Listening on"
wait_list $P " blocked +accept4 +fd=3 "
"$T" stop --ptrace $P 'call:accept*' --wait=15 >"$WORK/stop.out" 2>&1 || fail "stop exited $?"
grep -Eq "^stopped [0-9]+ python3[.0-9]* \(in accept4 fd=3\) with ptrace" "$WORK/stop.out" || fail "stop did not report"
wait_grep "$WORK/py.err" "OSError: \[Errno 125\] Operation canceled"
grep -q "Exception in thread" "$WORK/py.err" || fail "not the acceptor thread's exception"
wait_for 20 test "$(ls /proc/$P/task | wc -l)" = 1 || fail "the acceptor thread did not end"
sleep 1.5 # two of the main thread's time.sleep(1)
gone $P && fail "the main thread died"
ok "python3 without the shim: accept() raised ECANCELED, the main thread lives"
