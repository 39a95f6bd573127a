# The CLI's usage, help, exit codes and error messages.
. "$(dirname "$0")/lib.sh"
expect() { # expect CODE PATTERN CMD...: exit status and a line of output
	local code=$1 pat=$2 rc; shift 2
	"$@" >"$WORK/cli.out" 2>&1; rc=$?
	[ "$rc" = "$code" ] || fail "'$*' exited $rc, not $code"
	grep -Eq -- "$pat" "$WORK/cli.out" || fail "'$*' did not print /$pat/"
}
expect 0 "^usage: threadstop COMMAND" "$T" --help
for w in "run \[--signal N\]" "list PID \[--json\]" "stop PID SELECTOR" "ps" "call:GLOB" "exit status"; do
	grep -Eq -- "$w" "$WORK/cli.out" || fail "--help does not document $w"
done
expect 0 "^threadstop [0-9.]+ \(control protocol 1\)" "$T" --version
expect 2 "no command" "$T"
expect 2 "unknown command 'frob'" "$T" frob
expect 2 "list needs a PID" "$T" list
expect 2 "'abc' is not a process id" "$T" list abc
expect 2 "usage: threadstop stop" "$T" stop 1
expect 2 "unknown option" "$T" stop 1 x --bogus
expect 2 "--wait=SECONDS" "$T" stop 1 x --wait=soon
expect 2 "bad selector" "$T" stop 1 0
expect 2 "real-time signal" "$T" run --signal 9 -- true
expect 2 "usage: threadstop run" "$T" run --
expect 127 "cannot execute 'no-such-command-xyz'" "$T" run -- no-such-command-xyz
true & D=$!; wait $D
expect 3 "no process with pid $D" "$T" list $D
sleep 1000 & S=$!; PIDS+=($S)
expect 0 "^no shim: read from /proc" "$T" list $S
expect 3 "pid $S runs without the shim .*stop --ptrace" "$T" stop $S all
THREADSTOP_LIB=/nonexistent expect 127 "THREADSTOP_LIB" "$T" run -- true
# run: the library reaches the child only, first in LD_PRELOAD; --signal passes through.
LD_PRELOAD= expect 0 "^$THREADSTOP_LIB\$" "$T" run -- sh -c 'echo "$LD_PRELOAD"'
LD_PRELOAD=/lib/other.so expect 0 "^$THREADSTOP_LIB:/lib/other.so\$" "$T" run -- sh -c 'echo "$LD_PRELOAD"'
expect 0 "^40\$" "$T" run --signal 40 -- sh -c 'echo "$THREADSTOP_SIGNAL"'
"$T" run --signal 40 -- sleep 1000 & P=$!; PIDS+=($P)
wait_socket $P
expect 0 "^ *TID +NAME +STATE +CALL +ARG +SINCE$" "$T" list $P
expect 1 "no thread of pid $P matches 'nosuch'" "$T" stop $P nosuch
expect 0 "^stopped $P sleep" "$T" stop $P "tid:$P"
echo "ok 1 - cli"
