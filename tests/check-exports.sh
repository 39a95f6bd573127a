#!/bin/sh
# The library exports exactly the interposed functions of preload/calls.def, unversioned
# (so that they bind references to any glibc version), and the functions declared in
# include/threadstop.h, each with the version node preload/exports.map.in gives it;
# released API keeps its node for ever.  Nothing internal leaks, nothing is missing.
set -eu
lib=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Released API: name and version node.  Append; never edit a line.
cat >"$tmp/released" <<'REL'
thread_stop@@THREADSTOP_0.1
thread_stop_clear@@THREADSTOP_0.1
thread_stop_grace@@THREADSTOP_0.1
thread_stop_pending@@THREADSTOP_0.1
thread_stop_tid@@THREADSTOP_0.1
REL
# name -> node, from the version script (nodes look like "THREADSTOP_0.1 {")
sed 's,/\*.*\*/,,' "$src/preload/exports.map.in" | awk '
	/^[A-Z][A-Z0-9_.]* *\{/ { node = $1; next }
	/^ *}/ { node = "" }
	node != "" && /^ *[a-z_0-9]+; *$/ { gsub(/[ ;]/, ""); print $0 "@@" node }' >"$tmp/map"
{
	sed -n 's/^TS_CALL(\([a-z_0-9]*\),.*/\1/p' "$src/preload/calls.def"
	for f in $(sed -n 's/^[a-z].*[ *]\(thread_[a-z_]*\)(.*);$/\1/p' "$src/include/threadstop.h"); do
		grep "^$f@@" "$tmp/map" || echo "$f@@(not in exports.map.in)"
	done
} | sort -u >"$tmp/expected"
nm -D --defined-only "$lib" | awk '$2 ~ /^[TWiV]$/ { print $3 }' | sort -u >"$tmp/actual"
echo "1..2"
diff -u "$tmp/expected" "$tmp/actual" | sed 's/^/# /' || :
if cmp -s "$tmp/expected" "$tmp/actual"; then
	echo "ok 1 - $(wc -l <"$tmp/actual") exported symbols match calls.def (unversioned) + include/threadstop.h (versioned)"
else
	echo "not ok 1 - exports of $(basename "$lib") differ from calls.def + threadstop.h (- expected, + exported)"
	status=1
fi
if missing=$(grep -vxF -f "$tmp/actual" "$tmp/released"); then
	echo "not ok 2 - released API lost or changed its version: $missing"
	status=1
else
	echo "ok 2 - released API keeps its versions ($(wc -l <"$tmp/released") symbols)"
fi
exit ${status:-0}
