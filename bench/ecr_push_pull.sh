#!/usr/bin/env bash
# Push and pull of a ~100 MB image made of pre-built random blobs (so compression is not what is
# measured): nimbus side by side with Debian's docker-registry (distribution 2.8, filesystem
# storage) in the same run, every round starting both servers afresh on new ports (no blob is
# there yet) and alternating which goes first.
#
# Headline: bench/registry_client.py, a thin client that costs as little as it can (sendfile up,
# recv_into down, every blob on its own connection at once), so the time is the server's. Same
# client for both servers. Push = POST/PATCH/PUT of every blob + the manifest PUT; pull =
# manifest GET + every blob GET.
# Secondary row: skopeo (oci-dir -> server -> oci-dir), a real client whose own cost dominates
# (both servers end up near the same figure). skopeo pings https:// before falling back to
# http://; that cost is measured per server with `skopeo inspect --raw` and subtracted.
#
# nimbus makes every blob durable (fsync) before answering; docker-registry does not fsync.
#
# Usage: bench/ecr_push_pull.sh [BUILD_DIR] [ROUNDS] [LAYERS] [LAYER_MB] [SKOPEO=1|0]
set -euo pipefail
build=${1:-build}; rounds=${2:-3}; layers=${3:-5}; layer_mb=${4:-20}; with_skopeo=${5:-1}
cd "$(dirname "$0")/.."
source bench/lib.sh
command -v docker-registry >/dev/null || { echo "needs docker-registry (scripts/install-deps.sh test)"; exit 1; }
if [ "$with_skopeo" = 1 ] && ! command -v skopeo >/dev/null; then with_skopeo=0; fi
work=$(mktemp -d /tmp/ecr-bench.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

python3 - "$work/image" "$layers" "$layer_mb" <<'PY'
import os, sys
sys.path.insert(0, "tests/integration")
from test_ecr_support import make_layout
path, n, mb = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
make_layout(path, "bench", raw_layers=[os.urandom(mb * 1024 * 1024) for _ in range(n)])
PY
bytes=$(du -sb "$work/image/blobs" | cut -f1)
echo "image: $layers layers, $(awk -v b="$bytes" 'BEGIN{printf "%.1f", b/1048576}') MiB; load: $(cut -d' ' -f1-3 /proc/loadavg)"

now() { date +%s.%N; }
rate() { awk -v b="$1" -v t="$2" 'BEGIN{ if (t <= 0) print "n/a"; else printf "%.0f", b/1048576/t }'; }
median() { sort -n | awk '{v[NR]=$1} END{ if (NR == 0) print "n/a"; else if (NR % 2) print v[(NR+1)/2]; else printf "%.0f", (v[NR/2]+v[NR/2+1])/2 }'; }

start_bench_nimbus() {  # sets host
  start_nimbus "$build/nimbus" "$work/nimbus-$1"
  pids+=("$nimbus_pid")
  curl -s -o /dev/null -X POST "$nimbus_url/" -H 'Content-Type: application/x-amz-json-1.1' \
    -H 'X-Amz-Target: AmazonEC2ContainerRegistry_V20150921.CreateRepository' \
    -d '{"repositoryName":"bench"}'
  host=${nimbus_url#http://}
}

start_registry() {  # sets host
  local dir=$work/registry-$1 port; port=$(free_port); mkdir -p "$dir/data"
  cat > "$dir/config.yml" <<YML
version: 0.1
log: {level: error}
storage:
  filesystem: {rootdirectory: $dir/data}
  delete: {enabled: true}
http: {addr: 127.0.0.1:$port}
YML
  docker-registry serve "$dir/config.yml" > "$dir/log" 2>&1 &
  pids+=($!)
  for _ in $(seq 200); do curl -s "http://127.0.0.1:$port/v2/" >/dev/null && break; sleep 0.05; done
  host=127.0.0.1:$port
}

start() { if [ "$1" = nimbus ]; then start_bench_nimbus "$2"; else start_registry "$2"; fi; }
stop_last() { kill "${pids[-1]}" 2>/dev/null || true; wait "${pids[-1]}" 2>/dev/null || true; }

# One round of the thin client: push once, pull three times (the median pull counts).
client_round() {  # name round -> appends to $work/<name>.{push,pull}
  local name=$1 round=$2 out b t pulls=()
  start "$name" "c$round"
  out=$(python3 bench/registry_client.py push "$host" bench bench "$work/image")
  read -r b t <<<"$out"; local push; push=$(rate "$b" "$t")
  for _ in 1 2 3; do
    out=$(python3 bench/registry_client.py pull "$host" bench bench)
    read -r b t <<<"$out"; pulls+=("$(rate "$b" "$t")")
  done
  local pull; pull=$(printf '%s\n' "${pulls[@]}" | median)
  stop_last
  echo "$push" >> "$work/$name.push"; echo "$pull" >> "$work/$name.pull"
  printf '  %-8s round %d client: push %5s MB/s   pull %5s MB/s (pulls %s)\n' \
    "$name" "$round" "$push" "$pull" "${pulls[*]}"
}

skopeo_round() {  # name round -> appends to $work/<name>.{spush,spull}
  local name=$1 round=$2
  start "$name" "s$round"
  local t0 t1 t2 t3; t0=$(now)
  skopeo copy -q --dest-tls-verify=false "oci:$work/image:bench" "docker://$host/bench:bench"
  t1=$(now)
  skopeo inspect --raw --tls-verify=false "docker://$host/bench:bench" > /dev/null
  t2=$(now)
  skopeo copy -q --src-tls-verify=false "docker://$host/bench:bench" "oci:$work/pull-$name:bench"
  t3=$(now)
  stop_last
  diff -q <(cd "$work/image/blobs/sha256" && ls | sort) \
          <(cd "$work/pull-$name/blobs/sha256" && ls | sort) >/dev/null \
    || echo "  !! $name round $round: pulled blobs differ"
  rm -rf "$work/pull-$name"
  local push pull
  push=$(awk -v a="$t0" -v b="$t1" -v c="$t2" 'BEGIN{printf "%.3f", (b-a)-(c-b)}')
  pull=$(awk -v c="$t2" -v d="$t3" -v b="$t1" 'BEGIN{printf "%.3f", (d-c)-(c-b)}')
  echo "$(rate "$bytes" "$push")" >> "$work/$name.spush"
  echo "$(rate "$bytes" "$pull")" >> "$work/$name.spull"
  printf '  %-8s round %d skopeo: push %5s MB/s   pull %5s MB/s (ping cost %.2fs)\n' "$name" \
    "$round" "$(rate "$bytes" "$push")" "$(rate "$bytes" "$pull")" "$(awk -v b="$t1" -v c="$t2" 'BEGIN{print c-b}')"
}

for round in $(seq "$rounds"); do
  order="nimbus registry"; [ $((round % 2)) = 0 ] && order="registry nimbus"
  for name in $order; do client_round "$name" "$round"; done
  if [ "$with_skopeo" = 1 ]; then
    for name in $order; do skopeo_round "$name" "$round"; done
  fi
done

med() { median < "$work/$1"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b > 0) printf "%.2fx", a/b; else print "n/a" }'; }
echo "median of $rounds rounds (MB/s, 1 MB = 2^20 bytes):"
printf '  %-22s %8s %8s\n' "" push pull
printf '  %-22s %8s %8s\n' "nimbus (thin client)" "$(med nimbus.push)" "$(med nimbus.pull)"
printf '  %-22s %8s %8s\n' "registry (thin client)" "$(med registry.push)" "$(med registry.pull)"
printf '  %-22s %8s %8s\n' "nimbus / registry" "$(ratio "$(med nimbus.push)" "$(med registry.push)")" \
  "$(ratio "$(med nimbus.pull)" "$(med registry.pull)")"
if [ "$with_skopeo" = 1 ]; then
  printf '  %-22s %8s %8s\n' "nimbus (skopeo)" "$(med nimbus.spush)" "$(med nimbus.spull)"
  printf '  %-22s %8s %8s\n' "registry (skopeo)" "$(med registry.spush)" "$(med registry.spull)"
fi
