#!/usr/bin/env bash
# Cold start of a container-image function (PackageType Image) against the same function as a
# zip: examples/hello-cpp (statically linked, so the zip's `bootstrap` is the binary itself),
# pushed as a one-layer image by `nimbus package --image` (the binary as ENTRYPOINT). Both run
# at 1024 MB; the image's layers are unpacked by its first invoke, so every measured cold start
# finds them cached (the goal: within 1 ms of the zip's). Prints lambda_invoke_bench cold's line
# for each round of each, then the p50 difference.
# Usage: bench/lambda_image_cold.sh [BUILD] ; env COLD_RUNS (default 30)
set -euo pipefail
build=${1:-build}
cd "$(dirname "$0")/.."
root=$PWD
source bench/lib.sh
cold_runs=${COLD_RUNS:-30}
client="$root/$build/bench/lambda_invoke_bench"
elf_native="$root/$build/examples/hello-cpp/hello-cpp"
[ -x "$client" ] || { echo "missing $client: ninja -C $build lambda_invoke_bench" >&2; exit 1; }
[ -x "$elf_native" ] || { echo "missing $elf_native: ninja -C $build hello-cpp" >&2; exit 1; }

work=$(mktemp -d /tmp/nimbus-image-bench-XXXXXX)
nimbus_pid=""
cleanup() {
  set +e
  [ -n "$nimbus_pid" ] && kill "$nimbus_pid" 2>/dev/null
  for _ in $(seq 100); do kill -0 "$nimbus_pid" 2>/dev/null || break; sleep 0.1; done
  wait 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

start_nimbus "$root/$build/nimbus" "$work" --lambda-idle-seconds 3600
port=$nimbus_port
export NIMBUS_ENDPOINT="http://127.0.0.1:$port"
python3 -c "
import boto3, os
boto3.client('ecr', endpoint_url=os.environ['NIMBUS_ENDPOINT'], region_name='us-east-1',
             aws_access_key_id='test', aws_secret_access_key='test'
             ).create_repository(repositoryName='hello-cpp')"
# The same files both ways: the zip, and the image (-o and --image at once).
zip_native="$work/hello-cpp.zip"
"$root/$build/nimbus" package "$elf_native" -o "$zip_native" \
  --image "127.0.0.1:$port/hello-cpp:bench" >&2

python3 - "$zip_native" "127.0.0.1:$port/hello-cpp:bench" <<'PY'
import os, sys, boto3
from botocore.config import Config
lam = boto3.client("lambda", endpoint_url=os.environ["NIMBUS_ENDPOINT"], region_name="us-east-1",
                   aws_access_key_id="test", aws_secret_access_key="test",
                   config=Config(retries={"max_attempts": 1}))
role = "arn:aws:iam::000000000000:role/lambda-role"
lam.create_function(FunctionName="zip", Runtime="provided.al2023", Handler="hello", Role=role,
                    Code={"ZipFile": open(sys.argv[1], "rb").read()}, MemorySize=1024)
lam.create_function(FunctionName="image", PackageType="Image", Role=role,
                    Code={"ImageUri": sys.argv[2]}, MemorySize=1024)
for name in ("zip", "image"):
    lam.get_waiter("function_active_v2").wait(FunctionName=name)
    r = lam.invoke(FunctionName=name, Payload=b'{"name":"warm"}')
    assert r["StatusCode"] == 200 and "FunctionError" not in r, (name, r["Payload"].read())
PY

# Interleaved rounds, so that the machine's load changes weigh on both alike.
rounds=3
per_round=$(( (cold_runs + rounds - 1) / rounds ))
for i in $(seq "$rounds"); do
  for fn in zip image; do
    "$client" cold 127.0.0.1 "$port" "$fn" --runs "$per_round" >"$work/$fn.$i.txt"
    echo "$fn round $i: $(cat "$work/$fn.$i.txt")"
  done
done
python3 - "$work" "$rounds" <<'PY'
import sys
work, rounds = sys.argv[1], int(sys.argv[2])
def p50_of(path):  # lambda_invoke_bench prints "key=value ..."
    fields = dict(kv.split("=", 1) for kv in open(path).read().split() if "=" in kv)
    return float(fields["first_invoke_p50_ms"])
p50 = {fn: [p50_of(f"{work}/{fn}.{i}.txt") for i in range(1, rounds + 1)]
       for fn in ("zip", "image")}
diffs = [p50["image"][i] - p50["zip"][i] for i in range(rounds)]
print("cold start p50 per round (ms): zip %s, image %s" % (p50["zip"], p50["image"]))
print("image - zip: median of rounds %.2f ms (rounds: %s)" % (
    sorted(diffs)[rounds // 2], ", ".join("%.2f" % d for d in diffs)))
PY
