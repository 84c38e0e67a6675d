#!/bin/sh
# Fetch Debian's stock i386 Linux kernel and busybox-static for the Linux tests (never committed).
#
# usage: guests/linux/fetch.sh [CACHE_DIR]     (default: guests/linux/cache, ignored by git)
#
# Debian only: adds the i386 architecture, updates the package lists, and downloads with
# `apt-get download` the newest linux-image-6.1.0-*-686 and busybox-static:i386. Unpacks them into
# CACHE_DIR and extracts the uncompressed vmlinux from the bzImage: its payload is an XZ stream
# after the setup code, which Debian's `xz -dc --single-stream` decodes (JS xz libraries reject
# its x86 BCJ filter). Leaves in CACHE_DIR:
#   bzImage      the kernel as shipped (vmlinuz)
#   vmlinux      the uncompressed kernel (ELF, stripped)
#   System.map   its symbols, for reports
#   modules/     the pvpanic modules (pvpanic.ko, pvpanic-mmio.ko)
#   busybox      the static i386 busybox
#   VERSION      the kernel package version
# Idempotent: does nothing when CACHE_DIR is complete. Exits 0 on success; on a machine that is
# not Debian (no apt-get/dpkg) it says so and exits 3, so callers can skip.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
cache=${1:-$here/cache}
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)
if [ -s "$cache/vmlinux" ] && [ -s "$cache/busybox" ] && [ -s "$cache/System.map" ] && [ -s "$cache/modules/pvpanic-mmio.ko" ]; then
	echo "fetch: $cache is complete ($(cat "$cache/VERSION"))"
	exit 0
fi
command -v apt-get >/dev/null && command -v dpkg >/dev/null || { echo "fetch: needs Debian's apt-get and dpkg; skipping" >&2; exit 3; }
command -v xz >/dev/null || { echo "fetch: needs xz (apt-get install xz-utils)" >&2; exit 1; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
if ! dpkg --print-foreign-architectures | grep -qx i386; then as_root dpkg --add-architecture i386; fi
# A mirror mid-sync can fail one index (e.g. security); the main archive is enough.
as_root apt-get update -qq || true
pkg=$(apt-cache search --names-only '^linux-image-6\.1\.0-[0-9]+-686$' | awk '{print $1}' | sort -t- -k4,4n | tail -n 1)
[ -n "$pkg" ] || { echo "fetch: no linux-image-6.1.0-*-686 package found" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && apt-get download -q "$pkg:i386" busybox-static:i386 >/dev/null 2>&1) || { echo "fetch: apt-get download $pkg busybox-static failed" >&2; exit 1; }
dpkg-deb -x "$work"/linux-image-*.deb "$work/k"
dpkg-deb -x "$work"/busybox-static_*.deb "$work/b"
vmlinuz=$(ls "$work"/k/boot/vmlinuz-*)
ver=${vmlinuz##*/vmlinuz-}
cp "$vmlinuz" "$cache/bzImage"
cp "$work/k/boot/System.map-$ver" "$cache/System.map"
mkdir -p "$cache/modules"
cp "$work/k/lib/modules/$ver/kernel/drivers/misc/pvpanic/"*.ko "$cache/modules/"
cp "$work/b/bin/busybox" "$cache/busybox"
# The XZ payload: the first "\375 7zXZ\0" after the setup code.
off=$(od -A d -t x1 -v "$cache/bzImage" | awk '{ for (i = 2; i <= NF; i++) { b[n++] = $i } } END { for (i = 0; i < n - 5; i++) if (b[i]=="fd" && b[i+1]=="37" && b[i+2]=="7a" && b[i+3]=="58" && b[i+4]=="5a" && b[i+5]=="00") { print i; exit } }')
[ -n "$off" ] || { echo "fetch: no XZ payload in $vmlinuz" >&2; exit 1; }
tail -c +$((off + 1)) "$cache/bzImage" | xz -dc --single-stream > "$cache/vmlinux"
echo "$pkg $ver" > "$cache/VERSION"
echo "fetch: $pkg ($ver) into $cache"
