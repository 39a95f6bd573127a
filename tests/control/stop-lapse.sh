# An ignored stop lapses: a server that retries accept (or poll) for ever after ECANCELED
# costs next to no CPU after a plain stop, keeps serving, and list / --wait say it ignored
# the stop.  (The CPU bound is generous: a spinning thread burns the 2 s whole.)
. "$(dirname "$0")/lib.sh"

# cpu_ticks PID TID: the thread's utime + stime, in clock ticks
cpu_ticks() { sed 's/.*) //' "/proc/$1/task/$2/stat" | awk '{ print $12 + $13 }'; }
hz=$(getconf CLK_TCK)

hello() {
	local line
	exec 3<>"/dev/tcp/127.0.0.1/$1" || return 1
	read -r -t 10 line <&3
	exec 3<&-
	[ "$line" = hello ]
}

for mode in accept poll; do
	name=acceptor; [ $mode = poll ] && name=poller
	"$T" run -- "$STOPSAFE" $mode >"$WORK/$mode.out" 2>"$WORK/$mode.err" &
	P=$!; PIDS+=($P)
	wait_socket $P
	wait_grep "$WORK/$mode.out" '^ready'
	port=$(sed -n 's/^port //p' "$WORK/$mode.out")
	hello "$port" || fail "$mode: the server did not answer before the stop"
	call=accept; [ $mode = poll ] && call=poll
	wait_list $P "^ *[0-9]+ +$name +blocked +$call "
	tid=$("$T" list $P | awk -v n=$name '$2 == n { print $1 }')
	"$T" stop $P $name --wait=10 >"$WORK/stop.out" 2>&1; rc=$?
	[ $rc = 1 ] || fail "$mode: stop --wait exited $rc, expected 1 (the stop was ignored)"
	grep -Eq "^$tid $name: ignored the stop \(2 refused calls\): it lapsed; now in $call" "$WORK/stop.out" ||
		fail "$mode: --wait did not report the ignored stop: $(cat "$WORK/stop.out")"
	before=$(cpu_ticks $P $tid)
	sleep 2
	after=$(cpu_ticks $P $tid)
	[ $((after - before)) -le $((hz / 4)) ] ||
		fail "$mode: the stopped thread used $((after - before)) ticks of CPU in 2 s (a spin)"
	list_has $P "^ *$tid +$name +ignored:2 +$call " || fail "$mode: list does not show ignored:2"
	hello "$port" || fail "$mode: the server stopped serving after an ignored stop"
	# a second stop is a new one: refused twice more, then ignored again
	"$T" stop $P $name --wait=10 >"$WORK/stop2.out" 2>&1
	grep -q "ignored the stop (2 refused calls)" "$WORK/stop2.out" || fail "$mode: a second stop: $(cat "$WORK/stop2.out")"
	hello "$port" || fail "$mode: the server stopped serving after a second stop"
	echo "# $mode: $((after - before)) ticks of CPU in the 2 s after the stop"
	kill $P; wait $P 2>/dev/null
done
echo "ok 1 - retry-forever accept and poll loops: the stop lapses, no spin, still serving"
