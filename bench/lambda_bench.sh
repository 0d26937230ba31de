#!/usr/bin/env bash
# Lambda invoke bench: warm latency p50/p99 (1 connection) and throughput (2, 8, 32 keep-alive
# connections) with a 1 KB JSON payload from the compiled client (build/bench/lambda_invoke_bench),
# for do-nothing handlers on nimbus (native provided.al2023 = examples/hello-cpp, python3.12,
# nodejs20.x) and, in the same run, the same Node handler under two peers: npm's lambda-local (HTTP
# mode) and serverless-offline@13 (on the serverless framework v3, driven through its Lambda invoke
# endpoint, the same Invoke API path as nimbus);
# the native function runs at 1024 MB and again at Lambda's default 128 MB (7 % of a vCPU: a CFS
# quota, where stalls between periods show in p99);
# then cold start (environment created -> first response) of the native bootstrap, the packaged
# example (statically linked, so the zip's `bootstrap` is the binary itself), at both sizes.
# A last row, "ceiling", is the same hello-cpp runtime (32 copies) behind bench/runtime_api_ceiling:
# a broker that only passes bodies between the client and the runtimes, i.e. the most that any
# emulator with the runtime in its own process and the Runtime API over TCP could reach here.
# The "echo" row is that broker with no runtimes, answering each Invoke itself: the most that any
# HTTP server could do for this client on this host, even one running no function at all.
# serverless-offline runs in its default mode: Node handlers in worker threads, one per concurrent
# invoke, each reused while idle (terminateIdleLambdaTime 60 s), the handler module loaded once per
# worker (reloadHandler off; --useInProcess off); its default (notice) log level writes one line
# per invoke, to a file here. It slows down as it serves, so each of its runs starts it afresh.
# It is heavy (~280 MB), so it is installed on demand from bench/peer-sls (npm ci from the
# committed lock), not by scripts/install-npm-deps.sh.
# Usage: bench/lambda_bench.sh [BUILD] ; env SECONDS_PER_RUN (default 4), COLD_RUNS (default 30),
# BENCH_ONLY (an extended regex on the row labels, e.g. 'native\)|ceiling|echo' for the rows of
# the ceiling ratio alone: peers whose rows it skips are neither installed nor started).
set -euo pipefail
build=${1:-build}
cd "$(dirname "$0")/.."
root=$PWD
source bench/lib.sh
secs=${SECONDS_PER_RUN:-4}
only=${BENCH_ONLY:-.}
wanted() { grep -Eq -- "$only" <<<"$1"; }
cold_runs=${COLD_RUNS:-30}
client="$root/$build/bench/lambda_invoke_bench"
zip_native="$root/$build/examples/hello-cpp.zip"
elf_native="$root/$build/examples/hello-cpp/hello-cpp"
[ -x "$client" ] || { echo "missing $client: ninja -C $build lambda_invoke_bench" >&2; exit 1; }
[ -x "$root/$build/bench/runtime_api_ceiling" ] ||
  { echo "missing runtime_api_ceiling: ninja -C $build runtime_api_ceiling" >&2; exit 1; }
[ -f "$zip_native" ] || { echo "missing $zip_native: ninja -C $build examples" >&2; exit 1; }
if wanted "lambda-local (node)" && [ ! -d bench/peer/node_modules/lambda-local ]; then
  (cd bench/peer && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi
if wanted "sls-offline (node)" && { [ ! -d bench/peer-sls/node_modules/serverless-offline ] ||
   [ ! -d bench/peer-sls/node_modules/serverless ]; }; then
  echo "installing serverless-offline (bench/peer-sls, npm ci, about a minute)" >&2
  (cd bench/peer-sls && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi

work=$(mktemp -d /tmp/nimbus-lambda-bench-XXXXXX)
nimbus_pid="" peer_pid="" sls_pid="" ceiling_pid="" echo_pid=""
cleanup() {
  set +e
  [ -n "$peer_pid" ] && kill "$peer_pid" 2>/dev/null
  [ -n "$sls_pid" ] && kill "$sls_pid" 2>/dev/null
  [ -n "$ceiling_pid" ] && pkill -P "$ceiling_pid" && kill "$ceiling_pid" 2>/dev/null
  [ -n "$echo_pid" ] && kill "$echo_pid" 2>/dev/null
  [ -n "$nimbus_pid" ] && kill "$nimbus_pid" 2>/dev/null
  for _ in $(seq 100); do kill -0 "$nimbus_pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$nimbus_pid" 2>/dev/null; then
    echo "nimbus did not stop on SIGTERM in 10 s: SIGKILL" >&2
    kill -9 "$nimbus_pid" 2>/dev/null
  fi
  wait 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

start_nimbus "$root/$build/nimbus" "$work" --lambda-idle-seconds 3600
port=$nimbus_port

# The do-nothing handlers.
mkdir -p "$work/node" "$work/py"
cat >"$work/node/index.js" <<'EOF'
exports.handler = async (event, context) => ({ ok: true });
EOF
cat >"$work/py/app.py" <<'EOF'
def handler(event, context):
    return {"ok": True}
EOF

NIMBUS_ENDPOINT="http://127.0.0.1:$port" python3 - "$zip_native" "$work" <<'EOF'
import io, os, sys, zipfile, boto3
from botocore.config import Config
native_zip, work = sys.argv[1], sys.argv[2]
lam = boto3.client("lambda", endpoint_url=os.environ["NIMBUS_ENDPOINT"], region_name="us-east-1",
                   aws_access_key_id="test", aws_secret_access_key="test",
                   config=Config(retries={"max_attempts": 1}))
def zipped(path, name):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.write(os.path.join(path, name), name)
    return buf.getvalue()
role = "arn:aws:iam::000000000000:role/lambda-role"
native = open(native_zip, "rb").read()
fns = {"native": ("provided.al2023", "hello", native),
       "native-128": ("provided.al2023", "hello", native),
       "python": ("python3.12", "app.handler", zipped(work + "/py", "app.py")),
       "node": ("nodejs20.x", "index.handler", zipped(work + "/node", "index.js"))}
for name, (runtime, handler, code) in fns.items():
    lam.create_function(FunctionName=name, Runtime=runtime, Handler=handler, Role=role,
                        Code={"ZipFile": code}, MemorySize=128 if name.endswith("-128") else 1024,
                        Timeout=30)
    lam.get_waiter("function_active_v2").wait(FunctionName=name,
                                              WaiterConfig={"Delay": 0.1, "MaxAttempts": 100})
    r = lam.invoke(FunctionName=name, Payload=b'{"name":"warm"}')
    assert r["StatusCode"] == 200 and "FunctionError" not in r, (name, r["Payload"].read())
EOF

# The peer: lambda-local in HTTP (watch) mode, least verbose, on a free port.
peer_port=$(free_port)
if wanted "lambda-local (node)"; then
  (cd "$work/node" && exec node "$root/bench/peer/node_modules/lambda-local/build/cli.js" \
    -l index.js -h handler -v 0 -t 30 --watch "$peer_port" >"$work/peer.out" 2>&1) &
  peer_pid=$!
  wait_listening "$peer_port" 100 0.1 || true
fi

# The second peer: serverless-offline (default mode, see the top) serving the same index.js through
# its Lambda invoke endpoint on a free lambdaPort (the only port it opens: the function has no HTTP
# event). Offline: no AWS credentials are read, telemetry and notifications are off, and its
# cache (~/.serverless) goes to the work directory.
cp "$root/bench/peer-sls/serverless.yml" "$work/node/serverless.yml"
ln -s "$root/bench/peer-sls/node_modules" "$work/node/node_modules"
sls_port=$(free_port)
# serverless-offline slows down as it serves: its memory grows by ~11 KB per invoke (290 MB ->
# 800 MB over 47k invokes here) and its rate halves within ~35k invokes. So that it is measured
# at its best, each of its runs below starts a fresh process (the run's 1 s warm-up starts its
# workers).
start_sls() {
  if [ -n "$sls_pid" ]; then
    kill "$sls_pid" 2>/dev/null || true
    wait "$sls_pid" 2>/dev/null || true
  fi
  (cd "$work/node" && HOME="$work/sls-home" SLS_TELEMETRY_DISABLED=1 SLS_NOTIFICATIONS_MODE=off \
    SLS_DEPRECATION_DISABLE='*' exec node "$root/bench/peer-sls/node_modules/serverless/bin/serverless.js" \
    offline start --host 127.0.0.1 --lambdaPort "$sls_port" --noSponsor >>"$work/sls.out" 2>&1) &
  sls_pid=$!
  wait_listening "$sls_port" 300 0.1 ||
    { echo "serverless-offline did not listen in 30 s:" >&2; cat "$work/sls.out" >&2; exit 1; }
}
if wanted "sls-offline (node)"; then start_sls; fi

# The ceiling: a do-nothing broker in front of 32 hello-cpp runtimes (host libraries).
ceiling_port=$(free_port)
"$root/$build/bench/runtime_api_ceiling" "$ceiling_port" "$elf_native" 32 2>"$work/ceiling.err" &
ceiling_pid=$!
wait_listening "$ceiling_port" 100 0.05 || true
echo_port=$(free_port)  # the same broker, no runtimes: it answers every Invoke itself
"$root/$build/bench/runtime_api_ceiling" "$echo_port" "$elf_native" 0 2>"$work/echo.err" &
echo_pid=$!
wait_listening "$echo_port" 100 0.05 || true

run() {  # run LABEL PORT PATH CONNS -> the client's key=value line 
  "$client" load 127.0.0.1 "$2" "$3" --conns "$4" --seconds "$secs" --warmup 1
}
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<" $2"; }
cpu_ms() { awk -v t="$(getconf CLK_TCK)" '{print ($14+$15)*1000/t}' "/proc/$1/stat"; }
server_pid_of() {  # server_pid_of PORT
  if [ "$1" = "$peer_port" ]; then echo "$peer_pid"
  elif [ "$1" = "$sls_port" ]; then echo "$sls_pid"
  elif [ "$1" = "$ceiling_port" ]; then echo "$ceiling_pid"
  elif [ "$1" = "$echo_port" ]; then echo "$echo_pid"
  else echo "$nimbus_pid"; fi
}
# measured PORT PATH CONNS -> run's line plus the CPU the server's own process spent per invoke
# (not its children: nimbus's and the ceiling's runtimes are separate processes).
measured() {
  local pid cpu0 out
  pid=$(server_pid_of "$1")
  cpu0=$(cpu_ms "$pid")
  out=$(run "" "$1" "$2" "$3")
  echo "$out server_cpu_us_per_invoke=$(awk -v a="$cpu0" -v b="$(cpu_ms "$pid")" \
    -v n="$(field total_requests "$out")" 'BEGIN{printf "%.0f", (b - a) * 1000 / n}')"
}

echo "### native cold start (UpdateFunctionConfiguration retires the warm environment; next invoke)"
cold=$("$client" cold 127.0.0.1 "$port" native --runs "$cold_runs")
echo "1024 MB: $cold"
cold_128=$("$client" cold 127.0.0.1 "$port" native-128 --runs "$cold_runs")
echo "128 MB: $cold_128"

declare -A rows peak
targets=("nimbus (native)|$port|/2015-03-31/functions/native/invocations"
         "nimbus (native 128)|$port|/2015-03-31/functions/native-128/invocations"
         "nimbus (python)|$port|/2015-03-31/functions/python/invocations"
         "nimbus (node)|$port|/2015-03-31/functions/node/invocations"
         "lambda-local (node)|$peer_port|/"
         "sls-offline (node)|$sls_port|/2015-03-31/functions/node/invocations"
         "ceiling (native)|$ceiling_port|/2015-03-31/functions/native/invocations"
         "echo (no function)|$echo_port|/2015-03-31/functions/native/invocations")
echo "### Lambda warm invoke, 1 KB payload, ${secs}s per run (+1s warm-up), $(nproc) cores"
for t in "${targets[@]}"; do
  IFS='|' read -r label p path <<<"$t"
  wanted "$label" || continue
  # Warm-up at the highest concurrency first, so every run below meets warm environments
  # (nimbus scales out to one environment per concurrent invoke, as Lambda does).
  "$client" load 127.0.0.1 "$p" "$path" --conns 32 --seconds 2 --warmup 1 >/dev/null
  fresh() { if [ "$p" = "$sls_port" ]; then start_sls; fi; }  # see start_sls
  fresh
  lat=$(measured "$p" "$path" 1)
  echo "$label c=1: $lat"
  line="$(printf '%-20s %9s %9s %9s' "$label" "$(field p50_ms "$lat")" "$(field p99_ms "$lat")" \
    "$(field rps "$lat")")"
  peak[$label]=$(field rps "$lat")
  for c in 2 8 32; do
    fresh
    out=$(measured "$p" "$path" "$c")
    echo "$label c=$c: $out"
    line+="$(printf ' %9s' "$(field rps "$out")")"
    peak[$label]=$(awk -v a="${peak[$label]}" -v b="$(field rps "$out")" 'BEGIN{print ((b > a) ? b : a)}')
  done
  rows[$label]=$line
done

echo
printf '%-20s %9s %9s %9s %9s %9s %9s\n' "target" "p50 ms" "p99 ms" "inv/s c1" "inv/s c2" \
  "inv/s c8" "inv/s c32"
for t in "${targets[@]}"; do [ -n "${rows[${t%%|*}]:-}" ] && printf '%s\n' "${rows[${t%%|*}]}"; done
# The ceiling's broker does only what every emulator that runs the runtime in its own process
# and serves the Runtime API over loopback TCP must do, so ceiling / peer is the most any such
# emulator can reach against that peer on this host: the second line says whether 20x can be.
for peer in "lambda-local (node)|lambda-local" "sls-offline (node)|serverless-offline@13"; do
  IFS='|' read -r label name <<<"$peer"
  [ -n "${peak[$label]:-}" ] && [ -n "${peak[nimbus (native)]:-}" ] || continue
  printf 'nimbus (native) / %s at peak (best of c1..c32): %s / %s inv/s = %sx\n' "$name" \
    "${peak[nimbus (native)]}" "${peak[$label]}" \
    "$(awk -v a="${peak[nimbus (native)]}" -v b="${peak[$label]}" 'BEGIN{printf "%.1f", (b > 0) ? a / b : 0}')"
  printf '  20x %s is %s inv/s; the ceiling (%s inv/s) allows at most %sx here, an echo server (%s inv/s) %sx\n' "$name" \
    "$(awk -v b="${peak[$label]}" 'BEGIN{printf "%.0f", 20 * b}')" "${peak[ceiling (native)]}" \
    "$(awk -v a="${peak[ceiling (native)]}" -v b="${peak[$label]}" 'BEGIN{printf "%.1f", (b > 0) ? a / b : 0}')" \
    "${peak[echo (no function)]}" \
    "$(awk -v a="${peak[echo (no function)]}" -v b="${peak[$label]}" 'BEGIN{printf "%.1f", (b > 0) ? a / b : 0}')"
done
[ -n "${peak[nimbus (native)]:-}" ] && [ -n "${peak[ceiling (native)]:-}" ] &&
  printf 'nimbus (native) / ceiling at peak: %s / %s inv/s = %s%%\n' "${peak[nimbus (native)]}" \
  "${peak[ceiling (native)]}" \
  "$(awk -v a="${peak[nimbus (native)]}" -v b="${peak[ceiling (native)]}" 'BEGIN{printf "%.0f", (b > 0) ? 100 * a / b : 0}')"
printf 'native cold start, 1024 MB: first response p50 %s ms (p90 %s), REPORT Init Duration p50 %s ms\n' \
  "$(field first_invoke_p50_ms "$cold")" "$(field first_invoke_p90_ms "$cold")" \
  "$(field init_duration_p50_ms "$cold")"
printf 'native cold start,  128 MB: first response p50 %s ms (p90 %s), REPORT Init Duration p50 %s ms\n' \
  "$(field first_invoke_p50_ms "$cold_128")" "$(field first_invoke_p90_ms "$cold_128")" \
  "$(field init_duration_p50_ms "$cold_128")"
