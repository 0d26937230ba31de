#!/usr/bin/env bash
# Installs the npm packages the integration tests and benches drive, when missing or stale:
#   tests/integration/js   the AWS JS SDK clients
#   tests/integration/ric  aws-lambda-ric, AWS's Node runtime interface client (builds a native
#                          addon: needs autoconf automake libtool libcurl4-openssl-dev cmake g++ make;
#                          a failed build is logged to ric/install.log and test_lambda_ric.py skips)
#   bench/peer             lambda-local, the peer of bench/lambda_bench.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
install() {  # install DIR: npm ci from the committed lock (npm install when there is none)
  local dir="$root/$1"
  if [ ! -d "$dir/node_modules" ] || [ "$dir/package.json" -nt "$dir/node_modules" ] ||
     { [ -f "$dir/package-lock.json" ] && [ "$dir/package-lock.json" -nt "$dir/node_modules" ]; }; then
    local cmd=install
    [ -f "$dir/package-lock.json" ] && cmd=ci
    (cd "$dir" && npm "$cmd" --no-audit --no-fund --loglevel=error --foreground-scripts \
       >"$dir/install.log" 2>&1) || { echo "install-npm-deps: npm $cmd failed in $1 (see $1/install.log)" >&2; return 1; }
    touch "$dir/node_modules"
  fi
}
install tests/integration/js
install bench/peer
install tests/integration/ric || echo "install-npm-deps: aws-lambda-ric did not build; test_lambda_ric.py will skip" >&2
