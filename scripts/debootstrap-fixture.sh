#!/usr/bin/env bash
# Builds the real Debian root file system the image tests scan: a
# `debootstrap --variant=minbase` of the suite the configured apt mirror
# serves, packed as a tar (the image's base layer). It runs once: the tar is
# cached and the script only prints its path when it is already there.
#
#   scripts/debootstrap-fixture.sh            # prints the tarball's path
#
# Environment:
#   BULWARK_FIXTURES  cache directory (default ~/.cache/bulwark/fixtures)
#   DEBIAN_SUITE      suite (default: the first of /etc/apt/sources.list*)
#   DEBIAN_MIRROR     mirror (default: the first deb.debian.org-like URI there)
#
# Progress goes to stderr; stdout holds only the tarball's path, so callers can
# write: BULWARK_DEBIAN_ROOTFS=$(scripts/debootstrap-fixture.sh).
set -euo pipefail

log() { echo "debootstrap-fixture: $*" >&2; }
die() { log "error: $*"; exit 1; }

# apt_source prints "URI SUITE" of the first Debian (non-security) source the
# host's apt configuration names, in deb822 or one-line form.
apt_source() {
	local f
	for f in /etc/apt/sources.list.d/*.sources /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		case "$f" in
		*.sources)
			awk '
				/^URIs:/ { uri = $2 }
				/^Suites:/ { suite = $2 }
				/^$/ { if (uri ~ /debian$/ && suite != "") { print uri, suite; exit } uri = ""; suite = "" }
				END { if (uri ~ /debian$/ && suite != "") print uri, suite }
			' "$f" | head -n 1
			;;
		*)
			awk '$1 == "deb" && $2 ~ /debian\/?$/ { print $2, $3; exit }' "$f"
			;;
		esac
	done | head -n 1
}

src=$(apt_source || true)
mirror=${DEBIAN_MIRROR:-${src%% *}}
suite=${DEBIAN_SUITE:-${src##* }}
[ -n "$mirror" ] && [ -n "$suite" ] || die "no Debian mirror or suite found in /etc/apt/sources.list*; set DEBIAN_MIRROR and DEBIAN_SUITE"

cache=${BULWARK_FIXTURES:-$HOME/.cache/bulwark/fixtures}
out="$cache/debian-$suite-minbase.tar"
if [ -s "$out" ]; then
	log "cached: $out"
	echo "$out"
	exit 0
fi

[ "$(id -u)" = 0 ] || die "debootstrap needs root (to create device nodes and chown files); $out is missing"
if ! command -v debootstrap >/dev/null 2>&1; then
	log "installing debootstrap"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >&2 || die "apt-get update failed (no access to the Debian mirror?)"
	apt-get install -y -qq debootstrap >&2 || die "apt-get install debootstrap failed"
fi

mkdir -p "$cache"
work=$(mktemp -d "$cache/.debootstrap.XXXXXX")
trap 'rm -rf "$work"' EXIT
root="$work/root"
log "debootstrap --variant=minbase $suite from $mirror (log in $work/debootstrap.log)"
start=$(date +%s)
if ! debootstrap --variant=minbase "$suite" "$root" "$mirror" >"$work/debootstrap.log" 2>&1; then
	tail -n 30 "$work/debootstrap.log" >&2
	[ -f "$root/debootstrap/debootstrap.log" ] && tail -n 30 "$root/debootstrap/debootstrap.log" >&2
	die "debootstrap of $suite from $mirror failed (no access to the Debian mirror?)"
fi
# What an image build leaves out: apt's downloaded lists and archives.
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* "$root"/debootstrap
# A numeric-owner tar of the root's contents, entries named without a leading
# "./" as image layers name them; written beside and renamed, so a failed run
# never leaves a partial fixture.
(cd "$root" && tar --numeric-owner -cf "$work/rootfs.tar" $(ls -A))
mv "$work/rootfs.tar" "$out"
log "wrote $out ($(du -h "$out" | cut -f1)) in $(($(date +%s) - start)) s"
echo "$out"
