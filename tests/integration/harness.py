"""Starts a real nimbus (port 0, temporary data dir) and drives it with real AWS clients.

Every integration test uses this: `with Nimbus() as n:` gives `n.endpoint`, `n.aws(...)` (CLI v1
or v2), `n.client(service)` (boto3), `n.node(script, ...)` (JS SDK) and the console log lines.
"""
import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time

NIMBUS_BIN = os.environ.get("NIMBUS_BIN") or os.path.join(
    os.path.dirname(__file__), "..", "..", "build", "nimbus")
HERE = os.path.dirname(os.path.abspath(__file__))
AWS_V1 = shutil.which("aws") or "aws"
AWS_V2 = "/usr/bin/aws"
READY = re.compile(r"^nimbus ready on http://([^:]+):(\d+)$")


def log_events(logs, group, **kwargs):
    """The events filter_log_events finds in log group GROUP (its first page), or [] while the
    group does not exist: nimbus ships a function's logs after the invocation, as Lambda does, so
    a test polls until they arrive."""
    try:
        return logs.filter_log_events(logGroupName=group, **kwargs)["events"]
    except logs.exceptions.ResourceNotFoundException:
        return []


def exchange(host, port, data, read_timeout=5):
    """Sends raw bytes on a fresh connection and returns everything read until close/timeout."""
    with socket.create_connection((host, port), timeout=read_timeout) as s:
        try:
            s.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # refused mid-request: the answer may still be there to read
        chunks = []
        try:
            while True:
                b = s.recv(65536)
                if not b:
                    break
                chunks.append(b)
        except (socket.timeout, ConnectionResetError):
            pass
        return b"".join(chunks)


class ClientErrorAssertions:
    """Mixin for unittest.TestCase: assert_error(code, fn, message=None, **kw) calls fn(**kw),
    expects botocore's ClientError with error code `code` (and `message` within its message) and
    returns the exception."""

    def assert_error(self, code, fn, message=None, **kw):
        from botocore.exceptions import ClientError
        with self.assertRaises(ClientError) as cm:
            fn(**kw)
        err = cm.exception.response["Error"]
        self.assertEqual(err["Code"], code, err)
        if message is not None:
            self.assertIn(message, err["Message"])
        return cm.exception


class EcsTaskHelpers:
    """Mixin for unittest.TestCase with `self.n` (a Nimbus) and `self.ecs` (its ECS client):
    run_task (no failures; the task's ARN), describe, and wait_status (lastStatus reached within
    task_wait seconds)."""

    task_wait = 90  # seconds: a loaded 2-core machine

    def run_task(self, family, **kw):
        out = self.ecs.run_task(taskDefinition=family, **kw)
        self.assertEqual(out["failures"], [])
        return out["tasks"][0]["taskArn"]

    def describe(self, arn):
        return self.ecs.describe_tasks(tasks=[arn])["tasks"][0]

    def wait_status(self, arn, status, timeout=None):
        return self.n.wait_task_status(self.ecs, arn, status, timeout or self.task_wait)


class Nimbus:
    def __init__(self, *args, data_dir=None, env=None):
        self.args = list(args)
        self._own_dir = data_dir is None
        self.data_dir = data_dir or tempfile.mkdtemp(prefix="nimbus-test-")
        self.extra_env = env or {}
        self.lines = []
        self.stderr_lines = []
        self.proc = None
        self.port = None

    # -- lifecycle -------------------------------------------------------------------------
    def start(self, timeout=10):
        env = dict(os.environ, **self.extra_env)
        self.proc = subprocess.Popen(
            [NIMBUS_BIN, "serve", "--port", "0", "--data-dir", self.data_dir] + self.args,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        first = self.proc.stdout.readline().decode().rstrip("\n")
        m = READY.match(first)
        if not m:
            self.proc.kill()
            raise RuntimeError("nimbus did not get ready: %r %s" % (first, self.proc.stderr.read()))
        self.ready_line = first
        self.host, self.port = m.group(1), int(m.group(2))
        self.endpoint = "http://%s:%d" % (self.host, self.port)
        threading.Thread(target=self._pump, args=(self.proc.stdout, self.lines), daemon=True).start()
        threading.Thread(target=self._pump, args=(self.proc.stderr, self.stderr_lines),
                         daemon=True).start()
        return self

    @staticmethod
    def _pump(stream, sink):
        for raw in iter(stream.readline, b""):
            sink.append(raw.decode(errors="replace").rstrip("\n"))

    def stop(self, sig=signal.SIGTERM, timeout=30):
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = self.proc.wait()
        self.proc = None
        return code

    def restart(self, sig=signal.SIGTERM):
        self.stop(sig)
        self.lines.clear()
        return self.start()

    def __enter__(self):
        # `with Nimbus().start() as n` must not start a second server and leak the first.
        return self if self.proc is not None else self.start()

    def __exit__(self, *exc):
        self.stop()
        if self._own_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)

    def with_credentials(self, text):
        """Strict mode (--credentials) over `text` (lines `KEY SECRET ACCOUNT`), the file kept in
        the data dir. Call before start()."""
        path = os.path.join(self.data_dir, "credentials")
        with open(path, "w") as f:
            f.write(text)
        self.args += ["--credentials", path]
        return self

    # -- clients ---------------------------------------------------------------------------
    def _empty_file(self):
        path = os.path.join(tempfile.gettempdir(), "nimbus-test-empty-aws-config")
        if not os.path.exists(path):
            open(path, "w").close()
        return path

    def client_env(self, access_key="test", secret_key="test", region="us-east-1"):
        env = dict(os.environ)
        env.update({
            "AWS_ACCESS_KEY_ID": access_key, "AWS_SECRET_ACCESS_KEY": secret_key,
            "AWS_DEFAULT_REGION": region, "AWS_REGION": region,
            "AWS_CONFIG_FILE": self._empty_file(), "AWS_SHARED_CREDENTIALS_FILE": self._empty_file(),
            "AWS_PAGER": "", "AWS_EC2_METADATA_DISABLED": "true",
            "NIMBUS_ENDPOINT": self.endpoint,
        })
        env.pop("AWS_SESSION_TOKEN", None)
        env.pop("AWS_PROFILE", None)
        return env

    @contextlib.contextmanager
    def log_tail_follow(self, group):
        """Runs `/usr/bin/aws logs tail GROUP --follow --format short` (CLI v2) for the block; yields
        read_until(needle, timeout): everything it printed so far, once `needle` is in it or after
        `timeout` seconds."""
        proc = subprocess.Popen([AWS_V2, "--endpoint-url", self.endpoint, "logs", "tail", group,
                                 "--follow", "--format", "short"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                env=self.client_env())
        seen = [b""]

        def read_until(needle, timeout):
            deadline = time.time() + timeout
            while time.time() < deadline and needle not in seen[0]:
                chunk = proc.stdout.read()
                if chunk:
                    seen[0] += chunk
                time.sleep(0.2)
            return seen[0]

        try:
            os.set_blocking(proc.stdout.fileno(), False)
            yield read_until
        finally:
            proc.kill()
            os.set_blocking(proc.stdout.fileno(), True)
            proc.communicate()

    def aws(self, *args, v2=False, check=True, input=None, **creds):
        """Runs the AWS CLI (v1 from pip, or Debian's v2) and returns parsed JSON (or text)."""
        cmd = [AWS_V2 if v2 else AWS_V1, "--endpoint-url", self.endpoint, "--output", "json"]
        cmd += list(args)
        res = subprocess.run(cmd, capture_output=True, env=self.client_env(**creds), input=input,
                             timeout=120)
        if check and res.returncode != 0:
            raise AssertionError("%s failed (%d): %s" % (" ".join(args), res.returncode,
                                                        res.stderr.decode()))
        out = res.stdout.decode()
        if check:
            return json.loads(out) if out.strip() else None
        return res

    def client(self, service, access_key="test", secret_key="test", region="us-east-1", **kw):
        import boto3
        from botocore.config import Config
        return boto3.client(
            service, endpoint_url=self.endpoint, region_name=region,
            aws_access_key_id=access_key, aws_secret_access_key=secret_key,
            config=Config(retries={"max_attempts": 1}, **kw))

    def node(self, script, *args, check=True, **creds):
        res = subprocess.run(["node", os.path.join(HERE, "js", script)] + list(args),
                             capture_output=True, env=self.client_env(**creds), timeout=120)
        if check and res.returncode != 0:
            raise AssertionError("node %s failed: %s" % (script, res.stderr.decode()))
        return res

    # -- raw HTTP --------------------------------------------------------------------------
    def raw(self, data, read_timeout=5):
        """Sends raw bytes on a fresh connection and returns everything read until close/timeout."""
        return exchange(self.host, self.port, data, read_timeout)

    def container_output(self, task_arn, name="app", expect=None, timeout=90):
        """Lines ECS container `name` of task `task_arn` wrote, as --ecs-echo-container-output 1
        echoes them to stderr ("ecs <task id>/<container>: <line>"); with `expect`, once one
        contains it (or `timeout` seconds passed)."""
        prefix = "ecs %s/%s: " % (task_arn.rsplit("/", 1)[1], name)
        deadline = time.time() + timeout
        while True:
            lines = [l[len(prefix):] for l in list(self.stderr_lines) if l.startswith(prefix)]
            if expect is None or any(expect in l for l in lines) or time.time() > deadline:
                return lines
            time.sleep(0.05)

    def wait_task_status(self, ecs, task_arn, status, timeout=90):
        """The task (DescribeTasks through client `ecs`) once its lastStatus is `status`; an
        AssertionError when it stops first or `timeout` seconds pass."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            task = ecs.describe_tasks(tasks=[task_arn])["tasks"][0]
            if task["lastStatus"] == status:
                return task
            if task["lastStatus"] == "STOPPED":
                raise AssertionError("task stopped waiting for %s: %s" % (status, task))
            time.sleep(0.1)
        raise AssertionError("task not %s after %d s: %s" % (
            status, timeout, ecs.describe_tasks(tasks=[task_arn])["tasks"][0]))

    def wait_for_log(self, needle, timeout=5):
        deadline = time.time() + timeout
        while time.time() < deadline:
            for line in list(self.lines):
                if needle in line:
                    return line
            time.sleep(0.02)
        raise AssertionError("no log line containing %r in %r" % (needle, self.lines[-20:]))
