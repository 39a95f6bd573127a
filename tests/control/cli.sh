# The CLI's usage, help, argument parsing, exit codes and error messages.
. "$(dirname "$0")/lib.sh"
expect() { # expect CODE PATTERN CMD...: exit status and a line of output
	local code=$1 pat=$2 rc; shift 2
	"$@" >"$WORK/cli.out" 2>&1; rc=$?
	[ "$rc" = "$code" ] || fail "'$*' exited $rc, not $code"
	grep -Eq -- "$pat" "$WORK/cli.out" || fail "'$*' did not print /$pat/"
}
lacks() { ! grep -Eq -- "$1" "$WORK/cli.out" || fail "printed /$1/"; }

# Help: the overview, and each command's own, the same by both routes, each complete.
expect 0 "^usage: threadstop COMMAND" "$T" --help
for w in "run \[--signal SIG\]" "list \[--json\]" "stop \[--force\]" "ps \[--all\] \[--json\]" "stop --ptrace" "help \[COMMAND\]" "exit status" "126" "127"; do
	grep -Eq -- "$w" "$WORK/cli.out" || fail "--help does not document $w"
done
expect 0 "^usage: threadstop COMMAND" "$T" help
expect 0 "^usage: threadstop COMMAND" "$T" -h
CLISRC=$TS_CONTROL_SRC/../../cli
for c in run list stop ps help; do
	expect 0 "^usage: threadstop $c" "$T" "$c" --help
	cp "$WORK/cli.out" "$WORK/help1"
	expect 0 "^usage: threadstop $c" "$T" help "$c"
	cmp -s "$WORK/cli.out" "$WORK/help1" || fail "'help $c' and '$c --help' differ"
	grep -q "^exit status" "$WORK/cli.out" || fail "'$c --help' has no exit status"
done
# Every long option in the sources' option tables is in its command's help.
for f in run list stop ps; do
	for o in $(sed -n 's/^[[:space:]]*{ "\([a-z-]*\)", [a-z_]*_argument.*/\1/p' "$CLISRC/$f.c"); do
		"$T" "$f" --help | grep -q -- "--$o" || fail "'$f --help' does not document --$o"
	done
done
expect 2 "no command 'frob'" "$T" help frob
expect 0 "^threadstop [0-9.]+ \(control protocol 1\)" "$T" --version

# Usage errors: exit 2, the message, and where the help is.
expect 2 "no command" "$T"
expect 2 "unknown command 'frob'" "$T" frob
expect 2 "list: needs a PID" "$T" list
expect 2 "see 'threadstop list --help'" "$T" list
expect 2 "'abc' is not a process id" "$T" list abc
expect 2 "takes one PID" "$T" list 1 2
expect 2 "ps: takes no arguments" "$T" ps extra
expect 2 "stop: needs a SELECTOR" "$T" stop 1
expect 2 "unknown option '--bogus'" "$T" stop 1 x --bogus
expect 2 "unknown option '-q'" "$T" stop -q 1 x
expect 2 "option '--force' takes no value" "$T" stop --force=yes 1 x
expect 2 "option '--timeout' needs a value" "$T" list 1 --timeout
expect 2 "--wait needs a number of seconds" "$T" stop 1 x --wait=soon
expect 2 "--wait needs a number of seconds" "$T" stop 1 x --wait 0
expect 2 "--timeout needs a number of seconds" "$T" list --timeout=-1 1
expect 2 "bad selector" "$T" stop 1 0
expect 2 "real-time signal" "$T" run --signal 9 -- true
expect 2 "real-time signal.*not 'TERM'" "$T" run --signal TERM -- true
expect 2 "run: needs a command" "$T" run --

# run: signals by name or number; the shell's 126 and 127.
for s in 40:40 SIGRTMIN+3:37 RTMIN+3:37 rtmin+3:37 SIGRTMAX-3:61 RTMAX:64 61:61; do
	expect 0 "^${s#*:}\$" "$T" run --signal "${s%%:*}" -- sh -c 'echo "$THREADSTOP_SIGNAL"'
	expect 0 "^${s#*:}\$" "$T" run --signal="${s%%:*}" sh -c 'echo "$THREADSTOP_SIGNAL"'
done
expect 0 "^37\$" "$T" run -s RTMIN+3 sh -c 'echo "$THREADSTOP_SIGNAL"'
# options end at CMD: its own options are its own
expect 0 "^--help\$" "$T" run sh -c 'echo "$1"' _ --help
expect 127 "cannot execute 'no-such-command-xyz'" "$T" run -- no-such-command-xyz
touch "$WORK/noexec"
expect 126 "cannot execute '$WORK/noexec': Permission denied" "$T" run -- "$WORK/noexec"
expect 126 "cannot execute" "$T" run -- "$WORK"
THREADSTOP_LIB=/nonexistent expect 127 "THREADSTOP_LIB" "$T" run -- true
# the library reaches the child only, first in LD_PRELOAD
LD_PRELOAD= expect 0 "^$THREADSTOP_LIB\$" "$T" run -- sh -c 'echo "$LD_PRELOAD"'
LD_PRELOAD=/lib/other.so expect 0 "^$THREADSTOP_LIB:/lib/other.so\$" "$T" run -- sh -c 'echo "$LD_PRELOAD"'

# Messages that say what is true and what to do.
true & D=$!; wait $D
expect 3 "no process with pid $D" "$T" list $D
sleep 1000 & S=$!; PIDS+=($S)
expect 0 "^no shim: read from /proc" "$T" list $S
expect 3 "pid $S runs without the shim .*stop --ptrace" "$T" stop $S all
# (perl never reaps a child it did not wait for; bash may reap 'sleep 0' before its exec)
perl -e 'my $p = fork; exit 0 unless $p; open my $f, ">", $ARGV[0]; print $f $p; close $f; sleep 1000' "$WORK/zombie" & Z=$!; PIDS+=($Z)
wait_for 20 test -s "$WORK/zombie" || fail "no zombie"
ZC=$(cat "$WORK/zombie")
wait_for 20 gone "$ZC" || fail "the zombie's child did not end"
expect 3 "pid $ZC has exited: it is a zombie \(its parent, pid $Z," "$T" list "$ZC"
# thread_stop() gives the errno include/threadstop.h documents for each.
capi() { # capi PID: thread_stop(PID, "all", 0) from a program under the shim
	LD_PRELOAD="$THREADSTOP_LIB" $PY -c '
import ctypes, errno, sys
lib = ctypes.CDLL(None, use_errno=True)
r = lib.thread_stop(int(sys.argv[1]), b"all", 0)
print(r, errno.errorcode.get(ctypes.get_errno(), ctypes.get_errno()) if r < 0 else "ok")
' "$1" 2>&1
}
for c in "$D:-1 ESRCH" "$ZC:-1 ESRCH" "$S:-1 ENOENT"; do
	r=$(capi "${c%%:*}"); [ "$r" = "${c#*:}" ] || fail "thread_stop(${c%%:*}): '$r', not '${c#*:}'"
done

# Against a real process: options anywhere, '--', and --wait's value.
"$T" run --signal 40 -- sleep 1000 & P=$!; PIDS+=($P)
wait_socket $P
expect 0 "^ *TID +NAME +STATE +CALL +ARG +SINCE$" "$T" list $P
expect 0 "^ *TID +NAME" "$T" list --timeout 5 $P
expect 0 "^\{\"pid\":$P," "$T" list $P --json
expect 0 "^\{\"pid\":$P," "$T" list --json -- $P
expect 1 "no thread of pid $P matches 'nosuch'" "$T" stop $P nosuch
expect 1 "no thread of pid $P matches 'nosuch'" "$T" stop $P nosuch --wait 5
lacks "matches '5'"
expect 1 "no thread of pid $P matches '-x'" "$T" stop $P -- -x
expect 1 "no thread of pid $P matches 'nosuch'" "$T" stop --timeout=5 $P --force nosuch
expect 0 "^stopped $P sleep" "$T" stop $P "tid:$P"
echo "ok 1 - cli"
