#!/usr/bin/env bash
# Checks an installed threadstop as a user meets it: the files are there, the header and
# threadstop.pc build the thread_stop(3) example, which runs against the installed
# library; the installed `threadstop run` preloads the installed library (never a build
# tree); list and stop work; the Python module stops a thread; the man pages render; bash
# and zsh complete PIDs and threads.
#   check-installed.sh PREFIX VERSION SOURCE_DIR
# PREFIX is where the files are (a meson --prefix, or ROOT/usr of an unpacked .deb).
# THREADSTOP_LIB is set by the caller when the command was built for another prefix.
# 16 TAP results, numbered from TAP_BASE+1 (the caller then prints the plan).
set -u
prefix=$1 version=$2 src=$3
WORK=$(mktemp -d /tmp/ts-install-check.XXXXXX)
export THREADSTOP_DIR=$WORK/sock
T=$prefix/bin/threadstop
n=${TAP_BASE:-0} bad=0 P=
cleanup() { [ -n "$P" ] && { kill -9 "$P"; wait "$P"; } 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
ok() { n=$((n + 1)); echo "ok $n - $*"; }
nok() { n=$((n + 1)); bad=1; echo "not ok $n - $*"; }
check() { # description, command...
	local d=$1; shift
	if "$@" >"$WORK/last" 2>&1; then ok "$d"; else nok "$d"; sed 's/^/# /' "$WORK/last" | tail -20; fi
}
wait_for() { # seconds, command...: until it succeeds (a bound for hangs only)
	local i=$(($1 * 20)); shift
	until "$@"; do i=$((i - 1)); [ $i -gt 0 ] || return 1; sleep 0.05; done
}
one() { # the first path matching a glob relative to the prefix (LIB: lib, lib64, lib/ARCH)
	local f
	for f in "$prefix"/${1/LIB/lib*} "$prefix"/${1/LIB/lib*/*}; do
		[ -e "$f" ] && { echo "$f"; return 0; }
	done
	return 1
}
[ -n "${TAP_BASE:-}" ] || echo "1..16" # else the caller printed the plan

# 1. the files
missing=
for f in bin/threadstop include/threadstop.h LIB/libthreadstop.so LIB/libthreadstop.so.0 \
	"LIB/libthreadstop.so.$version" LIB/pkgconfig/threadstop.pc share/man/man1/threadstop.1* \
	share/man/man3/thread_stop.3* share/man/man7/threadstop.7* \
	share/bash-completion/completions/threadstop 'share/zsh/*/_threadstop' \
	"share/doc/threadstop/README.md*" "share/doc/threadstop/doc/cli.md*"; do
	one "$f" >/dev/null || missing="$missing $f"
done
one 'share/doc/threadstop/LICENSE' >/dev/null || one 'share/doc/threadstop/copyright' >/dev/null ||
	missing="$missing share/doc/threadstop/LICENSE"
[ -z "$missing" ] && ok "every file is installed" || nok "not installed:$missing"
lib=$(one LIB/libthreadstop.so.0) || lib=/nonexistent
libdir=$(dirname "$lib")

# 2. the version, from meson.build
check "threadstop --version says $version" grep -q "^threadstop $version " <("$T" --version)

# 3. SONAME and version node
check "the library's SONAME is libthreadstop.so.0 and its API is versioned THREADSTOP_0.1" \
	sh -c "readelf -d '$lib' | grep -q 'SONAME.*\[libthreadstop.so.0\]' &&
	       nm -D --defined-only '$lib' | grep -q ' thread_stop_tid@@THREADSTOP_0.1\$'"

# 4-5. the man page's example, built with pkg-config against the installed header and
# library, binds the versioned API and stops its own worker.
sed -n '/^A thread that stops its worker/,/^Built with/p' "$src/man/thread_stop.3.scd" |
	sed -n '/^```$/,/^```$/p' | sed '1d;$d' >"$WORK/example.c"
export PKG_CONFIG_PATH=$libdir/pkgconfig
if cc -Wall -Werror -o "$WORK/example" "$WORK/example.c" $(pkg-config --cflags --libs threadstop) 2>"$WORK/cc.err" &&
	objdump -T "$WORK/example" | grep -Eq 'THREADSTOP_0\.1\)? +thread_stop_tid'; then
	ok "thread_stop(3)'s example builds with pkg-config and references thread_stop_tid@THREADSTOP_0.1"
else
	nok "thread_stop(3)'s example does not build against the installed files"
	sed 's/^/# /' "$WORK/cc.err"
fi
check "the example, linked, stops its worker's accept()" \
	grep -qx 'worker: stopped' <(LD_LIBRARY_PATH=$libdir timeout 60 "$WORK/example")

# 6-8. the installed command preloads the installed library, lists and stops.
"$T" run -- sleep 600 >"$WORK/sleep.out" 2>&1 &
P=$!
insleep() { "$T" list "$P" 2>/dev/null | grep -q 'nanosleep'; }
if wait_for 30 insleep; then ok "installed 'threadstop run' started a program that 'list' sees"; else nok "list never showed the sleep"; fi
mapped=$(grep -o '/.*libthreadstop[^ ]*' "/proc/$P/maps" 2>/dev/null | sort -u)
want=$(readlink -f "${THREADSTOP_LIB:-$lib}")
if [ "$mapped" = "$want" ]; then
	ok "the program maps the installed library ($mapped)"
else
	nok "the program maps '$mapped', not $want"
fi
"$T" stop "$P" all --wait=30 >"$WORK/stop.out" 2>&1
gone() { ! kill -0 "$P" 2>/dev/null; }
if wait_for 30 gone; then
	wait "$P"; st=$?; P=
	if [ $st -ne 0 ] && grep -qi 'cancel' "$WORK/sleep.out"; then
		ok "the stop ended the sleep with ECANCELED (status $st)"
	else
		nok "sleep ended with status $st: $(cat "$WORK/sleep.out")"
	fi
else
	nok "the stopped sleep did not end"; cat "$WORK/stop.out" | sed 's/^/# /'
fi

# 9. the Python module, installed, stops a thread of a program under the installed shim
pymod=$(one 'LIB/python3*/*-packages/threadstop/__init__.py') || pymod=
if ! [ -x /usr/bin/python3 ]; then
	ok "# SKIP no /usr/bin/python3"
elif [ -z "$pymod" ]; then
	nok "the Python module threadstop is not installed"
else
	cat >"$WORK/py.py" <<'PY'
import errno, threading, time
import threadstop
got = []
def worker():
    try:
        time.sleep(600)
    except OSError as e:
        got.append(e.errno)
t = threading.Thread(target=worker)
t.start()
threadstop.stop(t)  # sticky until its next blocking call, if it is not there yet
t.join(60)
print('stopped' if got == [errno.ECANCELED] else 'got %r' % got)
PY
	check "the installed Python module stops a thread (python3 under the installed threadstop run)" \
		grep -qx stopped <(PYTHONPATH=$(dirname "$(dirname "$pymod")") timeout 60 "$T" run -- /usr/bin/python3 "$WORK/py.py")
fi

# 10. the man pages render without a warning
warn=
for m in "$(one 'share/man/man1/threadstop.1*')" "$(one 'share/man/man3/thread_stop.3*')" \
	"$(one 'share/man/man7/threadstop.7*')"; do
	[ -n "$m" ] || continue
	w=$(MANWIDTH=80 man -l "$m" 2>&1 >/dev/null) || warn="$warn $m: failed"
	[ -z "$w" ] || warn="$warn $m: $w"
done
[ -z "$warn" ] && ok "the man pages render without warnings" || nok "man:$warn"

# 11-16. completion, against a program with named threads
cat >"$WORK/named.c" <<'C'
#define _GNU_SOURCE
#include <pthread.h>
#include <unistd.h>
static void *idle(void *name)
{
	pthread_setname_np(pthread_self(), name);
	pause();
	return 0;
}
int main(void)
{
	pthread_t t;
	pthread_create(&t, 0, idle, "acceptor");
	pthread_create(&t, 0, idle, "reader");
	pause();
	return 0;
}
C
cc -o "$WORK/named" "$WORK/named.c" -pthread
"$T" run -- "$WORK/named" &
P=$!
named() { "$T" list "$P" 2>/dev/null | grep -q reader; }
wait_for 30 named || nok "list never showed the named threads"
bashcomp=$(one share/bash-completion/completions/threadstop)
complete_bash() { # words...: the completions of the last word
	bash -c '
		[ -f /usr/share/bash-completion/bash_completion ] && . /usr/share/bash-completion/bash_completion
		. "$1"; shift
		COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
		_threadstop; printf "%s\n" "${COMPREPLY[@]}"' complete "$bashcomp" "$@"
}
check "bash completes subcommands" grep -qx stop <(complete_bash "$T" st)
check "bash completes the PIDs of processes with the shim" grep -qx "$P" <(complete_bash "$T" list "")
check "bash completes a PID's thread names, tids and calls" sh -c "
	out=\$(cat); echo \"\$out\" | grep -qx acceptor && echo \"\$out\" | grep -qx reader &&
	echo \"\$out\" | grep -qx '$P' && echo \"\$out\" | grep -qx call:pause" <<<"$(complete_bash "$T" stop "$P" "")"
check "bash completes the options of stop" grep -qx -- --force <(complete_bash "$T" stop "$P" --f)

# zsh: a real interactive zsh on a pty, completing a PID and a PID's threads
zcomp=$(one 'share/zsh/*/_threadstop')
mkdir -p "$WORK/zbin" "$WORK/zhome"
ln -s "$T" "$WORK/zbin/threadstop"
cat >"$WORK/z.zsh" <<'Z'
zmodload zsh/zpty
readpat() { # pattern: read the pty until its output matches (60 s at most: hangs only)
  local chunk i
  out=
  for ((i = 0; i < 600; i++)); do
    while zpty -r -t z chunk; do out+=$chunk; done
    [[ $out == $~1 ]] && return 0
    sleep 0.1
  done
  print -r -- "$out"
  return 1
}
zpty -b z "env -i HOME=$ZHOME PATH=$ZBIN:/usr/bin:/bin TERM=dumb THREADSTOP_DIR=$THREADSTOP_DIR ${THREADSTOP_LIB:+THREADSTOP_LIB=$THREADSTOP_LIB} zsh -f -i"
zpty -w z "PS1='%% '; fpath=($ZFPATH \$fpath); autoload -Uz compinit; compinit -u -D; print compinit-done"
readpat '*compinit-done*compinit-done*' || exit 1
# Two tabs: when other processes with the shim run, their PIDs and ours may share a
# prefix, which the first tab only inserts; the second lists the candidates.
zpty -w -n z "$ZLINE"$'\t'
sleep 0.5
zpty -w -n z $'\t'
readpat "$ZPAT"
st=$?
zpty -d z
exit $st
Z
zcomplete() { # line, pattern the completion must print
	env ZHOME="$WORK/zhome" ZBIN="$WORK/zbin" ZFPATH="$(dirname "$zcomp")" ZLINE="$1" ZPAT="$2" \
		zsh -f "$WORK/z.zsh"
}
if command -v zsh >/dev/null; then
	check "zsh completes the PID of the process with the shim" zcomplete "threadstop stop " "*$P*"
	check "zsh completes a PID's thread names" zcomplete "threadstop stop $P " '*acceptor*reader*'
else
	ok "# SKIP zsh is not installed"
	ok "# SKIP zsh is not installed"
fi
exit $bad
