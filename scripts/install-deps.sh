#!/usr/bin/env bash
# Installs the Debian packages nimbus needs to build and test, skipping what is already present.
# Usage: scripts/install-deps.sh [build|test|vm]   (test = build deps + the real clients the tests drive;
#   vm = what tests/vm/run-in-cgroup2-vm.sh boots: qemu, Debian's kernel, a static busybox)
set -euo pipefail
mode=${1:-build}
build_pkgs=(build-essential cmake ninja-build pkg-config libboost-dev libssl-dev libsqlite3-dev zlib1g-dev libzstd-dev
  nlohmann-json3-dev libgtest-dev libgmock-dev libbenchmark-dev python3 zip unzip curl)
test_pkgs=(awscli python3-botocore wrk nodejs npm clang libclang-rt-14-dev passt
  skopeo podman runc docker-registry autoconf automake libtool libcurl4-openssl-dev busybox-static zstd)
vm_pkgs=(qemu-system-x86 linux-image-amd64 busybox-static)
case "$mode" in
  build) pkgs=("${build_pkgs[@]}") ;;
  test) pkgs=("${build_pkgs[@]}" "${test_pkgs[@]}") ;;
  vm) pkgs=("${vm_pkgs[@]}") ;;
  *) echo "usage: $0 [build|test|vm]" >&2; exit 2 ;;
esac
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# node/npm may come from elsewhere (nodesource, nvm): accept any working binary.
if command -v node >/dev/null && command -v npm >/dev/null; then
  missing=("${missing[@]/nodejs}"); missing=("${missing[@]/npm}")
fi
filtered=(); for p in "${missing[@]}"; do [ -n "$p" ] && filtered+=("$p"); done
if [ ${#filtered[@]} -gt 0 ]; then
  echo "install-deps: installing ${filtered[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq || true
  apt-get install -y -qq --no-install-recommends "${filtered[@]}" >/dev/null
fi
