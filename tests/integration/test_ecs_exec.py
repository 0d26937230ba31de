"""ECS Exec against a real container: ExecuteCommand's answers and AWS's errors through boto3,
the session's single-use token, `nimbus ecs exec` (nimbus's own client of the Session Manager
data channel) running `ls /` and exit codes without a terminal and an interactive shell in tmux,
and the same stream through npm ssm-session (a third-party implementation of the protocol).

`aws ecs execute-command` itself (both CLIs) runs nimbus's session-manager-plugin: the build's
link to nimbus is put first on PATH (AWS's plugin is not packaged for Debian). SSM's
StartSession, ResumeSession (after a dropped connection), TerminateSession and DescribeSessions
through boto3, the plugin and `aws ssm start-session`."""
import json
import os
import re
import shutil
import socket
import subprocess
import select
import tempfile
import threading
import time
import unittest

from harness import AWS_V1, AWS_V2, NIMBUS_BIN, Nimbus
from images import have_busybox, push_image

WAIT = 90  # seconds: a loaded 2-core machine
HERE = os.path.dirname(os.path.abspath(__file__))
PLUGIN_DIR = os.path.dirname(os.path.abspath(NIMBUS_BIN))  # holds the session-manager-plugin link
NOT_ENABLED = ("The execute command failed because execute command was not enabled when the "
               "task was run or the execute command agent isn't running. Wait and try again or "
               "run a new task with execute command enabled and try again.")


def ws_open(host, port, path, token):
    """A raw WebSocket to `path` that sent the open-data-channel frame with `token`; returns the
    socket and the first server frame's opcode."""
    s = socket.create_connection((host, port), timeout=WAIT)
    s.sendall(("GET %s HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
               % (path, host, port)).encode())
    head = b""
    while b"\r\n\r\n" not in head:
        head += s.recv(1)
    assert head.startswith(b"HTTP/1.1 101"), head
    assert b"s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" in head, head  # RFC 6455's example accept key
    payload = json.dumps({"MessageSchemaVersion": "1.0", "RequestId": "r", "TokenValue": token,
                          "ClientId": "c", "ClientVersion": "test"}).encode()
    mask = b"\x01\x02\x03\x04"
    frame = bytes([0x81, 0x80 | len(payload)]) + mask if len(payload) < 126 else (
        bytes([0x81, 0x80 | 126]) + len(payload).to_bytes(2, "big") + mask)
    s.sendall(frame + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))
    first = s.recv(1)
    return s, first[0] & 0x0F if first else None


class CuttableProxy:
    """A TCP proxy on 127.0.0.1 to (host, port) whose open connections the test can cut."""

    def __init__(self, host, port):
        self.target = (host, port)
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(8)
        self.port = self.listener.getsockname()[1]
        self.lock = threading.Lock()
        self.open = []
        self.every = []  # every socket, closed by close()
        self.knocked = 0  # connections accepted (forwarded once the gate is open)
        self.gate = threading.Event()
        self.gate.set()
        self.accepted = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            with self.lock:
                self.knocked += 1
                self.every.append(client)
            self.gate.wait()
            upstream = socket.create_connection(self.target)
            with self.lock:
                self.open.append((client, upstream))
                self.every.append(upstream)
                self.accepted += 1
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(a, b):
        try:
            while True:
                data = a.recv(65536)
                if not data:
                    break
                b.sendall(data)
        except OSError:
            pass
        for s in (a, b):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def cut(self):
        """Ends every open connection (both sides see the end); returns how many."""
        with self.lock:
            pairs, self.open = self.open, []
        for pair in pairs:
            for s in pair:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
        return len(pairs)

    def close(self):
        self.gate.set()
        self.listener.close()
        self.cut()
        with self.lock:
            for s in self.every:
                s.close()


@unittest.skipUnless(have_busybox(), "needs busybox-static and skopeo")
class EcsExec(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.n = Nimbus().start()
        cls.ecs = cls.n.client("ecs")
        cls.uri, _ = push_image(cls.n, "shell")
        cls.ecs.register_task_definition(family="exec", containerDefinitions=[{
            "name": "app", "image": cls.uri + ":latest", "memory": 64,
            "entryPoint": ["sleep", "3600"]}])
        cls.task = cls.run_task(enableExecuteCommand=True)
        cls.plain = cls.run_task()

    @classmethod
    def tearDownClass(cls):
        cls.n.stop()

    @classmethod
    def run_task(cls, **kw):
        arn = cls.ecs.run_task(taskDefinition="exec", **kw)["tasks"][0]["taskArn"]
        deadline = time.time() + WAIT
        while time.time() < deadline:
            task = cls.ecs.describe_tasks(tasks=[arn])["tasks"][0]
            if task["lastStatus"] == "RUNNING":
                return task
            if task["lastStatus"] == "STOPPED":
                raise AssertionError("task stopped: %s" % task)
            time.sleep(0.1)
        raise AssertionError("task not RUNNING after %d s" % WAIT)

    def execute(self, task=None, **kw):
        args = dict(task=(task or self.task)["taskArn"], command="/bin/sh", interactive=True)
        args.update(kw)
        return self.ecs.execute_command(**args)

    def error_of(self, **kw):
        with self.assertRaises(self.ecs.exceptions.ClientError) as cm:
            self.execute(**kw)
        return cm.exception.response["Error"]

    def nimbus_exec(self, *command, task=None, **run):
        env = self.n.client_env()
        return subprocess.run(
            [NIMBUS_BIN, "ecs", "exec", "--endpoint-url", self.n.endpoint, "--task",
             (task or self.task)["taskArn"], "--"] + list(command),
            capture_output=True, env=env, timeout=WAIT, stdin=subprocess.DEVNULL, **run)

    # -- ExecuteCommand ---------------------------------------------------------------------
    def test_session_and_managed_agent(self):
        out = self.execute()
        self.assertEqual(out["taskArn"], self.task["taskArn"])
        self.assertEqual(out["clusterArn"], self.task["clusterArn"])
        self.assertEqual(out["containerName"], "app")
        self.assertEqual(out["containerArn"], self.task["containers"][0]["containerArn"])
        self.assertTrue(out["interactive"])
        session = out["session"]
        self.assertRegex(session["sessionId"], r"^ecs-execute-command-[0-9a-f]{17}$")
        self.assertTrue(session["streamUrl"].startswith(
            "ws://%s:%d/v1/data-channel/%s?" % (self.n.host, self.n.port, session["sessionId"])))
        self.assertTrue(session["tokenValue"])
        agent = self.ecs.describe_tasks(tasks=[self.task["taskArn"]])["tasks"][0][
            "containers"][0]["managedAgents"][0]
        self.assertEqual((agent["name"], agent["lastStatus"]), ("ExecuteCommandAgent", "RUNNING"))
        self.assertIn("lastStartedAt", agent)
        self.assertNotIn("managedAgents", self.plain["containers"][0])

    def test_token_is_single_use(self):
        session = self.execute()["session"]
        path = session["streamUrl"].split(str(self.n.port), 1)[1]
        first, op = ws_open(self.n.host, self.n.port, path, session["tokenValue"])
        self.assertEqual(op, 0x2)  # a binary message: the handshake request
        second, op = ws_open(self.n.host, self.n.port, path, session["tokenValue"])
        self.assertEqual(op, 0x8)  # close: the token was used
        wrong, op = ws_open(self.n.host, self.n.port, path, "not-the-token")
        self.assertEqual(op, 0x8)
        for s in (first, second, wrong):
            s.close()

    def test_errors(self):
        err = self.error_of(interactive=False)
        self.assertEqual((err["Code"], err["Message"]),
                         ("InvalidParameterException",
                          "Interactive is the only mode supported currently."))
        err = self.error_of(task=self.plain)
        self.assertEqual((err["Code"], err["Message"]), ("InvalidParameterException", NOT_ENABLED))
        err = self.error_of(task={"taskArn": "0123456789abcdef0123456789abcdef"})
        self.assertEqual(err["Code"], "InvalidParameterException")
        err = self.error_of(cluster="nope")
        self.assertEqual(err["Code"], "ClusterNotFoundException")
        err = self.error_of(container="nope")
        self.assertEqual(err["Code"], "InvalidParameterException")
        self.assertIn("nope", err["Message"])
        # nimbus's client reports an error the way the AWS CLI does, with its exit code.
        res = self.nimbus_exec("ls", task=self.plain)
        self.assertEqual(res.returncode, 254)
        self.assertIn(b"An error occurred (InvalidParameterException) when calling the "
                      b"ExecuteCommand operation: " + NOT_ENABLED.encode(), res.stderr)

    def test_stopped_task(self):
        task = self.run_task(enableExecuteCommand=True)
        self.ecs.stop_task(task=task["taskArn"])
        err = self.error_of(task=task)
        self.assertEqual((err["Code"], err["Message"]), ("InvalidParameterException", NOT_ENABLED))

    # -- nimbus ecs exec --------------------------------------------------------------------
    def test_ls_and_exit_codes(self):
        res = self.nimbus_exec("ls", "-1", "/")
        self.assertEqual(res.returncode, 0, res.stderr)
        entries = res.stdout.replace(b"\r\n", b"\n").split()
        for name in (b"bin", b"dev", b"etc", b"proc", b"tmp"):
            self.assertIn(name, entries)
        self.assertNotIn(b"\n\n", res.stdout.replace(b"\r\n", b"\n").strip())
        res = self.nimbus_exec("sh", "-c", "echo out; echo err >&2; exit 7")
        self.assertEqual(res.returncode, 7)
        self.assertEqual(res.stdout, b"out\r\nerr\r\n")  # one terminal: stdout and stderr
        # Root in the container's namespaces: its hostname, its pid 1, its files.
        res = self.nimbus_exec("sh", "-c", "id -u; hostname; cat /proc/1/cmdline | tr '\\0' ' '")
        self.assertEqual(res.returncode, 0, res.stderr)
        uid, hostname, cmdline = res.stdout.decode().split("\r\n")[:3]
        self.assertEqual(uid, "0")
        self.assertEqual(hostname, self.task["containers"][0]["runtimeId"][:12])
        self.assertIn("sleep 3600", cmdline)
        res = self.nimbus_exec("no-such-program")
        self.assertEqual(res.returncode, 127)
        self.assertIn(b"executable file not found in $PATH", res.stdout)

    def in_tmux(self, command, env):
        """Runs `command` in a detached 100x30 tmux session; yields (screen, wait_screen, keys)
        and the file its exit status is written to."""
        tmp = tempfile.mkdtemp(prefix="nimbus-exec-")
        rc_file = os.path.join(tmp, "rc")
        name = "nimbus-exec-%d-%d" % (os.getpid(), int(time.time() * 1000))
        subprocess.run(["tmux", "new-session", "-d", "-s", name, "-x", "100", "-y", "30",
                        "%s; echo $? > %s; sleep 600" % (command, rc_file)], check=True, env=env)

        def screen():
            return subprocess.run(["tmux", "capture-pane", "-p", "-t", name],
                                  capture_output=True, env=env).stdout.decode()

        def wait_screen(needle):
            deadline = time.time() + WAIT
            while time.time() < deadline:
                text = screen()
                if needle in text:
                    return text
                time.sleep(0.1)
            self.fail("%r not on the screen: %r" % (needle, screen()))

        def keys(text):
            subprocess.run(["tmux", "send-keys", "-t", name, text, "Enter"], check=True, env=env)

        def exit_status():
            deadline = time.time() + WAIT
            while time.time() < deadline and not os.path.exists(rc_file):
                time.sleep(0.1)
            time.sleep(0.2)
            with open(rc_file) as f:
                return f.read().strip()

        def cleanup():
            subprocess.run(["tmux", "kill-session", "-t", name], capture_output=True, env=env)
            shutil.rmtree(tmp, ignore_errors=True)
        self.addCleanup(cleanup)
        return wait_screen, keys, exit_status

    def test_interactive_shell_in_tmux(self):
        if shutil.which("tmux") is None:
            self.skipTest("needs tmux")
        wait_screen, keys, exit_status = self.in_tmux(
            "%s ecs exec --endpoint-url %s --task %s -- /bin/sh" % (
                NIMBUS_BIN, self.n.endpoint, self.task["taskArn"]), self.n.client_env())
        wait_screen("/ #")
        keys("echo $((6*7)) $COLUMNS")
        wait_screen("42")
        keys("stty size")
        wait_screen("30 100")  # the pty has the client terminal's size
        keys("exit 5")
        self.assertEqual(exit_status(), "5")

    # -- aws ecs execute-command (nimbus's session-manager-plugin) ----------------------------
    def plugin_env(self):
        env = self.n.client_env()
        env["PATH"] = PLUGIN_DIR + os.pathsep + env.get("PATH", "")
        return env

    def cli_exec(self, cli, command, task=None):
        return subprocess.run(
            [cli, "--endpoint-url", self.n.endpoint, "ecs", "execute-command", "--task",
             (task or self.task)["taskArn"], "--interactive", "--command", command],
            capture_output=True, env=self.plugin_env(), timeout=WAIT, stdin=subprocess.DEVNULL)

    def test_plugin_contract(self):
        env = self.plugin_env()
        res = subprocess.run(["session-manager-plugin"], capture_output=True, env=env)
        self.assertEqual(res.returncode, 0)
        self.assertEqual(res.stderr, b"\nThe Session Manager plugin was installed successfully. "
                                     b"Use the AWS CLI to start a session.\n\n")
        res = subprocess.run([NIMBUS_BIN, "session-manager-plugin", "--version"],
                             capture_output=True, env=env)
        self.assertEqual(res.returncode, 0)
        self.assertRegex(res.stdout.decode(), r"^\d+\.\d+\.\d+\.\d+")

    def test_aws_cli_execute_command(self):
        for cli in (AWS_V1, AWS_V2):
            with self.subTest(cli=cli):
                res = self.cli_exec(cli, "sh -c 'echo out; ls -1 /; exit 7'")
                # The plugin exits 0 whatever the command's status, as AWS's does.
                self.assertEqual(res.returncode, 0, res.stdout + res.stderr)
                text = res.stdout.decode()
                m = re.match(r"^\nStarting session with SessionId: (ecs-execute-command-"
                             r"[0-9a-f]{17})\nout\r\n", text)
                self.assertTrue(m, text)
                self.assertIn("\r\nproc\r\n", text)
                self.assertTrue(text.endswith(
                    "\r\n\n\nExiting session with sessionId: %s.\n\n" % m.group(1)), text)
        # An API error is the CLI's own, before the plugin runs.
        res = self.cli_exec(AWS_V2, "ls", task=self.plain)
        self.assertEqual(res.returncode, 254)
        self.assertIn(NOT_ENABLED.encode(), res.stderr)

    def test_aws_cli_interactive_shell_in_tmux(self):
        if shutil.which("tmux") is None:
            self.skipTest("needs tmux")
        wait_screen, keys, exit_status = self.in_tmux(
            "%s --endpoint-url %s ecs execute-command --task %s --interactive --command /bin/sh"
            % (AWS_V2, self.n.endpoint, self.task["taskArn"]), self.plugin_env())
        wait_screen("/ #")
        keys("echo $((6*7)); stty size")
        wait_screen("42\n30 100")
        keys("exit 5")
        text = wait_screen("Exiting session with sessionId: ecs-execute-command-")
        self.assertIn("Starting session with SessionId: ecs-execute-command-", text)
        self.assertEqual(exit_status(), "0")

    # -- SSM: StartSession, ResumeSession, TerminateSession, DescribeSessions -------------------
    def ssm_target(self, task=None):
        task = task or self.task
        return "ecs:%s_%s_%s" % (task["clusterArn"].split("/")[-1], task["taskArn"].split("/")[-1],
                                 task["containers"][0]["runtimeId"])

    def plugin_argv(self, session, target):
        """session-manager-plugin's command line as `aws ssm start-session` makes it."""
        return ["session-manager-plugin", json.dumps(session), "us-east-1", "StartSession", "",
                json.dumps({"Target": target}), self.n.endpoint]

    def plugin(self, session, target, **run):
        """Runs session-manager-plugin as `aws ssm start-session` does."""
        return subprocess.run(self.plugin_argv(session, target), capture_output=True,
                              env=self.plugin_env(), timeout=WAIT, **run)

    def session_of(self, session_id, state):
        for s in self.n.client("ssm").describe_sessions(State=state)["Sessions"]:
            if s["SessionId"] == session_id:
                return s
        return None

    def wait_session(self, session_id, state, status):
        deadline = time.time() + WAIT
        while time.time() < deadline:
            s = self.session_of(session_id, state)
            if s and s["Status"] == status:
                return s
            time.sleep(0.1)
        self.fail("session %s not %s/%s: %s" % (session_id, state, status,
                                                 self.session_of(session_id, state)))

    def test_ssm_start_session_and_errors(self):
        ssm = self.n.client("ssm")
        target = self.ssm_target()
        out = ssm.start_session(Target=target, DocumentName="AWS-StartInteractiveCommand",
                                Parameters={"command": ["sh -c 'echo via-ssm-$((40+2))'"]})
        self.assertRegex(out["SessionId"], r"^root-[0-9a-f]{17}$")
        self.assertTrue(out["StreamUrl"].startswith("ws://"))
        res = self.plugin(out, target, stdin=subprocess.DEVNULL)
        self.assertEqual(res.returncode, 0, res.stdout + res.stderr)
        self.assertIn(b"via-ssm-42\r\n", res.stdout)
        self.assertIn(b"Exiting session with sessionId: %s." % out["SessionId"].encode(),
                      res.stdout)
        done = self.wait_session(out["SessionId"], "History", "Terminated")
        self.assertEqual(done["Target"], target)
        self.assertEqual(done["DocumentName"], "AWS-StartInteractiveCommand")
        self.assertTrue(done["Owner"].startswith("arn:aws:iam::"))
        self.assertGreaterEqual(done["EndDate"], done["StartDate"])
        # ExecuteCommand's sessions are SSM's too.
        exec_id = self.execute()["session"]["sessionId"]
        self.assertEqual(self.session_of(exec_id, "Active")["Target"], target)
        ssm.terminate_session(SessionId=exec_id)
        self.wait_session(exec_id, "History", "Terminated")
        # AWS's errors.
        for bad in ("i-0123456789abcdef0", self.ssm_target(self.plain), "ecs:nope",
                    "ecs:default_0123456789abcdef0123456789abcdef_" + "0" * 64):
            with self.assertRaises(ssm.exceptions.TargetNotConnected) as cm:
                ssm.start_session(Target=bad)
            self.assertEqual(cm.exception.response["Error"]["Message"],
                             "%s is not connected." % bad)
        with self.assertRaises(ssm.exceptions.InvalidDocument):
            ssm.start_session(Target=target, DocumentName="AWS-StartPortForwardingSession")
        with self.assertRaises(ssm.exceptions.DoesNotExistException):
            ssm.resume_session(SessionId="root-0123456789abcdef0")
        self.assertEqual(ssm.terminate_session(SessionId="root-0123456789abcdef0")["SessionId"],
                         "root-0123456789abcdef0")
        history = ssm.describe_sessions(State="History", Filters=[
            {"key": "Target", "value": target}, {"key": "AccessType", "value": "Standard"},
            {"key": "InvokedAfter", "value": "2020-01-01T00:00:00Z"}])["Sessions"]
        self.assertIn(out["SessionId"], [s["SessionId"] for s in history])
        self.assertEqual(ssm.describe_sessions(State="History", Filters=[
            {"key": "InvokedBefore", "value": "2020-01-01T00:00:00Z"}])["Sessions"], [])
        with self.assertRaises(ssm.exceptions.InvalidFilterKey):
            ssm.describe_sessions(State="Active", Filters=[{"key": "Bogus", "value": "x"}])
        with self.assertRaises(ssm.exceptions.ClientError) as cm:
            ssm.describe_instance_information()
        err = cm.exception.response
        self.assertEqual((err["ResponseMetadata"]["HTTPStatusCode"], err["Error"]["Code"]),
                         (501, "NotImplemented"))
        self.assertIn("DescribeInstanceInformation", err["Error"]["Message"])

    def test_ssm_resume_after_a_dropped_connection(self):
        ssm = self.n.client("ssm")
        target = self.ssm_target()
        out = ssm.start_session(Target=target, DocumentName="AWS-StartInteractiveCommand",
                                Parameters={"command": ["sh -c 'echo resumed-$((20+1))'"]})
        path = out["StreamUrl"].split(str(self.n.port), 1)[1]
        first, op = ws_open(self.n.host, self.n.port, path, out["TokenValue"])
        self.assertEqual(op, 0x2)  # the handshake request, which this client never acknowledges
        self.wait_session(out["SessionId"], "Active", "Connected")
        first.close()  # dropped without a close frame or an acknowledgement
        self.wait_session(out["SessionId"], "Active", "Disconnected")
        resumed = ssm.resume_session(SessionId=out["SessionId"])
        self.assertEqual(resumed["SessionId"], out["SessionId"])
        self.assertNotEqual(resumed["TokenValue"], out["TokenValue"])
        # The plugin takes the stream over with the new token: the agent resends what the first
        # connection left unacknowledged (the handshake), and the command runs.
        res = self.plugin(resumed, target, stdin=subprocess.DEVNULL)
        self.assertEqual(res.returncode, 0, res.stdout + res.stderr)
        self.assertIn(b"resumed-21\r\n", res.stdout)
        self.wait_session(out["SessionId"], "History", "Terminated")
        self.assertNotIn("TokenValue", ssm.resume_session(SessionId=out["SessionId"]))

    def test_ssm_terminate_session_ends_the_command(self):
        ssm = self.n.client("ssm")
        target = self.ssm_target()
        out = ssm.start_session(Target=target, DocumentName="AWS-StartInteractiveCommand",
                                Parameters={"command": ["sleep 600"]})
        proc = subprocess.Popen(self.plugin_argv(out, target), stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                env=self.plugin_env())
        try:
            self.wait_session(out["SessionId"], "Active", "Connected")
            self.assertEqual(ssm.terminate_session(SessionId=out["SessionId"])["SessionId"],
                             out["SessionId"])
            stdout, stderr = proc.communicate(timeout=WAIT)
            self.assertEqual(proc.returncode, 0, stdout + stderr)
            self.assertIn(b"Exiting session with sessionId: %s." % out["SessionId"].encode(),
                          stdout)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
        self.wait_session(out["SessionId"], "History", "Terminated")
        ssm.terminate_session(SessionId=out["SessionId"])  # idempotent
        # The CLI's own `ssm start-session` reaches the same sessions.
        res = subprocess.run(
            [AWS_V1, "--endpoint-url", self.n.endpoint, "ssm", "start-session", "--target",
             target, "--document-name", "AWS-StartInteractiveCommand", "--parameters",
             json.dumps({"command": ["echo from-cli-start-session"]})],
            capture_output=True, env=self.plugin_env(), timeout=WAIT, stdin=subprocess.DEVNULL)
        self.assertEqual(res.returncode, 0, res.stdout + res.stderr)
        self.assertIn(b"from-cli-start-session\r\n", res.stdout)

    def plugin_via_proxy(self, command):
        """ExecuteCommand for `command`, and the plugin started (pipes for its stdio) on that
        session with the stream going through a CuttableProxy; returns (proxy, session, proc)."""
        proxy = CuttableProxy(self.n.host, self.n.port)
        self.addCleanup(proxy.close)
        session = dict(self.execute(command=command)["session"])
        session["streamUrl"] = session["streamUrl"].replace(
            ":%d/" % self.n.port, ":%d/" % proxy.port)
        proc = subprocess.Popen(self.plugin_argv(session, self.ssm_target()),
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, env=self.plugin_env())
        self.addCleanup(lambda: proc.poll() is None and proc.kill())
        return proxy, session, proc

    def test_plugin_resumes_a_dropped_connection(self):
        # The plugin's stream goes through a proxy that cuts it mid-session: the plugin asks
        # ResumeSession for a token, reconnects, and the session goes on where it was.
        proxy, session, proc = self.plugin_via_proxy(
            "sh -c 'echo ready; read x; echo got-$x-$((1+2))'")
        seen = b""
        deadline = time.time() + WAIT
        while b"ready" not in seen and time.time() < deadline:
            if select.select([proc.stdout], [], [], 0.5)[0]:
                chunk = os.read(proc.stdout.fileno(), 4096)
                if not chunk:
                    break
                seen += chunk
        self.assertIn(b"ready", seen)
        self.assertEqual(proxy.cut(), 1)
        deadline = time.time() + WAIT
        while proxy.accepted < 2 and time.time() < deadline:
            time.sleep(0.05)
        self.assertEqual(proxy.accepted, 2)  # the plugin came back
        stdout, stderr = proc.communicate(b"hello\n", timeout=WAIT)
        self.assertEqual(proc.returncode, 0, seen + stdout + stderr)
        self.assertIn(b"got-hello-3\r\n", seen + stdout)
        self.assertIn(b"Exiting session with sessionId: %s." % session["sessionId"].encode(),
                      stdout)

    def test_plugin_ends_when_the_session_ended_while_it_was_away(self):
        # The stream is cut and the plugin's reconnection held at the proxy while the session is
        # terminated: its token no longer opens the stream, ResumeSession says the session
        # ended, and the plugin says so and exits 0, as AWS's does.
        proxy, session, proc = self.plugin_via_proxy("sleep 600")
        self.wait_session(session["sessionId"], "Active", "Connected")
        proxy.gate.clear()
        self.assertEqual(proxy.cut(), 1)
        deadline = time.time() + WAIT
        while proxy.knocked < 2 and time.time() < deadline:
            time.sleep(0.05)
        self.assertEqual(proxy.knocked, 2)  # the plugin is coming back, with a resumed token
        self.n.client("ssm").terminate_session(SessionId=session["sessionId"])
        self.wait_session(session["sessionId"], "History", "Terminated")
        proxy.gate.set()
        stdout, stderr = proc.communicate(timeout=WAIT)
        self.assertEqual(proc.returncode, 0, stdout + stderr)
        self.assertTrue(stdout.endswith(
            b"Session: %s timed out.\n" % session["sessionId"].encode()), stdout + stderr)

    # -- npm ssm-session --------------------------------------------------------------------
    def test_ssm_session_npm(self):
        if not os.path.isdir(os.path.join(HERE, "js", "node_modules", "ssm-session")):
            self.skipTest("npm ssm-session is not installed (make install-npm-deps)")
        # ssm-session has no handshake (as clients before it): its first message starts the
        # command. A line-editing shell would ask the terminal where its cursor is: `read`.
        session = self.execute(command="sh -c 'read a; echo got-$a-$((40+2)); exit 3'")["session"]
        res = self.n.node("ssm_exec.mjs", session["streamUrl"], session["tokenValue"], "hello",
                          check=False)
        self.assertEqual(res.returncode, 0, res.stdout + res.stderr)
        out = json.loads(res.stdout.decode().strip().splitlines()[-1])
        self.assertIn("hello\r\ngot-hello-42\r\n", out["output"])
        self.assertEqual(out["closed"]["SessionId"], session["sessionId"])
        self.assertEqual(out["closed"]["ExitCode"], 3)


if __name__ == "__main__":
    unittest.main()
