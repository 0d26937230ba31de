"""Lambda execution environments as AWS has them: /tmp is disk-backed, sized by EphemeralStorage
(ENOSPC when full) and not charged to the memory limit; the function runs as sbx_user1051 (uid
993) without capabilities, so that escape attempts from inside it fail."""
import json
import os
import time
import unittest
import uuid

from harness import Nimbus
from lambda_util import create, invoke

PY_TMP = """
import errno, os
def handler(event, context):
    block = b"x" * (1 << 20)
    written = 0
    try:
        with open("/tmp/fill", "wb") as f:
            for _ in range(event["mb"]):
                f.write(block)
                written += 1
            f.flush()
            os.fsync(f.fileno())
        result = "ok"
    except OSError as e:
        result = errno.errorcode.get(e.errno, str(e.errno))
    st = os.statvfs("/tmp")
    os.unlink("/tmp/fill")
    return {"result": result, "written_mb": written,
            "size_mb": st.f_blocks * st.f_frsize >> 20}
"""


class LambdaTmp(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.n = Nimbus().start()
        cls.lam = cls.n.client("lambda")
        create(cls.lam, "tmpfill", {"app.py": PY_TMP}, MemorySize=128,
               EphemeralStorage={"Size": 512}, Timeout=60)

    @classmethod
    def tearDownClass(cls):
        cls.n.stop()

    def fill(self, mb):
        r = invoke(self.lam, "tmpfill", {"mb": mb})
        self.assertEqual(r["StatusCode"], 200)
        self.assertNotIn("FunctionError", r, r["Body"])
        return json.loads(r["Body"])

    def test_limits_are_on_where_expected(self):
        # Set by the run in a cgroup v2 VM (tests/vm): there nimbus must have every limit.
        expect = os.environ.get("NIMBUS_EXPECT_CGROUP")
        if not expect:
            self.skipTest("NIMBUS_EXPECT_CGROUP not set")
        want = "nimbus: lambda sandbox: namespaces, cgroup %s, all limits on" % expect
        deadline = time.time() + 5
        while want not in self.n.stderr_lines and time.time() < deadline:
            time.sleep(0.05)
        self.assertIn(want, self.n.stderr_lines)

    def test_tmp_holds_more_than_the_memory_limit(self):
        out = self.fill(300)  # 300 MB in a 128 MB function: page cache, not memory
        self.assertEqual(out["result"], "ok")
        self.assertEqual(out["written_mb"], 300)
        self.assertGreaterEqual(out["size_mb"], 512)

    def test_tmp_full_is_enospc_in_the_handler(self):
        out = self.fill(600)  # beyond EphemeralStorage: ENOSPC, not Runtime.OutOfMemory
        self.assertEqual(out["result"], "ENOSPC")
        self.assertGreaterEqual(out["written_mb"], 500)
        self.assertLess(out["written_mb"], 560)
        self.assertEqual(self.fill(1)["result"], "ok")  # the same environment goes on


# Each attempt runs in a forked child (so that a success changes nothing in the runtime) and is
# reported as "ok" or the errno's name. Every one of them succeeded when functions ran as host
# root with every capability.
PY_ESCAPE = r"""
import ctypes, errno, os, platform
libc = ctypes.CDLL(None, use_errno=True)
NR = {"x86_64": {"keyctl": 250, "bpf": 321}, "aarch64": {"keyctl": 219, "bpf": 280}}[platform.machine()]
MS_REMOUNT, MS_BIND = 32, 4096

def check(rc):
    if rc == -1:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))

def attempt(fn):
    pid = os.fork()
    if pid == 0:
        try:
            fn()
            os._exit(0)
        except OSError as e:
            os._exit(e.errno or 255)
        except BaseException:
            os._exit(255)
    _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    return "ok" if code == 0 else errno.errorcode.get(code, str(code))

def write(path, data=b"x"):
    with open(path, "wb") as f:
        f.write(data)

def remount_etc_and_write(marker):
    check(libc.mount(None, b"/etc", None, MS_REMOUNT | MS_BIND, None))
    write("/etc/" + marker)

def sysctl_same_value():
    path = "/proc/sys/net/ipv4/ip_forward"
    write(path, open(path, "rb").read())  # the same value: nothing changes even if it works

def mount_tmpfs():
    os.makedirs("/tmp/mnt", exist_ok=True)
    check(libc.mount(b"tmpfs", b"/tmp/mnt", b"tmpfs", 0, None))

def unshare():
    check(libc.unshare(0x04000000))  # CLONE_NEWUTS

def ptrace_init():
    check(libc.ptrace(0x4206, 1, None, None))  # PTRACE_SEIZE

def ptrace_own_child():
    pid = os.fork()
    if pid == 0:
        import time
        time.sleep(5)
        os._exit(0)
    try:
        check(libc.ptrace(0x4206, pid, None, None))
    finally:
        os.kill(pid, 9)

def setns_init():
    fd = os.open("/proc/1/ns/mnt", os.O_RDONLY)
    check(libc.setns(fd, 0))

def keyctl():
    check(libc.syscall(NR["keyctl"], 1, None))  # KEYCTL_JOIN_SESSION_KEYRING

def bpf():
    attr = (ctypes.c_uint32 * 32)(2, 4, 4, 1)  # BPF_MAP_CREATE: array, 4-byte keys/values, 1
    check(libc.syscall(NR["bpf"], 0, ctypes.byref(attr), ctypes.sizeof(attr)))

def read_first(path):
    try:
        with open(path, "rb") as f:
            return f.read(16).hex()
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e.errno))

def handler(event, context):
    marker = event["marker"]
    status = {}
    for line in open("/proc/self/status"):
        key, _, value = line.partition(":")
        if key in ("Uid", "Gid", "CapEff", "CapPrm", "CapBnd", "CapAmb", "NoNewPrivs", "Seccomp"):
            status[key] = value.split()
    attempts = {
        "remount /etc and write": attempt(lambda: remount_etc_and_write(marker)),
        "write /etc": attempt(lambda: write("/etc/" + marker)),
        "write /usr": attempt(lambda: write("/usr/" + marker)),
        "write /var/task": attempt(lambda: write("/var/task/" + marker)),
        "sysctl ip_forward": attempt(sysctl_same_value),
        "mount tmpfs": attempt(mount_tmpfs),
        "unshare": attempt(unshare),
        "ptrace init": attempt(ptrace_init),
        "setns into init's mount namespace": attempt(setns_init),
        "keyctl": attempt(keyctl),
        "bpf": attempt(bpf),
    }
    allowed = {
        "write /tmp": attempt(lambda: write("/tmp/" + marker)),
        "read own code": attempt(lambda: open("/var/task/app.py").read()),
        "ptrace own child": attempt(ptrace_own_child),
    }
    return {"status": status, "attempts": attempts, "allowed": allowed,
            "kcore": read_first("/proc/kcore"), "keys": read_first("/proc/keys")}
"""


class LambdaLeastPrivilege(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.n = Nimbus().start()
        cls.lam = cls.n.client("lambda")
        create(cls.lam, "escape", {"app.py": PY_ESCAPE}, Timeout=30)
        cls.marker = "nimbus-escape-" + uuid.uuid4().hex
        r = invoke(cls.lam, "escape", {"marker": cls.marker})
        cls.raw = r
        cls.out = json.loads(r["Body"])

    @classmethod
    def tearDownClass(cls):
        for d in ("/etc", "/usr"):
            try:
                os.unlink(os.path.join(d, cls.marker))
            except FileNotFoundError:
                pass
        cls.n.stop()

    def test_function_ran(self):
        self.assertNotIn("FunctionError", self.raw, self.out)

    def test_runs_as_sbx_user1051_without_capabilities(self):
        st = self.out["status"]
        self.assertEqual(st["Uid"], ["993"] * 4)
        self.assertEqual(st["Gid"], ["990"] * 4)
        for caps in ("CapEff", "CapPrm", "CapBnd", "CapAmb"):
            self.assertEqual(int(st[caps][0], 16), 0, caps)
        self.assertEqual(st["NoNewPrivs"], ["1"])
        self.assertEqual(st["Seccomp"], ["2"])  # a filter

    def test_escape_attempts_fail(self):
        for what, result in self.out["attempts"].items():
            with self.subTest(what):
                self.assertNotEqual(result, "ok")

    def test_host_etc_unchanged(self):
        self.assertFalse(os.path.exists(os.path.join("/etc", self.marker)))
        self.assertFalse(os.path.exists(os.path.join("/usr", self.marker)))

    def test_what_a_function_may_do_still_works(self):
        self.assertEqual(self.out["allowed"],
                         {"write /tmp": "ok", "read own code": "ok", "ptrace own child": "ok"})

    def test_proc_masks_host_information(self):
        # /dev/null over them, as Docker masks them (a kernel may not have /proc/kcore)
        self.assertIn(self.out["kcore"], ("", "ENOENT"))
        self.assertEqual(self.out["keys"], "")


# A fork bomb: children that stay (sleep MARK) until the pids limit stops the forks.
PY_BOMB = """
import os, time, uuid
ENVIRONMENT = uuid.uuid4().hex  # one per execution environment (module loaded once)

def handler(event, context):
    forked, error = 0, None
    for _ in range(event.get("bomb", 0)):
        try:
            pid = os.fork()
        except OSError as e:
            error = e.errno
            break
        if pid == 0:
            os.execv("/bin/sleep", ["sleep", event["mark"]])
        forked += 1
    time.sleep(event.get("sleep", 0))
    return {"environment": ENVIRONMENT, "forked": forked, "error": error}
"""


def processes_with(mark):
    """Host pids whose command line holds `mark` (the sandboxes' processes are visible here)."""
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                if mark.encode() in f.read().split(b"\0"):
                    found.append(int(pid))
        except OSError:
            pass
    return found


def wait_until(predicate, seconds=60):
    deadline = time.time() + seconds
    while not predicate() and time.time() < deadline:
        time.sleep(0.05)
    return predicate()


class LambdaEnvironmentCleanup(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.n = Nimbus().start()
        cls.lam = cls.n.client("lambda")
        create(cls.lam, "bomb", {"app.py": PY_BOMB}, MemorySize=1024, Timeout=120)
        create(cls.lam, "stuck", {"app.py": PY_BOMB}, MemorySize=1024, Timeout=2)

    @classmethod
    def tearDownClass(cls):
        cls.n.stop()

    def call(self, name, event):
        r = invoke(self.lam, name, event)
        return r, json.loads(r["Body"])

    def test_environment_that_hit_its_pids_limit_is_replaced(self):
        mark = str(uuid.uuid4().int % 10**9 + 10**9)
        _, first = self.call("bomb", {"bomb": 5000, "mark": mark})
        self.assertEqual(first["error"], 11, first)  # EAGAIN: the pids limit stopped it
        self.assertGreater(first["forked"], 500)
        _, second = self.call("bomb", {"mark": mark})
        self.assertNotEqual(second["environment"], first["environment"])
        # The bombed environment is gone with everything it left.
        self.assertTrue(wait_until(lambda: not processes_with(mark)), processes_with(mark)[:5])
        _, third = self.call("bomb", {"mark": mark})  # the fresh one stays warm
        self.assertEqual(third["environment"], second["environment"])

    def test_an_environment_below_its_pids_limit_is_reused(self):
        mark = str(uuid.uuid4().int % 10**9 + 10**9)
        _, first = self.call("bomb", {"bomb": 20, "mark": mark})
        self.assertEqual(first["forked"], 20)
        _, second = self.call("bomb", {"mark": mark})
        self.assertEqual(second["environment"], first["environment"])

    def test_timed_out_environment_is_torn_down_with_its_processes(self):
        mark = str(uuid.uuid4().int % 10**9 + 10**9)
        r, out = self.call("stuck", {"bomb": 200, "mark": mark, "sleep": 60})
        self.assertEqual(out["errorType"], "Sandbox.Timedout", out)
        self.assertTrue(wait_until(lambda: not processes_with(mark)), processes_with(mark)[:5])


if __name__ == "__main__":
    unittest.main()
