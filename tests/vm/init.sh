#!/bin/sh
# /init of the initramfs that tests/vm/run-in-cgroup2-vm.sh boots (busybox sh, PID 1): mounts the
# host's root (9p, read-only) at /newroot with fresh /tmp (the scratch disk), /run, /var/tmp,
# /proc, /sys, /dev and a pure cgroup v2 hierarchy with every controller enabled, switches to
# it, runs the script named by nimbus.run= on the kernel command line with bash, prints
# "<nimbus.marker>=<status>" and powers off (with the host's /bin/busybox). On any failure it
# says what failed and powers off without the marker.
PATH=/bin

die() {
  echo "nimbus-vm: $*"
  poweroff -f
  sleep 10
}

mount -t devtmpfs devtmpfs /dev
exec < /dev/console > /dev/console 2>&1
mount -t proc proc /proc || die "mount /proc"
mount -t sysfs sysfs /sys || die "mount /sys"
run= marker=
for arg in $(cat /proc/cmdline); do
  case "$arg" in
    nimbus.run=*) run=${arg#nimbus.run=} ;;
    nimbus.marker=*) marker=${arg#nimbus.marker=} ;;
  esac
done
[ -n "$run" ] && [ -n "$marker" ] || die "nimbus.run= or nimbus.marker= missing"

# The 9p chain (modules.order lists them dependencies first).
while read -r module; do
  insmod "/lib/modules/$module" || die "insmod $module"
done < /lib/modules/modules.order
mkdir -p /newroot
mount -t 9p -o ro,trans=virtio,version=9p2000.L,cache=loose,msize=512000 hostroot /newroot ||
  die "mount the host root over 9p"
r=/newroot
mount -t proc proc $r/proc || die "mount proc"
mount -t sysfs sysfs $r/sys || die "mount sysfs"
# Other modules (the scratch disk's, overlay, loop, ext4 and what they ask for) come from the
# host's /lib/modules: until switch_root the kernel's requests run /sbin/modprobe here, which
# chroots there.
/sbin/modprobe -a virtio_blk loop || die "modprobe virtio_blk loop"
mount -t cgroup2 -o nsdelegate,memory_recursiveprot cgroup2 $r/sys/fs/cgroup || die "mount cgroup2"
for c in $(cat $r/sys/fs/cgroup/cgroup.controllers); do
  echo "+$c" > $r/sys/fs/cgroup/cgroup.subtree_control || die "enable the $c controller"
done
mount -t devtmpfs devtmpfs $r/dev || die "mount devtmpfs"
mkdir -p $r/dev/pts $r/dev/shm
mount -t devpts -o ptmxmode=0666 devpts $r/dev/pts || die "mount devpts"
mount -t tmpfs -o mode=1777 tmpfs $r/dev/shm || die "mount /dev/shm"
[ -e $r/dev/fd ] || ln -s /proc/self/fd $r/dev/fd
i=0
for fd in stdin stdout stderr; do
  [ -e $r/dev/$fd ] || ln -s /proc/self/fd/$i $r/dev/$fd
  i=$((i + 1))
done
# The scratch disk (a fresh ext4 image) is /tmp: disk-backed like the host's, so nimbus's /tmp
# volumes (loop devices on ext4) work as they do there.
mount -t ext4 /dev/vda $r/tmp || die "mount the scratch disk on /tmp"
chmod 1777 $r/tmp
mount -t tmpfs -o mode=755 tmpfs $r/run || die "mount /run"
mount -t tmpfs -o mode=1777 tmpfs $r/var/tmp || die "mount /var/tmp"
ip link set lo up || die "bring lo up"
hostname nimbus-vm

# switch_root, not chroot: the root then is the mount namespace's (user namespaces refuse a
# chrooted caller), and the kernel's module requests run the host's /sbin/modprobe directly.
exec env -i /bin/switch_root $r /bin/busybox sh -c \
  "/bin/bash $run < /dev/null; echo $marker=\$?; sync; /bin/busybox poweroff -f"
