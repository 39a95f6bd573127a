# What `stop --ptrace` refuses, with the reason, leaving the program untouched; and the
# CLI's advice on a process without the shim.
. "$(dirname "$0")/lib.sh"
plan 6
# expect CODE PATTERN CMD...: exit status and a line of its output
expect() {
	local code=$1 pat=$2 rc; shift 2
	"$@" >"$WORK/cli.out" 2>&1; rc=$?
	[ "$rc" = "$code" ] || { cat "$WORK/cli.out" >&2; fail "'$*' exited $rc, not $code"; }
	grep -Eq -- "$pat" "$WORK/cli.out" || { cat "$WORK/cli.out" >&2; fail "'$*' did not print /$pat/"; }
}

MODE=cond
start cond
wait_list $P "^ *$BT +blocked +waiting +futex "
expect 1 "not stopped $BT blocked: in a futex wait \(a mutex, condition variable, semaphore or join\): glibc aborts" \
	"$T" stop --ptrace $P blocked
echo wake >&7
wait_grep "$WORK/cond.out" "^cond: returned 0"
ok "pthread_cond_wait refused with the reason; the wait went on and was woken normally"
kill $P; exec 7>&-

MODE=write
start write
wait_list $P "^ *$BT +blocked +blocked +write +fd="
expect 1 "not stopped $BT blocked: its write had transferred data or completed when it stopped \(it returned 65536\)" \
	"$T" stop --ptrace $P blocked
wait_grep "$WORK/write.out" "^write: returned 65536"
ok "a write that had transferred data keeps its result"
kill $P; exec 7>&-

sh -c 'while :; do :; done' &
R=$!; PIDS+=($R)
wait_list $R "^ *$R +sh +running "
expect 1 "not stopped $R sh: running, not blocked in a system call" "$T" stop --ptrace $R all
ok "a running thread is refused"
kill $R

sleep 1000 &
S=$!; PIDS+=($S)
wait_list $S "^ *$S +sleep +blocked"
expect 3 "pid $S runs without the shim .*'threadstop stop --ptrace $S SELECTOR...'" "$T" stop $S all
expect 2 "--force needs the shim" "$T" stop --ptrace $S all --force
expect 1 "no thread of pid $S matches 'nosuch'" "$T" stop --ptrace $S nosuch
expect 1 "no thread of pid $S matches 'call:read'" "$T" stop --ptrace $S call:read
kill -0 $S || fail "sleep died"
ok "without --ptrace the CLI points to it; no match, --force"

THREADSTOP_LIB=$TS_BUILD_LIB "$T" run -- sleep 1000 &
H=$!; PIDS+=($H)
wait_for 20 grep -q libthreadstop /proc/$H/maps || fail "the shim never loaded"
expect 2 "pid $H runs with the shim: stop it without --ptrace" "$T" stop --ptrace $H all
ok "--ptrace refuses a process with the shim"

if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	expect 3 "cannot trace pid $S: pid $S runs as uid 0: tracing another user's .*CAP_SYS_PTRACE" \
		setpriv --reuid=65534 --regid=65534 --clear-groups "$T" stop --ptrace $S all
	ok "another user's process: the reason names CAP_SYS_PTRACE"
else
	echo "ok 6 # SKIP needs root and setpriv to try as another user"
fi
