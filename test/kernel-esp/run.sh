#!/bin/bash
# test/kernel-esp/run.sh [--timeout SEC] [--quiet] [--keep] [--env N=V]... SCRIPT [ARGS...]
# Boots the kernel prepared by install.sh under qemu (TCG) with this machine's / as the guest's root
# (9p, read-only, tmpfs overlay) and runs SCRIPT as root inside; the guest powers off when it ends.
# Exits with SCRIPT's status (124: timeout, 125: the guest died without a result, 2: not installed).
# Adapted from the project's ../shared/kernel-esp/run.sh. In the guest the cwd is the caller's cwd,
# /kesp/out/ is the run dir's out/ (KESP_OUT=dir copies it out), modprobe works.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
C=${KESP_CACHE:-/var/tmp/kernel-esp}
SMP=2 MEM=1024 TIMEOUT=300 QUIET=0 KEEP=0 ENVS=()
while [ $# -gt 0 ]; do
  case $1 in
    --timeout) TIMEOUT=$2; shift 2 ;;
    --quiet) QUIET=1; shift ;;
    --keep) KEEP=1; shift ;;
    --env) ENVS+=("$2"); shift 2 ;;
    --) shift; break ;;
    -*) echo "unknown option $1" >&2; exit 2 ;;
    *) break ;;
  esac
done
[ $# -ge 1 ] || { sed -n '2,8p' "$0" >&2; exit 2; }
SCRIPT=$1; shift
[ -f "$SCRIPT" ] || { echo "no such script: $SCRIPT" >&2; exit 2; }
command -v qemu-system-x86_64 >/dev/null || { echo "no qemu-system-x86_64 (test/kernel-esp/install.sh)" >&2; exit 2; }
[ -s "$C/vmlinux" ] && [ -s "$C/initrd.cpio" ] || { echo "no kernel in $C (test/kernel-esp/install.sh)" >&2; exit 2; }
KVER=$(cat "$C/kver")

T=$(mktemp -d "${KESP_RUN_BASE:-/tmp}/kesp-run.XXXXXX")
cleanup() { [ $KEEP = 1 ] && echo "run dir: $T" >&2 || rm -rf "$T"; }
trap cleanup EXIT
mkdir -p "$T/out"
cp "$HERE/stage2.sh" "$T/stage2.sh"
cp "$SCRIPT" "$T/test.sh"
: > "$T/args"
for a in "$@"; do printf "'%s' " "$(printf '%s' "$a" | sed "s/'/'\\\\''/g")" >> "$T/args"; done
{
  echo "export KESP_RUN_DIR='$T' KESP_KVER='$KVER' KESP_ROOTFS=host"
  for e in "${ENVS[@]}"; do printf "export %s='%s'\n" "${e%%=*}" "$(printf '%s' "${e#*=}" | sed "s/'/'\\\\''/g")"; done
  # The guest mounts tmpfs on /tmp (and the host's / is read-only over 9p): a working folder that the
  # guest cannot see (a clone under /tmp, as CI may make) is shared on its own and mounted in place.
  echo "[ -e '$PWD/package.json' ] || { mkdir -p '$PWD' && mount -t 9p -o trans=virtio,version=9p2000.L,ro work '$PWD'; }"
  echo "cd '$PWD' 2>/dev/null || cd /kesp"
} > "$T/env"

QEMU=(qemu-system-x86_64 -accel tcg,thread=multi,tb-size=256 -cpu "${KESP_CPU:-max}" -smp "$SMP" -m "$MEM" -M pc
  -bios /usr/share/qemu/qboot.rom -nographic -no-reboot -nic none
  -kernel "$C/vmlinux" -initrd "$C/initrd.cpio"
  -append "console=ttyS0 quiet loglevel=3 panic=-1 tsc=reliable"
  -fsdev "local,id=root,path=/,security_model=none,readonly=on,multidevs=remap"
  -device virtio-9p-pci,fsdev=root,mount_tag=root
  -fsdev "local,id=mods,path=$C/kernel/lib/modules,security_model=none,readonly=on"
  -device virtio-9p-pci,fsdev=mods,mount_tag=modules
  -fsdev "local,id=kesp,path=$T,security_model=none"
  -device virtio-9p-pci,fsdev=kesp,mount_tag=kesp
  -fsdev "local,id=work,path=$PWD,security_model=none,readonly=on,multidevs=remap"
  -device virtio-9p-pci,fsdev=work,mount_tag=work
  -device virtio-rng-pci)

t0=$(date +%s.%N)
if [ $QUIET = 1 ]; then
  timeout "$TIMEOUT" "${QEMU[@]}" < /dev/null > "$T/console.log" 2>&1
else
  timeout "$TIMEOUT" "${QEMU[@]}" < /dev/null 2>&1 | tee "$T/console.log"
fi
qrc=${PIPESTATUS[0]}
t1=$(date +%s.%N)
[ $QUIET = 1 ] && [ -f "$T/out/log" ] && cat "$T/out/log"
if [ "$qrc" = 124 ]; then
  echo "KESP: TIMEOUT after ${TIMEOUT}s" >&2; rc=124
elif [ -s "$T/out/rc" ]; then
  rc=$(cat "$T/out/rc")
else
  echo "KESP: guest ended without a test result (qemu rc $qrc)" >&2
  [ $QUIET = 1 ] && tail -20 "$T/console.log" >&2
  rc=125
fi
printf 'KESP: wall %.1fs (qemu boot+test+poweroff), test rc=%s\n' "$(echo "$t1 - $t0" | bc)" "$rc" >&2
if [ -n "${KESP_OUT:-}" ]; then mkdir -p "$KESP_OUT" && cp -r "$T/out/." "$KESP_OUT/"; fi
exit "$rc"
