#!/bin/bash
# gpubox volume.sh: mount a gpubox volume (an EBS volume `gpubox up --volume NAME:GiB` attached)
# at its mount point, formatting it only when it is verifiably blank. Run as root (gpubox runs it
# over ssh with `sudo -n` unless the login user is root). Idempotent: a second run changes nothing.
#
#   volume.sh --volume-id vol-0abc --mount /data --owner ubuntu [--label NAME]
#
# 1. Find the device: Nitro NVMe (/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_vol0abc, or the
#    NVMe controller whose serial is the volume id), else Xen's /dev/xvdf or /dev/sdf; waits for it
#    to appear (AttachVolume returns before the kernel sees the disk).
# 2. Format with ext4 only when `blkid -p` finds no filesystem and no partition table AND the
#    first MiB is all zeros; anything else is never formatted (an unknown signature is an error).
# 3. One /etc/fstab line by UUID with `nofail` (a restarted box remounts it, and boots without it);
#    an older gpubox line (option x-gpubox) for the same mount point is replaced.
# 4. Mount it, and give its root to the login user when it is new (or still root's).
# Prints one JSON line: {"device", "uuid", "fstype", "formatted", "mount"}.
#
# Tests replace what must never touch a real machine (tests/onbox/test_volume.py):
#   GPUBOX_VOLUME_DEVICE         the device (a file image) instead of looking for it
#   GPUBOX_VOLUME_FSTAB          the fstab file (default /etc/fstab)
#   GPUBOX_VOLUME_MOUNT_POINT    the mount point instead of --mount
#   GPUBOX_VOLUME_MOUNT_COMMAND  the mount command (default mount); called as CMD DEVICE DIR
#   GPUBOX_VOLUME_MKFS           the mkfs command (default mkfs.ext4)
#   GPUBOX_VOLUME_WAIT_SECONDS   how long to wait for the device (default 120)
set -euo pipefail
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

volume_id="" mount_point="" owner="" label=""
while [ $# -gt 0 ]; do
  case "$1" in
    --volume-id) volume_id=$2; shift 2 ;;
    --mount) mount_point=$2; shift 2 ;;
    --owner) owner=$2; shift 2 ;;
    --label) label=$2; shift 2 ;;
    *) echo "volume.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
mount_point=${GPUBOX_VOLUME_MOUNT_POINT:-$mount_point}
fstab=${GPUBOX_VOLUME_FSTAB:-/etc/fstab}
mount_cmd=${GPUBOX_VOLUME_MOUNT_COMMAND:-mount}
mkfs_cmd=${GPUBOX_VOLUME_MKFS:-mkfs.ext4}
wait_s=${GPUBOX_VOLUME_WAIT_SECONDS:-120}

die() { echo "volume.sh: $*" >&2; exit 1; }
[ -n "$volume_id" ] || [ -n "${GPUBOX_VOLUME_DEVICE:-}" ] || die "--volume-id is required"
case "$mount_point" in /?*) ;; *) die "--mount must be an absolute path" ;; esac

# Print the device of the volume when the kernel shows it, else nothing.
find_device() {
  if [ -n "${GPUBOX_VOLUME_DEVICE:-}" ]; then
    [ -e "$GPUBOX_VOLUME_DEVICE" ] && echo "$GPUBOX_VOLUME_DEVICE"
    return 0
  fi
  local serial=${volume_id//-/} d
  d=/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_$serial
  if [ -e "$d" ]; then readlink -f "$d"; return 0; fi
  # Without udev's links: the NVMe controller's serial number is the volume id without its dash.
  for d in /sys/block/nvme*n1; do
    [ -e "$d/device/serial" ] || continue
    if [ "$(tr -d ' ' <"$d/device/serial")" = "$serial" ]; then echo "/dev/${d##*/}"; return 0; fi
  done
  for d in /dev/xvdf /dev/sdf; do
    if [ -b "$d" ]; then echo "$d"; return 0; fi
  done
}

device=""
for ((i = 0; i <= wait_s; i++)); do
  device=$(find_device)
  [ -n "$device" ] && break
  [ "$i" -lt "$wait_s" ] && sleep 1
done
[ -n "$device" ] || die "volume $volume_id did not appear as a disk within ${wait_s}s (is it attached?)"

# Low-level probe (-p: no cache): exit 0 with KEY=VALUE lines when it finds a signature, 2 when it
# finds nothing; anything else is a failure to read, never taken for blank.
probe() {
  local out rc=0
  out=$(blkid -p -o export "$device" </dev/null 2>/dev/null) || rc=$?
  if [ "$rc" -ne 0 ] && [ "$rc" -ne 2 ]; then
    die "blkid could not read $device (exit $rc); not formatting it"
  fi
  printf '%s\n' "$out"
}
field() { sed -n "s/^$1=//p" <<<"$2" | head -n 1; }

formatted=false
info=$(probe)
if [ -z "$(field TYPE "$info")" ] && [ -z "$(field PTTYPE "$info")" ]; then
  # blkid knows no signature. A new EBS volume reads as zeros: refuse anything else.
  nonzero=$(head -c 1048576 "$device" | tr -d '\0' | wc -c)
  if [ "$nonzero" -ne 0 ]; then
    die "$device holds data blkid does not recognise (not blank); gpubox never formats it"
  fi
  mkfs_args=(-q -m 0)
  [ -n "$label" ] && mkfs_args+=(-L "${label:0:16}")
  "$mkfs_cmd" "${mkfs_args[@]}" "$device" </dev/null >&2 || die "$mkfs_cmd $device failed"
  formatted=true
  info=$(probe)
fi
fstype=$(field TYPE "$info")
uuid=$(field UUID "$info")
if [ -z "$fstype" ]; then
  die "$device has a partition table ($(field PTTYPE "$info")) and no filesystem; gpubox mounts whole-disk filesystems only and never reformats"
fi
[ -n "$uuid" ] || die "$device has a $fstype filesystem without a UUID"

# The fstab line, by UUID, with nofail: replace an older gpubox line for this mount point.
line="UUID=$uuid $mount_point $fstype defaults,nofail,x-gpubox 0 2"
touch "$fstab"
if ! grep -qxF "$line" "$fstab"; then
  tmp=$(mktemp "$fstab.gpubox.XXXXXX")
  awk -v mp="$mount_point" '!($2 == mp && $4 ~ /(^|,)x-gpubox(,|$)/)' "$fstab" >"$tmp"
  printf '%s\n' "$line" >>"$tmp"
  chmod --reference="$fstab" "$tmp" 2>/dev/null || chmod 0644 "$tmp"
  mv -f "$tmp" "$fstab"
fi

mkdir -p "$mount_point"
if mountpoint -q "$mount_point" 2>/dev/null; then
  src=$(findmnt -n -o SOURCE --target "$mount_point" 2>/dev/null || true)
  if [ "$(readlink -f "$src")" != "$(readlink -f "$device")" ]; then
    die "$mount_point is already a mount point (of $src); not mounting $device over it"
  fi
else
  "$mount_cmd" "$device" "$mount_point" </dev/null || die "mounting $device at $mount_point failed"
fi
if [ -n "$owner" ] && { $formatted || [ "$(stat -c %u "$mount_point")" = 0 ]; }; then
  chown "$owner:" "$mount_point" || die "chown $owner $mount_point failed"
fi
printf '{"device": "%s", "uuid": "%s", "fstype": "%s", "formatted": %s, "mount": "%s"}\n' \
  "$device" "$uuid" "$fstype" "$formatted" "$mount_point"
