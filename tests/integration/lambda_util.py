"""Helpers for Lambda integration tests: zips built in memory, function creation, waiting."""
import io
import json
import zipfile

ROLE = "arn:aws:iam::000000000000:role/lambda-role"


def make_zip(files):
    """files: {name: text or bytes or (content, mode)} -> zip bytes (modes kept for bootstrap)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, content in files.items():
            mode = 0o644
            if isinstance(content, tuple):
                content, mode = content
            info = zipfile.ZipInfo(name)
            info.external_attr = (0o100000 | mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, content)
    return buf.getvalue()


SHELL_BOOTSTRAP = r"""#!/bin/sh
set -eu
echo "init from shell bootstrap"
while true; do
  HEADERS="$(mktemp)"
  EVENT=$(curl -sS -LD "$HEADERS" "http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/invocation/next")
  ID=$(grep -Fi Lambda-Runtime-Aws-Request-Id "$HEADERS" | tr -d '[:space:]' | cut -d: -f2)
  echo "handling $ID"
  curl -sS -X POST "http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/invocation/$ID/response" \
    -d "{\"echo\": $EVENT, \"pid\": $$}" > /dev/null
done
"""


def create(client, name, files, runtime="python3.12", handler="app.handler", **kw):
    resp = client.create_function(FunctionName=name, Runtime=runtime, Handler=handler, Role=ROLE,
                                  Code={"ZipFile": make_zip(files)}, **kw)
    client.get_waiter("function_active_v2").wait(FunctionName=name,
                                                 WaiterConfig={"Delay": 0.2, "MaxAttempts": 100})
    return resp


def invoke(client, name, payload=None, **kw):
    args = dict(FunctionName=name, **kw)
    if payload is not None:
        args["Payload"] = payload if isinstance(payload, (bytes, str)) else json.dumps(payload)
    resp = client.invoke(**args)
    resp["Body"] = resp["Payload"].read()
    return resp
