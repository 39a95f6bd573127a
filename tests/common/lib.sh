# Shared by the shell tests of tests/control/ and tests/ptrace/, through their lib.sh:
# the clean-up, the failure report, and waits with generous limits (they only catch
# hangs; nothing here measures time).  The sourcing lib.sh sets T (the CLI) and WORK (a
# private directory, removed at exit) first.
PIDS=()  # killed at exit
N=0      # tests passed so far: fail reports the next one

cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
	exec 7>&- 2>/dev/null # a FIFO some tests hold open to their target
	rm -rf "$WORK"
}
trap cleanup EXIT

fail() {
	echo "not ok $((N + 1)) - $*"
	echo "FAIL: $*" >&2
	local f
	for f in "$WORK"/*.out "$WORK"/*.err; do
		[ -s "$f" ] && { echo "--- $f" >&2; tail -n 30 "$f" >&2; }
	done
	exit 1
}

# wait_for SECONDS CMD...: until CMD succeeds.
wait_for() {
	local n=$(($1 * 20)); shift
	while ! "$@"; do
		n=$((n - 1))
		[ $n -gt 0 ] || return 1
		sleep 0.05
	done
}
has() { grep -q -- "$2" "$1" 2>/dev/null; }
wait_grep() { wait_for 20 has "$1" "$2" || fail "timed out waiting for '$2' in $1"; }

gone() {
	[ -d "/proc/$1" ] || return 0
	local s; s=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1)
	[ -z "$s" ] || [ "$s" = Z ] || [ "$s" = X ]
}
# wait_exit PID: until it ends (20 s at most), then its status in $STATUS.
wait_exit() {
	wait_for 20 gone "$1" || fail "pid $1 did not end after its stop"
	wait "$1"; STATUS=$?
}

# list_has PID REGEX: `threadstop list` shows a matching line.
list_has() { "$T" list "$1" 2>/dev/null | grep -Eq -- "$2"; }
wait_list() { wait_for 20 list_has "$1" "$2" || { "$T" list "$1" >&2; fail "list of $1 never showed /$2/"; }; }
