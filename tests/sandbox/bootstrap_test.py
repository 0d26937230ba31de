"""nimbus's python and node bootstraps against a fake Runtime API (no nimbus needed).

Run: python3 tests/sandbox/bootstrap_test.py  (ctest: sandbox_bootstraps)
"""
import json
import os
import queue
import shutil
import subprocess
import tempfile
import threading
import time
import unittest
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SRC = os.environ.get("NIMBUS_SOURCE_DIR",
                     os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
RUNTIMES = os.path.join(SRC, "src", "services", "lambda", "runtimes")
PREFIX = "/2018-06-01/runtime"


class FakeRuntimeApi:
    """Serves queued events on /next and records what the runtime posts."""

    def __init__(self):
        self.events = queue.Queue()
        self.posts = queue.Queue()  # (kind, request_id, headers, body)
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _reply(self, status, body=b'{"status":"OK"}'):
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                if self.path != PREFIX + "/invocation/next":
                    return self._reply(404)
                rid, payload, extra = api.events.get()
                self.send_response(200)
                self.send_header("Lambda-Runtime-Aws-Request-Id", rid)
                self.send_header("Lambda-Runtime-Deadline-Ms", str(int(time.time() * 1000) + 3000))
                self.send_header("Lambda-Runtime-Invoked-Function-Arn",
                                 "arn:aws:lambda:us-east-1:000000000000:function:fn")
                self.send_header("Lambda-Runtime-Trace-Id", "Root=1-abc;Sampled=0")
                for k, v in extra.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                parts = self.path[len(PREFIX):].split("/")
                if self.path == PREFIX + "/init/error":
                    api.posts.put(("init_error", None, dict(self.headers), body))
                elif len(parts) == 4 and parts[3] in ("response", "error"):
                    api.posts.put((parts[3], parts[2], dict(self.headers), body))
                else:
                    return self._reply(404)
                self._reply(202)

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request, client_address):
                pass  # runtimes killed mid-request at teardown

        self.server = Server(("127.0.0.1", 0), Handler)
        self.address = "127.0.0.1:%d" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def invoke(self, payload, extra=None):
        rid = str(uuid.uuid4())
        self.events.put((rid, json.dumps(payload).encode(), extra or {}))
        return rid

    def next_post(self, timeout=15):
        return self.posts.get(timeout=timeout)

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class BootstrapCase(unittest.TestCase):
    command = None  # set by subclasses

    def setUp(self):
        self.api = FakeRuntimeApi()
        self.task = tempfile.mkdtemp(prefix="nimbus-task-")
        self.proc = None

    def tearDown(self):
        if self.proc:
            self.proc.kill()
            self.proc.wait()
            self.proc.stdout.close()
        self.api.close()
        shutil.rmtree(self.task, ignore_errors=True)

    def write(self, name, text):
        path = os.path.join(self.task, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)

    def start(self, handler, extra_env=None):
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "AWS_LAMBDA_RUNTIME_API": self.api.address,
            "_HANDLER": handler,
            "LAMBDA_TASK_ROOT": self.task,
            "AWS_LAMBDA_FUNCTION_NAME": "fn",
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
            "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/fn",
            "AWS_LAMBDA_LOG_STREAM_NAME": "2024/01/01/[$LATEST]abc",
        }
        env.update(extra_env or {})
        self.proc = subprocess.Popen(self.command, env=env, cwd=self.task, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT)

    def round_trip(self, payload, extra=None):
        rid = self.api.invoke(payload, extra)
        kind, got_rid, headers, body = self.api.next_post()
        self.assertEqual(got_rid, rid)
        return kind, headers, json.loads(body)

    def expect_init_error(self, error_type, message_part):
        kind, _, headers, body = self.api.next_post()
        self.assertEqual(kind, "init_error")
        shape = json.loads(body)
        self.assertEqual(shape["errorType"], error_type)
        self.assertIn(message_part, shape["errorMessage"])
        self.assertEqual(headers.get("Lambda-Runtime-Function-Error-Type"), error_type)
        self.assertNotEqual(self.proc.wait(timeout=10), 0)
        return shape


class PythonBootstrapTest(BootstrapCase):
    command = ["/usr/bin/python3", os.path.join(RUNTIMES, "python", "bootstrap.py")]

    def test_handler_gets_event_and_context_and_state_survives(self):
        self.write("app.py", "\n".join([
            "import os",
            "calls = 0",
            "def handler(event, context):",
            "    global calls",
            "    calls += 1",
            "    print('hello from', context.function_name)",
            "    return {'event': event, 'calls': calls, 'id': context.aws_request_id,",
            "            'mem': context.memory_limit_in_mb, 'arn': context.invoked_function_arn,",
            "            'left': context.get_remaining_time_in_millis(),",
            "            'group': context.log_group_name, 'stream': context.log_stream_name,",
            "            'trace': os.environ.get('_X_AMZN_TRACE_ID'), 'cc': context.client_context}",
        ]))
        self.start("app.handler")
        kind, _, out = self.round_trip({"x": 1}, {"Lambda-Runtime-Client-Context": '{"custom":{"a":1}}'})
        self.assertEqual(kind, "response")
        self.assertEqual(out["event"], {"x": 1})
        self.assertEqual(out["calls"], 1)
        self.assertEqual(out["mem"], "256")
        self.assertTrue(out["arn"].endswith(":function:fn"))
        self.assertTrue(0 < out["left"] <= 3000)
        self.assertEqual(out["group"], "/aws/lambda/fn")
        self.assertEqual(out["trace"], "Root=1-abc;Sampled=0")
        self.assertEqual(out["cc"], {"custom": {"a": 1}})
        kind, _, out = self.round_trip([1, 2])
        self.assertEqual(out["calls"], 2)  # warm: globals survive
        # print() was not buffered: the line is there while the process still runs.
        self.assertIn(b"hello from fn", self.proc.stdout.readline())

    def test_exception_has_aws_shape(self):
        self.write("app.py", "def handler(e, c):\n    raise ValueError('bad input')\n")
        self.start("app.handler")
        kind, headers, shape = self.round_trip({})
        self.assertEqual(kind, "error")
        self.assertEqual(shape["errorType"], "ValueError")
        self.assertEqual(shape["errorMessage"], "bad input")
        self.assertIsInstance(shape["stackTrace"], list)
        self.assertIn("raise ValueError", "".join(shape["stackTrace"]))
        self.assertEqual(headers.get("Lambda-Runtime-Function-Error-Type"), "ValueError")
        kind, _, _ = self.round_trip({})  # still serving
        self.assertEqual(kind, "error")

    def test_import_error(self):
        self.start("missing.handler")
        self.expect_init_error("Runtime.ImportModuleError",
                               "Unable to import module 'missing': No module named 'missing'")

    def test_handler_not_found(self):
        self.write("app.py", "x = 1\n")
        self.start("app.nope")
        self.expect_init_error("Runtime.HandlerNotFound", "Handler 'nope' missing on module 'app'")

    def test_syntax_error(self):
        self.write("app.py", "def handler(:\n")
        self.start("app.handler")
        self.expect_init_error("Runtime.UserCodeSyntaxError", "Syntax error in module 'app'")

    def test_unserializable_result(self):
        self.write("app.py", "def handler(e, c):\n    return {'s': set()}\n")
        self.start("app.handler")
        kind, _, shape = self.round_trip({})
        self.assertEqual(kind, "error")
        self.assertEqual(shape["errorType"], "Runtime.MarshalError")

    def test_subdir_handler_and_opt_python(self):
        self.write("pkg/mod.py", "from layerlib import VALUE\ndef go(e, c):\n    return VALUE\n")
        opt = tempfile.mkdtemp()
        try:
            with open(os.path.join(opt, "layerlib.py"), "w") as f:
                f.write("VALUE = 'from layer'\n")
            self.start("pkg/mod.go", {"PYTHONPATH": opt})
            kind, _, out = self.round_trip({})
            self.assertEqual((kind, out), ("response", "from layer"))
        finally:
            shutil.rmtree(opt)


class NodeBootstrapTest(BootstrapCase):
    command = [shutil.which("node") or "node", os.path.join(RUNTIMES, "node", "bootstrap.js")]

    def test_async_commonjs_handler(self):
        self.write("index.js", "\n".join([
            "let calls = 0;",
            "exports.handler = async (event, context) => {",
            "  calls++;",
            "  console.log('hello', event);",
            "  return { event, calls, id: context.awsRequestId, mem: context.memoryLimitInMB,",
            "           left: context.getRemainingTimeInMillis(), fn: context.functionName,",
            "           trace: process.env._X_AMZN_TRACE_ID };",
            "};",
        ]))
        self.start("index.handler")
        kind, _, out = self.round_trip({"a": 1})
        self.assertEqual(kind, "response")
        self.assertEqual(out["event"], {"a": 1})
        self.assertEqual((out["calls"], out["mem"], out["fn"]), (1, "256", "fn"))
        self.assertTrue(0 < out["left"] <= 3000)
        self.assertEqual(out["trace"], "Root=1-abc;Sampled=0")
        kind, _, out = self.round_trip({})
        self.assertEqual(out["calls"], 2)
        line = self.proc.stdout.readline().decode()
        self.assertRegex(line, r"^\d{4}-\d\d-\d\dT.*Z\t[0-9a-f-]{36}\tINFO\thello \{ a: 1 \}")

    def test_callback_handler(self):
        self.write("cb.js", "exports.h = (e, ctx, cb) => { setTimeout(() => cb(null, {ok: e.n + 1}), 5); };\n")
        self.start("cb.h")
        kind, _, out = self.round_trip({"n": 41})
        self.assertEqual((kind, out), ("response", {"ok": 42}))

    def test_esm_handler(self):
        self.write("app.mjs", "export const handler = async (e) => ({ esm: true, e });\n")
        self.start("app.handler")
        kind, _, out = self.round_trip(5)
        self.assertEqual((kind, out), ("response", {"esm": True, "e": 5}))

    def test_error_shape(self):
        self.write("index.js", "exports.handler = async () => { throw new TypeError('broken'); };\n")
        self.start("index.handler")
        kind, headers, shape = self.round_trip({})
        self.assertEqual(kind, "error")
        self.assertEqual((shape["errorType"], shape["errorMessage"]), ("TypeError", "broken"))
        self.assertTrue(shape["trace"][0].startswith("TypeError: broken"))
        self.assertEqual(headers.get("Lambda-Runtime-Function-Error-Type"), "TypeError")
        kind, _, shape = self.round_trip({})  # still serving
        self.assertEqual(kind, "error")

    def test_callback_error(self):
        self.write("cberr.js", "exports.h = (e, ctx, cb) => cb(new RangeError('nope'));\n")
        self.start("cberr.h")
        kind, _, shape = self.round_trip({})
        self.assertEqual((kind, shape["errorType"]), ("error", "RangeError"))

    def test_import_error(self):
        self.start("missing.handler")
        self.expect_init_error("Runtime.ImportModuleError", "Cannot find module 'missing'")

    def test_handler_not_found(self):
        self.write("index.js", "exports.other = 1;\n")
        self.start("index.handler")
        self.expect_init_error("Runtime.HandlerNotFound", "index.handler is undefined or not exported")

    def test_syntax_error(self):
        self.write("index.js", "exports.handler = async () => {\n")
        self.start("index.handler")
        self.expect_init_error("Runtime.UserCodeSyntaxError", "SyntaxError")

    def test_esm_syntax_error(self):
        self.write("index.mjs", "export const handler = ;\n")
        self.start("index.handler")
        self.expect_init_error("Runtime.UserCodeSyntaxError", "SyntaxError")


if __name__ == "__main__":
    unittest.main(verbosity=2)
