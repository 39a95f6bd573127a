# Broken and hostile clients never block the listener nor the program.
. "$(dirname "$0")/lib.sh"
"$T" run -- sleep 1000 >"$WORK/sleep.out" 2>"$WORK/sleep.err" &
P=$!; PIDS+=($P)
wait_socket $P
$PY "$TS_CONTROL_SRC/abuse.py" "$(sock $P)" "$T" $P >"$WORK/abuse.out" 2>&1 || fail "abuse.py"
sed "s/^ok: /ok 1 - /" "$WORK/abuse.out"
gone $P && fail "the target died"
list_has $P "^ *$P +sleep +blocked " || fail "the target is no longer blocked as before"
