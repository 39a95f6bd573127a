# A real program: socat serving a socket (fork mode) keeps serving after a plain stop of its
# listening thread, which retries its failed wait: the stop lapses, no spin.
. "$(dirname "$0")/lib.sh"
command -v socat >/dev/null || { echo "ok 1 - socat # SKIP socat is not installed (scripts/deps)"; exit 0; }
# a UNIX socket: no port to collide with another test's
"$T" run -- socat UNIX-LISTEN:"$WORK/srv",fork SYSTEM:'echo hello' >"$WORK/socat.out" 2>"$WORK/socat.err" &
P=$!; PIDS+=($P)
wait_socket $P
ask() { socat -T5 - UNIX-CONNECT:"$WORK/srv" </dev/null 2>/dev/null | grep -q hello; }
wait_for 20 ask || fail "socat never answered on $WORK/srv"
"$T" stop $P all --wait=10 >"$WORK/stop.out" 2>&1
grep -Eq "ignored the stop|left .* with ECANCELED" "$WORK/stop.out" || fail "stop --wait: $(cat "$WORK/stop.out")"
ticks0=$(sed 's/.*) //' /proc/$P/stat | awk '{ print $12 + $13 }')
sleep 2
ticks1=$(sed 's/.*) //' /proc/$P/stat | awk '{ print $12 + $13 }')
[ $((ticks1 - ticks0)) -le $(($(getconf CLK_TCK) / 4)) ] || fail "socat used $((ticks1 - ticks0)) ticks in 2 s after the stop (a spin)"
gone $P && fail "socat exited after a plain stop: $(cat "$WORK/socat.err")"
for i in 1 2 3; do ask || fail "socat stopped serving after the stop (client $i): $(cat "$WORK/stop.out")"; done
kill $P; wait $P 2>/dev/null
echo "ok 1 - socat keeps serving after a plain stop ($(tr '\n' ' ' <"$WORK/stop.out"))"
