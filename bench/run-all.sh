#!/usr/bin/env bash
# Runs every benchmark and prints the figures quoted in closing notes.
set -euo pipefail
build=${1:-build}
cd "$(dirname "$0")/.."
echo "### start -> ready, idle RSS"
"$build/bench/startup_bench" "$build/nimbus" 20
echo "### STS GetCallerIdentity throughput (nimbus vs moto_server)"
bench/sts_throughput.sh "$build" 10
echo "### Lambda invoke: warm latency/throughput, native cold start (nimbus vs lambda-local)"
bench/lambda_bench.sh "$build"
