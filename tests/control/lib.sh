# Shared by the control integration tests: the tools, a private socket directory, and
# waits with generous limits (they only catch hangs; nothing here measures time).
set -u
T=${THREADSTOP_CLI:?run me through meson test}
export THREADSTOP_LIB=${TS_LIB_OVERRIDE:-$TS_BUILD_LIB}
PY=/usr/bin/python3
WORK=$(mktemp -d /tmp/ts-ctl-test.XXXXXX)
PIDS=()
# Each script is one TAP test: scripts/test counts its result line.
echo "1..1"

cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
	rm -rf "$WORK"
}
trap cleanup EXIT

fail() {
	echo "not ok 1 - $*"
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

# The control socket is an abstract name (no file): @threadstop.PID; for Python, "\0..."
sock() { echo "@threadstop.$1"; }
listening() { grep -q " 00010000 .* @threadstop\.$1\$" /proc/net/unix; }
wait_socket() { wait_for 20 listening "$1" || fail "pid $1 never opened its control socket"; }
has() { grep -q -- "$2" "$1" 2>/dev/null; }
wait_grep() { wait_for 20 has "$1" "$2" || fail "timed out waiting for '$2' in $1"; }

gone() {
	[ -d "/proc/$1" ] || return 0
	local s; s=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1)
	[ -z "$s" ] || [ "$s" = Z ] || [ "$s" = X ]
}
# execed PID: the background job PID has left this shell for its program.
execed() { [ "$(readlink "/proc/$1/exe" 2>/dev/null)" != "$(readlink /proc/$$/exe)" ]; }
# wait_exit PID: until it ends (20 s at most), then its status in $STATUS.
wait_exit() {
	wait_for 20 gone "$1" || fail "pid $1 did not end after its stop"
	wait "$1"; STATUS=$?
}

# list_has PID REGEX: `threadstop list` shows a matching line.
list_has() { "$T" list "$1" 2>/dev/null | grep -Eq -- "$2"; }
wait_list() { wait_for 20 list_has "$1" "$2" || { "$T" list "$1" >&2; fail "list of $1 never showed /$2/"; }; }
