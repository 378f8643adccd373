#!/bin/bash
# test/kernel-esp/install.sh [--force]: prepares what the kernel data plane tests need to boot a Linux
# kernel WITH ESP under qemu (the CI machine's own kernel may lack CONFIG_INET_ESP). Adapted from the
# project's ../shared/kernel-esp/build.sh (host rootfs only). Needs root for apt; ~25 s the first
# time, a no-op afterwards. Cache: $KESP_CACHE (default /var/tmp/kernel-esp):
#   kernel/       dpkg-deb -x of Debian's linux-image-<ver>-amd64 (+ depmod): esp4, esp6, xfrm_user
#   vmlinux       uncompressed ELF from the bzImage (qemu boots it at its PVH entry, no XZ under TCG)
#   initrd.cpio   busybox-static + virtio/9p/overlay modules + init.initramfs
# The host's /boot is not touched; the guest's root is the host's / over 9p (read-only).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
C=${KESP_CACHE:-/var/tmp/kernel-esp}
[ "${1:-}" = --force ] && rm -rf "$C/kernel" "$C/vmlinux" "$C/initrd.cpio" "$C"/*.deb
t0=$(date +%s.%N)
say() { printf '[kernel-esp %5.1fs] %s\n' "$(echo "$(date +%s.%N) - $t0" | bc 2>/dev/null || echo 0)" "$*"; }
mkdir -p "$C"

need=()
command -v qemu-system-x86_64 >/dev/null || need+=(qemu-system-x86)
dpkg -s busybox-static >/dev/null 2>&1 || need+=(busybox-static)
command -v depmod >/dev/null || need+=(kmod)
command -v cpio >/dev/null || need+=(cpio)
command -v ping >/dev/null || need+=(iputils-ping)
command -v bc >/dev/null || need+=(bc)
if [ ${#need[@]} -gt 0 ]; then
  say "apt-get install ${need[*]}"
  apt-cache show qemu-system-x86 >/dev/null 2>&1 || apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

KPKG=${KESP_KPKG:-$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/{print $2; exit}')}
[ -n "$KPKG" ] || { apt-get update -qq; KPKG=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/{print $2; exit}'); }
KVER=${KPKG#linux-image-}
if [ ! -f "$C/kernel/boot/vmlinuz-$KVER" ]; then
  say "download + unpack $KPKG"
  rm -rf "$C/kernel" "$C"/linux-image-*.deb
  (cd "$C" && apt-get download -q "$KPKG" 2>&1 | grep -v '^W: Download is performed unsandboxed' || true)
  dpkg-deb -x "$C"/linux-image-*.deb "$C/kernel"
  depmod -b "$C/kernel" "$KVER"
  rm -f "$C/vmlinux" "$C/initrd.cpio"
fi
echo "$KVER" > "$C/kver"
for m in esp4 esp6 ah4 xfrm_user veth; do
  modprobe -d "$C/kernel" -S "$KVER" --show-depends $m >/dev/null || { echo "module $m missing in $KPKG" >&2; exit 1; }
done

if [ ! -s "$C/vmlinux" ]; then
  say "extract vmlinux"
  python3 - "$C/kernel/boot/vmlinuz-$KVER" "$C/vmlinux.new" <<'PY'
import sys, lzma
d = open(sys.argv[1], 'rb').read()
i = d.find(b'\xfd7zXZ\x00')
if i < 0: sys.exit("no XZ payload in bzImage (CONFIG_KERNEL_XZ expected)")
open(sys.argv[2], 'wb').write(lzma.LZMADecompressor().decompress(d[i:]))
PY
  mv "$C/vmlinux.new" "$C/vmlinux"
fi

if [ ! -s "$C/initrd.cpio" ] || ! cmp -s "$HERE/init.initramfs" "$C/init.initramfs.used"; then
  say "build initramfs"
  I=$(mktemp -d); trap 'rm -rf "$I"' EXIT
  mkdir -p "$I"/{bin,proc,sys,dev,lib/modules/ko}
  cp /bin/busybox "$I/bin/busybox"
  for b in $(/bin/busybox --list); do [ "$b" = busybox ] || ln -sf busybox "$I/bin/$b"; done
  for m in virtio_pci 9pnet_virtio 9p overlay virtio_blk ext4; do
    modprobe -d "$C/kernel" -S "$KVER" --show-depends $m | awk '$1=="insmod"{print $2}'
  done | awk '!seen[$0]++' | while read -r f; do cp "$f" "$I/lib/modules/ko/"; basename "$f"; done > "$I/lib/modules/order"
  cp "$HERE/init.initramfs" "$I/init"; chmod 755 "$I/init"
  # written aside and renamed: a guest booting meanwhile reads the old file or the new, never half of one
  (cd "$I" && find . | cpio -o -H newc --quiet) > "$C/initrd.cpio.new"
  mv "$C/initrd.cpio.new" "$C/initrd.cpio"
  cp "$HERE/init.initramfs" "$C/init.initramfs.used"
fi
say "ready: kernel $KVER, cache $C"
