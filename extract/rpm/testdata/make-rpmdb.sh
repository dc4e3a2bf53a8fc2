#!/bin/sh
# Regenerates fedora40/usr/lib/sysimage/rpm/rpmdb.sqlite: builds the
# packages of specs/ with rpmbuild, imports a throwaway OpenPGP key (so the
# database holds a gpg-pubkey pseudo-package, as real ones do) and installs
# the packages into a fresh database with rpm --justdb.
#
# Needs Debian's rpm and gnupg packages (apt-get install -y rpm gnupg);
# Debian 12's rpm is 4.18.0, with the sqlite backend as its default.
#
# "make-rpmdb.sh packages" instead copies two of the built package files,
# the binary hello and the source package of tiny-shell, to packages/ (the
# fixtures of the package file extractor) and leaves the database alone.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Fixed build time, file times and host make the packages, and so their
# header digests, reproducible; only the gpg-pubkey and the install times
# differ from one run to the next.
export SOURCE_DATE_EPOCH=1714521600 # 2024-05-01T00:00:00Z
for spec in "$here"/specs/*.spec; do
	rpmbuild -bb --quiet \
		--define "_topdir $work/build" \
		--define "use_source_date_epoch_as_buildtime 1" \
		--define "_buildhost fixture.hallmark.invalid" \
		--define "_binary_payload w9.gzdio" \
		--define "clamp_mtime_to_source_date_epoch 1" \
		"$spec"
done

if [ "${1-}" = packages ]; then
	rpmbuild -bs --quiet \
		--define "_topdir $work/build" \
		--define "use_source_date_epoch_as_buildtime 1" \
		--define "_buildhost fixture.hallmark.invalid" \
		--define "_source_payload w9.gzdio" \
		--define "clamp_mtime_to_source_date_epoch 1" \
		"$here/specs/shell.spec"
	mkdir -p "$here/packages"
	cp "$work"/build/RPMS/x86_64/hello-1.2.3-4.fc40.x86_64.rpm \
		"$work"/build/SRPMS/tiny-shell-*.src.rpm "$here/packages/"
	ls -l "$here/packages"
	exit 0
fi

export GNUPGHOME="$work/gnupg"
mkdir -m 700 "$GNUPGHOME"
gpg --batch --quiet --pinentry-mode loopback --passphrase '' \
	--quick-generate-key 'hallmark fixture <fixture@hallmark.invalid>' rsa2048 sign never
gpg --batch --armor --export > "$work/key.asc"

db="$work/root/usr/lib/sysimage/rpm"
mkdir -p "$db"
rpm --dbpath "$db" --initdb
rpm --dbpath "$db" --import "$work/key.asc"
rpm --dbpath "$db" -i --justdb --nodeps --ignorearch --ignoreos \
	"$work"/build/RPMS/*/*.rpm
rpm --dbpath "$db" -qa --qf '%{NAME}-%{EPOCHNUM}:%{VERSION}-%{RELEASE}.%{ARCH}\n' | sort

# rpm keeps the database in WAL mode and, closing it cleanly, checkpoints
# the WAL into the main file and leaves it empty beside it (with the -shm
# index): the main file alone is the database, and is what is committed.
if [ -s "$db/rpmdb.sqlite-wal" ]; then
	echo "rpm left a non-empty WAL" >&2
	exit 1
fi
out="$here/fedora40/usr/lib/sysimage/rpm"
mkdir -p "$out"
cp "$db/rpmdb.sqlite" "$out/rpmdb.sqlite"
ls -l "$out/rpmdb.sqlite"
