# --grace and the --wait report: each outcome said once, with the documented exit status.
. "$(dirname "$0")/lib.sh"

start() { # start LABEL MODE [ARG]: a stopsafe target, ready
	"$T" run -- "$STOPSAFE" "${@:2}" >"$WORK/$1.out" 2>"$WORK/$1.err" &
	P=$!; PIDS+=($P)
	wait_socket $P
	wait_grep "$WORK/$1.out" '^ready'
}
# blocked LABEL MODE THREAD CALL: a stopsafe target whose THREAD waits in CALL
blocked() {
	start "$1" "$2"
	wait_list $P "^ *[0-9]+ +$3 +blocked +$4 "
}
# stop_says LABEL RC ERE STOP-ARGS...: `threadstop stop $P STOP-ARGS...` exits RC and says
# ERE (its output in $WORK/LABEL.stop.out)
stop_says() {
	local out=$WORK/$1.stop.out rc=$2 re=$3 got=0
	shift 3
	"$T" stop $P "$@" >"$out" 2>&1 || got=$?
	[ $got = $rc ] || fail "$out: stop $* exited $got, expected $rc: $(cat "$out")"
	grep -Eq -- "$re" "$out" || fail "$out: stop $*: $(cat "$out")"
}

# a thread that retries for ever: --grace forces it as soon as it ignores the stop
blocked ignore ignore reader read
t0=$(date +%s%N)
stop_says ignore 0 'reader: ignored the stop \(2 refused calls\); forcing it' reader --grace=5 --wait=10
ms=$((($(date +%s%N) - t0) / 1000000))
grep -Eq 'reader: exited \((forced|its process exited)' "$WORK/ignore.stop.out" || fail "--grace: no exit: $(cat "$WORK/ignore.stop.out")"
[ $ms -lt 4000 ] || fail "--grace: forcing an ignored stop waited out the grace ($ms ms)"
wait_exit $P; [ $STATUS = 0 ] || fail "ignore: exited $STATUS"

# blocked again with its stop cleared (a runtime retrying): forced when the grace is up
blocked reblock reblock reader read
stop_says reblock 0 'reader: blocked again after the grace of 0.3s; forcing it' reader --grace=0.3
wait_exit $P; [ $STATUS = 0 ] || fail "reblock: exited $STATUS"

# the same with --wait only: not a success
blocked reblock2 reblock reader read
stop_says reblock2 1 'reader: left read with ECANCELED after [0-9.]+s, but is blocked again, in read fd=[0-9]+' reader --wait=10
kill $P; wait $P 2>/dev/null

# left its call and returned
blocked exit exit reader read
stop_says exit 0 'reader: (left read with ECANCELED after [0-9.]+s; now|exited \((returned|its process exited))' reader --wait=10
wait_exit $P; [ $STATUS = 0 ] || fail "exit: exited $STATUS"

# still blocked: a mutex wait (list: libc:futex, not stoppable)
blocked futex futex locker libc:futex
stop_says futex 1 'locker: still blocked in libc:futex after .* \(a mutex, rwlock or barrier wait: not stoppable\)' locker --wait=0.5
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
