"""AWS's own Node.js runtime interface client (npm aws-lambda-ric 3.x), unchanged, runs a Node
handler under provided.al2023 against nimbus's Runtime API: the zip's `bootstrap` execs the host's
node on the ric's documented entry point (bin/index.mjs, handler as its argument), with the
ric's node_modules in the function code. Checks the result, a thrown error's shape, and logs.

scripts/install-npm-deps.sh (make test-deps) installs the ric into tests/integration/ric; its
native addon needs autoconf, automake, libtool, libcurl4-openssl-dev, cmake, g++ and make. When it
did not build, the test skips and says why."""
import base64
import io
import json
import os
import time
import unittest
import zipfile

from harness import Nimbus, log_events
from lambda_util import ROLE

HERE = os.path.dirname(os.path.abspath(__file__))
RIC_DIR = os.path.join(HERE, "ric")
RIC = os.path.join(RIC_DIR, "node_modules", "aws-lambda-ric")
NODE = "/usr/bin/node"

BOOTSTRAP = """#!/bin/sh
# AWS's Node runtime interface client, as the aws-lambda-nodejs base images start it.
cd "$LAMBDA_TASK_ROOT"
exec /usr/bin/node "$LAMBDA_TASK_ROOT/node_modules/aws-lambda-ric/bin/index.mjs" "$_HANDLER"
"""

HANDLER = """
let count = 0;
exports.handler = async (event, context) => {
  count += 1;
  console.log("ric handler saw", JSON.stringify(event));
  if (event.fail) {
    const e = new TypeError("the ric reports this: " + event.fail);
    throw e;
  }
  return { ric: true, count, event, requestId: context.awsRequestId,
           fn: context.functionName, remaining: context.getRemainingTimeInMillis() > 0 };
};
"""


def skip_reason():
    if not os.access(NODE, os.X_OK):
        return "no %s on this machine" % NODE
    if not os.path.isdir(RIC):
        return ("aws-lambda-ric is not installed in %s: run scripts/install-npm-deps.sh "
                "(make test-deps)" % RIC_DIR)
    if not os.path.exists(os.path.join(RIC, "dist", "rapid-client.node")):
        log = os.path.join(RIC_DIR, "install.log")
        tail = open(log, errors="replace").read()[-600:] if os.path.exists(log) else "(no log)"
        return ("aws-lambda-ric's native addon did not build (needs autoconf automake libtool "
                "libcurl4-openssl-dev cmake g++ make): %s" % tail)
    return None


def ric_zip():
    """bootstrap + index.js + node_modules (the ric and its runtime dependencies only)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        def add(name, content, mode=0o644):
            info = zipfile.ZipInfo(name)
            info.external_attr = (0o100000 | mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, content)
        add("bootstrap", BOOTSTRAP, 0o755)
        add("index.js", HANDLER)
        modules = os.path.join(RIC_DIR, "node_modules")
        # dist/ holds the bundled client and its addon (rapid-client.node); nothing else is
        # loaded at run time.
        keep = [("aws-lambda-ric", ["package.json", "bin", "dist"])]
        for pkg, parts in keep:
            base = os.path.join(modules, pkg)
            for part in parts or [""]:
                top = os.path.join(base, part)
                paths = [top] if os.path.isfile(top) else [
                    os.path.join(r, f) for r, _, fs in os.walk(top) for f in fs]
                for path in paths:
                    rel = os.path.relpath(path, RIC_DIR)
                    mode = os.stat(path).st_mode & 0o777
                    with open(path, "rb") as f:
                        add(rel, f.read(), mode)
    return buf.getvalue()


@unittest.skipIf(skip_reason(), skip_reason())
class LambdaRic(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.n = Nimbus().start()
        cls.lam = cls.n.client("lambda")
        cls.lam.create_function(FunctionName="ric", Runtime="provided.al2023",
                                Handler="index.handler", Role=ROLE, Timeout=10, MemorySize=512,
                                Code={"ZipFile": ric_zip()})
        cls.lam.get_waiter("function_active_v2").wait(
            FunctionName="ric", WaiterConfig={"Delay": 0.2, "MaxAttempts": 100})

    @classmethod
    def tearDownClass(cls):
        cls.n.stop()

    def invoke(self, payload, **kw):
        r = self.lam.invoke(FunctionName="ric", Payload=json.dumps(payload), **kw)
        r["Body"] = r["Payload"].read()
        return r

    def test_result_and_warm_reuse(self):
        first = self.invoke({"hello": "ric"})
        self.assertEqual(first["StatusCode"], 200)
        self.assertNotIn("FunctionError", first, first["Body"])
        body = json.loads(first["Body"])
        self.assertEqual(body["event"], {"hello": "ric"})
        self.assertTrue(body["ric"])
        self.assertEqual(body["fn"], "ric")
        self.assertTrue(body["remaining"])
        self.assertEqual(body["requestId"], first["ResponseMetadata"]["RequestId"])
        second = json.loads(self.invoke({"hello": "again"})["Body"])
        self.assertEqual(second["count"], body["count"] + 1)  # same environment, globals kept

    def test_thrown_error_has_aws_shape(self):
        r = self.invoke({"fail": "boom"})
        self.assertEqual(r["StatusCode"], 200)
        self.assertEqual(r["FunctionError"], "Unhandled")
        body = json.loads(r["Body"])
        self.assertEqual(body["errorType"], "TypeError")
        self.assertEqual(body["errorMessage"], "the ric reports this: boom")
        # AWS's Node runtimes name the stack "trace" (Python's say "stackTrace").
        self.assertIsInstance(body["trace"], list)
        self.assertTrue(any("index.js" in line for line in body["trace"]), body["trace"])

    def test_logs_tail_and_cloudwatch(self):
        r = self.invoke({"log": "me"}, LogType="Tail")
        rid = r["ResponseMetadata"]["RequestId"]
        log = base64.b64decode(r["LogResult"]).decode()
        self.assertIn("START RequestId: %s" % rid, log)
        self.assertIn("ric handler saw", log)
        self.assertIn('{"log":"me"}', log)
        self.assertIn("REPORT RequestId: %s" % rid, log)
        logs = self.n.client("logs")
        deadline = time.time() + 10
        messages = []
        while time.time() < deadline:
            events = log_events(logs, "/aws/lambda/ric", filterPattern="ric handler saw")
            messages = [e["message"] for e in events]
            if any('{"log":"me"}' in m for m in messages):
                break
            time.sleep(0.2)
        self.assertTrue(any('{"log":"me"}' in m for m in messages), messages)


if __name__ == "__main__":
    unittest.main()
