"""The C++ Lambda runtime (runtime/, issue 4) end to end on nimbus: the examples' zips
(examples/hello-cpp, examples/binary-cpp) deployed with the AWS CLI v1 and v2 and invoked with the
CLI and boto3 (1 000 warm invocations, concurrency over several environments, byte-exact binary
payloads), and the test function tests/integration/cpp_functions/e2e_function.cc (one binary,
the handler string picks the behaviour): function errors, init errors, 6 MB requests and
responses at the limits, response streaming, SIGTERM on shutdown, and `nimbus package`.

Artifacts come from the build tree next to NIMBUS_BIN (or NIMBUS_BUILD_DIR): the default build
makes cpp-e2e-fn and its zip; the example zips are built by the runtime's
nimbus_lambda_examples_build ctest fixture. Anything missing is built here with
`cmake --build <build> --target examples cpp-e2e-fn-zip`.
"""
import base64
import concurrent.futures
import gzip
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import unittest
import zipfile

from botocore.exceptions import ClientError

from harness import NIMBUS_BIN, Nimbus, log_events
from lambda_util import ROLE, SHELL_BOOTSTRAP, create as create_zip_function, invoke

BUILD_DIR = os.environ.get("NIMBUS_BUILD_DIR") or os.path.dirname(os.path.abspath(NIMBUS_BIN))
HELLO_ZIP = os.path.join(BUILD_DIR, "examples", "hello-cpp.zip")
BINARY_ZIP = os.path.join(BUILD_DIR, "examples", "binary-cpp.zip")
E2E_FN = os.environ.get("NIMBUS_CPP_E2E_FN") or os.path.join(
    BUILD_DIR, "tests", "integration", "cpp_functions", "cpp-e2e-fn")
E2E_ZIP = os.environ.get("NIMBUS_CPP_E2E_ZIP") or os.path.join(
    BUILD_DIR, "tests", "integration", "cpp_functions", "cpp-e2e-fn.zip")

MAX_REQUEST = 6 * 1024 * 1024         # 6291456: synchronous Invoke payload limit
MAX_RESPONSE = 6 * 1024 * 1024 + 100  # 6291556: Runtime API response limit
LOG_STREAM = re.compile(r"^\d{4}/\d\d/\d\d/\[\$LATEST\][0-9a-f]{32}$")


def ensure_built():
    missing = [p for p in (HELLO_ZIP, BINARY_ZIP, E2E_FN, E2E_ZIP) if not os.path.exists(p)]
    if not missing:
        return
    if not os.path.exists(os.path.join(BUILD_DIR, "CMakeCache.txt")):
        raise RuntimeError("missing %s and %s is not a CMake build tree" % (missing, BUILD_DIR))
    subprocess.run(["cmake", "--build", BUILD_DIR, "--target", "examples", "cpp-e2e-fn-zip"],
                   check=True, stdout=subprocess.DEVNULL, timeout=900)


def read(path):
    with open(path, "rb") as f:
        return f.read()


def fnv1a(data):
    h = 0xcbf29ce484222325
    for b in data:
        h = ((h ^ b) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return "%016x" % h


def wait_log_messages(logs, name, needle, timeout=15):
    """Messages of /aws/lambda/NAME containing NEEDLE, polling until there is one or timeout."""
    deadline = time.time() + timeout
    while True:
        events = log_events(logs, "/aws/lambda/" + name, filterPattern='"%s"' % needle)
        if events or time.time() > deadline:
            return [e["message"] for e in events]
        time.sleep(0.1)


class CppRuntime(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        ensure_built()
        cls.n = Nimbus("--lambda-idle-seconds", "300").start()
        cls.lam = cls.n.client("lambda", max_pool_connections=32, read_timeout=120)
        cls.tmp = tempfile.mkdtemp(prefix="nimbus-cpp-")

    @classmethod
    def tearDownClass(cls):
        cls.n.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    # -- helpers ---------------------------------------------------------------------------
    def wait_active(self, name):
        self.lam.get_waiter("function_active_v2").wait(
            FunctionName=name, WaiterConfig={"Delay": 0.2, "MaxAttempts": 100})

    def cli_create(self, name, zip_path, handler, *extra, v2=False):
        out = self.n.aws("lambda", "create-function", "--function-name", name,
                         "--runtime", "provided.al2023", "--handler", handler, "--role", ROLE,
                         "--zip-file", "fileb://" + zip_path, *extra, v2=v2)
        self.assertEqual(out["Runtime"], "provided.al2023")
        self.assertEqual(out["Handler"], handler)
        self.wait_active(name)
        return out

    def cli_invoke(self, name, payload, v2=False):
        """Invokes with the CLI; returns (CLI output, response body bytes)."""
        out_file = os.path.join(self.tmp, "out-%s-%d" % (name, time.time_ns()))
        args = ["lambda", "invoke", "--function-name", name, "--payload", payload]
        if v2:
            args += ["--cli-binary-format", "raw-in-base64-out"]
        out = self.n.aws(*args, out_file, v2=v2)
        return out, read(out_file)

    def create(self, name, handler, zip_path=E2E_ZIP, **kw):
        self.lam.create_function(FunctionName=name, Runtime="provided.al2023", Handler=handler,
                                 Role=ROLE, Code={"ZipFile": read(zip_path)}, **kw)
        self.wait_active(name)

    def log_streams(self, name, at_least, timeout=15):
        logs = self.n.client("logs")
        deadline = time.time() + timeout
        while True:
            try:
                group = "/aws/lambda/" + name
                streams = logs.describe_log_streams(logGroupName=group)["logStreams"]
            except logs.exceptions.ResourceNotFoundException:  # the group is not shipped yet
                if time.time() > deadline:
                    raise
                streams = []
            if len(streams) >= at_least or time.time() > deadline:
                return [s["logStreamName"] for s in streams]
            time.sleep(0.1)

    def assert_error(self, r, error_type, message=None):
        self.assertEqual(r["StatusCode"], 200)
        self.assertEqual(r["FunctionError"], "Unhandled")
        body = json.loads(r["Body"])
        self.assertEqual(body["errorType"], error_type, body)
        if message is not None:
            self.assertEqual(body["errorMessage"], message)
        return body

    # -- hello-cpp -------------------------------------------------------------------------
    def test_hello_cli_v1_create_invoke_v1_and_v2(self):
        self.cli_create("hello-cli", HELLO_ZIP, "hello")
        out, body = self.cli_invoke("hello-cli", '{"name":"Ada"}')
        self.assertEqual(out["StatusCode"], 200)
        self.assertNotIn("FunctionError", out)
        self.assertEqual(json.loads(body), {"message": "Hello, Ada!", "invocations": 1})
        out, body = self.cli_invoke("hello-cli", '{"name":"Grace"}', v2=True)
        self.assertEqual(out["ExecutedVersion"], "$LATEST")
        self.assertEqual(json.loads(body), {"message": "Hello, Grace!", "invocations": 2})
        out, body = self.cli_invoke("hello-cli", "[1,2]", v2=True)  # not an object
        self.assertEqual(out["FunctionError"], "Unhandled")
        self.assertEqual(json.loads(body)["errorType"], "Hello.InvalidEvent")
        conf = self.n.aws("lambda", "get-function-configuration", "--function-name", "hello-cli",
                          v2=True)
        self.assertEqual((conf["Runtime"], conf["Handler"], conf["State"]),
                         ("provided.al2023", "hello", "Active"))

    def test_max_memory_used_counts_what_the_processes_map(self):
        # Lambda reports a C++ function at about 10 MB. Its binary and libraries are already in
        # the host's page cache, so they are not charged to the environment's cgroup: the report
        # counts what the processes map, rounded up, and is never 0 (it showed 0 or 1 MB). The
        # e2e function is dynamically linked (its libc and loader packaged, as aws-lambda-cpp's
        # examples are); hello-cpp is static, and smaller.
        self.create("dynamic-mem", "echo")
        self.create("static-mem", "hello", zip_path=HELLO_ZIP)
        for name, at_least in (("dynamic-mem", 3), ("static-mem", 2)):
            for i in range(3):
                r = invoke(self.lam, name, {"name": "m"}, LogType="Tail")
                tail = base64.b64decode(r["LogResult"]).decode()
                m = re.search(r"\tMemory Size: 128 MB\tMax Memory Used: (\d+) MB", tail)
                self.assertIsNotNone(m, tail)
                self.assertGreaterEqual(int(m.group(1)), at_least, tail)
                self.assertLessEqual(int(m.group(1)), 128, tail)
        # The same figures reach CloudWatch Logs.
        logs = self.n.client("logs")
        for name in ("dynamic-mem", "static-mem"):
            deadline = time.time() + 30
            reports = []
            while time.time() < deadline and len(reports) < 3:
                reports = [e["message"] for e in log_events(logs, "/aws/lambda/" + name,
                                                             filterPattern="REPORT")]
                time.sleep(0.2)
            self.assertEqual(len(reports), 3)
            for line in reports:
                self.assertNotRegex(line, r"Max Memory Used: [01] MB")

    def test_hello_1000_invocations_counter_climbs_in_one_environment(self):
        self.cli_create("hello-loop", HELLO_ZIP, "hello", v2=True)
        lam = self.n.client("lambda")  # one persistent connection for the loop
        count = 1000
        start = time.time()
        for i in range(1, count + 1):
            r = lam.invoke(FunctionName="hello-loop", Payload=b'{"name":"n%d"}' % i)
            self.assertNotIn("FunctionError", r)
            self.assertEqual(json.loads(r["Payload"].read()),
                             {"message": "Hello, n%d!" % i, "invocations": i})
        elapsed = time.time() - start
        self.assertLess(elapsed, 120)
        self.assertEqual(len(self.log_streams("hello-loop", 1)), 1)  # one environment
        print("\n%d sequential hello-cpp invokes: %.2f s (%.2f ms each)"
              % (count, elapsed, elapsed * 1000 / count))

    def test_hello_concurrent_invokes_spread_over_environments(self):
        self.create("hello-conc", "hello", zip_path=HELLO_ZIP)
        threads, per_thread = 12, 5
        barrier = threading.Barrier(threads)

        def worker(_):
            counters = []
            barrier.wait()
            for _ in range(per_thread):
                r = invoke(self.lam, "hello-conc", {"name": "c"})
                self.assertNotIn("FunctionError", r)
                counters.append(json.loads(r["Body"])["invocations"])
            return counters

        with concurrent.futures.ThreadPoolExecutor(threads) as pool:
            counters = [c for cs in pool.map(worker, range(threads)) for c in cs]
        # Each environment counts 1, 2, 3, … on its own: as many 1s as environments, and never
        # more ks than (k-1)s.
        hist = {k: counters.count(k) for k in set(counters)}
        environments = hist[1]
        self.assertGreaterEqual(environments, 2, hist)
        for k in hist:
            if k > 1:
                self.assertLessEqual(hist[k], hist.get(k - 1, 0), hist)
        self.assertGreaterEqual(len(self.log_streams("hello-conc", environments)), environments)

    # -- test function: context, concurrency with distinct environments ---------------------
    def test_request_context_reaches_the_handler(self):
        self.create("ctx", "echo", Timeout=7)
        r = invoke(self.lam, "ctx", {"k": "v"})
        out = json.loads(r["Body"])
        self.assertEqual(out["request_id"], r["ResponseMetadata"]["RequestId"])
        self.assertEqual(out["function_arn"], "arn:aws:lambda:us-east-1:000000000000:function:ctx")
        # An X-Ray trace header as Lambda passes one, its Root stamped with the current second.
        m = re.fullmatch(r"Root=1-([0-9a-f]{8})-[0-9a-f]{24};Parent=[0-9a-f]{16};"
                         r"Sampled=0;Lineage=1:[0-9a-f]{8}:0", out["trace_id"])
        self.assertIsNotNone(m, out["trace_id"])
        self.assertLess(abs(int(m.group(1), 16) - time.time()), 60)
        self.assertEqual(out["trace_env"], out["trace_id"])  # _X_AMZN_TRACE_ID exported
        self.assertTrue(0 < out["remaining_ms"] <= 7000, out["remaining_ms"])
        self.assertRegex(out["log_stream"], LOG_STREAM)
        self.assertEqual(out["bytes"], len(b'{"k": "v"}'))
        self.assertEqual(out["count"], 1)
        again = json.loads(invoke(self.lam, "ctx", {})["Body"])
        self.assertEqual((again["count"], again["pid"], again["log_stream"]),
                         (2, out["pid"], out["log_stream"]))

    def test_overlapping_invokes_get_distinct_environments_with_fresh_counters(self):
        self.create("conc", "echo", Timeout=30)
        n = 8
        barrier = threading.Barrier(n)

        def call(_):
            barrier.wait()
            return json.loads(invoke(self.lam, "conc", {"sleep_ms": 400})["Body"])

        with concurrent.futures.ThreadPoolExecutor(n) as pool:
            first = list(pool.map(call, range(n)))
        self.assertEqual([o["count"] for o in first], [1] * n)
        streams = {o["log_stream"]: o for o in first}
        self.assertEqual(len(streams), n)
        # Warm environments now: each sequential invoke lands in one of them, counter + 1.
        seen = {s: 1 for s in streams}
        for _ in range(n):
            o = json.loads(invoke(self.lam, "conc", {})["Body"])
            self.assertIn(o["log_stream"], streams)
            seen[o["log_stream"]] += 1
            self.assertEqual(o["count"], seen[o["log_stream"]])
        self.assertEqual(sorted(self.log_streams("conc", n)), sorted(streams))

    # -- binary-cpp ------------------------------------------------------------------------
    def test_binary_cpp_gzip_base64_byte_exact(self):
        # A full CPU (1769 MB) for the 4 MB case: gzip at 128 MB's 7% of a CPU takes seconds.
        self.cli_create("binary-cpp", BINARY_ZIP, "transform", "--memory-size", "1769",
                        "--timeout", "60")
        cases = [
            "nimbus binary payloads \u00e9\u4e2d\U0001F600 ".encode() * 300,
            os.urandom(200 * 1024) + b"\x00tail",
            os.urandom(4 * 1024 * 1024),  # ~5.6 MB of base64 each way: near both limits
        ]
        for text in cases:
            payload = json.dumps({"input": base64.b64encode(gzip.compress(text)).decode()})
            r = invoke(self.lam, "binary-cpp", payload)
            self.assertNotIn("FunctionError", r, r["Body"][:300])
            out = json.loads(r["Body"])
            self.assertEqual(out["length"], len(text))
            self.assertEqual(gzip.decompress(base64.b64decode(out["output"])), text.upper())
        # Through the CLI v2 as a raw file payload.
        text = b"hello from a file payload\n" * 10
        path = os.path.join(self.tmp, "binary-in.json")
        with open(path, "w") as f:
            json.dump({"input": base64.b64encode(gzip.compress(text)).decode()}, f)
        out_file = os.path.join(self.tmp, "binary-out.json")
        self.n.aws("lambda", "invoke", "--function-name", "binary-cpp", "--payload",
                   "fileb://" + path, out_file, v2=True)
        out = json.loads(read(out_file))
        self.assertEqual(gzip.decompress(base64.b64decode(out["output"])), text.upper())
        # Bad input: AWS-shaped errors, and the environment keeps serving.
        self.assert_error(invoke(self.lam, "binary-cpp", {"input": "!!!not base64"}),
                          "Binary.InvalidBase64")
        self.assert_error(invoke(self.lam, "binary-cpp", {"input": base64.b64encode(b"nogz").decode()}),
                          "Binary.InvalidGzip")
        self.assert_error(invoke(self.lam, "binary-cpp", [1]), "Binary.InvalidEvent")
        self.assert_error(invoke(self.lam, "binary-cpp", {"other": 1}), "Binary.InvalidEvent")
        out = json.loads(invoke(self.lam, "binary-cpp", {
            "input": base64.b64encode(gzip.compress(b"ok")).decode()})["Body"])
        self.assertEqual(out["length"], 2)

    # -- errors ----------------------------------------------------------------------------
    def test_function_errors_failure_and_exception(self):
        self.create("fails", "fail")
        r = invoke(self.lam, "fails", {"x": 1}, LogType="Tail")
        body = self.assert_error(r, "Test.Failure", 'deliberate failure for {"x": 1}')
        self.assertEqual(body["stackTrace"], [])
        self.assertIn("END RequestId: " + r["ResponseMetadata"]["RequestId"],
                      base64.b64decode(r["LogResult"]).decode())
        self.create("throws", "throw")
        for _ in range(2):  # the environment survives a throwing handler
            self.assert_error(invoke(self.lam, "throws", {}), "std::runtime_error",
                              "thrown from the handler")

    def test_init_errors(self):
        self.create("init-error", "init-error")
        for _ in range(2):  # each invoke gets a fresh environment that fails init again
            r = invoke(self.lam, "init-error", {}, LogType="Tail")
            self.assert_error(r, "Test.InitError", "init failed on purpose")
            log = base64.b64decode(r["LogResult"]).decode()
            self.assertIn("Status: error\tError Type: Test.InitError", log)
        self.create("exit-in-init", "exit-in-init")
        r = invoke(self.lam, "exit-in-init", {})
        self.assert_error(r, "Runtime.ExitError",
                          "RequestId: %s Error: Runtime exited with error: exit status 3"
                          % r["ResponseMetadata"]["RequestId"])
        self.create("unknown-handler", "no-such-handler")
        self.assert_error(invoke(self.lam, "unknown-handler", {}), "Test.UnknownHandler",
                          "unknown handler no-such-handler")

    # -- 6 MB payloads ---------------------------------------------------------------------
    def test_six_mb_response_at_the_limit(self):
        self.create("big-response", "big-response", MemorySize=512)
        r = invoke(self.lam, "big-response", {"bytes": MAX_RESPONSE})
        self.assertNotIn("FunctionError", r)
        self.assertEqual(len(r["Body"]), MAX_RESPONSE)
        self.assertEqual(r["Body"], b'"' + b"x" * (MAX_RESPONSE - 2) + b'"')
        r = invoke(self.lam, "big-response", {"bytes": MAX_RESPONSE + 1})
        body = self.assert_error(r, "Function.ResponseSizeTooLarge")
        self.assertIn("(%d bytes)" % (MAX_RESPONSE + 1), body["errorMessage"])
        # The runtime got 413, reported it and went on: the same environment answers.
        self.assertEqual(invoke(self.lam, "big-response", {"bytes": 4})["Body"], b'"xx"')

    def test_six_mb_request_at_the_limit(self):
        self.create("big-request", "big-request", MemorySize=512)
        filler = base64.b64encode(os.urandom(MAX_REQUEST)).decode()
        payload = ('"' + filler[:MAX_REQUEST - 2] + '"').encode()
        self.assertEqual(len(payload), MAX_REQUEST)
        out = json.loads(invoke(self.lam, "big-request", payload)["Body"])
        self.assertEqual(out, {"bytes": MAX_REQUEST, "fnv1a": fnv1a(payload)})
        with self.assertRaises(ClientError) as cm:
            invoke(self.lam, "big-request", ('"' + filler[:MAX_REQUEST - 1] + '"').encode())
        self.assertEqual(cm.exception.response["Error"]["Code"], "RequestEntityTooLargeException")
        self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 413)

    # -- streaming -------------------------------------------------------------------------
    def test_streaming_writer_arrives_as_one_body(self):
        # 100 000 chunks are real work: at 128 MB the function gets 7% of a CPU (as on Lambda),
        # so give it a full CPU and room, or a loaded CI machine times it out.
        self.create("stream", "stream", MemorySize=1769, Timeout=60)
        for chunks in (1, 3, 100000):
            r = invoke(self.lam, "stream", {"chunks": chunks})
            self.assertNotIn("FunctionError", r)
            self.assertEqual(r["Body"], "".join("chunk-%d\n" % i for i in range(chunks)).encode())
        self.create("stream-fail", "stream-fail")
        self.assert_error(invoke(self.lam, "stream-fail", {}), "Test.StreamFailure",
                          "failed before the first byte")

    # -- nimbus package --------------------------------------------------------------------
    def test_nimbus_package_then_deploy_and_invoke(self):
        zip_path = os.path.join(self.tmp, "pkg.zip")
        res = subprocess.run([NIMBUS_BIN, "package", E2E_FN, "-o", zip_path],
                             capture_output=True, text=True, timeout=120)
        self.assertEqual(res.returncode, 0, res.stderr)
        self.assertIn("with libc and loader ld-linux", res.stdout)
        with zipfile.ZipFile(zip_path) as z:
            names = set(z.namelist())
            self.assertEqual(z.getinfo("bootstrap").external_attr >> 16 & 0o777, 0o755)
        self.assertTrue({"bootstrap", "bin/cpp-e2e-fn", "lib/libc.so.6",
                         "lib/ld-linux-x86-64.so.2"} <= names, names)
        self.cli_create("packaged", zip_path, "echo", v2=True)
        out, body = self.cli_invoke("packaged", '{"via":"nimbus package"}', v2=True)
        self.assertEqual(out["StatusCode"], 200)
        self.assertEqual(json.loads(body)["function_arn"],
                         "arn:aws:lambda:us-east-1:000000000000:function:packaged")

        # Without libc, stripped, renamed: the sandbox's own glibc serves it.
        slim = os.path.join(self.tmp, "slim.zip")
        res = subprocess.run([NIMBUS_BIN, "package", E2E_FN, "-o", slim, "--no-libc", "--strip",
                              "--name", "slim"], capture_output=True, text=True, timeout=120)
        self.assertEqual(res.returncode, 0, res.stderr)
        with zipfile.ZipFile(slim) as z:
            names = set(z.namelist())
        self.assertIn("bin/slim", names)
        self.assertFalse(any(n.startswith("lib/libc.so") or "ld-linux" in n for n in names), names)
        self.assertLess(os.path.getsize(slim), os.path.getsize(zip_path))
        self.cli_create("packaged-slim", slim, "echo")
        out, body = self.cli_invoke("packaged-slim", '{"slim":true}')
        self.assertNotIn("FunctionError", out, body)
        self.assertEqual(json.loads(body)["count"], 1)

        # Bad usage: the packager's exit status 2 and a usage line naming `nimbus package`.
        res = subprocess.run([NIMBUS_BIN, "package"], capture_output=True, text=True)
        self.assertEqual(res.returncode, 2)
        self.assertIn("usage: nimbus package", res.stderr)
        res = subprocess.run([NIMBUS_BIN, "package", os.path.join(self.tmp, "none"), "-o",
                              os.path.join(self.tmp, "none.zip")], capture_output=True, text=True)
        self.assertEqual(res.returncode, 2)
        self.assertIn("is not an executable file", res.stderr)
        res = subprocess.run([NIMBUS_BIN, "package", "--help"], capture_output=True, text=True)
        self.assertEqual(res.returncode, 0)
        self.assertIn("--no-libc", res.stdout)


class CppRuntimeShutdown(unittest.TestCase):
    def test_sigterm_reaches_the_runtime_on_nimbus_shutdown(self):
        ensure_built()
        data_dir = tempfile.mkdtemp(prefix="nimbus-cpp-sigterm-")
        n = Nimbus("--lambda-idle-seconds", "300", data_dir=data_dir).start()
        try:
            lam = n.client("lambda")
            lam.create_function(FunctionName="term", Runtime="provided.al2023", Handler="sigterm",
                                Role=ROLE, Code={"ZipFile": read(E2E_ZIP)})
            lam.get_waiter("function_active_v2").wait(FunctionName="term")
            self.assertEqual(json.loads(invoke(lam, "term", {})["Body"])["count"], 1)
            started = time.time()
            self.assertEqual(n.stop(signal.SIGTERM), 0)
            self.assertLess(time.time() - started, 10)
            n.start()  # same data dir: the environment's last words were shipped to its logs
            messages = wait_log_messages(n.client("logs"), "term", "shutdown after SIGTERM")
            self.assertTrue(messages, "the runtime never saw SIGTERM")
        finally:
            n.stop()
            shutil.rmtree(data_dir, ignore_errors=True)

    def test_a_runtime_that_ignores_sigterm_is_killed_after_the_grace(self):
        # As on Lambda: SIGTERM, then SIGKILL 2 s later. The runtime's parked /next is not
        # answered meanwhile, and nimbus exits cleanly once it is gone.
        data_dir = tempfile.mkdtemp(prefix="nimbus-cpp-stubborn-")
        n = Nimbus(data_dir=data_dir).start()
        try:
            lam = n.client("lambda")
            bootstrap = SHELL_BOOTSTRAP.replace("set -eu\n", "set -eu\ntrap '' TERM\n", 1)
            self.assertIn("trap '' TERM", bootstrap)
            create_zip_function(lam, "stubborn", {"bootstrap": (bootstrap, 0o755)},
                                runtime="provided.al2023", handler="x")
            self.assertNotIn("FunctionError", invoke(lam, "stubborn", {"a": 1}))
            time.sleep(0.3)  # the runtime is parked in its next /next
            started = time.time()
            self.assertEqual(n.stop(signal.SIGTERM), 0)
            took = time.time() - started
            self.assertGreaterEqual(took, 1.8)  # it had its grace
            self.assertLess(took, 10)
        finally:
            n.stop()
            shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
