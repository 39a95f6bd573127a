#!/bin/sh
# threadstop(1) documents the command as it is: every subcommand, option and environment
# variable that `threadstop --help` (and each subcommand's --help, where it has one)
# names appears in the man page built from man/threadstop.1.scd.
# usage: check-man.sh THREADSTOP_BINARY threadstop.1
# (under a cross build TS_TEST_WRAPPER is the emulator that runs the binary)
set -eu
cli=$1 page=$2
run() { ${TS_TEST_WRAPPER:-} "$cli" "$@"; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
run --help >"$tmp/help"
# Subcommands: the words that open a line of the help's "commands:" list.
subs=$(sed -n '/^commands:/,/^$/p' "$tmp/help" | sed -n 's/^  \([a-z][a-z-]*\)\( .*\)\{0,1\}$/\1/p' | sort -u)
for s in $subs; do
	# a subcommand's own help, if it has one
	run "$s" --help >"$tmp/help-$s" 2>/dev/null || rm -f "$tmp/help-$s"
done
opts=$( (cat "$tmp"/help* | grep -oE -- '--[a-z][a-z-]*'
	cat "$tmp"/help* | grep -oE -- '(^|[][ ,(])-[a-zA-Z]([] ,=)]|$)' | grep -oE -- '-[a-zA-Z]') | sort -u)
envs=$(cat "$tmp"/help* | grep -oE 'THREADSTOP_[A-Z_]+' | sort -u)
# The page as text: roff font escapes and zero-width joiners removed, hyphen escapes kept
# as plain hyphens.
sed 's/\\f[BIRP]//g; s/\\&//g; s/\\-/-/g' "$page" >"$tmp/page"
n=0 bad=0
[ -n "$subs" ] || { echo "1..1"; echo "not ok 1 - no subcommands found in --help"; exit 1; }
echo "1..$(($(echo "$subs" | wc -l) + $(echo "$opts" | wc -l) + $(echo "$envs" | wc -l)))"
check() { # description, grep -E pattern
	n=$((n + 1))
	if grep -qE -- "$2" "$tmp/page"; then
		echo "ok $n - $1"
	else
		echo "not ok $n - $1 is not in $(basename "$page")"
		bad=1
	fi
}
for s in $subs; do check "subcommand $s has an entry" "^$s( |$)"; done
for o in $opts; do check "option $o" "(^|[^a-z-])$o([^a-z-]|$)"; done
for e in $envs; do check "environment variable $e" "(^|[^A-Z_])${e}([^A-Z_]|$)"; done
exit $bad
