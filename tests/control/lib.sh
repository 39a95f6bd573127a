# Shared by the control integration tests: the tools, a private socket directory, and
# the control socket's waits (the common ones are in tests/common/lib.sh).
set -u
T=${THREADSTOP_CLI:?run me through meson test}
export THREADSTOP_LIB=${TS_LIB_OVERRIDE:-$TS_BUILD_LIB}
PY=/usr/bin/python3
WORK=$(mktemp -d /tmp/ts-ctl-test.XXXXXX)
# Each script is one TAP test: scripts/test counts its result line.
echo "1..1"
. "$(dirname "${BASH_SOURCE[0]}")/../common/lib.sh"

# The control socket is an abstract name (no file): @threadstop.PID; for Python, "\0..."
sock() { echo "@threadstop.$1"; }
listening() { grep -q " 00010000 .* @threadstop\.$1\$" /proc/net/unix; }
wait_socket() { wait_for 20 listening "$1" || fail "pid $1 never opened its control socket"; }

# execed PID: the background job PID has left this shell for its program.
execed() { [ "$(readlink "/proc/$1/exe" 2>/dev/null)" != "$(readlink /proc/$$/exe)" ]; }
