# Where a seccomp filter refuses what the listener relies on, the program still runs and
# the shim says why with THREADSTOP_DEBUG=1: clone without CLONE_FILES refused, the
# listener is a pthread with its own descriptor table (and the program still ends with its
# last thread); unshare refused too, there is no control plane; the cancel signal
# refused, a stop is reported as not delivered, never as done.
. "$(dirname "$0")/lib.sh"
[ -x "${SECCOMP_RUN:-}" ] || { echo "ok 1 # SKIP no libseccomp when built"; exit 0; }
export THREADSTOP_DEBUG=1

"$SECCOMP_RUN" clone "$T" run -- sleep 1000 >"$WORK/clone.out" 2>"$WORK/clone.err" &
P=$!; PIDS+=($P)
wait_list $P "^ *$P +sleep +blocked "
# (a sanitized build runs the fallback from the start, and says so)
grep -Eq "falling back to a thread with unshare\(CLONE_FILES\)|listener: the fallback \(.*sanitized build\)" "$WORK/clone.err" ||
	fail "the fallback was not announced"
"$T" stop $P all >"$WORK/stop.out" 2>&1 || fail "stop under the clone filter exited $?"
wait_exit $P
[ $STATUS -ge 1 ] && [ $STATUS -lt 128 ] || fail "sleep ended with $STATUS"
"$SECCOMP_RUN" clone "$T" run -- "$LSNR" pexit >"$WORK/pexit.out" 2>&1 &
P=$!; PIDS+=($P)
wait_exit $P
[ $STATUS = 0 ] || fail "fallback listener: pthread_exit in main, then the worker: exit $STATUS"
( ulimit -n 16; "$SECCOMP_RUN" clone "$T" run -- "$LSNR" fds ) 2>/dev/null >"$WORK/fds.shim"
( ulimit -n 16; "$LSNR" fds ) >"$WORK/fds.plain"
cmp -s "$WORK/fds.plain" "$WORK/fds.shim" || fail "fallback listener: the program sees other descriptors"

"$SECCOMP_RUN" unshare "$T" run -- sleep 0.2 >"$WORK/un.out" 2>"$WORK/un.err" || fail "sleep failed without a control plane"
grep -q "no control plane in this process" "$WORK/un.err" || fail "the missing control plane was not announced"
"$SECCOMP_RUN" unshare "$T" run -- sleep 1000 >/dev/null 2>&1 &
P=$!; PIDS+=($P)
sleep 0.3
"$T" list $P --timeout=1 >"$WORK/un.list" 2>&1; rc=$?
[ $rc = 3 ] || fail "list without a control plane exited $rc"
grep -q "seccomp" "$WORK/un.list" || fail "the CLI did not say why: $(cat "$WORK/un.list")"
kill $P

"$SECCOMP_RUN" signal "$T" run -- sleep 1000 >/dev/null 2>"$WORK/sig.err" &
P=$!; PIDS+=($P)
wait_list $P "^ *$P +sleep +blocked "
"$T" stop $P all >"$WORK/sig.out" 2>&1; rc=$?
[ $rc = 1 ] || fail "a stop whose signal was refused exited $rc: $(cat "$WORK/sig.out")"
grep -q "not delivered" "$WORK/sig.out" || fail "not reported as not delivered: $(cat "$WORK/sig.out")"
gone $P && fail "the target died"
# A program that installs a filter of its own and then forks (a sandboxed worker): the
# filter kills at a clone it does not expect, so the child gets no listener, and lives.
"$T" run -- "$LSNR" sandbox >"$WORK/sb.out" 2>"$WORK/sb.err" &
P=$!; PIDS+=($P)
wait_grep "$WORK/sb.out" "^child "
C=$(awk '/^child/ { print $2 }' "$WORK/sb.out"); PIDS+=($C)
"$T" list $C --timeout=1 >"$WORK/sb.list" 2>&1 && fail "the sandboxed child was listed"
sleep 0.2
gone $C && fail "the sandboxed child died (its filter killed it?)"
grep -q "installed a seccomp filter: no control plane" "$WORK/sb.err" || fail "not said: $(cat "$WORK/sb.err")"
kill $C
wait_exit $P
[ $STATUS = 143 ] || fail "the sandboxed child ended with $STATUS, not by our SIGTERM"
echo "ok 1 - clone refused: pthread fallback; unshare refused: no control plane, said so; signal refused: not delivered; a sandboxed fork child left alone"
