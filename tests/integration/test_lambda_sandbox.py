"""Lambda execution environment file system as AWS has it: /tmp is disk-backed, sized by
EphemeralStorage (ENOSPC when full) and not charged to the memory limit."""
import json
import os
import time
import unittest

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


if __name__ == "__main__":
    unittest.main()
