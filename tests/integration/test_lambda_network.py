"""Each Lambda execution environment has a network namespace of its own (issue 17, finding 2):
its Runtime API at 127.0.0.1:9001 as on AWS, nimbus's AWS endpoint inside it, and nothing of
the host's or of another environment's in reach. Checked from inside real functions: what
/proc/net/tcp shows, what connects, whether another environment's Runtime API answers (also
across accounts in strict mode), and an SDK call (boto3, shipped in the zip) to AWS_ENDPOINT_URL.

Traffic stays on loopback: the host's, and the namespaces' own."""
import json
import os
import shutil
import signal
import socket
import time
import unittest

import boto3
import botocore.exceptions

from harness import Nimbus
from lambda_util import create, invoke

# Lists the listening TCP sockets this environment sees, connects to the ports it is given,
# and asks each of them whether it is a Runtime API (a POST of a result for an unknown request
# id: a Runtime API answers 400 InvalidRequestID and changes nothing). The ports given are
# nimbus's own (so that a build without namespaces never probes other processes' sockets); its
# own Runtime API is left out.
PROBE = r'''
import os, socket

def listening():
    out = []
    for name in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = open(name).read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            f = line.split()
            if f[3] == "0A":  # LISTEN
                out.append(int(f[1].rsplit(":", 1)[1], 16))
    return sorted(set(out))

def connect(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=3):
            return "connected"
    except ConnectionRefusedError:
        return "refused"
    except OSError as e:
        return type(e).__name__

def is_runtime_api(port):
    body = b"{}"
    req = (b"POST /2018-06-01/runtime/invocation/nimbus-probe/response HTTP/1.1\r\n"
           b"Host: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 2\r\n"
           b"Connection: close\r\n\r\n" + body)
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=3) as s:
            s.sendall(req)
            got = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                got += chunk
    except OSError:
        return False
    return b"InvalidRequestID" in got

def handler(event, context):
    own = int(os.environ["AWS_LAMBDA_RUNTIME_API"].rsplit(":", 1)[1])
    seen = listening()
    candidates = sorted(set(event.get("ports", [])) - {own})
    return {
        "runtime_api": os.environ["AWS_LAMBDA_RUNTIME_API"],
        "endpoint": os.environ["AWS_ENDPOINT_URL"],
        "listening": seen,
        "connect": {str(p): connect(p) for p in event.get("ports", [])},
        "foreign_runtime_apis": [p for p in candidates if is_runtime_api(p)],
        "interfaces": sorted(l.split(":")[0].strip()
                             for l in open("/proc/net/dev").read().splitlines()[2:]),
        "default_route": any(l.split()[1] == "00000000"
                             for l in open("/proc/net/route").read().splitlines()[1:]),
    }
'''

VICTIM = """
def handler(event, context):
    return {"victim": event}
"""

SDK = """
import boto3
def handler(event, context):
    sts = boto3.client("sts")
    me = sts.get_caller_identity()
    logs = boto3.client("logs")
    groups = [g["logGroupName"] for g in logs.describe_log_groups()["logGroups"]]
    return {"account": me["Account"], "arn": me["Arn"], "groups": groups}
"""


def host_listening(pid=None):
    """The host's listening TCP ports (its own namespace's /proc/net/tcp); with `pid`, only
    those of that process's sockets."""
    inodes = None
    if pid is not None:
        inodes = set()
        for fd in os.listdir("/proc/%d/fd" % pid):
            try:
                link = os.readlink("/proc/%d/fd/%s" % (pid, fd))
            except OSError:
                continue
            if link.startswith("socket:["):
                inodes.add(link[8:-1])
    ports = set()
    for name in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(name) as f:
            for line in f.read().splitlines()[1:]:
                fields = line.split()
                if fields[3] == "0A" and (inodes is None or fields[9] in inodes):
                    ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return sorted(ports)


def sdk_files():
    """boto3 and what it needs, from this Python's site-packages, for a function zip: the
    function runs on the host's /usr/bin/python3, which has no boto3 (Lambda's Python runtime
    ships one; nimbus's does not). botocore's models are cut to STS and Logs."""
    import botocore
    site = os.path.dirname(os.path.dirname(botocore.__file__))
    def read(path):
        with open(path, "rb") as f:
            return f.read()

    files = {}
    for top in ("boto3", "botocore", "jmespath", "dateutil", "urllib3", "s3transfer", "six.py"):
        path = os.path.join(site, top)
        if os.path.isfile(path):
            files[top] = read(path)
            continue
        for root, dirs, names in os.walk(path):
            dirs[:] = [d for d in dirs if d != "__pycache__"]
            rel = os.path.relpath(root, site)
            parts = rel.split(os.sep)
            if parts[:2] == ["botocore", "data"] and len(parts) > 2 and parts[2] not in (
                    "sts", "logs"):
                continue
            for n in names:
                if not n.endswith(".pyc"):
                    files[os.path.join(rel, n)] = read(os.path.join(root, n))
    return files


class HostListener:
    """A process of the host listening on loopback: no function may see or reach it."""

    def __enter__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(4)
        self.port = self.sock.getsockname()[1]
        return self

    def __exit__(self, *exc):
        self.sock.close()


class EnvironmentNetwork(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.n = Nimbus().start()
        cls.lam = cls.n.client("lambda")
        create(cls.lam, "probe", {"app.py": PROBE}, Timeout=60)
        create(cls.lam, "victim", {"app.py": VICTIM})

    @classmethod
    def tearDownClass(cls):
        cls.n.__exit__()

    def probe(self, ports):
        r = invoke(self.lam, "probe", {"ports": ports})
        self.assertEqual(r["StatusCode"], 200)
        self.assertNotIn("FunctionError", r, r["Body"])
        return json.loads(r["Body"])

    def test_runtime_api_is_served_on_127_0_0_1_9001_inside(self):
        out = self.probe([])  # the function ran: its runtime reached the Runtime API there
        self.assertEqual(out["runtime_api"], "127.0.0.1:9001")
        self.assertEqual(out["endpoint"], "http://127.0.0.1:%d" % self.n.port)
        self.assertEqual(out["interfaces"], ["lo"])
        self.assertFalse(out["default_route"])  # nothing beyond nimbus (--lambda-outbound off)
        # Its own sockets only: the Runtime API and the endpoint nimbus opened inside.
        self.assertEqual(out["listening"], sorted([9001, self.n.port]))

    def test_proc_net_tcp_shows_none_of_the_hosts_sockets_and_they_are_unreachable(self):
        with HostListener() as host:
            out = self.probe([host.port])
            host_ports = set(host_listening())
        self.assertIn(host.port, host_ports)
        self.assertNotIn(host.port, out["listening"])
        self.assertEqual(out["connect"], {str(host.port): "refused"})
        self.assertEqual(set(out["listening"]) & host_ports - {self.n.port}, set())

    def test_another_environments_runtime_api_cannot_be_reached(self):
        self.assertEqual(json.loads(invoke(self.lam, "victim", {"a": 1})["Body"]),
                         {"victim": {"a": 1}})  # warm: parked on its Runtime API's /next
        nimbus_ports = host_listening(self.n.proc.pid)
        self.assertIn(self.n.port, nimbus_ports)
        out = self.probe(nimbus_ports)
        self.assertEqual(out["foreign_runtime_apis"], [])
        self.assertEqual(json.loads(invoke(self.lam, "victim", {"a": 2})["Body"]),
                         {"victim": {"a": 2}})

    def test_sdk_call_from_the_function_reaches_nimbus(self):
        create(self.lam, "sdk", dict(sdk_files(), **{"app.py": SDK}), MemorySize=256, Timeout=60)
        r = invoke(self.lam, "sdk", {})
        self.assertNotIn("FunctionError", r, r["Body"])
        out = json.loads(r["Body"])
        self.assertEqual(out["account"], "000000000000")
        self.assertIsInstance(out["groups"], list)  # a Logs call answered too
        # It came in through the endpoint inside the namespace, signed as the function's
        # account, and was served as on the main port: in the access log.
        self.n.wait_for_log("GetCallerIdentity", timeout=10)


@unittest.skipUnless(shutil.which("pasta"), "pasta (Debian package passt) is not installed")
class OutboundOn(unittest.TestCase):
    """--lambda-outbound on: a route to the world through pasta (not used here: tests send
    nothing beyond loopback), and still nothing of the host's loopback in reach."""

    @classmethod
    def setUpClass(cls):
        cls.n = Nimbus("--lambda-outbound", "on").start()
        cls.lam = cls.n.client("lambda")
        create(cls.lam, "probe", {"app.py": PROBE}, Timeout=60)

    @classmethod
    def tearDownClass(cls):
        cls.n.__exit__()

    def test_function_has_a_route_out_and_still_no_host_socket(self):
        with HostListener() as host:
            r = invoke(self.lam, "probe", {"ports": [host.port]})
        self.assertNotIn("FunctionError", r, r["Body"])
        out = json.loads(r["Body"])
        self.assertTrue(out["default_route"], out)
        self.assertEqual(len(out["interfaces"]), 2, out)  # lo and pasta's tap
        self.assertEqual(out["connect"], {str(host.port): "refused"})
        self.assertEqual(out["runtime_api"], "127.0.0.1:9001")
        self.assertEqual(out["listening"], sorted([9001, self.n.port]))


def pasta_processes(data_dir):
    """pids of the pasta processes attached to namespaces under `data_dir`."""
    pids = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                argv = f.read().split(b"\0")
        except OSError:
            continue
        if argv and argv[0].endswith(b"pasta") and any(data_dir.encode() in a for a in argv):
            pids.append(int(pid))
    return pids


@unittest.skipUnless(shutil.which("pasta"), "pasta (Debian package passt) is not installed")
class OutboundAfterKill(unittest.TestCase):
    def test_links_left_by_a_killed_nimbus_go_at_the_next_start(self):
        n = Nimbus("--lambda-outbound", "on")
        try:
            n.start()
            create(n.client("lambda"), "probe", {"app.py": PROBE}, Timeout=60)
            self.assertNotIn("FunctionError", invoke(n.client("lambda"), "probe", {"ports": []}))
            self.assertNotEqual(pasta_processes(n.data_dir), [])
            n.stop(signal.SIGKILL)  # no clean-up: the links (bind mounts) stay
            # Each pasta dies with the nimbus that started it (a parent-death signal).
            deadline = time.time() + 30
            while pasta_processes(n.data_dir) and time.time() < deadline:
                time.sleep(0.05)
            self.assertEqual(pasta_processes(n.data_dir), [])
            links = os.path.join(n.data_dir, "lambda", "sandbox", "netns")
            self.assertNotEqual(os.listdir(links), [])
            n.args = []  # the next start does not ask for outbound, and removes them
            n.start()
            self.assertEqual(os.listdir(links), [])
        finally:
            n.__exit__()


class OutboundMisuse(unittest.TestCase):
    def test_a_value_other_than_on_or_off_fails_at_start(self):
        n = Nimbus("--lambda-outbound", "yes")
        try:
            with self.assertRaises(RuntimeError) as cm:
                n.start()
            self.assertIn("--lambda-outbound must be on or off, not 'yes'", str(cm.exception))
        finally:
            n.__exit__()

    def test_asking_for_outbound_without_pasta_fails_at_start(self):
        n = Nimbus("--lambda-outbound", "on", env={"PATH": "/nonexistent"})
        try:
            with self.assertRaises(RuntimeError) as cm:
                n.start()
            self.assertIn("--lambda-outbound needs pasta (Debian package passt) on PATH",
                          str(cm.exception))
        finally:
            n.__exit__()


CREDS = """AKIAALICE00000000001 alice-secret 111111111111
AKIABOB0000000000002 bob-secret   222222222222
"""


class StrictModeAcrossAccounts(unittest.TestCase):
    """In strict mode one account's function could take another account's invocations (payload
    included) from its Runtime API and answer them: it cannot reach it any more."""

    @classmethod
    def setUpClass(cls):
        cls.n = Nimbus().with_credentials(CREDS).start()
        cls.alice = cls.n.client("lambda", access_key="AKIAALICE00000000001",
                                 secret_key="alice-secret")
        cls.bob = cls.n.client("lambda", access_key="AKIABOB0000000000002",
                               secret_key="bob-secret")
        create(cls.alice, "attacker", {"app.py": PROBE}, Timeout=60)
        create(cls.bob, "victim", {"app.py": VICTIM})
        create(cls.alice, "sdk", dict(sdk_files(), **{"app.py": SDK}), MemorySize=256, Timeout=60)

    @classmethod
    def tearDownClass(cls):
        cls.n.__exit__()

    def test_another_accounts_runtime_api_cannot_be_reached(self):
        self.assertEqual(json.loads(invoke(self.bob, "victim", {"secret": 1})["Body"]),
                         {"victim": {"secret": 1}})
        r = invoke(self.alice, "attacker", {"ports": host_listening(self.n.proc.pid)})
        self.assertNotIn("FunctionError", r, r["Body"])
        out = json.loads(r["Body"])
        self.assertEqual(out["foreign_runtime_apis"], [])
        self.assertEqual(out["runtime_api"], "127.0.0.1:9001")
        self.assertEqual(json.loads(invoke(self.bob, "victim", {"secret": 2})["Body"]),
                         {"victim": {"secret": 2}})

    def test_a_function_calls_nimbus_with_its_environments_credentials(self):
        """Its environment holds temporary credentials nimbus issued for its account (as AWS's
        execution role credentials): strict mode accepts them, in alice's account."""
        r = invoke(self.alice, "sdk", {})
        self.assertNotIn("FunctionError", r, r["Body"])
        out = json.loads(r["Body"])
        self.assertEqual(out["account"], "111111111111")
        self.assertEqual(out["arn"], "arn:aws:sts::111111111111:assumed-role/lambda-role/sdk")
        self.assertIsInstance(out["groups"], list)
        # A made-up key of that form, or the account-as-key nimbus used to give, is refused.
        for key, token in (("LSIAAAAAAAAAAAAAAAAA", "made-up"), ("111111111111", "nimbus")):
            sts = boto3.client("sts", endpoint_url=self.n.endpoint, region_name="us-east-1",
                               aws_access_key_id=key, aws_secret_access_key="nimbus",
                               aws_session_token=token)
            with self.assertRaises(botocore.exceptions.ClientError) as e:
                sts.get_caller_identity()
            self.assertEqual(e.exception.response["Error"]["Code"], "InvalidClientTokenId")


if __name__ == "__main__":
    unittest.main()
