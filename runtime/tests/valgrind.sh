#!/usr/bin/env bash
# Runs 10 000 invocations through run_handler() under valgrind memcheck; fails on any leak or
# memory error. Usage: runtime/tests/valgrind.sh [build-dir] [invocations]
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$here/../build-runtime}"
n="${2:-10000}"
cmake --build "$build" -j2 --target nimbus_lambda_soak
soak="$build/tests/nimbus_lambda_soak"
[ -x "$soak" ] || soak="$build/runtime/tests/nimbus_lambda_soak"  # inside the nimbus build tree
exec valgrind --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect,possible \
  --errors-for-leak-kinds=definite,indirect,possible "$soak" "$n"
