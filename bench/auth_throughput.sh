#!/usr/bin/env bash
# Request throughput through authentication, one or more nimbus binaries side by side in the same
# run (e.g. before and after a change): STS GetCallerIdentity as a presigned GET in open and in
# strict mode (--credentials), and CloudWatch Logs DescribeLogGroups as a header-signed POST with
# a JSON body in strict mode (its signature covers the body's hash, verified once it is read).
# wrk -t2 -c32 for SECONDS each. Usage: bench/auth_throughput.sh SECONDS NIMBUS [NIMBUS...]
set -euo pipefail
secs=$1; shift
cd "$(dirname "$0")/.."
source bench/lib.sh
work=$(mktemp -d)
nimbus_pid=""
trap 'kill $nimbus_pid 2>/dev/null || true; rm -rf "$work"' EXIT
echo "AKIABENCH00000000001 bench-secret 123456789012" > "$work/creds"

# Writes a wrk Lua script replaying one request botocore signed for ENDPOINT.
signed_post_lua() {
  python3 - "$1" <<'PY'
import sys
from urllib.parse import urlsplit
sys.path.insert(0, "tests/integration")
from sigv4_raw import sign
host = urlsplit(sys.argv[1]).netloc
raw = sign("POST", host, "/", [("X-Amz-Target", "Logs_20140328.DescribeLogGroups"),
                               ("Content-Type", "application/x-amz-json-1.1")],
           '{"limit": 5}', "logs", "us-east-1", "AKIABENCH00000000001", "bench-secret")
print('wrk.method = "POST"')
print('wrk.body = %r' % raw.body.decode())
for k, v in raw.headers:
    if k.lower() != "host":
        print('wrk.headers[%r] = %r' % (k, v))
PY
}

presigned_url() {
  python3 - "$1" "$2" "$3" <<'PY'
import sys
import boto3
sts = boto3.client("sts", endpoint_url=sys.argv[1], region_name="us-east-1",
                   aws_access_key_id=sys.argv[2], aws_secret_access_key=sys.argv[3])
print(sts.generate_presigned_url("get_caller_identity", ExpiresIn=3600, HttpMethod="GET"))
PY
}

run() {  # LABEL URL [wrk args...]: requests/s, latency, and how many were not 2xx
  local label=$1 url=$2; shift 2
  printf "  %-28s " "$label"
  wrk -t2 -c32 -d"${secs}s" --latency "$@" "$url" |
    awk '/Requests\/sec/ {rps=$2} /^ +50%/ {p50=$2} /^ +99%/ {p99=$2} /Non-2xx/ {bad=$NF}
         END {printf "%10s req/s  p50 %-8s p99 %-8s non-2xx %d\n", rps, p50, p99, bad}'
}

for bin in "$@"; do
  echo "== $bin"
  start_nimbus "$bin" "$work/open"
  run "open presigned STS" "$(presigned_url "$nimbus_url" test test)"
  kill "$nimbus_pid"; wait "$nimbus_pid" 2>/dev/null || true
  start_nimbus "$bin" "$work/strict" --credentials "$work/creds"
  run "strict presigned STS" "$(presigned_url "$nimbus_url" AKIABENCH00000000001 bench-secret)"
  signed_post_lua "$nimbus_url" > "$work/post.lua"
  run "strict signed POST (Logs)" "$nimbus_url/" -s "$work/post.lua"
  kill "$nimbus_pid"; wait "$nimbus_pid" 2>/dev/null || true
  rm -rf "$work/open" "$work/strict"
done
