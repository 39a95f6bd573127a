#!/bin/bash
# The Python integration suite, with every CPython found: Debian's /usr/bin/python3.11
# and the pyenv builds ~/.pyenv/versions/3.{8..13}* (skipped, with a message, when
# absent).  Per interpreter: primitives.py (every blocking primitive, plain and forced,
# worker and main thread), the seeds' programs stopped from the CLI (by their
# threading.Thread name) and through the module, the names of later threads, the
# GIL-contended case, `python -m threadstop`, and the module's error without the
# library.  One TAP stream.
set -u
T=${THREADSTOP_CLI:?run me through meson test}
LIB=${TS_BUILD_LIB:?}
HERE=$(cd "$(dirname "$0")" && pwd)
export PYTHONPATH=$HERE/../../python
export THREADSTOP_LIB=$LIB
WORK=$(mktemp -d /tmp/ts-py-test.XXXXXX)
N=0
FAILED=0
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
	rm -rf "$WORK"
}
trap cleanup EXIT

ok() { N=$((N + 1)); echo "ok $N - $*"; }
notok() {
	N=$((N + 1)); FAILED=$((FAILED + 1)); echo "not ok $N - $1"
	shift
	local f
	for f in "$@"; do [ -s "$f" ] && { echo "--- $f" >&2; tail -n 25 "$f" >&2; }; done
}
skip() { N=$((N + 1)); echo "ok $N - # SKIP $*"; }

# wait_for SECONDS CMD...: until CMD succeeds (the bounds only catch hangs).
wait_for() {
	local n=$(($1 * 20)); shift
	while ! "$@"; do
		n=$((n - 1)); [ $n -gt 0 ] || return 1
		sleep 0.05
	done
}
has() { grep -q -- "$2" "$1" 2>/dev/null; }
list_has() { "$T" list "$1" 2>/dev/null | grep -Eq -- "$2"; }
# finish PID: its exit status (60 s at most), in $STATUS; 124 if it hung.
finish() {
	local n=1200
	while kill -0 "$1" 2>/dev/null && [ -d /proc/$1 ] && ! grep -q '^State:.*Z' /proc/$1/status 2>/dev/null; do
		n=$((n - 1)); [ $n -gt 0 ] || { kill -9 "$1"; wait "$1" 2>/dev/null; STATUS=124; return; }
		sleep 0.05
	done
	wait "$1"; STATUS=$?
}
clean_stderr() { ! grep -Eq 'Fatal Python error|SystemError|Exception ignored|sem_(clock|timed)?wait:' "$1"; }

interpreters() {
	local v p
	echo /usr/bin/python3.11
	for v in 3.8 3.9 3.10 3.11 3.12 3.13; do
		for p in "$HOME"/.pyenv/versions/$v.*/bin/python$v; do
			[ -x "$p" ] && echo "$p" || echo "absent:$v"
			break
		done
	done
}

primitives() { # PY TAG
	local out=$WORK/prim.out err=$WORK/prim.err line
	"$T" run -- "$1" "$HERE/primitives.py" >"$out" 2>"$err" </dev/null &
	PIDS+=($!)
	finish $!
	while IFS= read -r line; do
		case $line in
		"ok "*) ok "$2 ${line#ok * - }" ;;
		"not ok "*) notok "$2 ${line#not ok * - }" ;;
		esac
	done <"$out"
	if [ "$STATUS" = 0 ] && clean_stderr "$err"; then
		ok "$2 primitives.py exits 0, nothing printed by CPython"
	else
		notok "$2 primitives.py exit status $STATUS" "$err"
	fi
}

# wiki PY TAG MODE FORCE: the wiki's queue worker, stopped by `threadstop stop PID
# queue-worker` (MODE=cli) or threadstop.stop() (MODE=module).
wiki() {
	local out=$WORK/wiki.out err=$WORK/wiki.err p what
	what="$4"; [ "$what" = 1 ] && what=forced || what=stopped
	MODE=$3 FORCE=$4 "$T" run -- "$1" -u "$HERE/wiki_worker.py" >"$out" 2>"$err" </dev/null &
	p=$!; PIDS+=($p)
	if ! wait_for 30 has "$out" 'worker ready'; then
		notok "$2 wiki queue worker ($3, $what): never ready" "$err"; kill -9 $p; return
	fi
	if [ "$3" = cli ]; then
		wait_for 20 grep -q "@threadstop\.$p\$" /proc/net/unix # its control socket (an abstract name)
		# Thread.name is the OS name: `list` shows it and it selects the thread.
		if ! wait_for 20 list_has $p '^ *[0-9]+ +queue-worker +blocked +sem_'; then
			"$T" list $p >&2; notok "$2 wiki queue worker: list does not show queue-worker blocked in a sem wait"
			kill -9 $p; return
		fi
		"$T" stop $([ "$4" = 1 ] && echo --force) --wait=20 $p queue-worker >"$WORK/stop.out" 2>&1 ||
			{ notok "$2 wiki queue worker: threadstop stop exited $?" "$WORK/stop.out"; kill -9 $p; return; }
	fi
	finish $p
	if [ "$STATUS" = 0 ] && clean_stderr "$err"; then
		ok "$2 wiki queue worker in Queue.get(), $what ($3): the worker ends, the program exits 0"
	else
		notok "$2 wiki queue worker ($3, $what): exit status $STATUS" "$out" "$err"
	fi
}

blog() { # PY TAG MODE
	local out=$WORK/blog.out err=$WORK/blog.err p
	MODE=$3 "$T" run -- "$1" -u "$HERE/blog_server.py" >"$out" 2>"$err" </dev/null &
	p=$!; PIDS+=($p)
	if [ "$3" = cli ]; then
		if ! wait_for 30 list_has $p '^ *[0-9]+ +server +blocked +accept'; then
			"$T" list $p >&2; notok "$2 blog server: list does not show 'server' in accept"; kill -9 $p; return
		fi
		"$T" stop --wait=20 $p server >"$WORK/stop.out" 2>&1 ||
			{ notok "$2 blog server: threadstop stop exited $?" "$WORK/stop.out"; kill -9 $p; return; }
	fi
	finish $p
	if [ "$STATUS" = 0 ] && has "$out" "Operation canceled" && clean_stderr "$err"; then
		ok "$2 blog socket server in accept(), stopped ($3): OSError(ECANCELED), the program exits 0"
	else
		notok "$2 blog server ($3): exit status $STATUS" "$out" "$err"
	fi
}

# names PY TAG: every threading.Thread started gets its name, not only the first one.
names() {
	local out=$WORK/names.out err=$WORK/names.err p n
	"$T" run -- "$1" -u "$HERE/names.py" >"$out" 2>"$err" </dev/null &
	p=$!; PIDS+=($p)
	if ! wait_for 30 has "$out" ready; then
		notok "$2 names: never ready" "$err"; kill -9 $p; return
	fi
	wait_for 20 grep -q "@threadstop\.$p\$" /proc/net/unix
	for n in second-worker sub-start a-very-long-thr; do
		if ! wait_for 20 list_has $p "^ *[0-9]+ +$n +blocked +sem_"; then
			"$T" list $p >&2; notok "$2 names: list does not show $n blocked in a sem wait"
			kill -9 $p; return
		fi
	done
	"$T" stop --wait=20 $p second-worker >"$WORK/stop.out" 2>&1 ||
		{ notok "$2 names: threadstop stop exited $?" "$WORK/stop.out"; kill -9 $p; return; }
	finish $p
	if [ "$STATUS" = 0 ] && clean_stderr "$err"; then
		ok "$2 names of the threads started after the first (a subclass's start(), a long name): listed, selected"
	else
		notok "$2 names: exit status $STATUS" "$out" "$err"
	fi
}

gil() { # PY TAG FORCE
	local out=$WORK/gil.out err=$WORK/gil.err
	FORCE=$3 "$T" run -- "$1" "$HERE/gil.py" >"$out" 2>"$err" </dev/null &
	PIDS+=($!)
	finish $!
	if [ "$STATUS" = 0 ] && clean_stderr "$err"; then
		ok "$2 GIL contended (two CPU-bound threads), $([ "$3" = 1 ] && echo forced || echo plain) stop: no fatal error, exit 0"
	else
		notok "$2 GIL contended, FORCE=$3: exit status $STATUS" "$out" "$err"
	fi
}

forced_main() { # PY TAG: the main thread forced, blocking again in its finally block
	local out=$WORK/fm.out err=$WORK/fm.err
	"$T" run -- "$1" "$HERE/forced_main.py" >"$out" 2>"$err" </dev/null &
	PIDS+=($!)
	finish $!
	if [ "$STATUS" = 1 ] && [ "$(cat "$out")" = "$(printf 'finally ran\nworker done')" ] &&
		[ "$(grep -c '^threadstop.Forced' "$err")" = 2 ] && clean_stderr "$err"; then
		ok "$2 main thread forced: Forced again in its finally block's wait, the shutdown joins the worker, exit 1"
	else
		notok "$2 main thread forced: exit status $STATUS" "$out" "$err"
	fi
}

module_cmd() { # PY TAG: python -m threadstop SCRIPT runs it under the shim
	local out=$WORK/m.out
	printf 'import threadstop\nprint("available", threadstop.available())\n' >"$WORK/avail.py"
	THREADSTOP_CLI=$T timeout 60 "$1" -m threadstop "$WORK/avail.py" >"$out" 2>&1
	if has "$out" "available True"; then
		ok "$2 python -m threadstop SCRIPT runs it with the library loaded"
	else
		notok "$2 python -m threadstop" "$out"
	fi
	# Without the library: a clear error, not AttributeError.
	timeout 60 "$1" -c '
import threading, threadstop
assert not threadstop.available()
try:
    threadstop.stop(threading.current_thread())
except threadstop.NotLoaded as e:
    print("NotLoaded:", e)
' >"$out" 2>&1
	if has "$out" "NotLoaded: libthreadstop.so is not loaded"; then
		ok "$2 without the library, threadstop.stop() raises NotLoaded"
	else
		notok "$2 threadstop.stop() without the library" "$out"
	fi
}

for py in $(interpreters); do
	case $py in
	absent:*) skip "python${py#absent:} not installed (~/.pyenv/versions/${py#absent:}.*)"; continue ;;
	esac
	tag="[$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])')${py#/usr/bin/*}]"
	tag=${tag/python3.11]/ debian]}
	tag=${tag/\/root\/.pyenv*]/]}
	primitives "$py" "$tag"
	for mode in cli module; do
		wiki "$py" "$tag" $mode 0
		wiki "$py" "$tag" $mode 1
		blog "$py" "$tag" $mode
	done
	names "$py" "$tag"
	gil "$py" "$tag" 0
	gil "$py" "$tag" 1
	forced_main "$py" "$tag"
	module_cmd "$py" "$tag"
done
echo "1..$N"
[ $FAILED = 0 ]
