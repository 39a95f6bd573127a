# Fork children: one that lives on blocked in accept (a pre-fork worker) and one that
# computes without a single call are listed and stopped through the CLI; children that
# _exit at once leave nothing behind.
. "$(dirname "$0")/lib.sh"
"$T" run -- "$LSNR" forkworker >"$WORK/fw.out" 2>"$WORK/fw.err" &
P=$!; PIDS+=($P)
wait_grep "$WORK/fw.out" "^child "
C=$(awk '/^child/ { print $2 }' "$WORK/fw.out"); PIDS+=($C)
wait_list $C "^ *$C +lsnr +blocked +accept +fd="
"$T" stop $C call:accept >"$WORK/stop.out" 2>&1 || fail "stop of the worker exited $?"
wait_exit $P
[ $STATUS = 3 ] || fail "the worker's accept did not fail with ECANCELED (parent exited $STATUS)"

"$T" run -- "$LSNR" forkspin >"$WORK/fs.out" 2>"$WORK/fs.err" &
P=$!; PIDS+=($P)
wait_grep "$WORK/fs.out" "^child "
C=$(awk '/^child/ { print $2 }' "$WORK/fs.out"); PIDS+=($C)
wait_list $C "^ *$C +lsnr +running "
kill $C
wait_exit $P

"$T" run -- "$LSNR" forkexit 300 >"$WORK/fe.out" 2>&1 || fail "forkexit failed"
grep -q done "$WORK/fe.out" || fail "forkexit did not finish"
[ -z "$(ls -A "$THREADSTOP_DIR" 2>/dev/null)" ] || fail "left behind: $(ls "$THREADSTOP_DIR" | head -n 5 | tr '\n' ' ')"
echo "ok 1 - pre-fork worker stopped, computing child listed, 300 fork+_exit left nothing"
