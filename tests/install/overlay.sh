#!/bin/sh
# Run a command in a private mount namespace whose /usr, /etc and /var/lib/dpkg are
# overlays on a tmpfs: dpkg -i inside installs for real there, and the machine outside
# never sees it (a throw-away root for a machine that is not throw-away).  Root only.
#   overlay.sh CMD [ARGS...]
set -eu
if [ -z "${TS_OVERLAY_SCRATCH:-}" ]; then
	TS_OVERLAY_SCRATCH=$(mktemp -d /tmp/ts-overlay.XXXXXX)
	export TS_OVERLAY_SCRATCH
	status=0
	unshare --mount "$0" "$@" || status=$?
	rmdir "$TS_OVERLAY_SCRATCH"
	exit $status
fi
s=$TS_OVERLAY_SCRATCH
mount --make-rprivate /
mount -t tmpfs tmpfs "$s"
for d in usr etc var/lib/dpkg; do
	n=$(echo "$d" | tr / _)
	mkdir "$s/$n.up" "$s/$n.work"
	mount -t overlay overlay -o "lowerdir=/$d,upperdir=$s/$n.up,workdir=$s/$n.work" "/$d"
done
unset TS_OVERLAY_SCRATCH
"$@"
