#!/usr/bin/env bash
# Warm Invoke latency as each kind of client sees it, one connection, sequential requests, 1 KB
# JSON payload, against the static hello-cpp example at 128 MB (Lambda's default size) and at
# 1024 MB: wrk, curl (one process, keep-alive), Python's http.client (head and body in one write,
# and in two writes without TCP_NODELAY), boto3, the JS SDK v3, and both AWS CLIs. The CLIs start
# a process per call, so their rows are nimbus's own latency for their requests, from its JSON
# access log (request read -> response written); every other row is the client's own clock.
# Usage: bench/client_latency.sh [BUILD] ; env REQUESTS (default 2000), CLI_CALLS (default 10)
set -euo pipefail
build=${1:-build}
cd "$(dirname "$0")/.."
root=$PWD
source bench/lib.sh
requests=${REQUESTS:-2000}
cli_calls=${CLI_CALLS:-10}
zip="$root/$build/examples/hello-cpp.zip"
[ -f "$zip" ] || { echo "missing $zip: ninja -C $build examples" >&2; exit 1; }
command -v wrk >/dev/null || { echo "missing wrk (apt-get install wrk)" >&2; exit 1; }

work=$(mktemp -d /tmp/nimbus-client-latency-XXXXXX)
nimbus_pid=""
cleanup() {
  set +e
  [ -n "$nimbus_pid" ] && kill "$nimbus_pid" 2>/dev/null && wait "$nimbus_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
start_nimbus "$root/$build/nimbus" "$work" --log-format json --lambda-idle-seconds 3600
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1
export NIMBUS_ENDPOINT=$nimbus_url
python3 - "$zip" <<'EOF'
import os, sys, boto3
lam = boto3.client("lambda", endpoint_url=os.environ["NIMBUS_ENDPOINT"])
code = open(sys.argv[1], "rb").read()
for mb in (128, 1024):
    lam.create_function(FunctionName=f"hello-{mb}", Runtime="provided.al2023", Handler="hello",
                        Role="arn:aws:iam::000000000000:role/x", Code={"ZipFile": code},
                        MemorySize=mb, Timeout=30)
    lam.get_waiter("function_active_v2").wait(FunctionName=f"hello-{mb}")
    lam.invoke(FunctionName=f"hello-{mb}", Payload=b"{}")
EOF
payload="$work/payload.json"
python3 -c 'import json; print(json.dumps({"name": "x" * 1000}), end="")' >"$payload"

pct() {  # pct FILE: "p50 p99 max" of the milliseconds in FILE, one per line
  sort -g "$1" | awk '{v[NR]=$1} END {printf "%.3f %.3f %.3f", v[int(NR*0.5)+1], v[int(NR*0.99)+1], v[NR]}'
}
row() { printf '%-34s %9s %9s %9s\n' "$1" $2; }

measure() {  # measure FUNCTION
  local fn=$1 path="/2015-03-31/functions/$1/invocations" f
  echo "### $fn: $requests sequential invokes per client (CLIs: $cli_calls calls)"
  row "client" "p50_ms p99_ms max_ms"
  cat >"$work/wrk.lua" <<EOF
wrk.method = "POST"
wrk.body = io.open("$payload"):read("*a")
done = function(summary, latency, requests)
  io.write(string.format("WRK %.3f %.3f %.3f\n", latency:percentile(50) / 1000,
                         latency:percentile(99) / 1000, latency.max / 1000))
end
EOF
  row "wrk -c1" "$(wrk -t1 -c1 -d5s -s "$work/wrk.lua" "$nimbus_url$path" | sed -n 's/^WRK //p')"

  f="$work/curl.ms"
  local args=() i
  for i in $(seq "$requests"); do args+=(--next -s -o /dev/null -w '%{time_total}\n' \
    -H 'Content-Type: application/json' --data-binary "@$payload" "$nimbus_url$path"); done
  curl "${args[@]:1}" | awk '{print $1 * 1000}' >"$f"
  row "curl (one process, keep-alive)" "$(pct "$f")"

  for mode in one two; do
    f="$work/httpclient-$mode.ms"
    python3 - "$nimbus_port" "$path" "$payload" "$requests" "$mode" >"$f" <<'EOF'
import http.client, sys, time
port, path, payload, n, mode = sys.argv[1], sys.argv[2], open(sys.argv[3], "rb").read(), int(sys.argv[4]), sys.argv[5]
c = http.client.HTTPConnection("127.0.0.1", int(port))  # no TCP_NODELAY: Python's default
for _ in range(n):
    t = time.perf_counter()
    if mode == "one":
        c.request("POST", path, body=payload)
    else:
        c.putrequest("POST", path)
        c.putheader("Content-Length", str(len(payload)))
        c.endheaders()
        c.send(payload)
    c.getresponse().read()
    print((time.perf_counter() - t) * 1000)
EOF
    row "http.client ($mode write$([ $mode = two ] && echo s))" "$(pct "$f")"
  done

  f="$work/boto3.ms"
  python3 - "$fn" "$payload" "$requests" >"$f" <<'EOF'
import os, sys, time, boto3
fn, payload, n = sys.argv[1], open(sys.argv[2], "rb").read(), int(sys.argv[3])
lam = boto3.client("lambda", endpoint_url=os.environ["NIMBUS_ENDPOINT"])
for _ in range(n):
    t = time.perf_counter()
    lam.invoke(FunctionName=fn, Payload=payload)["Payload"].read()
    print((time.perf_counter() - t) * 1000)
EOF
  row "boto3" "$(pct "$f")"

  f="$work/js.ms"
  NODE_NO_WARNINGS=1 NODE_PATH="$root/tests/integration/js/node_modules" node - "$fn" "$payload" "$requests" >"$f" <<'EOF'
const { LambdaClient, InvokeCommand } = require("@aws-sdk/client-lambda");
const fs = require("fs");
const [fn, file, n] = process.argv.slice(2);
const payload = fs.readFileSync(file);
const lam = new LambdaClient({ endpoint: process.env.NIMBUS_ENDPOINT, region: "us-east-1" });
(async () => {
  for (let i = 0; i < Number(n); i++) {
    const t = process.hrtime.bigint();
    await lam.send(new InvokeCommand({ FunctionName: fn, Payload: payload }));
    console.log(Number(process.hrtime.bigint() - t) / 1e6);
  }
})();
EOF
  row "JS SDK v3" "$(pct "$f")"

  for cli in "aws|aws-cli/1|CLI v1 (nimbus's latency)" "/usr/bin/aws|aws-cli/2|CLI v2 (nimbus's latency)"; do
    IFS='|' read -r bin ua label <<<"$cli"
    [ -x "$(command -v "$bin")" ] || { row "$label" "absent"; continue; }
    local before
    before=$(wc -l <"$work/nimbus.out")
    for i in $(seq "$cli_calls"); do
      "$bin" --endpoint-url "$nimbus_url" lambda invoke --function-name "$fn" \
        --payload "fileb://$payload" "$work/out.json" >/dev/null
    done
    f="$work/cli.ms"
    tail -n +"$((before + 1))" "$work/nimbus.out" | python3 -c '
import json, sys
for line in sys.stdin:
    try: e = json.loads(line)
    except ValueError: continue
    if e.get("operation", "").endswith("Invoke") and sys.argv[1] in e.get("user_agent", ""):
        print(e["latency_ms"])' "$ua" >"$f"
    row "$label" "$(pct "$f")"
  done
}

measure hello-128
measure hello-1024
