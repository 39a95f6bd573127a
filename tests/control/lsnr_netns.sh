# Containers: a process in its own network namespace (and pid namespace) is reached by
# root, the CLI joining its namespace; its socket's name carries the pid it sees itself
# (a container mounts its own /proc: --mount-proc).
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" = 0 ] || { echo "ok 1 # SKIP needs root to make namespaces"; exit 0; }
command -v unshare >/dev/null || { echo "ok 1 # SKIP no unshare(1)"; exit 0; }
unshare -n true 2>/dev/null || { echo "ok 1 # SKIP namespaces not allowed here"; exit 0; }
unshare -n -p -f --mount-proc "$T" run -- sleep 1000 >"$WORK/ns.out" 2>"$WORK/ns.err" &
U=$!; PIDS+=($U)
P=
for i in $(seq 100); do
	P=$(pgrep -P $U -x sleep || true)
	[ -n "$P" ] && break
	sleep 0.05
done
[ -n "$P" ] || fail "the namespaced sleep never started"
PIDS+=($P)
NS=$(awk '/^NSpid:/ { print $NF }' /proc/$P/status)
[ "$NS" != "$P" ] || fail "not in a pid namespace of its own"
wait_list $P " +sleep +blocked +(clock_)?nanosleep "
"$T" stop $P sleep >"$WORK/stop.out" 2>&1 || fail "stop through the namespace exited $?"
wait_for 20 gone $P || fail "the namespaced sleep did not end"
echo "ok 1 - reached in its own network and pid namespaces (its pid there: $NS)"
