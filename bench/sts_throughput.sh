#!/usr/bin/env bash
# GetCallerIdentity requests/s under wrk with a presigned GET request: nimbus side by side with
# moto_server in the same run. Usage: bench/sts_throughput.sh [BUILD_DIR] [SECONDS]
set -euo pipefail
build=${1:-build}; secs=${2:-10}
cd "$(dirname "$0")/.."
source bench/lib.sh
data=$(mktemp -d)
nimbus_pid="" moto_pid=""
trap 'kill $nimbus_pid $moto_pid 2>/dev/null || true; rm -rf "$data"' EXIT

start_nimbus "$build/nimbus" "$data"

moto_port=$(free_port)
moto_server -H 127.0.0.1 -p "$moto_port" > "$data/moto.log" 2>&1 &
moto_pid=$!
for _ in $(seq 100); do curl -s "http://127.0.0.1:$moto_port/" >/dev/null && break; sleep 0.1; done

for name in nimbus moto; do
  if [ $name = nimbus ]; then ep=$nimbus_url; else ep="http://127.0.0.1:$moto_port"; fi
  url=$(python3 bench/presign_sts.py "$ep")
  code=$(curl -s -o /dev/null -w '%{http_code}' "$url")
  echo "== $name ($ep): presigned GetCallerIdentity answers $code"
  wrk -t2 -c64 -d"${secs}s" --latency "$url" | grep -E 'Requests/sec|Latency|50%|99%'
done
