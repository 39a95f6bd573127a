# `list` and `ps --all` of processes without the shim, from /proc.
. "$(dirname "$0")/lib.sh"
plan 3
MODE=read
start read
wait_list $P "^ *$BT +blocked +blocked +read +fd=3 "
"$T" list $P >"$WORK/list.out" 2>&1 || fail "list exited $?"
head -1 "$WORK/list.out" | grep -q "^no shim: read from /proc" || fail "list is not marked"
grep -Eq "^ *TID +NAME +STATE +CALL +ARG +SINCE +WCHAN$" "$WORK/list.out" || fail "no header"
grep -Eq "^ *$BT +blocked +blocked +read +fd=3 +[0-9.]+s +[a-z_]+" "$WORK/list.out" || fail "no line for the blocked thread"
"$T" list $P --json >"$WORK/json.out" || fail "list --json exited $?"
/usr/bin/python3 - "$WORK/json.out" "$BT" <<'PY' || fail "bad JSON"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["shim"] is False and d["source"] == "proc", d
t = [t for t in d["threads"] if t["tid"] == int(sys.argv[2])][0]
assert t["name"] == "blocked" and t["state"] == "blocked" and t["call"] == "read" and t["syscall"] == 0, t
assert t["arg"] == "fd=3" and t["stoppable"] is True and t["refusal"] is None and t["slept_s"] >= 0, t
PY
ok "list: marked, the call with its fd, JSON"
kill $P; exec 7>&-

MODE=cond
start cond
wait_list $P "^ *$BT +blocked +waiting +futex +timeout=none "
"$T" list $P --json | grep -q '"refusal":"in a futex wait' || fail "no refusal in the JSON"
sleep 1000 &
S=$!; PIDS+=($S)
wait_list $S "^ *$S +sleep +blocked +clock_nanosleep +timeout=1000000 "
ok "list: a futex wait is 'waiting', a sleep shows its timeout"

"$T" ps --all >"$WORK/ps.out" || fail "ps --all exited $?"
grep -Eq "^ *PID +THREADS +BLOCKED +STOPPED +SHIM +COMMAND$" "$WORK/ps.out" || fail "ps --all: no header"
grep -Eq "^ *$S +1 +1 +- +no +sleep 1000$" "$WORK/ps.out" || fail "ps --all does not show sleep"
grep -Eq "^ *$P +3 +[12] +- +no +.*blocker cond$" "$WORK/ps.out" || fail "ps --all does not show the blocker"
"$T" ps --all --json | /usr/bin/python3 -c '
import json, sys
d = {p["pid"]: p for p in json.load(sys.stdin)}
p = d[int(sys.argv[1])]
assert p["shim"] is False and p["stopped"] is None and p["blocked"] == 1 and p["command"] == "sleep 1000", p
' $S || fail "ps --all --json"
ok "ps --all: processes without the shim, with their blocked threads"
