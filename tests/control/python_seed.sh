# The example of the blog post "Stopping blocking threads in Python using gevent (sort of)"
# (tests/common/blog_seed.py; the server scripts/demo runs), unmodified
# under threadstop run: the thread in accept() ends with ECANCELED, the main thread lives.
. "$(dirname "$0")/lib.sh"
"$T" run -- $PY -u "$(dirname "$0")/../common/blog_seed.py" >"$WORK/py.out" 2>"$WORK/py.err" &
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
