# A forced stop leaves nothing locked: a thread forced out of a condition wait leaves its
# mutex unlocked (main takes it next), or held for the cleanup handler the program pushed
# (which unlocks it); C++: destructors run, a std::condition_variable's unique_lock is
# released by its destructor, and a catch (...) that would swallow the unwind (glibc would
# abort) turns the force into a plain stop.
. "$(dirname "$0")/lib.sh"

# run_force LABEL SELECTOR CMD...: start CMD, force-stop SELECTOR, wait for the exit (status 0)
run_force() {
	local label=$1 sel=$2; shift 2
	"$T" run -- "$@" >"$WORK/$label.out" 2>"$WORK/$label.err" &
	P=$!; PIDS+=($P)
	wait_socket $P
	wait_grep "$WORK/$label.out" '^ready'
	wait_list $P "^ *[0-9]+ +$sel +blocked "
	"$T" stop $P "$sel" --force --wait=10 >"$WORK/$label.stop" 2>&1 || fail "$label: stop --force --wait exited $?"
	wait_exit $P
	[ $STATUS = 0 ] || fail "$label: exited $STATUS, expected 0"
	grep -q '^main done' "$WORK/$label.out" || fail "$label: main did not finish"
}

run_force cond waiter "$STOPSAFE" cond
grep -q '^main locked 0' "$WORK/cond.out" || fail "cond: main could not take the mutex"
grep -Eq 'waiter: exited \((forced|its process exited)' "$WORK/cond.stop" || fail "cond: --wait said: $(cat "$WORK/cond.stop")"

run_force cleanup waiter "$STOPSAFE" cleanup
grep -q '^cleanup unlock 0' "$WORK/cleanup.out" || fail "cleanup: the handler did not find the mutex held"
grep -q '^main locked 0' "$WORK/cleanup.out" || fail "cleanup: main could not take the mutex"

if [ -n "${STOPSAFE_CXX:-}" ]; then
	run_force dtor worker "$STOPSAFE_CXX" dtor
	grep -q '^destructor ran' "$WORK/dtor.out" || fail "dtor: the destructor did not run"
	grep -q '^read:' "$WORK/dtor.out" && fail "dtor: the read returned instead of the thread being forced out"
	run_force condvar worker "$STOPSAFE_CXX" condvar
	grep -q '^main locked' "$WORK/condvar.out" || fail "condvar: main could not take the std::mutex"
	run_force rawcond worker "$STOPSAFE_CXX" rawcond
	grep -q '^main locked' "$WORK/rawcond.out" || fail "rawcond: main could not take the mutex"
	run_force catchall worker "$STOPSAFE_CXX" catchall
	grep -q '^read: -1 Operation canceled' "$WORK/catchall.out" || fail "catchall: the read did not fail as a plain stop"
	echo "ok 1 - forced out of condition waits: the mutex is free; C++ destructors run, catch (...) is not forced"
else
	echo "ok 1 - forced out of condition waits: the mutex is free # C++ part skipped: no C++ compiler"
fi
