#!/usr/bin/env bash
# SQS send + receive + delete throughput (messages/s, unbatched and batched by 10) of nimbus and
# moto_server in the same run, with the same compiled client (bench/sqs_bench.cc), and nimbus's
# long-poll wake-up latency. Usage: bench/sqs_bench.sh [BUILD_DIR] [SECONDS] [CONNS]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
build=${1:-$here/../build} seconds=${2:-5} conns=${3:-16}
client="$build/bench/sqs_bench"
data=$(mktemp -d)
nimbus_pid="" moto_pid=""
trap 'kill $nimbus_pid $moto_pid 2>/dev/null || true; rm -rf "$data"' EXIT

start_nimbus "$build/nimbus" "$data/nimbus"
moto_port=$(free_port)
moto_server -H 127.0.0.1 -p "$moto_port" > "$data/moto.log" 2>&1 &
moto_pid=$!
wait_listening "$moto_port" 100 0.1

for batch in 1 10; do
  for name in nimbus moto; do
    if [ $name = nimbus ]; then port=$nimbus_port; else port=$moto_port; fi
    printf '%-6s batch=%-2s ' "$name" "$batch"
    "$client" throughput "127.0.0.1:$port" "$conns" "$seconds" "$batch"
  done
done
printf 'nimbus long-poll wake-up: '
"$client" wake "127.0.0.1:$nimbus_port" 200
