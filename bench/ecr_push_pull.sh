#!/usr/bin/env bash
# Push and pull of a ~100 MB image made of pre-built random blobs (so compression is not what is
# measured) with skopeo: nimbus side by side with Debian's docker-registry (distribution 2.8,
# filesystem storage) in the same run. Each round starts both servers afresh on new ports, so no
# blob is already there and skopeo's blob-info cache cannot turn a push into a mount.
#
# skopeo pings https:// before falling back to http://; the time that costs (nimbus: the TLS
# handshake times out after 10 s because its HTTP server does not reject a ClientHello; Go's
# registry answers it at once) is measured per server with `skopeo inspect --raw` and
# subtracted; the raw wall times are printed too.
#
# Usage: bench/ecr_push_pull.sh [BUILD_DIR] [ROUNDS] [LAYERS] [LAYER_MB]
set -euo pipefail
build=${1:-build}; rounds=${2:-3}; layers=${3:-5}; layer_mb=${4:-20}
cd "$(dirname "$0")/.."
command -v skopeo >/dev/null && command -v docker-registry >/dev/null || {
  echo "needs skopeo and docker-registry (scripts/install-deps.sh test)"; exit 1; }
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
echo "image: $layers layers, $(awk -v b="$bytes" 'BEGIN{printf "%.1f", b/1048576}') MiB"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
now() { date +%s.%N; }
mbps() { awk -v b="$bytes" -v t="$1" 'BEGIN{ if (t <= 0) print "n/a"; else printf "%.0f", b/1048576/t }'; }

start_nimbus() {  # sets host and pids
  local dir=$work/nimbus-$1; mkdir -p "$dir"
  "$build/nimbus" serve --port 0 --data-dir "$dir" > "$dir/log" &
  pids+=($!)
  for _ in $(seq 200); do grep -q "ready on" "$dir/log" 2>/dev/null && break; sleep 0.05; done
  local url; url=$(head -1 "$dir/log" | sed 's/nimbus ready on //')
  curl -s -o /dev/null -X POST "$url/" -H 'Content-Type: application/x-amz-json-1.1' \
    -H 'X-Amz-Target: AmazonEC2ContainerRegistry_V20150921.CreateRepository' \
    -d '{"repositoryName":"bench"}'
  host=${url#http://}
}

start_registry() {  # sets host and pids
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

declare -A best_push best_pull
for name in nimbus registry; do best_push[$name]=999999; best_pull[$name]=999999; done
for round in $(seq "$rounds"); do
  for name in nimbus registry; do
    if [ $name = nimbus ]; then start_nimbus "$round"; else start_registry "$round"; fi
    t0=$(now)
    skopeo copy -q --dest-tls-verify=false "oci:$work/image:bench" "docker://$host/bench:bench"
    t1=$(now)
    skopeo inspect --raw --tls-verify=false "docker://$host/bench:bench" > /dev/null
    t2=$(now)
    skopeo copy -q --src-tls-verify=false "docker://$host/bench:bench" "oci:$work/pull-$name-$round:bench"
    t3=$(now)
    read -r push pull ping <<<"$(awk -v a="$t0" -v b="$t1" -v c="$t2" -v d="$t3" \
      'BEGIN{ printf "%.3f %.3f %.3f", b-a, d-c, c-b }')"
    net_push=$(awk -v p="$push" -v q="$ping" 'BEGIN{printf "%.3f", p-q}')
    net_pull=$(awk -v p="$pull" -v q="$ping" 'BEGIN{printf "%.3f", p-q}')
    diff -q <(cd "$work/image/blobs/sha256" && ls | sort) \
            <(cd "$work/pull-$name-$round/blobs/sha256" && ls | sort) >/dev/null \
      || echo "  !! $name round $round: pulled blobs differ"
    printf '%-8s round %d: push %6.2fs pull %6.2fs (ping cost %5.2fs) -> push %5s MB/s, pull %5s MB/s\n' \
      "$name" "$round" "$push" "$pull" "$ping" "$(mbps "$net_push")" "$(mbps "$net_pull")"
    best_push[$name]=$(awk -v a="${best_push[$name]}" -v b="$net_push" 'BEGIN{print (b<a)?b:a}')
    best_pull[$name]=$(awk -v a="${best_pull[$name]}" -v b="$net_pull" 'BEGIN{print (b<a)?b:a}')
    rm -rf "$work/pull-$name-$round"
    kill "${pids[-1]}" 2>/dev/null || true; wait "${pids[-1]}" 2>/dev/null || true
  done
done
echo "best of $rounds:"
for name in nimbus registry; do
  printf '  %-8s push %5s MB/s   pull %5s MB/s\n' "$name" "$(mbps "${best_push[$name]}")" "$(mbps "${best_pull[$name]}")"
done
