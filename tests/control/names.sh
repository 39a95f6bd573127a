# Thread names come from the registry, not /proc: whichever way a thread got its name
# (prctl, pthread_setname_np from another thread, its creator's name), `list` shows the
# name the kernel shows, and a stop by name or glob selects exactly those threads.
. "$(dirname "$0")/lib.sh"
O=$WORK/names.out
for i in 10 11 12 13; do mkfifo "$WORK/p$i"; done
"$T" run -- "${NAMES_THREADS:?}" >"$O" 2>"$WORK/names.err" \
	10<>"$WORK/p10" 11<>"$WORK/p11" 12<>"$WORK/p12" 13<>"$WORK/p13" &
P=$!; PIDS+=($P)
wait_grep "$O" "^ready"
wait_socket $P
wait_list $P "^ *[0-9]+ +by-prctl +blocked +read +fd=10 "
wait_list $P "^ *[0-9]+ +renamed +blocked +read +fd=11 "
wait_list $P "^ *[0-9]+ +parent2 +blocked +read +fd=12 "
wait_list $P "^ *[0-9]+ +parent +blocked +read +fd=13 "
# every program thread's name as /proc has it
for d in /proc/$P/task/*; do
	tid=${d##*/}
	comm=$(cat "$d/comm")
	[ "$comm" = threadstop ] && continue
	got=$("$T" list $P | awk -v t="$tid" '$1 == t { print $2 }')
	[ "$got" = "$comm" ] || fail "tid $tid: list says '$got', /proc says '$comm'"
done
"$T" stop $P 'by-*' >"$WORK/stop1.out" 2>&1 || fail "stop by-* exited $?"
wait_grep "$O" "^by-prctl: ECANCELED"
"$T" stop $P renamed parent >"$WORK/stop2.out" 2>&1 || fail "stop renamed parent exited $?"
wait_grep "$O" "^renamed: ECANCELED"
wait_grep "$O" "^parent: ECANCELED"
list_has $P " parent2 +blocked +read " || fail "parent2 was stopped by the name parent"
"$T" stop $P 'name:parent?' >"$WORK/stop3.out" 2>&1 || fail "stop name:parent? exited $?"
wait_grep "$O" "^parent2: ECANCELED"
wait_exit $P
[ $STATUS = 0 ] || fail "target exited $STATUS"
echo "ok 1 - names set by prctl, pthread_setname_np and inheritance are listed and selected"
