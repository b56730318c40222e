#!/usr/bin/env bash
# Air-gapped builds only: stand-ins for the Dockerfile's eclipse-temurin base images, for machines
# that cannot pull from Docker Hub (this project's CI among them). scripts/image-test.sh calls it
# only after a pull of the real base image has failed; nothing else should.
#
# Each stand-in is tagged exactly like the real image (eclipse-temurin:<tag>), so service/Dockerfile
# builds unchanged when its BUILD_IMAGE/RUNTIME_IMAGE arguments are given the tags without the
# digest. What a stand-in holds:
#   - a Debian bookworm root filesystem (debootstrap --variant=minbase, from the Debian mirror; the
#     real images are Ubuntu 24.04, which the Debian mirror does not carry);
#   - the Temurin JDK installed on this machine at /opt/java/openjdk. It must be the build the tag
#     names (checked below): the image's AOT cache is only valid for the JVM that wrote it, and the
#     build stage compiles for it. Both stand-ins get the whole JDK (no separate JRE is installed
#     here), so the runtime stand-in is larger than the real JRE image;
#   - JAVA_HOME, PATH and JAVA_VERSION as the official image sets them; LANG C.UTF-8 (minbase has no
#     en_US locale, which the official image generates);
#   - curl, wget, ca-certificates and unzip, as the official image has them;
#   - this host's CA bundle and the JDK's cacerts copied in as files (the JDK's cacerts is a link into
#     /etc/ssl/certs/java/ on Debian), so Maven inside the build reaches Maven Central through
#     whatever TLS interception the host trusts.
#
# Usage: offline-base-images.sh ENGINE TAG...      e.g. offline-base-images.sh podman 25.0.3_9-jdk-noble
# Env:   JDK_DIR (default: the installed Temurin 25), DEBIAN_MIRROR (default http://deb.debian.org/debian),
#        STANDIN_CACHE (default ~/.cache/product-service): the debootstrap tarball is kept there.
set -euo pipefail

engine="${1:?usage: offline-base-images.sh docker|podman TAG...}"; shift
[ "$#" -gt 0 ] || { echo "usage: offline-base-images.sh docker|podman TAG..." >&2; exit 2; }
jdk="${JDK_DIR:-$(ls -d /usr/lib/jvm/temurin-25-jdk* 2>/dev/null | head -1)}"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
cache="${STANDIN_CACHE:-${HOME:-/root}/.cache/product-service}"

[ -f "$jdk/release" ] || { echo "No Temurin JDK found (set JDK_DIR)" >&2; exit 1; }
command -v debootstrap >/dev/null || { echo "debootstrap is required (apt-get install debootstrap)" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "debootstrap needs root" >&2; exit 1; }
jdk_build="$(sed -n 's/^IMPLEMENTOR_VERSION="Temurin-\(.*\)"/\1/p' "$jdk/release")"   # e.g. 25.0.3+9

mkdir -p "$cache"
rootfs_tar="$cache/bookworm-minbase-temurin-tools.tar"
if [ ! -s "$rootfs_tar" ]; then
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  echo "offline-base-images: debootstrap bookworm (minbase) from $mirror" >&2
  debootstrap --variant=minbase --include=curl,wget,ca-certificates,unzip bookworm "$work/root" "$mirror" >"$cache/debootstrap.log" 2>&1 \
    || { tail -20 "$cache/debootstrap.log" >&2; exit 1; }
  chroot "$work/root" apt-get clean
  rm -rf "$work/root"/var/lib/apt/lists/* "$work/root"/var/cache/apt/*.bin
  tar -C "$work/root" --numeric-owner -cf "$rootfs_tar.part" .
  mv "$rootfs_tar.part" "$rootfs_tar"
  rm -rf "$work"; trap - EXIT
fi

for tag in "$@"; do
  # The tag names the Temurin build as 25.0.3_9; the JDK's release file as 25.0.3+9.
  case "$tag" in "${jdk_build/+/_}"-*) ;; *)
    echo "The installed JDK is Temurin $jdk_build; it cannot stand in for eclipse-temurin:$tag" >&2; exit 1;; esac
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  mkdir -p "$work/root"
  tar -C "$work/root" -xf "$rootfs_tar"
  mkdir -p "$work/root/opt/java"
  cp -a "$jdk" "$work/root/opt/java/openjdk"
  # Files, not links: the links point at paths of this host.
  rm -f "$work/root/opt/java/openjdk/lib/security/cacerts"
  cp -L "$jdk/lib/security/cacerts" "$work/root/opt/java/openjdk/lib/security/cacerts"
  rm -f "$work/root/etc/ssl/certs/ca-certificates.crt"
  cp -L /etc/ssl/certs/ca-certificates.crt "$work/root/etc/ssl/certs/ca-certificates.crt"
  case "$tag" in *-jdk-*) cmd='CMD ["jshell"]';; *) cmd='CMD ["/bin/bash"]';; esac
  tar -C "$work/root" --numeric-owner -c . | "$engine" import \
    --change 'ENV JAVA_HOME=/opt/java/openjdk' \
    --change 'ENV PATH=/opt/java/openjdk/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change "ENV JAVA_VERSION=jdk-$jdk_build" \
    --change 'ENV LANG=C.UTF-8' \
    --change 'LABEL org.productservice.standin=offline-base-images.sh' \
    --change "$cmd" \
    - "docker.io/library/eclipse-temurin:$tag" >/dev/null 2>"$work/import.log" \
    || { cat "$work/import.log" >&2; exit 1; }
  rm -rf "$work"; trap - EXIT
  echo "offline-base-images: built stand-in eclipse-temurin:$tag (Debian bookworm + Temurin $jdk_build)" >&2
done
