# A thread blocked in fgets() (glibc-internal read) is listed as libc:read and stopped, by
# its name and by its call: fgets returns NULL with ECANCELED; the main thread, blocked
# in pthread_join, is listed with the tid it joins and goes on.
. "$(dirname "$0")/lib.sh"
mkfifo "$WORK/in"
for sel in stdio-reader 'call:libc:r*'; do
	sleep 60 >"$WORK/in" & PIDS+=($!)   # a writer that never writes
	"$T" run -- "$STDIO_READER" <"$WORK/in" >"$WORK/reader.out" 2>"$WORK/reader.err" &
	P=$!; PIDS+=($P)
	wait_socket $P
	wait_list $P "stdio-reader +blocked +libc:read +fd=0 "
	list_has $P "^ *$P +.* blocked +pthread_join +tid=[0-9]+ " || fail "main is not listed in pthread_join"
	"$T" stop $P "$sel" --wait=15 >"$WORK/stop.out" 2>&1 || fail "stop $sel exited $?"
	grep -q "stopped .* stdio-reader (in libc:read fd=0)" "$WORK/stop.out" || fail "stop $sel did not name the call"
	[ "$(grep -c "^stopped " "$WORK/stop.out")" = 1 ] || fail "stop $sel stopped more than the reader"
	wait_exit $P
	[ $STATUS = 0 ] || fail "$sel: the program exited $STATUS"
	grep -q "^fgets: Operation canceled" "$WORK/reader.out" || fail "$sel: fgets did not fail with ECANCELED"
	grep -q "^main: joined the reader" "$WORK/reader.out" || fail "$sel: main did not go on"
done
echo "ok 1 - fgets stopped through the CLI, by name and by call:libc:r*: $(head -1 "$WORK/reader.out")"
