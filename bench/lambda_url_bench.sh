#!/usr/bin/env bash
# Function URL round trip vs a plain Invoke of the same function: warm latency p50/p99 over one
# keep-alive connection, and throughput over 8, from the compiled client
# (build/bench/lambda_invoke_bench, 1 KB JSON body). A do-nothing python3.12 handler returns
# {"ok": true}; the URL (AuthType NONE, BUFFERED) is called through its path form
# /_nimbus-lambda/url/<id>/ so the client's Host stays 127.0.0.1; the Invoke through the API
# path. Besides latency, the CPU nimbus's own process spends per request at c=1 (not the
# function's: runtimes are separate processes) is printed: under load from other work it is the
# steadier figure. Runs alternate ROUNDS times (Invoke, URL, Invoke, URL, ...) so load from elsewhere falls
# on both alike; each round's figures are printed, then the medians.
# Usage: bench/lambda_url_bench.sh [BUILD] ; env SECONDS_PER_RUN (default 3), ROUNDS (default 3)
set -euo pipefail
build=${1:-build}
cd "$(dirname "$0")/.."
root=$PWD
source bench/lib.sh
secs=${SECONDS_PER_RUN:-3}
rounds=${ROUNDS:-3}
client="$root/$build/bench/lambda_invoke_bench"
[ -x "$client" ] || { echo "missing $client: ninja -C $build lambda_invoke_bench" >&2; exit 1; }

work=$(mktemp -d /tmp/nimbus-url-bench-XXXXXX)
nimbus_pid=""
cleanup() {
  set +e
  [ -n "$nimbus_pid" ] && kill "$nimbus_pid" 2>/dev/null && wait "$nimbus_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

start_nimbus "$root/$build/nimbus" "$work" --lambda-idle-seconds 3600
url_id=$(NIMBUS_ENDPOINT="$nimbus_url" python3 - <<'EOF'
import io, os, zipfile, boto3
from botocore.config import Config
lam = boto3.client("lambda", endpoint_url=os.environ["NIMBUS_ENDPOINT"], region_name="us-east-1",
                   aws_access_key_id="test", aws_secret_access_key="test",
                   config=Config(retries={"max_attempts": 1}))
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w") as z:
    z.writestr("app.py", "def handler(event, context):\n    return {'ok': True}\n")
lam.create_function(FunctionName="noop", Runtime="python3.12", Handler="app.handler",
                    Role="arn:aws:iam::000000000000:role/x", Code={"ZipFile": buf.getvalue()},
                    MemorySize=1024, Timeout=30)
lam.get_waiter("function_active_v2").wait(FunctionName="noop",
                                          WaiterConfig={"Delay": 0.1, "MaxAttempts": 100})
url = lam.create_function_url_config(FunctionName="noop", AuthType="NONE")["FunctionUrl"]
print(url.split("//")[1].split(".")[0])
EOF
)
invoke_path=/2015-03-31/functions/noop/invocations
url_path=/_nimbus-lambda/url/$url_id/
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<" $2"; }
cpu_ms() { awk -v t="$(getconf CLK_TCK)" '{print ($14+$15)*1000/t}' "/proc/$1/stat"; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

# Warm both paths at the highest concurrency first (one environment per concurrent request).
"$client" load 127.0.0.1 "$nimbus_port" "$invoke_path" --conns 8 --seconds 2 --warmup 1 >/dev/null
"$client" load 127.0.0.1 "$nimbus_port" "$url_path" --conns 8 --seconds 2 --warmup 1 >/dev/null

declare -A p50 p99 rps8 cpu
echo "### function URL vs Invoke, python3.12 no-op, ${secs}s per run, $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)"
for r in $(seq "$rounds"); do
  for kind in invoke url; do
    path=$invoke_path
    [ "$kind" = url ] && path=$url_path
    cpu0=$(cpu_ms "$nimbus_pid")
    one=$("$client" load 127.0.0.1 "$nimbus_port" "$path" --conns 1 --seconds "$secs" --warmup 1)
    us=$(awk -v a="$cpu0" -v b="$(cpu_ms "$nimbus_pid")" -v n="$(field total_requests "$one")" \
      'BEGIN{printf "%.1f", (b - a) * 1000 / n}')
    eight=$("$client" load 127.0.0.1 "$nimbus_port" "$path" --conns 8 --seconds "$secs" --warmup 1)
    echo "round $r $kind: c=1 p50_ms=$(field p50_ms "$one") p99_ms=$(field p99_ms "$one")" \
      "errors=$(field errors "$one") server_cpu_us=$us | c=8 rps=$(field rps "$eight") errors=$(field errors "$eight")"
    p50[$kind]+="$(field p50_ms "$one") "
    p99[$kind]+="$(field p99_ms "$one") "
    rps8[$kind]+="$(field rps "$eight") "
    cpu[$kind]+="$us "
  done
done
printf '%-8s %10s %10s %10s %14s\n' "" "p50 ms" "p99 ms" "rps c=8" "server us/req"
for kind in invoke url; do
  printf '%-8s %10s %10s %10s %14s\n' "$kind" \
    "$(tr ' ' '\n' <<<"${p50[$kind]}" | grep . | median)" \
    "$(tr ' ' '\n' <<<"${p99[$kind]}" | grep . | median)" \
    "$(tr ' ' '\n' <<<"${rps8[$kind]}" | grep . | median)" \
    "$(tr ' ' '\n' <<<"${cpu[$kind]}" | grep . | median)"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
