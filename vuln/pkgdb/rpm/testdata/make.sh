#!/bin/sh
# Rebuilds the RPM database fixtures of this directory from specs/*.spec.
#
# Needs Debian's rpm (rpmbuild, rpm with the sqlite backend), db5.3-util,
# sqlite3 and go: apt-get install -y rpm db5.3-util sqlite3
#
#   sqlite/rpmdb.sqlite      rpm --justdb install of the built packages
#   bdb/Packages             the same header blobs, loaded by Berkeley DB's
#                            own db5.3_load into a little-endian hash file of
#                            4096-byte pages (key 0 holds rpm's instance
#                            counter, as rpm's bdb backend writes it)
#   bdb-be/Packages          the same, big-endian with 512-byte pages (each
#                            blob spans an overflow chain of several pages)
#   ndb/Packages.db          the same blobs in rpm's NDB format, written by
#                            mkndb (Debian's rpm is built without NDB)
#
# Each database is checked with rpm itself where it can read it (sqlite,
# and bdb through the read-only bdb_ro backend).
set -eu
cd "$(dirname "$0")"
here=$(pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for spec in specs/*.spec; do
	rpmbuild --quiet --define "_topdir $work/top" --define '__os_install_post %{nil}' \
		--define '_build_id_links none' -bb "$spec"
done

mkdir -p "$work/db" sqlite bdb bdb-be ndb
rpm --dbpath "$work/db" --define '_db_backend sqlite' --initdb
rpm --dbpath "$work/db" --define '_db_backend sqlite' --justdb --nodeps --ignorearch --ignoreos \
	-i "$work"/top/RPMS/*/*.rpm 2>/dev/null
cp "$work/db/rpmdb.sqlite" sqlite/rpmdb.sqlite

sqlite3 -separator ' ' sqlite/rpmdb.sqlite 'SELECT hnum, hex(blob) FROM Packages ORDER BY hnum' >"$work/blobs"
max=$(tail -n1 "$work/blobs" | cut -d' ' -f1)

# dump writes db_load input: key 0 with the next instance number, then
# each key and blob; the 4-byte keys in byte order $1 (le or be).
dump() {
	printf 'VERSION=3\nformat=bytevalue\ntype=hash\ndb_pagesize=%s\nHEADER=END\n' "$2"
	{ echo "0 $(printf '%08x' $((max + 1)))"; cat "$work/blobs"; } | while read -r key hex; do
		k=$(printf '%08x' "$key")
		if [ "$1" = le ]; then
			k=$(echo "$k" | sed 's/\(..\)\(..\)\(..\)\(..\)/\4\3\2\1/')
		fi
		if [ "$key" = 0 ] && [ "$1" = le ]; then
			hex=$(echo "$hex" | sed 's/\(..\)\(..\)\(..\)\(..\)/\4\3\2\1/')
		fi
		printf ' %s\n %s\n' "$k" "$(echo "$hex" | tr 'A-F' 'a-f')"
	done
	echo 'DATA=END'
}
rm -f bdb/Packages bdb-be/Packages
dump le 4096 | db5.3_load -c db_lorder=1234 -t hash bdb/Packages
dump be 512 | db5.3_load -c db_lorder=4321 -t hash bdb-be/Packages

(cd mkndb && go run . <"$work/blobs" >"$here/ndb/Packages.db")

# Check what rpm can read.
for d in sqlite:sqlite bdb:bdb_ro bdb-be:bdb_ro; do
	dir=${d%%:*} backend=${d#*:}
	mkdir -p "$work/check-$dir"
	cp "$dir"/* "$work/check-$dir/"
	rpm --dbpath "$work/check-$dir" --define "_db_backend $backend" -qa \
		--qf "$dir: %{NAME} %{EPOCH} %{VERSION}-%{RELEASE} %{ARCH} %{SOURCERPM}\n" 2>/dev/null | sort
done
