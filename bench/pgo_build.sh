#!/usr/bin/env bash
# Builds a profile-guided nimbus (GCC -fprofile-use) in BUILD (default build-pgo):
#   1. nimbus instrumented (NIMBUS_PGO=generate, src/CMakeLists.txt), plus the load client and
#      the hello-cpp example;
#   2. a training run: a native function invoked by the compiled client at 1, 8 and 32
#      connections, a few control-plane and logs calls, then SIGTERM (profiles are written at
#      exit);
#   3. nimbus rebuilt with the profiles (NIMBUS_PGO=use).
# Opt-in: the default build stays profile-free (a second build and a training run would double
# `make test`). Measured in docs/benchmarks.md (session 7): nimbus CPU per invoke 95 -> 68 us at
# one connection, 69 -> 59 us at eight.
# Usage: bench/pgo_build.sh [BUILD]; then BUILD/nimbus serve ...
set -euo pipefail
build=${1:-build-pgo}
cd "$(dirname "$0")/.."
root=$PWD
source bench/lib.sh
cmake -S "$root" -B "$build" -G Ninja -DNIMBUS_PGO=generate -DNIMBUS_TESTS=OFF >/dev/null
rm -rf "$build/pgo"
ninja -C "$build" nimbus lambda_invoke_bench examples

work=$(mktemp -d /tmp/nimbus-pgo-XXXXXX)
nimbus_pid=""
cleanup() {
  [ -n "$nimbus_pid" ] && kill "$nimbus_pid" 2>/dev/null && wait "$nimbus_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
start_nimbus "$build/nimbus" "$work"
port=$nimbus_port
NIMBUS_ENDPOINT="http://127.0.0.1:$port" python3 - "$build/examples/hello-cpp.zip" <<'PY'
import os, sys, boto3
kw = dict(endpoint_url=os.environ["NIMBUS_ENDPOINT"], region_name="us-east-1",
          aws_access_key_id="test", aws_secret_access_key="test")
lam, logs = boto3.client("lambda", **kw), boto3.client("logs", **kw)
lam.create_function(FunctionName="native", Runtime="provided.al2023", Handler="hello",
                    Role="arn:aws:iam::000000000000:role/r", MemorySize=1024,
                    Code={"ZipFile": open(sys.argv[1], "rb").read()})
lam.get_waiter("function_active_v2").wait(FunctionName="native",
                                          WaiterConfig={"Delay": 0.1, "MaxAttempts": 100})
for _ in range(20):
    lam.invoke(FunctionName="native", Payload=b'{"k": 1}', LogType="Tail")
    lam.get_function(FunctionName="native")
    lam.list_functions()
logs.filter_log_events(logGroupName="/aws/lambda/native")
PY
for c in 1 8 32; do
  "$build/bench/lambda_invoke_bench" load 127.0.0.1 "$port" \
    /2015-03-31/functions/native/invocations --conns "$c" --seconds 3 | cut -d' ' -f1-4
done
kill "$nimbus_pid" && wait "$nimbus_pid" || true
nimbus_pid=""
echo "profiles: $(find "$build/pgo" -name '*.gcda' | wc -l) files"
cmake -S "$root" -B "$build" -DNIMBUS_PGO=use >/dev/null
ninja -C "$build" nimbus
echo "profile-guided nimbus: $build/nimbus"
