# Only waits that can last for ever are failed: a stopped thread still reads a regular file.
. "$(dirname "$0")/lib.sh"
echo "the config" >"$WORK/config"
"$T" run -- "$STOPSAFE" file "$WORK/config" >"$WORK/file.out" 2>"$WORK/file.err" &
P=$!; PIDS+=($P)
wait_socket $P
wait_grep "$WORK/file.out" '^ready'
wait_list $P "^ *[0-9]+ +reader +blocked +read "
"$T" stop $P reader >"$WORK/stop.out" 2>&1 || fail "stop exited $?"
wait_exit $P
[ $STATUS = 0 ] || fail "exited $STATUS"
grep -q '^read: -1 Operation canceled' "$WORK/file.out" || fail "the pipe read was not failed"
grep -q '^read 11 bytes: the config' "$WORK/file.out" || fail "the stopped thread could not read a regular file"
echo "ok 1 - a stopped thread reads a regular file"
