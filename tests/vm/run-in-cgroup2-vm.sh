#!/usr/bin/env bash
# Runs CMD in a throwaway qemu guest whose only cgroup hierarchy is a pure cgroup v2 with every
# controller enabled (this host may be hybrid: v1 controllers plus an empty cgroup2), and exits
# with CMD's status; 1 when the guest gave none (it failed to set up, or the timeout passed).
# Usage: tests/vm/run-in-cgroup2-vm.sh CMD [ARG...]
# Installs what is missing (scripts/install-deps.sh vm), builds the initramfs once (busybox, the
# 9p modules, tests/vm/init.sh) and boots Debian's kernel with 2 vCPUs and 4 GiB. The guest sees
# this host's root read-only over 9p, with its own /proc, /sys, /dev, /run, /var/tmp and a fresh
# disk-backed /tmp (so host paths under those are not visible), no network but lo. CMD runs as
# root in the caller's directory with the caller's PATH, HOME=/root and every NIMBUS_* and
# GTEST_* variable; its output goes to this script's stdout.
# Environment: NIMBUS_VM_ACCEL = auto (default: KVM when usable, else qemu's emulation, tcg,
# about 20 times slower), kvm (exit 77, skipped, when KVM is not usable) or tcg;
# NIMBUS_VM_TIMEOUT (seconds for boot and run, default 900); NIMBUS_VM_DIR (initramfs cache and
# per-run files, default <repo>/build/vm).
set -euo pipefail
if [ $# -eq 0 ]; then
  echo "usage: $0 CMD [ARG...]" >&2
  exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
vm_dir=${NIMBUS_VM_DIR:-$repo/build/vm}
limit=${NIMBUS_VM_TIMEOUT:-900}

# KVM boots Debian's kernel only with hardware virtualization (vmx/svm): a /dev/kvm without it
# (e.g. PVM, which runs only kernels built as its guests) cannot, and qemu emulates instead.
kvm_usable() {
  grep -qwE 'vmx|svm' /proc/cpuinfo && python3 -c '
import fcntl, os
fd = os.open("/dev/kvm", os.O_RDWR | os.O_CLOEXEC)
assert fcntl.ioctl(fd, 0xAE00) == 12  # KVM_GET_API_VERSION
os.close(fcntl.ioctl(fd, 0xAE01, 0))  # KVM_CREATE_VM
' 2>/dev/null
}
mode=${NIMBUS_VM_ACCEL:-auto}
case "$mode" in
  auto | kvm | tcg) ;;
  *)
    echo "run-in-cgroup2-vm: NIMBUS_VM_ACCEL must be auto, kvm or tcg" >&2
    exit 2
    ;;
esac
if [ "$mode" != tcg ] && kvm_usable; then
  accel=(-enable-kvm -cpu host)
elif [ "$mode" = kvm ]; then
  echo "run-in-cgroup2-vm: skipped: no usable KVM (/dev/kvm missing or unusable, or no vmx/svm)"
  exit 77
else
  if [ "$mode" = auto ]; then
    echo "run-in-cgroup2-vm: no usable KVM (/dev/kvm missing or unusable, or no vmx/svm):" \
      "emulating the guest (tcg, about 20 times slower)"
  fi
  accel=(-accel tcg,thread=multi -cpu max)
fi
"$repo/scripts/install-deps.sh" vm

mkdir -p "$vm_dir"
vm_dir=$(cd "$vm_dir" && pwd)
case "$vm_dir$PWD" in
  *[[:space:]]*)
    echo "run-in-cgroup2-vm: $vm_dir and $PWD must not contain spaces" >&2
    exit 2
    ;;
esac
for dir in "$vm_dir" "$PWD"; do
  case "$dir/" in
    /tmp/* | /run/* | /var/tmp/*)
      echo "run-in-cgroup2-vm: $dir is hidden in the guest (its /tmp, /run, /var/tmp are new)" >&2
      exit 2
      ;;
  esac
done

kver=$(dpkg-query -W -f='${Depends}' linux-image-amd64 | sed -n 's/^linux-image-\([^ ,]*\).*/\1/p')
kernel=/boot/vmlinuz-$kver
moddir=/lib/modules/$kver
initramfs=$vm_dir/initramfs-$kver.cpio

# The initramfs: busybox, the modules that mount the host root (dependencies first, in
# lib/modules/modules.order), a /sbin/modprobe that runs the host's in its root, and /init.
build_initramfs() {
  local stage order=() want
  stage=$(mktemp -d "$vm_dir/initramfs.XXXXXX")
  add_module() {  # appends the module file named $1 after its dependencies
    local line dep
    line=$(grep -E "(^|/)$1\.ko(\.xz)?:" "$moddir/modules.dep") || {
      echo "run-in-cgroup2-vm: no module $1 in $moddir" >&2
      exit 1
    }
    for dep in ${line#*:}; do add_module "$(basename "${dep%%.ko*}")"; done
    [[ " ${order[*]} " == *" ${line%%:*} "* ]] || order+=("${line%%:*}")
  }
  for want in virtio_pci 9pnet_virtio 9p; do add_module "$want"; done
  mkdir -p "$stage"/{bin,sbin,lib/modules,proc,sys,dev,newroot}
  cp /bin/busybox "$stage/bin/busybox"
  for applet in $(/bin/busybox --list); do
    [ "$applet" = busybox ] || ln -s busybox "$stage/bin/$applet"
  done
  local path name
  for path in "${order[@]}"; do
    name=$(basename "${path%.xz}")
    case "$path" in
      *.xz) /bin/busybox xzcat "$moddir/$path" > "$stage/lib/modules/$name" ;;
      *) cp "$moddir/$path" "$stage/lib/modules/$name" ;;
    esac
    echo "$name" >> "$stage/lib/modules/modules.order"
  done
  printf '#!/bin/sh\nexec /bin/chroot /newroot /sbin/modprobe "$@"\n' > "$stage/sbin/modprobe"
  cp "$here/init.sh" "$stage/init"
  chmod 755 "$stage/init" "$stage/sbin/modprobe"
  (cd "$stage" && find . | /bin/busybox cpio -o -H newc 2>/dev/null) > "$initramfs.tmp"
  mv "$initramfs.tmp" "$initramfs"
  rm -rf "$stage"
}
if [ ! -f "$initramfs" ] || [ "$here/init.sh" -nt "$initramfs" ] || [ "$0" -nt "$initramfs" ] ||
  [ /bin/busybox -nt "$initramfs" ]; then
  build_initramfs
fi

# Per run: the script the guest runs, its exit marker, and the scratch disk (sparse ext4).
run=$vm_dir/run-$$.sh
disk=$vm_dir/scratch-$$.img
trap 'rm -f "$run" "$disk"' EXIT
marker=NIMBUS_VM_EXIT_$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')
{
  printf 'export PATH=%q HOME=/root LANG=C.UTF-8\n' "$PATH"
  for name in $(compgen -e | grep -E '^(NIMBUS|GTEST)_' || true); do
    printf 'export %s=%q\n' "$name" "${!name}"
  done
  printf 'cd %q || exit 125\n' "$PWD"
  printf 'exec'
  printf ' %q' "$@"
  printf '\n'
} > "$run"
truncate -s 32G "$disk"
mkfs.ext4 -q -F -E lazy_itable_init=1,lazy_journal_init=1 "$disk"

status=
while IFS= read -r line; do
  line=${line%$'\r'}
  printf '%s\n' "$line"
  # The marker may follow output that had no final newline.
  if [[ $line =~ $marker=([0-9]+)$ ]]; then status=${BASH_REMATCH[1]}; fi
done < <(timeout -k 10 "$limit" qemu-system-x86_64 "${accel[@]}" -smp 2 -m 4G \
  -nographic -no-reboot -nic none -kernel "$kernel" -initrd "$initramfs" \
  -append "console=ttyS0 quiet panic=-1 cgroup_no_v1=all nimbus.run=$run nimbus.marker=$marker" \
  -virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
  -drive "file=$disk,format=raw,if=virtio,cache=unsafe" < /dev/null 2>&1)
qemu_status=0
wait $! || qemu_status=$?
if [ -z "$status" ]; then
  if [ "$qemu_status" = 124 ]; then
    echo "run-in-cgroup2-vm: timed out after ${limit}s (NIMBUS_VM_TIMEOUT)" >&2
  else
    echo "run-in-cgroup2-vm: the guest gave no exit status (qemu exited with $qemu_status)" >&2
  fi
  exit 1
fi
exit "$status"
