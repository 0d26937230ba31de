#!/usr/bin/env bash
# Runs every benchmark and prints the figures quoted in closing notes.
set -euo pipefail
build=${1:-build}
cd "$(dirname "$0")/.."
echo "### start -> ready, idle RSS"
"$build/bench/startup_bench" "$build/nimbus" 20
echo "### STS GetCallerIdentity throughput (nimbus vs moto_server)"
bench/sts_throughput.sh "$build" 10
