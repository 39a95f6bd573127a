# The blog post's example (tests/common/blog_seed.py), unmodified, started WITHOUT the
# shim: stop --ptrace ends its thread's accept() with ECANCELED; the main thread, in
# time.sleep, lives on.
. "$(dirname "$0")/lib.sh"
plan 1
/usr/bin/python3 -u "$(dirname "$0")/../common/blog_seed.py" >"$WORK/py.out" 2>"$WORK/py.err" &
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
