# A program that has used every descriptor, then gets a client: the listener serves it
# (its descriptors are its own), does not spin, and the program is unaffected.
. "$(dirname "$0")/lib.sh"
mkfifo "$WORK/in"
"$T" run -- "$LSNR" exhaust <"$WORK/in" >"$WORK/ex.out" 2>"$WORK/ex.err" &
P=$!; PIDS+=($P)
exec 7>"$WORK/in"
wait_grep "$WORK/ex.out" "^exhausted "
wait_list $P "^ *$P +lsnr +blocked +read +fd=0 "
L=$(grep -l '^threadstop$' /proc/$P/task/*/comm | head -n1 | cut -d/ -f5)
[ -n "$L" ] || fail "no listener thread"
cpu() { awk '{ print $14 + $15 }' /proc/$P/task/$L/stat; }
c0=$(cpu)
# A client that connects and says nothing for 2 s, and the CLI meanwhile.
$PY - "$T" $P <<'PYEOF' || fail "the CLI was not served while the program had no descriptor left"
import socket, subprocess, sys, time
procs = []
for i in range(4):
    procs.append(subprocess.Popen([sys.argv[1], "list", sys.argv[2]], stdout=subprocess.DEVNULL))
time.sleep(2)
sys.exit(max(p.wait(timeout=30) for p in procs))
PYEOF
c1=$(cpu)
[ $((c1 - c0)) -lt 50 ] || fail "the listener used $((c1 - c0)) ticks of CPU in 2 s"
echo hello >&7
wait_grep "$WORK/ex.out" "^got hello"
exec 7>&-
wait_exit $P
[ $STATUS = 0 ] || fail "the program exited $STATUS"
echo "ok 1 - served with every descriptor used; listener CPU $((c1 - c0)) ticks in 2 s; program unaffected"
