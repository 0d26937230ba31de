#!/usr/bin/env bash
# Runs CMD where a container runtime puts a container on a cgroup v2 host: in a cgroup of its own
# that also holds this shell (as an entrypoint shell or tini would), in a new cgroup namespace
# (that cgroup is its "/") with cgroup2 mounted afresh, and exits with CMD's status. It changes
# /sys/fs/cgroup: for the cgroup v2 VM only (run-in-cgroup2-vm.sh).
# Usage: tests/vm/in-cgroup-namespace.sh CMD [ARG...]
set -euo pipefail
cgroup=/sys/fs/cgroup/container-$$
mkdir "$cgroup"
echo $$ > "$cgroup/cgroup.procs"
unshare --cgroup --mount bash -c \
  'umount /sys/fs/cgroup && mount -t cgroup2 cgroup2 /sys/fs/cgroup && exec "$@"' bash "$@"
