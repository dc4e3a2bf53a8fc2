# Sourced by .ci/run and bench/image: builds a real Debian 12 image with
# debootstrap (no registry image can be pulled here) and packs its root file
# system as a one-layer docker-archive with crane. Exports
# HALLMARK_DEBIAN_IMAGE (the tarball) and HALLMARK_DEBIAN_IMAGE_PKGS (the
# packages dpkg-query counts in it). Cached in ~/.cache/hallmark-ci.
cache="${HALLMARK_CI_CACHE:-$HOME/.cache/hallmark-ci}"
mkdir -p "$cache"
img="$cache/debian-bookworm-minbase.tar"
if [ ! -s "$img" ] || [ ! -s "$img.pkgs" ]; then
  echo "== building a Debian 12 minbase image with debootstrap"
  command -v debootstrap >/dev/null || { apt-get update -qq && apt-get install -y -qq debootstrap >/dev/null; }
  peer_install crane github.com/google/go-containerregistry/cmd/crane@v0.22.1
  rootfs=$(mktemp -d)
  debootstrap --variant=minbase bookworm "$rootfs" http://deb.debian.org/debian >"$cache/debootstrap.log" 2>&1 \
    || { tail -20 "$cache/debootstrap.log"; exit 1; }
  dpkg-query --admindir="$rootfs/var/lib/dpkg" -W -f '${db:Status-Abbrev}\n' | grep -c '^[iUFWT]' >"$img.pkgs"
  tar -C "$rootfs" --numeric-owner -cf "$cache/rootfs.tar" .
  rm -rf "$rootfs"
  crane append --oci-empty-base -f "$cache/rootfs.tar" -t example.local/debian:12-minbase -o "$img"
  rm -f "$cache/rootfs.tar"
fi
export HALLMARK_DEBIAN_IMAGE="$img"
HALLMARK_DEBIAN_IMAGE_PKGS=$(cat "$img.pkgs")
export HALLMARK_DEBIAN_IMAGE_PKGS
