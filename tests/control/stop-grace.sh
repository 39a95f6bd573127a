# --grace and the --wait report: each outcome said once, with the documented exit status.
. "$(dirname "$0")/lib.sh"

start() { # start LABEL MODE [ARG]: a stopsafe target, ready
	"$T" run -- "$STOPSAFE" "${@:2}" >"$WORK/$1.out" 2>"$WORK/$1.err" &
	P=$!; PIDS+=($P)
	wait_socket $P
	wait_grep "$WORK/$1.out" '^ready'
}

# a thread that retries for ever: --grace forces it as soon as it ignores the stop
start ignore ignore
wait_list $P "^ *[0-9]+ +reader +blocked +read "
t0=$(date +%s%N)
"$T" stop $P reader --grace=5 --wait=10 >"$WORK/g.out" 2>&1 || fail "--grace exited $?: $(cat "$WORK/g.out")"
ms=$((($(date +%s%N) - t0) / 1000000))
grep -q 'reader: ignored the stop (2 refused calls); forcing it' "$WORK/g.out" || fail "--grace: $(cat "$WORK/g.out")"
grep -Eq 'reader: exited \((forced|its process exited)' "$WORK/g.out" || fail "--grace: no exit: $(cat "$WORK/g.out")"
[ $ms -lt 4000 ] || fail "--grace: forcing an ignored stop waited out the grace ($ms ms)"
wait_exit $P; [ $STATUS = 0 ] || fail "ignore: exited $STATUS"

# blocked again with its stop cleared (a runtime retrying): forced when the grace is up
start reblock reblock
wait_list $P "^ *[0-9]+ +reader +blocked +read "
"$T" stop $P reader --grace=0.3 >"$WORK/r.out" 2>&1 || fail "reblock --grace exited $?: $(cat "$WORK/r.out")"
grep -q 'reader: blocked again after the grace of 0.3s; forcing it' "$WORK/r.out" || fail "reblock --grace: $(cat "$WORK/r.out")"
wait_exit $P; [ $STATUS = 0 ] || fail "reblock: exited $STATUS"

# the same with --wait only: not a success
start reblock2 reblock
wait_list $P "^ *[0-9]+ +reader +blocked +read "
"$T" stop $P reader --wait=10 >"$WORK/r2.out" 2>&1; rc=$?
[ $rc = 1 ] || fail "reblock --wait exited $rc, expected 1"
grep -Eq 'reader: left read with ECANCELED after [0-9.]+s, but is blocked again, in read fd=[0-9]+' "$WORK/r2.out" ||
	fail "reblock --wait: $(cat "$WORK/r2.out")"
kill $P; wait $P 2>/dev/null

# left its call and returned
start exit exit
wait_list $P "^ *[0-9]+ +reader +blocked +read "
"$T" stop $P reader --wait=10 >"$WORK/e.out" 2>&1 || fail "exit --wait exited $?: $(cat "$WORK/e.out")"
grep -Eq 'reader: (left read with ECANCELED after [0-9.]+s; now|exited \((returned|its process exited))' "$WORK/e.out" || fail "exit --wait: $(cat "$WORK/e.out")"
wait_exit $P; [ $STATUS = 0 ] || fail "exit: exited $STATUS"

# still blocked: a mutex wait (list: libc:futex, not stoppable)
start futex futex
wait_list $P "^ *[0-9]+ +locker +blocked +libc:futex "
"$T" stop $P locker --wait=0.5 >"$WORK/f.out" 2>&1; rc=$?
[ $rc = 1 ] || fail "futex --wait exited $rc, expected 1"
grep -q 'locker: still blocked in libc:futex after .* (a mutex, rwlock or barrier wait: not stoppable)' "$WORK/f.out" ||
	fail "futex --wait: $(cat "$WORK/f.out")"
kill $P; wait $P 2>/dev/null
# thread_stop_grace(), from inside
"$T" run -- "$STOPSAFE" apigrace >"$WORK/api.out" 2>"$WORK/api.err" &
P=$!; PIDS+=($P)
wait_exit $P
[ $STATUS = 0 ] || fail "apigrace exited $STATUS"
grep -q '^grace left 0 in' "$WORK/api.out" || fail "thread_stop_grace on a thread that handles the stop: $(cat "$WORK/api.out")"
ms=$(sed -n 's/^grace forced 1 in \([0-9]*\) ms/\1/p' "$WORK/api.out")
[ -n "$ms" ] || fail "thread_stop_grace on a thread that ignores the stop: $(cat "$WORK/api.out")"
[ "$ms" -lt 4000 ] || fail "thread_stop_grace waited out the grace ($ms ms) though the stop was ignored"
grep -q '^main done' "$WORK/api.out" || fail "apigrace: main did not finish"

echo "ok 1 - --grace forces what ignores the stop; --wait reports exited, left, blocked again, ignored, still blocked"
